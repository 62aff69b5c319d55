"""Probes of the open questions about submissions (the docs leave the answers open).

Each probe sends one submission the target may accept, records what it did, and fails only if
the answer breaks `schemas/`. An accepted probe is a real job, so on a live target each one
spends a unit of --live-budget (and some cost more than the cheapest job: `missing_duration`
gets the default 5 s, `audio_with_off_peak` adds audio).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from mock_server.conformance.operations import JSON_TYPE
from mock_server.conformance.probes import answer
from mock_server.conformance.report import Why
from mock_server.conformance.session import Contract

pytestmark = pytest.mark.phase("probes")

LONG_PROMPT = "A cat surfs a long, slow wave at dawn. " * 55


@dataclass(frozen=True)
class Submission:
    """A probe's request: a body, and optionally the Content-Type to send it with."""

    body: dict[str, Any]
    content_type: str | None = JSON_TYPE


def _with(**changes: Any) -> Callable[[Contract], Submission]:
    return lambda contract: Submission(contract.sample_body(**changes))


def _plus(**fields: Any) -> Callable[[Contract], Submission]:
    return lambda contract: Submission({**contract.sample_body(), **fields})


def _typed(content_type: str | None) -> Callable[[Contract], Submission]:
    return lambda contract: Submission(contract.sample_body(), content_type)


def _images(count: int) -> Callable[[Contract], Submission]:
    return lambda contract: Submission(
        contract.sample_body(images=contract.sample_body()["images"] * count)
    )


PROBES: dict[str, Callable[[Contract], Submission]] = {
    "prompt_over_2000_chars": _with(prompt=LONG_PROMPT),
    "two_images": _images(2),
    "four_images": _images(4),
    "amplitude_large": _with(movement_amplitude="large"),
    "audio_with_off_peak": _with(audio=True, off_peak=True),
    "non_url_image": _with(images=["cat.png"]),
    "integral_float_duration": _with(duration=1.0),
    "null_optional_field": _plus(seed=None),
    "unknown_body_field": _plus(contract_suite_unknown_field=True),
    "missing_duration": _with(duration=None),
    "missing_content_type": _typed(None),
    "text_plain_content_type": _typed("text/plain"),
}


@pytest.mark.paid
@pytest.mark.parametrize("name", PROBES)
def test_probe_records_how_the_target_treats_an_undocumented_case(
    contract: Contract, name: str
) -> None:
    submission = PROBES[name](contract)
    if not contract.api.budget.allows():
        contract.probes.skip(name, Why.BUDGET, "the live budget was used up before this probe")
    contract.require_budget()
    exchange = contract.api.submit(submission.body, content_type=submission.content_type, paid=True)
    contract.probes.record(name, answer(exchange))
    contract.conforms(exchange)


def test_long_prompt_is_over_2000_characters() -> None:
    assert len(LONG_PROMPT) > 2000
