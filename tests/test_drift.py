"""Comparing contract reports and turning a target's answers into a settings profile."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mock_server import Settings
from mock_server.conformance.drift import PROFILE_RULES, Difference, compare, profile_from
from mock_server.conformance.probes import QUESTIONS
from mock_server.conformance.report import (
    CheckResult,
    CheckVerdict,
    ContractReport,
    ProbeResult,
    RunVerdict,
    Spend,
    Why,
    load_report,
    markdown_path,
)
from mock_server.settings import load_profile, write_profile
from mock_server.wire.schemas import schema_problems


def probe(name: str, answer: dict[str, Any] | None = None, why: Why = Why.BUDGET) -> ProbeResult:
    question = QUESTIONS[name]
    return ProbeResult(name, question.text, question.docs, answer, why)


def report(
    probes: dict[str, dict[str, Any] | None] | None = None,
    **checks: tuple[int, int, str],
) -> ContractReport:
    """A report whose probes answered `probes` (None: not measured, for lack of budget) and whose
    checks had (runs, failures, message)."""
    return ContractReport(
        target="fake",
        base_url="http://127.0.0.1:1",
        created_at="2026-01-01T00:00:00+00:00",
        spend=Spend(None, 3, 0),
        checks=tuple(
            CheckResult(name, "what it checks", *tally, Why.BUDGET)
            for name, tally in checks.items()
        ),
        probes=tuple(probe(name, answer) for name, answer in (probes or {}).items()),
    )


def test_identical_reports_have_no_differences() -> None:
    same = report({"missing_api_key": {"status": 400}}, valid_submission_is_accepted=(3, 0, ""))
    assert compare(same, same).differences == ()


def test_a_different_probe_answer_names_the_probe_and_the_field() -> None:
    fake = report({"missing_api_key": {"status": 400, "reason": "MISSING_API_KEY"}})
    live = report({"missing_api_key": {"status": 403, "reason": "INVALID_API_KEY"}})
    found = compare(fake, live).differences
    assert found == (
        Difference("probe missing_api_key.status", "400", "403"),
        Difference("probe missing_api_key.reason", '"MISSING_API_KEY"', '"INVALID_API_KEY"'),
    )
    assert str(found[0]) == "probe missing_api_key.status: 400 | 403"


def test_a_check_failing_on_one_side_shows_its_failure() -> None:
    fake = report(invalid_body_is_refused=(10, 0, ""))
    live = report(
        invalid_body_is_refused=(10, 1, "[invalid_body_is_refused] duration=11 was accepted")
    )
    [difference] = compare(fake, live).differences
    assert difference.item == "check invalid_body_is_refused"
    assert difference.left == "held (10 runs)"
    assert difference.right == (
        "failed (1 of 10): [invalid_body_is_refused] duration=11 was accepted"
    )


def test_a_check_run_on_one_side_only_is_not_compared_and_not_counted() -> None:
    paid = report(video_downloads_as_mp4=(2, 0, ""))
    free = report(video_downloads_as_mp4=(0, 0, ""))
    comparison = compare(paid, free)
    assert comparison.differences == ()
    assert comparison.not_compared == (
        Difference("check video_downloads_as_mp4", "held (2 runs)", "not run (budget)"),
    )


def test_a_probe_answered_on_one_side_only_is_not_compared_and_not_counted() -> None:
    comparison = compare(report({"two_images": {"status": 200}}), report({"two_images": None}))
    assert comparison.differences == ()
    assert comparison.not_compared == (
        Difference("probe two_images", "answered", "not measured (budget)"),
    )


def test_a_field_one_answer_lacks_is_not_compared() -> None:
    left = report({"task_result_types": {"task_type": "T", "eta_filled_while_running": True}})
    right = report({"task_result_types": {"task_type": "T"}})
    comparison = compare(left, right)
    assert comparison.differences == ()
    [item] = comparison.not_compared
    assert str(item) == "probe task_result_types.eta_filled_while_running: true | not measured"


def test_what_neither_side_measured_is_not_listed() -> None:
    neither = report({"two_images": None}, video_downloads_as_mp4=(0, 0, ""))
    comparison = compare(neither, neither)
    assert (comparison.differences, comparison.not_compared) == ((), ())
    assert comparison.format().endswith("0 difference(s); 0 not compared.")


def test_profile_adopts_the_auth_statuses_the_target_chose() -> None:
    live = report(
        {
            "missing_api_key": {"status": 403},
            "wrong_api_key": {"status": 401},
            "bare_api_key": {"status": 404},
        }
    )
    profile = profile_from(live).settings
    assert profile == {
        "missing_key_status": "403",
        "wrong_key_status": "401",
        "accept_bare_key": "true",
    }
    settings = Settings.from_strings(profile)
    assert (settings.missing_key_status, settings.wrong_key_status, settings.accept_bare_key) == (
        403,
        401,
        True,
    )


def test_profile_adopts_enforced_limits_only_when_every_limit_probe_agrees() -> None:
    limits = ("prompt_over_2000_chars", "two_images", "audio_with_off_peak")
    assert profile_from(report({key: {"status": 400} for key in limits})).settings == {
        "upstream_limits": "true"
    }
    mixed = profile_from(
        report({**{key: {"status": 400} for key in limits}, "two_images": {"status": 200}})
    )
    assert "upstream_limits" not in mixed.settings
    assert mixed.undecided["upstream_limits"] == "no value of it gives the answer measured"


def test_profile_adopts_observed_types_and_refusals() -> None:
    live = report({
        "task_result_types": {"task_type": "VIDU_I2V", "video_url_ttl": "86400"},
        "non_url_image": {"status": 200},
        "integral_float_duration": {"status": 400},
        "missing_content_type": {"status": 415},
        "unknown_body_field": {"status": 400},
        "missing_duration": {"status": 200},
    })  # fmt: skip
    assert profile_from(live).settings == {
        "task_type": "VIDU_I2V",
        "video_url_ttl": "86400",
        "image_refs": "any",
        "integral_floats": "reject",
        "content_type": "strict",
        "unknown_fields": "reject",
        "duration_required": "false",
    }


def test_profile_names_what_it_could_not_decide_and_why() -> None:
    live = report({"missing_api_key": None, "wrong_api_key": {"status": 500}})
    profile = profile_from(live)
    assert profile.settings == {}
    assert profile.undecided["missing_key_status"] == "not measured: missing_api_key"
    assert profile.undecided["wrong_key_status"] == "no value of it gives the answer measured"
    assert "Could not decide: missing_key_status (not measured: missing_api_key)" in (
        profile.describe()
    )


def test_every_probe_a_profile_rule_reads_is_one_the_suite_runs() -> None:
    assert {probe for rule in PROFILE_RULES for probe in rule.probes} <= set(QUESTIONS)


def test_report_survives_a_trip_through_json_and_matches_its_schema(tmp_path: Path) -> None:
    original = report(
        {"missing_api_key": {"status": 400}, "two_images": None},
        wrong_key_is_refused=(2, 1, "[x] a|b\nc"),
        video_downloads_as_mp4=(0, 0, ""),
    )
    json_path, _table = original.write(tmp_path / "r.json")
    written = json.loads(json_path.read_text())
    assert schema_problems("contract-report", written) == []
    assert written["schema_version"] == 2
    assert written["checks"]["video_downloads_as_mp4"] == {
        "verdict": "not run",
        "rule": "what it checks",
        "runs": 0,
        "failures": 0,
        "last_failure": "",
        "why": "budget",
    }
    assert written["probes"]["two_images"]["verdict"] == "not measured"
    assert written["probes"]["two_images"]["why"] == "budget"
    assert load_report(json_path) == original


def test_the_markdown_report_opens_with_a_verdict_and_tabulates_each_item(tmp_path: Path) -> None:
    original = report(
        {"missing_api_key": {"status": 400}, "two_images": None},
        wrong_key_is_refused=(2, 1, "[x] a|b\nc"),
    )
    _json_path, table = original.write(tmp_path / "r.json")
    assert table == markdown_path(tmp_path / "r.json") == tmp_path / "r.md"
    lines = table.read_text().splitlines()
    assert lines[2].startswith("**The contract fails: 0 checks held, 1 failed, 0 not run;")
    assert "| check or probe | this target | what the docs say | note |" in lines
    rows = [line for line in lines if line.startswith(("| check `", "| probe `"))]
    assert (
        rows[0]
        == "| check `wrong_key_is_refused` | failed (1 of 2) | what it checks | [x] a\\|b c |"
    )
    assert rows[1].startswith(
        "| probe `missing_api_key` | answered: status=400 | 400 MISSING_API_KEY"
    )
    assert rows[2].startswith("| probe `two_images` | not measured (budget) | upstream takes")


def test_a_check_that_never_ran_says_so_and_why() -> None:
    result = CheckResult("x", "s", why=Why.TARGET_CANNOT)
    assert result.verdict is CheckVerdict.NOT_RUN
    assert result.describe() == "not run (target cannot)"


def test_a_run_with_a_failure_outside_the_checks_does_not_hold() -> None:
    held = report(wrong_key_is_refused=(2, 0, ""))
    assert held.verdict is RunVerdict.HOLDS
    broken = ContractReport(
        "live", "https://x", "t", Spend(0), held.checks, errors=("test_x: ConnectionError",)
    )
    assert broken.verdict is RunVerdict.FAILS
    assert "1 other failure(s)" in broken.headline()


def test_loading_a_report_of_another_version_says_so(tmp_path: Path) -> None:
    path = tmp_path / "other.json"
    path.write_text(json.dumps({"format": "vidu-mock-contract-report/1", "checks": {}}))
    with pytest.raises(ValueError, match="not a contract report of schema_version 2"):
        load_report(path)


def test_loading_a_broken_report_names_the_problem(tmp_path: Path) -> None:
    written = report({"two_images": {"status": 200}}).to_json()
    written["probes"]["two_images"]["answer"] = None  # answered, yet no answer
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(written))
    with pytest.raises(ValueError, match=r"not a valid contract report: probes\.two_images"):
        load_report(path)


def test_profile_files_hold_setting_text_and_load_back(tmp_path: Path) -> None:
    path = tmp_path / "profile.json"
    write_profile(path, {"missing_key_status": "403"})
    assert load_profile(path) == {"missing_key_status": "403"}
    path.write_text(json.dumps({"accept_bare_key": True, "speed": 2.5, "api_keys": ["a", "b"]}))
    assert load_profile(path) == {"accept_bare_key": "true", "speed": "2.5", "api_keys": "a,b"}


@pytest.mark.parametrize("content", ["[1, 2]", "{not json", '{"speed": {"x": 1}}'])
def test_a_malformed_profile_is_refused_with_a_reason(tmp_path: Path, content: str) -> None:
    path = tmp_path / "profile.json"
    path.write_text(content)
    with pytest.raises(ValueError, match="profile"):
        load_profile(path)
