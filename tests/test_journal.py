"""The request journal records every API request; its helpers explain client misbehaviour."""

from __future__ import annotations

import pytest
import requests

from mock_server.double import journal as journal_module
from mock_server.double.client_checks import ClientCheckFailed
from mock_server.double.journal import REDACTED, RequestKind
from mock_server.testing.controller import ViduMock
from mock_server.web.state import fake_of
from tests.helpers import RESULT, SUBMIT, VALID_BODY, make_api
from tests.plugin_support import SUCCEED, Client, check_answer, finish


def poll_every(client: Client, mock: ViduMock, task_id: str, seconds: float) -> None:
    """Poll as a client with a fixed interval does, until the job ends."""
    while client.status(task_id) != SUCCEED:
        mock.advance(seconds)


def test_a_submit_is_recorded_with_its_body_redacted_key_status_and_fake_time(client, mock):
    now = mock.now()
    task_id = client.task_id({**VALID_BODY, "duration": 4})
    [entry] = mock.requests
    assert (entry.method, entry.path, entry.query) == ("POST", SUBMIT, {})
    assert entry.json == {**VALID_BODY, "duration": 4}
    assert entry.headers["Authorization"] == f"Bearer {REDACTED}"
    assert mock.api_key not in str(entry.headers)
    assert (entry.status, entry.time, entry.kind) == (200, now, RequestKind.SUBMIT)
    assert entry.task_id == task_id
    assert entry.response == {
        "task_id": task_id,
        "provider_request_id": entry.response["provider_request_id"],
    }


def test_a_poll_is_recorded_with_its_query_and_the_status_it_answered(client, mock):
    task_id = client.task_id()
    mock.advance(10.5)
    client.poll(task_id)
    poll = mock.requests[-1]
    assert (poll.method, poll.path, poll.query, poll.json) == (
        "GET",
        RESULT,
        {"task_id": task_id},
        None,
    )
    assert poll.time == mock.requests[0].time + 10.5
    assert (poll.kind, poll.task_id, poll.task_status) == (
        RequestKind.POLL,
        task_id,
        "TASK_STATUS_PROCESSING",
    )


def test_refused_and_unknown_requests_are_recorded_with_their_error(client, mock):
    client.submit({"prompt": "no images"})
    client.poll("nope", key="")
    check_answer("other", requests.get(mock.url("/v3/nowhere"), timeout=10))
    entries = mock.requests
    assert [(e.status, e.reason) for e in entries] == [
        (400, "INVALID_REQUEST_BODY"),
        (400, "MISSING_API_KEY"),
        (404, "API_NOT_FOUND"),
    ]
    assert entries[2].kind is RequestKind.OTHER
    assert [e.index for e in entries] == [1, 2, 3]


def test_video_downloads_are_recorded(client, mock):
    task_id = client.task_id()
    finish(mock)
    client.download(client.video_url(task_id), headers={"Range": "bytes=0-9"})
    download = mock.requests[-1]
    assert (download.kind, download.task_id, download.status) == (
        RequestKind.DOWNLOAD,
        task_id,
        206,
    )
    assert download.headers["Range"] == "bytes=0-9"
    assert "token" in download.query


def test_control_health_and_openapi_requests_are_not_recorded(client, mock):
    mock.advance(1)
    mock.pending_scripts()
    requests.get(mock.url("/healthz"), timeout=10)
    requests.get(mock.url("/openapi.json"), timeout=10)
    assert mock.requests == []


@pytest.mark.vidu_mock(journal_size=2)
def test_the_journal_keeps_only_the_latest_entries(client, mock):
    for _ in range(4):
        client.submit()
    assert [entry.index for entry in mock.requests] == [3, 4]


@pytest.mark.vidu_mock(journal_size=0)
def test_a_journal_size_of_zero_records_nothing(client, mock):
    client.submit()
    assert mock.requests == []


def test_clearing_the_journal_forgets_requests_but_not_jobs(client, mock):
    task_id = client.task_id()
    mock.clear_requests()
    assert mock.requests == []
    assert client.poll(task_id).status_code == 200


def test_assert_submitted_returns_the_matching_submit(client, mock):
    client.submit({**VALID_BODY, "duration": 3})
    client.submit({**VALID_BODY, "duration": 8, "resolution": "1080p"})
    assert mock.assert_submitted(duration=8, resolution="1080p").index == 2
    assert len(mock.submits) == 2


