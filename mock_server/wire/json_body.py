"""Reading a request body as JSON the strict way, and quoting client values in messages."""

from __future__ import annotations

import json
from typing import Any

from mock_server.wire.errors import InvalidRequestBody

__all__ = ["JSON_TYPE", "MAX_ECHO_CHARS", "echo", "parse_json_body"]

JSON_TYPE = "application/json"
MAX_ECHO_CHARS = 80


def parse_json_body(raw: bytes) -> Any:
    """Decode a body as JSON, refusing what no JSON parser should accept (NaN, deep nesting)."""
    if not raw.strip():
        raise InvalidRequestBody("body: is empty; expected a JSON object")
    try:
        return json.loads(raw, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise InvalidRequestBody(f"body: malformed JSON: {exc.msg} at char {exc.pos}") from None
    except (ValueError, RecursionError) as exc:
        raise InvalidRequestBody(f"body: malformed JSON: {_first_line(exc)}") from None


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _first_line(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:200]


def echo(value: str) -> str:
    """Quote a client-supplied value safely and briefly for an error message."""
    shown = value if len(value) <= MAX_ECHO_CHARS else value[:MAX_ECHO_CHARS] + "…"
    return json.dumps(shown)
