"""`vidu-mock contract`: options, setup errors and how it hands the suite to pytest.

Whole runs of the command, from an installed wheel, are in `test_contract_command_from_a_wheel.py`.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from mock_server.cli import build_parser, main
from mock_server.cli.contract import pytest_arguments
from mock_server.conformance.options import PREFLIGHTED_FLAG, SuiteOptions
from mock_server.conformance.report import SCHEMA_VERSION

ROOT = Path(__file__).resolve().parent.parent
WITHOUT_THE_EXTRA = "import sys; sys.modules.update(pytest=None, hypothesis=None); "
OLD_REPORT = '{"schema_version": 1, "target": "fake", "checks": {}}'


def python(
    code: str, cwd: Path = ROOT, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("VIDU_CONTRACT_")}
    command = [sys.executable, "-c", code]
    return subprocess.run(
        command, cwd=cwd, env={**clean, **(env or {})}, capture_output=True, text=True, timeout=60
    )


def contract(
    *arguments: str, cwd: Path = ROOT, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    argv = ["contract", *arguments]
    code = f"import sys; from mock_server.cli import main; sys.exit(main({argv!r}))"
    return python(code, cwd, env)


@pytest.fixture
def no_contract_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """An in-process run sees none of the suite's variables this environment may set."""
    for name in os.environ:
        if name.startswith("VIDU_CONTRACT_"):
            monkeypatch.delenv(name)


def stub_pytest(
    monkeypatch: pytest.MonkeyPatch, code: int, effect: Callable[[Sequence[str]], object]
) -> None:
    """Replace the suite's pytest run by `effect` on its arguments, ending with `code`."""

    def run(arguments: Sequence[str]) -> int:
        effect(arguments)
        return code

    monkeypatch.setattr(pytest, "main", run)


def test_the_package_and_the_fake_need_no_contract_extra() -> None:
    ran = python(
        WITHOUT_THE_EXTRA + "import mock_server, mock_server.cli.contract; "
        "from mock_server.cli import main; sys.exit(main(['settings']))"
    )
    assert ran.returncode == 0, ran.stderr
    assert any(line.split()[:1] == ["speed"] for line in ran.stdout.splitlines()), ran.stdout


def test_without_the_contract_extra_the_command_says_how_to_install_it() -> None:
    ran = python(
        WITHOUT_THE_EXTRA + "from mock_server.cli import main; sys.exit(main(['contract']))"
    )
    assert ran.returncode == 2
    assert "the contract suite needs pytest: pip install 'vidu-mock[contract]'" in ran.stderr


def test_a_bad_option_is_a_usage_error_naming_the_commands_flag() -> None:
    ran = contract("--budget", "-1")
    assert ran.returncode == 2
    assert "--budget / VIDU_CONTRACT_LIVE_BUDGET: expected an integer >= 0, got '-1'" in ran.stderr


def test_a_base_url_without_a_key_is_a_usage_error() -> None:
    ran = contract("--base-url", "http://127.0.0.1:9")
    assert ran.returncode == 2
    assert "needs --base-url and --api-key (or VIDU_CONTRACT_BASE_URL" in ran.stderr


def test_a_base_url_that_does_not_answer_is_a_setup_error() -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    ran = contract("--base-url", f"http://127.0.0.1:{port}", "--api-key", "k")
    assert ran.returncode == 2
    assert f"preflight: http://127.0.0.1:{port} does not answer: ConnectionError: " in ran.stderr


def arguments_for(*flags: str) -> list[str]:
    args = build_parser().parse_args(["contract", *flags])
    given = {name: getattr(args, name, None) for name in ("base_url", "api_key", "live_budget")}
    given |= {"contract_report": "r.json", "live_time_limit": None, "record_dir": None}
    given["target"] = "live" if given["base_url"] else "fake"
    options = SuiteOptions.resolve(given, {})
    return pytest_arguments(Path("/site/contract_tests"), given, options, args)


def test_the_suite_runs_alone_whatever_the_directory_configures() -> None:
    arguments = arguments_for("--base-url", "http://h", "--api-key", "k", "--budget", "3")
    assert arguments[:5] == ["/site/contract_tests", "-c", os.devnull, "--rootdir=/site", "-p"]
    assert "no:cacheprovider" in arguments
    assert {"--target=live", "--base-url=http://h", "--api-key=k", "--live-budget=3"} <= set(
        arguments
    )
    assert "--contract-report=r.json" in arguments
    assert "--contract-progress" in arguments
    assert not any(argument.startswith("--hypothesis-profile") for argument in arguments)


