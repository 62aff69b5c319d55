"""The live objects one app instance works with, reachable from any request handler."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from mock_server.clock import Clock, RealClock, VirtualClock
from mock_server.jobs import JobBackend
from mock_server.schemas import SubmitValidator
from mock_server.settings import Settings
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
        clock = clock or (VirtualClock() if settings.virtual_clock else RealClock())
        store = store if store is not None else MemoryStore()
        backend = JobBackend(settings, clock, store)
        return cls(settings, clock, store, backend, SubmitValidator(settings))

    def reconfigure(self, settings: Settings) -> None:
        """Switch settings at run time (profiles, progression), keeping clock and jobs."""
        self.settings = settings
        self.backend.settings = settings
        self.validator = SubmitValidator(settings)


def runtime() -> Runtime:
    """The runtime of the app handling the current request."""
    found: Runtime = current_app.extensions[EXTENSION_KEY]
    return found
