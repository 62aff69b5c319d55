"""Who may use the control API: anyone on loopback, otherwise only holders of the token."""

from __future__ import annotations

import hmac
import ipaddress

from mock_server.settings import Settings
from mock_server.wire.redaction import CONTROL_TOKEN_HEADER as TOKEN_HEADER

__all__ = ["TOKEN_HEADER", "control_refusal", "is_loopback"]
LOOPBACK_NAMES = ("localhost",)


def is_loopback(host: str) -> bool:
    """Tell whether an address only the local machine can reach."""
    name = host.strip().strip("[]").lower()
    if name in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def control_refusal(settings: Settings, sent_token: str | None) -> str | None:
    """Say why a control request is refused, or None when it may go ahead."""
    if settings.control_token:
        if sent_token is not None and hmac.compare_digest(
            sent_token.encode(), settings.control_token.encode()
        ):
            return None
        return f"the control API needs the control token in the {TOKEN_HEADER} header"
    if is_loopback(settings.host):
        return None
    return (
        f"the control API is off because the fake listens on {settings.host}, not loopback; "
        "to turn it on, bind a loopback address (--host 127.0.0.1) or start the fake with "
        f"--control-token TOKEN and send TOKEN in the {TOKEN_HEADER} header"
    )
