"""Serve the fake to aiohttp clients without a socket: aioresponses intercepts, the app answers.

aioresponses stands in for `ClientSession._request` (it merges the session's headers, base URL
and params, honours `raise_for_status`, and keeps a test's own stubs: `fake.aioresponses.get`).
A call for the fake's base URLs is answered by the app as a `RoutedResponse`, built here rather
than by aioresponses 0.7.9, which cannot give aiohttp 3.14 a response
(pnuckowski/aioresponses#289) nor hold a body over 128 KiB (a video). A scripted latency longer
than the call's timeout (the request's `timeout=`, else its session's: the shorter of `total` and
`sock_read`) raises `aiohttp.ServerTimeoutError`; any other URL, unless stubbed, raises
`NotRouted`.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from types import SimpleNamespace
from typing import Any

from aiohttp import (
    ClientResponse,
    ClientSession,
    ClientTimeout,
    FormData,
    RequestInfo,
    ServerTimeoutError,
    StreamReader,
    payload,
)
from aiohttp.client_proto import ResponseHandler
from aiohttp.helpers import TimerNoop, sentinel
from aioresponses import aioresponses
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from mock_server.testing.inprocess import Answer, InProcessApp, NotRouted, Router

__all__ = ["SESSION_TIMEOUT", "AiohttpRouter", "RefusingAioresponses", "RoutedResponse"]

Headers = list[tuple[str, str]]
RESPONSE_PARAMETERS = inspect.signature(ClientResponse.__init__).parameters

#: The timeout of the session whose request aioresponses resolves: a call without its own
#: `timeout=` has this one, as aiohttp gives it.
SESSION_TIMEOUT: ContextVar[ClientTimeout | None] = ContextVar(
    "vidu_mock_aiohttp_session_timeout", default=None
)


class AiohttpRouter(Router):
    """Route aiohttp calls for the app's base URLs into it; refuse the others."""

    def __init__(self, app: InProcessApp) -> None:
        self.app = app
        self.mock = RefusingAioresponses()
        self.mock.answer = self.answer
        self.mock.refuse = self._refuse

    def start(self) -> None:
        self.mock.start()

    def stop(self) -> None:
        self.mock.stop()

    async def answer(self, method: str, url: URL, call: dict[str, Any]) -> ClientResponse | None:
        """Run one `ClientSession` request through the app (`call` holds its arguments)."""
        if not self.app.routes(str(url)):
            return None
        headers, body = await _request(call)
        answer = self.app.call(method, str(url), headers, body)
        await self.wait_async(answer, _read_timeout(call), ServerTimeoutError)
        return RoutedResponse.of(method, url, headers, answer)

    def _refuse(self, method: str, url: URL) -> NotRouted:
        stub = f'fake.aioresponses.get("{url}", body=b"...")'
        return self.app.refusal("aiohttp", method, str(url), stub=stub)


class RefusingAioresponses(aioresponses):
    """aioresponses asking `answer` first, then a test's stubs, and raising `refuse` after."""

    answer: Callable[[str, URL, dict[str, Any]], Awaitable[ClientResponse | None]]
    refuse: Callable[[str, URL], NotRouted]

    async def _request_mock(
        self, orig_self: ClientSession, method: str, url: Any, *args: Any, **kwargs: Any
    ) -> ClientResponse:
        """aioresponses' stand-in for `ClientSession._request`, the session's timeout noted."""
        session_timeout = SESSION_TIMEOUT.set(orig_self.timeout)
        try:
            response: ClientResponse = await super()._request_mock(
                orig_self, method, url, *args, **kwargs
            )
            return response
        finally:
            SESSION_TIMEOUT.reset(session_timeout)

    async def match(
        self, method: str, url: URL, allow_redirects: bool = True, **kwargs: Any
    ) -> ClientResponse:
        response = await self.answer(method, url, kwargs)
        if response is None:
            response = await super().match(method, url, allow_redirects, **kwargs)
        if response is None:
            raise self.refuse(method, url)
        return response

    def add(self, url: Any, method: str = "GET", **stub: Any) -> None:  # type: ignore[override]
        """Add a test's own stub; its answer is a `RoutedResponse` unless it names a class."""
        stub.setdefault("response_class", RoutedResponse)
        super().add(url, method, **stub)


class RoutedResponse(ClientResponse):
    """A `ClientResponse` for an answer made in this process: nothing was streamed."""

    def __init__(self, method: str, url: URL, **parts: Any) -> None:
        if "stream_writer" in RESPONSE_PARAMETERS:  # aiohttp >= 3.14
            parts.setdefault("stream_writer", SimpleNamespace(output_size=0))
        super().__init__(method, url, **parts)

    @classmethod
    def of(cls, method: str, url: URL, sent: Headers, answer: Answer) -> RoutedResponse:
        """The response aiohttp would have read for this answer, whatever its size."""
        loop = asyncio.get_running_loop()
        session: Any = None
        response = cls(
            method,
            url,
            writer=None,
            continue100=None,
            timer=TimerNoop(),
            request_info=RequestInfo(url, method, CIMultiDictProxy(CIMultiDict(sent)), url),
            traces=[],
            loop=loop,
            session=session,
        )
        headers = CIMultiDict(answer.headers)
        response._headers = CIMultiDictProxy(headers)
        response._raw_headers = tuple((k.encode(), v.encode()) for k, v in answer.headers)
        response._raw_cookie_headers = tuple(headers.getall("Set-Cookie", ())) or None
        response.status, response.reason = answer.status, answer.reason
        response.content = _stream(answer.body, loop)
        return response


def _stream(body: bytes, loop: asyncio.AbstractEventLoop) -> StreamReader:
    """A finished body stream, its buffer limit above the body so it never pauses."""
    stream = StreamReader(ResponseHandler(loop), limit=max(2**16, len(body)), loop=loop)
    stream.feed_data(body)
    stream.feed_eof()
    return stream


async def _request(call: dict[str, Any]) -> tuple[Headers, bytes]:
    """The headers and body aiohttp would send for these `ClientSession.request` arguments."""
    headers: CIMultiDict[str] = CIMultiDict(call.get("headers") or {})
    content = _payload(call)
    if content is None:
        return list(headers.items()), b""
    if content.content_type and "Content-Type" not in headers:
        headers["Content-Type"] = content.content_type
    return list(headers.items()), await content.as_bytes()


def _payload(call: dict[str, Any]) -> payload.Payload | None:
    """Encode `json=` or `data=` as aiohttp does (a dict as a form, str and bytes as they are)."""
    if call.get("json") is not None:
        return payload.JsonPayload(call["json"])
    data = call.get("data")
    if data is None:
        return None
    if isinstance(data, FormData):
        return data()
    try:
        return payload.PAYLOAD_REGISTRY.get(data, disposition=None)
    except payload.LookupError:
        return FormData(data)()


def _read_timeout(call: dict[str, Any]) -> float | None:
    """How long a call waits for its answer, as aiohttp reads its timeout (the request's, else
    its session's; a number is a total): the shorter of `total` and `sock_read`, of those set
    (aiohttp ignores a zero)."""
    timeout = call.get("timeout", sentinel)
    if timeout is sentinel:
        timeout = SESSION_TIMEOUT.get()
    if not isinstance(timeout, ClientTimeout):
        timeout = ClientTimeout(total=timeout)
    return min((float(t) for t in (timeout.total, timeout.sock_read) if t), default=None)
