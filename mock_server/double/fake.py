"""One fake's whole state, behind one small API: settings, clock, jobs, scripts, quotas, journal.

The web layer keeps one `Fake` per app and calls only this: the API handlers to admit, validate,
submit and read; the control API to move the clock, change settings, script outcomes, read the
journal and reset. Everything that changes lives in the store, so every `Fake` sharing a store
(in other worker processes, or on other hosts) is the same fake: this object only caches the
settings in force, and checks at each request (`sync`) whether another one changed them.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mock_server.domain.clock import Clock, RealClock, StoreClock, VirtualClock
from mock_server.domain.jobs import ImageCheck, Job, JobBackend, OutcomePolicy
from mock_server.domain.lifecycle import Snapshot
from mock_server.domain.quotas import Quotas
from mock_server.domain.seeds import fresh_seed
from mock_server.domain.store import Glance, StateStore
from mock_server.double.faults import SUBMITS, Delay, Faults
from mock_server.double.journal import Journal, JournalEntry
from mock_server.double.scripts import Script
from mock_server.settings import Settings, settings_text
from mock_server.stores import open_store
from mock_server.wire.json_body import echo
from mock_server.wire.paths import RequestKind
from mock_server.wire.schemas import SubmitValidator
from mock_server.wire.statuses import TaskStatus
from mock_server.wire.whole_numbers import INT64_MAX, whole_number

log = logging.getLogger("mock_server")

__all__ = [
    "ClockNotVirtual",
    "Fake",
    "InvalidCursor",
    "JobDetail",
    "JobPage",
    "JournalPage",
    "default_clock",
]

ROOT_SEED = "root_seed"
EVERYTHING_POSSIBLE = Glance(settings_version=-1)
SWEEP_INTERVAL_S = 1.0  # how often (on the fake's clock) a process looks for jobs to drop
MAX_CURSOR = INT64_MAX  # the largest position a store keeps
LISTING_BATCH = 200  # jobs read from the store at a time while a listing filters by status


class ClockNotVirtual(Exception):
    """The fake runs on the wall clock, which nobody can move."""

    MESSAGE = "the clock is real; start the fake with --clock virtual"


class Fake:
    """Settings, clock, store, scripts, quotas and journal of one fake."""

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock | None = None,
        store: StateStore | None = None,
        images: ImageCheck | None = None,
        outcomes: OutcomePolicy | None = None,
    ) -> None:
        self.store = store if store is not None else open_store(settings.store_in_force)
        self.clock = clock or default_clock(settings, self.store)
        self.initial_settings = settings
        self.backend = JobBackend(
            settings,
            self.clock,
            self.store,
            root_seed=_root_seed(settings, self.store),
            images=images,
            outcomes=outcomes,
        )
        self.faults = Faults(self.backend)
        self.quotas = Quotas(self.backend)
        self.journal = Journal(self.store, lambda: self.settings.journal_size)
        self.validator: SubmitValidator  # built by `sync` from the settings in force
        self._settings_version: int | None = None  # None: read the settings at the next sync
        self._next_sweep = 0.0
        self._requests = threading.local()
        self.sync()

    @property
    def settings(self) -> Settings:
        return self.backend.settings

    def sync(self) -> None:
        """Start a request: take up settings another process changed since this one last
        looked, and note (for this thread) whether any script or task fault exists."""
        glance = self.store.glance()
        self._requests.glance = glance
        if glance.settings_version != self._settings_version:
            version, overrides = self.store.read_settings()
            self._apply(Settings.from_strings(overrides, base=self.initial_settings))
            self._settings_version = version

    def _glance(self) -> Glance:
        """What this thread's request saw at its start (when it did not start with `sync`,
        assume scripts and faults may exist)."""
        glance: Glance = getattr(self._requests, "glance", EVERYTHING_POSSIBLE)
        return glance

    def _apply(self, settings: Settings) -> None:
        self.backend.settings = settings
        self.validator = SubmitValidator(settings)

    # The emulated API --------------------------------------------------------------------

    def admit(self, api_key: str, kind: RequestKind) -> None:
        """Apply the requests-per-minute quota (raises 429 beyond it)."""
        self.quotas.admit(api_key, kind)

    def problems(self, body: Any) -> list[str]:
        """Every rule a submit body breaks under the current settings."""
        return self.validator.problems(body)

    def submit(self, params: Mapping[str, Any], api_key: str, delay: Delay) -> Job:
        """Create a job from a validated, defaulted body, as its script or chaos says."""
        self._sweep()
        place = self.quotas.hold_running_place(api_key)
        try:
            job = self.faults.submit(params, api_key, delay, self._glance().scripts_queued)
        except BaseException:
            self.quotas.free_place(api_key, place)
            raise
        self.quotas.give_place(api_key, place, job.task_id)
        return job

    def read(self, task_id: str, delay: Delay) -> tuple[Job, Snapshot] | None:
        """Answer a poll of a task (None when nobody issued it, or it is past retention)."""
        return self._kept(self.faults.read(task_id, delay, self._glance().task_faults))

    def peek(self, task_id: str) -> tuple[Job, Snapshot] | None:
        """Look a task up without counting a read (downloads, the control API)."""
        return self._kept(self.backend.peek(task_id))

    def record(self, entry: JournalEntry) -> None:
        """Journal one request of the emulated API."""
        self.journal.record(entry)

    def _kept(self, found: tuple[Job, Snapshot] | None) -> tuple[Job, Snapshot] | None:
        retention = self.settings.retention
        if found is None or not retention:
            return found
        return found if found[0].submitted_at >= self.clock.now() - retention else None

    def _sweep(self) -> None:
        """Drop jobs past retention, looking at most once a second (of the fake's clock) in
        each process."""
        retention = self.settings.retention
        if not retention:
            return
        now = self.clock.now()
        if now >= self._next_sweep:
            self._next_sweep = now + SWEEP_INTERVAL_S
            self.store.drop_before(now - retention)

    # Control -----------------------------------------------------------------------------

    @property
    def virtual_clock(self) -> bool:
        return isinstance(self.clock, VirtualClock)

    def advance(self, seconds: float) -> float:
        """Move the virtual clock forward; return the new time."""
        if not isinstance(self.clock, VirtualClock):
            raise ClockNotVirtual(ClockNotVirtual.MESSAGE)
        return self.clock.advance(seconds)

    def reconfigure(self, settings: Settings) -> None:
        """Switch settings at run time for every process sharing the store: only the ones
        that change, so changes made at once through other processes all hold."""
        initial, current = settings_text(self.initial_settings), settings_text(self.settings)
        changes = {
            name: None if text == initial[name] else text
            for name, text in settings_text(settings).items()
            if text != current[name]
        }
        self.store.update_settings(changes)
        self._settings_version = None
        self.sync()

    def queue_script(self, script: Script, count: int = 1) -> None:
        """Give the next `count` submits this script."""
        self.faults.book.queue(script, count)

    def script_task(self, task_id: str, script: Script) -> Job:
        """Change what an accepted task does from now on."""
        return self.faults.script_task(task_id, script)

    def pending_scripts(self) -> dict[str, Any]:
        """What is still scripted: `{"next": [...], "tasks": {...}}`."""
        return self.faults.book.pending()

    def task_scripts(self, task_id: str) -> dict[str, Any] | None:
        """What is still scripted for one task's polls, as `pending_scripts` shows it (None:
        nothing)."""
        return self.faults.book.pending_for(task_id)

    def journal_entries(self, after: int = 0, limit: int | None = None) -> list[JournalEntry]:
        """Journalled requests numbered after `after`, oldest first."""
        self._sweep()
        return self.journal.entries(after, limit)

    def clear_journal(self) -> None:
        self.journal.clear()

    def close(self) -> None:
        """Let go of the store's connections; the state stays in a shared store."""
        self.store.close()

    def reset(self) -> None:
        """Forget jobs, requests, scripts and quotas; restore the starting settings."""
        self.store.clear()
        self.store.reset_counter(SUBMITS)
        self._settings_version = None
        self.sync()

    # Listing: GET /_mock/jobs, GET /_mock/jobs/<id>, GET /_mock/journal, the dashboard -----
    # The store pages the jobs newest first; a cursor is the store's position of the first job
    # the next page shows.

    def list_jobs(
        self, status: TaskStatus | None = None, limit: int = 50, cursor: str | None = None
    ) -> JobPage:
        """The newest jobs first (of one status, if given), at most `limit`, from `cursor` on."""
        self._sweep()
        before = None if cursor is None else _cursor_position(cursor) + 1
        # Unfiltered, the page and the first job of the next are all it reads.
        batch_size = limit + 1 if status is None else max(limit, LISTING_BATCH)
        page: list[tuple[Job, Snapshot]] = []
        while batch := self.store.newest(batch_size, before):
            for position, job in batch:
                snapshot = self.backend.snapshot(job)
                if status is not None and snapshot.status is not status:
                    continue
                if len(page) == limit:
                    return JobPage(page, str(position), len(self.store))
                page.append((job, snapshot))
            if len(batch) < batch_size:  # the store has no older job
                break
            before = batch[-1][0]
        return JobPage(page, None, len(self.store))

    def job_detail(self, task_id: str) -> JobDetail | None:
        """A job and what is scripted for its polls, without counting a read (None: unknown)."""
        found = self.peek(task_id)
        if found is None:
            return None
        return JobDetail(found[0], found[1], self.task_scripts(task_id))

    def journal_page(self, after: int = 0, limit: int | None = None) -> JournalPage:
        """Entries numbered after `after`, oldest first; with `limit`, only the latest ones."""
        self._sweep()
        return JournalPage(self.journal.latest(after, limit), self.store.last_entry_index())


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


def _cursor_position(cursor: str) -> int:
    position = whole_number(cursor, MAX_CURSOR - 1)  # the page starts after `position + 1`
    if position is None:
        shown = echo(cursor)
        raise InvalidCursor(f"unknown cursor {shown}; pass back a next_cursor of this fake")
    return position


def _root_seed(settings: Settings, store: StateStore) -> int:
    """The seed every process sharing the store derives ids from: the configured one, or the
    one the first process drew."""
    if settings.seed is not None:
        claimed = store.claim(ROOT_SEED, str(settings.seed))
        if claimed != str(settings.seed):
            log.warning(
                "the store %r derives task ids from seed %s, claimed when it was first used; "
                "this process uses seed %s as configured, so its ids follow another sequence "
                "(a fresh store file or Redis database starts over with the new seed)",
                store,
                claimed,
                settings.seed,
            )
        return settings.seed
    return int(store.claim(ROOT_SEED, str(fresh_seed())))


def default_clock(settings: Settings, store: StateStore) -> Clock:
    """The configured clock; a virtual one lives in the store so all processes share it."""
    return StoreClock(store) if settings.virtual_clock else RealClock()
