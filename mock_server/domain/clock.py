"""The fake's sense of time: the wall clock, or a virtual one that tests move by hand."""

from __future__ import annotations

import threading
import time
from typing import Protocol

__all__ = ["Clock", "RealClock", "VirtualClock"]


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
