"""The contract suite fails, naming the right check, against servers that break the contract.

Each variant wraps the fake's app in a WSGI middleware that breaks one documented point of the
contract, serves it on a free port, and runs `python -m pytest contract_tests --target=live`
against it in a subprocess (stopping at the first failing test, to stay quick). All variants
run at once; each test then reads its run's report.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from mock_server import Progression, Settings, create_app

ROOT = Path(__file__).resolve().parent.parent
KEY = "broken-fake-key"
SUBMIT = "/v3/async/vidu-q2-pro-fast-img2video"
RESULT = "/v3/async/task-result"
RUN_TIMEOUT_S = 300

Mutation = Callable[[dict[str, Any], int, Any], tuple[int, Any]]


class Rewriting:
    """WSGI middleware that lets a mutation rewrite every JSON answer of the wrapped app."""

    def __init__(self, app: Any, mutate: Mutation) -> None:
        self.app, self.mutate = app, mutate

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        seen: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            seen.update(status=int(status.split()[0]), headers=headers)
            return lambda _data: None

        answer = self.app(environ, capture)
        try:
            body = b"".join(answer)
        finally:
            getattr(answer, "close", lambda: None)()
        status, headers = seen["status"], seen["headers"]
        if dict(headers).get("Content-Type", "").startswith("application/json"):
            status, document = self.mutate(environ, status, json.loads(body))
            body = json.dumps(document).encode()
        headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
        start_response(
            f"{status} {HTTPStatus(status).phrase}", [*headers, ("Content-Length", str(len(body)))]
        )
        return [body]


def on(path: str, status: int, reason: str = "") -> Callable[[Callable[[Any], Any]], Mutation]:
    """Apply a change only to answers of one path with one status (and error reason)."""

    def wrap(change: Callable[[Any], Any]) -> Mutation:
        def mutate(environ: dict[str, Any], got: int, document: Any) -> tuple[int, Any]:
            same_reason = not reason or document.get("reason") == reason
            if environ["PATH_INFO"] == path and got == status and same_reason:
                return change(document)
            return got, document

        return mutate

    return wrap


def task_change(change: Callable[[dict[str, Any]], None]) -> Mutation:
    """Change every 200 task result in place."""

    @on(RESULT, 200)
    def mutate(document: Any) -> tuple[int, Any]:
        change(document)
        return 200, document

    return mutate


def _misspell(document: dict[str, Any]) -> None:
    if document["task"]["status"] == "TASK_STATUS_PROCESSING":
        document["task"]["status"] = "TASK_STATUS_RUNNING"


def _float_progress(document: dict[str, Any]) -> None:
    document["task"]["progress_percent"] = float(document["task"]["progress_percent"])


def _backwards(document: dict[str, Any]) -> None:
    task = document["task"]
    if task["status"] == "TASK_STATUS_PROCESSING":
        task["progress_percent"] = 99 - task["progress_percent"]


def _dead_video(document: dict[str, Any]) -> None:
    for video in document["videos"]:
        video["video_url"] = video["video_url"].replace("/media/videos/", "/media/gone/")


@on(SUBMIT, 400, "INVALID_REQUEST_BODY")
def _accept_too_long(document: Any) -> tuple[int, Any]:
    if "greater than the maximum" not in document["message"]:
        return 400, document
    return 200, {"task_id": "accepted-anyway", "provider_request_id": "x"}


@on(SUBMIT, 400, "INVALID_REQUEST_BODY")
def _crash_on_bad_input(document: Any) -> tuple[int, Any]:
    return 500, {"code": 500, "reason": "INTERNAL_ERROR", "message": "boom", "metadata": {}}


@on(SUBMIT, 400, "INVALID_REQUEST_BODY")
def _bare_error(document: Any) -> tuple[int, Any]:
    return 400, {"error": document["message"]}


@on(RESULT, 404, "TASK_NOT_FOUND")
def _found_anything(document: Any) -> tuple[int, Any]:
    task = {
        "task_id": "x",
        "task_type": "T",
        "status": "TASK_STATUS_QUEUED",
        "reason": "",
        "eta": 9,
    }
    extra = {
        "request_info": "",
        "submit_time_ms": "1",
        "execute_time_ms": "0",
        "complete_time_ms": "0",
    }
    body = {
        "extra": {"seed": "1", "debug_info": extra},
        "task": {**task, "progress_percent": 0},
        "images": [],
        "videos": [],
        "audios": [],
    }
    return 200, body


class TerminalFlip:
    """After a task's first SUCCEED answer, answer FAILED for it."""

    def __init__(self) -> None:
        self.done: set[str] = set()
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], status: int, document: Any) -> tuple[int, Any]:
        if environ["PATH_INFO"] != RESULT or status != 200:
            return status, document
        task = document["task"]
        with self.lock:
            if task["status"] == "TASK_STATUS_SUCCEED" and task["task_id"] in self.done:
                task.update(status="TASK_STATUS_FAILED", reason="changed its mind")
            elif task["status"] == "TASK_STATUS_SUCCEED":
                self.done.add(task["task_id"])
        return status, document


@dataclass(frozen=True)
class Variant:
    """One deliberately broken server and the check the suite must fail with."""

    name: str
    make: Callable[[], Mutation]
    check: str
    paid: bool = False
    says: str = ""  # a pattern the failure must show


