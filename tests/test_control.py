"""The `/_mock` control endpoints over HTTP and in-process, and who may use them."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from mock_server import Settings, create_app
from mock_server.double import fake as fake_module
from mock_server.testing.controller import ControlError, ViduMock
from mock_server.web.control_access import TOKEN_HEADER, is_loopback
from mock_server.wire.schemas import ERROR
from tests.helpers import SUBMIT, VALID_BODY, check_schema
from tests.plugin_support import QUEUED, SUCCEED, Client, check_answer

TOKEN = "s3cret-token"


def control(
    mock: ViduMock, method: str, path: str, body: Any = None, **kw: Any
) -> requests.Response:
    """Call a control endpoint directly; an error must be the envelope."""
    response = requests.request(method, mock.url("/_mock" + path), json=body, timeout=10, **kw)
    if response.status_code != 200:
        check_schema(ERROR, response.json())
        assert response.json()["code"] == response.status_code
    return response


def test_the_clock_endpoints_read_and_advance_the_virtual_clock(mock):
    before = control(mock, "GET", "/clock").json()
    assert before["virtual"] is True
    advanced = control(mock, "POST", "/clock/advance", {"seconds": 90})
    assert advanced.json()["now"] == before["now"] + 90


@pytest.mark.parametrize("body", [{}, {"seconds": -1}, {"seconds": "5"}, {"seconds": True}, [5]])
def test_a_bad_advance_is_400_invalid_control_request(mock, body):
    response = control(mock, "POST", "/clock/advance", body)
    assert response.status_code == 400
    assert response.json()["reason"] == "INVALID_CONTROL_REQUEST"


@pytest.mark.vidu_mock(clock="real")
def test_a_real_clock_cannot_be_advanced_or_run_manual_progression(mock):
    assert control(mock, "GET", "/clock").json()["virtual"] is False
    assert "the clock is real" in control(mock, "POST", "/clock/advance", {"seconds": 1}).text
    refused = control(mock, "POST", "/settings", {"progression": "manual"})
    assert refused.status_code == 400
    assert "--clock virtual" in refused.json()["message"]


def test_the_settings_endpoint_reads_and_changes_settings(client, mock):
    assert control(mock, "GET", "/settings").json()["settings"]["progression"] == "realtime"
    changed = control(
        mock, "POST", "/settings", {"progression": "instant", "upstream_limits": True}
    )
    assert changed.json()["settings"]["progression"] == "instant"
    assert changed.json()["settings"]["upstream_limits"] == "true"
    assert client.status(client.task_id()) == SUCCEED


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"progression": "sometimes"}, "unknown progression"),
        ({"no_such_setting": 1}, "unknown setting 'no_such_setting'"),
        ({"seed": 99}, "seed can only change at start"),
        ({"host": "0.0.0.0"}, "host can only change at start"),
        ({"speed": {"x": 1}}, "settings are strings"),
        ("instant", "send a JSON object"),
    ],
)
def test_a_bad_settings_change_is_400_and_changes_nothing(mock, body, message):
    response = control(mock, "POST", "/settings", body)
    assert response.status_code == 400
    assert message in response.json()["message"]
    assert mock.settings["progression"] == "realtime"


def test_the_reset_endpoint_forgets_jobs_and_restores_settings(client, mock):
    task_id = client.task_id()
    mock.configure(progression="instant")
    assert control(mock, "POST", "/reset").json() == {"reset": True}
    assert client.poll(task_id).status_code == 404
    assert mock.settings["progression"] == "realtime"


def test_the_scripts_endpoint_takes_a_count_and_lists_what_is_pending(client, mock):
    queued = control(mock, "POST", "/scripts", {"count": 2, "stuck": "queued"})
    assert queued.json() == {"count": 2, "script": {"stuck": "queued"}}
    assert control(mock, "GET", "/scripts").json()["next"] == [{"stuck": "queued"}] * 2
    task_id = client.task_id()
    by_task = control(mock, "POST", "/scripts", {"task_id": task_id, "fail_poll": 1})
    assert by_task.json() == {"task_id": task_id, "script": {"fail_poll": 1}}
    assert control(mock, "GET", "/scripts").json()["tasks"] == {
        task_id: {"fail_polls": [1], "latency": 0.0}
    }


def test_the_journal_endpoint_lists_and_clears_entries(client, mock):
    client.submit()
    entries = control(mock, "GET", "/journal").json()["entries"]
    assert [(entry["method"], entry["path"], entry["status"]) for entry in entries] == [
        ("POST", SUBMIT, 200)
    ]
    assert set(entries[0]) >= {"method", "path", "query", "headers", "json", "status", "time"}
    assert control(mock, "DELETE", "/journal").json() == {"cleared": True}
    assert control(mock, "GET", "/journal").json() == {"entries": [], "latest": 0}


def test_a_wrong_method_on_a_control_route_is_405_in_the_envelope(mock):
    response = control(mock, "GET", "/reset")
    assert response.status_code == 405


def test_control_routes_need_no_api_key_and_api_routes_do_not_live_under_the_prefix(mock):
    assert control(mock, "GET", "/clock").status_code == 200
    nested = requests.post(
        mock.url("/_mock" + SUBMIT), json=VALID_BODY, headers=mock.headers, timeout=10
    )
    check_answer("other", nested)
    assert nested.json()["reason"] == "API_NOT_FOUND"
    inside_api = requests.get(mock.url("/v3/async/_mock/clock"), timeout=10)
    check_answer("other", inside_api)
    assert inside_api.status_code == 404


@pytest.mark.vidu_mock(control_token=TOKEN)
def test_with_a_token_configured_the_control_api_needs_it(client, mock):
    missing = control(mock, "GET", "/clock")
    wrong = control(mock, "GET", "/clock", headers={TOKEN_HEADER: "guess"})
    as_api_key = control(mock, "GET", "/clock", headers={"Authorization": f"Bearer {TOKEN}"})
    for refused in (missing, wrong, as_api_key):
        assert refused.status_code == 403
        assert refused.json()["reason"] == "CONTROL_FORBIDDEN"
        assert TOKEN_HEADER in refused.json()["message"]
    assert control(mock, "GET", "/clock", headers={TOKEN_HEADER: TOKEN}).status_code == 200
    mock.advance(1)  # the controller sends the token it was given
    assert mock.settings["control_token"] == "***"
    assert client.submit().status_code == 200  # the emulated API does not need it


@pytest.mark.vidu_mock(control_token=TOKEN)
def test_the_worker_endpoint_answers_without_the_control_token(mock):
    answer = requests.get(mock.url("/_mock/worker"), timeout=10)
    assert answer.status_code == 200
    assert isinstance(answer.json()["pid"], int)


@pytest.mark.vidu_mock(host="0.0.0.0")
def test_off_loopback_without_a_token_the_control_api_is_off_but_the_api_works(
    vidu_mock_inprocess,
):
    """In-process only: the HTTP fixture really binds 127.0.0.1, so it is always loopback."""
    client = Client(vidu_mock_inprocess)
    with pytest.raises(ControlError, match=r"403.*listens on 0\.0\.0\.0, not loopback"):
        vidu_mock_inprocess.advance(1)
    assert client.status(client.task_id()) == QUEUED


@pytest.mark.vidu_mock(host="0.0.0.0", control_token=TOKEN)
def test_off_loopback_the_token_opens_the_control_api(vidu_mock_inprocess):
    assert vidu_mock_inprocess.control_token == TOKEN
    vidu_mock_inprocess.advance(1)


@pytest.mark.parametrize(
    ("host", "allowed"),
    [
        ("127.0.0.1", True),
        ("127.0.0.2", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("10.1.2.3", False),
        ("example.com", False),
    ],
)
def test_only_loopback_hosts_count_as_loopback(host, allowed):
    assert is_loopback(host) is allowed
    client = create_app(Settings(host=host)).test_client()
    response = client.get("/_mock/clock")
    assert (response.status_code == 200) is allowed
    if not allowed:
        check_schema(ERROR, response.get_json())


@pytest.mark.parametrize("path", ["/scripts", "/settings", "/clock/advance"])
@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        pytest.param(b"[" * 100_000, "malformed JSON", id="nested 100,000 deep"),
        pytest.param(b'{"count": 1,', "malformed JSON", id="cut short"),
        pytest.param(b'{"latency": NaN}', "NaN is not valid JSON", id="NaN"),
        pytest.param(b"", "is empty", id="empty"),
    ],
)
def test_a_body_that_is_not_json_is_400_saying_why(mock, path, raw, fragment):
    response = control(mock, "POST", path, data=raw)
    assert response.status_code == 400
    assert response.json()["reason"] == "INVALID_CONTROL_REQUEST"
    assert "send a JSON object" in response.json()["message"]
    assert fragment in response.json()["message"]


def test_a_latency_beyond_any_float_is_400_not_a_crash(mock):
    response = control(mock, "POST", "/scripts", {"latency": 10**400})
    assert response.status_code == 400
    assert response.json()["message"] == "latency is too large"


def test_a_fake_builds_its_submit_validator_once_and_again_only_when_settings_change(
    monkeypatch,
):
    built: list[Settings] = []
    real = fake_module.SubmitValidator

    def counting(settings: Settings) -> Any:
        built.append(settings)
        return real(settings)

    monkeypatch.setattr(fake_module, "SubmitValidator", counting)
    app = create_app(Settings(seed=1))
    assert len(built) == 1
    client = app.test_client()
    client.post(SUBMIT, json=VALID_BODY, headers={"Authorization": "Bearer k"})
    assert len(built) == 1
    client.post("/_mock/settings", json={"upstream_limits": True})
    assert len(built) == 2
    assert built[-1].upstream_limits
