"""Jobs and the backend that creates and reads them: the fake's domain model, free of HTTP."""

from __future__ import annotations

import os
import random
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mock_server.clock import Clock
from mock_server.image_checks import image_outcome
from mock_server.lifecycle import SUCCESS, Outcome, Snapshot, Timeline
from mock_server.settings import ProgressionKind, Settings
from mock_server.timing import INSTANT, TimingPlan, plan_timing

if TYPE_CHECKING:
    from mock_server.store import JobStore

SEED_RANGE = 2**31 - 1


@dataclass(frozen=True)
class Job:
    """One accepted submission and everything drawn for it at submit time."""

    task_id: str
    provider_request_id: str
    params: Mapping[str, Any]
    seed: int
    submitted_at: float
    plan: TimingPlan
    outcome: Outcome
    video_token: str
    api_key: str = ""
    reads: int = 0

    @property
    def timeline(self) -> Timeline:
        return Timeline(self.plan, self.outcome)


def job_rng(root_seed: int, sequence: int) -> random.Random:
    """A random source for one job, fixed by the server seed and the job's sequence number."""
    return random.Random(f"{root_seed}:job:{sequence}")


def random_uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


OutcomeChooser = Callable[[Mapping[str, Any]], Outcome]


class JobBackend:
    """Creates jobs at submit and says where each stands when read."""

    def __init__(self, settings: Settings, clock: Clock, store: JobStore) -> None:
        self.settings = settings
        self.clock = clock
        self.store = store
        self.root_seed = settings.seed if settings.seed is not None else _fresh_seed()
        self.choose_outcome: OutcomeChooser = lambda _params: SUCCESS

    def submit(
        self, params: Mapping[str, Any], api_key: str = "", outcome: Outcome | None = None
    ) -> Job:
        """Accept a validated, defaulted submission and store it before answering.

        `outcome` scripts where the job is headed; an unusable input image still wins over it.
        """
        sequence = self.store.next_sequence()
        rng = job_rng(self.root_seed, sequence)
        job = Job(
            task_id=random_uuid(rng),
            provider_request_id=random_uuid(rng),
            params=dict(params),
            seed=params.get("seed") or rng.randint(1, SEED_RANGE),
            submitted_at=self.clock.now(),
            plan=self._plan(params, rng),
            outcome=image_outcome(params, self.settings) or outcome or self.choose_outcome(params),
            video_token=rng.getrandbits(128).to_bytes(16, "big").hex(),
            api_key=api_key,
        )
        self.store.add(job)
        return job

    def _plan(self, params: Mapping[str, Any], rng: random.Random) -> TimingPlan:
        if self.settings.progression.kind is ProgressionKind.INSTANT:
            return INSTANT
        return plan_timing(dict(params), rng, self.settings.speed)

    def read(self, task_id: str) -> tuple[Job, Snapshot] | None:
        """Look a job up as a client poll does.

        Reads are counted (a store write) only under `polls:N`, the one progression that uses
        them; after a switch to `polls:N` a job's stages count from the switch.
        """
        counting = self.settings.progression.kind is ProgressionKind.POLLS
        job = self.store.record_read(task_id) if counting else self.store.get(task_id)
        return None if job is None else (job, self.snapshot(job))

    def peek(self, task_id: str) -> tuple[Job, Snapshot] | None:
        """Look a job up without counting a read."""
        job = self.store.get(task_id)
        return None if job is None else (job, self.snapshot(job))

    def snapshot(self, job: Job) -> Snapshot:
        """Where the job stands now, under the configured progression."""
        progression = self.settings.progression
        if progression.kind is ProgressionKind.POLLS:
            elapsed = job.timeline.elapsed_after_reads(job.reads, progression.reads_per_stage)
        else:
            elapsed = self.clock.now() - job.submitted_at
        return job.timeline.at(elapsed)


def _fresh_seed() -> int:
    return int.from_bytes(os.urandom(8), "big")
