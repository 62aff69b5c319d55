"""Journal every request of the emulated API, and let scripted latency be waited out.

The hooks record every request except the fake's own (`/_mock`, `/healthz`, `/openapi.json`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from flask import Flask, Response, g, request
from werkzeug.exceptions import HTTPException

from mock_server.double.fake import Fake
from mock_server.double.journal import JournalEntry
from mock_server.web.state import current_fake
from mock_server.wire.exchange import HttpRequest, HttpResponse
from mock_server.wire.paths import OWN_PATHS, kind_of

__all__ = ["DEFERRED_LATENCY", "deferring", "delay", "install_journal", "journalled", "record"]

DEFERRED_LATENCY = "vidu_mock.deferred_latency"


def install_journal(app: Flask) -> None:
    """Take up settings changed elsewhere, and journal the app's API requests."""
    app.before_request(_sync)
    app.before_request(_note_arrival)
    app.after_request(_record)


def _sync() -> None:
    current_fake().sync()


def delay(seconds: float) -> None:
    """Answer the current Flask request late."""
    deferring(request.environ)(seconds)


def deferring(environ: Mapping[str, Any]) -> Callable[[float], None]:
    """How to answer a request late: sleep, or let an in-process caller do the waiting (it
    knows its timeout)."""
    deferred = environ.get(DEFERRED_LATENCY)

    def wait(seconds: float) -> None:
        if seconds <= 0:
            return
        if isinstance(deferred, list):
            deferred.append(seconds)
        else:
            time.sleep(seconds)

    return wait


def _note_arrival() -> None:
    fake = current_fake()
    if journalled(fake, request.path):
        g.vidu_mock_arrival = (fake.clock.now(), time.time())


def _record(response: Response) -> Response:
    arrival = g.get("vidu_mock_arrival")
    if arrival is None:
        return response
    sent = HttpRequest(
        method=request.method,
        path=request.path,
        query=tuple(request.args.items()),
        headers=tuple(request.headers.items()),
        body=_request_body(),
    )
    body = response.get_data() if response.is_json else b""
    record(current_fake(), sent, response.status_code, response.content_type or "", body, arrival)
    return response


def record(
    fake: Fake,
    sent: HttpRequest,
    status: int,
    content_type: str,
    body: bytes,
    arrival: tuple[float, float],
) -> None:
    """Journal one exchange that arrived at `arrival` (the fake's clock, the wall clock)."""
    answer = HttpResponse(status, {"content-type": content_type}, body)
    kind = kind_of(sent.method, sent.path)
    fake.record(JournalEntry.of(sent, answer, arrival[0], kind, arrival[1]))


def journalled(fake: Fake, path: str) -> bool:
    """Tell whether a request to this path goes in the journal."""
    return fake.settings.journal_size > 0 and not path.startswith(OWN_PATHS)


def _request_body() -> bytes:
    """The raw request body, or b"" (also for bodies the fake refused to read)."""
    chunked = "chunked" in request.headers.get("Transfer-Encoding", "").lower()
    if not request.content_length and not chunked:
        return b""  # no body: reading the empty stream costs a poll dearly on some servers
    try:
        return request.get_data(cache=True)
    except HTTPException:
        return b""
