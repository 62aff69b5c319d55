"""Wire the contract suite into pytest: options, phases, the `contract` fixture, report, spend.

`pytest contract_tests` runs against a fake the suite starts itself; `pytest contract_tests
--target=live --base-url=URL --api-key=KEY` runs the same tests against any server, once one
cheap request (the preflight) showed that it answers, is this API and takes the key.
`vidu-mock contract` runs this same suite with pytest.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from collections.abc import Generator
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import pytest
from hypothesis.errors import InvalidArgument

from mock_server.conformance.checks import CheckFailure
from mock_server.conformance.hypothesis_profiles import ExampleSettings, default_for
from mock_server.conformance.options import OPTIONS, PREFLIGHTED_FLAG, SuiteOptions, spec_named
from mock_server.conformance.preflight import PreflightFailed
from mock_server.conformance.progress import PHASES, Progress
from mock_server.conformance.report import markdown_path
from mock_server.conformance.session import Contract, SuiteState

SUITE_DIR = Path(__file__).parent
STATE = pytest.StashKey[SuiteState]()
DEST_PREFIX = "vidu_contract_"
SKIPPED_HERE = {"hypothesis_profile"}
PHASE_MARK = "phase"
PREFLIGHTED_DEST = DEST_PREFIX + "preflighted"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("vidu-contract", "vidu-mock contract suite")
    for spec in OPTIONS:
        if spec.name in SKIPPED_HERE:
            continue
        help_text = f"{spec.help} [env {spec.env}; default {spec.default or '(none)'}]"
        if spec.is_switch:
            group.addoption(
                spec.flag,
                action="store_const",
                const="true",
                dest=DEST_PREFIX + spec.name,
                help=help_text,
            )
        else:
            group.addoption(
                spec.flag, dest=DEST_PREFIX + spec.name, metavar=spec.metavar, help=help_text
            )
    group.addoption(
        PREFLIGHTED_FLAG, action="store_true", dest=PREFLIGHTED_DEST, help=argparse.SUPPRESS
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "fake_only: needs the suite's own fake; skipped on other targets"
    )
    config.addinivalue_line("markers", "paid: makes submissions a live target may charge for")
    config.addinivalue_line(
        "markers", f"{PHASE_MARK}(name): the suite's phase the test belongs to: {', '.join(PHASES)}"
    )
    given = {spec.name: config.getoption(DEST_PREFIX + spec.name, None) for spec in OPTIONS}
    try:
        options = SuiteOptions.resolve(given)
    except ValueError as exc:
        raise pytest.UsageError(str(exc)) from None
    chosen = config.getoption("hypothesis_profile", None) or options.hypothesis_profile
    name = chosen or default_for(live=options.live, ci=bool(os.environ.get("CI")))
    seeded = config.getoption("hypothesis_seed", None) is not None
    try:
        examples = ExampleSettings(name, spending_limited=options.live, seeded=seeded)
    except InvalidArgument as exc:
        where = f"--hypothesis-profile / {spec_named('hypothesis_profile').env}"
        raise pytest.UsageError(f"{where}: {exc}") from None
    progress = Progress(_stderr_lines(config)) if options.contract_progress else None
    preflighted = bool(config.getoption(PREFLIGHTED_DEST, False))
    config.stash[STATE] = SuiteState(options, examples, progress, preflighted=preflighted)


def _stderr_lines(config: pytest.Config) -> Any:
    """Write whole lines to the real stderr, past pytest's capturing."""
    capture = config.pluginmanager.getplugin("capturemanager")

    def write(line: str) -> None:
        with capture.global_and_fixture_disabled() if capture else nullcontext():
            sys.stderr.write(line + "\n")
            sys.stderr.flush()

    return write


def _in_suite(item: pytest.Item) -> bool:
    return SUITE_DIR in item.path.parents


