"""Serve the fake to `requests` without a socket: `responses` hands each call to the Flask app.

Every `requests` call to one of the base URLs becomes a Werkzeug test-client call, and the
app's answer goes back with its status, headers and body intact, so Range, HEAD and streaming
work as over HTTP. A scripted latency longer than the caller's read timeout raises
`requests.exceptions.ReadTimeout`, as a real server would cause.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import requests
import responses
from requests import PreparedRequest
from werkzeug.test import Client

from mock_server.web.journalling import DEFERRED_LATENCY

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

__all__ = ["DEFAULT_BASE_URL", "InProcessTransport"]

DEFAULT_BASE_URL = "https://api.highwayapi.ai"
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")

Answer = tuple[int, Mapping[str, str], bytes]


class InProcessTransport:
    """Route `requests` calls for some base URLs into one WSGI app, through a `responses` mock."""

    def __init__(
        self,
        app: WSGIApplication,
        base_urls: Sequence[str],
        mock: responses.RequestsMock | None = None,
    ) -> None:
        self.app = app
        self.client = Client(app)
        self.base_urls = tuple(dict.fromkeys(url.rstrip("/") for url in base_urls if url))
        self.mock = mock or responses.RequestsMock(assert_all_requests_are_fired=False)
        self._owns_mock = mock is None

    def __enter__(self) -> InProcessTransport:
        if self._owns_mock:
            self.mock.start()
        for base in self.base_urls:
            pattern = re.compile(re.escape(base) + r"(?:[/?#].*)?\Z", re.DOTALL)
            for method in METHODS:
                self.mock.add_callback(method, pattern, callback=self.answer, content_type=None)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._owns_mock:
            self.mock.stop()
            self.mock.reset()

    def answer(self, prepared: PreparedRequest) -> Answer:
        """Run one request through the app and give `responses` the app's answer."""
        base, path, query = self._split(prepared.url or "")
        latencies: list[float] = []
        response = self.client.open(
            path,
            method=prepared.method or "GET",
            base_url=base,
            query_string=query,
            headers=list(prepared.headers.items()),
            data=_body(prepared.body),
            environ_overrides={DEFERRED_LATENCY: latencies},
        )
        _wait(sum(latencies), _read_timeout(prepared), prepared)
        # Multi-valued headers are legal; responses extends its header dict from this list.
        headers: Any = list(response.headers.items())
        return response.status_code, headers, response.get_data()

    def _split(self, url: str) -> tuple[str, str, str]:
        """Split a URL into the base it matched (a path there becomes SCRIPT_NAME), path, query."""
        base = max((b for b in self.base_urls if url.startswith(b)), key=len, default="")
        parts = urlsplit(url[len(base) :] if base else url)
        return base or url, parts.path or "/", parts.query


def _body(body: Any) -> bytes:
    if body is None:
        return b""
    if isinstance(body, str):
        return body.encode("utf-8")
    if isinstance(body, bytes):
        return body
    return b"".join(chunk.encode() if isinstance(chunk, str) else chunk for chunk in body)


def _read_timeout(prepared: PreparedRequest) -> float | None:
    """The read timeout the caller gave `requests` (responses keeps the call's arguments)."""
    timeout = getattr(prepared, "req_kwargs", {}).get("timeout")
    if isinstance(timeout, tuple):
        timeout = timeout[1]
    return None if timeout is None else float(timeout)


def _wait(latency: float, timeout: float | None, prepared: PreparedRequest) -> None:
    """Wait as a client of a slow server would: the latency, or until its timeout fires."""
    if latency <= 0:
        return
    if timeout is not None and latency > timeout:
        time.sleep(timeout)
        raise requests.exceptions.ReadTimeout(
            f"read timed out after {timeout:g} s (the fake answered {latency:g} s late)",
            request=prepared,
        )
    time.sleep(latency)
