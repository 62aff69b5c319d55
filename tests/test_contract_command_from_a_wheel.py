"""`vidu-mock contract` from a plain install, against `vidu-mock serve` over real HTTP.

A wheel built from this checkout is installed with its `contract` extra into a fresh virtualenv;
every run starts in an empty directory, against fakes started as separate processes from that
installation, as a new user would. The same runs show what the suite does on a server other than
its own fake: the preflight, the budget and the spend, the probes, the recordings, and what
`vidu-mock compare` makes of two reports.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from mock_server.conformance.recordings import load_recording, problems
from mock_server.wire.redaction import REDACTED
from mock_server.wire.schemas import schema_problems
from tests.served import served

KEY = "served-fake-key"
FAKE = ("--api-keys", KEY, "--speed", "50", "--seed", "11")
OTHER_FAKE = (*FAKE, "--wrong-key-status", "401", "--task-type", "OTHER")
HOSTILE_PYTEST_CONFIG = '[tool.pytest.ini_options]\naddopts = "--no-such-option"\n'
INSTALL_TIMEOUT_S = 600
RUN_TIMEOUT_S = 400

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Installed:
    """A virtualenv holding only the wheel and what its `contract` extra brings."""

    wheel: Path
    bin: Path

    def command(self, *arguments: str) -> list[str]:
        return [str(self.bin / "vidu-mock"), *arguments]


@dataclass(frozen=True)
class Run:
    """What one `vidu-mock contract` run did, in the empty directory it ran in."""

    code: int
    stdout: str
    stderr: str
    seconds: float
    workdir: Path

    @property
    def report(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads((self.workdir / "r.json").read_text())
        return loaded


def quiet_run(command: list[str], **options: Any) -> subprocess.CompletedProcess[str]:
    run = subprocess.run(command, capture_output=True, text=True, **options)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return run


@pytest.fixture(scope="module")
def installed(built_wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """Install the wheel, with the `contract` extra, into a new virtualenv."""
    venv = tmp_path_factory.mktemp("wheel") / "venv"
    quiet_run([sys.executable, "-m", "venv", "--without-pip", str(venv)], timeout=120)
    python = venv / "bin" / "python"
    pip = [
        sys.executable,
        "-m",
        "pip",
        "--disable-pip-version-check",
        "-q",
        "--python",
        str(python),
    ]
    quiet_run(
        [*pip, "install", "--no-compile", f"{built_wheel}[contract]"], timeout=INSTALL_TIMEOUT_S
    )
    return Installed(built_wheel, venv / "bin")


def environment() -> dict[str, str]:
    """This environment without the suite's variables; polls start fast, as the fakes are."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIDU_CONTRACT_")}
    env["VIDU_CONTRACT_LIVE_POLL_INTERVAL"] = "0.05"
    return env


