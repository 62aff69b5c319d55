"""One fake's whole state, behind one small API: settings, clock, jobs, scripts, quotas, journal.

The web layer keeps one `Fake` per app and calls only this: the API handlers to admit, validate,
submit and read; the control API to move the clock, script outcomes, read the journal and reset.
"""

from __future__ import annotations

from collections.abc import Mapping
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

__all__ = ["ClockNotVirtual", "Fake", "default_clock", "default_store"]


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


def default_store(settings: Settings) -> JobStore:
    """Memory for one process; the SQLite file when one is named, shared by worker processes."""
    return SQLiteStore(settings.store_path) if settings.store_path else MemoryStore()


def default_clock(settings: Settings, store: JobStore) -> Clock:
    """The configured clock; a virtual one lives in an SQLite store so all workers share it."""
    if not settings.virtual_clock:
        return RealClock()
    return SharedVirtualClock(store) if isinstance(store, SQLiteStore) else VirtualClock()
