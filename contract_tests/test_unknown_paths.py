"""Paths the API does not have are 404 API_NOT_FOUND, with the envelope."""

from __future__ import annotations

import string

from hypothesis import given
from hypothesis import strategies as st

from contract_tests.harness import checks, profiles
from contract_tests.harness.session import Contract

# Every generated path lives under a prefix no real API uses, so nothing can be created or charged.
PREFIXES = (
    "/v3/async/contract-suite-no-such-api",
    "/v3/contract-suite-no-such-api",
    "/contract-suite-no-such-api",
)
SEGMENTS = st.text(string.ascii_lowercase + string.digits + "-_.", min_size=1, max_size=20).filter(
    lambda text: text not in {".", ".."}
)


@given(
    prefix=st.sampled_from(PREFIXES),
    segment=SEGMENTS,
    method=st.sampled_from(["GET", "POST", "DELETE"]),
)
@profiles.for_examples()
def test_unknown_path_is_404_api_not_found(
    contract: Contract, prefix: str, segment: str, method: str
) -> None:
    checks.unknown_path_is_not_found(contract.api.call(method, f"{prefix}/{segment}"))