def start(
    installed: Installed, workdir: Path, *arguments: str, env: dict[str, str] | None = None
) -> tuple[subprocess.Popen[str], float]:
    workdir.mkdir(exist_ok=True)
    process = subprocess.Popen(
        installed.command("contract", *arguments),
        cwd=workdir,
        env={**environment(), **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    return process, time.monotonic()


def finish(process: subprocess.Popen[str], started: float, workdir: Path) -> Run:
    stdout, stderr = process.communicate(timeout=RUN_TIMEOUT_S)
    return Run(process.returncode, stdout, stderr, time.monotonic() - started, workdir)


@pytest.fixture(scope="module")
def runs(installed: Installed, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Run]:
    """Three fakes from the installation, two alike and one answering otherwise; a run with a
    wrong key, then runs with and without a budget and one against no base URL, at once."""
    workdir = tmp_path_factory.mktemp("contract-runs")
    python = str(installed.bin / "python")
    done: dict[str, Run] = {}
    with (
        served(*FAKE, python=python) as fake,
        served(*FAKE, python=python) as twin,
        served(*OTHER_FAKE, python=python) as other,
    ):
        wrong = start(installed, workdir / "wrong_key", "--base-url", fake, "--api-key", "nope")
        done["wrong_key"] = finish(*wrong, workdir / "wrong_key")
        plans = {
            "budget": ("--base-url", fake, "--api-key", KEY, "--budget", "2", "--report", "r.json"),
            "free": ("--base-url", twin, "--api-key", KEY, "--report", "r.json", "--record", "rec"),
            "other": ("--base-url", other, "--api-key", KEY, "--budget", "2", "--report", "r.json"),
            "own_fake": ("--quiet", "--report", "r.json"),
        }
        # A directory whose own pytest configuration the suite must not pick up.
        (workdir / "own_fake").mkdir()
        (workdir / "own_fake" / "pyproject.toml").write_text(HOSTILE_PYTEST_CONFIG)
        hostile = {"own_fake": {"PYTEST_ADDOPTS": "--no-such-flag"}}
        started = {
            name: start(installed, workdir / name, *plan, env=hostile.get(name))
            for name, plan in plans.items()
        }
        done.update({name: finish(*run, workdir / name) for name, run in started.items()})
    return done


def compare(installed: Installed, *reports: Path) -> subprocess.CompletedProcess[str]:
    command = installed.command("compare", *map(str, reports))
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def items(printed: str, section: str) -> set[str]:
    """The item names listed under one section of `vidu-mock compare`'s output."""
    lines = printed.split(section, 1)[1].splitlines()[1:] if section in printed else []
    listed = []
    for line in lines:
        if not line.startswith("  "):
            break
        listed.append(line.strip().split(": ", 1)[0])
    return set(listed)


def failed_checks(report: dict[str, Any]) -> list[str]:
    return [name for name, check in report["checks"].items() if check["verdict"] == "failed"]


def test_the_wheel_ships_the_suite_and_the_report_schema(installed: Installed) -> None:
    names = zipfile.ZipFile(installed.wheel).namelist()
    assert "contract_tests/conftest.py" in names
    assert "contract_tests/test_lifecycle.py" in names
    assert "mock_server/_schemas/contract-report.schema.json" in names
    assert (
        "Requires-Dist: pytest>=8; extra == 'contract'"
        in zipfile.ZipFile(installed.wheel)
        .read(next(name for name in names if name.endswith("METADATA")))
        .decode()
    )


def test_a_run_with_a_budget_holds_prints_progress_and_spends_within_it(
    runs: dict[str, Run],
) -> None:
    run = runs["budget"]
    assert run.code == 0, run.stderr[-4000:]
    assert schema_problems("contract-report", run.report) == []
    assert run.report["verdict"] == "holds"
    assert failed_checks(run.report) == []
    spend = run.report["spend"]
    assert spend == {"budget": 2, "paid_submissions": 2, "unexpected_accepts": 0}
    progress = run.stderr.splitlines()
    assert progress[1] == "preflight: the key works: polling nobody's task answered HTTP 404 " + (
        "TASK_NOT_FOUND"
    )
    for phase in ("auth", "validation", "lifecycle", "probes", "acceptance"):
        assert any(line.startswith(f"{phase}: done, ") for line in progress), phase
    assert any(line.startswith("lifecycle: task ") and " after " in line for line in progress)
    assert progress[-3].startswith("The contract holds: ")
    assert progress[-2:] == ["spend: 2 paid submission(s) (budget 2)", "report: r.json and r.md"]
    assert (run.workdir / "r.md").read_text().startswith("# Contract report: live at ")


def test_a_run_with_a_budget_checks_the_delivered_video(runs: dict[str, Run]) -> None:
    report = runs["budget"].report
    for name in (
        "valid_submission_is_accepted",
        "status_moves_forward",
        "video_downloads_as_mp4",
        "video_file_is_whole",
        "video_duration_matches_request",
        "video_resolution_matches_request",
        "video_has_requested_audio",
        "range_request_is_honoured",
        "submitted_seed_is_echoed",
    ):
        assert report["checks"][name]["verdict"] == "held", name
    assert report["checks"]["failed_task_has_reason"]["why"] == "target cannot"
    types = report["probes"]["task_result_types"]["answer"]
    assert types["video_url_ttl_type"] == "string"
    assert types["task_type"] == "VIDU_Q2_PRO_FAST_IMG2VIDEO"
    assert report["probes"]["video_serving"]["answer"]["content_type"] == "video/mp4"


def test_a_run_without_a_budget_spends_nothing_and_says_why_it_did_less(
    runs: dict[str, Run],
) -> None:
    run = runs["free"]
    assert run.code == 0, run.stderr[-4000:]
    assert run.report["spend"] == {"budget": 0, "paid_submissions": 0, "unexpected_accepts": 0}
    checks = run.report["checks"]
    assert (
        checks["valid_submission_is_accepted"]["verdict"],
        checks["valid_submission_is_accepted"]["why"],
    ) == ("not run", "budget")
    assert checks["invalid_body_is_refused"]["verdict"] == "held"
    assert "spend: 0 paid submission(s) (budget 0)" in run.stderr


def test_a_run_without_a_budget_answers_the_open_questions_that_are_free(
    runs: dict[str, Run],
) -> None:
    probes = runs["free"].report["probes"]
    assert probes["missing_api_key"]["answer"]["status"] == 400
    assert probes["wrong_api_key"]["answer"]["reason"] == "INVALID_API_KEY"
    assert probes["unknown_task_id"]["answer"]["status"] == 404
    assert (probes["two_images"]["verdict"], probes["two_images"]["why"]) == (
        "not measured",
        "budget",
    )
    table = (runs["free"].workdir / "r.md").read_text()
    assert table.count("| probe `") == len(probes)


def test_recorded_exchanges_validate_and_hold_no_key(runs: dict[str, Run]) -> None:
    [path] = (runs["free"].workdir / "rec").glob("*.json")
    recording = load_recording(path)
    assert recording.target == "live"
    assert recording.exchanges
    assert list(problems(recording)) == []
    assert KEY not in path.read_text()
    headers = [exchange.request_headers for exchange in recording.exchanges]
    assert {"Authorization": f"Bearer {REDACTED}"} in [
        {k: v for k, v in h.items() if k == "Authorization"} for h in headers
    ]


def test_a_wrong_key_stops_the_run_within_seconds_naming_the_key_problem(
    runs: dict[str, Run],
) -> None:
    run = runs["wrong_key"]
    assert run.code == 2
    assert "vidu-mock contract: preflight: the API key was refused: HTTP 403 INVALID_API_KEY" in (
        run.stderr
    )
    assert "auth:" not in run.stderr
    assert run.seconds < 30


def test_without_a_base_url_it_runs_quietly_against_a_fake_of_its_own_whatever_the_directory(
    runs: dict[str, Run],
) -> None:
    run = runs["own_fake"]
    assert run.code == 0, run.stderr[-4000:]
    assert (run.stdout, run.stderr) == ("", "")
    assert run.report["target"] == "fake"
    assert run.report["verdict"] == "holds"
    # Nothing left behind but the report (no .hypothesis, no .pytest_cache).
    left = sorted(path.name for path in run.workdir.iterdir())
    assert left == ["pyproject.toml", "r.json", "r.md"]


def test_compare_names_exactly_what_the_other_settings_change(
    installed: Installed, runs: dict[str, Run]
) -> None:
    compared = compare(
        installed, runs["budget"].workdir / "r.json", runs["other"].workdir / "r.json"
    )
    assert compared.returncode == 1, compared.stdout + compared.stderr
    # --wrong-key-status 401 answers a wrong key, and a key without `Bearer `, with 401.
    assert items(compared.stdout, "Differences") == {
        "probe wrong_api_key.status",
        "probe bare_api_key.status",
        "probe task_result_types.task_type",
    }
    assert 'probe task_result_types.task_type: "VIDU_Q2_PRO_FAST_IMG2VIDEO" | "OTHER"' in (
        compared.stdout
    )
    assert "3 difference(s)" in compared.stdout


def test_runs_with_budgets_0_and_2_against_identical_fakes_compare_equal(
    installed: Installed, runs: dict[str, Run]
) -> None:
    compared = compare(
        installed, runs["free"].workdir / "r.json", runs["budget"].workdir / "r.json"
    )
    assert compared.returncode == 0, compared.stdout
    assert "0 difference(s)" in compared.stdout
    assert "probe two_images: not measured (budget) | not measured (budget)" not in compared.stdout
    assert "check video_downloads_as_mp4: not run (budget) | held" in compared.stdout
