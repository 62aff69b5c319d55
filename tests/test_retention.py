"""With a retention age, a long-lived fake forgets old jobs and their journal entries; polling
one answers 404 TASK_NOT_FOUND, as upstream does for tasks it lost. By default nothing goes."""

from __future__ import annotations

from pathlib import Path

import pytest

from mock_server import ClockKind, Settings
from mock_server.settings import StoreLocation
from mock_server.web.state import fake_of
from tests.helpers import Api, make_api

HOUR = 3600.0


@pytest.fixture(params=["memory", "sqlite", "redis"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> StoreLocation:
    if request.param == "sqlite":
        return StoreLocation.parse(f"sqlite:///{tmp_path / 'state.db'}")
    if request.param == "redis":
        return StoreLocation.parse(request.getfixturevalue("redis_url"))
    return StoreLocation.parse("memory")


def fake_keeping(store: StoreLocation, retention: float) -> Api:
    return make_api(Settings(seed=7, clock=ClockKind.VIRTUAL, store=store, retention=retention))


def test_a_job_older_than_the_retention_age_is_404_task_not_found(store: StoreLocation) -> None:
    api = fake_keeping(store, HOUR)
    old = api.task()
    api.clock.advance(HOUR / 2)
    recent = api.task()
    api.clock.advance(HOUR / 2 + 1)
    gone = api.result(old)
    assert (gone.status_code, gone.get_json()["reason"]) == (404, "TASK_NOT_FOUND")
    assert api.result(recent).status_code == 200


def test_dropped_jobs_leave_the_store_and_the_journal(store: StoreLocation) -> None:
    api = fake_keeping(store, HOUR)
    old = api.task()
    api.result(old)
    api.clock.advance(HOUR + 1)
    recent = api.task()
    journal = api.request("GET", "/_mock/journal").get_json()["entries"]
    assert {entry["task_id"] for entry in journal} == {recent}
    assert [job.task_id for job in fake_of(api.app).store.jobs()] == [recent]


def test_by_default_every_job_is_kept(store: StoreLocation) -> None:
    api = fake_keeping(store, 0)
    task_id = api.task()
    api.clock.advance(365 * 24 * HOUR)
    assert api.result(task_id).status_code == 200


def test_a_negative_retention_is_refused() -> None:
    with pytest.raises(ValueError, match="retention: expected a number >= 0"):
        Settings(retention=-1)
