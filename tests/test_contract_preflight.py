"""Before any generated request, one cheap poll shows the target answers, is this API and takes
the key; otherwise the run stops with a setup error that names the problem."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mock_server import Settings, create_app
from mock_server.conformance.options import PREFLIGHTED_FLAG
from mock_server.conformance.preflight import NOBODYS_TASK, PreflightFailed, preflight_at
from mock_server.serving.background import BackgroundServer
from mock_server.wire.schemas import schema_problems

ROOT = Path(__file__).resolve().parent.parent
KEY = "preflight-key"


class Canned:
    """A WSGI app that answers every request the same way, and counts them."""

    def __init__(self, status: str, content_type: str, body: bytes) -> None:
        self.status, self.content_type, self.body = status, content_type, body
        self.hits = 0

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        self.hits += 1
        start_response(self.status, [("Content-Type", self.content_type)])
        return [self.body]


def envelope(code: int, reason: str, message: str) -> bytes:
    return json.dumps({"code": code, "reason": reason, "message": message, "metadata": {}}).encode()


class PreflightCounter:
    """The fake, counting the polls of nobody's task (the preflight's request) on the way."""

    def __init__(self, app: Any) -> None:
        self.app, self.preflights = app, 0

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if f"task_id={NOBODYS_TASK}" in environ.get("QUERY_STRING", ""):
            self.preflights += 1
        return self.app(environ, start_response)


@pytest.fixture
def serve() -> Iterator[Any]:
    servers: list[BackgroundServer] = []

    def start(app: Any) -> str:
        server = BackgroundServer(app)
        server.start()
        servers.append(server)
        return server.base_url

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def fake(serve: Any) -> str:
    return str(serve(create_app(Settings(api_keys=(KEY,)))))


def test_the_fake_with_the_right_key_passes_with_one_request(fake: str) -> None:
    assert preflight_at(fake, KEY) == (
        "the key works: polling nobody's task answered HTTP 404 TASK_NOT_FOUND"
    )


@pytest.mark.parametrize("status", [401, 403])
def test_a_refused_key_names_the_status_and_the_reason(serve: Any, status: int) -> None:
    body = envelope(status, "INVALID_API_KEY", "the API key is not valid")
    url = serve(Canned(f"{status} Refused", "application/json", body))
    with pytest.raises(PreflightFailed) as refused:
        preflight_at(url, "wrong")
    assert str(refused.value) == (
        f"the API key was refused: HTTP {status} INVALID_API_KEY (the API key is not valid); "
        "check --api-key (or VIDU_CONTRACT_API_KEY)"
    )


def test_a_wrong_key_for_the_fake_is_refused(fake: str) -> None:
    with pytest.raises(PreflightFailed, match="refused: HTTP 403 INVALID_API_KEY"):
        preflight_at(fake, "not-the-key")


def test_a_server_that_does_not_answer_is_named() -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    with pytest.raises(PreflightFailed, match=rf"{url} does not answer: ConnectionError: "):
        preflight_at(url, KEY)


def test_an_html_page_is_not_this_api(serve: Any) -> None:
    page = Canned("200 OK", "text/html", b"<html><body>Welcome to the proxy</body></html>")
    url = serve(page)
    with pytest.raises(PreflightFailed) as failed:
        preflight_at(url, KEY)
    message = str(failed.value)
    assert message.startswith(f"{url} does not answer like this API: a poll of a task got ")
    assert "HTTP 200 (text/html), a body that is not JSON: '<html><body>Welcome" in message
    assert page.hits == 1


def test_a_base_url_without_the_api_says_so(serve: Any) -> None:
    url = serve(Canned("404 Not Found", "application/json", envelope(404, "API_NOT_FOUND", "no")))
    with pytest.raises(
        PreflightFailed, match="has no task-result endpoint: HTTP 404 API_NOT_FOUND"
    ):
        preflight_at(url, KEY)


def test_a_live_pytest_run_with_a_wrong_key_stops_before_any_check(
    fake: str, tmp_path: Path
) -> None:
    report = tmp_path / "r.json"
    command = [
        sys.executable, "-m", "pytest", "contract_tests", "-q", "-p", "no:cacheprovider",
        "--target=live", f"--base-url={fake}", "--api-key=wrong", f"--contract-report={report}",
    ]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIDU_CONTRACT_")}
    started = time.monotonic()
    run = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == pytest.ExitCode.USAGE_ERROR, run.stdout[-3000:]
    assert "the API key was refused: HTTP 403 INVALID_API_KEY" in run.stdout
    written = json.loads(report.read_text())
    assert schema_problems("contract-report", written) == []
    assert written["verdict"] == "setup error"
    assert written["setup_error"].startswith("preflight: the API key was refused")
    assert all(check["verdict"] == "not run" for check in written["checks"].values())
    assert time.monotonic() - started < 60


@pytest.mark.parametrize(("flags", "sent"), [([PREFLIGHTED_FLAG], 0), ([], 1)])
def test_a_live_pytest_run_sends_the_preflight_unless_told_it_was_sent(
    serve: Any, flags: list[str], sent: int
) -> None:
    counter = PreflightCounter(create_app(Settings(api_keys=(KEY,))))
    url = serve(counter)
    command = [
        sys.executable, "-m", "pytest", "contract_tests", "-q", "-p", "no:cacheprovider",
        "--target=live", f"--base-url={url}", f"--api-key={KEY}", "--contract-progress",
        "-k", "test_unknown_path_is_404_api_not_found", *flags,
    ]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIDU_CONTRACT_")}
    run = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert counter.preflights == sent
    assert ("preflight: the key works" in run.stderr) is bool(sent)