def test_assert_submitted_explains_why_each_submit_did_not_match(client, mock):
    client.submit({**VALID_BODY, "duration": 3})
    client.submit({**VALID_BODY, "resolution": "720p"})
    with pytest.raises(ClientCheckFailed) as failed:
        mock.assert_submitted(duration=5, resolution="1080p")
    message = str(failed.value)
    assert "expected a submit with duration=5, resolution='1080p'" in message
    assert "#1 POST" in message
    assert "duration was 3 (expected 5)" in message
    assert "resolution was not sent (expected '1080p')" in message
    assert "#2 POST" in message
    assert "resolution was '720p' (expected '1080p')" in message


def test_assert_submitted_says_when_nothing_was_submitted(mock):
    with pytest.raises(ClientCheckFailed, match=r"recorded submits:\n  \(none\)"):
        mock.assert_submitted(prompt="x")


def test_the_shortest_poll_interval_is_measured_on_the_fakes_clock(client, mock):
    task_id = client.task_id()
    client.poll(task_id)
    mock.advance(3)
    client.poll(task_id)
    mock.advance(1.5)
    client.poll(task_id)
    assert mock.shortest_poll_interval(task_id) == pytest.approx(1.5)
    assert mock.shortest_poll_interval() == pytest.approx(1.5)
    assert mock.shortest_poll_interval("never-polled") is None


def test_assert_poll_interval_names_the_polls_that_came_too_soon(client, mock):
    task_id = client.task_id()
    client.poll(task_id)
    mock.advance(5)
    client.poll(task_id)
    client.poll(task_id)
    mock.assert_poll_interval_at_least(0)
    with pytest.raises(ClientCheckFailed) as failed:
        mock.assert_poll_interval_at_least(2)
    message = str(failed.value)
    assert "expected at least 2 s between polls of a task" in message
    assert "#4 GET" in message
    assert "came 0.000 s after #3 GET" in message


def test_a_client_that_stops_at_the_terminal_status_passes(client, mock):
    task_id = client.task_id()
    poll_every(client, mock, task_id, 5)
    mock.assert_no_polls_after_terminal(task_id)
    mock.assert_poll_interval_at_least(5)


def test_polling_after_the_job_ended_is_reported(client, mock):
    mock.set_progression("instant")
    task_id = client.task_id()
    client.poll(task_id)
    client.poll(task_id)
    with pytest.raises(ClientCheckFailed) as failed:
        mock.assert_no_polls_after_terminal()
    message = str(failed.value)
    assert "expected no polls of a task after it ended" in message
    assert "#3 GET" in message
    assert "after #2 GET" in message
    assert "TASK_STATUS_SUCCEED" in message


def test_a_timely_download_passes(client, mock):
    task_id = client.task_id()
    finish(mock)
    client.download(client.video_url(task_id))
    mock.assert_downloaded_before_expiry()
    mock.assert_downloaded_before_expiry(task_id)


@pytest.mark.vidu_mock(video_url_ttl=60)
def test_a_download_after_the_url_expired_is_reported(client, mock):
    task_id = client.task_id()
    finish(mock)
    url = client.video_url(task_id)
    mock.advance(3600)
    assert client.download(url).status_code == 403
    with pytest.raises(ClientCheckFailed) as failed:
        mock.assert_downloaded_before_expiry()
    message = str(failed.value)
    assert f"task {task_id} (its URL expired at t=" in message
    assert "-> 403 URL_EXPIRED" in message


def test_a_finished_video_never_downloaded_is_reported(client, mock):
    task_id = client.task_id()
    finish(mock)
    client.poll(task_id)
    with pytest.raises(ClientCheckFailed, match=r"download attempts:\n  \(none\)"):
        mock.assert_downloaded_before_expiry()


def test_the_download_check_needs_a_finished_task(mock):
    with pytest.raises(ClientCheckFailed, match="no poll recorded a finished task"):
        mock.assert_downloaded_before_expiry()


def test_journalling_a_poll_does_not_parse_its_answer(monkeypatch):
    api = make_api()
    task_id = api.task()
    parsed: list[bytes | None] = []
    real = journal_module.parse_json_or

    def counting(raw: bytes | None, default: object) -> object:
        parsed.append(raw)
        return real(raw, default)

    monkeypatch.setattr(journal_module, "parse_json_or", counting)
    api.result(task_id)
    assert parsed == []
    api.task()
    assert len(parsed) == 1  # a submit's task id is in its answer
    poll = fake_of(api.app).journal_entries()[1]
    assert (poll.kind, poll.task_id, poll.task_status) == (
        RequestKind.POLL,
        task_id,
        "TASK_STATUS_QUEUED",
    )
