"""One small adapter per HTTP client library, so a test can say the same thing through each.

Every adapter sends a request the way its library's users do and returns a `Reply`; the async
ones run each call in its own event loop. Every reply from the API is schema-checked.
"""

from __future__ import annotations

import asyncio
import json
import ssl
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import aiohttp
import httpx
import requests
from requests.structures import CaseInsensitiveDict

from mock_server.wire.schemas import ERROR, SUBMIT_RESPONSE, TASK_RESULT
from tests.helpers import RESULT, SUBMIT, VALID_BODY, check_schema

TIMEOUT = 10.0
CHUNK = 64 * 1024
#: One TLS context for every httpx client (building one per client costs ~50 ms).
TLS = ssl.create_default_context()


@dataclass
class Reply:
    """What a client received: status, headers, body (and the chunks of a streamed body)."""

    status: int
    headers: CaseInsensitiveDict[str]
    body: bytes
    chunks: list[bytes] = field(default_factory=list)

    def json(self) -> Any:
        return json.loads(self.body)


class HttpClient(Protocol):
    name: str

    def request(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        body: Any = None,
        params: Mapping[str, str] | None = None,
        timeout: float = TIMEOUT,
        stream: bool = False,
    ) -> Reply: ...


def _reply(status: int, headers: Any, body: bytes, chunks: list[bytes] | None = None) -> Reply:
    return Reply(status, CaseInsensitiveDict(headers), body, chunks or [])


class RequestsClient:
    name = "requests"

    def request(
        self, method, url, *, headers=None, body=None, params=None, timeout=TIMEOUT, stream=False
    ) -> Reply:
        with requests.request(
            method, url, headers=headers, json=body, params=params, timeout=timeout, stream=stream
        ) as response:
            chunks = list(response.iter_content(CHUNK)) if stream else []
            content = b"".join(chunks) if stream else response.content
            return _reply(response.status_code, response.headers, content, chunks)


class HttpxClient:
    name = "httpx"

    def request(
        self, method, url, *, headers=None, body=None, params=None, timeout=TIMEOUT, stream=False
    ) -> Reply:
        with (
            httpx.Client(timeout=timeout, verify=TLS) as client,
            client.stream(method, url, headers=headers, json=body, params=params) as response,
        ):
            chunks = list(response.iter_bytes(CHUNK))
            return _reply(
                response.status_code,
                response.headers.multi_items(),
                b"".join(chunks),
                chunks if stream else [],
            )


class HttpxAsyncClient:
    name = "httpx-async"

    def request(
        self, method, url, *, headers=None, body=None, params=None, timeout=TIMEOUT, stream=False
    ) -> Reply:
        async def call() -> Reply:
            async with (
                httpx.AsyncClient(timeout=timeout, verify=TLS) as client,
                client.stream(method, url, headers=headers, json=body, params=params) as response,
            ):
                chunks = [chunk async for chunk in response.aiter_bytes(CHUNK)]
                return _reply(
                    response.status_code,
                    response.headers.multi_items(),
                    b"".join(chunks),
                    chunks if stream else [],
                )

        return asyncio.run(call())


class AiohttpClient:
    """aiohttp with a timeout per request or, given `session_timeout`, on the session alone."""

    name = "aiohttp"

    def __init__(self, session_timeout: aiohttp.ClientTimeout | None = None) -> None:
        self.session_timeout = session_timeout

    def request(
        self, method, url, *, headers=None, body=None, params=None, timeout=TIMEOUT, stream=False
    ) -> Reply:
        if self.session_timeout is None:
            on_session, per_request = {}, {"timeout": aiohttp.ClientTimeout(total=timeout)}
        else:
            on_session, per_request = {"timeout": self.session_timeout}, {}

        async def call() -> Reply:
            async with (
                aiohttp.ClientSession(**on_session) as session,
                session.request(
                    method, url, headers=headers, json=body, params=params, **per_request
                ) as response,
            ):
                chunks = [chunk async for chunk in response.content.iter_chunked(CHUNK)]
                return _reply(
                    response.status,
                    response.headers.items(),
                    b"".join(chunks),
                    chunks if stream else [],
                )

        return asyncio.run(call())


class UrllibClient:
    name = "urllib"

    def request(
        self, method, url, *, headers=None, body=None, params=None, timeout=TIMEOUT, stream=False
    ) -> Reply:
        if params:
            url += "?" + urllib.parse.urlencode(params)
        sent = {**(headers or {})}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            sent["Content-Type"] = "application/json"
        request = urllib.request.Request(url, data=data, headers=sent, method=method)
        try:
            response = urllib.request.urlopen(request, timeout=timeout)
        except urllib.error.HTTPError as error:
            response = error
        with response:
            chunks = list(iter(lambda: response.read(CHUNK), b"")) if stream else []
            content = b"".join(chunks) if stream else response.read()
            return _reply(response.status, response.headers.items(), content, chunks)


CLIENTS: list[HttpClient] = [
    RequestsClient(),
    HttpxClient(),
    HttpxAsyncClient(),
    AiohttpClient(),
    UrllibClient(),
]


class VideoApi:
    """The emulated API of one fake, called through one client; every answer schema-checked."""

    def __init__(self, client: HttpClient, base_url: str, api_key: str) -> None:
        self.client = client
        self.base_url = base_url
        self.headers = {"Authorization": f"Bearer {api_key}"}

    def submit(self, body: Any = None, **kw: Any) -> Reply:
        reply = self.client.request(
            "POST",
            self.base_url + SUBMIT,
            headers=self.headers,
            body=VALID_BODY if body is None else body,
            **kw,
        )
        check_reply(SUBMIT_RESPONSE, reply)
        return reply

    def poll(self, task_id: str, **kw: Any) -> Reply:
        reply = self.client.request(
            "GET", self.base_url + RESULT, headers=self.headers, params={"task_id": task_id}, **kw
        )
        check_reply(TASK_RESULT, reply)
        return reply

    def task_id(self, body: Any = None) -> str:
        reply = self.submit(body)
        assert reply.status == 200, reply.body
        return str(reply.json()["task_id"])

    def status(self, task_id: str) -> str:
        reply = self.poll(task_id)
        assert reply.status == 200, reply.body
        return str(reply.json()["task"]["status"])

    def video_url(self, task_id: str) -> str:
        return str(self.poll(task_id).json()["videos"][0]["video_url"])

    def download(self, url: str, method: str = "GET", **kw: Any) -> Reply:
        reply = self.client.request(method, url, **kw)
        if reply.status >= 400 and method != "HEAD":
            check_reply(ERROR, reply)
        return reply


def check_reply(schema: str, reply: Reply) -> None:
    """Validate an answer: a success against its schema, an error as the envelope."""
    if reply.status >= 400:
        body = reply.json()
        check_schema(ERROR, body)
        assert body["code"] == reply.status
    else:
        check_schema(schema, reply.json())
