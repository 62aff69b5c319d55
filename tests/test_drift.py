"""Comparing contract reports and turning a target's answers into a settings profile."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mock_server import Settings
from mock_server.conformance.drift import (
    PROFILE_RULES,
    Difference,
    differences,
    load_profile,
    profile_from,
    write_profile,
)
from mock_server.conformance.probes import QUESTIONS
from mock_server.conformance.report import (
    CheckResult,
    ContractReport,
    ProbeResult,
    Spend,
    Verdict,
    load_report,
    markdown_path,
)


def report(
    probes: dict[str, dict[str, Any]] | None = None, **checks: tuple[int, int, str]
) -> ContractReport:
    """A report whose probes observed `probes` and whose checks had (runs, failures, message)."""
    return ContractReport(
        target="fake",
        base_url="http://127.0.0.1:1",
        created_at="2026-01-01T00:00:00+00:00",
        spend=Spend(None, 3, 0),
        checks=tuple(CheckResult(name, "what it checks", *tally) for name, tally in checks.items()),
        probes=tuple(
            ProbeResult(name, QUESTIONS[name], observed)
            for name, observed in (probes or {}).items()
        ),
    )


def test_identical_reports_have_no_differences() -> None:
    same = report({"missing_api_key": {"status": 400}}, valid_submission_is_accepted=(3, 0, ""))
    assert differences(same, same) == []


def test_a_different_probe_answer_names_the_probe_and_the_field() -> None:
    fake = report({"missing_api_key": {"status": 400, "reason": "MISSING_API_KEY"}})
    live = report({"missing_api_key": {"status": 403, "reason": "INVALID_API_KEY"}})
    assert differences(fake, live) == [
        Difference("probe missing_api_key.status", 400, 403),
        Difference("probe missing_api_key.reason", "MISSING_API_KEY", "INVALID_API_KEY"),
    ]
    assert str(differences(fake, live)[0]) == "probe missing_api_key.status: 400 | 403"


def test_a_check_failing_on_one_side_shows_its_failure() -> None:
    fake = report(invalid_body_is_refused=(10, 0, ""))
    live = report(
        invalid_body_is_refused=(10, 1, "[invalid_body_is_refused] duration=11 was accepted")
    )
    [difference] = differences(fake, live)
    assert difference.item == "check invalid_body_is_refused"
    assert difference.right == "failed: [invalid_body_is_refused] duration=11 was accepted"


def test_a_probe_skipped_on_one_side_is_a_difference() -> None:
    fake = report({"two_images": {"status": 200}})
    live = ContractReport(
        "live", "https://x", "t", Spend(0), (), (ProbeResult("two_images", "q", {}, "no budget"),)
    )
    assert differences(fake, live) == [
        Difference("probe two_images", "observed", "skipped: no budget")
    ]


def test_profile_adopts_the_auth_statuses_the_target_chose() -> None:
    live = report(
        {
            "missing_api_key": {"status": 403},
            "wrong_api_key": {"status": 401},
            "bare_api_key": {"status": 404},
        }
    )
    profile = profile_from(live)
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
    assert profile_from(report({key: {"status": 400} for key in limits})) == {
        "upstream_limits": "true"
    }
    mixed = {**{key: {"status": 400} for key in limits}, "two_images": {"status": 200}}
    assert profile_from(report(mixed)) == {}


def test_profile_adopts_observed_types_and_refusals() -> None:
    live = report({
        "task_result_types": {"task_type": "VIDU_I2V", "video_url_ttl": "86400"},
        "non_url_image": {"status": 200},
        "integral_float_duration": {"status": 400},
        "missing_content_type": {"status": 415},
        "unknown_body_field": {"status": 400},
        "missing_duration": {"status": 200},
    })  # fmt: skip
    assert profile_from(live) == {
        "task_type": "VIDU_I2V",
        "video_url_ttl": "86400",
        "image_refs": "any",
        "integral_floats": "reject",
        "content_type": "strict",
        "unknown_fields": "reject",
        "duration_required": "false",
    }


def test_profile_ignores_skipped_probes_and_unknown_statuses() -> None:
    skipped = ProbeResult("missing_api_key", "q", {}, "not run")
    odd = ProbeResult("wrong_api_key", "q", {"status": 500})
    live = ContractReport("live", "https://x", "t", Spend(0), (), (skipped, odd))
    assert profile_from(live) == {}


def test_every_probe_a_profile_rule_reads_is_one_the_suite_runs() -> None:
    assert {probe for rule in PROFILE_RULES for probe in rule.probes} <= set(QUESTIONS)


def test_report_survives_a_trip_through_json_and_writes_a_markdown_twin(tmp_path: Path) -> None:
    original = report(
        {"missing_api_key": {"status": 400}}, wrong_key_is_refused=(2, 1, "[x] a|b\nc")
    )
    json_path, table = original.write(tmp_path / "r.json")
    assert load_report(json_path) == original
    assert table == markdown_path(json_path) == tmp_path / "r.md"
    rows = [
        line
        for line in table.read_text().splitlines()
        if line.startswith("| check") or line.startswith("| probe")
    ]
    assert rows[0] == "| check | `wrong_key_is_refused` | **FAILED** (1 of 2) | [x] a\\|b c |"
    assert rows[1].startswith("| probe | `missing_api_key` | observed | status=400 |")


def test_a_check_that_never_ran_says_so() -> None:
    assert CheckResult("x", "s").verdict is Verdict.NOT_RUN


def test_loading_something_else_than_a_report_says_so(tmp_path: Path) -> None:
    path = tmp_path / "other.json"
    path.write_text(json.dumps({"format": "something else"}))
    with pytest.raises(ValueError, match="not a contract report"):
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
