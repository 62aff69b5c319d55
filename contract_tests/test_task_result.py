"""Polling: unknown task ids are 404 TASK_NOT_FOUND, a poll without an id is refused."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mock_server.conformance import checks
from mock_server.conformance.probes import answer
from mock_server.conformance.session import Contract

pytestmark = pytest.mark.phase("validation")

TASK_IDS = st.one_of(
    st.uuids().map(str),
    st.text(string.ascii_letters + string.digits + "-_", min_size=1, max_size=64),
)


def test_unknown_task_id_is_404_task_not_found(contract: Contract) -> None:
    @given(task_id=TASK_IDS)
    @contract.examples.examples()
    def poll(task_id: str) -> None:
        contract.check(checks.unknown_task_is_not_found, contract.poll(task_id))

    poll()


def test_unknown_task_id_answer_is_recorded(contract: Contract) -> None:
    exchange = contract.api.poll("contract-suite-no-such-task")
    contract.probes.record("unknown_task_id", answer(exchange))
    contract.conforms(exchange)
    contract.check(checks.unknown_task_is_not_found, exchange)


def test_poll_without_task_id_is_refused(contract: Contract) -> None:
    exchange = contract.api.poll(None)
    contract.probes.record("missing_task_id", answer(exchange))
    contract.conforms(exchange)
    contract.check(checks.missing_task_id_is_refused, exchange)


@pytest.mark.parametrize("task_id", ["", " "])
def test_poll_with_blank_task_id_is_refused(contract: Contract, task_id: str) -> None:
    contract.check(checks.missing_task_id_is_refused, contract.poll(task_id))
