"""A bare WSGI callable: the ceiling any Python app served the same way can reach."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

BODY = b'{"hello": "world"}'
HEADERS = [("Content-Type", "application/json"), ("Content-Length", str(len(BODY)))]


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """Answer every request with the same small JSON body."""
    start_response("200 OK", HEADERS)
    return [BODY]
