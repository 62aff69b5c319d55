"""The lifecycle of accepted tasks, driven by a Hypothesis state machine on any target."""

from __future__ import annotations

import pytest
from hypothesis.stateful import run_state_machine_as_test

from mock_server.conformance import checks
from mock_server.conformance.lifecycle_machine import machine_factory
from mock_server.conformance.local_fake import FAILURE_REASON
from mock_server.conformance.session import Contract
from mock_server.conformance.task_history import TaskHistory, follow_to_end
from mock_server.wire.statuses import TaskStatus

QUEUED, PROCESSING = TaskStatus.QUEUED.value, TaskStatus.PROCESSING.value
SUCCEED, FAILED = TaskStatus.SUCCEED.value, TaskStatus.FAILED.value


@pytest.mark.paid
def test_lifecycle_moves_forward_and_ends_with_a_video_or_a_reason(contract: Contract) -> None:
    contract.require_budget()
    with contract.held_failures() as hold:
        run_state_machine_as_test(
            machine_factory(contract, hold), settings=contract.examples.machines()
        )


def _submitted(contract: Contract, prompt: str) -> TaskHistory:
    exchange = contract.submit(contract.sample_body(prompt=prompt), paid=True)
    return TaskHistory(contract, contract.check(checks.valid_submission_is_accepted, exchange))


@pytest.mark.fake_only
def test_virtual_clock_walks_a_job_through_every_status(contract: Contract) -> None:
    history = _submitted(contract, "a calm lake")
    assert history.poll().status == QUEUED
    follow_to_end([history], contract.new_pacer(), step_s=1)
    statuses = [view.status for view in history.seen]
    assert sorted(set(statuses), key=statuses.index) == [QUEUED, PROCESSING, SUCCEED]
    assert any(0 < view.progress < 100 for view in history.seen)
    assert history.downloaded


@pytest.mark.fake_only
def test_failed_job_keeps_its_reason_for_good(contract: Contract) -> None:
    history = _submitted(contract, "")
    follow_to_end([history], contract.new_pacer())
    view = history.poll()
    assert (view.status, view.reason) == (FAILED, FAILURE_REASON)
