"""Wire the contract suite into pytest: options, markers, the `contract` fixture, report, spend.

`pytest contract_tests` runs against a fake the suite starts itself; `pytest contract_tests
--target=live --base-url=URL --api-key=KEY` runs the same tests against any server.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis.errors import InvalidArgument

from mock_server.conformance.hypothesis_profiles import ExampleSettings, default_for
from mock_server.conformance.options import OPTIONS, SuiteOptions, TargetKind
from mock_server.conformance.report import Verdict, markdown_path
from mock_server.conformance.session import Contract, SuiteState

SUITE_DIR = Path(__file__).parent
STATE = pytest.StashKey[SuiteState]()
DEST_PREFIX = "vidu_contract_"
SKIPPED_HERE = {"hypothesis_profile"}


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


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "fake_only: needs the suite's own fake; skipped on other targets"
    )
    config.addinivalue_line("markers", "paid: makes submissions a live target may charge for")
    given = {spec.name: config.getoption(DEST_PREFIX + spec.name, None) for spec in OPTIONS}
    try:
        options = SuiteOptions.resolve(given)
    except ValueError as exc:
        raise pytest.UsageError(str(exc)) from None
    live = options.target is TargetKind.LIVE
    chosen = config.getoption("hypothesis_profile", None) or options.hypothesis_profile
    name = chosen or default_for(live=live, ci=bool(os.environ.get("CI")))
    try:
        examples = ExampleSettings(name, spending_limited=live)
    except InvalidArgument as exc:
        raise pytest.UsageError(f"--hypothesis-profile: {exc}") from None
    config.stash[STATE] = SuiteState(options, examples)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip fake-only tests on other targets, and paid tests on a live run without a budget."""
    state = config.stash[STATE]
    for item in items:
        if SUITE_DIR not in item.path.parents:
            continue
        if state.live and item.get_closest_marker("fake_only"):
            item.add_marker(pytest.mark.skip(reason="fake_only: drives the suite's own fake"))
        if item.get_closest_marker("paid") and not state.budget.ever_allows:
            reason = "paid: a live run spends nothing unless --live-budget=N allows it"
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def contract(pytestconfig: pytest.Config) -> Contract:
    """The target under test, started once for the session."""
    return pytestconfig.stash[STATE].contract()


@pytest.fixture(scope="session")
def examples(pytestconfig: pytest.Config) -> ExampleSettings:
    """The run's Hypothesis settings, for property tests that need no target."""
    return pytestconfig.stash[STATE].examples


def pytest_sessionfinish(session: pytest.Session) -> None:
    state = session.config.stash.get(STATE, None)
    if state is None:
        return
    state.finish()
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
    failed = [result.name for result in state.report().checks if result.verdict is Verdict.FAILED]
    write(f"failed checks: {', '.join(failed) if failed else 'none'}")
    if state.options.report_path is not None:
        write(f"report: {state.options.report_path} and {markdown_path(state.options.report_path)}")
    if state.recording is not None:
        write(f"recording: {state.recording}")
