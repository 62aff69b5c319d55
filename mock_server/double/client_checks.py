"""Checks of how a client behaved, read from the request journal.

Each `assert_*` raises `ClientCheckFailed` (an AssertionError) saying what was expected and
listing what was recorded, with why each candidate request did not qualify.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from mock_server.double.journal import JournalEntry
from mock_server.wire.paths import RequestKind
from mock_server.wire.statuses import TaskStatus

__all__ = [
    "ClientCheckFailed",
    "assert_downloaded_before_expiry",
    "assert_no_polls_after_terminal",
    "assert_poll_interval_at_least",
    "assert_submitted",
    "matching_submits",
    "polls_after_terminal",
    "shortest_poll_interval",
]

SUCCEED = TaskStatus.SUCCEED.value
DOWNLOADED = (200, 206)
MISSING = object()


class ClientCheckFailed(AssertionError):
    """A client did not behave as a test expected."""


def _of_kind(entries: Iterable[JournalEntry], kind: RequestKind) -> list[JournalEntry]:
    return [entry for entry in entries if entry.kind is kind]


def _listing(lines: Sequence[str]) -> str:
    return "\n".join(f"  {line}" for line in lines) if lines else "  (none)"


# Submits -------------------------------------------------------------------------------


def submit_mismatches(entry: JournalEntry, fields: Mapping[str, Any]) -> list[str]:
    """Say how a submit's body differs from the expected fields (empty when it matches)."""
    body = entry.json if isinstance(entry.json, dict) else {}
    problems = []
    for name, expected in fields.items():
        sent = body.get(name, MISSING)
        if sent is MISSING:
            problems.append(f"{name} was not sent (expected {expected!r})")
        elif sent != expected:
            problems.append(f"{name} was {sent!r} (expected {expected!r})")
    return problems


def matching_submits(entries: Iterable[JournalEntry], **fields: Any) -> list[JournalEntry]:
    """The submits whose JSON body has all these field values."""
    return [
        entry
        for entry in _of_kind(entries, RequestKind.SUBMIT)
        if not submit_mismatches(entry, fields)
    ]


def assert_submitted(entries: Sequence[JournalEntry], **fields: Any) -> JournalEntry:
    """Check that some submit carried these body fields; return the first such submit."""
    found = matching_submits(entries, **fields)
    if found:
        return found[0]
    expected = ", ".join(f"{name}={value!r}" for name, value in fields.items()) or "any body"
    lines = [
        f"{entry.describe()}: {'; '.join(submit_mismatches(entry, fields))}"
        for entry in _of_kind(entries, RequestKind.SUBMIT)
    ]
    raise ClientCheckFailed(
        f"expected a submit with {expected}; recorded submits:\n{_listing(lines)}"
    )


# Polls ---------------------------------------------------------------------------------


def _task_ids(entries: Iterable[JournalEntry], kind: RequestKind) -> list[str]:
    return list(dict.fromkeys(entry.task_id for entry in _of_kind(entries, kind)))


def _polls(entries: Iterable[JournalEntry], task_id: str) -> list[JournalEntry]:
    return [entry for entry in _of_kind(entries, RequestKind.POLL) if entry.task_id == task_id]


def _intervals(polls: Sequence[JournalEntry]) -> list[tuple[float, JournalEntry, JournalEntry]]:
    pairs = itertools.pairwise(polls)
    return [(later.time - earlier.time, earlier, later) for earlier, later in pairs]


def shortest_poll_interval(
    entries: Sequence[JournalEntry], task_id: str | None = None
) -> float | None:
    """The shortest time between two polls of one task (on the fake's clock), or None."""
    task_ids = [task_id] if task_id is not None else _task_ids(entries, RequestKind.POLL)
    gaps = [gap for tid in task_ids for gap, _, _ in _intervals(_polls(entries, tid))]
    return min(gaps) if gaps else None


