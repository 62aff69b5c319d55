"""One fake, whichever process or host answers: every control-API feature works the same from
one process, from two worker processes (on SQLite and on Redis) and from two hosts on Redis.

Each test talks to the fake through two front doors: two ports for two hosts, and for workers
two keep-alive connections held by two different workers (`tests/deployments.py`).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from mock_server import ClockKind, Settings, create_app
from mock_server.testing.controller import ViduMock
from mock_server.wire.paths import RESULT_PATH, SUBMIT_PATH
from tests.deployments import KINDS, Deployment, deployed, process_of
from tests.helpers import VALID_BODY, check_response
from tests.plugin_support import check_answer
from tests.redis_server import fresh_database

CHAOS = {"chaos_task_failed": 0.4, "chaos_unavailable": 0.2, "progression": "instant"}
CHAOS_SUBMITS = 12


@pytest.fixture(scope="module", params=KINDS)
def fake(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployment]:
    redis_url = fresh_database(request.getfixturevalue("redis_server_url"))
    folder = Path(tmp_path_factory.mktemp("deployment"))
    with deployed(request.param, folder, redis_url) as running:
        yield running


@pytest.fixture
def doors(fake: Deployment) -> Iterator[list[ViduMock]]:
    """Two front doors of the fake, reset to its starting state; each keeps to its process."""
    found = fake.doors()
    found[0].reset()
    processes = [process_of(door) for door in found]
    yield found
    assert [process_of(door) for door in found] == processes, "a door moved to another process"


def test_each_door_keeps_to_one_process_and_the_two_doors_reach_as_many_as_there_are(
    fake: Deployment, doors: list[ViduMock]
) -> None:
    """Behind one port, the two doors reach the two workers: a request through one door and
    the next through the other cross processes."""
    seen = [{process_of(door) for _ in range(5)} for door in doors]
    assert [len(pids) for pids in seen] == [1, 1]
    assert len(seen[0] | seen[1]) == fake.processes


def submit(door: ViduMock, body: dict[str, Any] | None = None) -> requests.Response:
    answer = door.session.post(
        door.url(SUBMIT_PATH), json=body or VALID_BODY, headers=door.headers, timeout=10
    )
    check_answer("submit", answer)
    return answer


def poll(door: ViduMock, task_id: str) -> dict[str, Any]:
    answer = door.session.get(
        door.url(RESULT_PATH), params={"task_id": task_id}, headers=door.headers, timeout=10
    )
    check_answer("poll", answer)
    assert answer.status_code == 200, answer.text
    task: dict[str, Any] = answer.json()["task"]
    return task


def test_a_job_submitted_through_one_door_lives_the_same_life_through_the_other(
    doors: list[ViduMock],
) -> None:
    here, there = doors
    task_id = submit(here).json()["task_id"]
    statuses = []
    for _ in range(40):
        seen_here, seen_there = poll(here, task_id), poll(there, task_id)
        assert seen_here == seen_there
        statuses.append(seen_there["status"])
        (here if len(statuses) % 2 else there).advance(3)
    assert list(dict.fromkeys(statuses)) == [
        "TASK_STATUS_QUEUED",
        "TASK_STATUS_PROCESSING",
        "TASK_STATUS_SUCCEED",
    ]


def test_a_failure_scripted_through_one_door_hits_a_submit_through_the_other(
    doors: list[ViduMock],
) -> None:
    here, there = doors
    here.fail_next("scripted through the other door", stage="queued")
    assert here.pending_scripts()["next"] == there.pending_scripts()["next"]
    task_id = submit(there).json()["task_id"]
    here.advance(600)
    task = poll(here, task_id)
    assert (task["status"], task["reason"]) == (
        "TASK_STATUS_FAILED",
        "scripted through the other door",
    )
    assert there.pending_scripts()["next"] == []


def test_rejections_and_failing_polls_scripted_through_one_door_hold_at_the_other(
    doors: list[ViduMock],
) -> None:
    here, there = doors
    here.reject_next(503)
    assert submit(there).status_code == 503
    task_id = submit(there).json()["task_id"]
    here.fail_poll(task_id, poll=2)
    poll(there, task_id)
    failed = there.session.get(
        there.url(RESULT_PATH), params={"task_id": task_id}, headers=there.headers, timeout=10
    )
    assert (failed.status_code, failed.json()["reason"]) == (500, "GET_RESULT_FAILED")


def test_the_journal_read_through_either_door_lists_requests_made_through_both(
    doors: list[ViduMock],
) -> None:
    here, there = doors
    submit(here, {**VALID_BODY, "prompt": "through here"})
    submit(there, {**VALID_BODY, "prompt": "through there"})
    for door in doors:
        prompts = [entry.json["prompt"] for entry in door.submits]
        assert prompts == ["through here", "through there"]
    here.assert_submitted(prompt="through there")
    there.clear_requests()
    assert here.requests == []


def test_a_clock_advance_through_one_door_moves_it_for_the_other(doors: list[ViduMock]) -> None:
    here, there = doors
    before = there.now()
    assert here.advance(42) == before + 42
    assert there.now() == before + 42


def test_a_settings_change_through_one_door_holds_at_the_other(doors: list[ViduMock]) -> None:
    here, there = doors
    here.configure(progression="instant")
    assert there.settings["progression"] == "instant"
    task_id = submit(there).json()["task_id"]
    assert poll(there, task_id)["status"] == "TASK_STATUS_SUCCEED"


def test_a_rate_limit_counts_the_requests_through_every_door(doors: list[ViduMock]) -> None:
    here, there = doors
    here.configure(rate_limit_rpm=3)
    statuses = [submit(door).status_code for door in (here, there, here, there)]
    assert statuses == [200, 200, 200, 429]


def test_a_running_jobs_limit_counts_the_jobs_of_every_door(doors: list[ViduMock]) -> None:
    here, there = doors
    here.configure(max_running_jobs=1)
    assert submit(here).status_code == 200
    assert submit(there).status_code == 429
    there.advance(600)
    assert submit(there).status_code == 200


def test_a_reset_through_one_door_is_a_fresh_fake_for_the_other(doors: list[ViduMock]) -> None:
    here, there = doors
    here.configure(progression="instant")
    task_id = submit(here).json()["task_id"]
    here.stick_next("queued")
    there.reset()
    assert here.settings["progression"] == "realtime"
    assert here.requests == []
    assert here.pending_scripts() == {"next": [], "tasks": {}}
    unknown = here.session.get(
        here.url(RESULT_PATH), params={"task_id": task_id}, headers=here.headers, timeout=10
    )
    assert unknown.status_code == 404


def test_seeded_chaos_draws_the_same_faults_whichever_door_takes_a_request(
    fake: Deployment, doors: list[ViduMock]
) -> None:
    doors[0].configure(**CHAOS)
    entrances = fake.cycle()
    seen = [outcome(next(entrances)) for _ in range(CHAOS_SUBMITS)]
    assert seen == outcomes_of_one_process()


def outcome(door: ViduMock) -> str:
    answer = submit(door)
    if answer.status_code != 200:
        return str(answer.status_code)
    return str(poll(door, answer.json()["task_id"])["status"])


def outcomes_of_one_process() -> list[str]:
    """The same submits, in one process of the same seed: the faults the seed decides."""
    settings = Settings(seed=11, clock=ClockKind.VIRTUAL, api_keys=("test-key",))
    app = create_app(Settings.from_strings({k: str(v) for k, v in CHAOS.items()}, base=settings))
    client = app.test_client()
    headers = {"Authorization": "Bearer test-key"}
    seen = []
    for _ in range(CHAOS_SUBMITS):
        answer = client.post(SUBMIT_PATH, json=VALID_BODY, headers=headers)
        check_response(SUBMIT_PATH, answer)
        if answer.status_code != 200:
            seen.append(str(answer.status_code))
            continue
        polled = client.get(RESULT_PATH, query_string=answer.get_json(), headers=headers)
        seen.append(polled.get_json()["task"]["status"])
    return seen
