"""The three stores (memory, an SQLite file, a real Redis server) keep every piece of a fake's
state the same way, and stay whole under concurrent writers from threads and processes."""

from __future__ import annotations

import dataclasses
import multiprocessing
import sqlite3
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from mock_server import ClockKind, Progression, Settings, create_app
from mock_server.domain.clock import StoreClock, VirtualClock
from mock_server.domain.jobs import Job, JobBackend
from mock_server.domain.store import Glance, StateStore, StoreUnavailable
from mock_server.double.fake import Fake
from mock_server.settings import StoreLocation, settings_shown
from mock_server.stores import open_store
from mock_server.stores.memory_store import MemoryStore
from mock_server.stores.redis_store import RedisStore
from mock_server.stores.sqlite_store import SQLiteStore
from mock_server.wire.schemas import defaulted
from tests.helpers import AUTH, RESULT, SUBMIT, VALID_BODY, check_response

START = 1_800_000_000.0
WRITERS = 4
JOBS_PER_WRITER = 50
KINDS = ["memory", "sqlite", "redis"]
SHARED = ["sqlite", "redis"]


def location(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> StoreLocation:
    if kind == "sqlite":
        return StoreLocation.parse(f"sqlite:///{tmp_path / 'state.db'}")
    if kind == "redis":
        return StoreLocation.parse(request.getfixturevalue("redis_url"))
    return StoreLocation.parse("memory")


@pytest.fixture(params=KINDS)
def where(request: pytest.FixtureRequest, tmp_path: Path) -> StoreLocation:
    """Where a store lives: each test runs once per kind of store."""
    return location(request.param, tmp_path, request)


@pytest.fixture
def store(where: StoreLocation) -> Iterator[StateStore]:
    opened = open_store(where)
    yield opened
    opened.close()


@pytest.fixture(params=SHARED)
def shared(request: pytest.FixtureRequest, tmp_path: Path) -> StoreLocation:
    """A store several processes can share."""
    return location(request.param, tmp_path, request)


def submit_jobs(store: StateStore, count: int, seed: int = 7) -> list[Job]:
    backend = JobBackend(Settings(seed=seed), VirtualClock(start=START), store)
    return [backend.submit(defaulted(dict(VALID_BODY)), "key") for _ in range(count)]


# Jobs ----------------------------------------------------------------------------------------


def test_sequence_numbers_count_up_from_zero_once_each(store: StateStore) -> None:
    assert [store.next_sequence() for _ in range(3)] == [0, 1, 2]


def test_an_added_job_reads_back_equal(store: StateStore) -> None:
    (job,) = submit_jobs(store, 1)
    assert store.get(job.task_id) == job
    assert len(store) == 1


def test_an_unknown_task_id_is_none(store: StateStore) -> None:
    assert store.get("no-such-task") is None
    assert store.record_read("no-such-task") is None


def test_adding_a_task_id_twice_is_refused(store: StateStore) -> None:
    (job,) = submit_jobs(store, 1)
    with pytest.raises(KeyError):
        store.add(job)


def test_each_read_is_counted_and_returned(store: StateStore) -> None:
    (job,) = submit_jobs(store, 1)
    counts = [read.reads for read in (store.record_read(job.task_id) for _ in range(3)) if read]
    assert counts == [1, 2, 3]
    assert store.get(job.task_id) == dataclasses.replace(job, reads=3)


def test_replace_changes_a_stored_job_and_refuses_an_unknown_one(store: StateStore) -> None:
    first, second = submit_jobs(store, 2)
    store.replace(dataclasses.replace(first, api_key="other"))
    assert store.get(first.task_id) == dataclasses.replace(first, api_key="other")
    store.clear()
    with pytest.raises(KeyError):
        store.replace(second)


def test_replace_keeps_the_reads_counted_since_the_copy_was_taken(store: StateStore) -> None:
    (job,) = submit_jobs(store, 1)
    held = store.get(job.task_id)
    assert held is not None
    store.record_read(job.task_id)
    store.record_read(job.task_id)
    store.replace(dataclasses.replace(held, api_key="other"))
    assert store.get(job.task_id) == dataclasses.replace(job, api_key="other", reads=2)


def test_jobs_lists_every_job_in_submission_order(store: StateStore) -> None:
    submitted = submit_jobs(store, 5)
    assert [job.task_id for job in store.jobs()] == [job.task_id for job in submitted]


def test_newest_pages_through_the_jobs_newest_first(store: StateStore) -> None:
    submitted = [job.task_id for job in submit_jobs(store, 5)]
    first = store.newest(2)
    rest = store.newest(2, before=first[-1][0])
    last = store.newest(2, before=rest[-1][0])
    listed = [job.task_id for page in (first, rest, last) for _, job in page]
    assert listed == submitted[::-1]
    assert store.newest(2, before=last[-1][0]) == []


def test_newest_pages_skip_the_jobs_a_sweep_dropped(store: StateStore) -> None:
    submitted = submit_jobs(store, 5)
    store.replace(dataclasses.replace(submitted[2], submitted_at=START - 100))
    store.drop_before(START - 50)
    first = store.newest(2)
    rest = store.newest(2, before=first[-1][0])
    listed = [job.task_id for page in (first, rest) for _, job in page]
    assert listed == [job.task_id for job in submitted[::-1] if job is not submitted[2]]
    assert store.newest(2, before=rest[-1][0]) == []


class CountingJobs(dict[str, Any]):
    """The memory store's jobs, counting how many of them a reader touches."""

    touched = 0

    def __getitem__(self, task_id: str) -> Any:
        self.touched += 1
        return super().__getitem__(task_id)

    def get(self, task_id: str, default: Any = None) -> Any:
        self.touched += 1
        return super().get(task_id, default)

    def values(self) -> Any:
        self.touched += len(self)
        return super().values()

    def items(self) -> Any:
        self.touched += len(self)
        return super().items()


def test_a_page_of_the_newest_jobs_in_memory_reads_only_its_own_jobs() -> None:
    store = MemoryStore()
    (job,) = submit_jobs(store, 1)
    for n in range(1, 50_000):
        store.add(dataclasses.replace(job, task_id=f"task-{n}"))
    jobs = store._jobs = CountingJobs(store._jobs)
    first = store.newest(20)
    deep = store.newest(20, before=25_000)
    assert [position for position, _ in deep] == list(range(24_999, 24_979, -1))
    assert len(first) == 20
    assert jobs.touched <= 40


def test_clear_forgets_jobs_but_never_reuses_a_sequence_number(store: StateStore) -> None:
    submit_jobs(store, 2)
    store.clear()
    assert len(store) == 0
    assert list(store.jobs()) == []
    assert store.next_sequence() >= 2


def test_every_store_derives_the_same_task_ids_from_the_same_seed(store: StateStore) -> None:
    assert submit_jobs(store, 3) == submit_jobs(MemoryStore(), 3)


def test_jobs_older_than_a_cutoff_are_dropped_with_what_concerns_them(store: StateStore) -> None:
    old, new = submit_jobs(store, 2)
    store.replace(dataclasses.replace(old, submitted_at=START - 100))
    store.attach_task_faults(old.task_id, 1, 0.0)
    store.append_entry({"about": "old"}, START - 100, old.task_id, keep=10)
    store.append_entry({"about": "old job, lately"}, START, old.task_id, keep=10)
    store.append_entry({"about": "new"}, START, new.task_id, keep=10)
    assert store.drop_before(START - 50) == 1
    assert store.get(old.task_id) is None
    assert store.get(new.task_id) == new
    assert not store.has_task_faults(old.task_id)
    assert [entry for _, entry in store.entries()] == [{"about": "new"}]


def test_clear_forgets_everything_that_concerns_jobs_and_requests(store: StateStore) -> None:
    (job,) = submit_jobs(store, 1)
    store.reserve_running("k", "a", 1)
    store.confirm_running("k", "a", job.task_id)
    store.admit("k", START, 60.0, 1)
    store.push_scripts({"n": 1}, 2)
    store.attach_task_faults(job.task_id, 1, 0.5)
    store.append_entry({"n": 1}, START, job.task_id, keep=10)
    store.update_settings({"speed": "2"})
    store.clear()
    assert (store.get(job.task_id), store.running("k"), store.queued_scripts()) == (None, {}, [])
    assert store.admit("k", START, 60.0, 1) is None
    assert (store.task_faults(), store.entries(), store.read_settings()[1]) == ({}, [], {})
    assert store.count_poll(job.task_id) == (1, False, 0.0)


def test_a_sweep_releases_the_running_places_of_the_jobs_it_drops(store: StateStore) -> None:
    old, new = submit_jobs(store, 2)
    store.replace(dataclasses.replace(old, submitted_at=START - 100))
    for token, job in (("a", old), ("b", new)):
        store.reserve_running("k", token, 2)
        store.confirm_running("k", token, job.task_id)
    store.drop_before(START - 50)
    assert store.running("k") == {"b": new.task_id}


@pytest.mark.parametrize("task_id", ['say "hi"', "back\\slash\\", "comma, [bracket]", "ünï"])
def test_a_sweep_reads_any_task_id_and_any_entry_back_from_the_journal(
    store: StateStore, task_id: str
) -> None:
    nested: object = "deep"
    for _ in range(900):  # deeper than orjson accepts, as deep as a request body may be
        nested = [nested]
    store.append_entry({"body": nested}, START - 100, task_id, keep=10)
    store.append_entry({"body": nested, "n": 2}, START, task_id, keep=10)
    store.append_entry({"n": 3}, START, "other", keep=10)
    store.drop_before(START - 50)
    assert [entry.get("n") for _, entry in store.entries()] == [2, 3]
    assert [entry.get("n") for _, entry in store.entries(after=2, limit=1)] == [3]


def sweep_a_gap_into_the_journal(store: StateStore, third: dict[str, object]) -> None:
    """Journal four entries, then sweep the second away: the journal keeps 1, 3 and 4."""
    store.append_entry({"n": 1}, START, "t", keep=10)
    store.append_entry({"n": 2}, START - 100, "t", keep=10)
    store.append_entry(third, START, "t", keep=10)
    store.append_entry({"n": 4}, START, "t", keep=10)
    store.drop_before(START - 50)


def test_entries_are_read_by_number_across_a_gap_a_sweep_left(store: StateStore) -> None:
    sweep_a_gap_into_the_journal(store, {"n": 3})
    assert store.entries(after=3) == [(4, {"n": 4})]
    assert store.entries(after=2) == [(3, {"n": 3}), (4, {"n": 4})]
    assert store.entries(after=1, limit=1) == [(3, {"n": 3})]
    assert store.entries(after=4) == []
    assert store.last_entry_index() == 4


def test_an_entry_read_across_a_gap_keeps_an_integer_beyond_64_bits_exact(
    store: StateStore,
) -> None:
    sweep_a_gap_into_the_journal(store, {"seed": 2**70 + 1})
    assert store.entries(after=1) == [(3, {"seed": 2**70 + 1}), (4, {"n": 4})]


def test_reading_no_entries_reads_none(store: StateStore) -> None:
    store.append_entry({}, START, "t", keep=10)
    assert store.entries(limit=0) == []


# Shared values and counters --------------------------------------------------------------------


def test_the_first_claim_wins(store: StateStore) -> None:
    assert store.claim("seed", "7") == "7"
    assert store.claim("seed", "8") == "7"


def test_counters_add_up_and_survive_a_clear(store: StateStore) -> None:
    assert store.counter("n") == 0
    assert store.add_to_counter("n", 2.5) == 2.5
    store.clear()
    assert store.add_to_counter("n", 1) == 3.5
    store.reset_counter("n")
    assert store.counter("n") == 0


def test_a_virtual_clock_in_the_store_is_the_same_for_every_reader(store: StateStore) -> None:
    here, there = StoreClock(store, start=START), StoreClock(store, start=0.0)
    assert there.now() == START
    assert here.advance(30) == START + 30
    assert there.now() == START + 30


def test_a_virtual_clock_refuses_to_go_backwards(store: StateStore) -> None:
    clock = StoreClock(store, start=START)
    with pytest.raises(ValueError, match="only moves forward"):
        clock.advance(-1)
    assert clock.now() == START


# Scripts and polls ----------------------------------------------------------------------------


def test_queued_scripts_are_taken_once_each_in_order(store: StateStore) -> None:
    store.push_scripts({"fail": "a"}, 2)
    store.push_scripts({"stuck": "queued"}, 1)
    assert store.queued_scripts() == [{"fail": "a"}, {"fail": "a"}, {"stuck": "queued"}]
    taken = [store.pop_script() for _ in range(4)]
    assert taken == [{"fail": "a"}, {"fail": "a"}, {"stuck": "queued"}, None]


def test_a_failing_poll_counts_from_when_it_was_scripted(store: StateStore) -> None:
    store.count_poll("t")
    store.attach_task_faults("t", 2, 1.5)
    assert store.has_task_faults("t")
    assert [store.count_poll("t") for _ in range(3)] == [
        (2, False, 1.5),
        (3, True, 1.5),
        (4, False, 1.5),
    ]
    assert store.task_faults() == {"t": ((3,), 1.5)}
    assert not store.has_task_faults("other")
    assert store.count_poll("other") == (1, False, 0.0)


# The journal ------------------------------------------------------------------------------------


def test_the_journal_numbers_entries_and_keeps_the_newest(store: StateStore) -> None:
    indexes = [store.append_entry({"n": n}, START + n, f"t{n}", keep=3) for n in range(5)]
    assert indexes == [1, 2, 3, 4, 5]
    assert store.entries() == [(3, {"n": 2}), (4, {"n": 3}), (5, {"n": 4})]
    assert store.entries(after=3) == [(4, {"n": 3}), (5, {"n": 4})]
    assert store.entries(after=0, limit=1) == [(3, {"n": 2})]
    store.clear_journal()
    assert store.entries() == []
    assert store.append_entry({"n": 9}, START, "t", keep=3) == 1


def test_a_journal_of_size_zero_keeps_nothing_but_still_counts(store: StateStore) -> None:
    counted = [store.append_entry({}, START, "t", keep=0) for _ in range(150)]
    assert counted == list(range(1, 151))
    assert store.entries() == []


def test_a_journal_bound_lowered_by_one_process_ends_at_the_next_entry_from_another(
    tmp_path: Path,
) -> None:
    here, there = SQLiteStore(tmp_path / "state.db"), SQLiteStore(tmp_path / "state.db")
    here.append_entry({"n": 1}, START, "t", keep=100)
    there.append_entry({"n": 2}, START, "t", keep=2)
    for n in range(3, 71):  # past a multiple of 64, where the journal is trimmed
        here.append_entry({"n": n}, START, "t", keep=100)
    assert [entry["n"] for _, entry in here.entries()] == list(range(1, 71))
    assert [entry["n"] for _, entry in there.entries()] == list(range(1, 71))


# Settings, windows and running places ------------------------------------------------------------


def test_settings_overrides_carry_a_version_that_changes_with_them(store: StateStore) -> None:
    before = store.glance().settings_version
    version = store.update_settings({"progression": "instant", "speed": "2"})
    assert version != before
    assert store.read_settings() == (version, {"progression": "instant", "speed": "2"})
    version = store.update_settings({"speed": None, "seed": "3"})
    assert store.read_settings() == (version, {"progression": "instant", "seed": "3"})
    store.clear()
    assert store.read_settings()[1] == {}
    assert store.glance().settings_version != version


def test_a_window_admits_up_to_its_limit_then_says_when_to_retry(store: StateStore) -> None:
    assert store.admit("k", 0.0, 60.0, 2) is None
    assert store.admit("k", 10.0, 60.0, 2) is None
    assert store.admit("k", 30.0, 60.0, 2) == 30.0
    assert store.admit("other", 30.0, 60.0, 2) is None
    assert store.admit("k", 60.0, 60.0, 2) is None


def test_running_places_are_held_confirmed_and_released(store: StateStore) -> None:
    assert store.reserve_running("k", "a", 2)
    assert store.reserve_running("k", "b", 2)
    assert not store.reserve_running("k", "c", 2)
    store.confirm_running("k", "a", "task-a")
    assert store.running("k") == {"a": "task-a", "b": ""}
    store.release_running("k", ["b"])
    assert store.reserve_running("k", "c", 2)


def test_a_place_freed_before_its_submit_gave_it_to_a_job_stays_free(store: StateStore) -> None:
    assert store.reserve_running("k", "late", 1)
    store.release_running("k", ["late"])
    assert store.reserve_running("k", "next", 1)
    store.confirm_running("k", "late", "task-late")
    assert store.running("k") == {"next": ""}


# Concurrency ------------------------------------------------------------------------------------


def _write_jobs(where: StoreLocation) -> None:
    submit_jobs(open_store(where), JOBS_PER_WRITER)


def _pop_scripts(where: StoreLocation, taken: list[object]) -> None:
    store = open_store(where)
    while (script := store.pop_script()) is not None:
        taken.append(script["n"])


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
    start: Callable[[Callable[[], None]], Callable[[], None]], shared: StoreLocation
) -> None:
    open_store(shared)
    joins = [start(lambda: _write_jobs(shared)) for _ in range(WRITERS)]
    for join in joins:
        join()
    jobs = list(open_store(shared).jobs())
    assert len(jobs) == WRITERS * JOBS_PER_WRITER
    assert len({job.task_id for job in jobs}) == len(jobs)
    assert open_store(shared).next_sequence() >= len(jobs)


