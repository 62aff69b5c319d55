"""`vidu-mock`'s parser: each subcommand module adds its own parser and the function it runs."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from mock_server.cli import compare, serve

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vidu-mock", description="A fake of the Vidu Q2 Pro Fast img2video async API."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve.add_commands(commands)
    compare.add_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one subcommand and return its exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    status: int = args.run(args, parser)
    return status


if __name__ == "__main__":
    sys.exit(main())
