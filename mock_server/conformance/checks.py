"""Checks: small functions that look at what a target answered and raise if it breaks the contract.

Each check is declared under its function name and fails with a `CheckFailure` that names the
check, says what was expected and what arrived, and shows the exact request as a curl command.
A run counts each check's runs and failures for its report in its own `CheckLog`.
"""

from __future__ import annotations

import enum
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, ParamSpec, TypeVar

from mock_server.conformance.mp4_boxes import AUDIO, VIDEO, BoxError, Movie, read_movie
from mock_server.conformance.report import CheckResult, Spend, Why
from mock_server.conformance.task_view import TaskView
from mock_server.wire.exchange import NOT_JSON, Exchange
from mock_server.wire.json_body import JSON_TYPE
from mock_server.wire.schemas import ERROR, answer_schema, schema_problems
from mock_server.wire.statuses import TaskStatus

__all__ = [
    "Check",
    "CheckFailure",
    "CheckLog",
    "Mismatch",
    "Need",
    "accepted_task_is_found",
    "answer_says_it_is_json",
    "check",
    "eta_never_increases",
    "failed_task_has_reason",
    "invalid_body_is_refused",
    "missing_key_is_refused",
    "missing_task_id_is_refused",
    "progress_is_a_percentage",
    "progress_never_decreases",
    "range_request_is_honoured",
    "reason_is_empty_unless_failed",
    "response_conforms_to_schema",
    "status_moves_forward",
    "submitted_seed_is_echoed",
    "succeeded_task_has_video",
    "task_check",
    "task_finishes_in_time",
    "task_id_is_echoed",
    "terminal_status_is_final",
    "unknown_path_is_not_found",
    "unknown_task_is_not_found",
    "valid_submission_is_accepted",
    "video_content_type_agrees_with_video_type",
    "video_downloads_again_within_ttl",
    "video_downloads_as_mp4",
    "video_duration_matches_request",
    "video_file_is_whole",
    "video_has_requested_audio",
    "video_resolution_matches_request",
    "wrong_key_is_refused",
]


P = ParamSpec("P")
R = TypeVar("R")
MP4_BRAND_BOX = b"ftyp"
SHOWN_PROBLEMS = 6
DURATION_TOLERANCE_S = 0.5
# Object stores serve files whose type nobody set under these; they name no other type.
UNTYPED = frozenset({"application/octet-stream", "binary/octet-stream"})
CONTENT_RANGE = re.compile(r"^bytes (\d+)-(\d+)/(\d+|\*)$")


class Need(enum.Enum):
    """What gives a check occasion to run, so a report can say why one did not."""

    NOTHING = "nothing"  # any run
    TASK = "task"  # an accepted task: a paid submission on a live target
    FAILED_TASK = "failed task"  # a task that failed: live targets cannot be made to fail one

    def why_not_run(self, spend: Spend, live: bool) -> Why:
        if self is Need.NOTHING:
            return Why.SKIPPED
        if self is Need.FAILED_TASK and live:
            return Why.TARGET_CANNOT
        return Why.BUDGET if spend.used_up else Why.SKIPPED


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
    need: Need = Need.NOTHING

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        """Run the check, turning what it found into a `CheckFailure` that names it."""
        try:
            return self.function(*args, **kwargs)
        except Mismatch as mismatch:
            raise CheckFailure(self.name, mismatch) from None


DECLARED: dict[str, Check[Any, Any]] = {}


def check(function: Callable[P, R]) -> Check[P, R]:
    """Declare a check under its function's name, summarised by its docstring's first line."""
    return _declare(function, Need.NOTHING)


def task_check(function: Callable[P, R]) -> Check[P, R]:
    """Declare a check that only an accepted task gives occasion to run."""
    return _declare(function, Need.TASK)


def failed_task_check(function: Callable[P, R]) -> Check[P, R]:
    """Declare a check that only a failed task gives occasion to run."""
    return _declare(function, Need.FAILED_TASK)


