"""One log record per request for the console: method, path, status, reason, task id, time.

Records go to the `mock_server.access` logger; `vidu-mock serve` formats them as text or JSON
(`serving/console.py`). Nothing is measured or built unless that logger is enabled for INFO, so
a fake used as a library (the pytest fixtures, `create_app`) pays one level check per request.
Successful reads of the fake's own endpoints (`/_mock`, `/healthz`, `/openapi.json`: the
dashboard polls them every second) are left out; their refusals and every change are logged.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass
from typing import Any

from flask import Flask, Response, g, request

from mock_server.wire.exchange import parse_json_or
from mock_server.wire.paths import OWN_PATHS, RequestKind, kind_of, task_id_of

__all__ = [
    "ACCESS_LOGGER",
    "AccessEntry",
    "install_access_log",
    "log_exchange",
    "logging_requests",
    "printable",
]

ACCESS_LOGGER = "mock_server.access"
READS = ("GET", "HEAD", "OPTIONS")
MESSAGE_SHOWN = 200  # characters of an error message a text line carries
UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f]")

log = logging.getLogger(ACCESS_LOGGER)


def printable(text: str) -> str:
    """Escape control characters, so a client cannot forge console lines or colour them."""
    return UNPRINTABLE.sub(lambda match: f"\\x{ord(match.group()):02x}", text)


@dataclass(frozen=True)
class AccessEntry:
    """What the console says about one request; `str()` gives the documented text line."""

    method: str
    path: str
    status: int
    duration_ms: float
    reason: str = ""
    message: str = ""
    task_id: str = ""

    def parts(self) -> list[tuple[str, str]]:
        """The text line's fields as (text, role) pairs, control characters escaped; a
        formatter may colour each by its role."""
        parts = [(printable(self.method), "method"), (printable(self.path), "path")]
        parts.append((str(self.status), "status"))
        if self.reason:
            parts.append((printable(self.reason), "reason"))
        parts.append((f"{self.duration_ms:.1f}ms", "duration"))
        if self.task_id:
            parts.append((f"task={printable(self.task_id)}", "task"))
        if self.message:
            shown = self.message[:MESSAGE_SHOWN] + (
                "…" if len(self.message) > MESSAGE_SHOWN else ""
            )
            parts.append((f"- {printable(shown)}", "message"))
        return parts

    def __str__(self) -> str:
        return " ".join(text for text, _ in self.parts())

    def to_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "path": self.path,
            "status": self.status,
            "reason": self.reason,
            "message": self.message,
            "task_id": self.task_id,
            "duration_ms": round(self.duration_ms, 3),
        }


def install_access_log(app: Flask) -> None:
    """Log every request of the app to the access logger, when that logger is enabled."""
    app.before_request(_note_start)
    app.after_request(_log_request)


def _note_start() -> None:
    if logging_requests():
        g.vidu_mock_started = time.perf_counter()


def _log_request(response: Response) -> Response:
    started = g.get("vidu_mock_started")
    if started is None:
        return response
    json_body = response.get_data() if response.is_json and not response.is_streamed else None
    log_exchange(
        request.method,
        request.path,
        request.args.get("task_id", ""),
        response.status_code,
        json_body,
        started,
    )
    return response


def log_exchange(
    method: str, path: str, task_id: str, status: int, json_body: bytes | None, started: float
) -> None:
    """Log one request that began at `started` (`time.perf_counter()`), unless it is a
    successful read of the fake's own endpoints; `task_id` is the query's, `json_body` the
    answer when it is JSON."""
    if status < 400 and method in READS and path.startswith(OWN_PATHS):
        return
    duration_ms = (time.perf_counter() - started) * 1000
    kind = kind_of(method, path)
    # Only an error's envelope and a submit's task id are read from the answer.
    needed = status >= 400 or kind is RequestKind.SUBMIT
    document = parse_json_or(json_body, None) if needed else None
    reason, message = _error_of(document) if status >= 400 else ("", "")
    about = task_id_of(kind, path, task_id, document)
    log.info(AccessEntry(method, path, status, duration_ms, reason, message, about))


def logging_requests() -> bool:
    """Tell whether the console wants request lines (so whether to time requests at all)."""
    return log.isEnabledFor(logging.INFO)


def _error_of(document: Any) -> tuple[str, str]:
    """The reason and message of an error envelope, or blanks for any other body."""
    if not isinstance(document, dict):
        return "", ""
    return str(document.get("reason", "")), str(document.get("message", ""))
