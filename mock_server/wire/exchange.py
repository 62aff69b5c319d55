"""One HTTP exchange, as a value: the request exactly as sent, and the answer it got.

The journal, the recordings and the contract suite's transport all describe exchanges with
these three types, and show them the same way (as a curl command, secrets redacted).
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from mock_server.wire.redaction import redact_headers

__all__ = ["NOT_JSON", "Exchange", "HttpRequest", "HttpResponse", "parse_json_or"]

SHOWN_BODY_CHARS = 1500
DATA_URI = re.compile(r"(data:image/[^;\"]+;base64,)([A-Za-z0-9+/=]{80,})")
NOT_JSON: Any = object()

Pairs = tuple[tuple[str, str], ...]


def parse_json_or(raw: bytes | None, default: Any) -> Any:
    """The bytes parsed as JSON, or `default` when they are empty or not JSON."""
    if not raw:
        return default
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        return default


@dataclass(frozen=True)
class HttpRequest:
    """One HTTP request, exactly as it goes on the wire (the base URL aside)."""

    method: str
    path: str
    query: Pairs = ()
    headers: Pairs = ()
    body: bytes | None = None

    @property
    def path_and_query(self) -> str:
        return self.path + (f"?{urlencode(self.query)}" if self.query else "")

    def body_text(self) -> str:
        return "" if self.body is None else self.body.decode("utf-8", errors="replace")

    def json_body(self) -> Any:
        """The body parsed as JSON, or its text when it is not JSON."""
        return parse_json_or(self.body, self.body_text())

    def describe(self, base_url: str) -> str:
        """Show the request as a curl command a person can paste (secrets redacted)."""
        parts = ["curl", "-X", self.method, base_url.rstrip("/") + self.path_and_query]
        for name, value in redact_headers(self.headers).items():
            parts += ["-H", f"{name}: {value}"]
        if self.body is not None:
            parts += ["--data-binary", clip(_elide_images(self.body_text()))]
        return shlex.join(parts)


@dataclass(frozen=True)
class HttpResponse:
    """One HTTP answer: status, headers (names lower-cased) and body bytes."""

    status: int
    headers: Mapping[str, str]
    body: bytes

    @property
    def document(self) -> Any:
        """The body parsed as JSON, or NOT_JSON."""
        return parse_json_or(self.body, NOT_JSON)

    @property
    def is_json(self) -> bool:
        return self.document is not NOT_JSON

    def describe(self) -> str:
        """One line: status, content type and the body (or its size, when it is not JSON)."""
        text = (
            self.body.decode("utf-8", errors="replace")
            if self.is_json
            else f"<{len(self.body)} bytes>"
        )
        kind = self.headers.get("content-type", "no content-type")
        return f"HTTP {self.status} ({kind}) {clip(text)}"


@dataclass(frozen=True)
class Exchange:
    """A request sent to a base URL and the answer it got."""

    base_url: str
    request: HttpRequest
    response: HttpResponse

    @property
    def status(self) -> int:
        return self.response.status

    @property
    def document(self) -> Any:
        return self.response.document

    def describe(self) -> str:
        request = self.request.describe(self.base_url)
        return f"request:  {request}\nresponse: {self.response.describe()}"


def _elide_images(text: str) -> str:
    """Shorten base64 image payloads, which say nothing to a reader, to their length."""
    return DATA_URI.sub(lambda found: f"{found.group(1)}<{len(found.group(2))} base64 chars>", text)


def clip(text: str) -> str:
    """Bound a shown body's length, saying how long it really was."""
    if len(text) <= SHOWN_BODY_CHARS:
        return text
    return text[:SHOWN_BODY_CHARS] + f"… ({len(text)} chars)"
