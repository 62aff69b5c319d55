"""Every `pattern` in `schemas/` means the same to every reader: the fake (Python's `re`), the
compiled precheck and Schemathesis' checks (Rust), and generators that read ECMA-262."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from typing import Any

import jsonschema_rs
import pytest

from mock_server.wire.schemas import IMAGE_REFS, TASK_ID, all_names, load
from tests.helpers import VALID_BODY, Api

# Where the dialects part: whitespace beyond ASCII, line ends, the byte-order mark.
TRICKY = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u200a\u2028\u2029\u202f\u3000\ufeff"
SHORTHANDS = re.compile(r"\\[sSwWdDbB]")


def patterns(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("pattern"), str):
            yield node["pattern"]
        for value in node.values():
            yield from patterns(value)
    elif isinstance(node, list):
        for item in node:
            yield from patterns(item)


ALL_PATTERNS = sorted({pattern for name in all_names() for pattern in patterns(load(name))})


def samples_near(pattern: str) -> list[str]:
    """Strings on the edges of a pattern: valid-looking values with a tricky character inside,
    before or after them, and with a final newline."""
    stems = [
        "https://example.com/a.png",
        "data:image/png;base64,AAAA",
        "123",
        "-5",
        "REASON_X",
        "x",
    ]
    found = [stem for stem in stems if re.search(pattern, stem)] or stems
    edges = [f"{stem[:3]}{c}{stem[3:]}" for stem in found for c in TRICKY]
    edges += [stem + c for stem in found for c in TRICKY] + [
        c + stem for stem in found for c in TRICKY
    ]
    return [*found, *edges, *TRICKY, "", "\n"]


@pytest.mark.parametrize("pattern", ALL_PATTERNS)
def test_no_pattern_uses_a_shorthand_the_dialects_read_differently(pattern: str) -> None:
    assert not SHORTHANDS.search(pattern), f"spell the class out instead: {pattern}"


@pytest.mark.parametrize("pattern", ALL_PATTERNS)
def test_no_pattern_ends_with_a_dollar_that_python_reads_as_before_a_newline(pattern: str) -> None:
    assert not pattern.endswith("$"), f"end it with $(?!\\n): {pattern}"


@pytest.mark.parametrize("pattern", ALL_PATTERNS)
def test_python_and_rust_read_each_pattern_alike(pattern: str) -> None:
    rust = jsonschema_rs.validator_for({"type": "string", "pattern": pattern})
    python = re.compile(pattern)
    disagreements = [
        sample
        for sample in samples_near(pattern)
        if rust.is_valid(sample) != bool(python.search(sample))
    ]
    assert not disagreements, disagreements


def test_the_spelled_out_whitespace_is_what_str_strip_removes() -> None:
    blank = re.compile(load(TASK_ID)["pattern"])  # one character that is not whitespace
    every = (chr(code) for code in range(sys.maxunicode + 1) if not 0xD800 <= code <= 0xDFFF)
    assert [c for c in every if not blank.search(c)] == [
        c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace()
    ]


def test_the_image_rule_spells_whitespace_as_the_task_id_rule_does() -> None:
    task_id_class = load(TASK_ID)["pattern"].removeprefix("[^").removesuffix("]")
    image_pattern = load(IMAGE_REFS)["properties"]["images"]["items"]["pattern"]
    assert image_pattern.count(task_id_class) == 2


@pytest.mark.parametrize(
    "image", ["https://example.com/cat.png\n", "https://example.com/\x1ccat.png", "http://a\x85b"]
)
def test_an_image_url_with_whitespace_or_a_final_newline_is_refused(api: Api, image: str) -> None:
    response = api.submit({**VALID_BODY, "images": [image]})
    assert response.status_code == 400
    assert response.get_json()["message"].startswith("images[0]: must be an http(s) URL")


def test_a_byte_order_mark_is_not_whitespace_in_an_image_url(api: Api) -> None:
    assert (
        api.submit({**VALID_BODY, "images": ["https://example.com/\ufeffcat.png"]}).status_code
        == 200
    )
