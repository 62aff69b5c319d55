"""What `vidu-mock serve` prints: one documented line per request, as text or JSON, and a banner
that says where the dashboard is and whether the control API is on."""

from __future__ import annotations

import io
import json
import logging
import re
import time
from collections.abc import Callable, Iterator

import pytest
import requests

from mock_server import Settings, create_app
from mock_server.cli.serve import startup_banner, startup_event
from mock_server.serving.console import ERROR_LOGGER, configure_console
from mock_server.web import access_log
from mock_server.web.access_log import ACCESS_LOGGER
from mock_server.web.control_access import control_refusal
from tests.helpers import AUTH, RESULT, SUBMIT, VALID_BODY
from tests.served import serve_process

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
TIME = r"\d\d:\d\d:\d\d\.\d{3}"
MS = r"\d+\.\dms"
LINE_WAIT_S = 10


class Terminal(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


@pytest.fixture
def console() -> Iterator[Callable[..., io.StringIO]]:
    """Configure the console as `serve` does, onto a stream; put the loggers back afterwards."""
    loggers = [logging.getLogger(ACCESS_LOGGER), logging.getLogger(ERROR_LOGGER)]
    saved = [(logger.handlers, logger.level, logger.propagate) for logger in loggers]

    def configure(stream: io.StringIO | None = None, **settings: str) -> io.StringIO:
        stream = stream if stream is not None else io.StringIO()
        configure_console(Settings.from_strings(settings), stdout=stream, stderr=stream)
        return stream

    yield configure
    for logger, (handlers, level, propagate) in zip(loggers, saved, strict=True):
        logger.handlers, logger.level, logger.propagate = handlers, level, propagate


def lines(stream: io.StringIO) -> list[str]:
    return stream.getvalue().splitlines()


def test_each_api_request_is_one_line_with_method_path_status_time_and_task(console):
    out = console()
    client = create_app(Settings.from_strings({"progression": "instant"})).test_client()
    task_id = client.post(SUBMIT, json=VALID_BODY, headers=AUTH).get_json()["task_id"]
    video = client.get(RESULT, query_string={"task_id": task_id}, headers=AUTH).get_json()
    client.get(video["videos"][0]["video_url"])
    submit, poll, download = lines(out)
    assert re.fullmatch(rf"{TIME} POST {SUBMIT} 200 {MS} task={task_id}", submit)
    assert re.fullmatch(rf"{TIME} GET {RESULT} 200 {MS} task={task_id}", poll)
    video_path = rf"/media/videos/{task_id}\.mp4"
    assert re.fullmatch(rf"{TIME} GET {video_path} 200 {MS} task={task_id}", download)


def test_a_refused_request_says_why_with_its_reason_and_message(console):
    out = console()
    client = create_app(Settings()).test_client()
    client.post(SUBMIT, json={**VALID_BODY, "duration": 11}, headers=AUTH)
    client.get(RESULT, query_string={"task_id": "nope"}, headers=AUTH)
    client.post(SUBMIT, json=VALID_BODY)
    refused, unknown, keyless = lines(out)
    assert re.fullmatch(
        rf"{TIME} POST {SUBMIT} 400 INVALID_REQUEST_BODY {MS} "
        r"- duration: 11 is greater than the maximum of 10",
        refused,
    )
    assert re.fullmatch(
        rf'{TIME} GET {RESULT} 404 TASK_NOT_FOUND {MS} task=nope - task not found: "nope"', unknown
    )
    assert re.fullmatch(rf"{TIME} POST {SUBMIT} 400 MISSING_API_KEY {MS} - .+", keyless)


def test_control_reads_are_not_logged_but_control_changes_and_refusals_are(console):
    out = console()
    client = create_app(Settings.from_strings({"clock": "virtual"})).test_client()
    for path in ("/_mock/jobs", "/_mock/journal", "/_mock/clock", "/_mock/ui", "/healthz"):
        assert client.get(path).status_code == 200
    client.post("/_mock/clock/advance", json={"seconds": 5})
    client.post("/_mock/clock/advance", json={"seconds": -5})
    advanced, refused = lines(out)
    assert re.fullmatch(rf"{TIME} POST /_mock/clock/advance 200 {MS}", advanced)
    assert "400 INVALID_CONTROL_REQUEST" in refused


def test_a_refused_control_read_is_logged_with_the_refusal(console):
    out = console()
    create_app(Settings(host="0.0.0.0")).test_client().get("/_mock/jobs")
    [line] = lines(out)
    assert "GET /_mock/jobs 403 CONTROL_FORBIDDEN" in line
    assert "listens on 0.0.0.0, not loopback" in line


def test_there_are_no_colour_codes_unless_the_output_is_a_terminal(console, monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    piped = console()
    create_app(Settings()).test_client().get(RESULT, query_string={"task_id": "x"}, headers=AUTH)
    assert "\x1b" not in piped.getvalue()
    terminal = console(Terminal())
    create_app(Settings()).test_client().get(RESULT, query_string={"task_id": "x"}, headers=AUTH)
    assert "\x1b[33m404\x1b[0m" in terminal.getvalue()
    assert "\x1b[1;33mTASK_NOT_FOUND\x1b[0m" in terminal.getvalue()
    monkeypatch.setenv("NO_COLOR", "1")
    plain = console(Terminal())
    create_app(Settings()).test_client().get(RESULT, query_string={"task_id": "x"}, headers=AUTH)
    assert "\x1b" not in plain.getvalue()


def test_control_characters_sent_by_a_client_cannot_forge_or_colour_a_line(console):
    out = console(Terminal())
    forged = "x\n12:00:00.000 GET /v3/async/task-result 200 0.1ms\x1b[2J"
    create_app(Settings()).test_client().get(RESULT, query_string={"task_id": forged}, headers=AUTH)
    [line] = lines(out)
    assert "task=x\\x0a12:00:00.000" in line
    assert "\\x1b[2J" in line


def test_a_method_sent_by_a_client_cannot_forge_or_colour_a_line(console):
    out = console()
    create_app(Settings()).test_client().open(RESULT, method="\x1b[2JFORGED\n12:00:00.000")
    [line] = lines(out)
    assert line.split(" ")[1] == "\\x1b[2JFORGED\\x0a12:00:00.000"
    assert "\x1b" not in out.getvalue()


def test_an_error_message_carrying_client_text_cannot_forge_or_colour_a_line(console):
    out = console(Terminal())
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        logging.getLogger(ERROR_LOGGER).exception(
            "unexpected error on %s %s", "\x1b[31mGET", "/x\n12:00:00.000 forged"
        )
    first, *traceback = lines(out)
    assert "unexpected error on \\x1b[31mGET /x\\x0a12:00:00.000 forged" in first
    assert "\x1b[31mGET" not in out.getvalue()
    assert traceback[0] == "Traceback (most recent call last):"
    assert traceback[-1] == "RuntimeError: boom"


def test_a_successful_poll_is_logged_without_parsing_its_answer(console, monkeypatch):
    out = console()
    client = create_app(Settings()).test_client()
    task_id = client.post(SUBMIT, json=VALID_BODY, headers=AUTH).get_json()["task_id"]
    parsed: list[object] = []
    real = access_log.parse_json_or

    def counting(raw: bytes | None, default: object) -> object:
        parsed.append(raw)
        return real(raw, default)

    monkeypatch.setattr(access_log, "parse_json_or", counting)
    client.get(RESULT, query_string={"task_id": task_id}, headers=AUTH)
    assert parsed == []
    client.get(RESULT, query_string={"task_id": "nope"}, headers=AUTH)
    client.post(SUBMIT, json=VALID_BODY, headers=AUTH)
    assert len(parsed) == 2  # an error's envelope, a submit's task id
    poll, unknown, submit = lines(out)[1:]
    assert re.fullmatch(rf"{TIME} GET {RESULT} 200 {MS} task={task_id}", poll)
    assert "404 TASK_NOT_FOUND" in unknown
    assert re.fullmatch(rf"{TIME} POST {SUBMIT} 200 {MS} task={UUID}", submit)


def test_json_format_writes_one_object_per_request_with_the_same_fields(console):
    out = console(log_format="json")
    client = create_app(Settings()).test_client()
    client.post(SUBMIT, json={**VALID_BODY, "duration": 11}, headers=AUTH)
    [line] = lines(out)
    record = json.loads(line)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", record.pop("time"))
    assert record.pop("duration_ms") >= 0
    assert record.pop("pid") > 0
    assert record == {
        "level": "info",
        "event": "request",
        "method": "POST",
        "path": SUBMIT,
        "status": 400,
        "reason": "INVALID_REQUEST_BODY",
        "message": "duration: 11 is greater than the maximum of 10",
        "task_id": "",
    }


def test_json_format_escapes_every_control_character_a_client_sent(console):
    out = console(log_format="json")
    path = "/v3/\x9b31m\x1b[2J\x7f"
    create_app(Settings()).test_client().get(path)
    [line] = lines(out)
    assert not re.search("[\x00-\x1f\x7f-\x9f]", line)
    assert json.loads(line)["path"] == path


def test_unexpected_errors_go_to_the_error_stream_in_the_same_format(console):
    out = console(log_format="json")
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        logging.getLogger(ERROR_LOGGER).exception("unexpected error on GET /x")
    record = json.loads(lines(out)[0])
    assert (record["level"], record["event"], record["message"]) == (
        "error",
        "log",
        "unexpected error on GET /x",
    )
    assert "RuntimeError: boom" in record["exception"]


def test_quiet_prints_no_request_lines(console):
    out = console(quiet="true")
    create_app(Settings()).test_client().post(SUBMIT, json=VALID_BODY, headers=AUTH)
    assert out.getvalue() == ""


def test_with_the_logger_off_no_line_is_built(monkeypatch):
    """The fixtures and `create_app` users pay a level check per request, nothing more."""
    assert not logging.getLogger(ACCESS_LOGGER).isEnabledFor(logging.INFO)

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("an access entry was built with the logger off")

    monkeypatch.setattr(access_log, "AccessEntry", refuse)
    client = create_app(Settings()).test_client()
    assert client.post(SUBMIT, json=VALID_BODY, headers=AUTH).status_code == 200
    assert client.get(RESULT, query_string={"task_id": "x"}, headers=AUTH).status_code == 404


def test_the_banner_gives_the_dashboard_url():
    banner = startup_banner("http://127.0.0.1:8080", Settings())
    assert "Dashboard: http://127.0.0.1:8080/_mock/ui\n" in banner


def test_off_loopback_the_banner_says_the_control_api_is_off_and_how_to_turn_it_on():
    settings = Settings(host="0.0.0.0")
    banner = startup_banner("http://0.0.0.0:8080", settings)
    refusal = control_refusal(settings, None)
    assert refusal is not None
    assert f"\nDashboard: http://0.0.0.0:8080/_mock/ui, but {refusal}\n" in banner
    assert "--control-token" in refusal
    assert "--host 127.0.0.1" in refusal
    event = startup_event("http://0.0.0.0:8080", settings)
    assert (event["control_api"], event["control_api_off_because"]) == ("off", refusal)


def test_with_a_token_off_loopback_the_banner_says_the_dashboard_asks_for_it():
    banner = startup_banner("http://0.0.0.0:8080", Settings(host="0.0.0.0", control_token="t"))
    assert "Dashboard: http://0.0.0.0:8080/_mock/ui (it asks for the control token" in banner
    assert "is off" not in banner


def wait_for(output: list[str], pattern: str) -> str:
    deadline = time.monotonic() + LINE_WAIT_S
    while time.monotonic() < deadline:
        found = [line for line in output if re.search(pattern, line)]
        if found:
            return found[-1]
        time.sleep(0.02)
    raise AssertionError(f"no line matching {pattern!r} in:\n{''.join(output)}")


@pytest.mark.parametrize("workers", [[], ["--workers", "2"]], ids=["one process", "two workers"])
def test_a_served_fake_prints_its_request_lines_uncoloured_into_a_pipe(workers):
    with serve_process(*workers) as fake:
        task_id = requests.post(
            fake.base_url + SUBMIT, json=VALID_BODY, headers=AUTH, timeout=10
        ).json()["task_id"]
        requests.get(fake.base_url + RESULT, params={"task_id": "nope"}, headers=AUTH, timeout=10)
        submitted = wait_for(fake.output, rf"POST {SUBMIT} 200")
        refused = wait_for(fake.output, rf"GET {RESULT} 404")
    assert re.fullmatch(rf"{TIME} POST {SUBMIT} 200 {MS} task={UUID}\n", submitted)
    assert f"task={task_id}" in submitted
    assert "TASK_NOT_FOUND" in refused
    assert not any("\x1b" in line for line in fake.output)
    assert not any('HTTP/1.1"' in line for line in fake.output), "Werkzeug's own access lines"


def test_a_served_fake_with_json_format_prints_only_json_lines():
    with serve_process("--log-format", "json") as fake:
        requests.post(fake.base_url + SUBMIT, json=VALID_BODY, headers=AUTH, timeout=10)
        wait_for(fake.output, '"event": "request"')
    records = [json.loads(line) for line in fake.output]
    assert records[0]["event"] == "listening"
    assert records[0]["dashboard"] == fake.base_url + "/_mock/ui"
    assert records[1]["path"] == SUBMIT


def test_a_quiet_served_fake_prints_only_its_banner():
    with serve_process("--quiet") as fake:
        requests.post(fake.base_url + SUBMIT, json=VALID_BODY, headers=AUTH, timeout=10)
        requests.get(fake.base_url + "/nowhere", timeout=10)
        time.sleep(0.2)
    assert fake.output[0].startswith("vidu-mock ")
    assert not [line for line in fake.output if SUBMIT in line and "curl" not in line]
    assert not [line for line in fake.output if "/nowhere" in line]
