"""The emulated API: thin HTTP adapters over the fake, one linear pipeline each."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request

from mock_server.web import documents
from mock_server.web.download_routes import video_url
from mock_server.web.journalling import delay
from mock_server.web.state import current_fake
from mock_server.wire.auth import authenticate
from mock_server.wire.errors import InvalidRequestBody, TaskNotFound
from mock_server.wire.json_body import JSON_TYPE, echo, parse_json_body
from mock_server.wire.paths import RESULT_PATH, SUBMIT_PATH, RequestKind
from mock_server.wire.schemas import defaulted

__all__ = ["blueprint", "submit", "task_result"]

blueprint = Blueprint("api", __name__)


@blueprint.post(SUBMIT_PATH)
def submit() -> dict[str, Any]:
    """Check the key, parse and validate the body, apply defaults, store the job, answer."""
    fake = current_fake()
    api_key = authenticate(request.headers.get("Authorization"), fake.settings)
    fake.admit(api_key, RequestKind.SUBMIT)
    if fake.settings.content_type == "strict" and request.mimetype != JSON_TYPE:
        raise InvalidRequestBody("Content-Type must be application/json")
    body = parse_json_body(request.get_data(cache=True))
    problems = fake.problems(body)
    if problems:
        raise InvalidRequestBody("; ".join(problems))
    job = fake.submit(defaulted(body), api_key, delay)
    return documents.submit_body(job)


@blueprint.get(RESULT_PATH)
def task_result() -> dict[str, Any]:
    """Answer a poll with the job's full, current state."""
    fake = current_fake()
    api_key = authenticate(request.headers.get("Authorization"), fake.settings)
    fake.admit(api_key, RequestKind.POLL)
    task_id = request.args.get("task_id", "").strip()
    if not task_id:
        raise InvalidRequestBody("task_id: query parameter is required")
    found = fake.read(task_id, delay)
    if found is None:
        raise TaskNotFound(f"task not found: {echo(task_id)}")
    job, snapshot = found
    return documents.task_result_body(job, snapshot, fake.settings, video_url(job))
