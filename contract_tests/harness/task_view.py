"""One poll's view of a task, read defensively: a broken answer still yields something to check."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from contract_tests.harness.transport import Exchange

QUEUED = "TASK_STATUS_QUEUED"
PROCESSING = "TASK_STATUS_PROCESSING"
SUCCEED = "TASK_STATUS_SUCCEED"
FAILED = "TASK_STATUS_FAILED"
TERMINAL = frozenset({SUCCEED, FAILED})
RANKS = {QUEUED: 0, PROCESSING: 1, SUCCEED: 2, FAILED: 2}


def as_object(value: Any) -> dict[str, Any]:
    """The value if it is a JSON object, else an empty one: broken answers still get checked."""
    return value if isinstance(value, dict) else {}


def rank(status: Any) -> int | None:
    """How far along the lifecycle a status is; None for a status the API does not have."""
    return RANKS.get(status) if isinstance(status, str) else None


@dataclass(frozen=True)
class TaskView:
    """The fields of a task result that the lifecycle checks look at."""

    exchange: Exchange
    task_id: Any
    status: Any
    reason: Any
    progress: Any
    eta: Any
    videos: Any

    @classmethod
    def of(cls, exchange: Exchange) -> TaskView:
        body = as_object(exchange.document)
        task = as_object(body.get("task"))
        return cls(
            exchange=exchange,
            task_id=task.get("task_id"),
            status=task.get("status"),
            reason=task.get("reason"),
            progress=task.get("progress_percent"),
            eta=task.get("eta"),
            videos=body.get("videos"),
        )

    @property
    def terminal(self) -> bool:
        return self.status in TERMINAL

    @property
    def video_urls(self) -> list[str]:
        videos = self.videos if isinstance(self.videos, list) else []
        urls = [video.get("video_url") for video in videos if isinstance(video, dict)]
        return [url for url in urls if isinstance(url, str) and url]
