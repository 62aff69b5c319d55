"""Recorded HTTP exchanges with a target, kept under `fixtures/recordings/` to check offline.

The contract suite writes them with `--record` (an `ExchangeRecorder` watches every exchange of
the run); the offline tests validate every recorded API answer against `schemas/` and say which
recordings have grown old. Secrets never reach a file: headers are redacted when recorded, and a
download (a video, from the API's host or a CDN) keeps neither its query (a signed URL's
credential) nor its body.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mock_server.wire.exchange import NOT_JSON, Exchange, HttpRequest, HttpResponse
from mock_server.wire.paths import CONTROL_PREFIX, VIDEO_PREFIX
from mock_server.wire.redaction import redact_headers
from mock_server.wire.schemas import answer_schema, schema_problems

__all__ = [
    "FORMAT",
    "ExchangeRecorder",
    "RecordedExchange",
    "Recording",
    "load_recording",
    "problems",
    "recorded",
    "stale",
]

FORMAT = "vidu-mock-recording/1"
MAX_TEXT_CHARS = 4000
KEPT_RESPONSE_HEADERS = ("content-type", "content-length", "date", "x-request-id")


@dataclass(frozen=True)
class RecordedExchange:
    """One exchange of a recording, when it happened, and how many bytes the answer had
    (a video's bytes are not kept, only counted); `download` marks a video download rather
    than an API call, whose answer no schema of the API describes."""

    at: str
    exchange: Exchange
    response_bytes: int = 0
    download: bool = False

    @property
    def request(self) -> HttpRequest:
        return self.exchange.request

    @property
    def query(self) -> dict[str, str]:
        return dict(self.exchange.request.query)

    @property
    def request_headers(self) -> dict[str, str]:
        return dict(self.exchange.request.headers)

    @property
    def response_body(self) -> Any:
        """The answer parsed as JSON, or None for a video or an empty answer."""
        document = self.exchange.document
        return None if document is NOT_JSON else document

    def to_json(self) -> dict[str, Any]:
        request, response = self.exchange.request, self.exchange.response
        return {
            "at": self.at,
            **({"download": True} if self.download else {}),
            "request": {
                "method": request.method,
                "path": request.path,
                "query": dict(request.query),
                "headers": redact_headers(request.headers),
                "body": None if request.body is None else _clipped(request.json_body()),
            },
            "response": {
                "status": response.status,
                "headers": dict(response.headers),
                "body": self.response_body,
                "bytes": self.response_bytes,
            },
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RecordedExchange:
        request, response = data["request"], data["response"]
        sent = HttpRequest(
            method=request["method"],
            path=request["path"],
            query=tuple(dict(request["query"]).items()),
            headers=tuple(dict(request["headers"]).items()),
            body=None if request["body"] is None else _json(request["body"]),
        )
        body = b"" if response["body"] is None else _json(response["body"])
        answer = HttpResponse(response["status"], dict(response["headers"]), body)
        return cls(
            data["at"],
            Exchange("", sent, answer),
            response.get("bytes", 0),
            bool(data.get("download", False)),
        )


@dataclass(frozen=True)
class Recording:
    """Exchanges with one target in one run, with when, where and against what they were made."""

    recorded_at: str
    target: str
    base_url: str
    source: str
    exchanges: tuple[RecordedExchange, ...] = field(default_factory=tuple)

    def age(self, now: dt.datetime) -> dt.timedelta:
        """How long ago the recording was made."""
        return now - dt.datetime.fromisoformat(self.recorded_at)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "recorded_at": self.recorded_at,
            "target": self.target,
            "base_url": self.base_url,
            "source": self.source,
            "exchanges": [exchange.to_json() for exchange in self.exchanges],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Recording:
        if data.get("format") != FORMAT:
            raise ValueError(f"not a recording (expected format {FORMAT!r})")
        return cls(
            recorded_at=data["recorded_at"],
            target=data["target"],
            base_url=data["base_url"],
            source=data["source"],
            exchanges=tuple(RecordedExchange.from_json(item) for item in data["exchanges"]),
        )

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(self.to_json(), indent=1, ensure_ascii=False)
        path.write_text(text + "\n", encoding="utf-8")


def load_recording(path: Path) -> Recording:
    with path.open(encoding="utf-8") as handle:
        return Recording.from_json(json.load(handle))


def stale(paths: Iterable[Path], max_age: dt.timedelta, now: dt.datetime) -> list[str]:
    """Name the recordings older than `max_age`: the API may have moved on since."""
    old = []
    for path in paths:
        age = load_recording(path).age(now)
        if age > max_age:
            old.append(f"{path.name} is {age.days} days old (limit {max_age.days})")
    return old


def problems(recording: Recording) -> Iterator[str]:
    """Say how each recorded API answer breaks `schemas/`, or that a credential leaked."""
    for index, item in enumerate(recording.exchanges):
        request, status = item.request, item.exchange.status
        where = f"exchange {index} ({request.method} {request.path} -> {status})"
        if redact_headers(request.headers) != item.request_headers:
            yield f"{where}: a credential header is not redacted"
        name = None if item.download else answer_schema(request.method, request.path, status)
        if name is not None:
            for problem in schema_problems(name, item.response_body):
                yield f"{where}: breaks {name}: {problem}"


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def recorded(exchange: Exchange, api_base: str, at: dt.datetime | None = None) -> RecordedExchange:
    """Turn an exchange into its recorded form: secrets redacted, JSON kept, videos measured.

    A download is an exchange with a base URL other than the API's (a video on a CDN), or one
    for the fake's own video path."""
    request, response = exchange.request, exchange.response
    is_download = request.path.startswith(VIDEO_PREFIX) or (
        exchange.base_url.rstrip("/") != api_base.rstrip("/")
    )
    shown = HttpRequest(
        request.method,
        request.path,
        () if is_download else request.query,
        tuple(redact_headers(request.headers).items()),
        request.body,
    )
    kept = {
        name: response.headers[name] for name in KEPT_RESPONSE_HEADERS if name in response.headers
    }
    body = response.body if response.is_json and not is_download else b""
    answer = HttpResponse(response.status, kept, body)
    when = (at or now_utc()).isoformat()
    return RecordedExchange(
        when, Exchange(exchange.base_url, shown, answer), len(response.body), download=is_download
    )


class ExchangeRecorder:
    """Collects a run's exchanges as they happen (the fake's own control calls aside); `write`
    puts them in one dated file."""

    def __init__(self, target: str, base_url: str, source: str) -> None:
        self.target, self.base_url, self.source = target, base_url, source
        self.started = now_utc()
        self.exchanges: list[RecordedExchange] = []
        self._lock = threading.Lock()

    def __call__(self, exchange: Exchange) -> None:
        if exchange.request.path.startswith(CONTROL_PREFIX + "/"):
            return
        with self._lock:
            self.exchanges.append(recorded(exchange, self.base_url))

    def write(self, directory: Path) -> Path:
        """Write the recording as `<date>-<time>-<target>.json` and return its path."""
        stamp = self.started.strftime("%Y-%m-%d-%H%M%S")
        path = directory / f"{stamp}-{self.target}.json"
        recording = Recording(
            self.started.isoformat(), self.target, self.base_url, self.source, tuple(self.exchanges)
        )
        recording.write(path)
        return path


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8")


def _clipped(value: Any) -> Any:
    if isinstance(value, str) and len(value) > MAX_TEXT_CHARS:
        return value[:MAX_TEXT_CHARS] + f"… ({len(value)} chars)"
    if isinstance(value, dict):
        return {key: _clipped(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_clipped(item) for item in value]
    return value