def test_concurrent_takers_take_each_queued_script_once(shared: StoreLocation) -> None:
    store = open_store(shared)
    for number in range(60):
        store.push_scripts({"n": number}, 1)
    taken: list[object] = []
    joins = [in_thread(lambda: _pop_scripts(shared, taken)) for _ in range(WRITERS)]
    for join in joins:
        join()
    assert sorted(taken) == list(range(60))  # type: ignore[type-var]


# Choosing a store -------------------------------------------------------------------------------


def test_a_store_path_gives_the_app_the_sqlite_store_and_a_shared_virtual_clock(
    tmp_path: Path,
) -> None:
    state = Fake(Settings(store_path=str(tmp_path / "jobs.db"), clock=ClockKind.VIRTUAL))
    assert isinstance(state.store, SQLiteStore)
    assert isinstance(state.clock, StoreClock)


def test_a_seed_other_than_the_one_the_store_was_first_used_with_is_warned_about(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    where = StoreLocation.parse(f"sqlite:///{tmp_path / 'jobs.db'}")
    Fake(Settings(seed=7, store=where))
    Fake(Settings(seed=7, store=where))
    assert caplog.messages == []
    Fake(Settings(seed=8, store=where))
    (message,) = caplog.messages
    assert "derives task ids from seed 7" in message
    assert "uses seed 8" in message


def test_a_redis_url_gives_the_app_the_redis_store(redis_url: str) -> None:
    state = Fake(Settings(store=StoreLocation.parse(redis_url)))
    assert isinstance(state.store, RedisStore)


def test_jobs_outlive_the_store_object(shared: StoreLocation) -> None:
    submitted = submit_jobs(open_store(shared), 2)
    reopened = open_store(shared)
    assert list(reopened.jobs()) == submitted
    assert reopened.next_sequence() >= 2  # never a number handed out before


def test_two_apps_on_one_store_share_jobs_and_their_read_counts(shared: StoreLocation) -> None:
    settings = Settings(seed=7, progression=Progression.parse("polls:1"), store=shared)
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
    with pytest.raises(StoreUnavailable, match=r"cannot use .* as the store"):
        SQLiteStore(tmp_path / "no-such-folder" / "jobs.db")


def test_a_redis_server_that_does_not_answer_is_refused_clearly() -> None:
    with pytest.raises(StoreUnavailable, match=r"cannot use redis://127.0.0.1:1/0 as the store"):
        RedisStore("redis://127.0.0.1:1/0")


def test_a_store_file_in_another_layout_is_refused_naming_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as old:
        old.execute("CREATE TABLE journal (idx INTEGER PRIMARY KEY, data TEXT)")
    with pytest.raises(StoreUnavailable, match=r"holds state in another layout .* delete it"):
        SQLiteStore(path)


def test_a_store_file_is_opened_again_by_any_number_of_stores(tmp_path: Path) -> None:
    first = SQLiteStore(tmp_path / "state.db")
    submit_jobs(first, 1)
    assert len(SQLiteStore(tmp_path / "state.db")) == 1


def test_a_redis_database_in_another_layout_is_refused_naming_what_to_do(redis_url: str) -> None:
    old = redis.Redis.from_url(redis_url)
    old.rpush("vidu-mock:journal", "[1]")
    with pytest.raises(StoreUnavailable, match=r"holds state in another layout .* flush"):
        RedisStore(redis_url)
    old.delete("vidu-mock:journal")
    assert len(RedisStore(redis_url)) == 0
    assert len(RedisStore(redis_url)) == 0


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("redis://:hunter2@127.0.0.1:1/0", "redis://:***@127.0.0.1:1/0"),
        ("redis://me:hunter2@127.0.0.1:1/0", "redis://me:***@127.0.0.1:1/0"),
        ("redis://127.0.0.1:1/0?password=hunter2", "redis://127.0.0.1:1/0?password=***"),
        ("redis://127.0.0.1:1/0", "redis://127.0.0.1:1/0"),
    ],
)
def test_a_password_in_a_redis_url_is_hidden_wherever_the_url_is_shown(
    url: str, shown: str
) -> None:
    assert StoreLocation.parse(url).shown == shown
    assert settings_shown(Settings(store=url))["store"] == shown
    with pytest.raises(StoreUnavailable) as refused:
        RedisStore(url)
    assert "hunter2" not in str(refused.value)
    assert shown in str(refused.value)
    with pytest.raises(ValueError, match="cannot read") as unreadable:
        StoreLocation.parse(url.replace(":1/0", ":port/0"))
    assert "hunter2" not in str(unreadable.value)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("postgres://x", "unknown store"),
        ("sqlite:///", "unknown store"),
        ("redis://", "cannot read the Redis URL"),
        ("redis://host:port/0", "cannot read the Redis URL"),
        ("redis://host:6379/db", "cannot read the Redis URL"),
    ],
)
def test_a_store_url_that_cannot_be_read_is_refused_naming_the_forms(
    text: str, problem: str
) -> None:
    with pytest.raises(ValueError, match=problem):
        Settings.from_strings({"store": text})


