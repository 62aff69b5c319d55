"""Test-control endpoints under `/_mock`: the fake's own API, never part of the emulated one.

No emulated route passes through here and these routes pass through no emulated handler. They
answer only on loopback, or to callers holding the control token (see `control_access`).
"""

from __future__ import annotations

import enum
from typing import Any

from flask import Blueprint, request

from mock_server.clock import VirtualClock
from mock_server.control_access import TOKEN_HEADER, control_refusal
from mock_server.double import double
from mock_server.errors import ControlForbidden, ControlRequestInvalid
from mock_server.faults import TaskScriptError
from mock_server.journal import REDACTED
from mock_server.runtime import runtime
from mock_server.scripting import Script, ScriptError
from mock_server.settings import Settings, settings_fields

PREFIX = "/_mock"
RESTART_ONLY = ("host", "port", "seed", "clock", "control_token", "workers", "store_path")
MAX_SCRIPT_COUNT = 10_000

blueprint = Blueprint("control", __name__, url_prefix=PREFIX)


@blueprint.before_request
def guard() -> None:
    """Refuse callers the control-plane rules do not let in."""
    refusal = control_refusal(runtime().settings, request.headers.get(TOKEN_HEADER))
    if refusal is not None:
        raise ControlForbidden(refusal)


@blueprint.post("/clock/advance")
def advance_clock() -> dict[str, Any]:
    """Move the virtual clock forward by `{"seconds": N}`."""
    clock = _virtual_clock()
    seconds = _json_object().get("seconds")
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or not seconds >= 0:
        raise ControlRequestInvalid('send {"seconds": <number >= 0>}')
    return {"now": clock.advance(float(seconds))}


@blueprint.get("/clock")
def read_clock() -> dict[str, Any]:
    clock = runtime().clock
    return {"now": clock.now(), "virtual": isinstance(clock, VirtualClock)}


@blueprint.post("/reset")
def reset() -> dict[str, Any]:
    """Forget every job, request, script and quota count; restore the starting settings."""
    double().reset(runtime())
    return {"reset": True}


@blueprint.get("/settings")
def read_settings() -> dict[str, Any]:
    return {"settings": settings_text(runtime().settings)}


@blueprint.post("/settings")
def change_settings() -> dict[str, Any]:
    """Change settings at run time, e.g. `{"progression": "polls:2"}`."""
    state = runtime()
    changed = _changed_settings(state.settings, _json_object())
    if changed.virtual_clock and not isinstance(state.clock, VirtualClock):
        raise ControlRequestInvalid("manual progression needs a fake started with --clock virtual")
    state.reconfigure(changed)
    return {"settings": settings_text(changed)}


@blueprint.post("/scripts")
def add_script() -> dict[str, Any]:
    """Script the next `count` submits, or the task `task_id`."""
    body = dict(_json_object())
    count, task_id = body.pop("count", 1), body.pop("task_id", None)
    script = _script(body)
    if task_id is None:
        double().faults.book.queue(script, _count(count))
        return {"count": count, "script": script.to_json()}
    if not isinstance(task_id, str) or count != 1:
        raise ControlRequestInvalid("task_id must be a string, and a task is scripted once")
    _script_task(task_id, script)
    return {"task_id": task_id, "script": script.to_json()}


@blueprint.get("/scripts")
def pending_scripts() -> dict[str, Any]:
    return double().faults.book.pending()


@blueprint.get("/journal")
def read_journal() -> dict[str, Any]:
    """Every journalled API request, oldest first."""
    return {"entries": [entry.to_json() for entry in double().journal.entries()]}


@blueprint.delete("/journal")
def clear_journal() -> dict[str, Any]:
    double().journal.clear()
    return {"cleared": True}


def _virtual_clock() -> VirtualClock:
    clock = runtime().clock
    if not isinstance(clock, VirtualClock):
        raise ControlRequestInvalid("the clock is real; start the fake with --clock virtual")
    return clock


def _json_object() -> dict[str, Any]:
    body = request.get_json(silent=True, force=True)
    if not isinstance(body, dict):
        raise ControlRequestInvalid("send a JSON object")
    return body


def _script(fields: dict[str, Any]) -> Script:
    try:
        script = Script.from_json(fields)
    except ScriptError as exc:
        raise ControlRequestInvalid(str(exc)) from None
    if script == Script():
        raise ControlRequestInvalid(
            "the script changes nothing: send fail, stuck, reject, fail_poll or latency"
        )
    return script


def _count(count: Any) -> int:
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_SCRIPT_COUNT:
        raise ControlRequestInvalid(f"count must be an integer from 1 to {MAX_SCRIPT_COUNT}")
    return count


def _script_task(task_id: str, script: Script) -> None:
    try:
        double().faults.script_task(runtime().backend, task_id, script)
    except LookupError:
        raise ControlRequestInvalid(f"no task {task_id!r}", status=404) from None
    except TaskScriptError as exc:
        raise ControlRequestInvalid(str(exc), status=409) from None
    except ScriptError as exc:
        raise ControlRequestInvalid(str(exc)) from None


def _changed_settings(current: Settings, values: dict[str, Any]) -> Settings:
    try:
        changed = Settings.from_strings(
            {name: _as_text(value) for name, value in values.items()}, base=current
        )
    except (ValueError, TypeError) as exc:
        raise ControlRequestInvalid(str(exc)) from None
    frozen = [
        name
        for name in RESTART_ONLY
        if getattr(changed, name, None) != getattr(current, name, None)
    ]
    if frozen:
        raise ControlRequestInvalid(f"{', '.join(frozen)} can only change at start")
    return changed


def _as_text(value: Any) -> str:
    """Write a JSON value the way the CLI would receive it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, list):
        return ",".join(str(item) for item in value)
    if isinstance(value, dict):
        raise TypeError(f"settings are strings, numbers, booleans or lists, got {value!r}")
    return str(value)


def settings_text(settings: Settings) -> dict[str, str]:
    """Every setting as the text its CLI flag would take."""
    shown = {spec.name: _setting_text(getattr(settings, spec.name)) for spec in settings_fields()}
    if settings.control_token:
        shown["control_token"] = REDACTED
    return shown


def _setting_text(value: Any) -> str:
    if isinstance(value, tuple):
        return ",".join(value)
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)
