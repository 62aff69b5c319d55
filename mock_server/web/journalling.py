"""Journal every request of the emulated API, and let scripted latency be waited out.

The hooks record every request except the fake's own (`/_mock`, `/healthz`, `/openapi.json`).
"""

from __future__ import annotations

import time

from flask import Flask, Response, g, request
from werkzeug.exceptions import HTTPException

from mock_server.double.journal import JournalEntry
from mock_server.web.state import current_fake
from mock_server.wire.exchange import HttpRequest, HttpResponse
from mock_server.wire.paths import CONTROL_PREFIX, HEALTH_PATH, OPENAPI_PATH, kind_of

__all__ = ["DEFERRED_LATENCY", "delay", "install_journal"]

DEFERRED_LATENCY = "vidu_mock.deferred_latency"
UNJOURNALLED = (CONTROL_PREFIX, HEALTH_PATH, OPENAPI_PATH)


def install_journal(app: Flask) -> None:
    """Take up settings changed elsewhere, and journal the app's API requests."""
    app.before_request(_sync)
    app.before_request(_note_arrival)
    app.after_request(_record)


def _sync() -> None:
    current_fake().sync()


def delay(seconds: float) -> None:
    """Answer late: sleep, or let an in-process caller do the waiting (it knows its timeout)."""
    if seconds <= 0:
        return
    deferred = request.environ.get(DEFERRED_LATENCY)
    if isinstance(deferred, list):
        deferred.append(seconds)
    else:
        time.sleep(seconds)


def _journalled() -> bool:
    if request.path.startswith(UNJOURNALLED):
        return False
    return current_fake().settings.journal_size > 0


def _note_arrival() -> None:
    if _journalled():
        g.vidu_mock_arrival = (current_fake().clock.now(), time.time())


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
    answer = HttpResponse(
        response.status_code,
        {"content-type": response.content_type or ""},
        response.get_data() if response.is_json else b"",
    )
    kind = kind_of(request.method, request.path)
    current_fake().record(JournalEntry.of(sent, answer, arrival[0], kind, arrival[1]))
    return response


def _request_body() -> bytes:
    """The raw request body, or b"" (also for bodies the fake refused to read)."""
    chunked = "chunked" in request.headers.get("Transfer-Encoding", "").lower()
    if not request.content_length and not chunked:
        return b""  # no body: reading the empty stream costs a poll dearly on some servers
    try:
        return request.get_data(cache=True)
    except HTTPException:
        return b""
