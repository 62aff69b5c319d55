"""`vidu-mock compare`: where two contract reports differ, and profiles from them."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from mock_server.conformance.drift import compare, profile_from
from mock_server.conformance.report import load_report
from mock_server.settings import write_profile

__all__ = ["add_commands", "compare_command"]


def add_commands(commands: Any) -> None:
    compare_parser = commands.add_parser(
        "compare",
        help="list the differences between two contract reports",
        description="Compare two contract reports (vidu-mock contract --report PATH). A "
        "difference is an item both reports measured with different answers; what only one "
        "measured is listed as not compared and not counted. Exit status 1 if anything differs.",
    )
    compare_parser.add_argument("left", type=Path, metavar="A.json", help="e.g. the fake's report")
    compare_parser.add_argument(
        "right", type=Path, metavar="B.json", help="e.g. the live API's report"
    )
    compare_parser.add_argument(
        "--write-profile",
        type=Path,
        metavar="FILE",
        help="write the settings that make the fake answer as B's target did "
        "(load it with `vidu-mock serve --profile FILE`)",
    )
    compare_parser.set_defaults(run=run)


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    try:
        return compare_command(args.left, args.right, args.write_profile)
    except (OSError, ValueError, KeyError) as exc:
        parser.error(f"compare: {exc}")


def compare_command(left: Path, right: Path, profile_path: Path | None) -> int:
    """Print the comparison; 0 when nothing both measured differs, 1 otherwise."""
    comparison = compare(load_report(left), load_report(right))
    print(comparison.format())
    if profile_path is not None:
        profile = profile_from(comparison.right)
        write_profile(profile_path, profile.settings)
        print(f"wrote {profile_path} from B: {profile.describe()}")
    return 1 if comparison.differences else 0