def assert_poll_interval_at_least(
    entries: Sequence[JournalEntry], seconds: float, task_id: str | None = None
) -> None:
    """Check that the client never polled a task sooner than `seconds` after the last poll."""
    task_ids = [task_id] if task_id is not None else _task_ids(entries, RequestKind.POLL)
    too_soon = [
        f"{later.describe()} came {gap:.3f} s after {earlier.describe()}"
        for tid in task_ids
        for gap, earlier, later in _intervals(_polls(entries, tid))
        if gap < seconds
    ]
    if too_soon:
        raise ClientCheckFailed(
            f"expected at least {seconds:g} s between polls of a task; too soon:\n"
            f"{_listing(too_soon)}"
        )


def polls_after_terminal(
    entries: Sequence[JournalEntry], task_id: str | None = None
) -> list[JournalEntry]:
    """Polls of a task made after an earlier poll had already seen it SUCCEED or FAIL."""
    task_ids = [task_id] if task_id is not None else _task_ids(entries, RequestKind.POLL)
    extra: list[JournalEntry] = []
    for tid in task_ids:
        polls = _polls(entries, tid)
        ended = next((i for i, poll in enumerate(polls) if poll.ended), None)
        extra.extend(polls[ended + 1 :] if ended is not None else [])
    return extra


def assert_no_polls_after_terminal(
    entries: Sequence[JournalEntry], task_id: str | None = None
) -> None:
    """Check that the client stopped polling a task once a poll showed it finished."""
    extra = polls_after_terminal(entries, task_id)
    if extra:
        ended = {
            poll.task_id: poll
            for poll in reversed(_of_kind(entries, RequestKind.POLL))
            if poll.ended
        }
        lines = [
            f"{entry.describe()} after {ended[entry.task_id].describe()} answered "
            f"{ended[entry.task_id].task_status}"
            for entry in extra
        ]
        raise ClientCheckFailed(
            f"expected no polls of a task after it ended; recorded:\n{_listing(lines)}"
        )


# Downloads -----------------------------------------------------------------------------


def _expiry(poll: JournalEntry) -> float | None:
    """When the video URL a poll handed out expires (fake's clock), if the poll says."""
    try:
        completed = int(poll.response["extra"]["debug_info"]["complete_time_ms"]) / 1000
        return completed + int(poll.response["videos"][0]["video_url_ttl"])
    except (KeyError, IndexError, TypeError, ValueError):
        return None


def _download_problem(entries: Sequence[JournalEntry], task_id: str) -> str | None:
    """Say why a task's video was not downloaded in time, or None when it was."""
    downloads = [
        entry
        for entry in _of_kind(entries, RequestKind.DOWNLOAD)
        if entry.task_id == task_id and entry.method == "GET"
    ]
    if any(entry.status in DOWNLOADED for entry in downloads):
        return None
    succeeded = [poll for poll in _polls(entries, task_id) if poll.task_status == SUCCEED]
    expiry = _expiry(succeeded[0]) if succeeded else None
    expires = f"its URL expired at t={expiry:.3f}" if expiry is not None else "no poll showed a URL"
    attempts = [entry.describe() for entry in downloads]
    return f"task {task_id} ({expires}); download attempts:\n{_listing(attempts)}"


def assert_downloaded_before_expiry(
    entries: Sequence[JournalEntry], task_id: str | None = None
) -> None:
    """Check that the client fetched each finished video (or this task's) while its URL worked."""
    if task_id is not None:
        task_ids = [task_id]
    else:
        task_ids = [
            poll.task_id
            for poll in _of_kind(entries, RequestKind.POLL)
            if poll.task_status == SUCCEED
        ]
        task_ids = list(dict.fromkeys(task_ids))
    if not task_ids:
        raise ClientCheckFailed("expected a downloaded video; no poll recorded a finished task")
    problems = [problem for tid in task_ids if (problem := _download_problem(entries, tid))]
    if problems:
        raise ClientCheckFailed(
            "expected each video downloaded before its URL expired; not done for:\n"
            + "\n".join(problems)
        )
