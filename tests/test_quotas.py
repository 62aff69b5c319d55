"""Per-key quotas on the fake's clock: requests per minute and jobs running at once."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from mock_server.domain import quotas
from mock_server.domain.clock import VirtualClock
from mock_server.domain.jobs import JobBackend
from mock_server.domain.quotas import MAX_LATENCY_S, PENDING_PLACE_S, Quotas, RateWindow
from mock_server.settings import Settings
from mock_server.stores.memory_store import MemoryStore
from mock_server.wire.errors import RateLimitExceeded
from tests.plugin_support import finish


def statuses(answers) -> list[int]:
    return [answer.status_code for answer in answers]


@pytest.mark.vidu_mock(rate_limit_rpm=2)
def test_submits_beyond_the_per_minute_limit_answer_429_rate_limit_exceeded(client):
    answers = [client.submit() for _ in range(3)]
    assert statuses(answers) == [200, 200, 429]
    assert answers[2].json()["reason"] == "RATE_LIMIT_EXCEEDED"
    assert "2 requests per minute" in answers[2].json()["message"]


@pytest.mark.vidu_mock(rate_limit_rpm=2)
def test_the_minute_is_measured_on_the_fakes_clock(client, mock):
    assert statuses([client.submit() for _ in range(3)]) == [200, 200, 429]
    mock.advance(59)
    assert client.submit().status_code == 429
    mock.advance(1)
    assert statuses([client.submit() for _ in range(3)]) == [200, 200, 429]


@pytest.mark.vidu_mock(rate_limit_rpm=1)
def test_each_api_key_has_its_own_minute(client):
    assert client.submit(key="alice").status_code == 200
    assert client.submit(key="alice").status_code == 429
    assert client.submit(key="bob").status_code == 200


@pytest.mark.vidu_mock(rate_limit_rpm=1)
def test_polls_do_not_count_by_default(client):
    task_id = client.task_id()
    assert statuses([client.poll(task_id) for _ in range(5)]) == [200] * 5


@pytest.mark.vidu_mock(rate_limit_rpm=2, rate_limit_polls=True)
def test_polls_count_when_switched_on(client):
    task_id = client.task_id()
    assert statuses([client.poll(task_id) for _ in range(2)]) == [200, 429]


@pytest.mark.vidu_mock(max_running_jobs=1)
def test_a_key_may_run_only_so_many_jobs_at_once(client, mock):
    first = client.task_id()
    refused = client.submit()
    assert refused.status_code == 429
    assert refused.json()["reason"] == "RATE_LIMIT_EXCEEDED"
    assert "queued or processing at once" in refused.json()["message"]
    assert client.submit(key="someone-else").status_code == 200
    finish(mock)
    assert client.status(first) == "TASK_STATUS_SUCCEED"
    assert client.submit().status_code == 200


@pytest.mark.vidu_mock(max_running_jobs=1)
def test_a_stuck_job_holds_its_slot(client, mock):
    mock.stick_next("processing")
    client.task_id()
    finish(mock)
    assert client.submit().status_code == 429


def test_quotas_are_off_by_default(client):
    assert statuses([client.submit() for _ in range(30)]) == [200] * 30


@pytest.mark.vidu_mock(rate_limit_rpm=1)
def test_the_controller_can_switch_quotas_at_run_time(client, mock):
    mock.configure(rate_limit_rpm=0)
    assert statuses([client.submit() for _ in range(3)]) == [200] * 3


def test_the_window_forgets_requests_older_than_a_minute():
    window = RateWindow(MemoryStore())
    window.admit("k", 0.0, 1)
    with pytest.raises(RateLimitExceeded, match="retry in 30 s"):
        window.admit("k", 30.0, 1)
    window.admit("k", 60.0, 1)


def test_a_negative_quota_is_refused():
    with pytest.raises(ValueError, match="rate_limit_rpm: expected an integer >= 0"):
        Settings(rate_limit_rpm=-1)


def test_a_submit_answered_as_late_as_a_script_allows_keeps_its_running_place(monkeypatch):
    held_at = 1_800_000_000.0
    wall_clock = SimpleNamespace(time=lambda: held_at)
    monkeypatch.setattr(quotas, "time", wall_clock)
    limits = Quotas(JobBackend(Settings(max_running_jobs=1), VirtualClock(), MemoryStore()))
    late = limits.hold_running_place("k")
    wall_clock.time = lambda: held_at + MAX_LATENCY_S  # its answer is still being delayed
    with pytest.raises(RateLimitExceeded, match="queued or processing at once"):
        limits.hold_running_place("k")
    wall_clock.time = lambda: held_at + PENDING_PLACE_S + 1  # its submit must have died
    following = limits.hold_running_place("k")
    limits.give_place("k", late, "task-late")
    assert limits.backend.store.running("k") == {following: ""}
