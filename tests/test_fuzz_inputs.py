"""Whatever a client sends, the fake answers 200 or the documented envelope: never a 500."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import AUTH, RESULT, SUBMIT, make_api

API = make_api()

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4)
    ),
    max_leaves=12,
)
field_names = st.sampled_from(
    [
        "images",
        "prompt",
        "duration",
        "resolution",
        "movement_amplitude",
        "bgm",
        "audio",
        "off_peak",
        "watermark",
        "seed",
        "voice_id",
        "other",
    ]
)
near_valid_bodies = st.dictionaries(field_names, json_values, max_size=8)
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def assert_answer_is_documented(status: int, body: Any) -> None:
    assert status < 500, body
    if status != 200:
        assert set(body) == {"code", "reason", "message", "metadata"}
        assert body["code"] == status


@FUZZ
@given(near_valid_bodies)
def test_any_json_object_body_gets_200_or_an_envelope(body: dict[str, Any]) -> None:
    response = API.submit(body)
    assert_answer_is_documented(response.status_code, response.get_json())


@FUZZ
@given(json_values)
def test_any_json_value_as_body_gets_an_envelope(body: Any) -> None:
    response = API.submit(data=json.dumps(body), headers=AUTH)
    assert_answer_is_documented(response.status_code, response.get_json())


@FUZZ
@given(st.binary(max_size=300))
def test_any_bytes_as_body_get_an_envelope(raw: bytes) -> None:
    response = API.submit(data=raw, headers=AUTH)
    assert_answer_is_documented(response.status_code, response.get_json())


@FUZZ
@given(st.text(max_size=200))
def test_any_authorization_header_gets_an_answer_without_a_500(header: str) -> None:
    try:
        response = API.submit(headers={"Authorization": header})
    except ValueError:
        return  # the HTTP client itself refuses header values with control characters
    assert_answer_is_documented(response.status_code, response.get_json())


@FUZZ
@given(st.text(max_size=200))
def test_any_task_id_gets_a_404_or_400_envelope(task_id: str) -> None:
    response = API.client.get(RESULT, query_string={"task_id": task_id}, headers=AUTH)
    assert response.status_code in (400, 404)
    assert_answer_is_documented(response.status_code, response.get_json())


@FUZZ
@given(st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=60))
def test_any_path_gets_an_envelope(path: str) -> None:
    response = API.client.get("/" + path.lstrip("/"), headers=AUTH)
    if response.status_code != 200:
        assert_answer_is_documented(response.status_code, response.get_json())


def test_the_fuzzed_fake_still_answers_normally() -> None:
    assert API.submit().status_code == 200
    assert SUBMIT.startswith("/v3/")
