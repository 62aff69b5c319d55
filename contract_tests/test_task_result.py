"""Polling: unknown task ids are 404 TASK_NOT_FOUND, a poll without an id is refused."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contract_tests.harness import checks, profiles
from contract_tests.harness.probes import answer
from contract_tests.harness.session import Contract

TASK_IDS = st.one_of(
    st.uuids().map(str),
    st.text(string.ascii_letters + string.digits + "-_", min_size=1, max_size=64),
)


@given(task_id=TASK_IDS)
@profiles.for_examples()
def test_unknown_task_id_is_404_task_not_found(contract: Contract, task_id: str) -> None:
    checks.unknown_task_is_not_found(contract.api.poll(task_id))


def test_unknown_task_id_answer_is_recorded(contract: Contract) -> None:
    exchange = contract.api.poll("contract-suite-no-such-task", check=False)
    contract.probes.record("unknown_task_id", answer(exchange))
    checks.response_conforms_to_schema(exchange)
    checks.unknown_task_is_not_found(exchange)


def test_poll_without_task_id_is_refused(contract: Contract) -> None:
    exchange = contract.api.poll(None, check=False)
    contract.probes.record("missing_task_id", answer(exchange))
    checks.response_conforms_to_schema(exchange)
    checks.missing_task_id_is_refused(exchange)


@pytest.mark.parametrize("task_id", ["", " "])
def test_poll_with_blank_task_id_is_refused(contract: Contract, task_id: str) -> None:
    checks.missing_task_id_is_refused(contract.api.poll(task_id))
