"""A job's lifecycle declared as data: statuses, the outcome it is headed for, and where it
stands at a given moment. Nothing here knows about HTTP or about stores."""

from __future__ import annotations

import math
from dataclasses import dataclass

from mock_server.domain.timing import TimingPlan
from mock_server.wire.statuses import TaskStatus

__all__ = ["SUCCESS", "Outcome", "Snapshot", "Timeline"]


@dataclass(frozen=True)
class Outcome:
    """Where a job is headed: success, failure at a stage, or stuck in a stage forever."""

    final: TaskStatus = TaskStatus.SUCCEED
    reason: str = ""
    fail_stage: TaskStatus = TaskStatus.PROCESSING
    stuck_in: TaskStatus | None = None

    def __post_init__(self) -> None:
        if not self.final.terminal:
            raise ValueError(f"an outcome ends in SUCCEED or FAILED, not {self.final.name}")
        if self.final is TaskStatus.FAILED and not self.reason:
            raise ValueError("a FAILED outcome needs a non-empty reason")
        if self.fail_stage not in (TaskStatus.QUEUED, TaskStatus.PROCESSING):
            raise ValueError("a job fails while QUEUED or while PROCESSING")
        if self.stuck_in not in (None, TaskStatus.QUEUED, TaskStatus.PROCESSING):
            raise ValueError("a job can be stuck in QUEUED or PROCESSING only")

    @classmethod
    def failed(cls, reason: str, stage: TaskStatus = TaskStatus.PROCESSING) -> Outcome:
        return cls(TaskStatus.FAILED, reason, stage)


SUCCESS = Outcome()


@dataclass(frozen=True)
class Snapshot:
    """What a read of the job shows; times are seconds after submission."""

    status: TaskStatus
    reason: str
    progress_percent: int
    eta: int
    executed_after: float | None
    completed_after: float | None


@dataclass(frozen=True)
class Timeline:
    """A job's stages laid out in time: queue, then processing, then the final status."""

    plan: TimingPlan
    outcome: Outcome

    @property
    def queue_s(self) -> float:
        return math.inf if self.outcome.stuck_in is TaskStatus.QUEUED else self.plan.queue_s

    @property
    def fails_in_queue(self) -> bool:
        return (
            self.outcome.final is TaskStatus.FAILED and self.outcome.fail_stage is TaskStatus.QUEUED
        )

    @property
    def processing_s(self) -> float:
        """How long the job really processes, which a failure or a stuck job changes."""
        if self.outcome.stuck_in is TaskStatus.PROCESSING:
            return math.inf
        if self.outcome.final is TaskStatus.FAILED:
            return 0.0 if self.fails_in_queue else self.plan.processing_s / 2
        return self.plan.processing_s

    @property
    def end_s(self) -> float:
        return self.queue_s + self.processing_s

    def status_at(self, elapsed: float) -> TaskStatus:
        if elapsed >= self.end_s:
            return self.outcome.final
        if elapsed >= self.queue_s:
            return TaskStatus.PROCESSING
        return TaskStatus.QUEUED

    def at(self, elapsed: float) -> Snapshot:
        """Say where the job stands `elapsed` seconds after submission."""
        status = self.status_at(elapsed)
        done = status.terminal
        executed = self.queue_s if elapsed >= self.queue_s and not self.fails_in_queue else None
        return Snapshot(
            status=status,
            reason=self.outcome.reason if status is TaskStatus.FAILED else "",
            progress_percent=self._progress(min(elapsed, self.end_s), status),
            eta=0 if done else max(0, math.ceil(self.plan.total_s - elapsed)),
            executed_after=executed,
            completed_after=self.end_s if done else None,
        )

    def _progress(self, elapsed: float, status: TaskStatus) -> int:
        if status is TaskStatus.SUCCEED:
            return 100
        if elapsed <= self.queue_s or self.plan.processing_s <= 0:
            return 0
        fraction = min(1.0, (elapsed - self.queue_s) / self.plan.processing_s)
        return max(0, min(99, math.floor(fraction * 100)))

    def elapsed_after_reads(self, reads: int, reads_per_stage: int) -> float:
        """Map a read count to a moment, so that every `reads_per_stage` reads enter a stage."""
        stage, step = divmod(max(reads - 1, 0), reads_per_stage)
        fraction = (step + 0.5) / reads_per_stage
        if stage == 0 or self.queue_s == math.inf:
            return fraction * self.plan.queue_s
        if stage == 1 or self.processing_s == math.inf:
            length = self.processing_s if self.processing_s != math.inf else self.plan.processing_s
            return self.queue_s + fraction * length
        return self.end_s
