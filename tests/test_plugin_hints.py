"""The virtual-clock trap gets a hint: from the journal, the controller and the failure report.

A client that really sleeps between polls, on the fixtures' virtual clock, sees its task QUEUED
forever. After five polls of one task at one instant of the fake's clock, the hint names the
task and both ways out: `sleep=fake.advance`, or the real clock.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mock_server.double.client_hints import STALLED_POLLS, StalledPolls, stalled_polls
from mock_server.double.journal import JournalEntry
from mock_server.testing.controller import ControlError
from mock_server.wire.exchange import HttpRequest, HttpResponse
from mock_server.wire.paths import RESULT_PATH, RequestKind
from tests.plugin_support import QUEUED, SUCCEED

PROCESSING = "TASK_STATUS_PROCESSING"


def poll(task_id: str, at: float, status: str = QUEUED, code: int = 200) -> JournalEntry:
    request = HttpRequest("GET", RESULT_PATH, query=(("task_id", task_id),))
    body = {"task": {"status": status}} if code == 200 else {"reason": "GET_RESULT_FAILED"}
    response = HttpResponse(code, {"content-type": "application/json"}, json.dumps(body).encode())
    return JournalEntry.of(request, response, at, RequestKind.POLL)


def test_five_polls_of_a_task_at_one_clock_time_are_stalled() -> None:
    entries = [poll("a", 10.0) for _ in range(STALLED_POLLS)]
    assert stalled_polls(entries) == [StalledPolls("a", 5, 10.0, QUEUED)]


def test_four_polls_are_not_yet_stalled() -> None:
    assert stalled_polls([poll("a", 10.0) for _ in range(STALLED_POLLS - 1)]) == []


def test_polls_as_the_clock_moves_are_not_stalled() -> None:
    assert stalled_polls([poll("a", 10.0 + 5 * n) for n in range(10)]) == []


def test_polls_that_saw_the_task_finish_are_not_stalled() -> None:
    entries = [poll("a", 10.0) for _ in range(STALLED_POLLS)] + [poll("a", 10.0, SUCCEED)]
    assert stalled_polls(entries) == []


def test_the_longest_run_of_each_task_is_reported_with_its_last_status() -> None:
    entries = [poll("a", 1.0) for _ in range(5)] + [poll("b", 1.0) for _ in range(6)]
    entries += [poll("a", 2.0) for _ in range(6)] + [poll("a", 2.0, PROCESSING)]
    entries += [poll("b", 3.0, code=500)]
    assert stalled_polls(entries) == [
        StalledPolls("a", 7, 2.0, PROCESSING),
        StalledPolls("b", 6, 1.0, QUEUED),
    ]


def test_a_client_polling_without_moving_the_clock_gets_a_hint(client, mock) -> None:
    task_id = client.task_id()
    for _ in range(STALLED_POLLS):
        assert client.status(task_id) == QUEUED
    [hint] = mock.hints()
    assert hint.startswith(f"task {task_id} was polled 5 times but the fake's clock never moved")
    assert "still TASK_STATUS_QUEUED" in hint
    assert "pass `sleep=fake.advance`" in hint
    assert '@pytest.mark.vidu_mock(clock="real", speed=…)' in hint


def test_a_client_that_moves_the_clock_gets_no_hint(client, mock) -> None:
    task_id = client.task_id()
    for _ in range(STALLED_POLLS + 1):
        client.status(task_id)
        mock.advance(5)
    assert mock.hints() == []


@pytest.mark.vidu_mock(progression="instant")
def test_polls_of_a_finished_task_get_no_hint(client, mock) -> None:
    task_id = client.task_id()
    assert [client.status(task_id) for _ in range(STALLED_POLLS)] == [SUCCEED] * 5
    assert mock.hints() == []


@pytest.mark.vidu_mock(clock="real", speed=400)
def test_the_real_clock_lets_a_client_that_really_sleeps_finish(client, mock) -> None:
    task_id = client.task_id()
    deadline = time.monotonic() + 30
    while (status := client.status(task_id)) != SUCCEED and time.monotonic() < deadline:
        time.sleep(0.02)
    assert status == SUCCEED
    assert mock.hints() == []
    with pytest.raises(ControlError, match="the clock is real"):
        mock.advance(1)


USER_TESTS = """
import pytest
import requests

SUBMIT = "/v3/async/vidu-q2-pro-fast-img2video"
RESULT = "/v3/async/task-result"


def wait_for_video(fake, sleep, attempts=6):
    body = {"images": ["https://example.com/cat.png"], "prompt": "a cat"}
    submitted = requests.post(fake.url(SUBMIT), json=body, headers=fake.headers, timeout=5)
    task_id = submitted.json()["task_id"]
    for _ in range(attempts):
        polled = requests.get(
            fake.url(RESULT), params={"task_id": task_id}, headers=fake.headers, timeout=5
        )
        if polled.json()["task"]["status"] == "TASK_STATUS_SUCCEED":
            return task_id
        sleep(0.01)
    raise TimeoutError(f"{task_id} never finished")


@pytest.fixture(params=["vidu_mock", "vidu_mock_inprocess"])
def fake(request):
    return request.getfixturevalue(request.param)


def test_a_client_that_sleeps_for_real_gives_up(fake):
    wait_for_video(fake, sleep=lambda seconds: None)


def test_a_client_that_moves_the_clock_fails_for_another_reason(fake):
    wait_for_video(fake, sleep=lambda seconds: fake.advance(100))
    assert False, "no hint for this one"


def test_a_hanging_client_is_interrupted(vidu_mock_inprocess):
    try:
        wait_for_video(vidu_mock_inprocess, sleep=lambda seconds: None)
    except TimeoutError:
        raise KeyboardInterrupt from None
"""


def run_user_tests(tmp_path: Path) -> str:
    (tmp_path / "test_user_client.py").write_text(USER_TESTS, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return result.stdout + result.stderr


def test_failure_reports_and_interruptions_carry_the_hint(tmp_path: Path) -> None:
    output = run_user_tests(tmp_path)
    assert "4 failed" in output, output
    stalled = "was polled 6 times but the fake's clock never moved (t="
    sections = output.split("------- vidu-mock hints -------")
    assert len(sections) == 3, output  # one per fixture of the test that gave up
    assert all(stalled in section.splitlines()[1] for section in sections[1:]), output
    assert "no hint for this one" in output
    interrupted = output.split("! KeyboardInterrupt", 1)[1]
    assert "vidu-mock hints: task " in interrupted, output
    assert stalled in interrupted, output
