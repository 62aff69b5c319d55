"""Serve the fake to `requests` without a socket: `responses` hands each call to the app.

The fake's routing lives in the registry of the `responses` mock (`RoutingRegistry`): every call
for the app's base URLs, whatever its method, is answered by the app before any stub is looked
at, and a call nothing answers raises `NotRouted`, unless the test stubbed it
(`fake.responses.get(...)`) or let it through (`fake.responses.add_passthru(...)`). The mock
puts that registry back whenever it would install a plain one (`reset`, `_set_registry`), so a
test that clears its stubs keeps the fake.

A scripted latency longer than the caller's read timeout raises
`requests.exceptions.ReadTimeout`, as a real server would cause.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from re import Pattern
from typing import Any

import requests
import responses
from requests import PreparedRequest
from responses.registries import FirstMatchRegistry
from urllib3.util import Timeout

from mock_server.testing.inprocess import InProcessApp, Router, body_bytes

__all__ = ["RequestsRouter", "RoutingRegistry", "RoutingRequestsMock"]

RespondsWith = tuple[int, Mapping[str, str], bytes]


class RequestsRouter(Router):
    """Route `requests` calls for the app's base URLs into it through a `responses` mock."""

    def __init__(self, app: InProcessApp) -> None:
        self.app = app
        #: What `responses` is handed for a call the app answers.
        self.fake = responses.CallbackResponse(
            "*", app.pattern, callback=self.answer, content_type=None
        )
        self.mock = RoutingRequestsMock(self)

    def start(self) -> None:
        self.mock.start()

    def stop(self) -> None:
        self.mock.stop()
        self.mock.reset()

    def answer(self, prepared: PreparedRequest) -> RespondsWith:
        """Run one request through the app and give `responses` the app's answer."""
        method, url = prepared.method or "GET", prepared.url or ""
        answer = self.app.call(method, url, prepared.headers.items(), body_bytes(prepared.body))
        timed_out = functools.partial(requests.exceptions.ReadTimeout, request=prepared)
        self.wait(answer, _read_timeout(prepared), timed_out)
        # Multi-valued headers are legal; responses extends its header dict from this list.
        headers: Any = answer.headers
        return answer.status, headers, answer.body

    def refuse(self, prepared: PreparedRequest) -> None:
        """Raise `NotRouted` for a call nothing matched, unless the test lets it through."""
        url = prepared.url or ""
        if not any(_matches(prefix, url) for prefix in self.mock.passthru_prefixes):
            stub = f'fake.responses.get("{url}", body=b"...")'
            raise self.app.refusal("requests", prepared.method or "GET", url, stub=stub)


class RoutingRegistry(FirstMatchRegistry):
    """`responses`' registry with the fake in front of the test's stubs and `NotRouted` behind."""

    def __init__(self, router: RequestsRouter) -> None:
        super().__init__()
        self.router = router

    def find(self, request: PreparedRequest) -> tuple[responses.BaseResponse | None, list[str]]:
        if self.router.app.routes(request.url or ""):
            return self.router.fake, []
        found, reasons = super().find(request)
        if found is None:
            self.router.refuse(request)
        return found, reasons


class RoutingRequestsMock(responses.RequestsMock):
    """A `responses` mock whose registry always routes to the fake, also after a reset."""

    def __init__(self, router: RequestsRouter) -> None:
        self.router = router  # before the base class's __init__, which calls `reset`
        super().__init__(assert_all_requests_are_fired=False)
        self._registry = _routing(FirstMatchRegistry)(router)

    def reset(self) -> None:
        """Forget the test's stubs, calls and passthroughs, as `responses` does; keep the fake."""
        super().reset()
        self._registry = _routing(FirstMatchRegistry)(self.router)

    def _set_registry(self, new_registry: type[FirstMatchRegistry]) -> None:
        super()._set_registry(new_registry)
        self._registry = _routing(new_registry)(self.router)


def _routing(registry: type[FirstMatchRegistry]) -> type[RoutingRegistry]:
    """This kind of registry (first match, ordered, ...) with the fake's routing in front."""
    routing: type[RoutingRegistry] = type(
        f"Routing{registry.__name__}", (RoutingRegistry, registry), {}
    )
    return routing


def _matches(prefix: str | Pattern[str], url: str) -> bool:
    return prefix.match(url) is not None if isinstance(prefix, Pattern) else url.startswith(prefix)


def _read_timeout(prepared: PreparedRequest) -> float | None:
    """The read timeout of the call (responses keeps its arguments): seconds, a (connect, read)
    pair or a urllib3 `Timeout`, read as urllib3 does once connected (which takes no time here):
    the read timeout, within the total."""
    timeout = getattr(prepared, "req_kwargs", {}).get("timeout")
    if isinstance(timeout, tuple):
        timeout = Timeout(connect=timeout[0], read=timeout[1])
    elif not isinstance(timeout, Timeout):
        timeout = Timeout(connect=timeout, read=timeout)
    total = timeout.total if isinstance(timeout.total, int | float) else None
    unbounded = timeout.clone()
    unbounded.total = None
    read = unbounded.read_timeout  # the read timeout alone, urllib3's default resolved
    return min((t for t in (read, total) if t is not None), default=None)
