"""Drift between two contract reports, and settings profiles that adopt what a target did.

`vidu-mock compare FAKE.json LIVE.json` lists every check and probe where the two targets differ;
`--write-profile FILE` turns the second report's probe answers into settings the fake loads with
`vidu-mock serve --profile FILE`. Nothing here runs a test or knows HTTP.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mock_server.conformance.report import ContractReport, ProbeResult, Verdict
from mock_server.settings import Settings, text_of_json_value

__all__ = [
    "PROFILE_ENV",
    "PROFILE_RULES",
    "Difference",
    "ProfileRule",
    "differences",
    "format_differences",
    "load_profile",
    "profile_from",
    "write_profile",
]

Observed = Mapping[str, Any]
PROFILE_ENV = "VIDU_MOCK_PROFILE"


@dataclass(frozen=True)
class Difference:
    """One item where two reports disagree, with what each side said."""

    item: str
    left: Any
    right: Any

    def __str__(self) -> str:
        return f"{self.item}: {_show(self.left)} | {_show(self.right)}"


def differences(left: ContractReport, right: ContractReport) -> list[Difference]:
    """List every check verdict and probe answer that differs between two reports."""
    return [*_check_differences(left, right), *_probe_differences(left, right)]


def format_differences(left: ContractReport, right: ContractReport) -> str:
    """Render the differences for a terminal, first naming which report is which."""
    found = differences(left, right)
    lines = [
        f"A: {left.target} ({left.base_url}), {left.created_at}",
        f"B: {right.target} ({right.base_url}), {right.created_at}",
        "item: A | B",
        *(str(difference) for difference in found),
        f"{len(found)} difference(s).",
    ]
    return "\n".join(lines)


def _check_differences(left: ContractReport, right: ContractReport) -> Iterator[Difference]:
    for name in _names([c.name for c in left.checks], [c.name for c in right.checks]):
        a, b = left.check(name), right.check(name)
        verdicts = [_check_text(result) for result in (a, b)]
        if verdicts[0] != verdicts[1]:
            yield Difference(f"check {name}", verdicts[0], verdicts[1])


def _check_text(result: Any) -> str:
    if result is None:
        return "absent"
    text: str = result.verdict.value
    return f"{text}: {result.last_failure}" if result.verdict is Verdict.FAILED else text


def _probe_differences(left: ContractReport, right: ContractReport) -> Iterator[Difference]:
    for name in _names([p.name for p in left.probes], [p.name for p in right.probes]):
        a, b = left.probe(name), right.probe(name)
        if a is None or b is None or a.skipped or b.skipped:
            if _probe_text(a) != _probe_text(b):
                yield Difference(f"probe {name}", _probe_text(a), _probe_text(b))
            continue
        for key in _names(list(a.observed), list(b.observed)):
            if a.observed.get(key) != b.observed.get(key):
                yield Difference(f"probe {name}.{key}", a.observed.get(key), b.observed.get(key))


def _probe_text(result: ProbeResult | None) -> str:
    if result is None:
        return "absent"
    return f"skipped: {result.skipped}" if result.skipped else "observed"


def _names(first: Sequence[str], second: Sequence[str]) -> list[str]:
    """Union of two name lists, in first-seen order."""
    return list(dict.fromkeys([*first, *second]))


def _show(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


@dataclass(frozen=True)
class ProfileRule:
    """How one setting of the fake follows from what some probes observed."""

    setting: str
    probes: tuple[str, ...]
    choose: Callable[[Sequence[Observed]], str | None]


def _by_status(table: Mapping[int, str]) -> Callable[[Sequence[Observed]], str | None]:
    """Pick a value from the status every probe saw, when they agree and the status is known."""

    def choose(seen: Sequence[Observed]) -> str | None:
        statuses = {answer.get("status") for answer in seen}
        if len(statuses) != 1:
            return None
        status = statuses.pop()
        return table.get(status) if isinstance(status, int) else None

    return choose


def _refused(status: str) -> dict[int, str]:
    """Map every 4xx to one value: the API refused the request, whatever the exact status."""
    return dict.fromkeys(range(400, 500), status)


def _field(name: str, *, numeric: bool = False) -> Callable[[Sequence[Observed]], str | None]:
    def choose(seen: Sequence[Observed]) -> str | None:
        value = seen[0].get(name)
        if not isinstance(value, str) or (numeric and not value.isdigit()):
            return None
        return value

    return choose


PROFILE_RULES: tuple[ProfileRule, ...] = (
    ProfileRule("missing_key_status", ("missing_api_key",), _by_status({400: "400", 403: "403"})),
    ProfileRule("wrong_key_status", ("wrong_api_key",), _by_status({401: "401", 403: "403"})),
    ProfileRule(
        "accept_bare_key", ("bare_api_key",), _by_status({404: "true", 401: "false", 403: "false"})
    ),
    ProfileRule(
        "unknown_fields", ("unknown_body_field",), _by_status({200: "ignore", 400: "reject"})
    ),
    ProfileRule(
        "upstream_limits",
        ("prompt_over_2000_chars", "two_images", "audio_with_off_peak"),
        _by_status({200: "false", 400: "true"}),
    ),
    ProfileRule("image_refs", ("non_url_image",), _by_status({200: "any", 400: "strict"})),
    ProfileRule(
        "integral_floats",
        ("integral_float_duration",),
        _by_status({200: "accept", 400: "reject"}),
    ),
    ProfileRule(
        "content_type",
        ("missing_content_type",),
        _by_status({200: "lenient", **_refused("strict")}),
    ),
    ProfileRule(
        "duration_required", ("missing_duration",), _by_status({200: "false", 400: "true"})
    ),
    ProfileRule("task_type", ("task_result_types",), _field("task_type")),
    ProfileRule("video_url_ttl", ("task_result_types",), _field("video_url_ttl", numeric=True)),
)


def profile_from(report: ContractReport) -> dict[str, str]:
    """Settings (name -> text) that make the fake answer as the report's target did."""
    profile: dict[str, str] = {}
    for rule in PROFILE_RULES:
        seen = [p.observed for name in rule.probes if (p := report.probe(name)) and not p.skipped]
        if len(seen) == len(rule.probes):
            value = rule.choose(seen)
            if value is not None:
                profile[rule.setting] = value
    Settings.from_strings(profile)
    return profile


def write_profile(path: Path, profile: Mapping[str, str]) -> None:
    """Write a profile as a JSON object of setting name -> value."""
    path.write_text(json.dumps(dict(profile), indent=2, sort_keys=True) + "\n", encoding="utf-8")


def load_profile(path: Path) -> dict[str, str]:
    """Read a profile file into `name -> text` pairs for `Settings.from_strings`."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"cannot read profile {path}: {exc}") from None
    if not isinstance(data, dict):
        raise ValueError(f"profile {path} must be a JSON object of setting name -> value")
    try:
        return {str(name): text_of_json_value(str(name), value) for name, value in data.items()}
    except ValueError as exc:
        raise ValueError(f"profile {path}: {exc}") from None
