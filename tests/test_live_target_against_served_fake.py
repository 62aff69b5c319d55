"""The contract suite in live mode, against `vidu-mock serve` in its own process over real HTTP.

This is how CI runs the suite a second time: the same tests, `--target=live`, a small budget.
A second run with no budget shows that a live run spends nothing by default, and records.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from mock_server.conformance.recordings import load_recording, problems
from mock_server.wire.redaction import REDACTED
from tests.served import served

ROOT = Path(__file__).resolve().parent.parent
KEY = "served-fake-key"
RUN_TIMEOUT_S = 300


@dataclass(frozen=True)
class SuiteRun:
    """What one `python -m pytest contract_tests --target=live` run left behind."""

    code: int
    output: str
    report: dict[str, Any]
    workdir: Path


def suite_command(base_url: str, report: Path, *extra: str) -> list[str]:
    return [
        sys.executable, "-m", "pytest", "contract_tests", "-q", "-p", "no:cacheprovider",
        "--target=live", f"--base-url={base_url}", f"--api-key={KEY}",
        "--live-poll-interval=0.05", f"--contract-report={report}", *extra,
    ]  # fmt: skip


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, SuiteRun]:
    """Serve the fake once and run the suite against it twice, at the same time."""
    workdir = tmp_path_factory.mktemp("live-target")
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIDU_CONTRACT_")}
    with served("--api-keys", KEY, "--speed", "50", "--seed", "11") as base_url:
        commands = {
            "budget": suite_command(base_url, workdir / "budget.json", "--live-budget=2"),
            "free": suite_command(
                base_url, workdir / "free.json", "--record", f"--record-dir={workdir / 'rec'}"
            ),
        }
        processes = {
            name: subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
            )
            for name, command in commands.items()
        }
        outputs = {name: p.communicate(timeout=RUN_TIMEOUT_S)[0] for name, p in processes.items()}
    return {
        name: SuiteRun(
            processes[name].returncode,
            outputs[name].decode(errors="replace"),
            json.loads((workdir / f"{name}.json").read_text()),
            workdir,
        )
        for name in commands
    }


def failed_checks(report: dict[str, Any]) -> list[str]:
    return [name for name, check in report["checks"].items() if check["verdict"] == "failed"]


def test_live_run_with_a_budget_passes_and_spends_within_it(runs: dict[str, SuiteRun]) -> None:
    run = runs["budget"]
    assert run.code == 0, run.output[-4000:]
    assert failed_checks(run.report) == []
    spend = run.report["spend"]
    assert spend["budget"] == 2
    assert 1 <= spend["paid_submissions"] <= 2
    assert spend["unexpected_accepts"] == 0
    assert f"spend: {spend['paid_submissions']} paid submission(s) (budget 2)" in run.output


def test_live_run_with_a_budget_follows_a_task_to_a_downloaded_video(
    runs: dict[str, SuiteRun],
) -> None:
    checks = runs["budget"].report["checks"]
    for name in ("valid_submission_is_accepted", "status_moves_forward", "video_downloads_as_mp4"):
        assert checks[name]["verdict"] == "held", name
    types = runs["budget"].report["probes"]["task_result_types"]["answer"]
    assert types["video_url_ttl_type"] == "string"
    assert types["task_type"] == "VIDU_Q2_PRO_FAST_IMG2VIDEO"


def test_live_run_without_a_budget_spends_nothing(runs: dict[str, SuiteRun]) -> None:
    run = runs["free"]
    assert run.code == 0, run.output[-4000:]
    assert run.report["spend"] == {"budget": 0, "paid_submissions": 0, "unexpected_accepts": 0}
    assert run.report["checks"]["valid_submission_is_accepted"]["verdict"] == "not run"
    assert run.report["checks"]["valid_submission_is_accepted"]["why"] == "budget"
    assert run.report["checks"]["invalid_body_is_refused"]["verdict"] == "held"
    assert "spend: 0 paid submission(s) (budget 0)" in run.output


def test_live_run_reports_the_open_questions_it_could_answer_for_free(
    runs: dict[str, SuiteRun],
) -> None:
    probes = runs["free"].report["probes"]
    assert probes["missing_api_key"]["answer"]["status"] == 400
    assert probes["wrong_api_key"]["answer"]["reason"] == "INVALID_API_KEY"
    assert probes["unknown_task_id"]["answer"]["status"] == 404
    assert probes["two_images"]["verdict"] == "not measured"
    assert (runs["free"].workdir / "free.md").read_text().count("| probe `") == len(probes)


def test_recorded_live_exchanges_validate_and_hold_no_key(runs: dict[str, SuiteRun]) -> None:
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
