"""One cheap request before any other: does the target answer, is it this API, does it take the key?

It polls a task id nobody was given, with the run's key. This API answers 404 TASK_NOT_FOUND (in
its error envelope), which shows both that the key works and that this is the API; a refused key,
a server that does not answer, or an answer that is not this API's (an HTML page from a proxy)
stop the run before it sends anything else, so none of them is blamed on a check.
"""

from __future__ import annotations

import re
from typing import Any

import requests

from mock_server.conformance.budget import Budget
from mock_server.conformance.operations import Api, Credentials
from mock_server.conformance.transport import HttpTarget, Timeouts
from mock_server.wire.exchange import NOT_JSON, Exchange

__all__ = ["NOBODYS_TASK", "PreflightFailed", "judge", "preflight", "preflight_at"]

NOBODYS_TASK = "00000000-0000-4000-8000-000000000000"
KEY_REASONS = frozenset({"INVALID_API_KEY", "MISSING_API_KEY"})
KEY_STATUSES = frozenset({401, 403})
SHOWN_CHARS = 120
OS_ERROR = re.compile(r"\[Errno -?\d+\] [^'\")]+")


class PreflightFailed(Exception):
    """The target cannot be tested: it does not answer, is not this API, or refuses the key."""


def preflight_at(base_url: str, api_key: str, timeouts: Timeouts | None = None) -> str:
    """Run the preflight against a base URL; return what it showed, or raise PreflightFailed."""
    target = HttpTarget(base_url, timeouts or Timeouts(connect=10.0, read=30.0))
    try:
        return preflight(Api(target, Credentials(api_key), Budget(0)))
    finally:
        target.close()


def preflight(api: Api) -> str:
    """Poll nobody's task with the key; return what that showed, or raise PreflightFailed."""
    try:
        exchange = api.poll(NOBODYS_TASK)
    except requests.RequestException as exc:
        raise PreflightFailed(
            f"{api.target.base_url} does not answer: {_first_line(exc)}"
        ) from None
    return judge(exchange)


def judge(exchange: Exchange) -> str:
    """Say what the answer to the preflight poll shows; raise PreflightFailed if it is no go."""
    base, status, document = exchange.base_url, exchange.status, exchange.document
    if not _is_this_api(document):
        raise PreflightFailed(
            f"{base} does not answer like this API: a poll of a task got {_shown(exchange)}"
        )
    reason = document.get("reason")
    said = f"HTTP {status} {reason}" if reason else f"HTTP {status}"
    message = f" ({document.get('message')})" if document.get("message") else ""
    if status in KEY_STATUSES or reason in KEY_REASONS:
        raise PreflightFailed(
            f"the API key was refused: {said}{message}; check --api-key (or VIDU_CONTRACT_API_KEY)"
        )
    if reason == "API_NOT_FOUND":
        raise PreflightFailed(
            f"{base} has no task-result endpoint: {said}{message}; check --base-url"
        )
    if status == 429 or status >= 500:
        raise PreflightFailed(f"{base} cannot take requests now: {said}{message}")
    return f"the key works: polling nobody's task answered {said}"


def _is_this_api(document: Any) -> bool:
    """An error envelope (it has a `reason`) or a task result (it has a `task`)."""
    return isinstance(document, dict) and (
        isinstance(document.get("reason"), str) or isinstance(document.get("task"), dict)
    )


def _shown(exchange: Exchange) -> str:
    response = exchange.response
    kind = response.headers.get("content-type", "no Content-Type")
    text = response.body[:SHOWN_CHARS].decode("utf-8", errors="replace")
    what = "a body that is not JSON" if exchange.document is NOT_JSON else "JSON"
    return f"HTTP {response.status} ({kind}), {what}: {' '.join(text.split())!r}"


def _first_line(error: Exception) -> str:
    """The operating system's words where there are some (`[Errno 111] Connection refused`)."""
    text = str(error) or type(error).__name__
    found = OS_ERROR.search(text)
    return f"{type(error).__name__}: {found[0] if found else text.splitlines()[0][:300]}"
