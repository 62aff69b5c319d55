"""The job lifecycle model keeps its invariants at every moment, for every outcome."""

from __future__ import annotations

import itertools
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mock_server.domain.lifecycle import Outcome, Timeline
from mock_server.domain.timing import TimingPlan, plan_timing
from mock_server.wire.statuses import TaskStatus

plans = st.builds(
    TimingPlan,
    queue_s=st.floats(0, 5000, allow_nan=False),
    processing_s=st.floats(0, 5000, allow_nan=False),
)
outcomes = st.one_of(
    st.just(Outcome()),
    st.builds(
        Outcome.failed,
        st.text(min_size=1),
        st.sampled_from([TaskStatus.QUEUED, TaskStatus.PROCESSING]),
    ),
    st.builds(Outcome, stuck_in=st.sampled_from([TaskStatus.QUEUED, TaskStatus.PROCESSING])),
)
moments = st.lists(st.floats(0, 20000, allow_nan=False), min_size=2, max_size=30).map(sorted)


@given(plans, outcomes, moments)
def test_reads_over_time_only_move_forward(
    plan: TimingPlan, outcome: Outcome, times: list[float]
) -> None:
    snapshots = [Timeline(plan, outcome).at(t) for t in times]
    for before, after in itertools.pairwise(snapshots):
        assert after.status.rank >= before.status.rank
        assert after.progress_percent >= before.progress_percent
        assert after.eta <= before.eta
        if before.status.terminal:
            assert after == before


@given(plans, outcomes, st.floats(0, 20000, allow_nan=False))
def test_every_snapshot_is_typed_and_in_range(plan: TimingPlan, outcome: Outcome, t: float) -> None:
    snap = Timeline(plan, outcome).at(t)
    assert type(snap.progress_percent) is int
    assert 0 <= snap.progress_percent <= 100
    assert type(snap.eta) is int
    assert snap.eta >= 0
    if snap.status.terminal:
        assert snap.eta == 0
    if snap.status is TaskStatus.SUCCEED:
        assert snap.progress_percent == 100
    if snap.status is TaskStatus.FAILED:
        assert snap.reason
    else:
        assert snap.reason == ""
        assert snap.progress_percent < 100 or snap.status is TaskStatus.SUCCEED


def test_a_successful_job_queues_then_processes_then_succeeds() -> None:
    timeline = Timeline(TimingPlan(10, 40), Outcome())
    assert [timeline.at(t).status for t in (0, 9.9, 10, 49.9, 50)] == [
        TaskStatus.QUEUED,
        TaskStatus.QUEUED,
        TaskStatus.PROCESSING,
        TaskStatus.PROCESSING,
        TaskStatus.SUCCEED,
    ]
    assert timeline.at(30).progress_percent == 50
    assert timeline.at(30).eta == 20
    assert timeline.at(50).executed_after == 10
    assert timeline.at(50).completed_after == 50


def test_a_job_failing_in_queue_never_processes() -> None:
    timeline = Timeline(
        TimingPlan(10, 40), Outcome.failed("image download failed", TaskStatus.QUEUED)
    )
    assert timeline.at(9).status is TaskStatus.QUEUED
    snap = timeline.at(10)
    assert (snap.status, snap.reason, snap.executed_after) == (
        TaskStatus.FAILED,
        "image download failed",
        None,
    )


def test_a_job_failing_while_processing_fails_halfway_and_keeps_its_progress() -> None:
    timeline = Timeline(TimingPlan(10, 40), Outcome.failed("model unavailable"))
    assert timeline.at(29).status is TaskStatus.PROCESSING
    snap = timeline.at(1000)
    assert (snap.status, snap.progress_percent, snap.eta) == (TaskStatus.FAILED, 50, 0)


@pytest.mark.parametrize("stage", [TaskStatus.QUEUED, TaskStatus.PROCESSING])
def test_a_stuck_job_stays_in_its_stage_forever(stage: TaskStatus) -> None:
    assert Timeline(TimingPlan(10, 40), Outcome(stuck_in=stage)).at(10**9).status is stage


def test_polls_progression_enters_one_stage_per_n_reads() -> None:
    timeline = Timeline(TimingPlan(10, 40), Outcome())
    statuses = [timeline.at(timeline.elapsed_after_reads(r, 2)).status for r in range(1, 7)]
    assert (
        statuses == [TaskStatus.QUEUED] * 2 + [TaskStatus.PROCESSING] * 2 + [TaskStatus.SUCCEED] * 2
    )


def test_an_outcome_refuses_a_failure_without_reason() -> None:
    with pytest.raises(ValueError, match="non-empty reason"):
        Outcome(TaskStatus.FAILED)


def params(**changes: object) -> dict[str, object]:
    base = {"resolution": "720p", "duration": 5, "audio": False, "bgm": False, "off_peak": False}
    return {**base, **changes}


def test_timing_grows_with_duration_resolution_and_audio() -> None:
    def processing(**changes: object) -> float:
        return plan_timing(params(**changes), random.Random(1), 1.0).processing_s

    assert processing(duration=10) > processing(duration=1)
    assert processing(resolution="1080p") > processing()
    assert processing(audio=True) > processing()
    assert processing(bgm=True) > processing()


def test_off_peak_jobs_queue_for_minutes() -> None:
    plan = plan_timing(params(off_peak=True), random.Random(1), 1.0)
    assert plan.queue_s >= 600


def test_speed_divides_every_time() -> None:
    slow = plan_timing(params(), random.Random(1), 1.0)
    fast = plan_timing(params(), random.Random(1), 10.0)
    assert fast.queue_s == pytest.approx(slow.queue_s / 10)
    assert fast.processing_s == pytest.approx(slow.processing_s / 10)
