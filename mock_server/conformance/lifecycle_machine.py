"""The lifecycle state machine: submit valid jobs, let time pass, poll, and check every answer.

Hypothesis chooses the order of submits, waits and polls. Each poll is checked against the one
before (statuses only move forward, progress never drops, eta never rises, a terminal status is
final); a SUCCEED task's video is downloaded once; at the end every task is followed until it
finishes and polled once more.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, precondition, rule

from mock_server.conformance import checks
from mock_server.conformance.holding import FailureHold
from mock_server.conformance.session import Contract
from mock_server.conformance.task_history import TaskHistory, follow_to_end

__all__ = ["LifecycleMachine", "machine_factory"]

MAX_TASKS = 2
KEPT_FOR_DELIVERY = 1
WAITS = st.one_of(st.integers(0, 20), st.integers(21, 900))


class LifecycleMachine(RuleBasedStateMachine):
    """Drives accepted tasks through their lifecycle on any target."""

    def __init__(self, contract: Contract, hold: FailureHold) -> None:
        super().__init__()
        contract.restart()  # a clean slate where the target allows it (the suite's own fake)
        self.contract = contract
        self.hold = hold
        self.pacer = contract.new_pacer()
        self.histories: list[TaskHistory] = []
        self.steps_completed = True

    def open_tasks(self) -> list[TaskHistory]:
        return [history for history in self.histories if not history.finished]

    def finished_tasks(self) -> list[TaskHistory]:
        return [history for history in self.histories if history.finished]

    def may_submit(self) -> bool:
        """Submit up to MAX_TASKS, leaving a unit of a budget of two or more to the test of the
        delivered video, which runs next."""
        budget = self.contract.api.budget
        keeping = KEPT_FOR_DELIVERY if (budget.limit or 0) > KEPT_FOR_DELIVERY else 0
        allowed = budget.allows(keeping)
        return len(self.histories) < MAX_TASKS and allowed and not self.hold.holding

    @initialize(data=st.data())
    def submit_a_first_task(self, data: st.DataObject) -> None:
        """Start every run with a task (budget allowing), so each one sees a whole lifecycle."""
        body = data.draw(self.contract.valid_submissions, label="body")
        if self.may_submit():
            self.submit(body)

    @precondition(lambda self: self.may_submit())
    @rule(data=st.data())
    def submit_another_task(self, data: st.DataObject) -> None:
        self.submit(data.draw(self.contract.valid_submissions, label="body"))

    def submit(self, body: dict[str, Any]) -> None:
        """Submit a valid body (drawn before the budget is looked at, so draws stay the same)."""
        with self.step():
            exchange = self.contract.submit(body, paid=True)
            task_id = self.contract.check(checks.valid_submission_is_accepted, exchange)
            history = TaskHistory(self.contract, task_id, body)
            self.histories.append(history)
            history.poll()

    @precondition(lambda self: bool(self.open_tasks()) and not self.hold.holding)
    @rule(seconds=WAITS)
    def wait_then_poll_open_tasks(self, seconds: int) -> None:
        with self.step():
            self.pacer.pause(seconds)
            for history in self.open_tasks():
                history.poll()

    @precondition(lambda self: bool(self.finished_tasks()) and not self.hold.holding)
    @rule(data=st.data())
    def poll_a_finished_task_again(self, data: st.DataObject) -> None:
        # An index, not a sample of the list: which tasks are finished is the server's doing,
        # and the draws must not change shape when a replay finds them otherwise.
        finished = self.finished_tasks()
        history = finished[data.draw(st.integers(0, MAX_TASKS - 1), label="task") % len(finished)]
        with self.step():
            history.poll()

    @rule(task_id=st.uuids().map(str))
    def poll_an_unknown_task(self, task_id: str) -> None:
        with self.step():
            self.contract.check(checks.unknown_task_is_not_found, self.contract.poll(task_id))

    @contextmanager
    def step(self) -> Iterator[None]:
        """Run one step; remember whether it completed, so teardown does not pile on."""
        self.steps_completed = False
        with self.hold.held():
            yield
            self.steps_completed = True

    def teardown(self) -> None:
        """Follow every task to its end and poll each once more (unless a step already failed)."""
        if not self.steps_completed or self.hold.holding:
            return
        with self.hold.held():
            follow_to_end(self.histories, self.pacer)
            for history in self.histories:
                history.poll()


def machine_factory(contract: Contract, hold: FailureHold) -> Any:
    """A zero-argument factory, as `run_state_machine_as_test` wants."""
    return lambda: LifecycleMachine(contract, hold)
