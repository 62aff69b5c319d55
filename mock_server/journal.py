"""The request journal: what clients sent to the fake and what it answered, in order.

The journal is per process (kept in memory next to one app), not in the job store: with several
worker processes each keeps the requests it served.
"""

from __future__ import annotations

import enum
import functools
import json
import threading
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

REDACTED = "***"
SECRET_HEADERS = ("authorization", "x-vidu-mock-token")
VIDEO_PREFIX = "/media/videos/"


class RequestKind(enum.Enum):
    """What a journalled request was, read from its path."""

    SUBMIT = "submit"
    POLL = "poll"
    DOWNLOAD = "download"
    OTHER = "other"


@dataclass(frozen=True)
class JournalEntry:
    """One API request and the status it got; `time` is on the fake's clock."""

    method: str
    path: str
    query: Mapping[str, str]
    headers: Mapping[str, str]
    status: int
    time: float
    kind: RequestKind = RequestKind.OTHER
    wall_time: float = 0.0
    index: int = 0
    request_body: bytes = b""
    response_body: bytes = b""

    @functools.cached_property
    def json(self) -> Any:
        """The request body parsed as JSON, or None (parsed on first use, off the hot path)."""
        return _parse(self.request_body)

    @functools.cached_property
    def response(self) -> Any:
        """The JSON answer, or None for a video or an empty answer."""
        return _parse(self.response_body)

    @functools.cached_property
    def task_id(self) -> str:
        """The task the request was about: from the submit's answer, the poll's query or the URL."""
        if self.kind is RequestKind.SUBMIT and isinstance(self.response, dict):
            return str(self.response.get("task_id", ""))
        if self.kind is RequestKind.POLL:
            return self.query.get("task_id", "").strip()
        if self.kind is RequestKind.DOWNLOAD:
            return self.path.removeprefix(VIDEO_PREFIX).removesuffix(".mp4")
        return ""

    @property
    def task_status(self) -> str:
        """The `task.status` a poll answered, or "" for anything else."""
        if self.kind is not RequestKind.POLL or not isinstance(self.response, dict):
            return ""
        task = self.response.get("task")
        return str(task.get("status", "")) if isinstance(task, dict) else ""

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
            "query": dict(self.query),
            "headers": dict(self.headers),
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
        return cls(
            method=data["method"],
            path=data["path"],
            query=dict(data["query"]),
            headers=dict(data["headers"]),
            status=int(data["status"]),
            time=float(data["time"]),
            kind=RequestKind(data["kind"]),
            wall_time=float(data["wall_time"]),
            index=int(data["index"]),
            request_body=_encode(data["json"]),
            response_body=_encode(data["response"]),
        )

    def describe(self) -> str:
        """One line for failure messages: `#3 POST /path -> 200 at t=12.0s`."""
        query = "&".join(f"{key}={value}" for key, value in self.query.items())
        target = f"{self.path}?{query}" if query else self.path
        reason = f" {self.reason}" if self.reason else ""
        return f"#{self.index} {self.method} {target} -> {self.status}{reason} at t={self.time:.3f}"


@dataclass
class Journal:
    """A bounded, thread-safe list of entries, numbered from 1."""

    size: int
    _entries: deque[JournalEntry] = field(default_factory=deque)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _count: int = 0

    def record(self, entry: JournalEntry) -> JournalEntry:
        """Append an entry (numbering it), dropping the oldest beyond `size`."""
        with self._lock:
            self._count += 1
            numbered = replace(entry, index=self._count)
            if self.size > 0:
                self._entries.append(numbered)
            while len(self._entries) > self.size:
                self._entries.popleft()
            return numbered

    def entries(self) -> list[JournalEntry]:
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._count = 0

    def __iter__(self) -> Iterator[JournalEntry]:
        return iter(self.entries())

    def __len__(self) -> int:
        return len(self._entries)


def redact_headers(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Copy headers, hiding secrets but keeping an auth scheme such as `Bearer`."""
    return {
        name: _redact(value) if name.lower() in SECRET_HEADERS else value for name, value in headers
    }


def _redact(value: str) -> str:
    scheme, space, _rest = value.strip().partition(" ")
    return f"{scheme} {REDACTED}" if space and scheme.lower() == "bearer" else REDACTED


def _parse(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        return None


def _encode(value: Any) -> bytes:
    return b"" if value is None else json.dumps(value).encode()
