"""Serve the fake to `requests` without a socket: `responses` hands each call to the app.

A scripted latency longer than the caller's read timeout raises
`requests.exceptions.ReadTimeout`, as a real server would cause. A call to any other URL raises
`NotRouted`, unless the test stubbed it (`fake.responses.get(...)`) or let it through
(`fake.responses.add_passthru(...)`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from re import Pattern
from typing import Any

import requests
import responses
from requests import PreparedRequest
from responses.registries import FirstMatchRegistry

from mock_server.testing.inprocess import METHODS, InProcessApp, Router, late_by, timeout_message

__all__ = ["RequestsRouter"]

RespondsWith = tuple[int, Mapping[str, str], bytes]


class RequestsRouter(Router):
    """Route `requests` calls for the app's base URLs into it through a `responses` mock."""

    def __init__(self, app: InProcessApp) -> None:
        self.app = app
        self.mock = responses.RequestsMock(
            assert_all_requests_are_fired=False, registry=RefusingRegistry
        )

    def start(self) -> None:
        self.mock.start()
        registry = self.mock.get_registry()
        assert isinstance(registry, RefusingRegistry)
        registry.refuse = self._refuse
        for method in METHODS:
            self.mock.add_callback(
                method, self.app.pattern, callback=self.answer, content_type=None
            )

    def stop(self) -> None:
        self.mock.stop()
        self.mock.reset()

    def answer(self, prepared: PreparedRequest) -> RespondsWith:
        """Run one request through the app and give `responses` the app's answer."""
        method, url = prepared.method or "GET", prepared.url or ""
        answer = self.app.call(method, url, prepared.headers.items(), _body(prepared.body))
        seconds, timed_out = late_by(answer, _read_timeout(prepared))
        time.sleep(seconds)
        if timed_out:
            raise requests.exceptions.ReadTimeout(
                timeout_message(answer, seconds), request=prepared
            )
        # Multi-valued headers are legal; responses extends its header dict from this list.
        headers: Any = answer.headers
        return answer.status, headers, answer.body

    def _refuse(self, prepared: PreparedRequest) -> None:
        """Raise `NotRouted` for a call nothing matched, unless the test lets it through."""
        url = prepared.url or ""
        if not any(_matches(prefix, url) for prefix in self.mock.passthru_prefixes):
            stub = f'fake.responses.get("{url}", body=b"...")'
            raise self.app.refusal("requests", prepared.method or "GET", url, stub)


class RefusingRegistry(FirstMatchRegistry):
    """`responses`' registry, calling `refuse` when no registered answer matches a call."""

    refuse: Callable[[PreparedRequest], None] = staticmethod(lambda prepared: None)

    def find(self, request: PreparedRequest) -> tuple[responses.BaseResponse | None, list[str]]:
        found, reasons = super().find(request)
        if found is None:
            self.refuse(request)
        return found, reasons


def _matches(prefix: str | Pattern[str], url: str) -> bool:
    return prefix.match(url) is not None if isinstance(prefix, Pattern) else url.startswith(prefix)


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
