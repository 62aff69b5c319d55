"""API-key checks, with the status codes and key rules the settings choose."""

from __future__ import annotations

from mock_server.settings import Settings
from mock_server.wire.errors import InvalidApiKey, MissingApiKey

__all__ = ["authenticate"]

BEARER = "bearer"


def authenticate(header: str | None, settings: Settings) -> str:
    """Return the API key from an Authorization header, or raise the configured error."""
    value = (header or "").strip()
    if not value:
        raise _missing(settings)
    scheme, _, rest = value.partition(" ")
    if scheme.lower() == BEARER:
        key = rest.strip()
    elif settings.accept_bare_key:
        key = value
    else:
        raise InvalidApiKey(
            "Authorization header must be 'Bearer <API key>'", status=settings.wrong_key_status
        )
    if not key:
        raise _missing(settings)
    if settings.api_keys and key not in settings.api_keys:
        raise InvalidApiKey("the API key is not valid", status=settings.wrong_key_status)
    return key


def _missing(settings: Settings) -> MissingApiKey | InvalidApiKey:
    message = "missing API key: send 'Authorization: Bearer <API key>'"
    if settings.missing_key_status == 403:
        return InvalidApiKey(message, status=403)
    return MissingApiKey(message)
