"""Every way a client can go wrong gets the documented envelope, never a 500 or a traceback."""

from __future__ import annotations

import logging

import pytest

from mock_server import Settings
from mock_server.web.state import fake_of
from tests.helpers import AUTH, RESULT, SUBMIT, Api, make_api


def envelope(response) -> dict:
    body = response.get_json()
    assert set(body) == {"code", "reason", "message", "metadata"}
    assert body["metadata"] == {}
    return body


def test_unknown_path_is_404_api_not_found(api: Api) -> None:
    response = api.request("GET", "/v3/async/no-such-model", headers=AUTH)
    assert response.status_code == 404
    assert envelope(response)["reason"] == "API_NOT_FOUND"
    assert "/v3/async/no-such-model" in envelope(response)["message"]


@pytest.mark.parametrize(
    ("method", "path"), [("GET", SUBMIT), ("PUT", SUBMIT), ("POST", RESULT), ("DELETE", RESULT)]
)
def test_wrong_method_is_405_naming_the_allowed_ones(api: Api, method: str, path: str) -> None:
    response = api.request(method, path, headers=AUTH)
    assert response.status_code == 405
    assert envelope(response)["reason"] == "METHOD_NOT_ALLOWED"
    assert "use" in envelope(response)["message"]


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("TRACE", RESULT, "GET, HEAD, OPTIONS"),
        ("GET", SUBMIT, "OPTIONS, POST"),
        ("POST", "/media/videos/x.mp4", "GET, HEAD, OPTIONS"),
    ],
)
def test_a_405_names_the_allowed_methods_in_allow(
    api: Api, method: str, path: str, allowed: str
) -> None:
    response = api.request(method, path, headers=AUTH)
    assert response.status_code == 405
    assert response.headers["Allow"] == allowed
    assert envelope(response)["message"].endswith(f"use {allowed}")


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        (b"{", "malformed JSON"),
        (b'{"images": ["a"],}', "malformed JSON"),
        (b"", "is empty"),
        (b"   ", "is empty"),
        (b"NaN", "NaN is not valid JSON"),
        (b'{"duration": Infinity}', "Infinity is not valid JSON"),
        (b"\xff\xfe\x00", "malformed JSON"),
        (b"[" * 200_000, "malformed JSON"),
        (b'{"seed": 1' + b"0" * 5000 + b"}", "malformed JSON"),
    ],
)
def test_malformed_json_is_400_invalid_request_body(api: Api, raw: bytes, fragment: str) -> None:
    response = api.submit(data=raw, headers={**AUTH, "Content-Type": "application/json"})
    assert response.status_code == 400
    assert envelope(response)["reason"] == "INVALID_REQUEST_BODY"
    assert fragment in envelope(response)["message"]


def test_a_body_over_the_limit_is_413_with_the_limit_in_the_message() -> None:
    api = make_api(Settings(max_body_bytes=1000))
    response = api.submit(data=b'{"prompt": "' + b"x" * 2000 + b'"}', headers=AUTH)
    assert response.status_code == 413
    assert envelope(response)["reason"] == "REQUEST_BODY_TOO_LARGE"
    assert "1000 bytes" in envelope(response)["message"]


def test_the_default_body_limit_is_20_mib(api: Api) -> None:
    assert api.app.config["MAX_CONTENT_LENGTH"] == 20 * 1024 * 1024


def test_a_body_just_under_the_limit_is_parsed() -> None:
    api = make_api(Settings(max_body_bytes=1000))
    response = api.submit(data=b'{"prompt": 1}'.ljust(999), headers=AUTH)
    assert response.status_code == 400
    assert envelope(response)["message"] != ""
    assert envelope(response)["reason"] == "INVALID_REQUEST_BODY"


def test_missing_key_is_400_missing_api_key(api: Api) -> None:
    response = api.submit(headers={})
    assert response.status_code == 400
    assert envelope(response)["reason"] == "MISSING_API_KEY"


@pytest.mark.parametrize("header", ["", "Bearer", "Bearer   "])
def test_an_empty_key_counts_as_missing(api: Api, header: str) -> None:
    response = api.submit(headers={"Authorization": header})
    assert (response.status_code, envelope(response)["reason"]) == (400, "MISSING_API_KEY")


def test_a_bare_key_without_bearer_is_403_invalid_api_key_by_default(api: Api) -> None:
    response = api.submit(headers={"Authorization": "test-key"})
    assert response.status_code == 403
    assert envelope(response)["reason"] == "INVALID_API_KEY"
    assert "Bearer" in envelope(response)["message"]


def test_the_poll_checks_the_key_too(api: Api) -> None:
    response = api.result("anything", headers={})
    assert (response.status_code, envelope(response)["reason"]) == (400, "MISSING_API_KEY")


def test_task_result_for_unknown_id_is_404_task_not_found(api: Api) -> None:
    response = api.result("00000000-0000-4000-8000-000000000000")
    assert response.status_code == 404
    assert envelope(response)["reason"] == "TASK_NOT_FOUND"
    assert "00000000-0000-4000-8000-000000000000" in envelope(response)["message"]


@pytest.mark.parametrize("query", ["", "?task_id=", "?task_id=%20", "?other=1"])
def test_task_result_without_task_id_is_400(api: Api, query: str) -> None:
    response = api.request("GET", RESULT + query, headers=AUTH)
    assert response.status_code == 400
    assert envelope(response)["reason"] == "INVALID_REQUEST_BODY"
    assert "task_id" in envelope(response)["message"]


def test_a_hostile_task_id_is_echoed_briefly_and_safely(api: Api) -> None:
    hostile = "<script>\"'\n\u0000" + "x" * 10_000
    response = api.result(hostile)
    assert response.status_code == 404
    assert len(envelope(response)["message"]) < 200


def test_an_unexpected_error_is_a_logged_500_without_a_traceback(
    api: Api, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(*_args: object, **_kw: object) -> None:
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(fake_of(api.app).backend, "submit", explode)
    with caplog.at_level(logging.ERROR, logger="mock_server"):
        response = api.submit()
    assert response.status_code == 500
    assert envelope(response)["reason"] == "CREATE_TASK_FAILED"
    assert "secret" not in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)
    assert "secret internal detail" in caplog.text


def test_an_unexpected_error_while_polling_is_500_get_result_failed(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    task_id = api.task()
    monkeypatch.setattr(fake_of(api.app).backend, "read", lambda _id: 1 / 0)
    response = api.result(task_id)
    assert (response.status_code, envelope(response)["reason"]) == (500, "GET_RESULT_FAILED")
