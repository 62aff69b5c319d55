"""Schemathesis, a peer's fuzzer, finds nothing wrong with the fake through its /openapi.json.

It runs in-process (its WSGI integration), over every operation of the document the fake
serves, with all its checks: a case fails on a 5xx, an answer the document does not declare
(status, headers, body), a schema-valid request refused or an invalid one accepted. Two fakes:
the default one, and one with every rule strict (a fixed key, 403 without one, 401 for a wrong
one, the upstream limits, unknown fields refused, `duration` required), which also meets the key
rules Schemathesis' auth checks assume.

Deliberate exclusions, each because its expectation contradicts documented behaviour:

- `generation.with-security-parameters = false`: otherwise Schemathesis also sends requests
  without the Authorization header, and its `missing_required_header` check expects 401 for
  them; the docs answer 400 MISSING_API_KEY (403 under `--missing-key-status 403`), never 401.
  Requests without a key still reach the strict fake through `ignored_auth`.
- `ignored_auth`, for the default fake only: it expects 401 or 403 without a key, where the docs
  say 400 MISSING_API_KEY, and a refusal of a key nobody issued, where the default fake accepts
  any non-empty key (`--api-keys` empty, documented). The strict fake runs it.
- No fake runs with `--integral-floats reject`: JSON Schema cannot tell 5 from 5.0, so the
  document cannot say the fake refuses 5.0, and Schemathesis sends such numbers as integers.

How many: `generation.max-examples` cases per operation, plus the coverage phase's own. With
`CI` set, 500 per operation: over 2,000 requests to the default fake, which
`test_the_default_fake_was_fuzzed_with_enough_cases` checks. Without it, 100 per operation for a
quick local run. `VIDU_SCHEMATHESIS_EXAMPLES=N` sets N either way. The strict fake gets a fifth.
"""

from __future__ import annotations

import collections
import os

import pytest
import schemathesis
from schemathesis import checks
from schemathesis.config import SchemathesisConfig

from mock_server import Settings, create_app
from mock_server.wire.paths import OPENAPI_PATH
from tests.helpers import AUTH, KEY

CI_EXAMPLES = 500
LOCAL_EXAMPLES = 100
CI_CASES = 2_000
STRICT_SETTINGS = Settings(
    missing_key_status=403,
    wrong_key_status=401,
    api_keys=(KEY,),
    upstream_limits=True,
    unknown_fields="reject",
    duration_required=True,
)
# The default fake answers 400 MISSING_API_KEY without a key and takes any key, as documented.
DEFAULT_EXCLUDED = [checks.ignored_auth]


def examples_per_operation() -> int:
    """VIDU_SCHEMATHESIS_EXAMPLES if set, else enough for 2,000 cases in CI, fewer locally."""
    chosen = os.environ.get("VIDU_SCHEMATHESIS_EXAMPLES")
    if chosen:
        return int(chosen)
    return CI_EXAMPLES if os.environ.get("CI") else LOCAL_EXAMPLES


def config(examples: int) -> SchemathesisConfig:
    """Repeatable generation: a fixed seed, no example database, no generated credentials.
    Drawing a body slows down with the machine's load, which says nothing about the fake."""
    return SchemathesisConfig.from_str(
        f"""
        seed = 0
        suppress-health-check = ["too_slow"]
        [generation]
        max-examples = {examples}
        deterministic = true
        database = "none"
        with-security-parameters = false
        """
    )


def schema_of(settings: Settings, examples: int) -> schemathesis.BaseSchema:
    """The document a fake with these settings serves, bound to that fake's WSGI app."""
    app = create_app(settings)
    return schemathesis.openapi.from_wsgi(OPENAPI_PATH, app, config=config(examples))


EXAMPLES = examples_per_operation()
DEFAULT = schema_of(Settings(), EXAMPLES)
STRICT = schema_of(STRICT_SETTINGS, max(EXAMPLES // 5, 20))
CASES: collections.Counter[str] = collections.Counter()


@DEFAULT.parametrize()
def test_the_default_fake_answers_every_case_as_its_document_says(case: schemathesis.Case) -> None:
    CASES[case.operation.label] += 1
    case.call_and_validate(headers=AUTH, excluded_checks=DEFAULT_EXCLUDED)


@STRICT.parametrize()
def test_a_fake_with_every_rule_strict_passes_every_check(case: schemathesis.Case) -> None:
    case.call_and_validate(headers=AUTH)


def test_the_default_fake_was_fuzzed_with_enough_cases() -> None:
    if not CASES:
        pytest.skip("the fuzzing tests did not run in this session")
    assert set(CASES) == {result.ok().label for result in DEFAULT.get_all_operations()}
    if EXAMPLES >= CI_EXAMPLES:
        assert sum(CASES.values()) >= CI_CASES, CASES
