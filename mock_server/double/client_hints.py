"""Hints about a client, read from the request journal: not failures, but likely causes of one.

The one hint so far is the virtual-clock trap: the fixtures start the fake on a virtual clock,
so a client that really sleeps between polls sees its task QUEUED forever. Its journal shows
the same task polled again and again at one instant of the fake's clock, never finishing.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass

from mock_server.double.journal import JournalEntry
from mock_server.wire.paths import RequestKind

__all__ = ["STALLED_POLLS", "StalledPolls", "stalled_polls"]

#: Polls of one task at one instant of the fake's clock that make a hint.
STALLED_POLLS = 5


@dataclass(frozen=True)
class StalledPolls:
    """A task polled `count` times in a row while the fake's clock stood at `time`."""

    task_id: str
    count: int
    time: float
    status: str


def stalled_polls(
    entries: Iterable[JournalEntry], threshold: int = STALLED_POLLS
) -> list[StalledPolls]:
    """Per task, its longest run of unfinished polls at one clock time, if `threshold` long."""
    found: dict[str, StalledPolls] = {}
    for run in _runs(entries):
        first = run[0]
        longest = found.get(first.task_id)
        if len(run) >= threshold and (longest is None or len(run) > longest.count):
            found[first.task_id] = StalledPolls(
                first.task_id, len(run), first.time, run[-1].task_status
            )
    return list(found.values())


def _runs(entries: Iterable[JournalEntry]) -> list[list[JournalEntry]]:
    """Split each task's answered, unfinished polls into runs that share one clock time."""
    polls = [
        entry
        for entry in entries
        if entry.kind is RequestKind.POLL and entry.status == 200 and entry.task_id
    ]
    runs: list[list[JournalEntry]] = []
    for _, of_task in itertools.groupby(
        sorted(polls, key=lambda entry: entry.task_id), key=lambda entry: entry.task_id
    ):
        for _, run in itertools.groupby(of_task, key=lambda entry: entry.time):
            runs.append(list(run))
    return [run for run in runs if not any(poll.ended for poll in run)]
