"""Serve the fake to HTTP clients without a socket: one call into the app, a refusal for the rest.

Each client library has a router (`requests_routing`, `httpx_routing`, `aiohttp_routing`,
`urllib_routing`) that turns its request into `InProcessApp.call`, a Werkzeug test-client call,
and the app's `Answer` back into its own response, so status, headers and body arrive intact.
Every method is routed: the fake itself answers one it does not allow (405, with `Allow`).
A call to any other URL raises `NotRouted` before anything is sent: no connection, no DNS lookup.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable, Iterable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import urlsplit

from werkzeug.test import Client

from mock_server.web.journalling import DEFERRED_LATENCY

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

__all__ = [
    "DEFAULT_BASE_URL",
    "SERVING",
    "Answer",
    "InProcessApp",
    "NotRouted",
    "Router",
    "body_bytes",
]

DEFAULT_BASE_URL = "https://api.highwayapi.ai"

#: True while the app answers a routed call: what the fake itself fetches then (input images,
#: with `fetch_images`) from other hosts is the fake's own business, not a call of the client
#: under test.
SERVING: ContextVar[bool] = ContextVar("vidu_mock_serving", default=False)

#: Makes the error a client raises when its read timeout fires, from what it says.
TimedOut = Callable[[str], Exception]


class Router:
    """One HTTP client library's routing into an app: on from `start` (or entering a `with`
    block) until `stop`."""

    def start(self) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def wait(self, answer: Answer, timeout: float | None, timed_out: TimedOut) -> None:
        """Wait for a late answer as the client would, raising its error if its timeout fires."""
        seconds, message = _lateness(answer, timeout)
        if seconds:
            self.sleep(seconds)
        if message:
            raise timed_out(message)

    async def wait_async(self, answer: Answer, timeout: float | None, timed_out: TimedOut) -> None:
        """`wait`, without blocking the event loop."""
        seconds, message = _lateness(answer, timeout)
        if seconds:
            await self.sleep_async(seconds)
        if message:
            raise timed_out(message)

    @staticmethod
    def sleep(seconds: float) -> None:
        time.sleep(seconds)

    @staticmethod
    async def sleep_async(seconds: float) -> None:
        await asyncio.sleep(seconds)


class NotRouted(AssertionError):
    """A client called a URL the in-process fake does not answer; nothing was sent."""


@dataclass(frozen=True)
class Answer:
    """The app's answer to one call, and how many wall-clock seconds late it is due."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes
    latency: float = 0.0

    @property
    def reason(self) -> str:
        try:
            return HTTPStatus(self.status).phrase
        except ValueError:
            return ""


class InProcessApp:
    """One WSGI app answering on some base URLs and every URL under them."""

    def __init__(self, app: WSGIApplication, base_urls: Sequence[str]) -> None:
        self.client = Client(app)
        self.base_urls = tuple(dict.fromkeys(url.rstrip("/") for url in base_urls if url))
        bases = "|".join(re.escape(base) for base in self.base_urls)
        self.pattern = re.compile(rf"(?:{bases})(?:[/?#].*)?\Z", re.DOTALL)

    def routes(self, url: str) -> bool:
        """Tell whether the app answers this URL."""
        return self.pattern.match(url) is not None

    def call(
        self, method: str, url: str, headers: Iterable[tuple[str, str]], body: bytes
    ) -> Answer:
        """Run one request for a URL it `routes` through the app; the answer notes any latency
        the fake asked for."""
        base, path, query = self._split(url)
        latencies: list[float] = []
        serving = SERVING.set(True)
        try:
            response = self.client.open(
                path,
                method=method.upper(),
                base_url=base,
                query_string=query,
                headers=list(headers),
                data=body,
                environ_overrides={DEFERRED_LATENCY: latencies},
            )
        finally:
            SERVING.reset(serving)
        return Answer(
            response.status_code,
            list(response.headers.items()),
            response.get_data(),
            sum(latencies),
        )

    def refusal(
        self, client: str, method: str, url: object, *, stub: str = "", reason: str = ""
    ) -> NotRouted:
        """The error for a call the app does not answer: the URL, and why (by default: the ways
        to route it)."""
        if not reason:
            ways = [
                "point the client at `fake.base_url`",
                "override the `vidu_mock_inprocess_base_url` fixture to move the fake there",
            ]
            if stub:
                ways.append(f"stub it with `{stub}`")
            reason = (
                f"the fake answers only URLs under {' and '.join(self.base_urls)}. "
                f"To route it, {', or '.join(ways)}."
            )
        return NotRouted(
            f"vidu_mock_inprocess does not route {method.upper()} {url} ({client}), so nothing "
            f"was sent: {reason}"
        )

    def _split(self, url: str) -> tuple[str, str, str]:
        """Split a routed URL into the base it is under (a path there becomes SCRIPT_NAME), the
        path and the query."""
        base = max((b for b in self.base_urls if url.startswith(b)), key=len)
        parts = urlsplit(url[len(base) :])
        return base, parts.path or "/", parts.query


def body_bytes(body: Any) -> bytes:
    """A request body as the bytes sent: none, text, bytes, a file, or an iterable of chunks."""
    if body is None:
        return b""
    if hasattr(body, "read"):
        body = body.read()
    if isinstance(body, str):
        return body.encode()
    if isinstance(body, bytes | bytearray | memoryview):
        return bytes(body)
    return b"".join(chunk.encode() if isinstance(chunk, str) else bytes(chunk) for chunk in body)


def _lateness(answer: Answer, timeout: float | None) -> tuple[float, str]:
    """How long a client waits for a late answer, and what its read timeout says if it fires
    first ("" if not)."""
    if timeout is None or answer.latency <= timeout:
        return answer.latency, ""
    return (
        timeout,
        f"read timed out after {timeout:g} s (the fake answered {answer.latency:g} s late)",
    )
