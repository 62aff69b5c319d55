"""The lifecycle state machine: submit valid jobs, let time pass, poll, and check every answer.

Hypothesis chooses the order of submits, waits and polls. Each poll is checked against the one
before (statuses only move forward, progress never drops, eta never rises, a terminal status is
final); a SUCCEED task's video is downloaded once; at the end every task is followed until it
finishes and polled once more.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, precondition, rule

from contract_tests.harness import checks
from contract_tests.harness.lifecycle import TaskHistory, follow_to_end
from contract_tests.harness.session import Contract

MAX_TASKS = 2
WAITS = st.one_of(st.integers(0, 20), st.integers(21, 900))


class LifecycleMachine(RuleBasedStateMachine):
    """Drives accepted tasks through their lifecycle on any target."""

    def __init__(self, contract: Contract) -> None:
        super().__init__()
        self.contract = contract
        self.pacer = contract.new_pacer()
        self.histories: list[TaskHistory] = []
        self.steps_completed = True

    def open_tasks(self) -> list[TaskHistory]:
        return [history for history in self.histories if not history.finished]

    def finished_tasks(self) -> list[TaskHistory]:
        return [history for history in self.histories if history.finished]

    @precondition(
        lambda self: len(self.histories) < MAX_TASKS and self.contract.api.budget.allows()
    )
    @rule(data=st.data())
    def submit(self, data: st.DataObject) -> None:
        self.steps_completed = False
        body = data.draw(self.contract.valid_submissions, label="body")
        exchange = self.contract.api.submit(body, paid=True)
        history = TaskHistory(self.contract.api, checks.valid_submission_is_accepted(exchange))
        self.histories.append(history)
        history.poll()
        self.steps_completed = True

    @precondition(lambda self: bool(self.open_tasks()))
    @rule(seconds=WAITS)
    def wait_then_poll_open_tasks(self, seconds: int) -> None:
        self.steps_completed = False
        self.pacer.pause(seconds)
        for history in self.open_tasks():
            history.poll()
        self.steps_completed = True

    @precondition(lambda self: bool(self.finished_tasks()))
    @rule(data=st.data())
    def poll_a_finished_task_again(self, data: st.DataObject) -> None:
        self.steps_completed = False
        data.draw(st.sampled_from(self.finished_tasks()), label="task").poll()
        self.steps_completed = True

    @rule(task_id=st.uuids().map(str))
    def poll_an_unknown_task(self, task_id: str) -> None:
        checks.unknown_task_is_not_found(self.contract.api.poll(task_id))

    def teardown(self) -> None:
        """Follow every task to its end and poll each once more (unless a step already failed)."""
        if not self.steps_completed:
            return
        follow_to_end(self.histories, self.pacer)
        for history in self.histories:
            history.poll()


def machine_factory(contract: Contract) -> Any:
    """A zero-argument factory, as `run_state_machine_as_test` wants."""
    return lambda: LifecycleMachine(contract)
