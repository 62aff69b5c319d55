"""`vidu-mock compare`: every difference between two contract reports, and profiles from them."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from mock_server.conformance.drift import (
    differences,
    format_differences,
    profile_from,
    write_profile,
)
from mock_server.conformance.report import load_report

__all__ = ["add_commands", "compare_command"]


def add_commands(commands: Any) -> None:
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
    compare.set_defaults(run=run)


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    try:
        return compare_command(args.left, args.right, args.write_profile)
    except (OSError, ValueError, KeyError) as exc:
        parser.error(f"compare: {exc}")


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
