"""Letting time pass between polls: the fake's virtual clock, or real waiting with backoff.

Tests ask a pacer to let up to N seconds pass and whether their patience ran out; they never
know which kind they hold.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Protocol

from mock_server.conformance.operations import json_bytes
from mock_server.conformance.transport import HttpTarget
from mock_server.wire.exchange import HttpRequest
from mock_server.wire.json_body import JSON_TYPE
from mock_server.wire.paths import ControlPath

__all__ = ["FAKE_PATIENCE_S", "ClockError", "Pacer", "VirtualPacer", "WallClockPacer"]

FAKE_PATIENCE_S = 6 * 3600.0


class Pacer(Protocol):
    """Spaces out polls and bounds how long a test waits for a task."""

    def pause(self, seconds: float) -> None:
        """Let up to `seconds` pass before the next poll."""
        ...

    def expired(self) -> bool:
        """Tell whether the waiting should stop."""
        ...


class ClockError(Exception):
    """The fake refused to move its clock."""


@dataclass
class VirtualPacer:
    """Moves the suite's own fake's virtual clock: hours of queueing pass in milliseconds."""

    target: HttpTarget
    patience_s: float = FAKE_PATIENCE_S
    elapsed_s: float = 0.0

    def pause(self, seconds: float) -> None:
        body = json_bytes({"seconds": seconds})
        headers = (("Content-Type", JSON_TYPE),)
        exchange = self.target.send(
            HttpRequest("POST", ControlPath.CLOCK_ADVANCE, (), headers, body)
        )
        if exchange.status != 200:
            raise ClockError(f"the fake did not advance its clock: {exchange.describe()}")
        self.elapsed_s += seconds

    def expired(self) -> bool:
        return self.elapsed_s >= self.patience_s


@dataclass
class WallClockPacer:
    """Sleeps with exponential backoff, until the run's overall deadline (monotonic seconds)."""

    deadline: float
    interval_s: float = 2.0
    longest_s: float = 30.0
    factor: float = 1.5

    def pause(self, seconds: float) -> None:
        wait = min(seconds, self.interval_s, max(0.0, self.deadline - time.monotonic()))
        time.sleep(max(0.0, wait))
        self.interval_s = min(self.interval_s * self.factor, self.longest_s)

    def expired(self) -> bool:
        return time.monotonic() >= self.deadline
