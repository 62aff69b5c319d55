"""API-key checks, with the status codes and key rules the settings choose."""

from __future__ import annotations

from mock_server.settings import Settings
from mock_server.wire.errors import InvalidApiKey, MissingApiKey

__all__ = ["authenticate", "missing_key_error", "wrong_key_error"]

BEARER = "bearer"


def authenticate(header: str | None, settings: Settings) -> str:
    """Return the API key from an Authorization header, or raise the configured error."""
    value = (header or "").strip()
    if not value:
        raise missing_key_error(settings)
    scheme, _, rest = value.partition(" ")
    if scheme.lower() == BEARER:
        key = rest.strip()
    elif settings.accept_bare_key:
        key = value
    else:
        raise wrong_key_error(settings, "Authorization header must be 'Bearer <API key>'")
    if not key:
        raise missing_key_error(settings)
    if settings.api_keys and key not in settings.api_keys:
        raise wrong_key_error(settings, "the API key is not valid")
    return key


def missing_key_error(settings: Settings) -> MissingApiKey | InvalidApiKey:
    """The answer to a request without a key: 400 MISSING_API_KEY, or 403 INVALID_API_KEY."""
    message = "missing API key: send 'Authorization: Bearer <API key>'"
    if settings.missing_key_status == 403:
        return InvalidApiKey(message, status=403)
    return MissingApiKey(message)


def wrong_key_error(settings: Settings, message: str) -> InvalidApiKey:
    """The answer to a key the fake does not take: INVALID_API_KEY, 403 or 401."""
    return InvalidApiKey(message, status=settings.wrong_key_status)
