"""The request journal: what clients sent to the fake and what it answered, in order.

Each entry is one `Exchange` (the request with its secrets redacted, and the answer) plus when
it happened on the fake's clock. The journal lives in the fake's store, numbered there, so every
process (and host) sharing the store journals into one list and reads the same list.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from mock_server.domain.store import Document, StateStore
from mock_server.wire.exchange import Exchange, HttpRequest, HttpResponse, parse_json_or
from mock_server.wire.json_body import JSON_TYPE
from mock_server.wire.paths import RequestKind, task_id_of
from mock_server.wire.redaction import REDACTED, redact_headers
from mock_server.wire.statuses import TaskStatus

__all__ = ["REDACTED", "Journal", "JournalEntry"]


@dataclass(frozen=True)
class JournalEntry:
    """One API request and the answer it got; `time` is on the fake's clock."""

    exchange: Exchange
    time: float
    kind: RequestKind = RequestKind.OTHER
    wall_time: float = 0.0
    index: int = 0

    @classmethod
    def of(
        cls,
        request: HttpRequest,
        response: HttpResponse,
        time: float,
        kind: RequestKind = RequestKind.OTHER,
        wall_time: float = 0.0,
    ) -> JournalEntry:
        """Journal a request (its secrets redacted) and its answer."""
        shown = replace(request, headers=tuple(redact_headers(request.headers).items()))
        return cls(Exchange("", shown, response), time, kind, wall_time)

    @property
    def method(self) -> str:
        return self.exchange.request.method

    @property
    def path(self) -> str:
        return self.exchange.request.path

    @property
    def query(self) -> dict[str, str]:
        return dict(self.exchange.request.query)

    @property
    def headers(self) -> dict[str, str]:
        """The request's headers, secrets redacted."""
        return dict(self.exchange.request.headers)

    @property
    def status(self) -> int:
        return self.exchange.status

    @functools.cached_property
    def json(self) -> Any:
        """The request body parsed as JSON, or None (parsed on first use, off the hot path)."""
        return parse_json_or(self.exchange.request.body, None)

    @functools.cached_property
    def response(self) -> Any:
        """The JSON answer, or None for a video or an empty answer."""
        return parse_json_or(self.exchange.response.body, None)

    @functools.cached_property
    def task_id(self) -> str:
        """The task the request was about: from the submit's answer, the poll's query or the URL
        (only a submit's answer is parsed for it: the journal asks this of every request)."""
        answer = self.response if self.kind is RequestKind.SUBMIT else None
        return task_id_of(self.kind, self.path, self.query.get("task_id", ""), answer)

    @property
    def task_status(self) -> str:
        """The `task.status` a poll answered, or "" for anything else."""
        if self.kind is not RequestKind.POLL or not isinstance(self.response, dict):
            return ""
        task = self.response.get("task")
        return str(task.get("status", "")) if isinstance(task, dict) else ""

    @property
    def ended(self) -> bool:
        """Tell whether a poll answered a status in which the task has ended for good."""
        status = TaskStatus.named(self.task_status)
        return status is not None and status.terminal

    @property
    def reason(self) -> str:
        """The error reason of a non-200 answer, or ""."""
        if self.status == 200 or not isinstance(self.response, dict):
            return ""
        return str(self.response.get("reason", ""))

    def to_json(self) -> dict[str, Any]:
        """Render the entry for the control API."""
        return {
            "index": self.index,
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "headers": self.headers,
            "json": self.json,
            "status": self.status,
            "time": self.time,
            "wall_time": self.wall_time,
            "kind": self.kind.value,
            "task_id": self.task_id,
            "response": self.response,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> JournalEntry:
        """Read an entry back from the control API's rendering."""
        request = HttpRequest(
            method=data["method"],
            path=data["path"],
            query=tuple(dict(data["query"]).items()),
            headers=tuple(dict(data["headers"]).items()),
            body=_encode(data["json"]),
        )
        answer = _encode(data["response"])
        headers = {"content-type": JSON_TYPE} if answer else {}
        response = HttpResponse(int(data["status"]), headers, answer or b"")
        return cls(
            Exchange("", request, response),
            time=float(data["time"]),
            kind=RequestKind(data["kind"]),
            wall_time=float(data["wall_time"]),
            index=int(data["index"]),
        )

    def to_document(self) -> Document:
        """The entry as the store keeps it: JSON-able, bodies byte for byte (as latin-1 text)."""
        request, response = self.exchange.request, self.exchange.response
        return {
            "method": request.method,
            "path": request.path,
            "query": request.query,
            "headers": request.headers,
            "body": None if request.body is None else request.body.decode("latin-1"),
            "status": response.status,
            "content_type": response.headers.get("content-type", ""),
            "response": response.body.decode("latin-1"),
            "time": self.time,
            "wall_time": self.wall_time,
            "kind": self.kind.value,
        }

    @classmethod
    def from_document(cls, index: int, data: Mapping[str, Any]) -> JournalEntry:
        """Read an entry back from the store's form."""
        body = data["body"]
        request = HttpRequest(
            method=data["method"],
            path=data["path"],
            query=tuple((str(k), str(v)) for k, v in data["query"]),
            headers=tuple((str(k), str(v)) for k, v in data["headers"]),
            body=None if body is None else body.encode("latin-1"),
        )
        headers = {"content-type": data["content_type"]} if data["content_type"] else {}
        response = HttpResponse(data["status"], headers, data["response"].encode("latin-1"))
        return cls(
            Exchange("", request, response),
            time=data["time"],
            kind=RequestKind(data["kind"]),
            wall_time=data["wall_time"],
            index=index,
        )

    def describe(self) -> str:
        """One line for failure messages: `#3 POST /path -> 200 at t=12.0s`."""
        query = "&".join(f"{key}={value}" for key, value in self.query.items())
        target = f"{self.path}?{query}" if query else self.path
        reason = f" {self.reason}" if self.reason else ""
        return f"#{self.index} {self.method} {target} -> {self.status}{reason} at t={self.time:.3f}"


class Journal:
    """The fake's journal in its store, bounded to the `size` newest entries (read each time
    from the settings in force)."""

    def __init__(self, store: StateStore, size: Callable[[], int]) -> None:
        self.store = store
        self.size = size

    def record(self, entry: JournalEntry) -> int:
        """Append an entry; return the number the store gave it."""
        return self.store.append_entry(entry.to_document(), entry.time, entry.task_id, self.size())

    def entries(self, after: int = 0, limit: int | None = None) -> list[JournalEntry]:
        """Entries numbered after `after`, oldest first."""
        found = self.store.entries(after, limit)
        return [JournalEntry.from_document(index, data) for index, data in found]

    def latest(self, after: int = 0, limit: int | None = None) -> list[JournalEntry]:
        """The `limit` newest entries numbered after `after` (all of them without a limit),
        oldest first; only those are read back from the store's form."""
        if limit == 0:
            return []
        found = self.store.entries(after)
        kept = found if limit is None else found[max(len(found) - limit, 0) :]
        return [JournalEntry.from_document(index, data) for index, data in kept]

    def clear(self) -> None:
        self.store.clear_journal()


def _encode(value: Any) -> bytes | None:
    return None if value is None else json.dumps(value).encode()
