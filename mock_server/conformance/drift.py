"""Drift between two contract reports, and settings profiles that adopt what a target did.

`vidu-mock compare A.json B.json` lists a difference only where both reports measured the same
thing (a check ran on both sides, a probe was answered on both sides) and got different answers;
what only one side measured is listed as not compared, and not counted. `--write-profile FILE`
turns the second report's probe answers into settings the fake loads with
`vidu-mock serve --profile FILE`, and names the settings it could not decide.
Nothing here runs a test or knows HTTP.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mock_server.conformance.report import CheckResult, ContractReport, ProbeResult
from mock_server.settings import Settings

__all__ = [
    "PROFILE_RULES",
    "Comparison",
    "Difference",
    "Profile",
    "ProfileRule",
    "compare",
    "profile_from",
]

Observed = Mapping[str, Any]


@dataclass(frozen=True)
class Difference:
    """One item of two reports, with what each side says (as text: a verdict, a JSON value)."""

    item: str
    left: str
    right: str

    def __str__(self) -> str:
        return f"{self.item}: {self.left} | {self.right}"


@dataclass(frozen=True)
class Comparison:
    """What two reports say differently, and what only one of them measured."""

    left: ContractReport
    right: ContractReport
    differences: tuple[Difference, ...]
    not_compared: tuple[Difference, ...]

    def format(self) -> str:
        """Render the comparison for a terminal, first naming which report is which."""
        lines = [
            f"A: {self.left.target} ({self.left.base_url}), {self.left.created_at}",
            f"B: {self.right.target} ({self.right.base_url}), {self.right.created_at}",
        ]
        if self.differences:
            lines.append("Differences (measured on both sides, answered differently), A | B:")
            lines += [f"  {difference}" for difference in self.differences]
        if self.not_compared:
            lines.append("Not compared (measured on one side only), A | B:")
            lines += [f"  {item}" for item in self.not_compared]
        lines.append(
            f"{len(self.differences)} difference(s); {len(self.not_compared)} not compared."
        )
        return "\n".join(lines)


def compare(left: ContractReport, right: ContractReport) -> Comparison:
    """Compare what both reports measured; set aside what only one of them did."""
    differences: list[Difference] = []
    not_compared: list[Difference] = []
    for name in _names([c.name for c in left.checks], [c.name for c in right.checks]):
        _compare_checks(name, left.check(name), right.check(name), differences, not_compared)
    for name in _names([p.name for p in left.probes], [p.name for p in right.probes]):
        _compare_probes(name, left.probe(name), right.probe(name), differences, not_compared)
    return Comparison(left, right, tuple(differences), tuple(not_compared))


def _compare_checks(
    name: str,
    a: CheckResult | None,
    b: CheckResult | None,
    differences: list[Difference],
    not_compared: list[Difference],
) -> None:
    item = f"check {name}"
    if a is None or b is None or not (a.measured and b.measured):
        if (a is not None and a.measured) or (b is not None and b.measured):
            not_compared.append(Difference(item, _check_text(a), _check_text(b)))
    elif a.verdict is not b.verdict:
        differences.append(Difference(item, _check_text(a), _check_text(b)))


def _check_text(result: CheckResult | None) -> str:
    if result is None:
        return "absent"
    text = result.describe()
    return f"{text}: {result.last_failure}" if result.last_failure else text


def _compare_probes(
    name: str,
    a: ProbeResult | None,
    b: ProbeResult | None,
    differences: list[Difference],
    not_compared: list[Difference],
) -> None:
    if a is None or b is None or a.answer is None or b.answer is None:
        if (a is not None and a.measured) or (b is not None and b.measured):
            not_compared.append(Difference(f"probe {name}", _probe_text(a), _probe_text(b)))
        return
    for key in _names(list(a.answer), list(b.answer)):
        item = f"probe {name}.{key}"
        if key not in a.answer or key not in b.answer:
            not_compared.append(
                Difference(item, _key_text(a.answer, key), _key_text(b.answer, key))
            )
        elif a.answer[key] != b.answer[key]:
            differences.append(Difference(item, _show(a.answer[key]), _show(b.answer[key])))


def _probe_text(result: ProbeResult | None) -> str:
    if result is None:
        return "absent"
    return "answered" if result.measured else result.describe()


def _key_text(answer: Observed, key: str) -> str:
    return _show(answer[key]) if key in answer else "not measured"


def _names(first: Sequence[str], second: Sequence[str]) -> list[str]:
    """Union of two name lists, in first-seen order."""
    return list(dict.fromkeys([*first, *second]))


def _show(value: Any) -> str:
    return json.dumps(value)


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


@dataclass(frozen=True)
class Profile:
    """The settings a report's answers decide, and the settings it leaves undecided (and why)."""

    settings: dict[str, str] = field(default_factory=dict)
    undecided: dict[str, str] = field(default_factory=dict)

    def describe(self) -> str:
        adopted = ", ".join(f"{name}={value}" for name, value in sorted(self.settings.items()))
        text = adopted or "nothing measured to adopt"
        if self.undecided:
            left = "; ".join(f"{name} ({why})" for name, why in self.undecided.items())
            text += f". Could not decide: {left}"
        return text


def profile_from(report: ContractReport) -> Profile:
    """Settings (name -> text) that make the fake answer as the report's target did."""
    profile = Profile()
    for rule in PROFILE_RULES:
        probes = [report.probe(name) for name in rule.probes]
        missing = [n for n, p in zip(rule.probes, probes, strict=True) if not (p and p.measured)]
        if missing:
            profile.undecided[rule.setting] = f"not measured: {', '.join(missing)}"
            continue
        value = rule.choose([p.answer for p in probes if p is not None and p.answer is not None])
        if value is None:
            profile.undecided[rule.setting] = "no value of it gives the answer measured"
        else:
            profile.settings[rule.setting] = value
    Settings.from_strings(profile.settings)
    return profile
