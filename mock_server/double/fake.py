"""One fake's whole state, behind one small API: settings, clock, jobs, scripts, quotas, journal.

The web layer keeps one `Fake` per app and calls only this: the API handlers to admit, validate,
submit and read; the control API to move the clock, script outcomes, read the journal and reset.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mock_server.domain.clock import Clock, RealClock, VirtualClock
from mock_server.domain.jobs import ImageCheck, Job, JobBackend, OutcomePolicy
from mock_server.domain.lifecycle import Snapshot
from mock_server.domain.quotas import Quotas
from mock_server.domain.sqlite_store import SharedVirtualClock, SQLiteStore
from mock_server.domain.store import JobStore, MemoryStore
from mock_server.double.faults import Delay, Faults
from mock_server.double.journal import Journal, JournalEntry
from mock_server.double.scripts import Script
from mock_server.settings import Settings
from mock_server.wire.paths import RequestKind
from mock_server.wire.schemas import SubmitValidator
from mock_server.wire.statuses import TaskStatus

__all__ = [
    "ClockNotVirtual",
    "Fake",
    "InvalidCursor",
    "JobDetail",
    "JobPage",
    "JournalPage",
    "default_clock",
    "default_store",
]


class ClockNotVirtual(Exception):
    """The fake runs on the wall clock, which nobody can move."""


class Fake:
    """Settings, clock, store, scripts, quotas and journal of one fake."""

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock | None = None,
        store: JobStore | None = None,
        images: ImageCheck | None = None,
        outcomes: OutcomePolicy | None = None,
    ) -> None:
        self.store = store if store is not None else default_store(settings)
        self.clock = clock or default_clock(settings, self.store)
        self.backend = JobBackend(
            settings, self.clock, self.store, images=images, outcomes=outcomes
        )
        self.faults = Faults(self.backend)
        self.quotas = Quotas(self.backend)
        self.journal = Journal(settings.journal_size)
        self.initial_settings = settings
        self.validator = SubmitValidator(settings)

    @property
    def settings(self) -> Settings:
        return self.backend.settings

    # The emulated API --------------------------------------------------------------------

    def admit(self, api_key: str, kind: RequestKind) -> None:
        """Apply the requests-per-minute quota (raises 429 beyond it)."""
        self.quotas.admit(api_key, kind)

    def problems(self, body: Any) -> list[str]:
        """Every rule a submit body breaks under the current settings."""
        return self.validator.problems(body)

    def submit(self, params: Mapping[str, Any], api_key: str, delay: Delay) -> Job:
        """Create a job from a validated, defaulted body, as its script or chaos says."""
        self.quotas.check_running_jobs(api_key)
        return self.faults.submit(params, api_key, delay)

    def read(self, task_id: str, delay: Delay) -> tuple[Job, Snapshot] | None:
        """Answer a poll of a task (None when nobody issued it)."""
        return self.faults.read(task_id, delay)

    def peek(self, task_id: str) -> tuple[Job, Snapshot] | None:
        """Look a task up without counting a read (downloads, the control API)."""
        return self.backend.peek(task_id)

    def record(self, entry: JournalEntry) -> None:
        """Journal one request of the emulated API."""
        self.journal.record(entry)

    # Control -----------------------------------------------------------------------------

    @property
    def virtual_clock(self) -> bool:
        return isinstance(self.clock, VirtualClock)

    def advance(self, seconds: float) -> float:
        """Move the virtual clock forward; return the new time."""
        if not isinstance(self.clock, VirtualClock):
            raise ClockNotVirtual("the clock is real; start the fake with --clock virtual")
        return self.clock.advance(seconds)

    def reconfigure(self, settings: Settings) -> None:
        """Switch settings at run time (profiles, progression), keeping clock and jobs."""
        self.backend.settings = settings
        self.validator = SubmitValidator(settings)
        self.journal.size = settings.journal_size

    def queue_script(self, script: Script, count: int = 1) -> None:
        """Give the next `count` submits this script."""
        self.faults.book.queue(script, count)

    def script_task(self, task_id: str, script: Script) -> Job:
        """Change what an accepted task does from now on."""
        return self.faults.script_task(task_id, script)

    def pending_scripts(self) -> dict[str, Any]:
        """What is still scripted: `{"next": [...], "tasks": {...}}`."""
        return self.faults.book.pending()

    def reset(self) -> None:
        """Forget jobs, requests, scripts and quotas; restore the starting settings."""
        self.store.clear()
        self.reconfigure(self.initial_settings)
        self.journal.clear()
        self.faults.clear()
        self.quotas.clear()

    # Listing: GET /_mock/jobs, GET /_mock/jobs/<id>, GET /_mock/journal, the dashboard -----
    # Written over the store's present API (`jobs()`) and the journal's `entries()`; a store
    # that pages by itself can answer the same questions behind these same methods. A cursor
    # counts the jobs, oldest first, that the next page may still show.

    def list_jobs(
        self, status: TaskStatus | None = None, limit: int = 50, cursor: str | None = None
    ) -> JobPage:
        """The newest jobs first (of one status, if given), at most `limit`, from `cursor` on."""
        jobs = list(self.store.jobs())
        end = len(jobs) if cursor is None else _cursor_position(cursor, len(jobs))
        page: list[tuple[Job, Snapshot]] = []
        for position in range(end - 1, -1, -1):
            snapshot = self.backend.snapshot(jobs[position])
            if status is not None and snapshot.status is not status:
                continue
            if len(page) == limit:
                return JobPage(page, str(position + 1), len(jobs))
            page.append((jobs[position], snapshot))
        return JobPage(page, None, len(jobs))

    def job_detail(self, task_id: str) -> JobDetail | None:
        """A job and what is scripted for its polls, without counting a read (None: unknown)."""
        found = self.peek(task_id)
        if found is None:
            return None
        return JobDetail(found[0], found[1], self.pending_scripts()["tasks"].get(task_id))

    def journal_page(self, after: int = 0, limit: int | None = None) -> JournalPage:
        """Entries numbered after `after`, oldest first; with `limit`, only the latest ones."""
        entries = self.journal.entries()
        latest = entries[-1].index if entries else 0
        newer = entries[bisect.bisect_right(entries, after, key=lambda entry: entry.index) :]
        if limit is not None:
            newer = newer[max(len(newer) - limit, 0) :] if limit else []
        return JournalPage(newer, latest)


class InvalidCursor(ValueError):
    """A cursor this fake did not hand out."""


@dataclass(frozen=True)
class JobPage:
    """Jobs newest first, each with where it stands now, and the cursor of the next page."""

    jobs: list[tuple[Job, Snapshot]]
    next_cursor: str | None
    total: int


@dataclass(frozen=True)
class JobDetail:
    """One job, where it stands now, and what is still scripted for its polls."""

    job: Job
    snapshot: Snapshot
    poll_scripts: dict[str, Any] | None


@dataclass(frozen=True)
class JournalPage:
    """Journal entries oldest first, and the index of the latest entry kept."""

    entries: list[JournalEntry]
    latest: int


def _cursor_position(cursor: str, count: int) -> int:
    if not (cursor.isascii() and cursor.isdigit()) or int(cursor) > count:
        raise InvalidCursor(f"unknown cursor {cursor!r}; pass back a next_cursor of this fake")
    return int(cursor)


def default_store(settings: Settings) -> JobStore:
    """Memory for one process; the SQLite file when one is named, shared by worker processes."""
    return SQLiteStore(settings.store_path) if settings.store_path else MemoryStore()


def default_clock(settings: Settings, store: JobStore) -> Clock:
    """The configured clock; a virtual one lives in an SQLite store so all workers share it."""
    if not settings.virtual_clock:
        return RealClock()
    return SharedVirtualClock(store) if isinstance(store, SQLiteStore) else VirtualClock()
