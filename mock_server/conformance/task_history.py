"""Following accepted tasks through their lifecycle, checking every poll against the one before."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from mock_server.conformance import checks
from mock_server.conformance.pacing import Pacer
from mock_server.conformance.task_view import TaskView
from mock_server.wire.statuses import TaskStatus

if TYPE_CHECKING:
    from mock_server.conformance.session import Contract

__all__ = ["FOLLOW_STEP_S", "TaskHistory", "follow_to_end"]

FOLLOW_STEP_S = 120.0


class TaskHistory:
    """Every poll of one accepted task; each new one is checked against the last."""

    def __init__(self, contract: Contract, task_id: str) -> None:
        self.contract = contract
        self.task_id = task_id
        self.last: TaskView | None = None
        self.seen: list[TaskView] = []
        self.downloaded = False

    @property
    def finished(self) -> bool:
        return self.last is not None and self.last.terminal

    def poll(self) -> TaskView:
        """Poll once and check the answer on its own and against the previous poll."""
        exchange = self.contract.poll(self.task_id)
        self.contract.check(checks.accepted_task_is_found, exchange)
        view = TaskView.of(exchange)
        self.observe(view)
        self.seen.append(view)
        return view

    def observe(self, view: TaskView) -> None:
        check = self.contract.check
        check(checks.task_id_is_echoed, self.task_id, view)
        check(checks.progress_is_a_percentage, view)
        if self.last is not None:
            check(checks.status_moves_forward, self.last, view)
            check(checks.terminal_status_is_final, self.last, view)
            check(checks.progress_never_decreases, self.last, view)
            check(checks.eta_never_increases, self.last, view)
        if view.known_status is TaskStatus.SUCCEED:
            self._check_success(view)
        if view.known_status is TaskStatus.FAILED:
            check(checks.failed_task_has_reason, view)
        self.last = view

    def _check_success(self, view: TaskView) -> None:
        """Check the videos, downloading them once: right when the task is first seen done."""
        self.contract.check(checks.succeeded_task_has_video, view)
        if not self.downloaded:
            self.downloaded = True
            for url in view.video_urls:
                download = self.contract.api.download(url)
                self.contract.check(checks.video_downloads_as_mp4, download)


def follow_to_end(
    histories: Sequence[TaskHistory], pacer: Pacer, step_s: float = FOLLOW_STEP_S
) -> None:
    """Poll unfinished tasks in rounds, letting time pass, until all end or patience runs out."""
    waiting = [history for history in histories if not history.finished]
    while waiting and not pacer.expired():
        pacer.pause(step_s)
        for history in waiting:
            history.poll()
        waiting = [history for history in waiting if not history.finished]
    for history in waiting:
        history.contract.check(
            checks.task_finishes_in_time,
            history.task_id,
            history.last,
            f"{len(history.seen)} polls",
        )
