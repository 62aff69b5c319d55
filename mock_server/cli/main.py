"""`vidu-mock`'s parser: each subcommand module adds its own parser and the function it runs."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from mock_server.cli import compare, contract, serve
from mock_server.cli.version import package_version
from mock_server.settings import did_you_mean

__all__ = ["Parser", "build_parser", "main"]


class Parser(argparse.ArgumentParser):
    """An argument parser that takes no abbreviations: `--store x` never means `--store-path x`.

    Subcommand parsers are made of the same class, so they inherit it.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="vidu-mock", description="A fake of the Vidu Q2 Pro Fast img2video async API."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {package_version()}")
    commands = parser.add_subparsers(dest="command", required=True)
    serve.add_commands(commands)
    contract.add_commands(commands)
    compare.add_commands(commands)
    parser.set_defaults(command_parsers=commands.choices)  # errors show the subcommand's usage
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one subcommand and return its exit status."""
    parser = build_parser()
    args, extras = parser.parse_known_args(argv)
    command: argparse.ArgumentParser = args.command_parsers[args.command]
    if extras:
        command.error(f"unrecognized arguments: {' '.join(extras)}{_suggestion(command, extras)}")
    status: int = args.run(args, command)
    return status


def _suggestion(parser: argparse.ArgumentParser, extras: Sequence[str]) -> str:
    """Name the closest flag to the first unknown one: `--prot` → `--port`."""
    flags = [option for action in parser._actions for option in action.option_strings]
    unknown = next((extra.split("=", 1)[0] for extra in extras if extra.startswith("--")), "")
    return did_you_mean(unknown, flags) if unknown else ""


if __name__ == "__main__":
    sys.exit(main())
