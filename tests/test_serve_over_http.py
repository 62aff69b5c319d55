"""The whole flow works over real HTTP through `vidu-mock serve`, under every progression."""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests

from mock_server.wire.schemas import ERROR, SUBMIT_RESPONSE, TASK_RESULT
from tests.helpers import AUTH, RESULT, SUBMIT, VALID_BODY, check_schema
from tests.served import served

TIMEOUT = 10


def submit(base: str, body: Any = VALID_BODY) -> str:
    response = requests.post(base + SUBMIT, json=body, headers=AUTH, timeout=TIMEOUT)
    assert response.status_code == 200, response.text
    check_schema(SUBMIT_RESPONSE, response.json())
    task_id: str = response.json()["task_id"]
    return task_id


def poll(base: str, task_id: str) -> dict[str, Any]:
    response = requests.get(
        base + RESULT, params={"task_id": task_id}, headers=AUTH, timeout=TIMEOUT
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    check_schema(TASK_RESULT, body)
    return body


def poll_until_done(base: str, task_id: str, *, step: Any = None, limit: int = 200) -> list[str]:
    statuses: list[str] = []
    for _ in range(limit):
        body = poll(base, task_id)
        statuses.append(body["task"]["status"])
        if body["task"]["status"] in ("TASK_STATUS_SUCCEED", "TASK_STATUS_FAILED"):
            return statuses
        if step:
            step()
    raise AssertionError(f"the job did not finish: {statuses[-5:]}")


def download_is_mp4(base: str, task_id: str) -> None:
    url = poll(base, task_id)["videos"][0]["video_url"]
    assert url.startswith(base + "/media/videos/")
    response = requests.get(url, timeout=TIMEOUT)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "video/mp4"
    assert response.content[4:8] == b"ftyp"


def test_realtime_jobs_finish_on_the_wall_clock_and_download() -> None:
    with served("--progression", "realtime", "--speed", "500", "--seed", "3") as base:
        task_id = submit(base)
        statuses = poll_until_done(base, task_id, step=lambda: time.sleep(0.02))
        assert statuses[-1] == "TASK_STATUS_SUCCEED"
        download_is_mp4(base, task_id)


def test_instant_jobs_succeed_at_the_first_poll() -> None:
    with served("--progression", "instant") as base:
        task_id = submit(base)
        assert poll_until_done(base, task_id) == ["TASK_STATUS_SUCCEED"]
        download_is_mp4(base, task_id)


def test_polls_jobs_move_one_stage_per_n_polls() -> None:
    with served("--progression", "polls:2") as base:
        task_id = submit(base)
        assert poll_until_done(base, task_id) == [
            "TASK_STATUS_QUEUED",
            "TASK_STATUS_QUEUED",
            "TASK_STATUS_PROCESSING",
            "TASK_STATUS_PROCESSING",
            "TASK_STATUS_SUCCEED",
        ]
        download_is_mp4(base, task_id)


def test_manual_jobs_move_only_when_the_clock_is_advanced() -> None:
    with served("--progression", "manual") as base:
        task_id = submit(base)
        assert poll(base, task_id)["task"]["status"] == "TASK_STATUS_QUEUED"

        def advance() -> None:
            response = requests.post(
                base + "/_mock/clock/advance", json={"seconds": 5}, timeout=TIMEOUT
            )
            assert response.status_code == 200

        statuses = poll_until_done(base, task_id, step=advance)
        assert statuses[-1] == "TASK_STATUS_SUCCEED"
        download_is_mp4(base, task_id)


def test_errors_over_http_are_envelopes() -> None:
    with served() as base:
        response = requests.post(base + SUBMIT, data=b"{", headers=AUTH, timeout=TIMEOUT)
        assert response.status_code == 400
        check_schema(ERROR, response.json())
        response = requests.get(base + "/nowhere", timeout=TIMEOUT)
        assert (response.status_code, response.json()["reason"]) == (404, "API_NOT_FOUND")


def test_a_huge_body_is_refused_with_413_over_http() -> None:
    with served("--max-body-bytes", "100000") as base:
        response = requests.post(base + SUBMIT, data=b"x" * 200_000, headers=AUTH, timeout=TIMEOUT)
        assert response.status_code == 413
        check_schema(ERROR, response.json())


def test_environment_variables_configure_the_server() -> None:
    import os

    env = {**os.environ, "VIDU_MOCK_PROGRESSION": "instant", "VIDU_MOCK_TASK_TYPE": "FROM_ENV"}
    with served(env=env) as base:
        assert poll(base, submit(base))["task"]["task_type"] == "FROM_ENV"


def test_flags_win_over_environment_variables() -> None:
    import os

    env = {**os.environ, "VIDU_MOCK_TASK_TYPE": "FROM_ENV"}
    with served("--task-type", "FROM_FLAG", "--progression", "instant", env=env) as base:
        assert poll(base, submit(base))["task"]["task_type"] == "FROM_FLAG"


def test_the_seed_flag_makes_task_ids_reproducible() -> None:
    with served("--seed", "42") as first:
        ids = [submit(first) for _ in range(3)]
    with served("--seed", "42") as second:
        assert [submit(second) for _ in range(3)] == ids


@pytest.mark.parametrize(
    "flags", [["--progression", "sometimes"], ["--speed", "0"], ["--missing-key-status", "418"]]
)
def test_bad_flags_are_refused_with_a_clear_message(flags: list[str]) -> None:
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "mock_server", "serve", *flags],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "error:" in result.stderr
