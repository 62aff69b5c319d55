"""A small `requests` client for tests of the pytest plugin: every API answer is schema-checked."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from mock_server.double.journal import RequestKind
from mock_server.testing.controller import ControlError, ViduMock
from mock_server.wire.schemas import ERROR, SUBMIT_RESPONSE, TASK_RESULT
from tests.helpers import RESULT, SUBMIT, VALID_BODY, check_schema

FIXTURES = ["vidu_mock", "vidu_mock_inprocess"]
TIMEOUT = 10
SUCCEED = "TASK_STATUS_SUCCEED"
FAILED = "TASK_STATUS_FAILED"
QUEUED = "TASK_STATUS_QUEUED"
PROCESSING = "TASK_STATUS_PROCESSING"


def check_answer(kind: str, response: requests.Response) -> None:
    """Validate an answer: successes against their schema, every error as the envelope."""
    if response.status_code >= 400:
        body = response.json()
        check_schema(ERROR, body)
        assert body["code"] == response.status_code
    elif kind == "submit":
        check_schema(SUBMIT_RESPONSE, response.json())
    elif kind == "poll":
        check_schema(TASK_RESULT, response.json())


class Client:
    """Talks to the emulated API of one fake the way a client would."""

    def __init__(self, mock: ViduMock) -> None:
        self.mock = mock

    def submit(self, body: Any = None, *, key: str | None = None, **kw: Any) -> requests.Response:
        kw.setdefault("timeout", TIMEOUT)
        response = requests.post(
            self.mock.url(SUBMIT),
            json=VALID_BODY if body is None else body,
            headers=self._auth(key),
            **kw,
        )
        check_answer("submit", response)
        return response

    def poll(self, task_id: str, *, key: str | None = None, **kw: Any) -> requests.Response:
        kw.setdefault("timeout", TIMEOUT)
        response = requests.get(
            self.mock.url(RESULT), params={"task_id": task_id}, headers=self._auth(key), **kw
        )
        check_answer("poll", response)
        return response

    def task_id(self, body: Any = None, **kw: Any) -> str:
        response = self.submit(body, **kw)
        assert response.status_code == 200, response.text
        task_id: str = response.json()["task_id"]
        return task_id

    def task(self, task_id: str) -> dict[str, Any]:
        response = self.poll(task_id)
        assert response.status_code == 200, response.text
        task: dict[str, Any] = response.json()["task"]
        return task

    def status(self, task_id: str) -> str:
        return str(self.task(task_id)["status"])

    def video_url(self, task_id: str) -> str:
        response = self.poll(task_id)
        url: str = response.json()["videos"][0]["video_url"]
        return url

    def download(self, url: str, method: str = "GET", **kw: Any) -> requests.Response:
        kw.setdefault("timeout", TIMEOUT)
        response = requests.request(method, url, **kw)
        if response.status_code >= 400 and method != "HEAD":
            check_answer("download", response)
        return response

    def _auth(self, key: str | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.mock.api_key if key is None else key}"}


def finish(mock: ViduMock) -> None:
    """Move the virtual clock far enough for any non-stuck, non-off-peak job to end."""
    mock.advance(600)


def either_fake(request: pytest.FixtureRequest) -> Iterator[ViduMock]:
    """Yield the fixture named by the test's parameter; afterwards check every answer it gave."""
    fake: ViduMock = request.getfixturevalue(request.param)
    yield fake
    check_journal(fake)


def check_journal(fake: ViduMock) -> None:
    """Validate every answer the journal recorded against `schemas/`."""
    try:
        entries = fake.requests
    except ControlError:  # a test that locked the control API out
        return
    for entry in entries:
        if entry.status >= 400 and entry.method != "HEAD":
            check_schema(ERROR, entry.response)
        elif entry.kind is RequestKind.SUBMIT:
            check_schema(SUBMIT_RESPONSE, entry.response)
        elif entry.kind is RequestKind.POLL:
            check_schema(TASK_RESULT, entry.response)