VARIANTS = (
    Variant(
        "misspelt_status",
        lambda: task_change(_misspell),
        "response_conforms_to_schema",
        True,
        "TASK_STATUS_RUNNING",
    ),
    Variant(
        "missing_key",
        lambda: task_change(lambda d: d.pop("audios")),
        "response_conforms_to_schema",
        True,
        "'audios' is a required property",
    ),
    Variant(
        "null_key",
        lambda: task_change(lambda d: d["task"].update(reason=None)),
        "response_conforms_to_schema",
        True,
        "None is not of type 'string'",
    ),
    Variant(
        "float_for_int",
        lambda: task_change(_float_progress),
        "response_conforms_to_schema",
        True,
        "is not of type 'integer'",
    ),
    Variant(
        "progress_backwards", lambda: task_change(_backwards), "progress_never_decreases", True
    ),
    Variant("terminal_status_changes", TerminalFlip, "terminal_status_is_final", True),
    Variant(
        "video_does_not_download", lambda: task_change(_dead_video), "video_downloads_as_mp4", True
    ),
    Variant(
        "out_of_range_accepted",
        lambda: _accept_too_long,
        "invalid_body_is_refused",
        says=r"duration=1\d+ was accepted",
    ),
    Variant(
        "500_for_bad_input",
        lambda: _crash_on_bad_input,
        "invalid_body_is_refused",
        says="was answered 500 INTERNAL_ERROR",
    ),
    Variant(
        "non_envelope_for_bad_input",
        lambda: _bare_error,
        "response_conforms_to_schema",
        says="'code' is a required property",
    ),
    Variant(
        "200_for_unknown_task",
        lambda: _found_anything,
        "unknown_task_is_not_found",
        says="an unknown task id was answered 200",
    ),
)


@dataclass
class Run:
    """One suite run against one broken server."""

    process: subprocess.Popen[bytes]
    report: Path
    output: Path

    def finish(self) -> tuple[int, str, dict[str, Any]]:
        code = self.process.wait(timeout=RUN_TIMEOUT_S)
        report = json.loads(self.report.read_text()) if self.report.exists() else {}
        return code, self.output.read_text(errors="replace"), report


class QuietHandler(WSGIRequestHandler):
    """Serve without logging every request."""

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass


def serve(app: Any) -> tuple[str, Callable[[], None]]:
    """Serve a WSGI app on a free 127.0.0.1 port in a thread; return its URL and a stopper."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def stop() -> None:
        server.shutdown()
        server.server_close()

    return f"http://127.0.0.1:{server.server_port}", stop


def broken_app(variant: Variant) -> Any:
    settings = Settings(api_keys=(KEY,), progression=Progression.parse("polls:3"), seed=5)
    return Rewriting(create_app(settings), variant.make())


def start_suite(variant: Variant, base_url: str, workdir: Path) -> Run:
    """Run the contract suite against a URL, as a user would, without waiting for it."""
    report, output = workdir / f"{variant.name}.json", workdir / f"{variant.name}.log"
    command = [
        sys.executable, "-m", "pytest", "contract_tests", "-q", "-x", "-p", "no:cacheprovider",
        "--target=live", f"--base-url={base_url}", f"--api-key={KEY}",
        f"--live-budget={2 if variant.paid else 0}", "--live-poll-interval=0.01",
        "--hypothesis-profile=ci", f"--contract-report={report}",
        "--ignore=contract_tests/test_generation.py",  # checks the generators, not the server
    ]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIDU_CONTRACT_")}
    with output.open("wb") as sink:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=sink, stderr=subprocess.STDOUT
        )
    return Run(process, report, output)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Run]]:
    """Start every variant's server and suite run at once; stop the servers when all are read."""
    workdir = tmp_path_factory.mktemp("broken-fakes")
    stoppers, started = [], {}
    for variant in VARIANTS:
        url, stop = serve(broken_app(variant))
        stoppers.append(stop)
        started[variant.name] = start_suite(variant, url, workdir)
    try:
        yield started
    finally:
        for run in started.values():
            if run.process.poll() is None:
                run.process.kill()
            run.process.wait()
        for stop in stoppers:
            stop()


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda variant: variant.name)
def test_contract_suite_fails_naming_the_broken_check(
    runs: dict[str, Run], variant: Variant
) -> None:
    code, output, report = runs[variant.name].finish()
    assert code == 1, f"the suite did not fail against {variant.name}:\n{output[-3000:]}"
    failed = {name for name, result in report["checks"].items() if result["verdict"] == "failed"}
    assert variant.check in failed, (
        f"{variant.check} did not fail; failed: {failed}\n{output[-3000:]}"
    )
    assert f"[{variant.check}]" in output
    assert re.search(variant.says, report["checks"][variant.check]["last_failure"] + output)


def test_a_wrongly_accepted_submission_is_counted_and_stops_further_ones(
    runs: dict[str, Run],
) -> None:
    _code, output, report = runs["out_of_range_accepted"].finish()
    assert report["spend"] == {"budget": 0, "paid_submissions": 0, "unexpected_accepts": 1}
    assert "1 request(s) that should have been refused were accepted" in output
