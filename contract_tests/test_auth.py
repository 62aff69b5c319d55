"""API keys: requests without one or with a wrong one are refused, as documented or as seen."""

from __future__ import annotations

from contract_tests.harness import checks
from contract_tests.harness.calls import Auth
from contract_tests.harness.probes import answer
from contract_tests.harness.session import Contract

NOBODYS_TASK = "00000000-0000-4000-8000-000000000000"


def test_submit_without_a_key_is_refused(contract: Contract) -> None:
    exchange = contract.api.submit(contract.sample_body(), auth=Auth.NONE, check=False)
    contract.probes.record("missing_api_key", answer(exchange))
    checks.response_conforms_to_schema(exchange)
    checks.missing_key_is_refused(exchange)


def test_poll_without_a_key_is_refused(contract: Contract) -> None:
    exchange = contract.api.poll(NOBODYS_TASK, auth=Auth.NONE, check=False)
    contract.probes.record("missing_api_key_on_poll", answer(exchange))
    checks.response_conforms_to_schema(exchange)
    checks.missing_key_is_refused(exchange)


def test_submit_with_a_wrong_key_is_refused(contract: Contract) -> None:
    exchange = contract.api.submit(contract.sample_body(), auth=Auth.WRONG, check=False)
    contract.probes.record("wrong_api_key", answer(exchange))
    checks.response_conforms_to_schema(exchange)
    checks.wrong_key_is_refused(exchange)


def test_poll_with_a_wrong_key_is_refused(contract: Contract) -> None:
    checks.wrong_key_is_refused(contract.api.poll(NOBODYS_TASK, auth=Auth.WRONG))


def test_key_without_bearer_is_answered_with_an_envelope(contract: Contract) -> None:
    exchange = contract.api.poll(NOBODYS_TASK, auth=Auth.BARE, check=False)
    contract.probes.record("bare_api_key", answer(exchange))
    checks.response_conforms_to_schema(exchange)
