"""The submit endpoint enforces every documented constraint at its boundaries."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import VALID_BODY, Api


def body(**changes: Any) -> dict[str, Any]:
    result = dict(VALID_BODY)
    for name, value in changes.items():
        if value is ...:
            result.pop(name, None)
        else:
            result[name] = value
    return result


def rejected(api: Api, payload: Any) -> str:
    response = api.submit(payload)
    assert response.status_code == 400, response.get_json()
    envelope = response.get_json()
    assert envelope["reason"] == "INVALID_REQUEST_BODY"
    message: str = envelope["message"]
    return message


def test_a_valid_submit_answers_200_with_a_task_id_and_provider_request_id(api: Api) -> None:
    response = api.submit(body())
    assert response.status_code == 200
    assert set(response.get_json()) == {"task_id", "provider_request_id"}


@pytest.mark.parametrize("duration", [1, 10])
def test_duration_at_its_bounds_is_accepted(api: Api, duration: int) -> None:
    assert api.submit(body(duration=duration)).status_code == 200


def test_duration_0_is_rejected_naming_the_minimum(api: Api) -> None:
    assert rejected(api, body(duration=0)) == "duration: 0 is less than the minimum of 1"


def test_duration_11_is_rejected_naming_the_maximum(api: Api) -> None:
    assert rejected(api, body(duration=11)) == "duration: 11 is greater than the maximum of 10"


@pytest.mark.parametrize("resolution", ["720p", "1080p"])
def test_each_documented_resolution_is_accepted(api: Api, resolution: str) -> None:
    assert api.submit(body(resolution=resolution)).status_code == 200


def test_an_undocumented_resolution_is_rejected(api: Api) -> None:
    assert rejected(api, body(resolution="4k")).startswith("resolution: '4k' is not one of")


@pytest.mark.parametrize("amplitude", ["auto", "small", "medium", "high"])
def test_each_documented_movement_amplitude_is_accepted(api: Api, amplitude: str) -> None:
    assert api.submit(body(movement_amplitude=amplitude)).status_code == 200


def test_upstreams_large_amplitude_is_rejected_as_the_reseller_documents_high(api: Api) -> None:
    assert rejected(api, body(movement_amplitude="large")).startswith("movement_amplitude:")


@pytest.mark.parametrize("flag", ["bgm", "audio", "off_peak", "watermark"])
@pytest.mark.parametrize("value", [True, False])
def test_boolean_fields_take_true_and_false(api: Api, flag: str, value: bool) -> None:
    assert api.submit(body(**{flag: value})).status_code == 200


@pytest.mark.parametrize("flag", ["bgm", "audio", "off_peak", "watermark"])
def test_boolean_fields_refuse_strings(api: Api, flag: str) -> None:
    assert rejected(api, body(**{flag: "true"})) == f"{flag}: 'true' is not of type 'boolean'"


def test_empty_images_is_rejected(api: Api) -> None:
    assert rejected(api, body(images=[])) == "images: [] should be non-empty"


def test_missing_images_is_rejected(api: Api) -> None:
    assert rejected(api, body(images=...)) == "images: is required"


def test_missing_prompt_is_rejected(api: Api) -> None:
    assert rejected(api, body(prompt=...)) == "prompt: is required"


def test_missing_duration_is_accepted_and_defaults_to_5(api: Api) -> None:
    task_id = api.task(body(duration=...))
    job = api.app.extensions["vidu_mock"].store.get(task_id)
    assert job.params["duration"] == 5


def test_all_documented_defaults_are_applied(api: Api) -> None:
    task_id = api.task(body())
    params = api.app.extensions["vidu_mock"].store.get(task_id).params
    assert params["resolution"] == "720p"
    assert params["movement_amplitude"] == "auto"
    assert [params[f] for f in ("bgm", "audio", "off_peak", "watermark")] == [False] * 4


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("duration", "5", "duration: '5' is not of type 'integer'"),
        ("duration", True, "duration: True is not of type 'integer'"),
        ("duration", 5.5, "duration: 5.5 is not of type 'integer'"),
        ("prompt", 42, "prompt: 42 is not of type 'string'"),
        (
            "images",
            "https://example.com/a.png",
            "images: 'https://example.com/a.png' is not of type 'array'",
        ),
        ("images", [7], "images[0]: 7 is not of type 'string'"),
        ("seed", "123", "seed: '123' is not of type 'integer'"),
        ("voice_id", 1, "voice_id: 1 is not of type 'string'"),
        ("resolution", None, "resolution: None is not of type 'string'"),
    ],
)
def test_wrong_json_types_are_rejected_naming_field_and_type(
    api: Api, field: str, value: Any, expected: str
) -> None:
    assert expected in rejected(api, body(**{field: value})).split("; ")


def test_several_problems_are_all_reported_at_once(api: Api) -> None:
    message = rejected(api, {"images": [], "duration": 11, "resolution": "4k"})
    assert message.split("; ") == [
        "duration: 11 is greater than the maximum of 10",
        "images: [] should be non-empty",
        "prompt: is required",
        "resolution: '4k' is not one of ['720p', '1080p']",
    ]


@pytest.mark.parametrize("payload", [[], "text", 5, None, True, [VALID_BODY]])
def test_non_object_json_bodies_are_rejected(api: Api, payload: Any) -> None:
    response = api.submit(data=__import__("json").dumps(payload), headers=None)
    assert response.status_code == 400
    assert response.get_json()["message"].startswith("body: ")
    assert "is not of type 'object'" in response.get_json()["message"]


def test_an_image_that_is_neither_url_nor_data_uri_is_rejected(api: Api) -> None:
    message = rejected(api, body(images=["cat.png"]))
    assert message == "images[0]: must be an http(s) URL or a data:image/<type>;base64, URI"


def test_a_data_uri_image_is_accepted(api: Api) -> None:
    assert api.submit(body(images=["data:image/png;base64,iVBORw0KGgo="])).status_code == 200


def test_an_integral_float_duration_is_accepted_and_stored_as_int(api: Api) -> None:
    task_id = api.task(body(duration=5.0))
    params = api.app.extensions["vidu_mock"].store.get(task_id).params
    assert params["duration"] == 5
    assert isinstance(params["duration"], int)


def test_unknown_fields_are_ignored_by_default(api: Api) -> None:
    assert api.submit(body(colour="blue")).status_code == 200


def test_hostile_strings_in_the_prompt_are_stored_intact(api: Api) -> None:
    prompt = "'; DROP TABLE jobs; -- \u0000 <script>alert(1)</script> \U0001f600 \u202e"
    task_id = api.task(body(prompt=prompt))
    assert api.app.extensions["vidu_mock"].store.get(task_id).params["prompt"] == prompt


def test_a_very_long_invalid_value_gives_a_short_message(api: Api) -> None:
    message = rejected(api, body(resolution="x" * 100_000))
    assert len(message) < 400
