"""The live objects one app instance works with, reachable from any request handler."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from mock_server.clock import Clock, RealClock, VirtualClock
from mock_server.jobs import JobBackend
from mock_server.schemas import SubmitValidator
from mock_server.settings import Settings
from mock_server.sqlite_store import SharedVirtualClock, SQLiteStore
from mock_server.store import JobStore, MemoryStore

EXTENSION_KEY = "vidu_mock"


@dataclass
class Runtime:
    """Settings, clock, store and backend of one fake."""

    settings: Settings
    clock: Clock
    store: JobStore
    backend: JobBackend
    validator: SubmitValidator

    @classmethod
    def build(
        cls, settings: Settings, clock: Clock | None = None, store: JobStore | None = None
    ) -> Runtime:
        store = store if store is not None else default_store(settings)
        clock = clock or default_clock(settings, store)
        backend = JobBackend(settings, clock, store)
        return cls(settings, clock, store, backend, SubmitValidator(settings))

    def reconfigure(self, settings: Settings) -> None:
        """Switch settings at run time (profiles, progression), keeping clock and jobs."""
        self.settings = settings
        self.backend.settings = settings
        self.validator = SubmitValidator(settings)


def default_store(settings: Settings) -> JobStore:
    """Memory for one process; the SQLite file when one is named, shared by worker processes."""
    return SQLiteStore(settings.store_path) if settings.store_path else MemoryStore()


def default_clock(settings: Settings, store: JobStore) -> Clock:
    """The configured clock; a virtual one lives in an SQLite store so all workers share it."""
    if not settings.virtual_clock:
        return RealClock()
    return SharedVirtualClock(store) if isinstance(store, SQLiteStore) else VirtualClock()


def runtime() -> Runtime:
    """The runtime of the app handling the current request."""
    found: Runtime = current_app.extensions[EXTENSION_KEY]
    return found
