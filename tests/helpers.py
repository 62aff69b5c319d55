"""Shared test helpers: a client that checks every API answer against `schemas/`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from mock_server import Settings, VirtualClock, create_app
from mock_server.wire.schemas import ERROR, SUBMIT_RESPONSE, TASK_RESULT, validator_for

SUBMIT = "/v3/async/vidu-q2-pro-fast-img2video"
RESULT = "/v3/async/task-result"
KEY = "test-key"
AUTH = {"Authorization": f"Bearer {KEY}"}
VALID_BODY: dict[str, Any] = {"images": ["https://example.com/cat.png"], "prompt": "a cat surfing"}


def check_schema(name: str, document: Any) -> None:
    """Fail with every schema error if the document breaks the named schema."""
    errors = [error.message for error in validator_for(name).iter_errors(document)]
    assert not errors, f"response breaks {name}: {errors}\n{document}"


def check_response(path: str, response: TestResponse) -> None:
    """Validate an API answer: 200s against their schema, everything else as an envelope."""
    body = response.get_json(silent=True)
    if response.status_code != 200:
        check_schema(ERROR, body)
        assert body["code"] == response.status_code
    elif path.startswith(SUBMIT):
        check_schema(SUBMIT_RESPONSE, body)
    elif path.startswith(RESULT):
        check_schema(TASK_RESULT, body)


@dataclass
class Api:
    """A test client for one fake whose every API answer is schema-checked."""

    app: Flask
    client: FlaskClient
    clock: VirtualClock

    def submit(
        self, body: Any = None, headers: dict[str, str] | None = None, **kw: Any
    ) -> TestResponse:
        json_body = VALID_BODY if body is None and "data" not in kw else body
        if json_body is not None:
            kw["json"] = json_body
        response = self.client.post(SUBMIT, headers=AUTH if headers is None else headers, **kw)
        check_response(SUBMIT, response)
        return response

    def result(self, task_id: str, headers: dict[str, str] | None = None) -> TestResponse:
        response = self.client.get(
            RESULT, query_string={"task_id": task_id}, headers=AUTH if headers is None else headers
        )
        check_response(RESULT, response)
        return response

    def request(self, method: str, path: str, **kw: Any) -> TestResponse:
        response = self.client.open(path, method=method, **kw)
        check_response(path, response)
        return response

    def task(self, body: Any = None) -> str:
        response = self.submit(body)
        assert response.status_code == 200, response.get_json()
        task_id: str = response.get_json()["task_id"]
        return task_id

    def status(self, task_id: str) -> dict[str, Any]:
        response = self.result(task_id)
        assert response.status_code == 200, response.get_json()
        task: dict[str, Any] = response.get_json()["task"]
        return task


def make_api(settings: Settings | None = None) -> Api:
    clock = VirtualClock(start=1_800_000_000.0)
    app = create_app(settings or Settings(seed=7), clock=clock)
    return Api(app, app.test_client(), clock)
