"""The test-double side of one app: its request journal and fault hook, wired into Flask.

Everything here is per process. The API handlers call `admit`, `submit` and `read` (thin
wrappers over `Faults`); the journal hooks record every request except the fake's own
(`/_mock`, `/healthz`, `/openapi.json`).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, Response, current_app, g, request
from werkzeug.exceptions import HTTPException

from mock_server.faults import Faults, Route
from mock_server.jobs import Job
from mock_server.journal import Journal, JournalEntry, RequestKind, redact_headers
from mock_server.lifecycle import Snapshot
from mock_server.runtime import Runtime, runtime
from mock_server.settings import Settings

EXTENSION_KEY = "vidu_mock.double"
DEFERRED_LATENCY = "vidu_mock.deferred_latency"
UNJOURNALLED = ("/_mock", "/healthz", "/openapi.json")
KINDS = {
    "api.submit": RequestKind.SUBMIT,
    "api.task_result": RequestKind.POLL,
    "downloads.download": RequestKind.DOWNLOAD,
}


@dataclass
class Double:
    """The journal, the fault hook and the settings the app started with."""

    initial_settings: Settings
    journal: Journal
    faults: Faults = field(default_factory=Faults)

    def reset(self, state: Runtime) -> None:
        """Forget jobs, requests, scripts and quotas; restore the starting settings."""
        state.store.clear()
        state.reconfigure(self.initial_settings)
        self.journal.clear()
        self.faults.clear()


def install(app: Flask, settings: Settings) -> None:
    """Attach a fresh double to the app and start journalling its requests."""
    app.extensions[EXTENSION_KEY] = Double(settings, Journal(settings.journal_size))
    app.before_request(_note_arrival)
    app.after_request(_record)


def double() -> Double:
    """The double of the app handling the current request."""
    found: Double = current_app.extensions[EXTENSION_KEY]
    return found


def admit(api_key: str, route: Route) -> None:
    """Apply the requests-per-minute quota."""
    double().faults.admit(runtime().backend, api_key, route)


def submit(params: Mapping[str, Any], api_key: str) -> Job:
    """Create a job through the fault hook."""
    return double().faults.submit(runtime().backend, params, api_key, delay)


def read(task_id: str) -> tuple[Job, Snapshot] | None:
    """Read a job through the fault hook."""
    return double().faults.read(runtime().backend, task_id, delay)


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
    return runtime().settings.journal_size > 0


def _note_arrival() -> None:
    if _journalled():
        g.vidu_mock_arrival = (runtime().clock.now(), time.time())


def _record(response: Response) -> Response:
    arrival = g.get("vidu_mock_arrival")
    if arrival is None:
        return response
    state, journal = runtime(), double().journal
    journal.size = state.settings.journal_size
    journal.record(
        JournalEntry(
            method=request.method,
            path=request.path,
            query=request.args.to_dict(),
            headers=redact_headers(request.headers.items()),
            status=response.status_code,
            time=arrival[0],
            kind=KINDS.get(request.endpoint or "", RequestKind.OTHER),
            wall_time=arrival[1],
            request_body=_request_body(),
            response_body=response.get_data() if response.is_json else b"",
        )
    )
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
