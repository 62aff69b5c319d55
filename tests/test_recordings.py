"""Recorded exchanges under fixtures/recordings/ still match `schemas/`; old ones are reported.

Set VIDU_RECORDINGS_MAX_AGE_DAYS to change when a recording counts as old (default 180 days).
An old recording is a warning, not a failure: the API may have moved on, re-record to find out.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import warnings
from pathlib import Path

import pytest

from mock_server.conformance.recordings import (
    RecordedExchange,
    Recording,
    load_recording,
    problems,
    recorded,
    stale,
)
from mock_server.wire.exchange import Exchange, HttpRequest, HttpResponse
from mock_server.wire.redaction import redact_value

RECORDINGS = sorted(
    (Path(__file__).resolve().parent.parent / "fixtures" / "recordings").glob("*.json")
)
MAX_AGE = dt.timedelta(days=int(os.environ.get("VIDU_RECORDINGS_MAX_AGE_DAYS", "180")))


def test_there_are_recordings_to_check() -> None:
    assert RECORDINGS


@pytest.mark.parametrize("path", RECORDINGS, ids=lambda path: path.name)
def test_every_recorded_answer_matches_the_schemas(path: Path) -> None:
    assert list(problems(load_recording(path))) == []


@pytest.mark.parametrize("path", RECORDINGS, ids=lambda path: path.name)
def test_recordings_carry_no_credentials(path: Path) -> None:
    recording = load_recording(path)
    for exchange in recording.exchanges:
        sent = exchange.request_headers.get("Authorization")
        assert sent is None or sent == redact_value(sent)


@pytest.mark.parametrize("path", RECORDINGS, ids=lambda path: path.name)
def test_recordings_say_what_they_were_made_against(path: Path) -> None:
    recording = load_recording(path)
    assert recording.target in {"fake", "live"}
    if recording.target == "fake":
        assert "not the live API" in recording.source


def test_recordings_older_than_the_limit_are_reported_as_warnings() -> None:
    old = stale(RECORDINGS, MAX_AGE, dt.datetime.now(dt.UTC))
    for line in old:
        warnings.warn(f"re-record against the live API: {line}", UserWarning, stacklevel=1)


def _recorded(
    path: str, status: int, body: object, headers: tuple[tuple[str, str], ...] = ()
) -> RecordedExchange:
    answer = b"" if body is None else json.dumps(body).encode()
    exchange = Exchange("", HttpRequest("GET", path, (), headers), HttpResponse(status, {}, answer))
    return RecordedExchange("2020-01-01T00:00:00+00:00", exchange)


def _exchange(status: int, body: object, path: str = "/v3/async/task-result") -> RecordedExchange:
    return _recorded(path, status, body)


def test_a_recorded_answer_that_breaks_the_schema_is_named() -> None:
    broken = _exchange(404, {"code": 404, "reason": "TASK_NOT_FOUND", "message": ""})
    recording = Recording("2020-01-01T00:00:00+00:00", "live", "https://x", "test", (broken,))
    found = list(problems(recording))
    assert len(found) == 2
    assert all(
        line.startswith("exchange 0 (GET /v3/async/task-result -> 404): breaks error")
        for line in found
    )


def test_a_recorded_unredacted_key_is_named() -> None:
    leaked = _recorded("/media/x.mp4", 200, None, (("Authorization", "Bearer sk-1"),))
    recording = Recording("2020-01-01T00:00:00+00:00", "live", "https://x", "test", (leaked,))
    assert list(problems(recording)) == [
        "exchange 0 (GET /media/x.mp4 -> 200): a credential header is not redacted"
    ]


def test_an_old_recording_is_named_with_its_age(tmp_path: Path) -> None:
    path = tmp_path / "old.json"
    Recording("2020-01-01T00:00:00+00:00", "live", "https://x", "test").write(path)
    now = dt.datetime(2020, 12, 31, tzinfo=dt.UTC)
    assert stale([path], dt.timedelta(days=180), now) == ["old.json is 365 days old (limit 180)"]
    assert stale([path], dt.timedelta(days=400), now) == []


def test_a_download_from_another_host_keeps_no_signed_query_and_meets_no_api_schema() -> None:
    signed = (("X-Amz-Signature", "s1gned"), ("X-Amz-Expires", "3600"))
    request = HttpRequest("GET", "/videos/4f2a.mp4", signed)
    expired = HttpResponse(403, {"content-type": "application/json"}, b'{"error": "expired"}')
    download = recorded(Exchange("https://cdn.example", request, expired), "https://api.example/")
    assert (download.download, download.query, download.response_body) == (True, {}, None)
    recording = Recording(
        "2020-01-01T00:00:00+00:00", "live", "https://api.example/", "test", (download,)
    )
    written = json.dumps(recording.to_json())
    assert "s1gned" not in written
    assert list(problems(recording)) == []
    assert list(problems(Recording.from_json(json.loads(written)))) == []


def test_an_api_call_keeps_its_query_and_is_held_to_the_schemas() -> None:
    request = HttpRequest("GET", "/v3/async/task-result", (("task_id", "t-1"),))
    refused = HttpResponse(
        404, {"content-type": "application/json"}, b'{"reason": "TASK_NOT_FOUND"}'
    )
    call = recorded(Exchange("https://api.example", request, refused), "https://api.example/")
    assert (call.download, call.query) == (False, {"task_id": "t-1"})
    recording = Recording(
        "2020-01-01T00:00:00+00:00", "live", "https://api.example", "test", (call,)
    )
    assert list(problems(recording))  # the envelope lacks code and message
