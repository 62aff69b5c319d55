"""The emulated API: thin HTTP adapters over the job backend, one linear pipeline each."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Request, request

from mock_server import double, views
from mock_server.auth import authenticate
from mock_server.downloads import video_url
from mock_server.errors import InvalidRequestBody, TaskNotFound
from mock_server.faults import Route
from mock_server.runtime import runtime
from mock_server.schemas import defaulted

SUBMIT_PATH = "/v3/async/vidu-q2-pro-fast-img2video"
RESULT_PATH = "/v3/async/task-result"
MAX_ECHO_CHARS = 80

blueprint = Blueprint("api", __name__)


@blueprint.post(SUBMIT_PATH)
def submit() -> dict[str, Any]:
    """Check the key, parse and validate the body, apply defaults, store the job, answer."""
    state = runtime()
    api_key = authenticate(request.headers.get("Authorization"), state.settings)
    double.admit(api_key, Route.SUBMIT)
    body = parse_json_body(request, strict_content_type=state.settings.content_type == "strict")
    problems = state.validator.problems(body)
    if problems:
        raise InvalidRequestBody("; ".join(problems))
    job = double.submit(defaulted(body), api_key)
    return views.submit_body(job)


@blueprint.get(RESULT_PATH)
def task_result() -> dict[str, Any]:
    """Answer a poll with the job's full, current state."""
    state = runtime()
    api_key = authenticate(request.headers.get("Authorization"), state.settings)
    double.admit(api_key, Route.POLL)
    task_id = request.args.get("task_id", "").strip()
    if not task_id:
        raise InvalidRequestBody("task_id: query parameter is required")
    found = double.read(task_id)
    if found is None:
        raise TaskNotFound(f"task not found: {echo(task_id)}")
    job, snapshot = found
    return views.task_result_body(job, snapshot, state.settings, video_url(job))


def parse_json_body(incoming: Request, *, strict_content_type: bool) -> Any:
    """Decode the body as JSON, refusing what no JSON parser should accept."""
    if strict_content_type and incoming.mimetype != "application/json":
        raise InvalidRequestBody("Content-Type must be application/json")
    raw = incoming.get_data(cache=True)
    if not raw.strip():
        raise InvalidRequestBody("body: is empty; expected a JSON object")
    try:
        return json.loads(raw, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise InvalidRequestBody(f"body: malformed JSON: {exc.msg} at char {exc.pos}") from None
    except (ValueError, RecursionError) as exc:
        raise InvalidRequestBody(f"body: malformed JSON: {_first_line(exc)}") from None


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _first_line(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:200]


def echo(value: str) -> str:
    """Quote a client-supplied value safely and briefly for an error message."""
    shown = value if len(value) <= MAX_ECHO_CHARS else value[:MAX_ECHO_CHARS] + "…"
    return json.dumps(shown)
