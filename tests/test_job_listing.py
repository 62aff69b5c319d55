"""`GET /_mock/jobs`, `GET /_mock/jobs/<id>` and the paged journal: what the dashboard reads."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import requests

from mock_server import Settings, create_app
from mock_server.double.journal import JournalEntry
from mock_server.double.scripts import Script
from mock_server.stores.sqlite_store import SQLiteStore
from mock_server.testing.controller import ControlError
from mock_server.web.state import fake_of
from mock_server.wire.schemas import defaulted
from tests.helpers import VALID_BODY, make_api
from tests.plugin_support import FAILED, PROCESSING, QUEUED, SUCCEED, finish

TOKEN = "listing-token"


def test_jobs_are_listed_newest_first_with_where_each_stands_and_what_was_asked(client, mock):
    first = client.task_id({**VALID_BODY, "prompt": "first", "duration": 3})
    mock.advance(15)
    second = client.task_id({**VALID_BODY, "prompt": "second", "resolution": "1080p"})
    page = mock.jobs()
    assert [job["task_id"] for job in page["jobs"]] == [second, first]
    assert (page["total"], page["next_cursor"], page["now"]) == (2, None, mock.now())
    newest, oldest = page["jobs"]
    assert (newest["status"], newest["prompt"], newest["resolution"], newest["duration"]) == (
        QUEUED,
        "second",
        "1080p",
        5,
    )
    assert (oldest["status"], oldest["prompt"], oldest["duration"]) == (PROCESSING, "first", 3)
    assert 0 < oldest["progress_percent"] < 100
    assert oldest["eta"] == client.task(first)["eta"]
    assert oldest["outcome"] is None


def test_a_status_filter_lists_only_the_jobs_in_that_status(client, mock):
    done = client.task_id()
    finish(mock)
    mock.fail_next("content policy violation", stage="queued")
    failed = client.task_id()
    waiting = client.task_id()
    assert [job["task_id"] for job in mock.jobs("succeed")["jobs"]] == [done]
    assert [job["task_id"] for job in mock.jobs("queued")["jobs"]] == [waiting, failed]
    finish(mock)
    [job] = mock.jobs("TASK_STATUS_FAILED")["jobs"]
    assert (job["task_id"], job["status"], job["reason"]) == (
        failed,
        FAILED,
        "content policy violation",
    )
    assert mock.jobs("failed")["total"] == 3  # every job in the store, whatever the filter


def test_following_next_cursor_visits_every_job_once_while_new_jobs_arrive():
    api = make_api()
    submitted = [api.task() for _ in range(7)]
    seen: list[str] = []
    cursor = ""
    while True:
        page = api.client.get(f"/_mock/jobs?limit=3&cursor={cursor}").get_json()
        seen += [job["task_id"] for job in page["jobs"]]
        api.task()  # a newcomer lands on the first page, never on a later one
        if page["next_cursor"] is None:
            break
        cursor = page["next_cursor"]
    assert seen == submitted[::-1]


def test_paging_a_status_filter_skips_the_other_jobs_and_repeats_none():
    api = make_api(Settings.from_strings({"seed": "7", "progression": "polls:1"}))
    ids = [api.task() for _ in range(9)]
    for task_id in ids[::2]:
        api.result(task_id)  # the first poll shows QUEUED,
        api.result(task_id)  # the second PROCESSING; the other jobs stay queued
    pages, cursor = [], ""
    while cursor is not None:
        page = api.client.get(f"/_mock/jobs?status=processing&limit=2&cursor={cursor}").get_json()
        pages.append([job["task_id"] for job in page["jobs"]])
        cursor = page["next_cursor"]
    assert pages == [[ids[8], ids[6]], [ids[4], ids[2]], [ids[0]]]


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("limit=0", "limit"),
        ("limit=501", "limit"),
        ("limit=ten", "limit"),
        ("status=done", "status"),
        ("cursor=abc", "cursor"),
        ("cursor=-1", "cursor"),
        pytest.param("limit=" + "9" * 5000, "limit", id="limit=<5000 digits>"),
        pytest.param("cursor=" + "9" * 5000, "cursor", id="cursor=<5000 digits>"),
        pytest.param("cursor=" + "9" * 30, "cursor", id="cursor=<beyond any store>"),
    ],
)
def test_a_bad_job_list_query_is_400_naming_the_parameter(query, named):
    api = make_api()
    api.task()
    response = api.client.get(f"/_mock/jobs?{query}")
    assert response.status_code == 400
    body = response.get_json()
    assert body["reason"] == "INVALID_CONTROL_REQUEST"
    assert named in body["message"]


def test_a_job_shows_its_request_its_poll_answer_its_timeline_and_its_video(client, mock):
    body = {**VALID_BODY, "resolution": "1080p", "duration": 3, "audio": True}
    task_id = client.task_id(body)
    finish(mock)
    job = mock.job(task_id)
    polled = client.poll(task_id).json()
    assert job["request"] == defaulted(body)
    assert job["task_result"] == polled
    assert [stage["status"] for stage in job["timeline"]] == [QUEUED, PROCESSING, SUCCEED]
    assert all(stage["reached"] for stage in job["timeline"])
    submitted_at = job["timeline"][0]["at"]
    assert [stage["at"] - stage["after"] for stage in job["timeline"]] == [submitted_at] * 3
    assert job["video"] == {
        "url": polled["videos"][0]["video_url"],
        "width": 1920,
        "height": 1080,
        "duration": 3,
        "audio": True,
    }


def test_an_unfinished_job_has_no_video_and_shows_the_stages_ahead(client, mock):
    task_id = client.task_id()
    job = mock.job(task_id)
    assert (job["status"], job["video"]) == (QUEUED, None)
    assert [(stage["status"], stage["reached"]) for stage in job["timeline"]] == [
        (QUEUED, True),
        (PROCESSING, False),
        (SUCCEED, False),
    ]


@pytest.mark.vidu_mock(progression="polls:1")
def test_reading_a_job_is_not_a_poll(client, mock):
    task_id = client.task_id()
    for _ in range(3):
        assert mock.job(task_id)["status"] == QUEUED
    assert (mock.job(task_id)["reads"], mock.polls()) == (0, [])


def test_a_scripted_job_shows_its_outcome_in_the_words_of_the_scripts_endpoint(client, mock):
    mock.fail_next("nsfw", stage="queued")
    failing = client.task_id()
    mock.stick_next("processing")
    stuck = client.task_id()
    mock.fail_poll(stuck, 2)
    assert mock.job(failing)["outcome"] == {"fail": "nsfw", "stage": "queued"}
    assert mock.job(stuck)["outcome"] == {"stuck": "processing"}
    assert mock.job(stuck)["poll_scripts"] == {"fail_polls": [2], "latency": 0.0}
    listed = {job["task_id"]: job["outcome"] for job in mock.jobs()["jobs"]}
    assert listed == {failing: {"fail": "nsfw", "stage": "queued"}, stuck: {"stuck": "processing"}}
    assert [stage["status"] for stage in mock.job(failing)["timeline"]] == [QUEUED, FAILED]
    assert [stage["status"] for stage in mock.job(stuck)["timeline"]] == [QUEUED, PROCESSING]


def test_an_unknown_job_is_404_invalid_control_request(mock):
    with pytest.raises(ControlError, match=r"404.*INVALID_CONTROL_REQUEST.*no task 'nope'"):
        mock.job("nope")


def test_a_long_prompt_is_shortened_in_the_list_and_whole_in_the_job(client, mock):
    prompt = "a cat surfing " * 40
    task_id = client.task_id({**VALID_BODY, "prompt": prompt})
    [listed] = mock.jobs()["jobs"]
    assert len(listed["prompt"]) == 120
    assert listed["prompt"] == prompt[:119] + "…"
    assert mock.job(task_id)["request"]["prompt"] == prompt


@pytest.mark.vidu_mock(control_token=TOKEN)
def test_the_job_endpoints_need_the_control_token_when_one_is_set(client, mock):
    task_id = client.task_id()
    for path in ("/_mock/jobs", f"/_mock/jobs/{task_id}", "/_mock/journal?after=0"):
        refused = requests.get(mock.url(path), timeout=10)
        assert (refused.status_code, refused.json()["reason"]) == (403, "CONTROL_FORBIDDEN")
    assert mock.jobs()["total"] == 1  # the controller sends the token


@pytest.mark.vidu_mock(host="0.0.0.0")
def test_off_loopback_without_a_token_the_job_endpoints_are_off(vidu_mock_inprocess):
    with pytest.raises(ControlError, match=r"403.*listens on 0\.0\.0\.0"):
        vidu_mock_inprocess.jobs()


def test_the_journal_answers_the_entries_after_an_index_and_the_latest_index(client, mock):
    for _ in range(4):
        client.submit()
    after = requests.get(mock.url("/_mock/journal?after=2"), timeout=10).json()
    assert [entry["index"] for entry in after["entries"]] == [3, 4]
    assert after["latest"] == 4
    latest = requests.get(mock.url("/_mock/journal?limit=3"), timeout=10).json()
    assert [entry["index"] for entry in latest["entries"]] == [2, 3, 4]
    none_newer = requests.get(mock.url("/_mock/journal?after=4&limit=3"), timeout=10).json()
    assert none_newer == {"entries": [], "latest": 4}
    mock.clear_requests()
    cleared = requests.get(mock.url("/_mock/journal?after=4"), timeout=10).json()
    assert cleared == {"entries": [], "latest": 0}  # a client sees latest < after: start over


@pytest.mark.parametrize(
    "query",
    [
        "after=-1",
        "after=x",
        "limit=10001",
        "limit=1.5",
        pytest.param("after=" + "9" * 5000, id="after=<5000 digits>"),
        pytest.param("limit=" + "9" * 5000, id="limit=<5000 digits>"),
    ],
)
def test_a_bad_journal_query_is_400(query):
    response = make_api().client.get(f"/_mock/journal?{query}")
    assert response.status_code == 400
    assert query.split("=")[0] in response.get_json()["message"]


def fill(settings: Settings, count: int, store: SQLiteStore | None = None) -> object:
    """An app whose store holds `count` jobs, submitted straight to the backend."""
    app = create_app(settings, store=store)
    backend = fake_of(app).backend
    params = defaulted(VALID_BODY)
    for _ in range(count):
        backend.submit(params)
    return app


@pytest.mark.parametrize("store", ["memory", "sqlite"])
def test_with_ten_thousand_jobs_a_page_carries_only_its_own_jobs(store, tmp_path: Path):
    sqlite = SQLiteStore(tmp_path / "jobs.sqlite3") if store == "sqlite" else None
    app = fill(Settings(seed=1), 10_000, sqlite)
    client = app.test_client()  # type: ignore[attr-defined]
    began = time.perf_counter()
    response = client.get("/_mock/jobs?limit=50")
    elapsed = time.perf_counter() - began
    page = response.get_json()
    assert (len(page["jobs"]), page["total"], page["next_cursor"]) == (50, 10_000, "9950")
    assert len(response.get_data()) < 50 * 1024
    filtered = client.get("/_mock/jobs?status=queued&limit=50").get_json()
    assert len(filtered["jobs"]) == 50
    print(f"GET /_mock/jobs?limit=50 with 10,000 jobs ({store}): {elapsed * 1000:.0f} ms")
    assert json.loads(response.get_data())["jobs"][0]["status"] == QUEUED


def test_a_listing_query_with_bytes_that_are_not_utf8_is_400_naming_the_parameter():
    response = make_api().client.get(
        "/_mock/jobs", environ_overrides={"QUERY_STRING": "status=\xff"}
    )
    assert response.status_code == 400
    assert response.get_json()["reason"] == "INVALID_CONTROL_REQUEST"
    assert "status" in response.get_json()["message"]


def test_an_unfiltered_page_reads_only_its_own_jobs_and_the_next_ones_position():
    app = fill(Settings(seed=1), 30)
    store = fake_of(app).store
    asked: list[int] = []
    newest = store.newest

    def counting(limit: int, before: int | None = None) -> list:
        asked.append(limit)
        return newest(limit, before)

    store.newest = counting  # type: ignore[method-assign]
    page = app.test_client().get("/_mock/jobs?limit=5").get_json()  # type: ignore[attr-defined]
    assert (len(page["jobs"]), page["next_cursor"]) == (5, "25")
    assert asked == [6]


def test_the_last_unfiltered_page_needs_one_read_of_the_store():
    app = fill(Settings(seed=1), 3)
    store = fake_of(app).store
    asked: list[int] = []
    newest = store.newest

    def counting(limit: int, before: int | None = None) -> list:
        asked.append(limit)
        return newest(limit, before)

    store.newest = counting  # type: ignore[method-assign]
    page = app.test_client().get("/_mock/jobs?limit=5").get_json()  # type: ignore[attr-defined]
    assert (len(page["jobs"]), page["next_cursor"]) == (3, None)
    assert asked == [6]


def test_a_journal_page_of_the_latest_entries_reads_back_only_those(monkeypatch):
    api = make_api()
    for _ in range(20):
        api.submit()
    read_back: list[int] = []
    from_document = JournalEntry.from_document.__func__  # type: ignore[attr-defined]

    def counting(cls: type[JournalEntry], index: int, data: dict) -> JournalEntry:
        read_back.append(index)
        return from_document(cls, index, data)

    monkeypatch.setattr(JournalEntry, "from_document", classmethod(counting))
    page = api.client.get("/_mock/journal?after=5&limit=3").get_json()
    assert [entry["index"] for entry in page["entries"]] == [18, 19, 20]
    assert read_back == [18, 19, 20]


def test_reading_a_job_reads_no_queued_script_and_shows_only_its_own_poll_scripts():
    api = make_api()
    scripted, other = api.task(), api.task()
    fake = fake_of(api.app)
    fake.script_task(scripted, Script(fail_poll=2, latency=1.5))
    fake.script_task(other, Script(fail_poll=1))
    fake.queue_script(Script(fail="queued for later"), 3)

    def no_queue_read() -> list:
        raise AssertionError("a job's detail read the queued scripts")

    fake.store.queued_scripts = no_queue_read  # type: ignore[method-assign]
    detail = api.client.get(f"/_mock/jobs/{scripted}").get_json()
    assert detail["poll_scripts"] == {"fail_polls": [2], "latency": 1.5}
    plain = api.client.get(f"/_mock/jobs/{api.task()}").get_json()
    assert plain["poll_scripts"] is None
