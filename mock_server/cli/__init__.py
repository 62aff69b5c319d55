"""`vidu-mock`: the command line, one module per subcommand."""

from __future__ import annotations

from mock_server.cli.main import build_parser, main
from mock_server.cli.serve import resolve_settings

__all__ = ["build_parser", "main", "resolve_settings"]
