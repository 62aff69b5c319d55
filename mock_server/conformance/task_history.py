"""Following accepted tasks through their lifecycle, checking every poll against the one before,
and the finished video against what was asked for."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from mock_server.conformance import checks
from mock_server.conformance.pacing import Pacer
from mock_server.conformance.task_view import TaskView, VideoEntry
from mock_server.wire.exchange import Exchange
from mock_server.wire.schemas import defaulted
from mock_server.wire.statuses import TaskStatus

if TYPE_CHECKING:
    from mock_server.conformance.session import Contract

__all__ = ["FOLLOW_STEP_S", "RANGE_BYTES", "TaskHistory", "follow_to_end"]

FOLLOW_STEP_S = 120.0
RANGE_BYTES = 100


class TaskHistory:
    """Every poll of one accepted task; each new one is checked against the last."""

    def __init__(self, contract: Contract, task_id: str, body: Mapping[str, Any]) -> None:
        self.contract = contract
        self.task_id = task_id
        self.requested = defaulted(dict(body))
        self.last: TaskView | None = None
        self.seen: list[TaskView] = []
        self.downloaded = False
        contract.progress.submitted(task_id)

    @property
    def finished(self) -> bool:
        return self.last is not None and self.last.terminal

    def poll(self) -> TaskView:
        """Poll once and check the answer on its own and against the previous poll."""
        exchange = self.contract.poll(self.task_id)
        self.contract.check(checks.accepted_task_is_found, exchange)
        view = TaskView.of(exchange)
        self.contract.progress.polled(self.task_id, view)
        self.observe(view)
        self.seen.append(view)
        return view

    def observe(self, view: TaskView) -> None:
        check = self.contract.check
        check(checks.task_id_is_echoed, self.task_id, view)
        check(checks.progress_is_a_percentage, view)
        check(checks.reason_is_empty_unless_failed, view)
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
        if self.requested.get("seed"):
            self.contract.check(checks.submitted_seed_is_echoed, self.requested, view)
        if not self.downloaded:
            self.downloaded = True
            for video in view.video_entries:
                self._check_video(video)

    def _check_video(self, video: VideoEntry) -> None:
        """Download a video and check it is whole, what was asked for, and served properly."""
        check, download = self.contract.check, self.contract.api.download
        first = download(video.url)
        check(checks.video_downloads_as_mp4, first)
        movie = check(checks.video_file_is_whole, first)
        check(checks.video_duration_matches_request, movie, self.requested, first)
        check(checks.video_resolution_matches_request, movie, self.requested, first)
        if self.requested.get("audio"):
            check(checks.video_has_requested_audio, movie, first)
        check(checks.video_content_type_agrees_with_video_type, first, video.video_type)
        ranged = self._check_range(video.url, first)
        again = None
        if (video.ttl_s or 0) >= 1:
            again = download(video.url)
            check(checks.video_downloads_again_within_ttl, again, first.response.body, video.ttl)
        self.contract.probes.record("video_serving", _serving(first, ranged, again))

    def _check_range(self, url: str, first: Exchange) -> Exchange | None:
        """Ask for the last bytes of the file where the server says it takes byte ranges."""
        whole = first.response.body
        if first.response.headers.get("accept-ranges", "").lower() != "bytes" or not whole:
            return None
        start, last = max(0, len(whole) - RANGE_BYTES), len(whole) - 1
        ranged = self.contract.api.download(url, (("Range", f"bytes={start}-{last}"),))
        self.contract.check(checks.range_request_is_honoured, ranged, whole, start, last)
        return ranged


def _serving(first: Exchange, ranged: Exchange | None, again: Exchange | None) -> dict[str, Any]:
    """How the video was served, for the `video_serving` probe."""
    headers = first.response.headers
    return {
        "content_type": headers.get("content-type"),
        "accept_ranges": headers.get("accept-ranges"),
        "range_status": None if ranged is None else ranged.status,
        "second_download_status": None if again is None else again.status,
    }


def follow_to_end(
    histories: Sequence[TaskHistory], pacer: Pacer, step_s: float = FOLLOW_STEP_S
) -> None:
    """Poll unfinished tasks in rounds, letting time pass, until all end or patience runs out;
    then check that each one ended."""
    waiting = [history for history in histories if not history.finished]
    while waiting and not pacer.expired():
        pacer.pause(step_s)
        for history in waiting:
            history.poll()
        waiting = [history for history in waiting if not history.finished]
    for history in histories:
        history.contract.check(
            checks.task_finishes_in_time,
            history.task_id,
            history.last,
            f"{len(history.seen)} polls",
        )
