"""Jobs and the backend that creates and reads them: the fake's domain model, free of HTTP.

Two ports let the layers above decide what the domain cannot know by itself: `ImageCheck`
(whether an input image can be used, which needs the network) and `OutcomePolicy` (where an
unscripted job is headed, for test harnesses that want some jobs to fail).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mock_server.domain.clock import Clock
from mock_server.domain.lifecycle import SUCCESS, Outcome, Snapshot, Timeline
from mock_server.domain.seeds import SEED_RANGE, fresh_seed, job_rng, random_uuid
from mock_server.domain.timing import INSTANT, TimingPlan, plan_timing
from mock_server.settings import ProgressionKind, Settings
from mock_server.wire.statuses import TaskStatus

if TYPE_CHECKING:
    from mock_server.domain.store import StateStore

__all__ = ["ImageCheck", "Job", "JobBackend", "OutcomePolicy", "job_document", "job_from_document"]

ImageCheck = Callable[[Sequence[str], Settings], str | None]
"""Say why the first unusable input image cannot be used (the failed job's reason), or None."""

OutcomePolicy = Callable[[Mapping[str, Any]], Outcome | None]
"""Choose where an unscripted job is headed from its parameters; None leaves it to succeed."""


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


def job_document(job: Job) -> dict[str, Any]:
    """The job as JSON-able data, for the stores shared between processes."""
    outcome = job.outcome
    return {
        "task_id": job.task_id,
        "provider_request_id": job.provider_request_id,
        "params": dict(job.params),
        "seed": job.seed,
        "submitted_at": job.submitted_at,
        "plan": [job.plan.queue_s, job.plan.processing_s],
        "outcome": [
            outcome.final.value,
            outcome.reason,
            outcome.fail_stage.value,
            None if outcome.stuck_in is None else outcome.stuck_in.value,
        ],
        "video_token": job.video_token,
        "api_key": job.api_key,
        "reads": job.reads,
    }


def job_from_document(data: Mapping[str, Any]) -> Job:
    """Read a job back from `job_document`'s form."""
    final, reason, fail_stage, stuck_in = data["outcome"]
    queue_s, processing_s = data["plan"]
    return Job(
        task_id=data["task_id"],
        provider_request_id=data["provider_request_id"],
        params=data["params"],
        seed=data["seed"],
        submitted_at=data["submitted_at"],
        plan=TimingPlan(queue_s, processing_s),
        outcome=Outcome(
            TaskStatus(final),
            reason,
            TaskStatus(fail_stage),
            None if stuck_in is None else TaskStatus(stuck_in),
        ),
        video_token=data["video_token"],
        api_key=data["api_key"],
        reads=data["reads"],
    )


class JobBackend:
    """Creates jobs at submit and says where each stands when read."""

    def __init__(
        self,
        settings: Settings,
        clock: Clock,
        store: StateStore,
        *,
        root_seed: int | None = None,
        images: ImageCheck | None = None,
        outcomes: OutcomePolicy | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.store = store
        if root_seed is None:
            root_seed = settings.seed if settings.seed is not None else fresh_seed()
        self.root_seed = root_seed
        self.images = images
        self.outcomes = outcomes

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
            outcome=self._outcome(params, outcome),
            video_token=rng.getrandbits(128).to_bytes(16, "big").hex(),
            api_key=api_key,
        )
        self.store.add(job)
        return job

    def _outcome(self, params: Mapping[str, Any], scripted: Outcome | None) -> Outcome:
        """An unusable image fails the job while queued, as upstream does; then the script."""
        if self.settings.fetch_images and self.images is not None:
            problem = self.images(params["images"], self.settings)
            if problem is not None:
                return Outcome.failed(problem, TaskStatus.QUEUED)
        if scripted is not None:
            return scripted
        chosen = self.outcomes(params) if self.outcomes is not None else None
        return chosen or SUCCESS

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
