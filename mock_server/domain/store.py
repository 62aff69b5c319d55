"""Where a fake keeps every piece of its mutable state: the `StateStore` interface.

Jobs and sequence numbers, the virtual clock, queued and per-task scripts, poll counts, the
request journal, settings changed at run time, request windows and running jobs all live
behind this one interface, so that every process (and every host) sharing a store is one fake.
Each method is one atomic step: the shared stores (`mock_server/stores/`) make it atomic across
processes with single SQL statements, transactions or Lua scripts.

Values the layers above define (scripts, journal entries) cross this interface as JSON-able
dicts; the in-memory store keeps them as they are, the shared stores write them as JSON.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from mock_server.domain.jobs import Job

__all__ = ["Document", "Glance", "StateStore", "StoreUnavailable", "TaskFaults"]

Document = dict[str, Any]
"""A JSON-able value the store keeps without knowing what it is."""

TaskFaults = tuple[tuple[int, ...], float]
"""The poll numbers of a task that fail, and the latency of its every poll."""


@dataclass(frozen=True)
class Glance:
    """What a request checks first, read in one step: the settings' version, and whether any
    script is queued or any task has poll faults (when not, the request need not look)."""

    settings_version: int
    scripts_queued: bool = True
    task_faults: bool = True


class StoreUnavailable(Exception):
    """The store cannot be opened or reached; the message says which and why."""


class StateStore(Protocol):
    """Every piece of one fake's mutable state; safe to call from many threads."""

    # Values the first process decides and every other one reads -------------------------

    def claim(self, name: str, value: str) -> str:
        """Set a shared value unless some process already did; return the value in force."""
        ...

    def counter(self, name: str) -> float:
        """Read a shared number (0 until something is added to it)."""
        ...

    def add_to_counter(self, name: str, amount: float) -> float:
        """Add to a shared number and return its new value."""
        ...

    def reset_counter(self, name: str) -> None:
        """Set a shared number back to 0."""
        ...

    # Jobs --------------------------------------------------------------------------------

    def next_sequence(self) -> int:
        """Hand out 0, 1, 2... once each, so derived task ids never repeat."""
        ...

    def add(self, job: Job) -> None:
        """Store a new job; refuse (KeyError) a task id that exists."""
        ...

    def get(self, task_id: str) -> Job | None: ...

    def record_read(self, task_id: str) -> Job | None:
        """Count one read of the job and return it as updated."""
        ...

    def replace(self, job: Job) -> None:
        """Store a changed version of a job that exists (KeyError otherwise).

        The read count stays the store's own: only `record_read` changes it, so a poll
        counted while the caller held an older copy is never lost."""
        ...

    def jobs(self) -> Iterator[Job]:
        """Every job, oldest first."""
        ...

    def newest(self, limit: int, before: int | None = None) -> list[tuple[int, Job]]:
        """Up to `limit` jobs, newest first, each with its position in the order of
        submission; `before` continues a listing after the job at that position."""
        ...

    def __len__(self) -> int: ...

    # Running jobs, for the per-key limit --------------------------------------------------

    def reserve_running(self, api_key: str, token: str, limit: int) -> bool:
        """Hold one of the key's `limit` running places for a submit, if one is free."""
        ...

    def confirm_running(self, api_key: str, token: str, task_id: str) -> None:
        """Give a held place to the job the submit created; a place freed meanwhile stays
        free."""
        ...

    def release_running(self, api_key: str, tokens: list[str]) -> None:
        """Free places: of a submit that created no job, or of jobs that have ended."""
        ...

    def running(self, api_key: str) -> dict[str, str]:
        """The key's held places: token -> task id ("" while the submit is under way)."""
        ...

    # Requests per minute -----------------------------------------------------------------

    def admit(self, key: str, now: float, window: float, limit: int) -> float | None:
        """Count a request in the key's window, or say how many seconds until one fits."""
        ...

    # Scripts and poll counts ---------------------------------------------------------------

    def push_scripts(self, script: Document, count: int) -> None:
        """Queue a script for the next `count` submits, after those already queued."""
        ...

    def pop_script(self) -> Document | None:
        """Take the script of the next submit, if any is queued."""
        ...

    def queued_scripts(self) -> list[Document]: ...

    def attach_task_faults(self, task_id: str, fail_poll: int | None, latency: float) -> None:
        """Make the task's `fail_poll`th poll from now fail, and/or its polls late."""
        ...

    def has_task_faults(self, task_id: str) -> bool: ...

    def count_poll(self, task_id: str) -> tuple[int, bool, float]:
        """Count one poll of a task: its number, whether it fails, and its latency."""
        ...

    def task_faults(self) -> dict[str, TaskFaults]: ...

    # The request journal -------------------------------------------------------------------

    def append_entry(self, entry: Document, time: float, task_id: str, keep: int) -> int:
        """Journal one request (numbered from 1), keeping at most the `keep` newest."""
        ...

    def entries(self, after: int = 0, limit: int | None = None) -> list[tuple[int, Document]]:
        """Journalled requests numbered after `after`, oldest first."""
        ...

    def clear_journal(self) -> None:
        """Forget every journalled request and number the next one 1 again."""
        ...

    def last_entry_index(self) -> int:
        """The number of the latest journalled request still kept (0: none)."""
        ...

    # Settings changed at run time ------------------------------------------------------------

    def glance(self) -> Glance:
        """The settings' version and whether scripts or task faults exist, in one read."""
        ...

    def read_settings(self) -> tuple[int, dict[str, str]]:
        """The overrides in force (setting name -> text) and their version."""
        ...

    def update_settings(self, changes: dict[str, str | None]) -> int:
        """Change some overrides in one step (None removes one), keeping the others; return
        their new version."""
        ...

    # Forgetting ----------------------------------------------------------------------------

    def drop_before(self, cutoff: float) -> int:
        """Forget jobs submitted before `cutoff` (and everything about them), and journal
        entries older than it; return how many jobs went."""
        ...

    def clear(self) -> None:
        """Forget jobs, journal, scripts, poll counts, windows, running places and settings
        overrides; keep the claimed values, the counters and the sequence."""
        ...

    def close(self) -> None:
        """Let go of connections (a forked worker opens its own)."""
        ...
