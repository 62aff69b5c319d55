"""Every [guess] of the fake is a setting; each switch changes just the behaviour it names."""

from __future__ import annotations

from typing import Any

import pytest

from mock_server import Progression, Settings
from tests.helpers import AUTH, VALID_BODY, make_api


def api_with(**settings: Any):
    return make_api(Settings(seed=7, progression=Progression.parse("instant"), **settings))


def status_reason(response) -> tuple[int, str]:
    return response.status_code, response.get_json().get("reason", "")


def test_missing_key_can_answer_403_invalid_api_key() -> None:
    response = api_with(missing_key_status=403).submit(headers={})
    assert status_reason(response) == (403, "INVALID_API_KEY")


def test_wrong_key_can_answer_401() -> None:
    api = api_with(api_keys=("right",), wrong_key_status=401)
    response = api.submit(headers={"Authorization": "Bearer wrong"})
    assert status_reason(response) == (401, "INVALID_API_KEY")


def test_by_default_any_non_empty_bearer_token_is_valid() -> None:
    response = api_with().submit(headers={"Authorization": "Bearer anything-at-all"})
    assert response.status_code == 200


def test_an_explicit_key_list_accepts_listed_keys_and_refuses_others() -> None:
    api = api_with(api_keys=("k1", "k2"))
    assert api.submit(headers={"Authorization": "Bearer k2"}).status_code == 200
    response = api.submit(headers={"Authorization": "Bearer k3"})
    assert status_reason(response) == (403, "INVALID_API_KEY")


def test_a_bare_key_is_accepted_when_switched_on() -> None:
    api = api_with(accept_bare_key=True)
    assert api.submit(headers={"Authorization": "test-key"}).status_code == 200
    assert api.submit(headers={"Authorization": "Bearer test-key"}).status_code == 200


def test_unknown_fields_can_be_rejected_by_name() -> None:
    response = api_with(unknown_fields="reject").submit({**VALID_BODY, "colour": "blue"})
    assert status_reason(response) == (400, "INVALID_REQUEST_BODY")
    assert response.get_json()["message"] == "colour: is not a documented field"


def test_rejecting_unknown_fields_still_accepts_every_documented_one() -> None:
    full = {
        **VALID_BODY,
        "duration": 3,
        "resolution": "1080p",
        "movement_amplitude": "small",
        "bgm": True,
        "audio": True,
        "off_peak": False,
        "watermark": True,
        "seed": 9,
        "voice_id": "v",
    }
    assert api_with(unknown_fields="reject").submit(full).status_code == 200


@pytest.mark.parametrize(("length", "status"), [(2000, 200), (2001, 400)])
def test_upstream_limits_cap_the_prompt_at_2000_characters(length: int, status: int) -> None:
    response = api_with(upstream_limits=True).submit({**VALID_BODY, "prompt": "p" * length})
    assert response.status_code == status
    if status == 400:
        assert response.get_json()["message"] == "prompt: must be at most 2000 characters"


def test_without_upstream_limits_a_long_prompt_is_accepted() -> None:
    assert api_with().submit({**VALID_BODY, "prompt": "p" * 5000}).status_code == 200


def test_upstream_limits_take_exactly_one_image() -> None:
    two = {**VALID_BODY, "images": ["https://e.com/a.png", "https://e.com/b.png"]}
    response = api_with(upstream_limits=True).submit(two)
    assert response.get_json()["message"] == "images: the model takes exactly one image"
    assert api_with().submit(two).status_code == 200


def test_upstream_limits_refuse_audio_with_off_peak() -> None:
    both = {**VALID_BODY, "audio": True, "off_peak": True}
    response = api_with(upstream_limits=True).submit(both)
    assert response.get_json()["message"] == "off_peak: cannot be true when audio is true"
    assert api_with(upstream_limits=True).submit({**both, "off_peak": False}).status_code == 200
    assert api_with().submit(both).status_code == 200


def test_the_task_type_is_configurable() -> None:
    api = api_with(task_type="CUSTOM_TYPE")
    assert api.status(api.task())["task_type"] == "CUSTOM_TYPE"


def test_any_image_string_is_accepted_when_image_refs_is_any() -> None:
    assert (
        api_with(image_refs="any").submit({**VALID_BODY, "images": ["cat.png"]}).status_code == 200
    )


def test_duration_can_be_required() -> None:
    response = api_with(duration_required=True).submit(VALID_BODY)
    assert response.get_json()["message"] == "duration: is required"


def test_integral_floats_can_be_rejected() -> None:
    response = api_with(integral_floats="reject").submit({**VALID_BODY, "duration": 5.0})
    assert response.get_json()["message"] == "duration: 5.0 is not of type 'integer'"


def test_a_strict_content_type_refuses_a_submit_without_json_content_type() -> None:
    api = api_with(content_type="strict")
    response = api.submit(data=b'{"images": ["https://e.com/a.png"], "prompt": "p"}', headers=AUTH)
    assert status_reason(response) == (400, "INVALID_REQUEST_BODY")
    assert "Content-Type" in response.get_json()["message"]


def test_a_lenient_content_type_parses_a_submit_sent_as_text_plain() -> None:
    headers = {**AUTH, "Content-Type": "text/plain"}
    response = api_with().submit(
        data=b'{"images": ["https://e.com/a.png"], "prompt": "p"}', headers=headers
    )
    assert response.status_code == 200


def test_video_urls_use_the_public_base_url_when_set() -> None:
    api = api_with(public_base_url="https://fake.example:9000/")
    video = api.result(api.task()).get_json()["videos"][0]
    assert video["video_url"].startswith("https://fake.example:9000/media/videos/")


def test_video_url_ttl_is_3600_by_default_and_configurable() -> None:
    for ttl, expected in ((3600, "3600"), (60, "60")):
        api = api_with(video_url_ttl=ttl)
        assert api.result(api.task()).get_json()["videos"][0]["video_url_ttl"] == expected