def test_the_suite_skips_the_preflight_the_command_already_sent_to_a_base_url() -> None:
    assert PREFLIGHTED_FLAG in arguments_for("--base-url", "http://h", "--api-key", "k")
    assert PREFLIGHTED_FLAG not in arguments_for()  # its own fake: no preflight at all


def test_quiet_turns_progress_off_and_a_seed_reaches_hypothesis() -> None:
    arguments = arguments_for("--quiet", "--seed", "5")
    assert "--contract-progress" not in arguments
    assert "--hypothesis-seed=5" in arguments
    assert "--target=fake" in arguments
    assert "--hypothesis-profile=ci" in arguments


@pytest.mark.parametrize("flag", ["--rep", "--rec"])
def test_flags_are_never_abbreviated(flag: str) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["contract", flag, "x"])


def test_a_base_url_that_is_not_a_url_is_a_usage_error_naming_the_flag() -> None:
    ran = contract("--base-url", "localhost:8080", "--api-key", "k")
    assert ran.returncode == 2
    assert (
        "--base-url / VIDU_CONTRACT_BASE_URL: expected an http:// or https:// URL, or nothing, "
        "got 'localhost:8080'"
    ) in ran.stderr
    assert "preflight" not in ran.stderr


def test_a_report_path_that_is_a_directory_is_a_usage_error_before_the_suite_runs(
    tmp_path: Path,
) -> None:
    ran = contract("--report", str(tmp_path))
    assert ran.returncode == 2
    assert (
        "--report / VIDU_CONTRACT_REPORT: expected a file to write the report to, got the "
        f"directory {str(tmp_path)!r}"
    ) in ran.stderr
    assert "Traceback" not in ran.stderr


def test_a_suite_that_cannot_start_is_a_setup_error_even_where_an_old_report_lies(
    tmp_path: Path,
) -> None:
    (tmp_path / "old.json").write_text(OLD_REPORT)
    ran = contract(
        "--report", "old.json", cwd=tmp_path, env={"VIDU_CONTRACT_HYPOTHESIS_PROFILE": "nope"}
    )
    assert ran.returncode == 2, ran.stderr
    assert "vidu-mock contract: the suite could not run (pytest exit status 4)" in ran.stderr
    assert "--hypothesis-profile / VIDU_CONTRACT_HYPOTHESIS_PROFILE: " in ran.stderr
    assert "Traceback" not in ran.stderr


@pytest.mark.usefixtures("no_contract_env")
def test_a_report_the_suite_left_unreadable_is_a_setup_error_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "r.json"
    stub_pytest(monkeypatch, 1, lambda arguments: report.write_text(OLD_REPORT))
    assert main(["contract", "--quiet", "--report", str(report)]) == 2
    assert (
        f"vidu-mock contract: the suite ran, but its report {report} cannot be read: not a "
        f"contract report of schema_version {SCHEMA_VERSION} (found 1)"
    ) in capsys.readouterr().err


@pytest.mark.usefixtures("no_contract_env")
def test_a_report_the_suite_did_not_write_is_a_setup_error_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "r.json"
    stub_pytest(monkeypatch, 0, lambda arguments: None)
    assert main(["contract", "--quiet", "--report", str(report)]) == 2
    assert f"its report {report} was not written" in capsys.readouterr().err


@pytest.mark.usefixtures("no_contract_env")
@pytest.mark.parametrize(
    ("flags", "inherited", "shown"), [(["-q"], "true", False), ([], "false", True)]
)
def test_progress_is_on_or_off_as_quiet_says_whatever_the_environment_says(
    monkeypatch: pytest.MonkeyPatch, flags: list[str], inherited: str, shown: bool
) -> None:
    monkeypatch.setenv("VIDU_CONTRACT_PROGRESS", inherited)
    seen: list[bool] = []

    def as_the_suite_reads_it(arguments: Sequence[str]) -> None:
        flag = "true" if "--contract-progress" in arguments else None
        seen.append(SuiteOptions.resolve({"contract_progress": flag}).contract_progress)

    stub_pytest(monkeypatch, 4, as_the_suite_reads_it)
    main(["contract", *flags])
    assert seen == [shown]
    assert os.environ["VIDU_CONTRACT_PROGRESS"] == inherited  # given back afterwards
