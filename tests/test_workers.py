"""`vidu-mock serve --workers 2`: one fake across processes, over real HTTP on 127.0.0.1."""

from __future__ import annotations

import http.client
import http.server
import json
import logging
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from mock_server.serving.workers import (
    THREADS_PER_WORKER,
    WAITING_THREADS_PER_WORKER,
    WORKER_PATH,
    announce_readiness,
    threads_for,
)
from mock_server.settings import Settings
from mock_server.web.app import create_app
from mock_server.wire.schemas import SUBMIT_RESPONSE, TASK_RESULT
from tests.helpers import AUTH, RESULT, SUBMIT, VALID_BODY, check_schema
from tests.served import serve_process

MAX_CONNECTIONS_TRIED = 200
SUBMITTERS = 4
SUBMITS_EACH = 25


@dataclass
class Fake:
    """A running `vidu-mock serve` process."""

    process: subprocess.Popen[str]
    port: int

    def connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)

    def worker_pids(self) -> set[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return {int(pid) for pid in children.read_text().split()}


@contextmanager
def fake_with_workers(*flags: str, env: dict[str, str] | None = None) -> Iterator[Fake]:
    """Start the fake with two workers on a free port; stop it afterwards."""
    with serve_process("--workers", "2", *flags, env=env) as served:
        yield Fake(served.process, served.port)


def call(
    connection: http.client.HTTPConnection, method: str, path: str, body: Any = None
) -> tuple[int, Any]:
    headers = {**AUTH, "Content-Type": "application/json"}
    payload = None if body is None else json.dumps(body)
    connection.request(method, path, body=payload, headers=headers)
    response = connection.getresponse()
    return response.status, json.loads(response.read())


def submit(connection: http.client.HTTPConnection) -> str:
    status, body = call(connection, "POST", SUBMIT, VALID_BODY)
    assert status == 200, body
    check_schema(SUBMIT_RESPONSE, body)
    task_id: str = body["task_id"]
    return task_id


def poll(connection: http.client.HTTPConnection, task_id: str) -> dict[str, Any]:
    status, body = call(connection, "GET", f"{RESULT}?task_id={task_id}")
    assert status == 200, body
    check_schema(TASK_RESULT, body)
    return dict(body)


def worker_of(connection: http.client.HTTPConnection) -> int:
    pid: int = call(connection, "GET", WORKER_PATH)[1]["pid"]
    return pid


def one_connection_per_worker(fake: Fake) -> list[http.client.HTTPConnection]:
    """Open keep-alive connections until each of the two workers holds one."""
    found: dict[int, http.client.HTTPConnection] = {}
    for _ in range(MAX_CONNECTIONS_TRIED):
        connection = fake.connect()
        pid = worker_of(connection)
        if pid in found:
            connection.close()
        else:
            found[pid] = connection
        if len(found) == 2:
            return list(found.values())
    raise AssertionError(f"every connection went to the same worker: {set(found)}")


@pytest.fixture(scope="module")
def fake() -> Iterator[Fake]:
    with fake_with_workers("--clock", "virtual", "--seed", "7") as running:
        yield running


@pytest.fixture
def connections(fake: Fake) -> Iterator[list[http.client.HTTPConnection]]:
    found = one_connection_per_worker(fake)
    yield found
    for connection in found:
        connection.close()


def test_each_connection_is_served_by_one_of_two_worker_processes(
    fake: Fake, connections: list[http.client.HTTPConnection]
) -> None:
    assert {worker_of(connection) for connection in connections} == fake.worker_pids()


def test_a_job_submitted_through_one_worker_lives_the_same_life_through_the_other(
    connections: list[http.client.HTTPConnection],
) -> None:
    first, second = connections
    task_id = submit(first)
    statuses = []
    for _ in range(30):
        through_first, through_second = poll(first, task_id), poll(second, task_id)
        assert through_first == through_second
        statuses.append(through_second["task"]["status"])
        call(first if len(statuses) % 2 else second, "POST", "/_mock/clock/advance", {"seconds": 5})
    assert list(dict.fromkeys(statuses)) == [
        "TASK_STATUS_QUEUED",
        "TASK_STATUS_PROCESSING",
        "TASK_STATUS_SUCCEED",
    ]


def test_advancing_the_virtual_clock_through_one_worker_moves_it_for_the_other(
    connections: list[http.client.HTTPConnection],
) -> None:
    first, second = connections
    before = call(second, "GET", "/_mock/clock")[1]["now"]
    advanced = call(first, "POST", "/_mock/clock/advance", {"seconds": 42})[1]["now"]
    assert advanced == before + 42
    assert call(second, "GET", "/_mock/clock")[1]["now"] == advanced


def test_concurrent_submits_through_both_workers_lose_no_job_and_repeat_no_task_id(
    fake: Fake, connections: list[http.client.HTTPConnection]
) -> None:
    submitted: list[list[str]] = []

    def submit_many() -> None:
        connection = fake.connect()
        submitted.append([submit(connection) for _ in range(SUBMITS_EACH)])
        connection.close()

    threads = [threading.Thread(target=submit_many) for _ in range(SUBMITTERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    task_ids = [task_id for batch in submitted for task_id in batch]
    assert len(set(task_ids)) == SUBMITTERS * SUBMITS_EACH
    for index, task_id in enumerate(task_ids):
        assert poll(connections[index % 2], task_id)["task"]["task_id"] == task_id


def test_the_same_seed_gives_the_same_task_ids_as_one_process() -> None:
    with fake_with_workers("--seed", "7") as running:
        connection = running.connect()
        assert submit(connection) == submit_first_ever(7)
        connection.close()


def submit_first_ever(seed: int) -> str:
    client = create_app(Settings(seed=seed)).test_client()
    task_id: str = client.post(SUBMIT, json=VALID_BODY, headers=AUTH).get_json()["task_id"]
    return task_id


def test_terminating_the_fake_stops_every_worker_and_removes_its_store(tmp_path: Path) -> None:
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    with fake_with_workers(env=env) as running:
        workers = running.worker_pids()
        assert len(workers) == 2
        assert any(tmp_path.iterdir())
        running.process.send_signal(signal.SIGTERM)
        assert running.process.wait(timeout=10) == 0
    assert not any(Path(f"/proc/{pid}").exists() for pid in workers)
    assert not any(tmp_path.iterdir())


def test_workers_get_more_request_threads_when_requests_are_expected_to_wait() -> None:
    assert threads_for(Settings()) == THREADS_PER_WORKER
    assert threads_for(Settings(chaos_latency=0.1)) == WAITING_THREADS_PER_WORKER
    assert threads_for(Settings(fetch_images=True)) == WAITING_THREADS_PER_WORKER


def test_a_port_another_server_listens_on_is_refused_not_shared(fake: Fake) -> None:
    command = [sys.executable, "-m", "mock_server", "serve", "--workers", "2"]
    done = subprocess.run(
        [*command, "--port", str(fake.port)], capture_output=True, text=True, timeout=30
    )
    assert done.returncode != 0
    assert f"cannot listen on 127.0.0.1:{fake.port}" in done.stderr


@pytest.mark.parametrize("workers", ["0", "2"])
def test_an_unusable_store_path_stops_the_fake_with_a_clear_message(
    workers: str, tmp_path: Path
) -> None:
    command = [sys.executable, "-m", "mock_server", "serve", "--workers", workers, "--port", "0"]
    done = subprocess.run(
        [*command, "--store-path", str(tmp_path / "missing" / "jobs.db")],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 2
    assert "argument --store-path: cannot use" in done.stderr
    assert "Traceback" not in done.stderr


@contextmanager
def one_worker_answering() -> Iterator[int]:
    """A server on 127.0.0.1 that answers the worker endpoint as one worker process would."""

    class OneWorker(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = json.dumps({"pid": 4242}).encode()
            self.send_response(200 if self.path == WORKER_PATH else 404)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), OneWorker)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def test_the_banner_waits_for_every_worker_and_a_timeout_warns_how_many_answered(
    capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    with one_worker_answering() as port:
        with caplog.at_level(logging.WARNING, logger="mock_server"):
            announce_readiness(Settings(workers=2, port=port), "BANNER", timeout_s=0.3)
        assert "BANNER" not in capsys.readouterr().out
        assert f"only 1 of 2 workers answered on 127.0.0.1:{port} within 0.3s" in caplog.text
        caplog.clear()
        announce_readiness(Settings(workers=1, port=port), "BANNER", timeout_s=5)
        assert capsys.readouterr().out == "BANNER\n"
        assert caplog.text == ""
