"""Scripted outcomes: what the next submits, or one task, will do, as a test decided.

A `Script` says how one job (or one submit) misbehaves: it fails with a reason at the queue or
processing stage, stays stuck in a stage, is rejected at submit with 429/500/503, has its Nth poll
answer 500, or is answered late. Scripts come from the control API (queued for the next N submits
or attached to one task) or from `[mock:...]` markers in the prompt. The `ScriptBook` keeps
them in the fake's store.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from mock_server.domain.lifecycle import Outcome
from mock_server.domain.quotas import MAX_LATENCY_S
from mock_server.domain.store import StateStore, TaskFaults
from mock_server.wire.statuses import TaskStatus

__all__ = [
    "MARKERS",
    "PollFault",
    "Script",
    "ScriptBook",
    "ScriptError",
    "parse_stage",
    "script_from_prompt",
]

REJECT_STATUSES = (429, 500, 503)

MAX_FAIL_POLL = 1_000_000
STAGES = {"queued": TaskStatus.QUEUED, "processing": TaskStatus.PROCESSING}
MARKER = re.compile(r"\[mock:([A-Za-z_-]+)(?:=([^\]]*))?\]")
MARKERS = ("fail", "fail-queued", "stuck", "reject", "fail-poll", "latency")


class ScriptError(ValueError):
    """A script that cannot be followed; the message says what to send instead."""


@dataclass(frozen=True)
class Script:
    """How one submit or job misbehaves; the default misbehaves in no way."""

    fail: str = ""
    stage: TaskStatus = TaskStatus.PROCESSING
    stuck: TaskStatus | None = None
    reject: int | None = None
    fail_poll: int | None = None
    latency: float = 0.0

    def __post_init__(self) -> None:
        if self.fail and self.stuck is not None:
            raise ScriptError("a job cannot both fail and be stuck: choose `fail` or `stuck`")
        if self.reject is not None:
            _check_reject(self)
        if self.stage not in STAGES.values() or self.stuck not in (None, *STAGES.values()):
            raise ScriptError("stages are `queued` or `processing`")
        if self.fail_poll is not None and not 1 <= self.fail_poll <= MAX_FAIL_POLL:
            raise ScriptError(
                f"fail_poll counts polls from 1 to {MAX_FAIL_POLL}, got {self.fail_poll}"
            )
        if not 0.0 <= self.latency <= MAX_LATENCY_S:
            raise ScriptError(f"latency must be between 0 and {MAX_LATENCY_S:g} seconds")

    @property
    def outcome(self) -> Outcome | None:
        """The outcome this script gives a job, or None to leave it to the fake."""
        if self.fail:
            return Outcome.failed(self.fail, self.stage)
        if self.stuck is not None:
            return Outcome(stuck_in=self.stuck)
        return None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Script:
        """Read a script from a control-API body, naming the first bad field."""
        unknown = sorted(set(data) - {"fail", "stage", "stuck", "reject", "fail_poll", "latency"})
        if unknown:
            raise ScriptError(f"unknown script fields {unknown}")
        return cls(
            fail=_text(data, "fail"),
            stage=parse_stage(_text(data, "stage") or "processing"),
            stuck=parse_stage(_text(data, "stuck")) if data.get("stuck") is not None else None,
            reject=_number(data, "reject", int),
            fail_poll=_number(data, "fail_poll", int),
            latency=_number(data, "latency", float) or 0.0,
        )

    def to_json(self) -> dict[str, Any]:
        """Render the script for the control API, leaving out what it does not change."""
        rendered: dict[str, Any] = {
            "fail": self.fail,
            "stage": _stage_name(self.stage) if self.fail else None,
            "stuck": _stage_name(self.stuck) if self.stuck else None,
            "reject": self.reject,
            "fail_poll": self.fail_poll,
            "latency": self.latency or None,
        }
        return {key: value for key, value in rendered.items() if value}


def _check_reject(script: Script) -> None:
    if script.reject not in REJECT_STATUSES:
        raise ScriptError(f"reject must be one of {REJECT_STATUSES}, got {script.reject}")
    if script.fail or script.stuck is not None or script.fail_poll is not None:
        raise ScriptError("a rejected submit creates no job: `reject` excludes the job fields")


def parse_stage(text: str) -> TaskStatus:
    """Read `queued` or `processing`."""
    stage = STAGES.get(text.strip().lower())
    if stage is None:
        raise ScriptError(f"unknown stage {text!r}; use queued or processing")
    return stage


def _stage_name(stage: TaskStatus) -> str:
    return next(name for name, value in STAGES.items() if value is stage)


def _text(data: Mapping[str, Any], name: str) -> str:
    value = data.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ScriptError(f"{name} must be a string, got {value!r}")
    return value


def _number(data: Mapping[str, Any], name: str, kind: type[int] | type[float]) -> Any:
    value = data.get(name)
    allowed = (int,) if kind is int else (int, float)
    if value is not None and (isinstance(value, bool) or not isinstance(value, allowed)):
        raise ScriptError(f"{name} must be a number, got {value!r}")
    if value is None or kind is int:
        return value
    try:
        return float(value)
    except OverflowError:  # an integer beyond any float
        raise ScriptError(f"{name} is too large") from None


def script_from_prompt(prompt: str) -> Script | None:
    """Read the `[mock:...]` markers in a prompt into one script, or None when there are none."""
    fields: dict[str, Any] = {}
    for match in MARKER.finditer(prompt):
        name, value = match.group(1).lower(), (match.group(2) or "").strip()
        fields.update(_marker_fields(name, value, match.group(0)))
    return Script(**fields) if fields else None


def _marker_fields(name: str, value: str, text: str) -> dict[str, Any]:
    """Translate one marker into script fields."""
    if name not in MARKERS:
        raise ScriptError(f"unknown marker {text}; known: {', '.join(MARKERS)}")
    if not value:
        raise ScriptError(f"marker {text} needs a value: [mock:{name}=...]")
    try:
        return _MARKER_FIELDS[name](value)
    except ValueError as exc:
        raise ScriptError(f"marker {text}: {exc}") from None


_MARKER_FIELDS: dict[str, Callable[[str], dict[str, Any]]] = {
    "fail": lambda value: {"fail": value, "stage": TaskStatus.PROCESSING},
    "fail-queued": lambda value: {"fail": value, "stage": TaskStatus.QUEUED},
    "stuck": lambda value: {"stuck": parse_stage(value)},
    "reject": lambda value: {"reject": int(value)},
    "fail-poll": lambda value: {"fail_poll": int(value)},
    "latency": lambda value: {"latency": float(value)},
}


@dataclass(frozen=True)
class PollFault:
    """What one poll of a task suffers: a 500 answer and/or a delay."""

    fail: bool = False
    latency: float = 0.0


class ScriptBook:
    """Scripts waiting for the next submits, and the poll faults attached to tasks, kept in the
    fake's store so that every process sharing it follows the same scripts."""

    def __init__(self, store: StateStore) -> None:
        self.store = store

    def queue(self, script: Script, count: int = 1) -> None:
        """Give the next `count` submits this script (after those already queued)."""
        if count < 1:
            raise ScriptError(f"a script is queued for 1 submit or more, not {count}")
        self.store.push_scripts(script.to_json(), count)

    def take_next(self) -> Script | None:
        """The next submit's script, if one is queued (each is taken once)."""
        queued = self.store.pop_script()
        return None if queued is None else Script.from_json(queued)

    def attach(self, task_id: str, script: Script) -> None:
        """Make a task's polls suffer the script's poll failure and latency, counted from now."""
        if script.fail_poll is None and not script.latency:
            return
        self.store.attach_task_faults(task_id, script.fail_poll, script.latency)

    def has_faults(self, task_id: str) -> bool:
        """Tell whether polls of this task are scripted to misbehave."""
        return self.store.has_task_faults(task_id)

    def poll(self, task_id: str) -> tuple[int, PollFault]:
        """Count one poll of a task; return its number and what it suffers."""
        number, fails, latency = self.store.count_poll(task_id)
        return number, PollFault(fails, latency)

    def pending(self) -> dict[str, Any]:
        """Describe what is still scripted, for the control API."""
        return {
            "next": self.store.queued_scripts(),
            "tasks": {
                task_id: _faults_shown(faults)
                for task_id, faults in self.store.task_faults().items()
            },
        }

    def pending_for(self, task_id: str) -> dict[str, Any] | None:
        """What is still scripted for one task's polls, as `pending` shows it (None: nothing);
        the other tasks are read only when this one has faults."""
        if not self.store.has_task_faults(task_id):
            return None
        faults = self.store.task_faults().get(task_id)
        return None if faults is None else _faults_shown(faults)


def _faults_shown(faults: TaskFaults) -> dict[str, Any]:
    fail_polls, latency = faults
    return {"fail_polls": list(fail_polls), "latency": latency}
