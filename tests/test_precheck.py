"""The compiled submit precheck never passes a body the reference validator refuses."""

from __future__ import annotations

import functools
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from mock_server.settings import Settings
from mock_server.wire.fast_validation import precheck_for
from mock_server.wire.schemas import all_names, load, registry, schema_id, submit_schema

PROFILES = {
    "default": Settings(),
    "upstream-limits": Settings(upstream_limits=True),
    "any-image-refs": Settings(image_refs="any"),
    "reject-unknown-fields": Settings(unknown_fields="reject"),
    "duration-required": Settings(duration_required=True),
}
# Characters where regex engines disagree about `\s`, line ends and the like.
TRICKY = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2028\u2029\u3000\ufeff"
TEXT = st.text(st.characters(codec="utf-8") | st.sampled_from(TRICKY), max_size=12)
URLS = st.builds(
    lambda scheme, rest: scheme + rest,
    st.sampled_from(["https://", "HTTP://", "data:image/png;base64,", "ftp://", ""]),
    TEXT,
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False),
    st.integers(0, 12).map(float),
    TEXT,
)
FIELDS = {
    "images": st.lists(URLS, max_size=3) | SCALARS,
    "prompt": TEXT | st.text(min_size=1995, max_size=2005) | SCALARS,
    "duration": st.integers(-1, 12) | SCALARS,
    "resolution": st.sampled_from(["720p", "1080p", "720P"]) | SCALARS,
    "movement_amplitude": st.sampled_from(["auto", "small", "high", "large"]) | SCALARS,
    "audio": SCALARS,
    "off_peak": SCALARS,
    "seed": SCALARS,
    "voice_id": SCALARS,
    "unknown": SCALARS,
}
BODIES = st.fixed_dictionaries({}, optional=FIELDS) | SCALARS


def reference_accepts(profile: Settings, body: Any) -> bool:
    return bool(Draft202012Validator(submit_schema(profile), registry=registry()).is_valid(body))


@functools.cache
def precheck(profile: Settings) -> Any:
    resources = [(schema_id(name), load(name)) for name in all_names()]
    check = precheck_for(submit_schema(profile), resources, profile)
    assert check is not None
    return check


@pytest.mark.parametrize("name", PROFILES)
@settings(max_examples=300, deadline=None)
@given(body=BODIES)
def test_the_precheck_passes_only_bodies_the_reference_accepts(name: str, body: Any) -> None:
    profile = PROFILES[name]
    if precheck(profile)(body):
        assert reference_accepts(profile, body), body


@pytest.mark.parametrize(
    "image", ["https://a\x1cb", "https://a\x85b", "data:image/png;base64,AA\x1f", "https://ok\n"]
)
def test_the_precheck_reads_whitespace_in_patterns_as_python_does(image: str) -> None:
    body = {"images": [image], "prompt": "p"}
    assert precheck(Settings())(body) == reference_accepts(Settings(), body)


def test_the_precheck_agrees_on_a_valid_body_so_it_saves_work() -> None:
    body = {"images": ["https://example.com/cat.png"], "prompt": "a cat", "duration": 5.0}
    assert precheck(Settings())(body)


def test_there_is_no_precheck_where_integers_are_checked_strictly() -> None:
    strict = Settings(integral_floats="reject")
    resources = [(schema_id(name), load(name)) for name in all_names()]
    assert precheck_for(submit_schema(strict), resources, strict) is None
