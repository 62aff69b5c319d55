"""The fake's sense of time: the wall clock, or a virtual one that tests move by hand."""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from mock_server.domain.store import StateStore

__all__ = ["Clock", "RealClock", "StoreClock", "VirtualClock"]


class Clock(Protocol):
    """Seconds since the epoch, never going backwards."""

    def now(self) -> float: ...


class RealClock:
    """Wall-clock time that cannot step backwards when the system clock is adjusted."""

    def __init__(self) -> None:
        self._origin_wall = time.time()
        self._origin_mono = time.monotonic()

    def now(self) -> float:
        return self._origin_wall + (time.monotonic() - self._origin_mono)


class VirtualClock:
    """Time that stands still until `advance` moves it; starts at the real current time."""

    def __init__(self, start: float | None = None) -> None:
        self._now = time.time() if start is None else start
        self._lock = threading.Lock()

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> float:
        """Move time forward and return the new time; refuse to go backwards."""
        if not seconds >= 0:
            raise ValueError(f"the clock only moves forward; got {seconds!r} seconds")
        with self._lock:
            self._now += seconds
            return self._now


class StoreClock(VirtualClock):
    """A virtual clock whose time lives in the store, so an advance made through one process
    (or host) is seen by every other; it starts at the real time of the first one."""

    COUNTER = "virtual_clock"

    def __init__(self, store: StateStore, start: float | None = None) -> None:
        super().__init__(start)
        self._store = store
        self._origin = float(store.claim(self.COUNTER, repr(self._now)))

    def now(self) -> float:
        return self._origin + self._store.counter(self.COUNTER)

    def advance(self, seconds: float) -> float:
        if not seconds >= 0:
            raise ValueError(f"the clock only moves forward; got {seconds!r} seconds")
        return self._origin + self._store.add_to_counter(self.COUNTER, seconds)
