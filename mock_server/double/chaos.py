"""Seeded chaos: faults drawn at random, with one probability per fault, replayable from the seed.

Each submit draws from a random source fixed by the fake's root seed and the submit's number;
each poll from one fixed by the root seed, the task id and the poll's number. The same seed and
the same requests therefore give the same faults, whatever else runs in between.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from mock_server.double.scripts import PollFault, Script
from mock_server.settings import Settings
from mock_server.wire.statuses import TaskStatus

__all__ = ["FAILURE_REASONS", "Chaos", "poll_rng", "submit_rng"]

FAILURE_REASONS = (
    "prompt or image violates the content policy",
    "image download failed",
    "invalid image format",
    "insufficient credits",
    "model unavailable",
    "task cancelled",
)
STUCK_STAGES = (TaskStatus.QUEUED, TaskStatus.PROCESSING)


@dataclass(frozen=True)
class Chaos:
    """The fault probabilities the settings give."""

    rejects: tuple[tuple[int, float], ...]
    task_failed: float
    stuck: float
    poll_failed: float
    latency: float
    latency_seconds: float

    @classmethod
    def from_settings(cls, settings: Settings) -> Chaos:
        return cls(
            rejects=(
                (429, settings.chaos_rate_limited),
                (500, settings.chaos_create_failed),
                (503, settings.chaos_unavailable),
            ),
            task_failed=settings.chaos_task_failed,
            stuck=settings.chaos_stuck,
            poll_failed=settings.chaos_poll_failed,
            latency=settings.chaos_latency,
            latency_seconds=settings.chaos_latency_seconds,
        )

    @property
    def active(self) -> bool:
        chances = (self.task_failed, self.stuck, self.poll_failed, self.latency)
        return any(chance > 0 for chance in chances) or any(p > 0 for _, p in self.rejects)

    def submit_script(self, rng: random.Random) -> Script | None:
        """Draw what goes wrong with one submit, or None when nothing does."""
        rolls = [rng.random() for _ in range(6)]
        latency = self.latency_seconds if rolls[3] < self.latency else 0.0
        for (status, chance), roll in zip(self.rejects, rolls[:3], strict=True):
            if roll < chance:
                return Script(reject=status, latency=latency)
        if rolls[4] < self.task_failed:
            reason = rng.choice(FAILURE_REASONS)
            return Script(fail=reason, stage=rng.choice(STUCK_STAGES), latency=latency)
        if rolls[5] < self.stuck:
            return Script(stuck=rng.choice(STUCK_STAGES), latency=latency)
        return Script(latency=latency) if latency else None

    def poll_fault(self, rng: random.Random) -> PollFault:
        """Draw what goes wrong with one poll."""
        fail_roll, latency_roll = rng.random(), rng.random()
        latency = self.latency_seconds if latency_roll < self.latency else 0.0
        return PollFault(fail_roll < self.poll_failed, latency)


def submit_rng(root_seed: int, number: int) -> random.Random:
    """The random source for the `number`th submit since the fake started or was reset."""
    return random.Random(f"{root_seed}:chaos:submit:{number}")


def poll_rng(root_seed: int, task_id: str, number: int) -> random.Random:
    """The random source for the `number`th poll of one task."""
    return random.Random(f"{root_seed}:chaos:poll:{task_id}:{number}")
