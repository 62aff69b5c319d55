"""The lifecycle of accepted tasks, driven by a Hypothesis state machine on any target."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis.stateful import run_state_machine_as_test

from mock_server.conformance import checks
from mock_server.conformance.lifecycle_machine import machine_factory
from mock_server.conformance.local_fake import FAILURE_REASON
from mock_server.conformance.session import Contract
from mock_server.conformance.task_history import TaskHistory, follow_to_end
from mock_server.wire.statuses import TaskStatus

pytestmark = pytest.mark.phase("lifecycle")

QUEUED, PROCESSING = TaskStatus.QUEUED.value, TaskStatus.PROCESSING.value
SUCCEED, FAILED = TaskStatus.SUCCEED.value, TaskStatus.FAILED.value
DELIVERY_PROMPT = "a red kite over green hills"  # one the suite's own fake lets succeed
DELIVERY_SEED = 424242


@pytest.mark.paid
def test_lifecycle_moves_forward_and_ends_with_a_video_or_a_reason(contract: Contract) -> None:
    contract.require_budget()
    with contract.held_failures() as hold:
        run_state_machine_as_test(
            machine_factory(contract, hold), settings=contract.examples.machines()
        )


def _submitted(contract: Contract, **changes: Any) -> TaskHistory:
    body = contract.sample_body(**changes)
    exchange = contract.submit(body, paid=True)
    task_id = contract.check(checks.valid_submission_is_accepted, exchange)
    return TaskHistory(contract, task_id, body)


@pytest.mark.paid
def test_delivered_video_is_what_was_asked_for_and_served_properly(contract: Contract) -> None:
    """One job asks for audio and a seed, so the checks of the delivered video all get to run:
    its seed comes back, its mp4 is whole and has the duration, frame size and audio track
    asked for, and its URL is served as an mp4 that takes byte ranges and downloads twice."""
    contract.require_budget()
    history = _submitted(contract, prompt=DELIVERY_PROMPT, audio=True, seed=DELIVERY_SEED)
    history.poll()
    follow_to_end([history], contract.new_pacer())
    if history.last is not None and history.last.known_status is TaskStatus.SUCCEED:
        assert history.downloaded, "a finished video was not downloaded"


@pytest.mark.fake_only
def test_virtual_clock_walks_a_job_through_every_status(contract: Contract) -> None:
    history = _submitted(contract, prompt="a calm lake")
    assert history.poll().status == QUEUED
    follow_to_end([history], contract.new_pacer(), step_s=1)
    statuses = [view.status for view in history.seen]
    assert sorted(set(statuses), key=statuses.index) == [QUEUED, PROCESSING, SUCCEED]
    assert any(0 < view.progress < 100 for view in history.seen)
    assert history.downloaded


@pytest.mark.fake_only
def test_failed_job_keeps_its_reason_for_good(contract: Contract) -> None:
    history = _submitted(contract, prompt="")
    follow_to_end([history], contract.new_pacer())
    view = history.poll()
    assert (view.status, view.reason) == (FAILED, FAILURE_REASON)