def _declare(function: Callable[P, R], need: Need) -> Check[P, R]:
    summary = (function.__doc__ or function.__name__).strip().splitlines()[0]
    declared = Check(function.__name__, summary, function, need)
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

    def results(self, spend: Spend, *, live: bool) -> tuple[CheckResult, ...]:
        """One result per declared check, in declaration order; those not run say why."""
        results = []
        for name, declared in DECLARED.items():
            tally = self._tallies.get(name, _Tally())
            why = declared.need.why_not_run(spend, live)
            results.append(
                CheckResult(
                    name, declared.summary, tally.runs, tally.failures, tally.last_failure, why
                )
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


@task_check
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
    _refused_as(exchange, allowed, "a poll without task_id", expected="any HTTP 4xx error envelope")


@check
def unknown_path_is_not_found(exchange: Exchange) -> None:
    """A path the API does not have: 404 API_NOT_FOUND."""
    _refused_as(
        exchange, {404: {"API_NOT_FOUND"}}, f"{exchange.request.method} {exchange.request.path}"
    )


@task_check
def accepted_task_is_found(exchange: Exchange) -> None:
    """Polling an accepted task answers HTTP 200 (clients treat anything else as a hard error)."""
    if exchange.status != 200:
        headline = f"polling an accepted task was answered {_status_reason(exchange)}"
        raise Mismatch(headline, "HTTP 200 with the task result", _shown(exchange), exchange)


@task_check
def task_id_is_echoed(task_id: str, view: TaskView) -> None:
    """The task result names the task that was polled."""
    if view.task_id != task_id:
        raise Mismatch(
            "the task result names another task",
            f"task.task_id {task_id!r}",
            repr(view.task_id),
            view.exchange,
        )


@task_check
def progress_is_a_percentage(view: TaskView) -> None:
    """progress_percent is an integer from 0 to 100."""
    value = view.progress
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
        raise Mismatch(
            f"progress_percent is {value!r}", "an integer 0..100", repr(value), view.exchange
        )


@task_check
def status_moves_forward(previous: TaskView, current: TaskView) -> None:
    """Statuses only move forward: QUEUED -> PROCESSING -> SUCCEED | FAILED."""
    before, after = _rank(previous.status), _rank(current.status)
    if before is not None and after is not None and after < before:
        headline = f"status went back from {previous.status} to {current.status}"
        raise Mismatch(
            headline, f"{previous.status} or a later status", current.status, current.exchange
        )


@task_check
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


@task_check
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


@task_check
def eta_never_increases(previous: TaskView, current: TaskView) -> None:
    """eta (seconds left) never goes up between polls."""
    if _both_ints(previous.eta, current.eta) and current.eta > previous.eta:
        headline = f"eta went up from {previous.eta} to {current.eta}"
        raise Mismatch(headline, f"eta <= {previous.eta}", str(current.eta), current.exchange)


@task_check
def succeeded_task_has_video(view: TaskView) -> None:
    """A SUCCEED task carries at least one video with a video_url."""
    if not view.video_urls:
        raise Mismatch(
            "a SUCCEED task has no video", "videos[0].video_url", repr(view.videos), view.exchange
        )


@failed_task_check
def failed_task_has_reason(view: TaskView) -> None:
    """A FAILED task says why in a non-empty task.reason."""
    if not isinstance(view.reason, str) or not view.reason.strip():
        raise Mismatch(
            "a FAILED task has no reason",
            "a non-empty task.reason",
            repr(view.reason),
            view.exchange,
        )


@task_check
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
def answer_says_it_is_json(exchange: Exchange) -> None:
    """Every API answer says Content-Type: application/json."""
    declared = exchange.response.headers.get("content-type")
    if _media_type(declared) != JSON_TYPE:
        raise Mismatch(
            f"the answer says Content-Type {declared!r}",
            f"Content-Type: {JSON_TYPE}",
            _shown(exchange),
            exchange,
        )


@task_check
def reason_is_empty_unless_failed(view: TaskView) -> None:
    """task.reason is empty unless the task FAILED."""
    if view.known_status is not TaskStatus.FAILED and view.reason not in ("", None):
        raise Mismatch(
            f"a {view.status} task gives the reason {view.reason!r}",
            'task.reason "" until the task fails',
            repr(view.reason),
            view.exchange,
        )


@task_check
def submitted_seed_is_echoed(requested: Mapping[str, Any], view: TaskView) -> None:
    """A non-zero seed that was submitted comes back as extra.seed."""
    asked = requested.get("seed")
    if _numeric(view.seed) != asked:
        raise Mismatch(
            f"seed {asked} was submitted; extra.seed is {view.seed!r}",
            f'extra.seed "{asked}"',
            repr(view.seed),
            view.exchange,
        )


@task_check
def video_file_is_whole(download: Exchange) -> Movie:
    """A video's top-level mp4 boxes run exactly to its last byte, all Content-Length says."""
    body = download.response.body
    declared = download.response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) != len(body):
        raise Mismatch(
            f"Content-Length says {declared} bytes; {len(body)} arrived",
            f"{declared} bytes",
            _shown(download),
            download,
        )
    try:
        return read_movie(body)
    except BoxError as cut:
        raise Mismatch(
            f"the mp4 is not whole: {cut}",
            "top-level boxes ending at the file's last byte, with a movie header",
            _shown(download),
            download,
        ) from None


