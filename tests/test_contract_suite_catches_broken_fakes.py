"""The contract suite fails, naming the right check, against servers that break the contract.

Each variant wraps the fake's app in a WSGI middleware that breaks one documented point of the
contract, serves it on a free port, and runs `python -m pytest contract_tests --target=live`
against it in a subprocess, stopping at the first failing test. To stay quick, a breakage of
task results runs only the lifecycle tests, and one of the delivered video only the test that
pays for one video. All variants run at once; each test then reads its run's report.
"""

from __future__ import annotations

import json
import os
import re
import struct
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from http import HTTPStatus
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from mock_server import Progression, Settings, create_app
from mock_server.wire.schemas import schema_problems

ROOT = Path(__file__).resolve().parent.parent
KEY = "broken-fake-key"
SUBMIT = "/v3/async/vidu-q2-pro-fast-img2video"
RESULT = "/v3/async/task-result"
RUN_TIMEOUT_S = 300

Mutation = Callable[[dict[str, Any], int, Any], tuple[int, Any]]
App = Callable[[dict[str, Any], Any], Iterable[bytes]]
VIDEOS = "/media/videos/"
DELIVERY = (
    "contract_tests/test_lifecycle.py::"
    "test_delivered_video_is_what_was_asked_for_and_served_properly"
)
WHOLE_SUITE = ("contract_tests", "--ignore=contract_tests/test_generation.py")
LIFECYCLE = ("contract_tests/test_lifecycle.py",)


@dataclass(frozen=True)
class Answer:
    """One answer of the wrapped app, as a middleware may change it."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str:
        return next((v for k, v in self.headers if k.lower() == name.lower()), "")

    def with_header(self, name: str, value: str) -> Answer:
        kept = [(k, v) for k, v in self.headers if k.lower() != name.lower()]
        return replace(self, headers=[*kept, (name, value)])


Rewrite = Callable[[dict[str, Any], Answer], Answer]


class Rewriting:
    """WSGI middleware that lets a rewrite change every answer of the wrapped app."""

    def __init__(self, app: App, rewrite: Rewrite) -> None:
        self.app, self.rewrite = app, rewrite

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
        changed = self.rewrite(environ, Answer(seen["status"], seen["headers"], body))
        headers = [(k, v) for k, v in changed.headers if k.lower() != "content-length"]
        start_response(
            f"{changed.status} {HTTPStatus(changed.status).phrase}",
            [*headers, ("Content-Length", str(len(changed.body)))],
        )
        return [changed.body]


def json_answers(mutate: Mutation) -> Rewrite:
    """Let a mutation rewrite every JSON answer (its status and document)."""

    def rewrite(environ: dict[str, Any], answer: Answer) -> Answer:
        if not answer.header("Content-Type").startswith("application/json"):
            return answer
        status, document = mutate(environ, answer.status, json.loads(answer.body))
        return replace(answer, status=status, body=json.dumps(document).encode())

    return rewrite


def json_variant(make: Callable[[], Mutation]) -> Callable[[App], App]:
    """Break a fake by rewriting its JSON answers (a fresh mutation for each fake)."""
    return lambda app: Rewriting(app, json_answers(make()))


def video_variant(change: Callable[[Answer], Answer]) -> Callable[[App], App]:
    """Break a fake by changing the whole-file answers of its video URLs."""

    def rewrite(environ: dict[str, Any], answer: Answer) -> Answer:
        whole = answer.status == 200 and environ["REQUEST_METHOD"] == "GET"
        return change(answer) if environ["PATH_INFO"].startswith(VIDEOS) and whole else answer

    return lambda app: Rewriting(app, rewrite)


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


def _stretched(answer: Answer) -> Answer:
    """Triple the duration the movie header gives (version 0: 32-bit, 16 bytes into it)."""
    data = answer.body
    at = data.index(b"mvhd") + 20
    (duration,) = struct.unpack_from(">I", data, at)
    return replace(answer, body=data[:at] + struct.pack(">I", duration * 3) + data[at + 4 :])


def _shrunk(answer: Answer) -> Answer:
    """Make the first track header say 640x360 (its last 8 bytes)."""
    data = answer.body
    start = data.index(b"tkhd") - 4
    (size,) = struct.unpack_from(">I", data, start)
    at = start + size - 8
    size_bytes = struct.pack(">II", 640 << 16, 360 << 16)
    return replace(answer, body=data[:at] + size_bytes + data[at + 8 :])


def _muted(answer: Answer) -> Answer:
    """Turn the second track (the audio) into a `free` box of the same size."""
    data = answer.body
    second = data.index(b"trak", data.index(b"trak") + 4)
    return replace(answer, body=data[:second] + b"free" + data[second + 4 :])


def _cut_short(answer: Answer) -> Answer:
    return replace(answer, body=answer.body[:-1000])


def _as_webm(answer: Answer) -> Answer:
    return answer.with_header("Content-Type", "video/webm")


def _ignoring_ranges(app: App) -> App:
    """Serve the whole file whatever Range asks, while still advertising Accept-Ranges."""

    def serve(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        environ.pop("HTTP_RANGE", None)
        return app(environ, start_response)

    return serve


class OneShotVideoUrls:
    """Each video URL downloads whole once; a second whole download answers 403."""

    def __init__(self, app: App) -> None:
        self.app, self.used, self.lock = app, set[str](), threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        path = environ["PATH_INFO"]
        if path.startswith(VIDEOS) and "HTTP_RANGE" not in environ:
            with self.lock:
                again = path in self.used
                self.used.add(path)
            if again:
                start_response("403 Forbidden", [("Content-Type", "application/xml")])
                return [b"<Error><Code>AccessDenied</Code></Error>"]
        return self.app(environ, start_response)


def _other_seed(document: dict[str, Any]) -> None:
    document["extra"]["seed"] = "7"


def _reason_while_running(document: dict[str, Any]) -> None:
    if document["task"]["status"] != "TASK_STATUS_FAILED":
        document["task"]["reason"] = "working on it"


def _json_as_text(app: App) -> App:
    """Answer the API's JSON as text/plain."""

    def rewrite(environ: dict[str, Any], answer: Answer) -> Answer:
        if environ["PATH_INFO"].startswith("/v3/"):
            return answer.with_header("Content-Type", "text/plain; charset=utf-8")
        return answer

    return Rewriting(app, rewrite)


