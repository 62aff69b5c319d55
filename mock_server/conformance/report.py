"""The contract suite's report: what every check and probe saw on one target, as JSON and Markdown.

Every check either `held`, `failed`, or was `not run`; every probe was either `answered` (with
the answer) or `not measured`; whatever did not run says why (`budget`, `skipped`, `target
cannot`). The JSON form carries a `schema_version` and is described by
`schemas/contract-report.schema.json`; `load_report` refuses anything that breaks it.
The suite writes reports (`vidu-mock contract --report PATH`), `vidu-mock compare` reads two of
them. Nothing here runs a test or knows HTTP.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mock_server.wire.schemas import schema_problems

__all__ = [
    "REPORT_SCHEMA",
    "SCHEMA_VERSION",
    "CheckResult",
    "CheckVerdict",
    "ContractReport",
    "ProbeResult",
    "ProbeVerdict",
    "RunVerdict",
    "Spend",
    "Why",
    "load_report",
    "markdown_path",
]

SCHEMA_VERSION = 2
REPORT_SCHEMA = "contract-report"
MAX_CELL_CHARS = 400
SHOWN_PROBLEMS = 3


class CheckVerdict(enum.Enum):
    """How a check ended on the target."""

    HELD = "held"
    FAILED = "failed"
    NOT_RUN = "not run"


class ProbeVerdict(enum.Enum):
    """Whether a probe got an answer from the target."""

    ANSWERED = "answered"
    NOT_MEASURED = "not measured"


class Why(enum.Enum):
    """Why a check did not run or a probe was not measured."""

    BUDGET = "budget"  # it needs a paid submission, and none was left
    SKIPPED = "skipped"  # deselected, or nothing in the run gave it occasion
    TARGET_CANNOT = "target cannot"  # the target offers no way to bring it about


class RunVerdict(enum.Enum):
    """What one run says about the target as a whole."""

    HOLDS = "holds"
    FAILS = "fails"
    SETUP_ERROR = "setup error"


@dataclass(frozen=True)
class CheckResult:
    """One check: the rule it asserts, how often it ran, its last failure, or why it did not run."""

    name: str
    rule: str
    runs: int = 0
    failures: int = 0
    last_failure: str = ""
    why: Why | None = None  # why it did not run; None when it ran

    def __post_init__(self) -> None:
        object.__setattr__(self, "why", None if self.measured else self.why or Why.SKIPPED)

    @property
    def verdict(self) -> CheckVerdict:
        if self.failures:
            return CheckVerdict.FAILED
        return CheckVerdict.HELD if self.runs else CheckVerdict.NOT_RUN

    @property
    def measured(self) -> bool:
        return self.verdict is not CheckVerdict.NOT_RUN

    def describe(self) -> str:
        """`held (12 runs)`, `failed (1 of 12)`, `not run (budget)`."""
        if self.verdict is CheckVerdict.FAILED:
            return f"failed ({self.failures} of {self.runs})"
        if self.verdict is CheckVerdict.HELD:
            return f"held ({self.runs} runs)"
        return f"not run ({_why(self.why)})"

    def to_json(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict.value,
            "rule": self.rule,
            "runs": self.runs,
            "failures": self.failures,
            "last_failure": self.last_failure,
            "why": None if self.why is None else self.why.value,
        }

    @classmethod
    def from_json(cls, name: str, data: Mapping[str, Any]) -> CheckResult:
        why = Why(data["why"]) if data["why"] else None
        return cls(name, data["rule"], data["runs"], data["failures"], data["last_failure"], why)


@dataclass(frozen=True)
class ProbeResult:
    """One open question: what the target answered, or why it was not measured."""

    name: str
    question: str
    docs: str
    answer: Mapping[str, Any] | None = None
    why: Why | None = None  # why it was not measured; None when it was
    note: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "why", None if self.measured else self.why or Why.SKIPPED)

    @property
    def verdict(self) -> ProbeVerdict:
        return ProbeVerdict.NOT_MEASURED if self.answer is None else ProbeVerdict.ANSWERED

    @property
    def measured(self) -> bool:
        return self.answer is not None

    def describe(self) -> str:
        """`answered: status=401, reason="INVALID_API_KEY"` or `not measured (budget)`."""
        if self.answer is None:
            return f"not measured ({_why(self.why)})"
        shown = ", ".join(f"{key}={json.dumps(value)}" for key, value in self.answer.items())
        return f"answered: {shown}"

    def to_json(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict.value,
            "question": self.question,
            "docs": self.docs,
            "answer": None if self.answer is None else dict(self.answer),
            "why": None if self.why is None else self.why.value,
            "note": self.note,
        }

    @classmethod
    def from_json(cls, name: str, data: Mapping[str, Any]) -> ProbeResult:
        why = Why(data["why"]) if data["why"] else None
        return cls(name, data["question"], data["docs"], data["answer"], why, data["note"])


@dataclass(frozen=True)
class Spend:
    """Paid submissions on the target; `budget` None means unlimited (a fake costs nothing)."""

    budget: int | None = None
    paid_submissions: int = 0
    unexpected_accepts: int = 0

    @property
    def used_up(self) -> bool:
        """Tell whether a paid submission was wanted but could not be made."""
        return self.budget is not None and self.paid_submissions >= self.budget

    def describe(self) -> str:
        """Say what the run spent, in one line."""
        allowed = "no limit" if self.budget is None else f"budget {self.budget}"
        text = f"{self.paid_submissions} paid submission(s) ({allowed})"
        if self.unexpected_accepts:
            text += f"; {self.unexpected_accepts} request(s) that should have been refused were"
            text += " accepted and may have been charged"
        return text

    def to_json(self) -> dict[str, Any]:
        return {
            "budget": self.budget,
            "paid_submissions": self.paid_submissions,
            "unexpected_accepts": self.unexpected_accepts,
        }


@dataclass(frozen=True)
class ContractReport:
    """Everything one run of the contract suite saw on one target.

    `errors` are test failures that no check accounts for (a request that raised, a harness
    error); `setup_error` says why the run stopped before testing anything.
    """

    target: str
    base_url: str
    created_at: str
    spend: Spend
    checks: tuple[CheckResult, ...] = ()
    probes: tuple[ProbeResult, ...] = ()
    errors: tuple[str, ...] = ()
    setup_error: str = ""

    @property
    def verdict(self) -> RunVerdict:
        if self.setup_error:
            return RunVerdict.SETUP_ERROR
        if self.errors or any(c.verdict is CheckVerdict.FAILED for c in self.checks):
            return RunVerdict.FAILS
        return RunVerdict.HOLDS

    def check(self, name: str) -> CheckResult | None:
        return next((result for result in self.checks if result.name == name), None)

    def probe(self, name: str) -> ProbeResult | None:
        return next((result for result in self.probes if result.name == name), None)

    def failed_checks(self) -> list[CheckResult]:
        return [result for result in self.checks if result.verdict is CheckVerdict.FAILED]

    def headline(self) -> str:
        """The verdict in one sentence, with the counts behind it."""
        if self.verdict is RunVerdict.SETUP_ERROR:
            return f"Not tested: {self.setup_error}"
        checks = {verdict: 0 for verdict in CheckVerdict}
        for check in self.checks:
            checks[check.verdict] += 1
        answered = sum(probe.measured for probe in self.probes)
        said = "The contract holds" if self.verdict is RunVerdict.HOLDS else "The contract fails"
        extra = f", {len(self.errors)} other failure(s)" if self.errors else ""
        return (
            f"{said}: {checks[CheckVerdict.HELD]} checks held, {checks[CheckVerdict.FAILED]} "
            f"failed, {checks[CheckVerdict.NOT_RUN]} not run{extra}; {answered} probes "
            f"answered, {len(self.probes) - answered} not measured."
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "verdict": self.verdict.value,
            "target": self.target,
            "base_url": self.base_url,
            "created_at": self.created_at,
            "spend": self.spend.to_json(),
            "setup_error": self.setup_error,
            "errors": list(self.errors),
            "checks": {result.name: result.to_json() for result in self.checks},
            "probes": {result.name: result.to_json() for result in self.probes},
        }

    @classmethod
    def from_json(cls, data: Any) -> ContractReport:
        """Read a report written by `to_json`; refuse other documents, saying what is wrong."""
        problems = schema_problems(REPORT_SCHEMA, data)
        if problems:
            version = data.get("schema_version") if isinstance(data, dict) else None
            if version != SCHEMA_VERSION:
                raise ValueError(
                    f"not a contract report of schema_version {SCHEMA_VERSION} "
                    f"(found {version!r}); write it again with this version of vidu-mock"
                )
            shown = "; ".join(problems[:SHOWN_PROBLEMS])
            raise ValueError(f"not a valid contract report: {shown}")
        return cls(
            target=data["target"],
            base_url=data["base_url"],
            created_at=data["created_at"],
            spend=Spend(**data["spend"]),
            checks=tuple(CheckResult.from_json(k, v) for k, v in data["checks"].items()),
            probes=tuple(ProbeResult.from_json(k, v) for k, v in data["probes"].items()),
            errors=tuple(data["errors"]),
            setup_error=data["setup_error"],
        )

    def to_markdown(self) -> str:
        """A verdict line, then one table row per check and probe: what this target did, what
        the docs say, and a note."""
        lines = [
            f"# Contract report: {self.target} at {self.base_url}",
            "",
            f"**{self.headline()}**",
            "",
            f"Spend: {self.spend.describe()}. Written {self.created_at}.",
            "",
            "| check or probe | this target | what the docs say | note |",
            "|---|---|---|---|",
        ]
        lines += [
            _row(f"check `{c.name}`", c.describe(), c.rule, c.last_failure) for c in self.checks
        ]
        lines += [
            _row(f"probe `{p.name}`", p.describe(), p.docs, _probe_note(p)) for p in self.probes
        ]
        if self.errors:
            lines += ["", "Failures outside the checks:", ""]
            lines += [f"- {_cell(error)}" for error in self.errors]
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
        try:
            data = json.load(handle)
        except ValueError as exc:
            raise ValueError(f"{path} is not JSON: {exc}") from None
    return ContractReport.from_json(data)


def _why(why: Why | None) -> str:
    return (why or Why.SKIPPED).value


def _probe_note(result: ProbeResult) -> str:
    return f"{result.question} {result.note}".strip()


def _row(item: str, this_target: str, docs: str, note: str) -> str:
    return f"| {item} | {_cell(this_target)} | {_cell(docs)} | {_cell(note)} |"


def _cell(text: str) -> str:
    """Keep a table cell on one line, its pipes escaped and its length bounded."""
    flat = " ".join(text.split()).replace("|", "\\|")
    return flat if len(flat) <= MAX_CELL_CHARS else flat[: MAX_CELL_CHARS - 1] + "…"
