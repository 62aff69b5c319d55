"""The generators themselves: valid bodies are valid, each invalid body breaks exactly its rule.

These run without a target; they catch a break in hypothesis-jsonschema or in the schemas early.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from jsonschema import Draft202012Validator

from mock_server import Settings
from mock_server.conformance import generation
from mock_server.conformance.generation import Constraint, documented_constraints
from mock_server.conformance.hypothesis_profiles import ExampleSettings
from mock_server.wire.schemas import SubmitValidator

pytestmark = pytest.mark.phase("validation")


def error_sites(body: Any) -> set[tuple[tuple[Any, ...], str]]:
    validator = Draft202012Validator(generation.documented_schema())
    return {
        (tuple(error.absolute_path), str(error.validator)) for error in validator.iter_errors(body)
    }


@settings(max_examples=1, database=None)
@given(body=generation.valid_submissions())
def test_hypothesis_jsonschema_generates_one_submission(body: dict[str, Any]) -> None:
    assert SubmitValidator(Settings()).problems(body) == []


def test_valid_bodies_pass_every_profile_of_the_fake(examples: ExampleSettings) -> None:
    strictest = SubmitValidator(
        Settings(upstream_limits=True, unknown_fields="reject", integral_floats="reject")
    )

    @given(body=generation.valid_submissions())
    @examples.examples()
    def check(body: dict[str, Any]) -> None:
        assert strictest.problems(body) == []

    check()


def test_constraints_are_read_from_the_schema_keywords() -> None:
    found = {str(constraint) for constraint in documented_constraints()}
    assert {
        "duration maximum 10",
        "duration minimum 1",
        "images minItems 1",
        "prompt required true",
    } <= found
    properties = generation.documented_schema()["properties"]
    assert {c.path[0] for c in documented_constraints() if c.path} == set(properties)


@pytest.mark.parametrize("constraint", documented_constraints(), ids=str)
def test_each_invalid_body_breaks_exactly_its_constraint(
    constraint: Constraint, examples: ExampleSettings
) -> None:
    cases = generation.invalid_submissions(constraint, generation.valid_submissions())
    where = constraint.path[:-1] if constraint.keyword == "required" else constraint.path

    @given(case=cases)
    @examples.examples()
    def check(case: generation.InvalidSubmission) -> None:
        assert error_sites(case.body) == {(where, constraint.keyword)}, case.describe()

    check()


def test_cheapest_parameters_make_a_valid_minimal_job() -> None:
    body = generation.priced({"images": ["https://example.com/a.png"], "prompt": "p"}, None)
    assert SubmitValidator(Settings()).problems(body) == []
    assert body["duration"] == 1
    assert body["resolution"] == "720p"
    assert [body["audio"], body["bgm"], body["off_peak"]] == [False, False, False]


def test_truncated_json_never_parses(examples: ExampleSettings) -> None:
    @given(raw=generation.truncated_json(generation.valid_submissions()))
    @examples.examples()
    def check(raw: bytes) -> None:
        with pytest.raises(ValueError, match=r"\w"):
            json.loads(raw)

    check()


def test_an_invalid_case_names_its_field_and_value() -> None:
    constraint = Constraint(("duration",), "maximum", 10)
    case = generation.InvalidSubmission({"duration": 11}, constraint, 11)
    assert case.describe() == "duration=11"
    missing = generation.InvalidSubmission(
        {}, Constraint(("prompt",), "required", True), generation.MISSING
    )
    assert missing.describe() == "prompt missing"
