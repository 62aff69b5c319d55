"""The contract suite's report: what every check and probe saw on one target, as JSON and Markdown.

The suite in `contract_tests/` writes it (`--contract-report=PATH`); `vidu-mock compare` reads two
of them. Nothing here runs a test or knows HTTP.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "FORMAT",
    "CheckResult",
    "ContractReport",
    "ProbeResult",
    "Spend",
    "Verdict",
    "load_report",
    "markdown_path",
]

FORMAT = "vidu-mock-contract-report/1"
MAX_CELL_CHARS = 400


class Verdict(enum.Enum):
    """How a check or probe ended on the target."""

    PASSED = "passed"
    FAILED = "failed"
    NOT_RUN = "not run"
    OBSERVED = "observed"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class CheckResult:
    """One check: what it asserts, how often it ran, and the last failure it raised."""

    name: str
    summary: str
    runs: int = 0
    failures: int = 0
    last_failure: str = ""

    @property
    def verdict(self) -> Verdict:
        if self.failures:
            return Verdict.FAILED
        return Verdict.PASSED if self.runs else Verdict.NOT_RUN

    def to_json(self) -> dict[str, Any]:
        return {
            "summary": self.summary,
            "verdict": self.verdict.value,
            "runs": self.runs,
            "failures": self.failures,
            "last_failure": self.last_failure,
        }

    @classmethod
    def from_json(cls, name: str, data: Mapping[str, Any]) -> CheckResult:
        return cls(name, data["summary"], data["runs"], data["failures"], data["last_failure"])


@dataclass(frozen=True)
class ProbeResult:
    """One open question: what the target answered, or why the probe did not run."""

    name: str
    question: str
    observed: Mapping[str, Any] = field(default_factory=dict)
    skipped: str = ""

    @property
    def verdict(self) -> Verdict:
        return Verdict.SKIPPED if self.skipped else Verdict.OBSERVED

    def to_json(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "verdict": self.verdict.value,
            "observed": dict(self.observed),
            "skipped": self.skipped,
        }

    @classmethod
    def from_json(cls, name: str, data: Mapping[str, Any]) -> ProbeResult:
        return cls(name, data["question"], data["observed"], data["skipped"])


@dataclass(frozen=True)
class Spend:
    """Paid submissions on the target; `budget` None means unlimited (a fake costs nothing)."""

    budget: int | None = None
    paid_submissions: int = 0
    unexpected_accepts: int = 0

    def describe(self) -> str:
        """Say what the run spent, in one line."""
        allowed = "no limit" if self.budget is None else f"budget {self.budget}"
        text = f"{self.paid_submissions} paid submission(s) ({allowed})"
        if self.unexpected_accepts:
            text += f"; {self.unexpected_accepts} request(s) that should have been refused were"
            text += " accepted and may have been charged"
        return text


@dataclass(frozen=True)
class ContractReport:
    """Everything one run of the contract suite saw on one target."""

    target: str
    base_url: str
    created_at: str
    spend: Spend
    checks: tuple[CheckResult, ...] = ()
    probes: tuple[ProbeResult, ...] = ()

    def check(self, name: str) -> CheckResult | None:
        return next((result for result in self.checks if result.name == name), None)

    def probe(self, name: str) -> ProbeResult | None:
        return next((result for result in self.probes if result.name == name), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "target": self.target,
            "base_url": self.base_url,
            "created_at": self.created_at,
            "spend": {
                "budget": self.spend.budget,
                "paid_submissions": self.spend.paid_submissions,
                "unexpected_accepts": self.spend.unexpected_accepts,
            },
            "checks": {result.name: result.to_json() for result in self.checks},
            "probes": {result.name: result.to_json() for result in self.probes},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ContractReport:
        """Read a report written by `to_json`; refuse other documents with a clear message."""
        if not isinstance(data, Mapping) or data.get("format") != FORMAT:
            raise ValueError(f"not a contract report (expected format {FORMAT!r})")
        return cls(
            target=data["target"],
            base_url=data["base_url"],
            created_at=data["created_at"],
            spend=Spend(**data["spend"]),
            checks=tuple(CheckResult.from_json(k, v) for k, v in data["checks"].items()),
            probes=tuple(ProbeResult.from_json(k, v) for k, v in data["probes"].items()),
        )

    def to_markdown(self) -> str:
        """Render one table row per check and probe, saying what the target did."""
        lines = [
            f"# Contract report: {self.target} ({self.base_url})",
            "",
            f"Created {self.created_at}. Spend: {self.spend.describe()}.",
            "",
            "| kind | name | result | what the target did |",
            "|---|---|---|---|",
        ]
        lines += [_row("check", c.name, _check_result(c), _check_detail(c)) for c in self.checks]
        lines += [_row("probe", p.name, p.verdict.value, _probe_detail(p)) for p in self.probes]
        return "\n".join(lines) + "\n"

    def write(self, path: Path) -> tuple[Path, Path]:
        """Write the JSON report at `path` and the Markdown table beside it (`.md`)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_json(), indent=2) + "\n", encoding="utf-8")
        table = markdown_path(path)
        table.write_text(self.to_markdown(), encoding="utf-8")
        return path, table


def markdown_path(path: Path) -> Path:
    """Where the Markdown twin of a JSON report goes: the same name ending in `.md`."""
    return path.with_suffix(".md")


def load_report(path: Path) -> ContractReport:
    """Read a JSON report from disk."""
    with path.open(encoding="utf-8") as handle:
        return ContractReport.from_json(json.load(handle))


def _check_result(result: CheckResult) -> str:
    if result.verdict is Verdict.FAILED:
        return f"**FAILED** ({result.failures} of {result.runs})"
    if result.verdict is Verdict.PASSED:
        return f"passed ({result.runs} runs)"
    return str(result.verdict.value)


def _check_detail(result: CheckResult) -> str:
    return result.last_failure or result.summary


def _probe_detail(result: ProbeResult) -> str:
    if result.skipped:
        return result.skipped
    return ", ".join(f"{key}={json.dumps(value)}" for key, value in result.observed.items())


def _row(kind: str, name: str, result: str, detail: str) -> str:
    return f"| {kind} | `{name}` | {result} | {_cell(detail)} |"


def _cell(text: str) -> str:
    """Keep a table cell on one line, its pipes escaped and its length bounded."""
    flat = " ".join(text.split()).replace("|", "\\|")
    return flat if len(flat) <= MAX_CELL_CHARS else flat[: MAX_CELL_CHARS - 1] + "…"
