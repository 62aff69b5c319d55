"""Holding back the first failure of paid examples, so Hypothesis never replays them.

Hypothesis re-runs a failing example to report it (and shrinks it, when allowed). Against a
target that charges for submissions under a limited budget, that replay would spend money
again (or find the budget gone and call the test flaky). There the first failure is kept and
raised once the whole property has run; its message already shows the exact request.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import requests

from mock_server.conformance.budget import SubmitTimedOut
from mock_server.conformance.pacing import ClockError

__all__ = ["HELD", "FailureHold"]

HELD = (AssertionError, SubmitTimedOut, ClockError, requests.RequestException)


@dataclass
class FailureHold:
    """Keeps the first failure when `active`; passes every failure through otherwise."""

    active: bool
    first: BaseException | None = None

    @property
    def holding(self) -> bool:
        return self.first is not None

    @contextmanager
    def held(self) -> Iterator[None]:
        """Run a step; when active, keep its failure instead of raising it."""
        if not self.active:
            yield
            return
        try:
            yield
        except HELD as failure:
            if self.first is None:
                self.first = failure

    def release(self) -> None:
        """Raise the kept failure, if any, now that Hypothesis is done."""
        failure, self.first = self.first, None
        if failure is not None:
            raise failure
