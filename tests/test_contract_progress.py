"""A run says what it is doing: a line per phase with its counts, and each job's status and age."""

from __future__ import annotations

import json

import pytest

from mock_server.conformance.progress import Progress
from mock_server.conformance.task_view import TaskView
from mock_server.wire.exchange import Exchange, HttpRequest, HttpResponse
from mock_server.wire.paths import RESULT_PATH, SUBMIT_PATH


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def answer(path: str, status: int, body: object) -> Exchange:
    response = HttpResponse(status, {"content-type": "application/json"}, json.dumps(body).encode())
    return Exchange("http://h", HttpRequest("GET", path), response)


def polled(status: str, progress: int = 0, eta: int = 0) -> TaskView:
    task = {"status": status, "progress_percent": progress, "eta": eta, "reason": ""}
    return TaskView.of(answer(RESULT_PATH, 200, {"task": task}))


def test_each_phase_says_when_it_starts_and_how_it_ended() -> None:
    lines: list[str] = []
    clock = Clock()
    progress = Progress(lines.append, clock=clock)
    progress.plan({"auth": 2, "validation": 1})
    progress.enter("auth")
    progress(answer(SUBMIT_PATH, 400, {}))
    progress.test_done("passed")
    progress.enter("auth")
    progress(answer(SUBMIT_PATH, 200, {"task_id": "t"}))
    progress.test_done("failed")
    clock.now += 2.5
    progress.enter("validation")
    progress.test_done("skipped")
    progress.finish()
    assert lines == [
        "auth: 2 test(s)",
        "auth: done, 1 failed, 1 passed; 2 request(s), 1 job(s) accepted (2.5 s)",
        "validation: 1 test(s)",
        "validation: done, 1 skipped; 0 request(s) (0.0 s)",
    ]


def test_a_job_is_shown_when_first_polled_then_at_most_every_few_seconds_and_at_its_end() -> None:
    lines: list[str] = []
    clock = Clock()
    progress = Progress(lines.append, every_s=5, clock=clock)
    progress.enter("lifecycle")
    progress.submitted("0123456789abcdef")
    for seconds, view in [
        (0.0, polled("TASK_STATUS_QUEUED", 0, 40)),
        (2.0, polled("TASK_STATUS_PROCESSING", 10, 30)),  # changed, but too soon: not said
        (5.5, polled("TASK_STATUS_PROCESSING", 50, 12)),
        (6.0, polled("TASK_STATUS_SUCCEED", 100, 0)),  # the end is always said
        (6.5, polled("TASK_STATUS_SUCCEED", 100, 0)),
    ]:
        clock.now = 100.0 + seconds
        progress.polled("0123456789abcdef", view)
    assert lines[1:] == [
        "lifecycle: task 01234567 QUEUED after 0.0 s progress 0 %, eta 40 s",
        "lifecycle: task 01234567 PROCESSING after 5.5 s progress 50 %, eta 12 s",
        "lifecycle: task 01234567 SUCCEED after 6.0 s",
    ]


def test_without_a_writer_nothing_is_said(capsys: pytest.CaptureFixture[str]) -> None:
    progress = Progress()
    progress.enter("auth")
    progress.say("anything")
    progress.finish()
    assert capsys.readouterr() == ("", "")
