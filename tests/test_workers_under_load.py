"""`vidu-mock serve --workers 2` under load, on an SQLite file and on Redis: no acknowledged job
is lost and no task id repeats, a killed worker is replaced while the fake keeps answering, and
SIGTERM lets the requests in flight finish."""

from __future__ import annotations

import http.client
import json
import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from mock_server.testing.controller import ViduMock
from mock_server.wire.paths import RESULT_PATH, SUBMIT_PATH
from tests.helpers import AUTH, VALID_BODY
from tests.served import Served, serve_process

CLIENTS = 32
SUBMITS_EACH = 10
LOAD_THREADS = 8
REPLACED_WITHIN_S = 10.0


@pytest.fixture(params=["sqlite", "redis"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'state.db'}"
    url: str = request.getfixturevalue("redis_url")
    return url


@contextmanager
def two_workers(store: str) -> Iterator[Served]:
    with serve_process("--workers", "2", "--store", store, "--clock", "virtual") as served:
        yield served


def workers_of(served: Served) -> set[int]:
    children = Path(f"/proc/{served.process.pid}/task/{served.process.pid}/children")
    return {int(pid) for pid in children.read_text().split()}


def connect(served: Served) -> http.client.HTTPConnection:
    return http.client.HTTPConnection("127.0.0.1", served.port, timeout=10)


def submit_on(connection: http.client.HTTPConnection) -> str | None:
    """Submit once; the task id when the fake acknowledged the job, None otherwise."""
    headers = {**AUTH, "Content-Type": "application/json"}
    connection.request("POST", SUBMIT_PATH, body=json.dumps(VALID_BODY), headers=headers)
    response = connection.getresponse()
    body = json.loads(response.read())
    return str(body["task_id"]) if response.status == 200 else None


def statuses_of(served: Served, task_ids: list[str]) -> set[int]:
    """The statuses polls of these tasks answer (over one keep-alive connection)."""
    connection = connect(served)
    seen = set()
    for task_id in task_ids:
        connection.request("GET", f"{RESULT_PATH}?task_id={task_id}", headers=AUTH)
        response = connection.getresponse()
        response.read()
        seen.add(response.status)
    connection.close()
    return seen


def test_32_clients_through_two_workers_lose_no_job_and_repeat_no_task_id(store: str) -> None:
    acknowledged: list[str] = []
    lock = threading.Lock()
    with two_workers(store) as served:

        def client() -> None:
            connection = connect(served)
            for _ in range(SUBMITS_EACH):
                task_id = submit_on(connection)
                assert task_id is not None
                with lock:
                    acknowledged.append(task_id)
            connection.close()

        threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert len(acknowledged) == CLIENTS * SUBMITS_EACH
        assert len(set(acknowledged)) == len(acknowledged)
        assert statuses_of(served, acknowledged) == {200}


@dataclass
class Load:
    """Submits from several threads until stopped, keeping what was acknowledged and which
    worker process held each connection whose request failed."""

    served: Served
    acknowledged: list[str] = field(default_factory=list)
    failed_on: list[int] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def run(self) -> None:
        connection, worker = self.connect()
        while not self.stop.is_set():
            try:
                task_id = submit_on(connection)
            except (OSError, http.client.HTTPException):
                with self.lock:
                    self.failed_on.append(worker)
                connection.close()
                connection, worker = self.connect()
                continue
            if task_id is not None:
                with self.lock:
                    self.acknowledged.append(task_id)
        connection.close()

    def connect(self) -> tuple[http.client.HTTPConnection, int]:
        """A keep-alive connection and the worker process that accepted it."""
        while True:
            connection = connect(self.served)
            try:
                connection.request("GET", "/_mock/worker")
                return connection, json.loads(connection.getresponse().read())["pid"]
            except (OSError, http.client.HTTPException):
                connection.close()


def test_a_killed_worker_is_replaced_while_the_fake_keeps_answering_and_loses_nothing(
    store: str,
) -> None:
    with two_workers(store) as served:
        load = Load(served)
        threads = [threading.Thread(target=load.run) for _ in range(LOAD_THREADS)]
        for thread in threads:
            thread.start()
        time.sleep(1.0)
        before = workers_of(served)
        victim = min(before)
        os.kill(victim, signal.SIGKILL)
        replaced = wait_for_replacement(served, before - {victim})
        time.sleep(1.0)
        answered_after = len(load.acknowledged)
        time.sleep(1.0)
        load.stop.set()
        for thread in threads:
            thread.join(timeout=30)
        assert served.process.poll() is None, "the fake went down with its worker"
        assert replaced, f"no worker replaced {victim}: {workers_of(served)}"
        assert len(load.acknowledged) > answered_after, "no job was acknowledged after the kill"
        assert set(load.failed_on) <= {victim}, "a request failed on a worker that was not killed"
        assert len(set(load.acknowledged)) == len(load.acknowledged)
        assert statuses_of(served, load.acknowledged) == {200}
        assert statuses_of(served, ["no-such-task"]) == {404}


def wait_for_replacement(served: Served, survivors: set[int]) -> bool:
    deadline = time.monotonic() + REPLACED_WITHIN_S
    while time.monotonic() < deadline:
        workers = workers_of(served)
        if len(workers) == 2 and survivors < workers:
            return True
        time.sleep(0.05)
    return False


def test_sigterm_lets_a_request_in_flight_finish_then_stops_the_fake(store: str) -> None:
    with two_workers(store) as served:
        ViduMock(served.base_url).delay_next(2.0)
        answers: list[str | None] = []
        submitter = threading.Thread(target=lambda: answers.append(submit_on(connect(served))))
        submitter.start()
        time.sleep(0.5)
        served.process.send_signal(signal.SIGTERM)
        submitter.join(timeout=15)
        assert answers != [None], "the request in flight was cut off"
        assert len(answers) == 1
        assert served.process.wait(timeout=15) == 0