@task_check
def video_duration_matches_request(
    movie: Movie, requested: Mapping[str, Any], download: Exchange
) -> None:
    """A video lasts the duration asked for, within 0.5 s (its mp4 movie header says how long)."""
    asked = requested.get("duration")
    if isinstance(asked, int | float) and abs(movie.duration_s - asked) > DURATION_TOLERANCE_S:
        raise Mismatch(
            f"duration {asked} was asked; the video lasts {movie.duration_s:.2f} s",
            f"{asked} s, within {DURATION_TOLERANCE_S} s",
            f"{movie.duration_s:.3f} s",
            download,
        )


@task_check
def video_resolution_matches_request(
    movie: Movie, requested: Mapping[str, Any], download: Exchange
) -> None:
    """A video's short side is 720 or 1080 pixels, as `resolution` asked (its mp4 track header)."""
    asked = str(requested.get("resolution", ""))
    picture = movie.first(VIDEO)
    size = "no video track" if picture is None else f"{picture.width:g}x{picture.height:g}"
    if picture is None or f"{min(picture.width, picture.height):g}p" != asked:
        raise Mismatch(
            f"resolution {asked} was asked; the video is {size}",
            f"a short side of {asked.removesuffix('p')} pixels",
            size,
            download,
        )


@task_check
def video_has_requested_audio(movie: Movie, download: Exchange) -> None:
    """A video made with `audio: true` has an audio track."""
    if movie.first(AUDIO) is None:
        kinds = ", ".join(track.handler for track in movie.tracks) or "none"
        raise Mismatch(
            "audio was asked; the video has no audio track",
            f"a track with handler {AUDIO!r}",
            f"tracks: {kinds}",
            download,
        )


@task_check
def video_content_type_agrees_with_video_type(download: Exchange, video_type: Any) -> None:
    """A video is served as its video_type (video/mp4 for mp4), or as untyped bytes."""
    declared = download.response.headers.get("content-type")
    expected = f"video/{video_type}"
    if _media_type(declared) not in {expected, *UNTYPED}:
        raise Mismatch(
            f"a video of video_type {video_type!r} is served as {declared!r}",
            f"Content-Type: {expected}",
            _shown(download),
            download,
        )


@task_check
def range_request_is_honoured(ranged: Exchange, whole: bytes, first: int, last: int) -> None:
    """With Accept-Ranges: bytes, a Range request answers 206, its Content-Range and bytes."""
    content_range = ranged.response.headers.get("content-range", "")
    expected = f"bytes {first}-{last}/{len(whole)}"
    match = CONTENT_RANGE.match(content_range)
    right = (
        ranged.status == 206
        and match is not None
        and (int(match[1]), int(match[2])) == (first, last)
        and ranged.response.body == whole[first : last + 1]
    )
    if not right:
        headline = (
            f"Accept-Ranges: bytes is advertised; bytes={first}-{last} was answered "
            f"{ranged.status} with Content-Range {content_range!r}"
        )
        raise Mismatch(
            headline, f"HTTP 206, Content-Range {expected} and those bytes", _shown(ranged), ranged
        )


@task_check
def video_downloads_again_within_ttl(again: Exchange, first: bytes, ttl: str) -> None:
    """A video URL downloads again, the same bytes, while within its video_url_ttl."""
    if again.status != 200 or again.response.body != first:
        headline = (
            f"a second download within video_url_ttl ({ttl} s) answered {again.status}, "
            f"{len(again.response.body)} bytes"
        )
        raise Mismatch(headline, f"HTTP 200 and the same {len(first)} bytes", _shown(again), again)


@task_check
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


def _refused_as(
    exchange: Exchange,
    allowed: Mapping[int, set[str] | None],
    what: str,
    *,
    expected: str = "",
) -> None:
    """Raise unless the answer has one of the allowed statuses (and one of its reasons, where
    some are given); `expected` says what was allowed, else each status is named."""
    if _is_error(exchange, allowed):
        return
    expected = expected or " or ".join(
        f"HTTP {status}" + (f" {'/'.join(sorted(reasons))}" if reasons else "")
        for status, reasons in allowed.items()
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


def _media_type(content_type: str | None) -> str:
    """The media type of a Content-Type header, lower-cased, without parameters."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def _numeric(value: Any) -> int | None:
    """A seed as the API writes it (a numeric string, or a number) read as an integer."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = str(value).strip()
    return int(text) if text.lstrip("-").isdigit() else None