def _phase(item: pytest.Item) -> str:
    marker = item.get_closest_marker(PHASE_MARK)
    return str(marker.args[0]) if marker else PHASES[1]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Run the suite phase by phase (free ones first, then paid ones in budget order); skip
    fake-only tests on other targets, and paid tests on a live run without a budget."""
    state = config.stash[STATE]
    slots = [index for index, item in enumerate(items) if _in_suite(item)]
    ordered = sorted((items[index] for index in slots), key=lambda i: PHASES.index(_phase(i)))
    for index, item in zip(slots, ordered, strict=True):
        items[index] = item
    state.progress.plan(Counter(_phase(item) for item in ordered))
    for item in ordered:
        if state.live and item.get_closest_marker("fake_only"):
            item.add_marker(pytest.mark.skip(reason="fake_only: drives the suite's own fake"))
        if item.get_closest_marker("paid") and not state.budget.ever_allows:
            reason = "paid: a live run spends nothing unless --live-budget=N allows it"
            item.add_marker(pytest.mark.skip(reason=reason))


def pytest_runtest_setup(item: pytest.Item) -> None:
    if _in_suite(item):
        item.config.stash[STATE].progress.enter(_phase(item))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Count each test's outcome once, and keep failures that no check accounts for."""
    report: pytest.TestReport = yield
    if _in_suite(item) and (report.when == "call" or not report.passed):
        state = item.config.stash[STATE]
        state.progress.test_done(report.outcome)
        excinfo = call.excinfo
        if report.failed and excinfo is not None and not _holds_check_failure(excinfo.value):
            state.errors.append(f"{item.nodeid}: {_first_line(excinfo.value)}")
    return report


def _holds_check_failure(error: BaseException) -> bool:
    """A failed check, or a group of failures (Hypothesis' way) holding one."""
    if isinstance(error, CheckFailure):
        return True
    if isinstance(error, BaseExceptionGroup):
        return any(_holds_check_failure(inner) for inner in error.exceptions)
    return False


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return f"{type(error).__name__}: {text.splitlines()[0]}" if text else type(error).__name__


@pytest.hookimpl(tryfirst=True)
def pytest_runtestloop(session: pytest.Session) -> None:
    """Start the target before the first test, when a test will need it: its preflight (and
    the line saying what it showed) comes before anything else."""
    if any(
        _in_suite(item) and "contract" in getattr(item, "fixturenames", ())
        for item in session.items
    ):
        _started(session.config)


def _started(config: pytest.Config) -> Contract:
    """The target under test, started once for the session; a failed preflight ends the run."""
    state = config.stash[STATE]
    try:
        return state.contract()
    except PreflightFailed as failed:
        state.setup_error = f"preflight: {failed}"
        state.progress.say(state.setup_error)
        pytest.exit(state.setup_error, returncode=pytest.ExitCode.USAGE_ERROR)


@pytest.fixture(scope="session")
def contract(pytestconfig: pytest.Config) -> Contract:
    """The target under test, started once for the session."""
    return _started(pytestconfig)


@pytest.fixture(scope="session")
def examples(pytestconfig: pytest.Config) -> ExampleSettings:
    """The run's Hypothesis settings, for property tests that need no target."""
    return pytestconfig.stash[STATE].examples


def pytest_sessionfinish(session: pytest.Session) -> None:
    state = session.config.stash.get(STATE, None)
    if state is None:
        return
    state.progress.finish()
    state.finish()
    if state.recording is not None:
        state.progress.say(f"recording: {state.recording}")
    path = state.options.report_path
    if path is not None:
        state.report().write(path)


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    """Say what the run spent on the target, where the report went, and which checks failed."""
    state = config.stash.get(STATE, None)
    if state is None or not state.started:
        return
    write = terminalreporter.write_line
    terminalreporter.section("vidu contract suite")
    write(f"target: {state.options.target.value} at {state.base_url}")
    write(f"spend: {state.budget.spend().describe()}")
    failed = [result.name for result in state.report().failed_checks()]
    write(f"failed checks: {', '.join(failed) if failed else 'none'}")
    if state.options.report_path is not None:
        write(f"report: {state.options.report_path} and {markdown_path(state.options.report_path)}")
    if state.recording is not None:
        write(f"recording: {state.recording}")
