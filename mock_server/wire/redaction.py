"""Which headers carry secrets, and how every record of a request hides them.

The journal, the recordings and the contract reports all use these, so a key is hidden the
same way wherever it is written: the auth scheme stays readable (`Bearer ***`), the secret not.
"""

from __future__ import annotations

from collections.abc import Iterable

from mock_server.settings import REDACTED

__all__ = ["CONTROL_TOKEN_HEADER", "REDACTED", "SECRET_HEADERS", "redact_headers", "redact_value"]

CONTROL_TOKEN_HEADER = "X-Vidu-Mock-Token"
SECRET_HEADERS = frozenset(
    {"authorization", CONTROL_TOKEN_HEADER.lower(), "x-api-key", "cookie", "set-cookie"}
)
SCHEMES = ("bearer", "basic")


def redact_value(value: str) -> str:
    """Hide a secret header's value, keeping an auth scheme such as `Bearer`."""
    scheme, space, _rest = value.strip().partition(" ")
    return f"{scheme} {REDACTED}" if space and scheme.lower() in SCHEMES else REDACTED


def redact_headers(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Copy headers, hiding the value of every secret one."""
    return {
        name: redact_value(value) if name.lower() in SECRET_HEADERS else value
        for name, value in headers
    }
