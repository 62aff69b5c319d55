"""`vidu-mock contract`: run the shipped contract suite against a base URL, or a fake of its own.

The suite is the `contract_tests` package installed beside `mock_server`. It runs under pytest
(the `contract` extra: pytest, hypothesis, hypothesis-jsonschema) in this process, from any
directory: the directory's own pytest configuration, `PYTEST_ADDOPTS` and other installed pytest
plugins are kept out of the run. Before pytest starts, one cheap request (the preflight) checks
that a base URL answers, is this API and takes the key (the suite then does not send it again).
Progress goes to stderr; pytest's own output is shown only with `--pytest-output`.

Exit status: 0 when the contract holds, 1 when a check (or a test) failed, 2 for a usage or
setup error.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import importlib.util
import io
import os
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from mock_server.conformance.options import OPTIONS, PREFLIGHTED_FLAG, SuiteOptions, spec_named
from mock_server.conformance.preflight import PreflightFailed, preflight_at
from mock_server.conformance.report import ContractReport, RunVerdict, load_report, markdown_path

__all__ = ["EXIT_FAILED", "EXIT_HELD", "EXIT_SETUP", "add_commands", "pytest_arguments"]

EXIT_HELD, EXIT_FAILED, EXIT_SETUP = 0, 1, 2
SUITE_PACKAGE = "contract_tests"
EXTRA = "pip install 'vidu-mock[contract]'"
# Kept out of the suite's pytest run: they belong to the directory or the user's other projects.
FOREIGN_ENV = ("PYTEST_ADDOPTS", "PYTEST_PLUGINS")
OWN_ENV = ("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "HYPOTHESIS_STORAGE_DIRECTORY")
SHOWN_PYTEST_CHARS = 4000
LIVE_ONLY = ("api_key", "live_budget", "live_time_limit")


def add_commands(commands: Any) -> None:
    parser = commands.add_parser(
        "contract",
        help="run the contract suite against a server (or against a fake of its own)",
        description="Run the contract suite against the server at --base-url, or, without one, "
        "against a fake it starts itself. Exit status 0: the contract holds; 1: a check "
        "failed; 2: a usage or setup error (for example a refused key).",
        allow_abbrev=False,
    )
    for spec in OPTIONS:
        if spec.command:
            parser.add_argument(
                spec.command_flag,
                dest=spec.name,
                metavar=spec.metavar,
                help=f"{spec.help} [env {spec.env}]",
            )
    parser.add_argument(
        "--seed",
        type=int,
        metavar="N",
        help="Hypothesis seed: the same seed draws the same requests (default: each test's own)",
    )
    parser.add_argument(
        "-q", "--quiet", action="store_true", help="no progress; say only what failed"
    )
    parser.add_argument(
        "--pytest-output",
        action="store_true",
        help="also show pytest's own output (each test, tracebacks) on stdout",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    given: dict[str, str | None] = {s.name: getattr(args, s.name, None) for s in OPTIONS}
    base_url = given["base_url"] or os.environ.get(spec_named("base_url").env, "")
    given["target"] = "live" if base_url else "fake"
    try:
        options = SuiteOptions.resolve(given, command=True)
    except ValueError as exc:
        parser.error(f"contract: {exc}")
    say = _silent if args.quiet else _stderr
    try:
        _introduce(options, given, say)
        suite = _suite_dir()
    except PreflightFailed as failed:
        _stderr(f"vidu-mock contract: preflight: {failed}")
        return EXIT_SETUP
    except SetupError as failed:
        _stderr(f"vidu-mock contract: {failed}")
        return EXIT_SETUP
    return _run_suite(suite, given, options, args)


class SetupError(Exception):
    """The suite cannot run here: not installed, or its extra is missing."""


def _introduce(options: SuiteOptions, given: dict[str, str | None], say: Any) -> None:
    """Say what is tested; against a base URL, run the preflight first."""
    if not options.live:
        say("vidu-mock contract: against a fake of its own (no --base-url)")
        unused = [spec_named(name).command_flag for name in LIVE_ONLY if given[name] is not None]
        if unused:
            say(f"  {', '.join(unused)} apply to a server at --base-url only")
        return
    say(
        f"vidu-mock contract: {options.base_url}, budget {options.live_budget} paid "
        f"submission(s), time limit {options.live_time_limit:g} s"
    )
    say(f"preflight: {preflight_at(options.base_url, options.api_key)}")  # fails fast


def _suite_dir() -> Path:
    """Where the installed suite is; SetupError when it, or pytest, is missing."""
    for needed in ("pytest", "hypothesis", "hypothesis_jsonschema"):
        if importlib.util.find_spec(needed) is None:
            raise SetupError(f"the contract suite needs {needed}: {EXTRA}")
    spec = importlib.util.find_spec(SUITE_PACKAGE)
    locations = list(spec.submodule_search_locations or []) if spec else []
    if not locations or not (Path(locations[0]) / "conftest.py").is_file():
        raise SetupError(f"the contract suite ({SUITE_PACKAGE}) is not installed: {EXTRA}")
    return Path(locations[0])


def pytest_arguments(
    suite: Path, given: dict[str, str | None], options: SuiteOptions, args: argparse.Namespace
) -> list[str]:
    """The pytest command line that runs the installed suite with these options, alone."""
    arguments = [
        str(suite), "-c", os.devnull, f"--rootdir={suite.parent}", "-p", "no:cacheprovider",
        *_hypothesis_plugin(), "-q", f"--target={options.target.value}",
    ]  # fmt: skip
    arguments += [
        f"{spec.flag}={value}"
        for spec in OPTIONS
        if spec.command and (value := given.get(spec.name)) is not None
    ]
    if not args.quiet:
        arguments.append(spec_named("contract_progress").flag)
    if options.live:
        arguments.append(PREFLIGHTED_FLAG)  # `run` sent the preflight before pytest starts
    if args.seed is not None:
        arguments.append(f"--hypothesis-seed={args.seed}")
    profile_env = spec_named("hypothesis_profile").env
    if not options.live and not os.environ.get(profile_env):
        arguments.append("--hypothesis-profile=ci")  # small, and keeps no example database
    return arguments


def _hypothesis_plugin() -> list[str]:
    """Load Hypothesis' pytest plugin by name, since other plugins are not loaded by themselves."""
    for entry in importlib.metadata.entry_points(group="pytest11"):
        if entry.dist is not None and entry.dist.name.lower() == "hypothesis":
            return ["-p", entry.value]
    return []


