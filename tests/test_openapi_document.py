"""/openapi.json describes the fake under its settings in force: what the document calls valid
the fake accepts, what it calls invalid the fake refuses, and every answer is declared."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import schemathesis
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from mock_server import Progression, Settings
from mock_server.wire.openapi import DOWNLOAD_PATH
from mock_server.wire.paths import OPENAPI_PATH
from tests.helpers import AUTH, KEY, RESULT, SUBMIT, VALID_BODY, Api, make_api

DOCUMENT_URI = "urn:vidu-mock:openapi"
BODY = f"/paths/{SUBMIT.replace('/', '~1')}/post/requestBody/content/application~1json/schema"
TASK_ID = f"/paths/{RESULT.replace('/', '~1')}/get/parameters/0/schema"
PROFILES = {
    "default": Settings(),
    "any image refs": Settings(image_refs="any"),
    "upstream limits": Settings(upstream_limits=True),
    "unknown fields rejected": Settings(unknown_fields="reject"),
    "duration required": Settings(duration_required=True),
    "integral floats rejected": Settings(integral_floats="reject"),
    "strict keys": Settings(missing_key_status=403, wrong_key_status=401, api_keys=("k",)),
    "behind a proxy": Settings(public_base_url="https://fake.example"),
}
# Characters str.strip() removes and others it keeps, where regex dialects disagree.
TRICKY = "\t\n\x0b\x0c\r\x1c\x1f \x85\xa0\u1680\u2000\u2028\u3000\ufeff"


def served(api: Api) -> dict[str, Any]:
    document: dict[str, Any] = api.request("GET", OPENAPI_PATH).get_json()
    return document


def accepts(document: dict[str, Any], pointer: str, value: Any) -> bool:
    """Tell whether the schema at `pointer` in the document takes `value`."""
    resource = Resource.from_contents(document, default_specification=DRAFT202012)
    registry: Registry[Any] = Registry().with_resource(DOCUMENT_URI, resource)
    validator = Draft202012Validator({"$ref": f"{DOCUMENT_URI}#{pointer}"}, registry=registry)
    return bool(validator.is_valid(value))


def declared(document: dict[str, Any], path: str, method: str) -> dict[str, Any]:
    responses: dict[str, Any] = document["paths"][path][method]["responses"]
    return responses


API = make_api()
DEFAULT_DOCUMENT = served(API)


@pytest.mark.parametrize("profile", PROFILES)
def test_the_document_is_valid_openapi_3_1_under_every_profile(profile: str) -> None:
    document = served(make_api(PROFILES[profile]))
    assert document["openapi"].startswith("3.1")
    validate(document)


def test_the_document_embeds_the_schema_files(api: Api) -> None:
    components = served(api)["components"]["schemas"]
    assert components["task-result"]["title"] == "TaskResult"
    assert components["task-id"]["title"] == "TaskId"


def test_the_document_names_the_fake_as_its_server() -> None:
    assert served(make_api())["servers"] == [{"url": "/"}]
    proxied = make_api(Settings(public_base_url="https://fake.example"))
    assert served(proxied)["servers"] == [{"url": "https://fake.example"}]


@pytest.mark.parametrize("path", [SUBMIT, RESULT, DOWNLOAD_PATH])
def test_every_path_declares_its_405_with_the_allow_header(api: Api, path: str) -> None:
    document = served(api)
    for method in document["paths"][path]:
        answer = declared(document, path, method)["405"]
        assert answer["headers"]["Allow"]["required"] is True


@pytest.mark.parametrize("task_id", ["", " ", "\t", "\x1c", "\x85", "\u3000 \n"])
def test_a_blank_task_id_is_refused_by_the_document_too(api: Api, task_id: str) -> None:
    assert not accepts(served(api), TASK_ID, task_id)
    assert api.result(task_id).status_code == 400


@settings(max_examples=150, deadline=None)
@given(task_id=st.text(st.sampled_from(TRICKY) | st.characters(codec="utf-8"), max_size=4))
def test_the_document_and_the_fake_agree_on_every_task_id(task_id: str) -> None:
    refused = API.result(task_id).status_code == 400
    assert accepts(DEFAULT_DOCUMENT, TASK_ID, task_id) is not refused


@pytest.mark.parametrize("image", ["", " ", "cat.png", "ftp://a/b", "https://a/b c", "https://a\n"])
def test_an_image_that_is_no_url_is_refused_by_the_document_too(api: Api, image: str) -> None:
    body = {**VALID_BODY, "images": [image]}
    assert not accepts(served(api), BODY, body)
    assert api.submit(body).status_code == 400


def test_the_documents_image_rule_follows_image_refs() -> None:
    api = make_api(Settings(image_refs="any"))
    body = {**VALID_BODY, "images": [""]}
    assert accepts(served(api), BODY, body)
    assert api.submit(body).status_code == 200
    assert "submit-request.image-refs" not in served(api)["components"]["schemas"]


@pytest.mark.parametrize(
    ("changes", "body"),
    [
        ({"upstream_limits": True}, {**VALID_BODY, "images": ["https://a/1", "https://a/2"]}),
        ({"upstream_limits": True}, {**VALID_BODY, "prompt": "x" * 2001}),
        ({"upstream_limits": True}, {**VALID_BODY, "audio": True, "off_peak": True}),
        ({"unknown_fields": "reject"}, {**VALID_BODY, "colour": "blue"}),
        ({"duration_required": True}, VALID_BODY),
    ],
)
def test_the_documents_body_rules_follow_each_profile_setting(
    changes: dict[str, Any], body: dict[str, Any]
) -> None:
    default, changed = make_api(), make_api(Settings(**changes))
    assert accepts(served(default), BODY, body)
    assert default.submit(body).status_code == 200
    assert not accepts(served(changed), BODY, body)
    assert changed.submit(body).status_code == 400


def test_the_document_says_what_json_schema_cannot_under_integral_floats_reject() -> None:
    api = make_api(Settings(integral_floats="reject"))
    body = {**VALID_BODY, "duration": 5.0}
    assert accepts(served(api), BODY, body)  # JSON Schema counts 5.0 as an integer
    assert api.submit(body).status_code == 400
    assert (
        "5.0, are refused"
        in served(api)["paths"][SUBMIT]["post"]["requestBody"]["content"]["application/json"][
            "schema"
        ]["description"]
    )


@pytest.mark.parametrize(
    ("changes", "statuses"),
    [
        ({}, {400: ["INVALID_REQUEST_BODY", "MISSING_API_KEY"], 403: ["INVALID_API_KEY"]}),
        ({"missing_key_status": 403}, {400: ["INVALID_REQUEST_BODY"], 403: ["INVALID_API_KEY"]}),
        ({"wrong_key_status": 401}, {401: ["INVALID_API_KEY"], 403: None}),
    ],
)
def test_the_document_declares_the_key_answers_the_settings_choose(
    changes: dict[str, Any], statuses: dict[int, list[str] | None]
) -> None:
    document = served(make_api(Settings(**changes)))
    for path, method in ((SUBMIT, "post"), (RESULT, "get")):
        responses = declared(document, path, method)
        for status, reasons in statuses.items():
            if reasons is None:
                assert str(status) not in responses
            else:
                schema = responses[str(status)]["content"]["application/json"]["schema"]
                assert schema["allOf"][1]["properties"]["reason"]["enum"] == reasons


def test_the_served_document_follows_settings_changed_at_run_time(api: Api) -> None:
    assert "submit-request.upstream-limits" not in served(api)["components"]["schemas"]
    changed = api.client.post("/_mock/settings", json={"upstream_limits": True})
    assert changed.status_code == 200
    assert "submit-request.upstream-limits" in served(api)["components"]["schemas"]


def test_a_submit_links_to_its_poll(api: Api) -> None:
    link = declared(served(api), SUBMIT, "post")["200"]["links"]["GetResult"]
    assert link == {
        "operationId": "getTaskResult",
        "parameters": {"task_id": "$response.body#/task_id"},
    }


@pytest.fixture
def video() -> tuple[Api, dict[str, str], dict[str, str]]:
    """A fake whose jobs finish at the first poll, and one finished video's name and token."""
    api = make_api(Settings(seed=7, progression=Progression.parse("instant"), video_url_ttl=60))
    url = api.result(api.task({**VALID_BODY, "duration": 1})).get_json()["videos"][0]["video_url"]
    parts = urlsplit(url)
    name = {"name": parts.path.rsplit("/", 1)[1]}
    return api, name, {"token": parse_qs(parts.query)["token"][0]}


