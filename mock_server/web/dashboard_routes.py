"""The dashboard at `/_mock/ui`: one page, its script and its style, shipped in the package.

No build step and no CDN: the three files in `dashboard/` are served as they are, and the page
fetches nothing but this fake's own JSON control endpoints, whose paths it is given here. The
page itself holds no data, so it is served to anyone; the endpoints it reads apply the control
API's access rules, and the page shows their refusal (and asks for the token) when they refuse.
"""

from __future__ import annotations

import functools
import html
import json
from importlib import resources
from typing import Any

from flask import Blueprint, Response

from mock_server.web.control_access import TOKEN_HEADER
from mock_server.wire.errors import ApiNotFound
from mock_server.wire.paths import CONTROL_PREFIX, ControlPath

__all__ = ["ASSETS", "SECURITY_HEADERS", "blueprint", "page_config"]

ASSETS = {"dashboard.js": "text/javascript", "dashboard.css": "text/css"}
SECURITY_HEADERS = {
    # Only this fake's own script, style and endpoints; videos from wherever video_url points.
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; "
    "connect-src 'self'; img-src 'self' data:; media-src 'self' http: https:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}

PACKAGE = __name__.rpartition(".")[0]  # the assets sit in `dashboard/` beside this module

blueprint = Blueprint("dashboard", __name__)


@blueprint.get(ControlPath.UI)
def page() -> Response:
    return _answer(_page(), "text/html; charset=utf-8")


@blueprint.get(ControlPath.UI + "/<name>")
def asset(name: str) -> Response:
    if name not in ASSETS:
        raise ApiNotFound(f"the dashboard has no file {name!r}")
    return _answer(_asset(name), ASSETS[name])


def page_config() -> dict[str, Any]:
    """What the page needs to know: the endpoints it calls, relative to the page (so a proxy
    may prefix them), and the header that carries the control token."""
    paths = {
        "jobs": ControlPath.JOBS,
        "journal": ControlPath.JOURNAL,
        "clock": ControlPath.CLOCK,
        "advance": ControlPath.CLOCK_ADVANCE,
        "settings": ControlPath.SETTINGS,
        "scripts": ControlPath.SCRIPTS,
        "reset": ControlPath.RESET,
    }
    endpoints = {name: _relative(path) for name, path in paths.items()}
    return {"endpoints": endpoints, "token_header": TOKEN_HEADER}


def _relative(path: str) -> str:
    return path.removeprefix(CONTROL_PREFIX + "/")


@functools.cache
def _page() -> bytes:
    text = _asset("index.html").decode("utf-8")
    filled = {
        "{{config}}": html.escape(json.dumps(page_config()), quote=True),
        "{{script}}": _relative(ControlPath.UI) + "/dashboard.js",
        "{{style}}": _relative(ControlPath.UI) + "/dashboard.css",
    }
    for placeholder, value in filled.items():
        text = text.replace(placeholder, value)
    return text.encode("utf-8")


@functools.cache
def _asset(name: str) -> bytes:
    return (resources.files(PACKAGE) / "dashboard" / name).read_bytes()


def _answer(body: bytes, content_type: str) -> Response:
    response = Response(body, content_type=content_type)
    response.headers.update(SECURITY_HEADERS)
    return response
