"""Response bodies of the emulated API, built from jobs and their snapshots."""

from __future__ import annotations

from typing import Any

from mock_server.domain.jobs import Job
from mock_server.domain.lifecycle import Snapshot
from mock_server.settings import Settings
from mock_server.wire.paths import video_path
from mock_server.wire.statuses import TaskStatus

__all__ = ["millis", "submit_body", "task_result_body", "video_url"]


def millis(seconds: float | None) -> str:
    """Epoch milliseconds as a numeric string; "0" for a moment that has not happened."""
    return "0" if seconds is None else str(int(seconds * 1000))


def video_url(job: Job, settings: Settings, host_url: str) -> str:
    """The job's download URL, under the fake's public base URL (or the one the request came
    in on), carrying its token."""
    base = settings.public_base_url or host_url
    return f"{base.rstrip('/')}{video_path(job.task_id)}?token={job.video_token}"


def submit_body(job: Job) -> dict[str, Any]:
    """The submit answer: the new task's ids."""
    return {"task_id": job.task_id, "provider_request_id": job.provider_request_id}


def task_result_body(
    job: Job, snapshot: Snapshot, settings: Settings, video_url: str
) -> dict[str, Any]:
    """The full task-result document: every key present in every state, typed as documented."""
    return {
        "extra": {"seed": str(job.seed), "debug_info": _debug_info(job, snapshot)},
        "task": {
            "task_id": job.task_id,
            "task_type": settings.task_type,
            "status": snapshot.status.value,
            "reason": snapshot.reason,
            "eta": snapshot.eta,
            "progress_percent": snapshot.progress_percent,
        },
        "images": [],
        "videos": _videos(snapshot, settings, video_url),
        "audios": [],
    }


def _debug_info(job: Job, snapshot: Snapshot) -> dict[str, str]:
    def moment(after: float | None) -> str:
        return millis(None if after is None else job.submitted_at + after)

    return {
        "request_info": "",
        "submit_time_ms": millis(job.submitted_at),
        "execute_time_ms": moment(snapshot.executed_after),
        "complete_time_ms": moment(snapshot.completed_after),
    }


def _videos(snapshot: Snapshot, settings: Settings, video_url: str) -> list[dict[str, str]]:
    if snapshot.status is not TaskStatus.SUCCEED:
        return []
    ttl = str(settings.video_url_ttl)
    return [{"video_url": video_url, "video_url_ttl": ttl, "video_type": "mp4"}]
