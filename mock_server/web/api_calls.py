"""The two API operations as one linear pipeline each, whichever way a request came in.

Both the Flask routes (`api_routes.py`) and the lean dispatch in front of Flask
(`lean_dispatch.py`) read a request into an `ApiCall` and hand it to `answer`, which runs the
operation and turns its result, or its error, into the exact bytes the client gets. So the two
ways in give the same answer, byte for byte, by construction; `tests/test_lean_dispatch.py`
checks it over generated requests.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from werkzeug.sansio.utils import get_current_url

from mock_server.double.fake import Fake
from mock_server.web import documents
from mock_server.wire.auth import authenticate
from mock_server.wire.errors import (
    ApiError,
    CreateTaskFailed,
    GetResultFailed,
    InvalidRequestBody,
    RequestTooLarge,
    TaskNotFound,
)
from mock_server.wire.json_body import JSON_TYPE, echo, parse_json_body
from mock_server.wire.paths import RequestKind
from mock_server.wire.schemas import defaulted

__all__ = [
    "UNEXPECTED",
    "URL_QUOTE",
    "ApiCall",
    "Operation",
    "answer",
    "failure",
    "host_url",
    "json_answer",
    "query_text",
    "submit",
    "task_result",
    "too_large",
]

CACHED_HOSTS = 64
URL_QUOTE = "werkzeug.url_quote"  # the codec error handler `werkzeug.urls` registers

log = logging.getLogger("mock_server")
UNEXPECTED = "internal error; the server logged the details"


@dataclass(frozen=True)
class ApiCall:
    """What the API operations read from one request."""

    method: str
    path: str
    authorization: str | None
    mimetype: str
    task_id: str  # the first `task_id` query parameter, as sent ("" when absent)
    host_url: str  # where this request came in, for video URLs: "http://host:port/"
    read_body: Callable[[], bytes]  # raises RequestTooLarge beyond the limit
    delay: Callable[[float], None]  # answer late by so many seconds


Operation = Callable[[Fake, ApiCall], dict[str, Any]]


def submit(fake: Fake, call: ApiCall) -> dict[str, Any]:
    """Check the key, parse and validate the body, apply defaults, store the job, answer."""
    api_key = authenticate(call.authorization, fake.settings)
    fake.admit(api_key, RequestKind.SUBMIT)
    if fake.settings.content_type == "strict" and call.mimetype != JSON_TYPE:
        raise InvalidRequestBody("Content-Type must be application/json")
    body = parse_json_body(call.read_body())
    problems = fake.problems(body)
    if problems:
        raise InvalidRequestBody("; ".join(problems))
    job = fake.submit(defaulted(body), api_key, call.delay)
    return documents.submit_body(job)


def task_result(fake: Fake, call: ApiCall) -> dict[str, Any]:
    """Answer a poll with the job's full, current state."""
    api_key = authenticate(call.authorization, fake.settings)
    fake.admit(api_key, RequestKind.POLL)
    task_id = call.task_id.strip()
    if not task_id:
        raise InvalidRequestBody("task_id: query parameter is required")
    found = fake.read(task_id, call.delay)
    if found is None:
        raise TaskNotFound(f"task not found: {echo(task_id)}")
    job, snapshot = found
    url = documents.video_url(job, fake.settings, call.host_url)
    return documents.task_result_body(job, snapshot, fake.settings, url)


UNEXPECTED_ERRORS: dict[Operation, type[ApiError]] = {
    submit: CreateTaskFailed,
    task_result: GetResultFailed,
}


def answer(fake: Fake, call: ApiCall, operation: Operation) -> tuple[int, bytes]:
    """Run an operation: its document, or the error envelope, as the status and body sent."""
    try:
        return 200, json_answer(operation(fake, call))
    except ApiError as error:
        return error.status_code, json_answer(error.envelope())
    except Exception:
        log.exception("unexpected error on %s %s", call.method, call.path)
        return failure(UNEXPECTED_ERRORS[operation])


def failure(kind: type[ApiError]) -> tuple[int, bytes]:
    """The answer to a bug: the envelope of `kind`, saying only that the server logged it."""
    failed = kind(UNEXPECTED)
    return failed.status_code, json_answer(failed.envelope())


@functools.lru_cache(maxsize=CACHED_HOSTS)
def host_url(scheme: str, host: str) -> str:
    """`request.host_url`, worked out once per host rather than on every poll."""
    return get_current_url(scheme, host)


def query_text(query_string: bytes) -> str:
    """A raw query string as text: UTF-8, with bytes that are not UTF-8 percent-encoded (as
    Werkzeug leaves an escape that does not decode), so every query can be read."""
    return query_string.decode(errors=URL_QUOTE)


def too_large(limit: int) -> RequestTooLarge:
    """The 413 for a body over the limit."""
    return RequestTooLarge(f"request body is larger than the limit of {limit} bytes")


def json_answer(document: Any) -> bytes:
    """Serialise an answer as Flask's `jsonify` does outside debug mode: compact, ASCII, keys
    in order, a newline."""
    return json.dumps(document, separators=(",", ":")).encode("ascii") + b"\n"