@pytest.mark.parametrize("method", ["GET", "HEAD"])
@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 200),
        ({"Range": "bytes=100-199"}, 206),
        ({"Range": "bytes=-10"}, 206),
        ({"Range": "bytes=999999999-"}, 416),
        ({"Range": "pages=1"}, 416),
        ({"Range": "bytes=0-1,5-6"}, 416),
    ],
)
def test_every_download_answer_is_one_the_document_declares(
    video: tuple[Api, dict[str, str], dict[str, str]],
    method: str,
    headers: dict[str, str],
    status: int,
) -> None:
    api, name, token = video
    operation = schemathesis.openapi.from_wsgi(OPENAPI_PATH, api.app)[DOWNLOAD_PATH][method]
    case = operation.Case(path_parameters=name, query=token, headers=headers)
    assert case.call_and_validate().status_code == status


def test_not_modified_expired_and_unknown_videos_are_declared_answers(
    video: tuple[Api, dict[str, str], dict[str, str]],
) -> None:
    api, name, token = video
    operation = schemathesis.openapi.from_wsgi(OPENAPI_PATH, api.app)[DOWNLOAD_PATH]["GET"]
    etag = operation.Case(path_parameters=name, query=token).call().headers["etag"][0]
    cases = [
        (operation.Case(path_parameters=name, query=token, headers={"If-None-Match": etag}), 304),
        (operation.Case(path_parameters=name, query={"token": "wrong"}), 404),
    ]
    for case, status in cases:
        assert case.call_and_validate().status_code == status
    api.clock.advance(61)
    assert operation.Case(path_parameters=name, query=token).call_and_validate().status_code == 403


@pytest.mark.parametrize("progression", ["polls:1", "instant"])
def test_the_poll_of_a_submitted_task_answers_as_declared(progression: str) -> None:
    strict = Settings(
        progression=Progression.parse(progression), missing_key_status=403, api_keys=(KEY,)
    )
    schema = schemathesis.openapi.from_wsgi(OPENAPI_PATH, make_api(strict).app)
    submitted = schema[SUBMIT]["POST"].Case(body=VALID_BODY).call_and_validate(headers=AUTH)
    poll = schema[RESULT]["GET"].Case(query={"task_id": submitted.json()["task_id"]})
    for _stage in range(3):
        assert poll.call_and_validate(headers=AUTH).status_code == 200
