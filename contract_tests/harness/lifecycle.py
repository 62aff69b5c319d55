"""Following accepted tasks through their lifecycle, checking every poll against the one before."""

from __future__ import annotations

from collections.abc import Sequence

from contract_tests.harness import checks
from contract_tests.harness.calls import Api
from contract_tests.harness.pacing import Pacer
from contract_tests.harness.task_view import FAILED, SUCCEED, TaskView

FOLLOW_STEP_S = 120.0


class TaskHistory:
    """Every poll of one accepted task; each new one is checked against the last."""

    def __init__(self, api: Api, task_id: str) -> None:
        self.api = api
        self.task_id = task_id
        self.last: TaskView | None = None
        self.seen: list[TaskView] = []
        self.downloaded = False

    @property
    def finished(self) -> bool:
        return self.last is not None and self.last.terminal

    def poll(self) -> TaskView:
        """Poll once and check the answer on its own and against the previous poll."""
        exchange = self.api.poll(self.task_id)
        checks.accepted_task_is_found(exchange)
        view = TaskView.of(exchange)
        self.observe(view)
        self.seen.append(view)
        return view

    def observe(self, view: TaskView) -> None:
        checks.task_id_is_echoed(self.task_id, view)
        checks.progress_is_a_percentage(view)
        if self.last is not None:
            checks.status_moves_forward(self.last, view)
            checks.terminal_status_is_final(self.last, view)
            checks.progress_never_decreases(self.last, view)
            checks.eta_never_increases(self.last, view)
        if view.status == SUCCEED:
            self._check_success(view)
        if view.status == FAILED:
            checks.failed_task_has_reason(view)
        self.last = view

    def _check_success(self, view: TaskView) -> None:
        """Check the videos, downloading them once: right when the task is first seen done."""
        checks.succeeded_task_has_video(view)
        if not self.downloaded:
            self.downloaded = True
            for url in view.video_urls:
                checks.video_downloads_as_mp4(self.api.download(url))


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
        checks.task_finishes_in_time(history.task_id, history.last, f"{len(history.seen)} polls")
