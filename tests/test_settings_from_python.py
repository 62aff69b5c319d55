"""`Settings(...)` built from Python takes each value as its type or as the text its flag takes."""

from __future__ import annotations

import re

import pytest

from mock_server import ClockKind, Progression, Settings, create_app
from mock_server.settings import ProgressionKind, settings_fields, to_text
from tests.helpers import AUTH, RESULT, SUBMIT, VALID_BODY, check_response


def test_settings_accept_the_text_a_cli_flag_takes() -> None:
    settings = Settings(
        progression="instant",
        clock="virtual",
        api_keys="a,b",
        seed="3",
        accept_bare_key="yes",
        speed="2.5",
        rate_limit_rpm="7",
        chaos_stuck="0.25",
    )
    assert settings.progression == Progression(ProgressionKind.INSTANT)
    assert settings.clock is ClockKind.VIRTUAL
    assert settings.api_keys == ("a", "b")
    assert (settings.seed, settings.accept_bare_key, settings.speed) == (3, True, 2.5)
    assert (settings.rate_limit_rpm, settings.chaos_stuck) == (7, 0.25)


def test_every_default_written_as_text_reads_back_as_the_default() -> None:
    texts = {spec.name: to_text(spec.default) for spec in settings_fields()}
    assert Settings(**texts) == Settings()


def test_typed_values_are_kept_as_given() -> None:
    progression = Progression(ProgressionKind.POLLS, 2)
    settings = Settings(progression=progression, seed=5, api_keys=("k",), host="0.0.0.0")
    assert settings.progression is progression
    assert (settings.seed, settings.api_keys, settings.host) == (5, ("k",), "0.0.0.0")


def test_replace_also_takes_text() -> None:
    assert Settings().replace(progression="polls:3").progression.reads_per_stage == 3


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("progression", "soon", "progression: unknown progression 'soon'"),
        ("seed", "three", "seed: expected an integer"),
        ("unknown_fields", "drop", "unknown_fields: expected one of ignore, reject"),
        ("chaos_stuck", "2", "chaos_stuck: expected a probability"),
        ("missing_key_status", "404", "missing_key_status: expected one of 400, 403"),
    ],
)
def test_a_text_that_does_not_parse_names_the_setting(name: str, text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Settings(**{name: text})


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("port", 70000, "port: expected an integer from 0 to 65535, got '70000'"),
        ("speed", float("inf"), "speed: expected a number > 0, got 'inf'"),
        ("missing_key_status", 500, "missing_key_status: expected one of 400, 403"),
        ("image_max_bytes", 0, "image_max_bytes: expected an integer >= 1"),
        ("image_fetch_timeout", -1.0, "image_fetch_timeout: expected a number > 0"),
        ("seed", [1], "seed: expected an integer"),
        ("workers", -1, "workers: expected an integer >= 0"),
    ],
)
def test_a_typed_value_outside_its_flags_rules_is_refused_as_the_flag_refuses_it(
    name: str, value: object, message: str
) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        Settings(**{name: value})


def test_a_fake_built_from_text_settings_behaves_as_configured() -> None:
    client = create_app(Settings(progression="instant", api_keys="test-key")).test_client()
    submitted = client.post(SUBMIT, json=VALID_BODY, headers=AUTH)
    check_response(SUBMIT, submitted)
    polled = client.get(RESULT, query_string={"task_id": submitted.json["task_id"]}, headers=AUTH)
    check_response(RESULT, polled)
    assert polled.json["task"]["status"] == "TASK_STATUS_SUCCEED"
