"""`vidu-mock serve` and `vidu-mock settings`: run the fake, or show the settings it would use."""

from __future__ import annotations

import argparse
import gc
import os
import socket
import sys
from collections.abc import Mapping
from typing import Any

from mock_server.cli.setting_flags import (
    Resolved,
    SettingError,
    add_setting_flags,
    resolve,
    unknown_variables,
)
from mock_server.cli.version import package_version
from mock_server.domain.store import StoreUnavailable
from mock_server.serving.background import BackgroundServer
from mock_server.serving.console import configure_console, json_line
from mock_server.settings import (
    Settings,
    StoreKind,
    settings_fields,
    settings_shown,
    settings_table,
)
from mock_server.web.control_access import TOKEN_HEADER, control_refusal
from mock_server.wire.paths import SUBMIT_PATH, ControlPath

__all__ = [
    "add_commands",
    "resolve_settings",
    "serve",
    "settings_in_force",
    "startup_banner",
    "startup_event",
]

EXAMPLE_KEY = "test-key"


def add_commands(commands: Any) -> None:
    """Add `serve` and `settings`, which take the same setting flags."""
    serve = commands.add_parser(
        "serve",
        help="run the fake over HTTP",
        usage="%(prog)s [options]",
        description="Run the fake over HTTP. "
        "Every flag can also be set with the environment variable named in its help.",
    )
    add_setting_flags(serve)
    serve.set_defaults(run=run_serve)
    table = commands.add_parser(
        "settings",
        help="show the settings in force and where each came from",
        usage="%(prog)s [options] [--markdown]",
        description="Show the value of every setting `vidu-mock serve` would use with the same "
        "flags, profile and environment, and where each came from "
        "(default, profile, environment or flag).",
    )
    add_setting_flags(table)
    table.add_argument(
        "--markdown",
        action="store_true",
        help="print the Markdown table of every setting, its flag, variable and default instead",
    )
    table.set_defaults(run=run_settings)


def run_settings(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    if args.markdown:
        print(settings_table())
        return 0
    print(settings_in_force(_resolved(args, parser)))
    return 0


def run_serve(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    resolved = _resolved(args, parser)
    settings = resolved.settings
    try:
        socket.getaddrinfo(settings.host, settings.port)
    except socket.gaierror as exc:
        parser.error(f"{resolved.blame('host')}: cannot resolve {settings.host!r}: {exc.strerror}")
    try:
        serve(settings)
    except StoreUnavailable as exc:  # a setup error, like the host: name where the store came from
        parser.error(f"{resolved.blame(_store_setting(settings))}: {exc}")
    return 0


def _store_setting(settings: Settings) -> str:
    """The setting that chose the store in force: `store`, or `store_path` when `store` is auto."""
    return "store" if settings.store.kind is not StoreKind.AUTO else "store_path"


def resolve_settings(args: argparse.Namespace, environ: Mapping[str, str]) -> Settings:
    """Defaults, then a profile file, then `VIDU_MOCK_*` variables, then flags: the last wins."""
    return resolve(args, environ).settings


def _resolved(args: argparse.Namespace, parser: argparse.ArgumentParser) -> Resolved:
    for warning in unknown_variables(os.environ):
        print(f"{parser.prog}: warning: {warning}", file=sys.stderr)
    try:
        return resolve(args, os.environ)
    except SettingError as exc:
        parser.error(str(exc))


def settings_in_force(resolved: Resolved) -> str:
    """A table of every setting's value and where it came from, secrets hidden."""
    rows = [("setting", "value", "source")]
    shown = settings_shown(resolved.settings)
    for spec in settings_fields():
        value = shown[spec.name]
        rows.append((spec.name, value or spec.default_text, resolved.sources[spec.name]))
    widths = [max(len(row[column]) for row in rows) for column in range(2)]
    return "\n".join(
        f"{name:<{widths[0]}}  {value:<{widths[1]}}  {source}".rstrip()
        for name, value, source in rows
    )


def serve(settings: Settings) -> None:
    configure_console(settings)
    if settings.workers:
        from mock_server.serving.workers import serve_workers  # imports granian only when needed

        serve_workers(settings, lambda base: _announcement(base, settings))
        return
    from mock_server.web.app import create_app

    app = create_app(settings)
    gc.freeze()  # what lives as long as the process need not slow every full collection
    # Werkzeug's own request lines stay off: web/access_log.py writes ours. A port in use
    # stops it with a message and status 1.
    server = BackgroundServer(app, settings.host, settings.port)
    print(_announcement(f"http://{settings.host}:{server.port}", settings), flush=True)
    server.run()


def _announcement(base: str, settings: Settings) -> str:
    if settings.log_format == "json":
        return json_line(**startup_event(base, settings))
    return startup_banner(base, settings)


def startup_banner(base: str, settings: Settings) -> str:
    """Say where the fake listens, where its dashboard is, and give a submit command to paste."""
    key = settings.api_keys[0] if settings.api_keys else EXAMPLE_KEY
    body = '{"images": ["https://example.com/cat.png"], "prompt": "a cat surfing", "duration": 2}'
    return (
        f"{_listening(base, settings)} (progression {settings.progression}, "
        f"clock {'virtual' if settings.virtual_clock else 'real'}, speed {settings.speed})\n"
        f"{_dashboard_line(base, settings)}\n"
        f"Try:\n  curl -s -X POST {base}{SUBMIT_PATH} \\\n"
        f"    -H 'Authorization: Bearer {key}' -H 'Content-Type: application/json' \\\n"
        f"    -d '{body}'"
    )


def startup_event(base: str, settings: Settings) -> dict[str, Any]:
    """The banner as one JSON log event."""
    refusal = _control_refusal(settings)
    return {
        "level": "warning" if refusal else "info",
        "event": "listening",
        "message": _listening(base, settings),
        "url": base,
        "dashboard": base + ControlPath.UI,
        "control_api": "off" if refusal else "on",
        "control_api_off_because": refusal,
        "progression": str(settings.progression),
        "clock": "virtual" if settings.virtual_clock else "real",
        "speed": settings.speed,
    }


def _listening(base: str, settings: Settings) -> str:
    return f"vidu-mock {package_version()} listening on {base}"


def _dashboard_line(base: str, settings: Settings) -> str:
    url = base + ControlPath.UI
    refusal = _control_refusal(settings)
    if refusal:
        return f"Dashboard: {url}, but {refusal}"  # the page needs the control API
    if settings.control_token:
        return f"Dashboard: {url} (it asks for the control token, sent as {TOKEN_HEADER})"
    return f"Dashboard: {url}"


def _control_refusal(settings: Settings) -> str | None:
    """Why the control API refuses even the holder of the token, if it does (the rule lives in
    `web/control_access.py`)."""
    return control_refusal(settings, settings.control_token or None)
