"""`vidu-mock serve` and `vidu-mock settings`: run the fake with every setting as a flag."""

from __future__ import annotations

import argparse
import gc
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mock_server.conformance.drift import (
    PROFILE_ENV,
    load_profile,
)
from mock_server.domain.store import StoreUnavailable
from mock_server.serving.background import BackgroundServer
from mock_server.settings import Settings, settings_fields, settings_table
from mock_server.web.app import create_app
from mock_server.wire.paths import SUBMIT_PATH

__all__ = ["add_commands", "resolve_settings", "serve", "startup_banner"]

EXAMPLE_KEY = "test-key"


def add_commands(commands: Any) -> None:
    """Add `serve` and `settings`."""
    serve = commands.add_parser(
        "serve",
        help="run the fake over HTTP",
        description="Run the fake over HTTP. "
        "Every flag can also be set with the environment variable named in its help.",
    )
    for spec in settings_fields():
        serve.add_argument(
            spec.flag,
            dest=spec.name,
            default=None,
            metavar=spec.name.upper(),
            help=f"{spec.help} [env {spec.env}; default {spec.default_text}]",
        )
    serve.add_argument(
        "--profile",
        metavar="FILE",
        help="JSON object of setting name -> value to start from, e.g. one written by "
        f"`vidu-mock compare --write-profile`; variables and flags override it [env {PROFILE_ENV}]",
    )
    serve.set_defaults(run=run_serve)
    table = commands.add_parser("settings", help="print the settings table (Markdown)")
    table.set_defaults(run=run_settings)


def run_settings(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    print(settings_table())
    return 0


def run_serve(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    try:
        settings = resolve_settings(args, os.environ)
    except ValueError as exc:
        parser.error(str(exc))
    try:
        serve(settings)
    except StoreUnavailable as exc:
        parser.exit(1, f"vidu-mock: {exc}\n")
    return 0


def resolve_settings(args: argparse.Namespace, environ: Mapping[str, str]) -> Settings:
    """Defaults, then a profile file, then `VIDU_MOCK_*` variables, then flags: the last wins."""
    from_env = Settings.from_env(environ, base=profile_settings(args, environ))
    flags = {
        spec.name: getattr(args, spec.name)
        for spec in settings_fields()
        if getattr(args, spec.name, None) is not None
    }
    return Settings.from_strings(flags, base=from_env)


def profile_settings(args: argparse.Namespace, environ: Mapping[str, str]) -> Settings:
    """Settings from `--profile FILE` (or `VIDU_MOCK_PROFILE`), else the defaults."""
    path = getattr(args, "profile", None) or environ.get(PROFILE_ENV)
    return Settings.from_strings(load_profile(Path(path))) if path else Settings()


def serve(settings: Settings) -> None:
    if settings.workers:
        from mock_server.serving.workers import serve_workers  # imports granian only when needed

        serve_workers(settings, lambda base: startup_banner(base, settings))
        return
    app = create_app(settings)
    gc.freeze()  # what lives as long as the process need not slow every full collection
    server = BackgroundServer(app, settings.host, settings.port, quiet=False)
    base = f"http://{settings.host}:{server.port}"
    print(startup_banner(base, settings), flush=True)
    server.run()


def startup_banner(base: str, settings: Settings) -> str:
    """Say where the fake listens and give a submit command to paste."""
    key = settings.api_keys[0] if settings.api_keys else EXAMPLE_KEY
    body = '{"images": ["https://example.com/cat.png"], "prompt": "a cat surfing", "duration": 2}'
    return (
        f"vidu-mock listening on {base} (progression {settings.progression}, "
        f"clock {'virtual' if settings.virtual_clock else 'real'}, speed {settings.speed})\n"
        f"Try:\n  curl -s -X POST {base}{SUBMIT_PATH} \\\n"
        f"    -H 'Authorization: Bearer {key}' -H 'Content-Type: application/json' \\\n"
        f"    -d '{body}'"
    )
