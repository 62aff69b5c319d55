"""The suite's command-line options, each also read from a `VIDU_CONTRACT_*` environment variable.

Declared once here: `conftest.py` turns the declarations into pytest options, `vidu-mock contract`
into its own flags (under the shorter name `command` gives, where it offers the option), and
both resolve them (flag, then environment variable, then default) into one frozen `SuiteOptions`.
"""

from __future__ import annotations

import enum
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mock_server.settings import parse_base_url, parse_bool, parse_int_from, parse_number

__all__ = [
    "ENV_PREFIX",
    "OPTIONS",
    "PREFLIGHTED_FLAG",
    "OptionSpec",
    "SuiteOptions",
    "TargetKind",
    "spec_named",
]

ENV_PREFIX = "VIDU_CONTRACT_"
# Internal, and on no help page: `vidu-mock contract` passes it to the suite's pytest run once it
# has run the preflight itself, so the suite does not send it a second time. No environment
# variable sets it: an exported one would let a plain pytest run skip its preflight.
PREFLIGHTED_FLAG = "--contract-preflighted"
CHECKOUT_RECORDINGS = Path(__file__).resolve().parents[2] / "fixtures" / "recordings"


class TargetKind(enum.Enum):
    """The suite's own fake, or any server reached at a base URL."""

    FAKE = "fake"
    LIVE = "live"


def _target(text: str) -> TargetKind:
    try:
        return TargetKind(text.strip().lower())
    except ValueError:
        raise ValueError(f"expected fake or live, got {text!r}") from None


def _report_file(text: str) -> str:
    if text and Path(text).is_dir():
        raise ValueError(f"expected a file to write the report to, got the directory {text!r}")
    return text


@dataclass(frozen=True)
class OptionSpec:
    """One option: its name, default, help and parser; flag and variable derive from the name."""

    name: str
    default: str
    help: str
    parse: Callable[[str], Any]
    metavar: str = "VALUE"
    is_switch: bool = False
    env_suffix: str = ""
    command: str = ""  # its name under `vidu-mock contract`; empty where that does not offer it

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")

    @property
    def command_flag(self) -> str:
        return "--" + self.command.replace("_", "-")

    @property
    def env(self) -> str:
        return ENV_PREFIX + (self.env_suffix or self.name.upper())


OPTIONS: tuple[OptionSpec, ...] = (
    OptionSpec(
        "target",
        "fake",
        "fake: the suite starts its own fake; live: any server at --base-url.",
        _target,
        "fake|live",
    ),
    OptionSpec(
        "base_url",
        "",
        "Base URL of the server under test (live target).",
        parse_base_url,
        "URL",
        command="base_url",
    ),
    OptionSpec(
        "api_key",
        "",
        "API key for the server under test (live target); never written to reports or recordings.",
        str,
        "KEY",
        command="api_key",
    ),
    OptionSpec(
        "live_budget",
        "0",
        "Paid submissions a live run may make; 0 spends nothing. Most are the cheapest job "
        "(duration 1, 720p, no bgm/off-peak); the delivered-video job asks for audio and a seed, "
        "and two probes cost more (missing_duration gets the default 5 s, audio_with_off_peak "
        "asks for audio).",
        parse_int_from(0),
        "N",
        command="budget",
    ),
    OptionSpec(
        "live_time_limit",
        "1200",
        "Seconds a live run may spend waiting for its paid tasks to finish, overall, counted "
        "from its first wait for one.",
        parse_number(0, inclusive=False),
        "SECONDS",
        command="time_limit",
    ),
    OptionSpec(
        "live_poll_interval",
        "2",
        "First pause between polls on a live target, in seconds; it grows 1.5x per poll up "
        "to 30 s.",
        parse_number(0, inclusive=False),
        "SECONDS",
    ),
    OptionSpec(
        "live_image_url",
        "",
        "Image for paid submissions (default: a small generated PNG sent as a data: URI).",
        str,
        "URL",
    ),
    OptionSpec(
        "contract_report",
        "",
        "Write a JSON report of every check and probe here, and a Markdown table beside it (.md).",
        _report_file,
        "PATH",
        env_suffix="REPORT",
        command="report",
    ),
    OptionSpec(
        "record",
        "false",
        "Record every exchange (key redacted) under --record-dir, or fixtures/recordings/ in a "
        "checkout (./recordings elsewhere).",
        parse_bool,
        is_switch=True,
    ),
    OptionSpec(
        "record_dir",
        "",
        "Record every exchange (key redacted) into a dated file in this directory.",
        str,
        "DIR",
        command="record",
    ),
    OptionSpec(
        "contract_progress",
        "false",
        "Say on stderr what the run is doing: each phase with its counts, each paid job.",
        parse_bool,
        is_switch=True,
        env_suffix="PROGRESS",
    ),
    OptionSpec(
        "hypothesis_profile",
        "",
        "Hypothesis profile for the suite: ci, dev or live (environment variable only; the "
        "flag is Hypothesis' own --hypothesis-profile).",
        str,
    ),
)


def spec_named(name: str) -> OptionSpec:
    """The declaration of one option."""
    return next(spec for spec in OPTIONS if spec.name == name)


@dataclass(frozen=True)
class SuiteOptions:
    """Every option of one run, parsed."""

    target: TargetKind = TargetKind.FAKE
    base_url: str = ""
    api_key: str = ""
    live_budget: int = 0
    live_time_limit: float = 1200.0
    live_poll_interval: float = 2.0
    live_image_url: str = ""
    contract_report: str = ""
    record: bool = False
    record_dir: str = ""
    contract_progress: bool = False
    hypothesis_profile: str = ""

    @classmethod
    def resolve(
        cls,
        given: Mapping[str, str | None],
        environ: Mapping[str, str] = os.environ,
        *,
        command: bool = False,
    ) -> SuiteOptions:
        """Take each option from its flag, else its environment variable, else its default;
        errors name the flags of `vidu-mock contract` where `command`, pytest's otherwise."""
        values: dict[str, Any] = {}
        for spec in OPTIONS:
            text = given.get(spec.name)
            text = text if text is not None else environ.get(spec.env, spec.default)
            try:
                values[spec.name] = spec.parse(text)
            except ValueError as exc:
                flag = spec.command_flag if command and spec.command else spec.flag
                raise ValueError(f"{flag} / {spec.env}: {exc}") from None
        options = cls(**values)
        options.validate()
        return options

    def validate(self) -> None:
        if self.target is TargetKind.LIVE and not (self.base_url and self.api_key):
            raise ValueError(
                "a server at a base URL needs --base-url and --api-key "
                "(or VIDU_CONTRACT_BASE_URL and VIDU_CONTRACT_API_KEY)"
            )

    @property
    def live(self) -> bool:
        return self.target is TargetKind.LIVE

    @property
    def report_path(self) -> Path | None:
        return Path(self.contract_report) if self.contract_report else None

    @property
    def recording_dir(self) -> Path | None:
        """Where to record the run's exchanges (a given directory implies recording), or None."""
        if self.record_dir:
            return Path(self.record_dir)
        if not self.record:
            return None
        return CHECKOUT_RECORDINGS if CHECKOUT_RECORDINGS.is_dir() else Path("recordings")
