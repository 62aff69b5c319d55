"""What a run of the suite is doing, a line at a time: each phase with its counts, each job.

The suite runs in phases, in this order: `auth` and `validation` (requests the API must refuse,
free on any target), then the paid ones, in the order the budget goes to them: `lifecycle`
(the state machine, then one job asking for audio and a seed), `probes` (open questions) and
`acceptance` (generated valid bodies). A line says when a phase starts and how it ended; a job
gets a line with its status and age when first polled, at most every few seconds after that,
and when it ends. Nothing here knows pytest: the suite's conftest feeds it.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from mock_server.conformance.task_view import TaskView
from mock_server.wire.exchange import Exchange
from mock_server.wire.paths import SUBMIT_PATH

__all__ = ["PHASES", "Progress"]

PHASES = ("auth", "validation", "lifecycle", "probes", "acceptance")
STATUS_PREFIX = "TASK_STATUS_"
SHOWN_ID_CHARS = 8

Write = Callable[[str], None]


@dataclass
class _Phase:
    name: str
    started: float
    outcomes: Counter[str] = field(default_factory=Counter)
    requests: int = 0
    accepted: int = 0


@dataclass
class _Job:
    submitted: float
    said_at: float | None = None
    status: str = ""


class Progress:
    """Writes progress lines through `write`; without one it stays silent."""

    def __init__(
        self,
        write: Write | None = None,
        *,
        every_s: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._write, self.every_s, self._clock = write, every_s, clock
        self._planned: Mapping[str, int] = {}
        self._phase: _Phase | None = None
        self._jobs: dict[str, _Job] = {}

    def say(self, line: str) -> None:
        if self._write is not None:
            self._write(line)

    def plan(self, tests_per_phase: Mapping[str, int]) -> None:
        """Know how many tests each phase will run, to say so when it starts."""
        self._planned = dict(tests_per_phase)

    def enter(self, phase: str) -> None:
        """A test of `phase` is about to run: close the previous phase if it was another."""
        if self._phase is not None and self._phase.name == phase:
            return
        self.finish()
        self._phase = _Phase(phase, self._clock())
        planned = self._planned.get(phase)
        self.say(f"{phase}: {planned} test(s)" if planned else f"{phase}: started")

    def test_done(self, outcome: str) -> None:
        """Count a test's outcome (passed, failed, skipped) in the current phase."""
        if self._phase is not None:
            self._phase.outcomes[outcome] += 1

    def __call__(self, exchange: Exchange) -> None:
        """Count a request of the current phase (an observer of the target)."""
        if self._phase is None:
            return
        self._phase.requests += 1
        if exchange.request.path == SUBMIT_PATH and exchange.status == 200:
            self._phase.accepted += 1

    def finish(self) -> None:
        """Say how the current phase ended."""
        phase, self._phase = self._phase, None
        if phase is None:
            return
        counts = [f"{count} {outcome}" for outcome, count in sorted(phase.outcomes.items())]
        work = f"{phase.requests} request(s)"
        if phase.accepted:
            work += f", {phase.accepted} job(s) accepted"
        elapsed = self._clock() - phase.started
        self.say(f"{phase.name}: done, {', '.join(counts) or 'no tests'}; {work} ({elapsed:.1f} s)")

    def submitted(self, task_id: str) -> None:
        """Start the clock of an accepted job."""
        self._jobs[task_id] = _Job(self._clock())

    def polled(self, task_id: str, view: TaskView) -> None:
        """Say a job's status and age: first seen, then every `every_s` seconds, and its end."""
        now = self._clock()
        job = self._jobs.setdefault(task_id, _Job(now))
        status = str(view.status).removeprefix(STATUS_PREFIX)
        due = job.said_at is None or now - job.said_at >= self.every_s
        ended = view.terminal and status != job.status
        if not (due or ended):
            return
        job.said_at, job.status = now, status
        where = self._phase.name if self._phase is not None else "job"
        details = f"progress {view.progress} %, eta {view.eta} s" if not view.terminal else ""
        age = f"after {now - job.submitted:.1f} s"
        self.say(f"{where}: task {task_id[:SHOWN_ID_CHARS]} {status} {age} {details}".rstrip())
