"""One poll's view of a task, read defensively: a broken answer still yields something to check."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mock_server.wire.exchange import Exchange
from mock_server.wire.statuses import TaskStatus

__all__ = ["TaskView", "as_object"]


def as_object(value: Any) -> dict[str, Any]:
    """The value if it is a JSON object, else an empty one: broken answers still get checked."""
    return value if isinstance(value, dict) else {}


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
    def known_status(self) -> TaskStatus | None:
        """The status as one the API documents, or None for anything else."""
        return TaskStatus.named(self.status)

    @property
    def terminal(self) -> bool:
        known = self.known_status
        return known is not None and known.terminal

    @property
    def video_urls(self) -> list[str]:
        videos = self.videos if isinstance(self.videos, list) else []
        urls = [video.get("video_url") for video in videos if isinstance(video, dict)]
        return [url for url in urls if isinstance(url, str) and url]
