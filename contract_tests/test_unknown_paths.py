"""Paths the API does not have are 404 API_NOT_FOUND, with the envelope."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mock_server.conformance import checks
from mock_server.conformance.session import Contract

pytestmark = pytest.mark.phase("validation")

# Every generated path lives under a prefix no real API uses, so nothing can be created or charged.
PREFIXES = (
    "/v3/async/contract-suite-no-such-api",
    "/v3/contract-suite-no-such-api",
    "/contract-suite-no-such-api",
)
SEGMENTS = st.text(string.ascii_lowercase + string.digits + "-_.", min_size=1, max_size=20).filter(
    lambda text: text not in {".", ".."}
)


def test_unknown_path_is_404_api_not_found(contract: Contract) -> None:
    @given(
        prefix=st.sampled_from(PREFIXES),
        segment=SEGMENTS,
        method=st.sampled_from(["GET", "POST", "DELETE"]),
    )
    @contract.examples.examples()
    def call(prefix: str, segment: str, method: str) -> None:
        exchange = contract.call(method, f"{prefix}/{segment}")
        contract.check(checks.unknown_path_is_not_found, exchange)

    call()
