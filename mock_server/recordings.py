"""Recorded HTTP exchanges with a target, kept under `fixtures/recordings/` to check offline.

The contract suite writes them with `--record`; the offline tests validate every recorded answer
against `schemas/` and say which recordings have grown old. The API key never reaches a file.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mock_server.schemas import ERROR, SUBMIT_RESPONSE, TASK_RESULT
from mock_server.strict_json import schema_problems

__all__ = [
    "FORMAT",
    "REDACTED",
    "RecordedExchange",
    "Recording",
    "load_recording",
    "problems",
    "redact",
    "schema_for",
    "stale",
]

FORMAT = "vidu-mock-recording/1"
REDACTED = "<redacted>"
SECRET_HEADERS = frozenset({"authorization", "cookie", "set-cookie", "x-api-key"})
SUBMIT_PATH = "/v3/async/vidu-q2-pro-fast-img2video"
RESULT_PATH = "/v3/async/task-result"
API_PREFIX = "/v3/"


def redact(headers: Mapping[str, str]) -> dict[str, str]:
    """Copy headers with every credential replaced by a marker."""
    return {
        name: REDACTED if name.lower() in SECRET_HEADERS else value
        for name, value in headers.items()
    }


@dataclass(frozen=True)
class RecordedExchange:
    """One request and its answer; `response_body` is parsed JSON, or None for other bodies."""

    at: str
    method: str
    path: str
    query: Mapping[str, str]
    request_headers: Mapping[str, str]
    request_body: Any
    status: int
    response_headers: Mapping[str, str]
    response_body: Any
    response_bytes: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "at": self.at,
            "request": {
                "method": self.method,
                "path": self.path,
                "query": dict(self.query),
                "headers": redact(self.request_headers),
                "body": self.request_body,
            },
            "response": {
                "status": self.status,
                "headers": dict(self.response_headers),
                "body": self.response_body,
                "bytes": self.response_bytes,
            },
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RecordedExchange:
        request, response = data["request"], data["response"]
        return cls(
            at=data["at"],
            method=request["method"],
            path=request["path"],
            query=request["query"],
            request_headers=request["headers"],
            request_body=request["body"],
            status=response["status"],
            response_headers=response["headers"],
            response_body=response["body"],
            response_bytes=response.get("bytes", 0),
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


def schema_for(exchange: RecordedExchange) -> str | None:
    """Name the schema an answer of the emulated API must match; None for other answers."""
    if not exchange.path.startswith(API_PREFIX):
        return None
    if exchange.status != 200:
        return ERROR
    return {SUBMIT_PATH: SUBMIT_RESPONSE, RESULT_PATH: TASK_RESULT}.get(exchange.path)


def problems(recording: Recording) -> Iterator[str]:
    """Say how each recorded API answer breaks `schemas/`, or that a credential leaked."""
    for index, exchange in enumerate(recording.exchanges):
        where = f"exchange {index} ({exchange.method} {exchange.path} -> {exchange.status})"
        if redact(exchange.request_headers) != dict(exchange.request_headers):
            yield f"{where}: a credential header is not redacted"
        name = schema_for(exchange)
        if name is not None:
            for problem in schema_problems(name, exchange.response_body):
                yield f"{where}: breaks {name}: {problem}"
