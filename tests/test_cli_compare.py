"""`vidu-mock compare` lists differences between reports; `serve --profile` adopts a profile."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests

from mock_server.cli import build_parser, main, resolve_settings
from mock_server.conformance.probes import QUESTIONS
from mock_server.conformance.report import ContractReport, ProbeResult, Spend
from mock_server.wire.schemas import ERROR, validator_for
from tests.served import served

SUBMIT = "/v3/async/vidu-q2-pro-fast-img2video"


def write_report(path: Path, target: str, missing_key_status: int) -> Path:
    question = QUESTIONS["missing_api_key"]
    probe = ProbeResult(
        "missing_api_key", question.text, question.docs, {"status": missing_key_status}
    )
    ContractReport(
        target, f"https://{target}", "2026-01-01T00:00:00+00:00", Spend(), (), (probe,)
    ).write(path)
    return path


def test_compare_prints_every_difference_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = write_report(tmp_path / "fake.json", "fake", 400)
    live = write_report(tmp_path / "live.json", "live", 403)
    assert main(["compare", str(fake), str(live)]) == 1
    printed = capsys.readouterr().out
    assert "probe missing_api_key.status: 400 | 403" in printed
    assert "1 difference(s); 0 not compared." in printed


def test_compare_of_matching_reports_exits_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = write_report(tmp_path / "fake.json", "fake", 400)
    live = write_report(tmp_path / "live.json", "live", 400)
    assert main(["compare", str(fake), str(live)]) == 0
    assert "0 difference(s); 0 not compared." in capsys.readouterr().out


def test_compare_of_a_missing_report_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["compare", str(tmp_path / "nope.json"), str(tmp_path / "nope.json")])
    assert stopped.value.code == 2
    assert "compare:" in capsys.readouterr().err


def test_compare_writes_a_profile_from_the_second_report_naming_what_it_left_open(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = write_report(tmp_path / "fake.json", "fake", 400)
    live = write_report(tmp_path / "live.json", "live", 403)
    profile = tmp_path / "live-profile.json"
    main(["compare", str(fake), str(live), "--write-profile", str(profile)])
    assert json.loads(profile.read_text()) == {"missing_key_status": "403"}
    printed = capsys.readouterr().out
    assert f"wrote {profile} from B: missing_key_status=403. Could not decide: " in printed
    assert "wrong_key_status (not measured: wrong_api_key)" in printed


def test_serve_profile_sets_the_base_that_variables_and_flags_override(tmp_path: Path) -> None:
    profile = tmp_path / "profile.json"
    profile.write_text(json.dumps({"missing_key_status": "403", "wrong_key_status": 401}))
    args = build_parser().parse_args(
        ["serve", "--profile", str(profile), "--wrong-key-status", "403"]
    )
    settings = resolve_settings(args, {"VIDU_MOCK_MISSING_KEY_STATUS": "400"})
    assert (settings.missing_key_status, settings.wrong_key_status) == (400, 403)
    from_file = resolve_settings(
        build_parser().parse_args(["serve"]), {"VIDU_MOCK_PROFILE": str(profile)}
    )
    assert (from_file.missing_key_status, from_file.wrong_key_status) == (403, 401)


def test_serve_refuses_a_profile_naming_an_unknown_setting(tmp_path: Path) -> None:
    profile = tmp_path / "profile.json"
    profile.write_text(json.dumps({"no_such_setting": "1"}))
    with pytest.raises(SystemExit):
        main(["serve", "--profile", str(profile)])


def test_a_served_fake_answers_as_its_profile_says(tmp_path: Path) -> None:
    profile = tmp_path / "profile.json"
    profile.write_text(json.dumps({"missing_key_status": "403"}))
    with served("--profile", str(profile)) as base_url:
        response = requests.post(base_url + SUBMIT, json={"images": [], "prompt": "p"}, timeout=10)
    assert response.status_code == 403
    assert response.json()["reason"] == "INVALID_API_KEY"
    assert not list(validator_for(ERROR).iter_errors(response.json()))
