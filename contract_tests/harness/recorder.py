"""`--record`: keep every exchange with the target (the key redacted) as a recording file."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path
from typing import Any

from contract_tests.harness.transport import NOT_JSON, Exchange
from mock_server.recordings import RecordedExchange, Recording, redact

SKIPPED_PREFIX = "/_mock/"
MAX_TEXT_CHARS = 4000


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


class ExchangeRecorder:
    """Collects exchanges as they happen; `write` puts them in one dated file."""

    def __init__(self, target: str, base_url: str, source: str) -> None:
        self.target, self.base_url, self.source = target, base_url, source
        self.started = now_utc()
        self.exchanges: list[RecordedExchange] = []
        self._lock = threading.Lock()

    def __call__(self, exchange: Exchange) -> None:
        if exchange.request.path.startswith(SKIPPED_PREFIX):
            return
        with self._lock:
            self.exchanges.append(recorded(exchange))

    def write(self, directory: Path) -> Path:
        """Write the recording as `<date>-<target>-<time>.json` and return its path."""
        stamp = self.started.strftime("%Y-%m-%d-%H%M%S")
        path = directory / f"{stamp}-{self.target}.json"
        recording = Recording(
            self.started.isoformat(), self.target, self.base_url, self.source, tuple(self.exchanges)
        )
        recording.write(path)
        return path


def recorded(exchange: Exchange) -> RecordedExchange:
    """Turn an exchange into its recorded form: JSON bodies parsed, others only measured."""
    request, response = exchange.request, exchange.response
    document = response.document
    is_media = not request.path.startswith("/v3/")
    return RecordedExchange(
        at=now_utc().isoformat(),
        method=request.method,
        path=request.path,
        query={} if is_media else dict(request.query),
        request_headers=redact(dict(request.headers)),
        request_body=None if request.body is None else _clipped(request.json_body()),
        status=response.status,
        response_headers=_kept_headers(response.headers),
        response_body=None if document is NOT_JSON or is_media else document,
        response_bytes=len(response.body),
    )


def _kept_headers(headers: Any) -> dict[str, str]:
    kept = ("content-type", "content-length", "date", "x-request-id")
    return {name: headers[name] for name in kept if name in headers}


def _clipped(value: Any) -> Any:
    if isinstance(value, str) and len(value) > MAX_TEXT_CHARS:
        return value[:MAX_TEXT_CHARS] + f"… ({len(value)} chars)"
    if isinstance(value, dict):
        return {key: _clipped(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_clipped(item) for item in value]
    return value
