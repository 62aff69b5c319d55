"""Serve the fake to httpx clients, sync and async, without a socket, through a respx router.

A scripted latency longer than the request's read timeout raises `httpx.ReadTimeout`. A call to
any other URL raises `NotRouted`, unless the test stubbed it (`fake.respx.get(...)`) or another
respx router active in the test answers it.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from contextvars import ContextVar

import anyio
import httpx
import respx
from respx.models import AllMockedAssertionError, ResolvedRoute

from mock_server.testing.inprocess import Answer, InProcessApp, NotRouted, Router

__all__ = ["ASYNC_CALL", "HttpxNotRouted", "HttpxRouter", "RefusingRouter"]

#: True while an async client's request is resolved, so the answer may be awaited.
ASYNC_CALL: ContextVar[bool] = ContextVar("vidu_mock_async_httpx_call", default=False)


class HttpxNotRouted(NotRouted, AllMockedAssertionError):
    """`NotRouted` for httpx; as a respx "not mocked" error, other routers still get their turn."""


class HttpxRouter(Router):
    """Route httpx calls for the app's base URLs into it; refuse the others."""

    def __init__(self, app: InProcessApp) -> None:
        self.app = app
        self.router = RefusingRouter(assert_all_called=False)
        self.router.refuse = self._refuse
        self.router.route(name="vidu-mock").mock(side_effect=self.answer)

    def start(self) -> None:
        self.router.start()

    def stop(self) -> None:
        self.router.stop(quiet=True)

    @staticmethod
    async def sleep_async(seconds: float) -> None:
        await anyio.sleep(seconds)  # an async client may run on trio too

    def answer(self, request: httpx.Request) -> httpx.Response | Awaitable[httpx.Response] | None:
        """Run a request for the app through it; None lets other routes try the rest."""
        url = str(request.url)
        if not self.app.routes(url):
            return None
        answer = self.app.call(request.method, url, request.headers.multi_items(), request.content)
        if ASYNC_CALL.get():
            return self._answer_async(answer, request)
        self.wait(answer, _read_timeout(request), _timed_out(request))
        return _response(answer, request)

    async def _answer_async(self, answer: Answer, request: httpx.Request) -> httpx.Response:
        await self.wait_async(answer, _read_timeout(request), _timed_out(request))
        return _response(answer, request)

    def _refuse(self, request: httpx.Request) -> NotRouted:
        url = str(request.url)
        stub = f'fake.respx.get("{url}").respond(200, content=b"...")'
        return HttpxNotRouted(str(self.app.refusal("httpx", request.method, url, stub=stub)))


class RefusingRouter(respx.MockRouter):
    """A respx router raising `refuse(request)` for a call none of its routes answers."""

    refuse: Callable[[httpx.Request], NotRouted]

    def resolve(self, request: httpx.Request) -> ResolvedRoute:
        try:
            return super().resolve(request)
        except AllMockedAssertionError:
            raise self.refuse(request) from None

    async def aresolve(self, request: httpx.Request) -> ResolvedRoute:
        async_call = ASYNC_CALL.set(True)
        try:
            return await super().aresolve(request)
        except AllMockedAssertionError:
            raise self.refuse(request) from None
        finally:
            ASYNC_CALL.reset(async_call)


def _response(answer: Answer, request: httpx.Request) -> httpx.Response:
    return httpx.Response(
        answer.status, headers=answer.headers, content=answer.body, request=request
    )


def _timed_out(request: httpx.Request) -> Callable[[str], httpx.ReadTimeout]:
    return functools.partial(httpx.ReadTimeout, request=request)


def _read_timeout(request: httpx.Request) -> float | None:
    """The read timeout the client set on this request (None: none)."""
    read = request.extensions.get("timeout", {}).get("read")
    return None if read is None else float(read)
