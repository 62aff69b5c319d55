"""Checks: small functions that look at what a target answered and raise if it breaks the contract.

Each check is declared under its function name and fails with a `CheckFailure` that names the
check, says what was expected and what arrived, and shows the exact request as a curl command.
A run counts each check's runs and failures for its report in its own `CheckLog`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, ParamSpec, TypeVar

from mock_server.conformance.report import CheckResult
from mock_server.conformance.task_view import TaskView
from mock_server.wire.exchange import NOT_JSON, Exchange
from mock_server.wire.schemas import ERROR, answer_schema, schema_problems
from mock_server.wire.statuses import TaskStatus

__all__ = [
    "Check",
    "CheckFailure",
    "CheckLog",
    "Mismatch",
    "accepted_task_is_found",
    "check",
    "eta_never_increases",
    "failed_task_has_reason",
    "invalid_body_is_refused",
    "missing_key_is_refused",
    "missing_task_id_is_refused",
    "progress_is_a_percentage",
    "progress_never_decreases",
    "response_conforms_to_schema",
    "status_moves_forward",
    "succeeded_task_has_video",
    "task_finishes_in_time",
    "task_id_is_echoed",
    "terminal_status_is_final",
    "unknown_path_is_not_found",
    "unknown_task_is_not_found",
    "valid_submission_is_accepted",
    "video_downloads_as_mp4",
    "wrong_key_is_refused",
]


P = ParamSpec("P")
R = TypeVar("R")
MP4_BRAND_BOX = b"ftyp"
SHOWN_PROBLEMS = 6


class Mismatch(Exception):
    """What a check found: a one-line headline, what was expected, what arrived."""

    def __init__(
        self, headline: str, expected: str, arrived: str, exchange: Exchange | None
    ) -> None:
        super().__init__(headline)
        self.headline, self.expected, self.arrived, self.exchange = (
            headline,
            expected,
            arrived,
            exchange,
        )


class CheckFailure(AssertionError):
    """A check failed on the target; the message is the whole story."""

    def __init__(self, check: str, mismatch: Mismatch) -> None:
        lines = [
            f"[{check}] {mismatch.headline}",
            f"  expected: {mismatch.expected}",
            f"  arrived:  {mismatch.arrived}",
        ]
        if mismatch.exchange is not None:
            lines.append("  " + mismatch.exchange.describe().replace("\n", "\n  "))
        super().__init__("\n".join(lines))
        self.check = check


@dataclass(frozen=True)
class Check(Generic[P, R]):
    """A declared check: its name, the one-line rule it asserts, and the function asserting it."""

    name: str
    summary: str
    function: Callable[P, R]

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        """Run the check, turning what it found into a `CheckFailure` that names it."""
        try:
            return self.function(*args, **kwargs)
        except Mismatch as mismatch:
            raise CheckFailure(self.name, mismatch) from None


DECLARED: dict[str, Check[Any, Any]] = {}


def check(function: Callable[P, R]) -> Check[P, R]:
    """Declare a check under its function's name, summarised by its docstring's first line."""
    summary = (function.__doc__ or function.__name__).strip().splitlines()[0]
    declared = Check(function.__name__, summary, function)
    DECLARED[declared.name] = declared
    return declared


@dataclass
class _Tally:
    runs: int = 0
    failures: int = 0
    last_failure: str = ""


class CheckLog:
    """Runs checks for one run of the suite, counting each one's runs and failures."""

    def __init__(self) -> None:
        self._tallies: dict[str, _Tally] = {}
        self._lock = threading.Lock()

    def run(self, check: Check[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
        """Run a check and count the run; a failure is counted, then raised."""
        try:
            result = check(*args, **kwargs)
        except CheckFailure as failure:
            self._record(check.name, str(failure).splitlines()[0])
            raise
        self._record(check.name, None)
        return result

    def _record(self, name: str, failure: str | None) -> None:
        with self._lock:
            tally = self._tallies.setdefault(name, _Tally())
            tally.runs += 1
            if failure is not None:
                tally.failures += 1
                tally.last_failure = failure

    def results(self) -> tuple[CheckResult, ...]:
        """One result per declared check, in declaration order, run or not."""
        results = []
        for name, declared in DECLARED.items():
            tally = self._tallies.get(name, _Tally())
            results.append(
                CheckResult(name, declared.summary, tally.runs, tally.failures, tally.last_failure)
            )
        return tuple(results)


@check
def response_conforms_to_schema(exchange: Exchange) -> None:
    """Every API answer validates against schemas/ (errors as the envelope, `code` = status)."""
    request = exchange.request
    name = answer_schema(request.method, request.path, exchange.status)
    if name is None:
        return
    document = exchange.document
    if document is NOT_JSON:
        raise Mismatch(
            "the answer is not JSON", f"JSON matching {name}", _shown(exchange), exchange
        )
    problems = schema_problems(name, document)
    if name == ERROR and isinstance(document, dict) and document.get("code") != exchange.status:
        problems.append(f"code: {document.get('code')!r} is not the HTTP status {exchange.status}")
    if problems:
        headline = f"the answer breaks {name}: " + "; ".join(problems[:SHOWN_PROBLEMS])
        raise Mismatch(
            headline, f"a body matching schemas/{name}.schema.json", _shown(exchange), exchange
        )


@check
def valid_submission_is_accepted(exchange: Exchange) -> str:
    """A valid submission is answered HTTP 200 with a task_id."""
    document = exchange.document
    task_id = document.get("task_id") if isinstance(document, dict) else None
    if exchange.status != 200 or not isinstance(task_id, str) or not task_id:
        headline = f"a valid submission was answered {_status_reason(exchange)}"
        raise Mismatch(headline, "HTTP 200 with a task_id", _shown(exchange), exchange)
    return task_id


@check
def invalid_body_is_refused(exchange: Exchange, what: str, rule: str) -> None:
    """A body that breaks a documented rule is refused: 400 INVALID_REQUEST_BODY."""
    if _is_error(exchange, {400: {"INVALID_REQUEST_BODY"}}):
        return
    verb = "was accepted" if exchange.status == 200 else f"was answered {_status_reason(exchange)}"
    expected = f"HTTP 400, reason INVALID_REQUEST_BODY ({rule})"
    raise Mismatch(f"{what} {verb}", expected, _shown(exchange), exchange)


@check
def missing_key_is_refused(exchange: Exchange) -> None:
    """No Authorization header: 400 MISSING_API_KEY (docs) or 403 INVALID_API_KEY (seen)."""
    allowed = {400: {"MISSING_API_KEY"}, 403: {"INVALID_API_KEY"}}
    _refused_as(exchange, allowed, "a request without an API key")


@check
def wrong_key_is_refused(exchange: Exchange) -> None:
    """A key nobody has: 403 INVALID_API_KEY (docs) or 401 (the reseller's FAQ)."""
    _refused_as(exchange, {401: {"INVALID_API_KEY"}, 403: {"INVALID_API_KEY"}}, "a wrong API key")


@check
def unknown_task_is_not_found(exchange: Exchange) -> None:
    """Polling a task id nobody issued: 404 TASK_NOT_FOUND."""
    _refused_as(exchange, {404: {"TASK_NOT_FOUND"}}, "an unknown task id")


@check
def missing_task_id_is_refused(exchange: Exchange) -> None:
    """Polling without a task_id is refused with a 4xx envelope (the docs leave which open)."""
    allowed = {status: None for status in range(400, 500)}
    _refused_as(exchange, allowed, "a poll without task_id")


@check
def unknown_path_is_not_found(exchange: Exchange) -> None:
    """A path the API does not have: 404 API_NOT_FOUND."""
    _refused_as(
        exchange, {404: {"API_NOT_FOUND"}}, f"{exchange.request.method} {exchange.request.path}"
    )


@check
def accepted_task_is_found(exchange: Exchange) -> None:
    """Polling an accepted task answers HTTP 200 (clients treat anything else as a hard error)."""
    if exchange.status != 200:
        headline = f"polling an accepted task was answered {_status_reason(exchange)}"
        raise Mismatch(headline, "HTTP 200 with the task result", _shown(exchange), exchange)


@check
def task_id_is_echoed(task_id: str, view: TaskView) -> None:
    """The task result names the task that was polled."""
    if view.task_id != task_id:
        raise Mismatch(
            "the task result names another task",
            f"task.task_id {task_id!r}",
            repr(view.task_id),
            view.exchange,
        )


@check
def progress_is_a_percentage(view: TaskView) -> None:
    """progress_percent is an integer from 0 to 100."""
    value = view.progress
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
        raise Mismatch(
            f"progress_percent is {value!r}", "an integer 0..100", repr(value), view.exchange
        )


@check
def status_moves_forward(previous: TaskView, current: TaskView) -> None:
    """Statuses only move forward: QUEUED -> PROCESSING -> SUCCEED | FAILED."""
    before, after = _rank(previous.status), _rank(current.status)
    if before is not None and after is not None and after < before:
        headline = f"status went back from {previous.status} to {current.status}"
        raise Mismatch(
            headline, f"{previous.status} or a later status", current.status, current.exchange
        )


@check
def terminal_status_is_final(previous: TaskView, current: TaskView) -> None:
    """A task that reached SUCCEED or FAILED keeps that status (and reason) for good."""
    if _terminal(previous.status) and (current.status, current.reason) != (
        previous.status,
        previous.reason,
    ):
        headline = f"terminal status {previous.status} changed to {current.status}"
        expected = f"{previous.status} (reason {previous.reason!r}) again"
        raise Mismatch(
            headline, expected, f"{current.status} (reason {current.reason!r})", current.exchange
        )


@check
def progress_never_decreases(previous: TaskView, current: TaskView) -> None:
    """progress_percent never goes down between polls."""
    if _both_ints(previous.progress, current.progress) and current.progress < previous.progress:
        headline = f"progress_percent went down from {previous.progress} to {current.progress}"
        raise Mismatch(
            headline,
            f"progress_percent >= {previous.progress}",
            str(current.progress),
            current.exchange,
        )


@check
def eta_never_increases(previous: TaskView, current: TaskView) -> None:
    """eta (seconds left) never goes up between polls."""
    if _both_ints(previous.eta, current.eta) and current.eta > previous.eta:
        headline = f"eta went up from {previous.eta} to {current.eta}"
        raise Mismatch(headline, f"eta <= {previous.eta}", str(current.eta), current.exchange)


@check
def succeeded_task_has_video(view: TaskView) -> None:
    """A SUCCEED task carries at least one video with a video_url."""
    if not view.video_urls:
        raise Mismatch(
            "a SUCCEED task has no video", "videos[0].video_url", repr(view.videos), view.exchange
        )


@check
def failed_task_has_reason(view: TaskView) -> None:
    """A FAILED task says why in a non-empty task.reason."""
    if not isinstance(view.reason, str) or not view.reason.strip():
        raise Mismatch(
            "a FAILED task has no reason",
            "a non-empty task.reason",
            repr(view.reason),
            view.exchange,
        )


@check
def video_downloads_as_mp4(exchange: Exchange) -> None:
    """A SUCCEED task's video_url downloads (GET 200) as an mp4 file (an `ftyp` box first)."""
    body = exchange.response.body
    if exchange.status != 200 or body[4:8] != MP4_BRAND_BOX:
        start = body[:12]
        headline = f"the video URL answered {exchange.status}: {len(body)} bytes, {start!r}..."
        raise Mismatch(
            headline, "HTTP 200 with an mp4 (`ftyp` at byte 4)", _shown(exchange), exchange
        )


@check
def task_finishes_in_time(task_id: str, view: TaskView | None, waited: str) -> None:
    """An accepted task reaches SUCCEED or FAILED within the run's patience."""
    status = None if view is None else view.status
    if not _terminal(status):
        headline = f"task {task_id} was still {status} after {waited}"
        raise Mismatch(
            headline,
            "TASK_STATUS_SUCCEED or TASK_STATUS_FAILED",
            str(status),
            None if view is None else view.exchange,
        )


def _rank(status: Any) -> int | None:
    named = TaskStatus.named(status)
    return None if named is None else named.rank


def _terminal(status: Any) -> bool:
    named = TaskStatus.named(status)
    return named is not None and named.terminal


def _refused_as(exchange: Exchange, allowed: Mapping[int, set[str] | None], what: str) -> None:
    if _is_error(exchange, allowed):
        return
    expected = " or ".join(
        f"HTTP {status}" + (f" {'/'.join(sorted(reasons))}" if reasons else "")
        for status, reasons in list(allowed.items())[:4]
    )
    raise Mismatch(
        f"{what} was answered {_status_reason(exchange)}", expected, _shown(exchange), exchange
    )


def _is_error(exchange: Exchange, allowed: Mapping[int, set[str] | None]) -> bool:
    if exchange.status not in allowed:
        return False
    reasons = allowed[exchange.status]
    return reasons is None or _reason(exchange) in reasons


def _reason(exchange: Exchange) -> Any:
    document = exchange.document
    return document.get("reason") if isinstance(document, dict) else None


def _status_reason(exchange: Exchange) -> str:
    reason = _reason(exchange)
    return f"{exchange.status} {reason}" if isinstance(reason, str) else str(exchange.status)


def _shown(exchange: Exchange) -> str:
    return exchange.response.describe()


def _both_ints(*values: Any) -> bool:
    return all(isinstance(value, int) and not isinstance(value, bool) for value in values)