def test_memory_cannot_be_shared_by_worker_processes() -> None:
    with pytest.raises(ValueError, match="store memory keeps the state in one process"):
        Settings.from_strings({"store": "memory", "workers": "2"})


def test_without_redis_server_the_redis_tests_fail_under_ci_and_skip_elsewhere(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tests import redis_server

    monkeypatch.setattr(redis_server.shutil, "which", lambda _name: None)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="apt-get install -y redis-server"):
        redis_server.redis_server_binary()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="redis-server is not installed"):
        redis_server.redis_server_binary()


def test_a_glance_tells_the_settings_version_and_whether_scripts_or_faults_exist(
    store: StateStore,
) -> None:
    assert store.glance() == Glance(store.read_settings()[0], False, False)
    store.push_scripts({"fail": "x"}, 1)
    store.attach_task_faults("t", 1, 0.0)
    assert (store.glance().scripts_queued, store.glance().task_faults) == (True, True)
    store.pop_script()
    assert not store.glance().scripts_queued
    version = store.update_settings({"speed": "2"})
    assert store.glance().settings_version == version


def test_a_journal_number_is_never_handed_out_twice_after_a_retention_sweep(
    store: StateStore,
) -> None:
    assert [store.append_entry({}, START - 100, "old", keep=10) for _ in range(2)] == [1, 2]
    store.drop_before(START)
    assert store.append_entry({}, START, "new", keep=10) == 3
