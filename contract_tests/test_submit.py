"""Submissions: valid bodies are accepted; a body breaking one documented rule is refused."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import assume, given

from mock_server.conformance import checks, generation
from mock_server.conformance.generation import Constraint, documented_constraints
from mock_server.conformance.session import Contract

pytestmark = pytest.mark.phase("validation")


@pytest.mark.paid
@pytest.mark.phase("acceptance")  # paid: after the lifecycle and the probes
def test_valid_submission_is_200_with_a_task_id(contract: Contract) -> None:
    contract.require_budget()
    with contract.held_failures() as hold:

        @given(body=contract.valid_submissions)
        @contract.examples.paid_examples()
        def submit(body: dict[str, Any]) -> None:
            assume(contract.api.budget.allows() and not hold.holding)
            with hold.held():
                exchange = contract.submit(body, paid=True)
                contract.check(checks.valid_submission_is_accepted, exchange)

        submit()


@pytest.mark.parametrize("constraint", documented_constraints(), ids=str)
def test_body_breaking_one_documented_rule_is_400_invalid_request_body(
    contract: Contract, constraint: Constraint
) -> None:
    with contract.held_failures() as hold:

        @given(case=generation.invalid_submissions(constraint, contract.valid_submissions))
        @contract.examples.paid_examples()
        def send(case: generation.InvalidSubmission) -> None:
            assume(not hold.holding)
            with hold.held():
                exchange = contract.submit(case.body)
                rule = f"breaks {constraint}"
                contract.check(checks.invalid_body_is_refused, exchange, case.describe(), rule)

        send()


def test_truncated_json_is_400_invalid_request_body(contract: Contract) -> None:
    with contract.held_failures() as hold:

        @given(raw=generation.truncated_json(contract.valid_submissions))
        @contract.examples.paid_examples()
        def send(raw: bytes) -> None:
            assume(not hold.holding)
            with hold.held():
                exchange = contract.submit(None, raw=raw)
                what = f"the truncated JSON {raw[:40]!r}"
                contract.check(checks.invalid_body_is_refused, exchange, what, "malformed JSON")

        send()
