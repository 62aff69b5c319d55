"""API keys: requests without one or with a wrong one are refused, as documented or as seen."""

from __future__ import annotations

import pytest

from mock_server.conformance import checks
from mock_server.conformance.operations import Auth
from mock_server.conformance.preflight import NOBODYS_TASK
from mock_server.conformance.probes import answer
from mock_server.conformance.session import Contract

pytestmark = pytest.mark.phase("auth")


def test_submit_without_a_key_is_refused(contract: Contract) -> None:
    exchange = contract.api.submit(contract.sample_body(), auth=Auth.NONE)
    contract.probes.record("missing_api_key", answer(exchange))
    contract.conforms(exchange)
    contract.check(checks.missing_key_is_refused, exchange)


def test_poll_without_a_key_is_refused(contract: Contract) -> None:
    exchange = contract.api.poll(NOBODYS_TASK, auth=Auth.NONE)
    contract.probes.record("missing_api_key_on_poll", answer(exchange))
    contract.conforms(exchange)
    contract.check(checks.missing_key_is_refused, exchange)


def test_submit_with_a_wrong_key_is_refused(contract: Contract) -> None:
    exchange = contract.api.submit(contract.sample_body(), auth=Auth.WRONG)
    contract.probes.record("wrong_api_key", answer(exchange))
    contract.conforms(exchange)
    contract.check(checks.wrong_key_is_refused, exchange)


def test_poll_with_a_wrong_key_is_refused(contract: Contract) -> None:
    contract.check(checks.wrong_key_is_refused, contract.poll(NOBODYS_TASK, auth=Auth.WRONG))


def test_key_without_bearer_is_answered_with_an_envelope(contract: Contract) -> None:
    exchange = contract.api.poll(NOBODYS_TASK, auth=Auth.BARE)
    contract.probes.record("bare_api_key", answer(exchange))
    contract.conforms(exchange)
