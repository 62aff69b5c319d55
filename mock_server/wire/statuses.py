"""The task statuses the API reports, spelt as upstream spells them."""

from __future__ import annotations

import enum

__all__ = ["TaskStatus"]


class TaskStatus(enum.Enum):
    """The four documented statuses (SUCCEED is upstream's spelling)."""

    QUEUED = "TASK_STATUS_QUEUED"
    PROCESSING = "TASK_STATUS_PROCESSING"
    SUCCEED = "TASK_STATUS_SUCCEED"
    FAILED = "TASK_STATUS_FAILED"

    @property
    def terminal(self) -> bool:
        """Tell whether a task in this status has ended for good."""
        return self in (TaskStatus.SUCCEED, TaskStatus.FAILED)

    @property
    def rank(self) -> int:
        """How far along the lifecycle the status is: 0 queued, 1 processing, 2 ended."""
        return {TaskStatus.QUEUED: 0, TaskStatus.PROCESSING: 1}.get(self, 2)

    @classmethod
    def named(cls, text: object) -> TaskStatus | None:
        """The status a wire string names, or None for anything else."""
        try:
            return cls(text)
        except ValueError:
            return None
