"""How many paid submissions a run may make, and how many it made.

A submission the API accepts may cost money on a live target. Paid requests reserve a unit
before they are sent and give it back only when the API refused them; a submit that timed out
keeps its unit (it may have been charged) and is never retried.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from mock_server.conformance.report import Spend

__all__ = ["Budget", "BudgetExhausted", "RefusalsStopped", "SubmitTimedOut"]


class BudgetExhausted(Exception):
    """No paid submission is left; the caller skips what needed one."""


class RefusalsStopped(Exception):
    """A must-refuse submission was accepted earlier; no more are sent, as each may cost."""


class SubmitTimedOut(Exception):
    """A paid submission got no answer in time; it is never retried, as it may have been charged."""


@dataclass
class Budget:
    """A count of paid submissions; `limit` None means unlimited (the suite's own fake)."""

    limit: int | None
    spent: int = 0
    unexpected_accepts: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def ever_allows(self) -> bool:
        """Tell whether this run may make any paid submission at all."""
        return self.limit is None or self.limit > 0

    def allows(self, keeping: int = 0) -> bool:
        """Tell whether one more paid submission fits, with `keeping` units left for later."""
        return self.limit is None or self.spent + keeping < self.limit

    def reserve(self) -> None:
        """Take a unit before sending a paid submission."""
        with self._lock:
            if not self.allows():
                raise BudgetExhausted(
                    f"the live budget of {self.limit} paid submission(s) is used up"
                )
            self.spent += 1

    def release(self) -> None:
        """Give a unit back: the API refused the submission, so it cost nothing."""
        with self._lock:
            self.spent -= 1

    def note_unexpected_accept(self) -> None:
        """Count a submission that should have been refused but was accepted (and maybe charged)."""
        with self._lock:
            self.unexpected_accepts += 1

    def spend(self) -> Spend:
        return Spend(self.limit, self.spent, self.unexpected_accepts)
