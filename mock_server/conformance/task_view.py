"""One poll's view of a task, read defensively: a broken answer still yields something to check."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mock_server.wire.exchange import Exchange
from mock_server.wire.statuses import TaskStatus

__all__ = ["TaskView", "VideoEntry", "as_object"]


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
    seed: Any

    @classmethod
    def of(cls, exchange: Exchange) -> TaskView:
        body = as_object(exchange.document)
        task = as_object(body.get("task"))
        extra = as_object(body.get("extra"))
        return cls(
            exchange=exchange,
            task_id=task.get("task_id"),
            status=task.get("status"),
            reason=task.get("reason"),
            progress=task.get("progress_percent"),
            eta=task.get("eta"),
            videos=body.get("videos"),
            seed=extra.get("seed"),
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
        return [video.url for video in self.video_entries]

    @property
    def video_entries(self) -> list[VideoEntry]:
        """Every entry of `videos` that gives a URL."""
        videos = self.videos if isinstance(self.videos, list) else []
        entries = [VideoEntry.of(video) for video in videos if isinstance(video, dict)]
        return [entry for entry in entries if entry.url]


@dataclass(frozen=True)
class VideoEntry:
    """One entry of a task result's `videos`: where the file is, its type, how long it lasts."""

    url: str
    video_type: Any
    ttl: Any

    @classmethod
    def of(cls, video: dict[str, Any]) -> VideoEntry:
        url = video.get("video_url")
        return cls(
            url if isinstance(url, str) else "", video.get("video_type"), video.get("video_url_ttl")
        )

    @property
    def ttl_s(self) -> float | None:
        """The URL's lifetime in seconds, where `video_url_ttl` says it as a number."""
        try:
            return float(self.ttl)
        except (TypeError, ValueError):
            return None
