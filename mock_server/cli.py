"""`vidu-mock`: start the fake from a shell, with every setting as a flag."""

from __future__ import annotations

import argparse
import gc
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from mock_server.conformance.drift import (
    PROFILE_ENV,
    differences,
    format_differences,
    load_profile,
    profile_from,
    write_profile,
)
from mock_server.conformance.report import load_report
from mock_server.domain.sqlite_store import StoreUnavailable
from mock_server.serving.background import BackgroundServer
from mock_server.settings import Settings, settings_fields, settings_table
from mock_server.web.app import create_app
from mock_server.wire.paths import SUBMIT_PATH

__all__ = ["build_parser", "main", "resolve_settings"]

EXAMPLE_KEY = "test-key"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vidu-mock", description="A fake of the Vidu Q2 Pro Fast img2video async API."
    )
    commands = parser.add_subparsers(dest="command", required=True)
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
    commands.add_parser("settings", help="print the settings table (Markdown)")
    add_compare_command(commands)
    return parser


def add_compare_command(commands: Any) -> None:
    compare = commands.add_parser(
        "compare",
        help="list every difference between two contract reports",
        description="Print every check and probe where two contract-suite reports "
        "(pytest contract_tests --contract-report=PATH) differ. Exit status 1 if any does.",
    )
    compare.add_argument("left", type=Path, metavar="A.json", help="e.g. the fake's report")
    compare.add_argument("right", type=Path, metavar="B.json", help="e.g. the live API's report")
    compare.add_argument(
        "--write-profile",
        type=Path,
        metavar="FILE",
        help="write the settings that make the fake answer as B's target did "
        "(load it with `vidu-mock serve --profile FILE`)",
    )


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


def compare_command(left: Path, right: Path, profile_path: Path | None) -> int:
    """Print every difference between two reports; 0 when there is none, 1 otherwise."""
    first, second = load_report(left), load_report(right)
    print(format_differences(first, second))
    if profile_path is not None:
        profile = profile_from(second)
        write_profile(profile_path, profile)
        adopted = ", ".join(f"{name}={value}" for name, value in sorted(profile.items()))
        print(f"wrote {profile_path} from B: {adopted or 'nothing observed to adopt'}")
    return 1 if differences(first, second) else 0


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


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "settings":
        print(settings_table())
        return 0
    if args.command == "compare":
        try:
            return compare_command(args.left, args.right, args.write_profile)
        except (OSError, ValueError, KeyError) as exc:
            parser.error(f"compare: {exc}")
    try:
        settings = resolve_settings(args, os.environ)
    except ValueError as exc:
        parser.error(str(exc))
    try:
        serve(settings)
    except StoreUnavailable as exc:
        parser.exit(1, f"vidu-mock: {exc}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
