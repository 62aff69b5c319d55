"""Control-API documents about jobs: a row of `GET /_mock/jobs` and the whole of one job."""

from __future__ import annotations

import math
from typing import Any

from mock_server.domain.jobs import Job
from mock_server.domain.lifecycle import SUCCESS, Outcome, Snapshot
from mock_server.double.fake import JobDetail
from mock_server.double.scripts import Script
from mock_server.media import VideoSpec
from mock_server.settings import Settings
from mock_server.web.documents import task_result_body
from mock_server.wire.statuses import TaskStatus

__all__ = ["PROMPT_SHOWN", "job_detail_body", "job_summary", "outcome_json", "timeline_json"]

PROMPT_SHOWN = 120  # characters of the prompt a row of the job list carries


def job_summary(job: Job, snapshot: Snapshot) -> dict[str, Any]:
    """One job as a row of the job list: where it stands and what was asked."""
    return {
        "task_id": job.task_id,
        "status": snapshot.status.value,
        "progress_percent": snapshot.progress_percent,
        "eta": snapshot.eta,
        "reason": snapshot.reason,
        "prompt": _shortened(str(job.params.get("prompt", ""))),
        "resolution": job.params.get("resolution"),
        "duration": job.params.get("duration"),
        "submitted_at": job.submitted_at,
        "outcome": outcome_json(job.outcome),
    }


def job_detail_body(
    detail: JobDetail, now: float, settings: Settings, video_url: str, spec: VideoSpec
) -> dict[str, Any]:
    """Everything about one job: its row, its request, the poll answer it gets now, its
    timeline, what is scripted for its polls and, once it succeeded, its video."""
    job, snapshot = detail.job, detail.snapshot
    succeeded = snapshot.status is TaskStatus.SUCCEED
    video = {"url": video_url, "width": spec.width, "height": spec.height}
    return {
        **job_summary(job, snapshot),
        "request": dict(job.params),
        "task_result": task_result_body(job, snapshot, settings, video_url),
        "timeline": timeline_json(job, snapshot),
        "poll_scripts": detail.poll_scripts,
        "reads": job.reads,
        "now": now,
        "video": {**video, "duration": spec.duration_s, "audio": spec.with_audio}
        if succeeded
        else None,
    }


def outcome_json(outcome: Outcome) -> dict[str, Any] | None:
    """Where a job is headed, in the words of `POST /_mock/scripts`; None for plain success."""
    if outcome == SUCCESS:
        return None
    if outcome.stuck_in is not None:
        return Script(stuck=outcome.stuck_in).to_json()
    return Script(fail=outcome.reason, stage=outcome.fail_stage).to_json()


def timeline_json(job: Job, snapshot: Snapshot) -> list[dict[str, Any]]:
    """The stages the job goes through, when it enters each (seconds after submission and on
    the fake's clock, per the timing model) and whether it has entered it yet."""
    line = job.timeline
    stages = [(TaskStatus.QUEUED, 0.0)]
    if not line.fails_in_queue and math.isfinite(line.queue_s):
        stages.append((TaskStatus.PROCESSING, line.queue_s))
    if math.isfinite(line.end_s):
        stages.append((line.outcome.final, line.end_s))
    return [
        {
            "status": status.value,
            "after": after,
            "at": job.submitted_at + after,
            "reached": status.rank <= snapshot.status.rank,
        }
        for status, after in stages
    ]


def _shortened(text: str) -> str:
    return text if len(text) <= PROMPT_SHOWN else text[: PROMPT_SHOWN - 1] + "…"
