"""Route every installed HTTP client to one in-process fake, and let none reach the network.

`requests` and `urllib` are always routed. httpx is routed when respx is installed, aiohttp
when aioresponses is (`pip install 'vidu-mock[inprocess]'`); an installed client without its
routing library is refused outright, saying what to install, so that it cannot reach the live
service either.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from unittest import mock

from mock_server.testing.inprocess import InProcessApp
from mock_server.testing.requests_routing import RequestsRouter
from mock_server.testing.urllib_routing import UrllibRouter

if TYPE_CHECKING:
    import responses
    import respx
    from _typeshed.wsgi import WSGIApplication

    from mock_server.testing.aiohttp_routing import RefusingAioresponses

__all__ = ["EXTRA", "Routers", "route_every_client"]

EXTRA = "pip install 'vidu-mock[inprocess]'"


@dataclass(frozen=True)
class Routers:
    """The mocks routing each client, for a test to add its own stubs to (None: not routed)."""

    responses: responses.RequestsMock
    respx: respx.MockRouter | None
    aioresponses: RefusingAioresponses | None


@contextmanager
def route_every_client(app: WSGIApplication, base_urls: Sequence[str]) -> Iterator[Routers]:
    """Route every installed client's calls for these base URLs to the app; refuse the rest."""
    inprocess = InProcessApp(app, base_urls)
    with ExitStack() as stack:
        stack.enter_context(UrllibRouter(inprocess))
        requests_router = stack.enter_context(RequestsRouter(inprocess))
        httpx_router = _httpx(inprocess, stack)
        aiohttp_router = _aiohttp(inprocess, stack)
        yield Routers(requests_router.mock, httpx_router, aiohttp_router)


def _httpx(inprocess: InProcessApp, stack: ExitStack) -> respx.MockRouter | None:
    if not _installed("httpx"):
        return None
    if not _installed("respx"):
        stack.enter_context(_refuse_httpx(inprocess))
        return None
    from mock_server.testing.httpx_routing import HttpxRouter

    return stack.enter_context(HttpxRouter(inprocess)).router


def _aiohttp(inprocess: InProcessApp, stack: ExitStack) -> RefusingAioresponses | None:
    if not _installed("aiohttp"):
        return None
    if not _installed("aioresponses"):
        stack.enter_context(_refuse_aiohttp(inprocess))
        return None
    from mock_server.testing.aiohttp_routing import AiohttpRouter

    return stack.enter_context(AiohttpRouter(inprocess)).mock


def _installed(module: str) -> bool:
    try:
        importlib.import_module(module)
    except ImportError:
        return False
    return True


def _unroutable(client: str, library: str) -> str:
    return f"{client} calls reach the fake only with {library} installed (`{EXTRA}`)."


@contextmanager
def _refuse_httpx(inprocess: InProcessApp) -> Iterator[None]:
    """Refuse every httpx call at its transports (respx, which would route them, is absent)."""
    import httpx

    why = _unroutable("httpx", "respx")

    def refuse(transport: Any, request: httpx.Request) -> httpx.Response:
        raise inprocess.refusal("httpx", request.method, request.url, reason=why)

    async def refuse_async(transport: Any, request: httpx.Request) -> httpx.Response:
        raise inprocess.refusal("httpx", request.method, request.url, reason=why)

    with (
        _patched(httpx.HTTPTransport, "handle_request", refuse),
        _patched(httpx.AsyncHTTPTransport, "handle_async_request", refuse_async),
    ):
        yield


@contextmanager
def _refuse_aiohttp(inprocess: InProcessApp) -> Iterator[None]:
    """Refuse every aiohttp call where aioresponses would route it, as it is absent."""
    import aiohttp

    why = _unroutable("aiohttp", "aioresponses")

    async def refuse(session: Any, method: str, url: object, *args: Any, **kw: Any) -> Any:
        raise inprocess.refusal("aiohttp", method, url, reason=why)

    with _patched(aiohttp.ClientSession, "_request", refuse):
        yield


def _patched(owner: type, name: str, new: Callable[..., Any]) -> AbstractContextManager[Any]:
    return mock.patch.object(owner, name, new)
