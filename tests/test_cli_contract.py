"""`vidu-mock contract`: options, setup errors and how it hands the suite to pytest.

Whole runs of the command, from an installed wheel, are in `test_contract_command_from_a_wheel.py`.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from mock_server.cli import build_parser
from mock_server.cli.contract import pytest_arguments
from mock_server.conformance.options import SuiteOptions

ROOT = Path(__file__).resolve().parent.parent
WITHOUT_THE_EXTRA = "import sys; sys.modules.update(pytest=None, hypothesis=None); "


def python(code: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIDU_CONTRACT_")}
    command = [sys.executable, "-c", code]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=60)


def contract(*arguments: str) -> subprocess.CompletedProcess[str]:
    argv = ["contract", *arguments]
    return python(f"import sys; from mock_server.cli import main; sys.exit(main({argv!r}))")


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
