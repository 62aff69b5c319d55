"""Scripted outcomes through the controller and the `/_mock/scripts` endpoint, both fixtures."""

from __future__ import annotations

import pytest
import requests

from mock_server.testing.controller import ControlError, ViduMock
from tests.plugin_support import (
    FAILED,
    PROCESSING,
    QUEUED,
    SUCCEED,
    Client,
    finish,
)

DOCUMENTED_REJECTIONS = [
    (429, "RATE_LIMIT_EXCEEDED"),
    (500, "CREATE_TASK_FAILED"),
    (503, "SERVICE_NOT_AVAILABLE"),
]


def statuses_until_end(client: Client, mock: ViduMock, task_id: str) -> list[str]:
    """Poll once a second of fake time until the job ends; return each distinct status seen."""
    seen: list[str] = []
    for _ in range(400):
        status = client.status(task_id)
        if not seen or seen[-1] != status:
            seen.append(status)
        if status in (SUCCEED, FAILED):
            return seen
        mock.advance(1)
    return seen


def test_fail_next_ends_the_next_job_failed_with_the_reason_while_processing(client, mock):
    mock.fail_next("content policy violation")
    task_id = client.task_id()
    assert statuses_until_end(client, mock, task_id) == [QUEUED, PROCESSING, FAILED]
    assert client.task(task_id)["reason"] == "content policy violation"


def test_fail_next_at_the_queue_stage_fails_before_processing(client, mock):
    mock.fail_next("image download failed", stage="queued")
    task_id = client.task_id()
    assert statuses_until_end(client, mock, task_id) == [QUEUED, FAILED]


def test_fail_next_counts_jobs_then_the_fake_returns_to_success(client, mock):
    mock.fail_next("boom", count=2)
    task_ids = [client.task_id() for _ in range(3)]
    finish(mock)
    assert [client.status(task_id) for task_id in task_ids] == [FAILED, FAILED, SUCCEED]


@pytest.mark.parametrize(("stage", "status"), [("queued", QUEUED), ("processing", PROCESSING)])
def test_a_stuck_job_never_leaves_its_stage(client, mock, stage, status):
    mock.stick_next(stage)
    task_id = client.task_id()
    finish(mock)
    mock.advance(100_000)
    task = client.task(task_id)
    assert task["status"] == status
    assert 0 <= task["progress_percent"] < 100


@pytest.mark.parametrize(("status", "reason"), DOCUMENTED_REJECTIONS)
def test_reject_next_answers_the_documented_error_and_creates_no_job(client, mock, status, reason):
    mock.reject_next(status)
    rejected = client.submit()
    assert rejected.status_code == status
    assert rejected.json()["reason"] == reason
    assert client.submit().status_code == 200
    assert [entry.status for entry in mock.submits] == [status, 200]


def test_fail_poll_next_makes_only_the_nth_poll_of_the_job_answer_500(client, mock):
    mock.fail_poll_next(2)
    task_id = client.task_id()
    answers = [client.poll(task_id) for _ in range(3)]
    assert [answer.status_code for answer in answers] == [200, 500, 200]
    assert answers[1].json()["reason"] == "GET_RESULT_FAILED"


def test_a_failed_poll_does_not_count_towards_polls_progression(client, mock):
    mock.set_progression("polls:1")
    mock.fail_poll_next(1)
    task_id = client.task_id()
    assert client.poll(task_id).status_code == 500
    assert [client.status(task_id) for _ in range(3)] == [QUEUED, PROCESSING, SUCCEED]


def test_delay_next_answers_the_submit_late_but_not_the_jobs_polls(client, mock):
    mock.delay_next(0.05)
    task_id = client.task_id(timeout=30)
    assert client.poll(task_id).status_code == 200
    assert mock.pending_scripts() == {"next": [], "tasks": {}}


def test_a_delay_longer_than_the_client_timeout_raises_read_timeout(client, mock):
    mock.delay_next(2.0)
    with pytest.raises(requests.exceptions.ReadTimeout):
        client.submit(timeout=0.05)


def test_fail_task_changes_an_accepted_job(client, mock):
    task_id, other = client.task_id(), client.task_id()
    mock.fail_task(task_id, "model unavailable")
    finish(mock)
    assert client.task(task_id)["reason"] == "model unavailable"
    assert client.status(other) == SUCCEED


def test_stick_task_keeps_an_accepted_job_queued(client, mock):
    task_id = client.task_id()
    mock.stick_task(task_id, "queued")
    finish(mock)
    assert client.status(task_id) == QUEUED


def test_fail_poll_of_a_task_counts_from_the_moment_it_is_scripted(client, mock):
    task_id = client.task_id()
    client.poll(task_id)
    mock.fail_poll(task_id, 2)
    assert [client.poll(task_id).status_code for _ in range(3)] == [200, 500, 200]


def test_delay_task_makes_its_polls_late(client, mock):
    task_id = client.task_id()
    mock.delay_task(task_id, 2.0)
    with pytest.raises(requests.exceptions.ReadTimeout):
        client.poll(task_id, timeout=0.05)


def test_pending_scripts_lists_what_is_still_queued(mock):
    mock.fail_next("a", stage="queued", count=2)
    mock.reject_next(429)
    assert mock.pending_scripts()["next"] == [
        {"fail": "a", "stage": "queued"},
        {"fail": "a", "stage": "queued"},
        {"reject": 429},
    ]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"fail": "x", "stuck": "queued"}, "cannot both fail and be stuck"),
        ({"reject": 404}, "reject must be one of"),
        ({"reject": 503, "fail": "x"}, "creates no job"),
        ({"stuck": "done"}, "unknown stage"),
        ({"fail_poll": 0}, "counts polls from 1"),
        ({"latency": -1}, "latency must be between"),
        ({"latency": "slow"}, "latency must be a number"),
        ({"explode": True}, "unknown script fields"),
        ({}, "the script changes nothing"),
        ({"fail": "x", "count": 0}, "count must be an integer"),
    ],
)
def test_a_bad_script_is_refused_with_400_and_says_why(mock, fields, message):
    with pytest.raises(ControlError, match="400") as refused:
        mock.script(**{"count": 1, **fields})
    assert message in str(refused.value)


def test_scripting_an_unknown_task_is_404(mock):
    with pytest.raises(ControlError, match="404"):
        mock.fail_task("no-such-task", "x")


def test_scripting_a_finished_task_is_409(client, mock):
    task_id = client.task_id()
    finish(mock)
    with pytest.raises(ControlError, match=r"409.*already ended"):
        mock.fail_task(task_id, "too late")


def test_a_processing_task_cannot_be_sent_back_to_the_queue(client, mock):
    task_id = client.task_id()
    mock.advance(10)
    assert client.status(task_id) == PROCESSING
    with pytest.raises(ControlError, match=r"409.*already PROCESSING"):
        mock.stick_task(task_id, "queued")


def test_an_accepted_task_cannot_be_rejected(client, mock):
    task_id = client.task_id()
    with pytest.raises(ControlError, match=r"400.*submits only"):
        mock.script(task_id=task_id, reject=503)