@dataclass(frozen=True)
class Variant:
    """One deliberately broken server, the check the suite must fail with, and what to run."""

    name: str
    breaks: Callable[[App], App]  # wraps the fake's app into the broken one
    check: str
    paid: bool = False
    says: str = ""  # a pattern the failure must show
    tests: tuple[str, ...] = WHOLE_SUITE


VARIANTS = (
    Variant(
        "misspelt_status",
        json_variant(lambda: task_change(_misspell)),
        "response_conforms_to_schema",
        True,
        "TASK_STATUS_RUNNING",
        tests=LIFECYCLE,
    ),
    Variant(
        "missing_key",
        json_variant(lambda: task_change(lambda d: d.pop("audios"))),
        "response_conforms_to_schema",
        True,
        "'audios' is a required property",
        tests=LIFECYCLE,
    ),
    Variant(
        "null_key",
        json_variant(lambda: task_change(lambda d: d["task"].update(reason=None))),
        "response_conforms_to_schema",
        True,
        "None is not of type 'string'",
        tests=LIFECYCLE,
    ),
    Variant(
        "float_for_int",
        json_variant(lambda: task_change(_float_progress)),
        "response_conforms_to_schema",
        True,
        "is not of type 'integer'",
        tests=LIFECYCLE,
    ),
    Variant(
        "progress_backwards",
        json_variant(lambda: task_change(_backwards)),
        "progress_never_decreases",
        True,
        tests=LIFECYCLE,
    ),
    Variant(
        "terminal_status_changes",
        json_variant(TerminalFlip),
        "terminal_status_is_final",
        True,
        tests=LIFECYCLE,
    ),
    Variant(
        "video_does_not_download",
        json_variant(lambda: task_change(_dead_video)),
        "video_downloads_as_mp4",
        True,
        tests=LIFECYCLE,
    ),
    Variant(
        "out_of_range_accepted",
        json_variant(lambda: _accept_too_long),
        "invalid_body_is_refused",
        says=r"duration=1\d+ was accepted",
    ),
    Variant(
        "500_for_bad_input",
        json_variant(lambda: _crash_on_bad_input),
        "invalid_body_is_refused",
        says="was answered 500 INTERNAL_ERROR",
    ),
    Variant(
        "non_envelope_for_bad_input",
        json_variant(lambda: _bare_error),
        "response_conforms_to_schema",
        says="'code' is a required property",
    ),
    Variant(
        "200_for_unknown_task",
        json_variant(lambda: _found_anything),
        "unknown_task_is_not_found",
        says="an unknown task id was answered 200",
    ),
    Variant(
        "json_served_as_text",
        _json_as_text,
        "answer_says_it_is_json",
        says="the answer says Content-Type 'text/plain",
        tests=("contract_tests/test_auth.py",),
    ),
    # The video a job delivers, and how it is served: one paid job that asks for audio and a seed.
    Variant(
        "video_too_long",
        video_variant(_stretched),
        "video_duration_matches_request",
        True,
        r"duration 1 was asked; the video lasts 3\.00 s",
        (DELIVERY,),
    ),
    Variant(
        "video_too_small",
        video_variant(_shrunk),
        "video_resolution_matches_request",
        True,
        "resolution 720p was asked; the video is 640x360",
        (DELIVERY,),
    ),
    Variant(
        "video_without_audio",
        video_variant(_muted),
        "video_has_requested_audio",
        True,
        "audio was asked; the video has no audio track",
        (DELIVERY,),
    ),
    Variant(
        "video_cut_short",
        video_variant(_cut_short),
        "video_file_is_whole",
        True,
        r"the mp4 is not whole: box 'mdat' at byte \d+ claims",
        (DELIVERY,),
    ),
    Variant(
        "video_served_as_webm",
        video_variant(_as_webm),
        "video_content_type_agrees_with_video_type",
        True,
        "a video of video_type 'mp4' is served as 'video/webm'",
        (DELIVERY,),
    ),
    Variant(
        "range_ignored",
        _ignoring_ranges,
        "range_request_is_honoured",
        True,
        r"bytes=\d+-\d+ was answered 200",
        (DELIVERY,),
    ),
    Variant(
        "video_url_works_once",
        OneShotVideoUrls,
        "video_downloads_again_within_ttl",
        True,
        r"a second download within video_url_ttl \(3600 s\) answered 403",
        (DELIVERY,),
    ),
    Variant(
        "seed_not_echoed",
        json_variant(lambda: task_change(_other_seed)),
        "submitted_seed_is_echoed",
        True,
        "seed 424242 was submitted; extra.seed is '7'",
        (DELIVERY,),
    ),
    Variant(
        "reason_while_running",
        json_variant(lambda: task_change(_reason_while_running)),
        "reason_is_empty_unless_failed",
        True,
        "task gives the reason 'working on it'",
        (DELIVERY,),
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
    return variant.breaks(create_app(settings))


def start_suite(variant: Variant, base_url: str, workdir: Path) -> Run:
    """Run the contract suite against a URL, as a user would, without waiting for it."""
    report, output = workdir / f"{variant.name}.json", workdir / f"{variant.name}.log"
    budget = (1 if variant.tests == (DELIVERY,) else 2) if variant.paid else 0
    command = [
        sys.executable, "-m", "pytest", *variant.tests, "-q", "-x", "-p", "no:cacheprovider",
        "--target=live", f"--base-url={base_url}", f"--api-key={KEY}",
        f"--live-budget={budget}", "--live-poll-interval=0.01",
        "--hypothesis-profile=ci", f"--contract-report={report}",
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
    assert schema_problems("contract-report", report) == []
    assert report["verdict"] == "fails"
    assert report["errors"] == [], "the failure should be a check's"
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