def _run_suite(
    suite: Path, given: dict[str, str | None], options: SuiteOptions, args: argparse.Namespace
) -> int:
    with _report_path(options) as report_path:
        given = {**given, "contract_report": str(report_path)}
        arguments = pytest_arguments(suite, given, options, args)
        code, output = _pytest(arguments, show=args.pytest_output, progress=not args.quiet)
        if code not in (EXIT_HELD, EXIT_FAILED):
            _stderr(f"vidu-mock contract: the suite could not run (pytest exit status {code})")
            if output:
                _stderr(output[-SHOWN_PYTEST_CHARS:].rstrip())
            return EXIT_SETUP
        try:
            report = load_report(report_path)
        except (OSError, ValueError) as exc:
            _stderr(
                f"vidu-mock contract: the suite ran, but its report {report_path} {_unread(exc)}"
            )
            return EXIT_SETUP
    _summarise(report, options.report_path, quiet=args.quiet)
    return EXIT_HELD if code == EXIT_HELD else EXIT_FAILED


@contextlib.contextmanager
def _report_path(options: SuiteOptions) -> Iterator[Path]:
    """The report the user asked for, or one in a temporary directory for the summary."""
    if options.report_path is not None:
        yield options.report_path
        return
    with tempfile.TemporaryDirectory(prefix="vidu-contract-") as directory:
        yield Path(directory) / "report.json"


def _unread(error: OSError | ValueError) -> str:
    """Why a report could not be read, as the end of a sentence naming it."""
    if isinstance(error, FileNotFoundError):
        return "was not written"
    if isinstance(error, OSError):
        return f"cannot be read: {error.strerror or error}"
    return f"cannot be read: {error}"


def _pytest(arguments: Sequence[str], *, show: bool, progress: bool) -> tuple[int, str]:
    """Run pytest in this process, alone; return its exit status and its output (when hidden)."""
    import pytest  # the contract extra; its presence was checked first

    buffer = io.StringIO()
    hidden = contextlib.nullcontext() if show else contextlib.redirect_stdout(buffer)
    with _isolated_environment(progress=progress), hidden:
        code = int(pytest.main(list(arguments)))
    return code, buffer.getvalue()


@contextlib.contextmanager
def _isolated_environment(*, progress: bool) -> Iterator[None]:
    """No foreign pytest options or plugins; Hypothesis' caches in a temporary directory rather
    than a `.hypothesis/` left in the user's directory; progress on or off as the command says,
    whatever an inherited `VIDU_CONTRACT_PROGRESS` says."""
    progress_env = spec_named("contract_progress").env
    saved = {name: os.environ.get(name) for name in (*FOREIGN_ENV, *OWN_ENV, progress_env)}
    with tempfile.TemporaryDirectory(prefix="vidu-contract-hypothesis-") as storage:
        for name in FOREIGN_ENV:
            os.environ.pop(name, None)
        os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
        os.environ[progress_env] = "true" if progress else "false"
        os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", storage)
        try:
            yield
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value


def _summarise(report: ContractReport, written: Path | None, *, quiet: bool) -> None:
    """The verdict, the spend, every failed check with its reason, and where the report is."""
    held = report.verdict is RunVerdict.HOLDS
    if quiet and held:
        return
    lines = [report.headline(), f"spend: {report.spend.describe()}"]
    lines += [f"failed: {check.last_failure}" for check in report.failed_checks()]
    lines += [f"failed outside the checks: {error}" for error in report.errors]
    if written is not None:
        lines.append(f"report: {written} and {markdown_path(written)}")
    for line in lines:
        _stderr(line)


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _silent(line: str) -> None:
    pass
