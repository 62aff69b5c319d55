"""`[mock:...]` markers in the prompt script a job for clients that cannot reach `/_mock`."""

from __future__ import annotations

import pytest
import requests

from mock_server.domain.lifecycle import TaskStatus
from mock_server.double.scripts import Script, ScriptError, script_from_prompt
from tests.helpers import VALID_BODY
from tests.plugin_support import (
    FAILED,
    PROCESSING,
    QUEUED,
    SUCCEED,
    finish,
)


def prompt(text: str) -> dict[str, object]:
    return {**VALID_BODY, "prompt": text}


def test_a_fail_marker_ends_the_job_failed_with_its_reason(client, mock):
    task_id = client.task_id(prompt("a cat [mock:fail=prompt violates policy] surfing"))
    finish(mock)
    task = client.task(task_id)
    assert (task["status"], task["reason"]) == (FAILED, "prompt violates policy")


def test_a_fail_queued_marker_fails_the_job_before_it_processes(client, mock):
    task_id = client.task_id(prompt("[mock:fail-queued=image download failed]"))
    mock.advance(11)
    result = client.poll(task_id).json()
    assert result["task"]["status"] == FAILED
    assert result["extra"]["debug_info"]["execute_time_ms"] == "0"


@pytest.mark.parametrize(("stage", "status"), [("queued", QUEUED), ("processing", PROCESSING)])
def test_a_stuck_marker_keeps_the_job_in_its_stage(client, mock, stage, status):
    task_id = client.task_id(prompt(f"[mock:stuck={stage}]"))
    finish(mock)
    assert client.status(task_id) == status


@pytest.mark.parametrize(
    ("status", "reason"),
    [(429, "RATE_LIMIT_EXCEEDED"), (500, "CREATE_TASK_FAILED"), (503, "SERVICE_NOT_AVAILABLE")],
)
def test_a_reject_marker_rejects_that_submit(client, status, reason):
    response = client.submit(prompt(f"[mock:reject={status}]"))
    assert (response.status_code, response.json()["reason"]) == (status, reason)


def test_a_fail_poll_marker_makes_that_poll_answer_500(client):
    task_id = client.task_id(prompt("[mock:fail-poll=1]"))
    assert [client.poll(task_id).status_code for _ in range(2)] == [500, 200]


def test_a_latency_marker_delays_that_submit(client):
    with pytest.raises(requests.exceptions.ReadTimeout):
        client.submit(prompt("[mock:latency=2]"), timeout=0.05)


def test_markers_combine_and_take_precedence_over_queued_scripts(client, mock):
    mock.fail_next("queued script")
    marked = client.task_id(prompt("[mock:fail-poll=1][mock:stuck=queued]"))
    plain = client.task_id()
    finish(mock)
    assert client.poll(marked).status_code == 500
    assert client.status(marked) == QUEUED
    assert client.task(plain)["reason"] == "queued script"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[mock:explode=1]", "unknown marker [mock:explode=1]"),
        ("[mock:fail]", "needs a value"),
        ("[mock:reject=404]", "reject must be one of"),
        ("[mock:stuck=forever]", "unknown stage"),
        ("[mock:latency=soon]", "marker [mock:latency=soon]"),
    ],
)
def test_a_bad_marker_is_a_400_naming_it(client, text, message):
    response = client.submit(prompt(text))
    assert response.status_code == 400
    assert response.json()["reason"] == "INVALID_REQUEST_BODY"
    assert message in response.json()["message"]


@pytest.mark.vidu_mock(prompt_markers=False)
def test_markers_are_plain_text_when_switched_off(client, mock):
    task_id = client.task_id(prompt("[mock:fail=nope] [mock:explode]"))
    finish(mock)
    assert client.status(task_id) == SUCCEED


def test_a_prompt_without_markers_has_no_script() -> None:
    assert script_from_prompt("a cat [surfing] mock:fail=x") is None


def test_marker_parsing_builds_one_script_from_all_markers() -> None:
    script = script_from_prompt(
        "[mock:fail-queued=bad image] [mock:fail-poll=3] [mock:latency=1.5]"
    )
    assert script == Script(fail="bad image", stage=TaskStatus.QUEUED, fail_poll=3, latency=1.5)


def test_a_marker_value_that_is_not_a_number_names_the_marker() -> None:
    with pytest.raises(ScriptError, match=r"marker \[mock:fail-poll=two\]"):
        script_from_prompt("[mock:fail-poll=two]")
