"""Polling shows the job's full state, strictly typed, as it moves through its lifecycle."""

from __future__ import annotations

from typing import Any

import pytest

from mock_server import Outcome, Progression, Settings, TaskStatus
from mock_server.web.state import fake_of
from tests.helpers import VALID_BODY, make_api


def poll(api, task_id: str) -> dict[str, Any]:
    response = api.result(task_id)
    assert response.status_code == 200
    body: dict[str, Any] = response.get_json()
    return body


def assert_strict_types(body: dict[str, Any]) -> None:
    """No null, no missing key, no float where an int is documented, anywhere."""

    def walk(value: Any) -> None:
        assert value is not None
        assert not isinstance(value, float)
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        if isinstance(value, list):
            for item in value:
                walk(item)

    walk(body)
    assert set(body) == {"extra", "task", "images", "videos", "audios"}
    assert set(body["task"]) == {
        "task_id",
        "task_type",
        "status",
        "reason",
        "eta",
        "progress_percent",
    }
    assert set(body["extra"]["debug_info"]) == {
        "request_info",
        "submit_time_ms",
        "execute_time_ms",
        "complete_time_ms",
    }


def test_a_job_moves_through_every_status_as_the_virtual_clock_advances() -> None:
    api = make_api()
    task_id = api.task()
    seen = []
    for _ in range(200):
        body = poll(api, task_id)
        assert_strict_types(body)
        seen.append(body["task"]["status"])
        if body["task"]["status"] == "TASK_STATUS_SUCCEED":
            break
        api.clock.advance(1)
    assert seen[0] == "TASK_STATUS_QUEUED"
    assert "TASK_STATUS_PROCESSING" in seen
    assert seen[-1] == "TASK_STATUS_SUCCEED"


def test_progress_rises_and_eta_falls_while_running() -> None:
    api = make_api()
    task_id = api.task()
    readings = []
    for _ in range(120):
        task = poll(api, task_id)["task"]
        readings.append((task["progress_percent"], task["eta"]))
        api.clock.advance(0.7)
    progress = [p for p, _ in readings]
    etas = [e for _, e in readings]
    assert progress == sorted(progress)
    assert progress[-1] == 100
    assert etas == sorted(etas, reverse=True)
    assert etas[-1] == 0
    assert len(set(progress)) > 10


def test_the_task_id_is_echoed_and_the_seed_is_a_numeric_string() -> None:
    api = make_api()
    task_id = api.task({**VALID_BODY, "seed": 1234})
    body = poll(api, task_id)
    assert body["task"]["task_id"] == task_id
    assert body["extra"]["seed"] == "1234"


def test_seed_0_means_a_random_seed_is_drawn() -> None:
    api = make_api()
    body = poll(api, api.task({**VALID_BODY, "seed": 0}))
    assert body["extra"]["seed"] != "0"
    assert body["extra"]["seed"].isdigit()


def test_debug_times_are_filled_on_the_edges() -> None:
    api = make_api(Settings(seed=7, progression=Progression.parse("polls:1")))
    task_id = api.task()
    queued, processing, done = (poll(api, task_id)["extra"]["debug_info"] for _ in range(3))
    assert queued["submit_time_ms"] == str(1_800_000_000_000)
    assert (queued["execute_time_ms"], queued["complete_time_ms"]) == ("0", "0")
    assert processing["execute_time_ms"] != "0"
    assert processing["complete_time_ms"] == "0"
    assert (
        int(done["complete_time_ms"]) > int(done["execute_time_ms"]) > int(done["submit_time_ms"])
    )


def test_a_succeeded_job_carries_one_mp4_video_valid_for_3600_seconds() -> None:
    api = make_api(Settings(seed=7, progression=Progression.parse("instant")))
    body = poll(api, api.task())
    assert body["task"]["status"] == "TASK_STATUS_SUCCEED"
    assert [set(v) for v in body["videos"]] == [{"video_url", "video_url_ttl", "video_type"}]
    assert body["videos"][0]["video_type"] == "mp4"
    assert body["videos"][0]["video_url_ttl"] == "3600"


def test_a_failed_job_is_http_200_with_status_failed_and_a_reason() -> None:
    api = make_api(Settings(seed=7, progression=Progression.parse("instant")))
    fake_of(api.app).backend.outcomes = lambda _p: Outcome.failed("cancelled")
    body = poll(api, api.task())
    assert_strict_types(body)
    assert (body["task"]["status"], body["task"]["reason"], body["videos"]) == (
        "TASK_STATUS_FAILED",
        "cancelled",
        [],
    )


def test_instant_progression_is_terminal_at_the_first_read() -> None:
    api = make_api(Settings(seed=7, progression=Progression.parse("instant")))
    assert poll(api, api.task())["task"]["status"] == "TASK_STATUS_SUCCEED"


@pytest.mark.parametrize("reads_per_stage", [1, 3])
def test_polls_progression_moves_one_stage_per_n_reads(reads_per_stage: int) -> None:
    api = make_api(
        Settings(
            seed=7,
            progression=Progression(
                kind=Progression.parse("polls:1").kind, reads_per_stage=reads_per_stage
            ),
        )
    )
    task_id = api.task()
    statuses = [poll(api, task_id)["task"]["status"] for _ in range(3 * reads_per_stage)]
    expected = ["TASK_STATUS_QUEUED", "TASK_STATUS_PROCESSING", "TASK_STATUS_SUCCEED"]
    assert statuses == [s for s in expected for _ in range(reads_per_stage)]


def test_manual_progression_moves_only_when_the_clock_is_advanced() -> None:
    api = make_api(Settings(seed=7, progression=Progression.parse("manual")))
    task_id = api.task()
    assert {poll(api, task_id)["task"]["status"] for _ in range(50)} == {"TASK_STATUS_QUEUED"}
    api.clock.advance(3600)
    assert poll(api, task_id)["task"]["status"] == "TASK_STATUS_SUCCEED"


def test_the_same_seed_gives_the_same_task_ids_and_values() -> None:
    first, second = make_api(), make_api()
    ids = [first.task() for _ in range(3)]
    assert ids == [second.task() for _ in range(3)]
    assert poll(first, ids[2]) == poll(second, ids[2])


def test_different_seeds_give_different_task_ids() -> None:
    assert make_api(Settings(seed=1)).task() != make_api(Settings(seed=2)).task()


def test_task_ids_never_repeat() -> None:
    api = make_api(Settings(seed=7, progression=Progression.parse("instant")))
    ids = {api.task() for _ in range(300)}
    assert len(ids) == 300


def test_every_accepted_job_stays_readable() -> None:
    api = make_api()
    ids = [api.task() for _ in range(50)]
    api.clock.advance(10**6)
    assert all(poll(api, task_id)["task"]["status"] == TaskStatus.SUCCEED.value for task_id in ids)


def test_switching_to_polls_progression_counts_stages_from_the_switch() -> None:
    api = make_api(Settings(seed=7, progression=Progression.parse("manual")))
    task_id = api.task()
    for _ in range(5):
        assert poll(api, task_id)["task"]["status"] == "TASK_STATUS_QUEUED"
    state = api.app.extensions["vidu_mock"]
    state.reconfigure(state.settings.replace(progression=Progression.parse("polls:1")))
    statuses = [poll(api, task_id)["task"]["status"] for _ in range(3)]
    assert statuses == ["TASK_STATUS_QUEUED", "TASK_STATUS_PROCESSING", "TASK_STATUS_SUCCEED"]
