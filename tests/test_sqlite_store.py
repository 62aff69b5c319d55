"""The SQLite store behaves like the in-memory one, and stays whole under concurrent writers."""

from __future__ import annotations

import dataclasses
import multiprocessing
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from mock_server import ClockKind, Progression, Settings, VirtualClock, create_app
from mock_server.domain.jobs import Job, JobBackend
from mock_server.domain.sqlite_store import SharedVirtualClock, SQLiteStore, StoreUnavailable
from mock_server.domain.store import JobStore, MemoryStore
from mock_server.double.fake import Fake
from mock_server.wire.schemas import defaulted
from tests.helpers import AUTH, RESULT, SUBMIT, VALID_BODY, check_response

START = 1_800_000_000.0
WRITERS = 4
JOBS_PER_WRITER = 50


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> JobStore:
    return MemoryStore() if request.param == "memory" else SQLiteStore(tmp_path / "jobs.db")


def submit_jobs(store: JobStore, count: int, seed: int = 7) -> list[Job]:
    backend = JobBackend(Settings(seed=seed), VirtualClock(start=START), store)
    return [backend.submit(defaulted(dict(VALID_BODY)), "key") for _ in range(count)]


def test_sequence_numbers_count_up_from_zero_once_each(store: JobStore) -> None:
    assert [store.next_sequence() for _ in range(3)] == [0, 1, 2]


def test_an_added_job_reads_back_equal(store: JobStore) -> None:
    (job,) = submit_jobs(store, 1)
    assert store.get(job.task_id) == job
    assert len(store) == 1


def test_an_unknown_task_id_is_none(store: JobStore) -> None:
    assert store.get("no-such-task") is None
    assert store.record_read("no-such-task") is None


def test_adding_a_task_id_twice_is_refused(store: JobStore) -> None:
    (job,) = submit_jobs(store, 1)
    with pytest.raises(KeyError):
        store.add(job)


def test_each_read_is_counted_and_returned(store: JobStore) -> None:
    (job,) = submit_jobs(store, 1)
    counts = [read.reads for read in (store.record_read(job.task_id) for _ in range(3)) if read]
    assert counts == [1, 2, 3]
    assert store.get(job.task_id) == dataclasses.replace(job, reads=3)


def test_replace_changes_a_stored_job_and_refuses_an_unknown_one(store: JobStore) -> None:
    first, second = submit_jobs(store, 2)
    store.replace(dataclasses.replace(first, api_key="other", reads=5))
    assert store.get(first.task_id) == dataclasses.replace(first, api_key="other", reads=5)
    store.clear()
    with pytest.raises(KeyError):
        store.replace(second)


def test_jobs_lists_every_job_in_submission_order(store: JobStore) -> None:
    submitted = submit_jobs(store, 5)
    assert [job.task_id for job in store.jobs()] == [job.task_id for job in submitted]


def test_clear_forgets_jobs_but_never_reuses_a_sequence_number(store: JobStore) -> None:
    submit_jobs(store, 2)
    store.clear()
    assert len(store) == 0
    assert list(store.jobs()) == []
    assert store.next_sequence() == 2


def test_both_stores_derive_the_same_task_ids_from_the_same_seed(tmp_path: Path) -> None:
    in_memory = submit_jobs(MemoryStore(), 3)
    in_file = submit_jobs(SQLiteStore(tmp_path / "jobs.db"), 3)
    assert in_file == in_memory


def test_jobs_outlive_the_store_object_in_the_file(tmp_path: Path) -> None:
    submitted = submit_jobs(SQLiteStore(tmp_path / "jobs.db"), 2)
    reopened = SQLiteStore(tmp_path / "jobs.db")
    assert list(reopened.jobs()) == submitted
    assert reopened.next_sequence() >= 2  # never a number handed out before


def _write_jobs(path: Path) -> None:
    submit_jobs(SQLiteStore(path), JOBS_PER_WRITER)


def run_writers(start: Callable[[Callable[[], None]], Callable[[], None]], path: Path) -> None:
    joins = [start(lambda: _write_jobs(path)) for _ in range(WRITERS)]
    for join in joins:
        join()


def in_thread(target: Callable[[], None]) -> Callable[[], None]:
    thread = threading.Thread(target=target)
    thread.start()
    return thread.join


def in_process(target: Callable[[], None]) -> Callable[[], None]:
    process = multiprocessing.get_context("fork").Process(target=target)
    process.start()

    def join() -> None:
        process.join(timeout=60)
        assert process.exitcode == 0

    return join


@pytest.mark.parametrize("start", [in_thread, in_process], ids=["threads", "processes"])
def test_concurrent_writers_lose_no_job_and_repeat_no_task_id(
    start: Callable[[Callable[[], None]], Callable[[], None]], tmp_path: Path
) -> None:
    path = tmp_path / "jobs.db"
    SQLiteStore(path)
    run_writers(start, path)
    jobs = list(SQLiteStore(path).jobs())
    assert len(jobs) == WRITERS * JOBS_PER_WRITER
    assert len({job.task_id for job in jobs}) == len(jobs)
    assert SQLiteStore(path).next_sequence() >= len(jobs)


def test_a_shared_virtual_clock_advanced_in_one_place_moves_everywhere(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "jobs.db")
    here, there = SharedVirtualClock(store, start=START), SharedVirtualClock(store, start=0.0)
    assert there.now() == START
    assert here.advance(30) == START + 30
    assert there.now() == START + 30


def test_a_shared_virtual_clock_refuses_to_go_backwards(tmp_path: Path) -> None:
    clock = SharedVirtualClock(SQLiteStore(tmp_path / "jobs.db"), start=START)
    with pytest.raises(ValueError, match="only moves forward"):
        clock.advance(-1)
    assert clock.now() == START


def test_a_store_path_gives_the_app_the_sqlite_store_and_a_shared_virtual_clock(
    tmp_path: Path,
) -> None:
    state = Fake(Settings(store_path=str(tmp_path / "jobs.db"), clock=ClockKind.VIRTUAL))
    assert isinstance(state.store, SQLiteStore)
    assert isinstance(state.clock, SharedVirtualClock)


def test_two_apps_on_one_store_file_share_jobs_and_their_read_counts(tmp_path: Path) -> None:
    settings = Settings(
        seed=7, progression=Progression.parse("polls:1"), store_path=str(tmp_path / "jobs.db")
    )
    first, second = create_app(settings).test_client(), create_app(settings).test_client()
    submitted = first.post(SUBMIT, json=VALID_BODY, headers=AUTH)
    check_response(SUBMIT, submitted)
    task_id = submitted.get_json()["task_id"]
    statuses = []
    for client in (second, first, second):
        polled = client.get(RESULT, query_string={"task_id": task_id}, headers=AUTH)
        check_response(RESULT, polled)
        statuses.append(polled.get_json()["task"]["status"])
    assert statuses == ["TASK_STATUS_QUEUED", "TASK_STATUS_PROCESSING", "TASK_STATUS_SUCCEED"]


def test_a_store_file_that_cannot_be_created_is_refused_clearly(tmp_path: Path) -> None:
    with pytest.raises(StoreUnavailable, match=r"cannot use .* as the job store"):
        SQLiteStore(tmp_path / "no-such-folder" / "jobs.db")
