"""Test-control endpoints under `/_mock`: the fake's own API, never part of the emulated one.

No emulated route passes through here and these routes pass through no emulated handler. They
answer only on loopback, or to callers holding the control token (see `control_access`).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request

from mock_server.double.fake import MAX_CURSOR, ClockNotVirtual, InvalidCursor
from mock_server.double.faults import TaskScriptError
from mock_server.double.scripts import Script, ScriptError
from mock_server.settings import Settings, settings_shown, text_of_json_value
from mock_server.web.control_access import TOKEN_HEADER, control_refusal
from mock_server.web.control_documents import job_detail_body, job_summary
from mock_server.web.download_routes import request_video_url, spec_for
from mock_server.web.state import current_fake
from mock_server.wire.errors import ControlForbidden, ControlRequestInvalid, InvalidRequestBody
from mock_server.wire.json_body import parse_json_body
from mock_server.wire.paths import ControlPath
from mock_server.wire.statuses import TaskStatus
from mock_server.wire.whole_numbers import whole_number

__all__ = ["blueprint"]

RESTART_ONLY = (
    *("host", "port", "seed", "clock", "control_token", "log_format", "quiet"),
    *("workers", "threads", "store", "store_path", "max_body_bytes"),
)
MAX_SCRIPT_COUNT = 10_000
DEFAULT_JOB_LIMIT = 50
MAX_JOB_LIMIT = 500
MAX_JOURNAL_LIMIT = 10_000
MAX_ADVANCE_S = 1e9  # about 31 years in one step
STATUS_NAMES = {status.name.lower(): status for status in TaskStatus}

blueprint = Blueprint("control", __name__)


@blueprint.before_request
def guard() -> None:
    """Refuse callers the control-plane rules do not let in."""
    refusal = control_refusal(current_fake().settings, request.headers.get(TOKEN_HEADER))
    if refusal is not None:
        raise ControlForbidden(refusal)


@blueprint.post(ControlPath.CLOCK_ADVANCE)
def advance_clock() -> dict[str, Any]:
    """Move the virtual clock forward by `{"seconds": N}`."""
    fake = current_fake()
    if not fake.virtual_clock:
        raise ControlRequestInvalid(ClockNotVirtual.MESSAGE)
    seconds = _json_object().get("seconds")
    if (
        isinstance(seconds, bool)
        or not isinstance(seconds, int | float)
        or not 0 <= seconds <= MAX_ADVANCE_S
    ):
        raise ControlRequestInvalid(f'send {{"seconds": <number from 0 to {MAX_ADVANCE_S:g}>}}')
    return {"now": fake.advance(float(seconds))}


@blueprint.get(ControlPath.CLOCK)
def read_clock() -> dict[str, Any]:
    fake = current_fake()
    return {"now": fake.clock.now(), "virtual": fake.virtual_clock}


@blueprint.post(ControlPath.RESET)
def reset() -> dict[str, Any]:
    """Forget every job, request, script and quota count; restore the starting settings."""
    current_fake().reset()
    return {"reset": True}


@blueprint.get(ControlPath.SETTINGS)
def read_settings() -> dict[str, Any]:
    return {"settings": settings_shown(current_fake().settings)}


@blueprint.post(ControlPath.SETTINGS)
def change_settings() -> dict[str, Any]:
    """Change settings at run time, e.g. `{"progression": "polls:2"}`."""
    fake = current_fake()
    changed = _changed_settings(fake.settings, _json_object())
    if changed.virtual_clock and not fake.virtual_clock:
        raise ControlRequestInvalid("manual progression needs a fake started with --clock virtual")
    fake.reconfigure(changed)
    return {"settings": settings_shown(changed)}


@blueprint.post(ControlPath.SCRIPTS)
def add_script() -> dict[str, Any]:
    """Script the next `count` submits, or the task `task_id`."""
    body = dict(_json_object())
    count, task_id = body.pop("count", 1), body.pop("task_id", None)
    script = _script(body)
    if task_id is None:
        current_fake().queue_script(script, _count(count))
        return {"count": count, "script": script.to_json()}
    if not isinstance(task_id, str) or count != 1:
        raise ControlRequestInvalid("task_id must be a string, and a task is scripted once")
    _script_task(task_id, script)
    return {"task_id": task_id, "script": script.to_json()}


@blueprint.get(ControlPath.SCRIPTS)
def pending_scripts() -> dict[str, Any]:
    return current_fake().pending_scripts()


@blueprint.get(ControlPath.JOURNAL)
def read_journal() -> dict[str, Any]:
    """Journalled API requests, oldest first: all, or those after `after`, the latest `limit`."""
    after = _int_arg("after", 0, 0, MAX_CURSOR)
    limit = _int_arg("limit", None, 0, MAX_JOURNAL_LIMIT)
    page = current_fake().journal_page(after, limit)
    return {"entries": [entry.to_json() for entry in page.entries], "latest": page.latest}


@blueprint.get(ControlPath.JOBS)
def list_jobs() -> dict[str, Any]:
    """A page of jobs, newest first: `?status=queued&limit=50&cursor=<next_cursor>`."""
    fake = current_fake()
    limit = _int_arg("limit", DEFAULT_JOB_LIMIT, 1, MAX_JOB_LIMIT)
    try:
        page = fake.list_jobs(_status_arg(), limit, request.args.get("cursor") or None)
    except InvalidCursor as exc:
        raise ControlRequestInvalid(str(exc)) from None
    return {
        "jobs": [job_summary(job, snapshot) for job, snapshot in page.jobs],
        "next_cursor": page.next_cursor,
        "total": page.total,
        "now": fake.clock.now(),
    }


@blueprint.get(ControlPath.JOBS + "/<task_id>")
def job(task_id: str) -> dict[str, Any]:
    """One job: its request, its poll answer now, its timeline, its scripts and its video."""
    fake = current_fake()
    detail = fake.job_detail(task_id)
    if detail is None:
        raise ControlRequestInvalid(f"no task {task_id!r}", status=404)
    url, spec = request_video_url(detail.job), spec_for(detail.job)
    return job_detail_body(detail, fake.clock.now(), fake.settings, url, spec)


@blueprint.delete(ControlPath.JOURNAL)
def clear_journal() -> dict[str, Any]:
    current_fake().clear_journal()
    return {"cleared": True}


def _int_arg(name: str, default: int | None, minimum: int, maximum: int) -> Any:
    """A whole-number query parameter within bounds, or the default when absent."""
    text = request.args.get(name, "").strip()
    if not text:
        return default
    value = whole_number(text, maximum)
    if value is None or value < minimum:
        raise ControlRequestInvalid(f"{name} must be a whole number from {minimum} to {maximum}")
    return value


def _status_arg() -> TaskStatus | None:
    text = request.args.get("status", "").strip()
    if not text:
        return None
    status = TaskStatus.named(text) or STATUS_NAMES.get(text.lower())
    if status is None:
        allowed = ", ".join(STATUS_NAMES)
        raise ControlRequestInvalid(f"status must be one of {allowed} (or TASK_STATUS_...)")
    return status


def _json_object() -> dict[str, Any]:
    """The body as a JSON object, read as strictly as a submit's (whatever its Content-Type)."""
    try:
        body = parse_json_body(request.get_data(cache=True))
    except InvalidRequestBody as exc:
        raise ControlRequestInvalid(f"send a JSON object ({exc.message})") from None
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
        current_fake().script_task(task_id, script)
    except LookupError:
        raise ControlRequestInvalid(f"no task {task_id!r}", status=404) from None
    except TaskScriptError as exc:
        raise ControlRequestInvalid(str(exc), status=409) from None
    except ScriptError as exc:
        raise ControlRequestInvalid(str(exc)) from None


def _changed_settings(current: Settings, values: dict[str, Any]) -> Settings:
    try:
        changed = Settings.from_strings(
            {name: text_of_json_value(name, value) for name, value in values.items()}, base=current
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
