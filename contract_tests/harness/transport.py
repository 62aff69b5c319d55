"""Sending one request to a target over real HTTP and keeping what came back.

A request is a value (method, path, query, headers, body bytes); an exchange pairs it with the
answer. Nothing here knows what the API means; `calls.py` builds the API's requests.
"""

from __future__ import annotations

import enum
import json
import re
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import requests
from requests.adapters import HTTPAdapter

from mock_server.recordings import redact

SHOWN_BODY_CHARS = 1500
DATA_URI = re.compile(r"(data:image/[^;\"]+;base64,)([A-Za-z0-9+/=]{80,})")
NOT_JSON: Any = object()


class TargetKind(enum.Enum):
    """The suite's own in-process fake, or any server reached at a base URL."""

    FAKE = "fake"
    LIVE = "live"


@dataclass(frozen=True)
class Timeouts:
    """Seconds to wait for a connection and for an answer."""

    connect: float = 10.0
    read: float = 60.0


@dataclass(frozen=True)
class ApiRequest:
    """One HTTP request, exactly as it goes on the wire (the base URL aside)."""

    method: str
    path: str
    query: tuple[tuple[str, str], ...] = ()
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes | None = None

    @property
    def path_and_query(self) -> str:
        return self.path + (f"?{urlencode(self.query)}" if self.query else "")

    def body_text(self) -> str:
        return "" if self.body is None else self.body.decode("utf-8", errors="replace")

    def json_body(self) -> Any:
        """The body parsed as JSON, or its text when it is not JSON."""
        try:
            return json.loads(self.body_text())
        except ValueError:
            return self.body_text()

    def describe(self, base_url: str) -> str:
        """Show the request as a curl command a person can paste (the key redacted)."""
        parts = ["curl", "-X", self.method, base_url.rstrip("/") + self.path_and_query]
        for name, value in redact(dict(self.headers)).items():
            parts += ["-H", f"{name}: {value}"]
        if self.body is not None:
            parts += ["--data-binary", _clip(_elide_images(self.body_text()))]
        return shlex.join(parts)


@dataclass(frozen=True)
class ApiResponse:
    """One HTTP answer: status, headers (names lower-cased) and body bytes."""

    status: int
    headers: Mapping[str, str]
    body: bytes

    @property
    def document(self) -> Any:
        """The body parsed as JSON, or NOT_JSON."""
        try:
            return json.loads(self.body)
        except ValueError:
            return NOT_JSON

    @property
    def is_json(self) -> bool:
        return self.document is not NOT_JSON

    def describe(self) -> str:
        text = (
            self.body.decode("utf-8", errors="replace")
            if self.is_json
            else f"<{len(self.body)} bytes>"
        )
        kind = self.headers.get("content-type", "no content-type")
        return f"HTTP {self.status} ({kind}) {_clip(text)}"


@dataclass(frozen=True)
class Exchange:
    """A request sent to a base URL and the answer it got."""

    base_url: str
    request: ApiRequest
    response: ApiResponse

    @property
    def status(self) -> int:
        return self.response.status

    @property
    def document(self) -> Any:
        return self.response.document

    def describe(self) -> str:
        request = self.request.describe(self.base_url)
        return f"request:  {request}\nresponse: {self.response.describe()}"


class SubmitTimedOut(Exception):
    """A paid submission got no answer in time; it is never retried, as it may have been charged."""


Observer = Callable[[Exchange], None]


@dataclass
class HttpTarget:
    """A server reached over real HTTP at a base URL; every exchange is shown to the observers."""

    base_url: str
    kind: TargetKind
    timeouts: Timeouts = field(default_factory=Timeouts)
    trust_env: bool = True
    observers: list[Observer] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")
        self._session = requests.Session()
        self._session.trust_env = self.trust_env
        adapter = HTTPAdapter(max_retries=0)
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)

    def send(self, request: ApiRequest) -> Exchange:
        """Send once, never retrying, and return the exchange."""
        answer = self._session.request(
            request.method,
            self.base_url + request.path,
            params=list(request.query),
            headers=dict(request.headers),
            data=request.body,
            timeout=(self.timeouts.connect, self.timeouts.read),
            allow_redirects=False,
        )
        return self._observed(self.base_url, request, answer)

    def download(self, url: str) -> Exchange:
        """GET an absolute URL (a video) as a client saving it to disk would."""
        parts = urlsplit(url)
        base = f"{parts.scheme}://{parts.netloc}"
        query = tuple(parse_qsl(parts.query))
        request = ApiRequest("GET", parts.path, query)
        answer = self._session.get(url, timeout=(self.timeouts.connect, self.timeouts.read))
        return self._observed(base, request, answer)

    def close(self) -> None:
        self._session.close()

    def _observed(self, base: str, request: ApiRequest, answer: requests.Response) -> Exchange:
        headers = {name.lower(): value for name, value in answer.headers.items()}
        exchange = Exchange(base, request, ApiResponse(answer.status_code, headers, answer.content))
        for observe in self.observers:
            observe(exchange)
        return exchange


def _elide_images(text: str) -> str:
    """Shorten base64 image payloads, which say nothing to a reader, to their length."""
    return DATA_URI.sub(lambda found: f"{found.group(1)}<{len(found.group(2))} base64 chars>", text)


def _clip(text: str) -> str:
    return (
        text
        if len(text) <= SHOWN_BODY_CHARS
        else text[:SHOWN_BODY_CHARS] + f"… ({len(text)} chars)"
    )
