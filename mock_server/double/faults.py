"""Scripted, marked or chaotic misbehaviour of the API's requests.

A submit is scripted by the markers in its prompt if it has any, else by the next queued script,
else by chaos (when the settings give it any probability). Scripts, counters, jobs and their
outcomes all live in the fake's store.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

from mock_server.domain.jobs import Job, JobBackend
from mock_server.domain.lifecycle import Snapshot
from mock_server.double.chaos import Chaos, poll_rng, submit_rng
from mock_server.double.scripts import Script, ScriptBook, ScriptError, script_from_prompt
from mock_server.settings import Settings
from mock_server.wire.errors import (
    ApiError,
    CreateTaskFailed,
    GetResultFailed,
    InvalidRequestBody,
    RateLimitExceeded,
    ServiceNotAvailable,
)
from mock_server.wire.statuses import TaskStatus

__all__ = ["SUBMITS", "Delay", "Faults", "TaskScriptError"]

SUBMITS = "chaos_submits"  # the store's count of submits made while chaos is on

Delay = Callable[[float], None]

REJECTIONS: dict[int, type[ApiError]] = {
    429: RateLimitExceeded,
    500: CreateTaskFailed,
    503: ServiceNotAvailable,
}
REJECTION_MESSAGES = {
    429: "rate limit exceeded (injected fault)",
    500: "failed to create the task (injected fault)",
    503: "service not available, try again later (injected fault)",
}


class TaskScriptError(ValueError):
    """A script that cannot apply to the task it names."""


class Faults:
    """Decide, for each API request, whether and how it misbehaves."""

    def __init__(self, backend: JobBackend) -> None:
        self.backend = backend
        self.book = ScriptBook(backend.store)
        self._chaos_of: tuple[Settings, Chaos] | None = None  # worked out at the first request

    def _chaos(self) -> Chaos:
        """The chaos the settings in force give, worked out again only when they change."""
        settings, known = self.backend.settings, self._chaos_of
        if known is not None and known[0] is settings:
            return known[1]
        chaos = Chaos.from_settings(settings)
        self._chaos_of = (settings, chaos)
        return chaos

    def submit(
        self, params: Mapping[str, Any], api_key: str, delay: Delay, scripts_queued: bool = True
    ) -> Job:
        """Create a job the way its script says: late, rejected, or headed for an outcome
        (`scripts_queued` False: the request saw no queued script, so none is taken)."""
        backend = self.backend
        script = self._script_for(params, scripts_queued)
        if script is None:
            return backend.submit(params, api_key)
        delay(script.latency)
        if script.reject is not None:
            raise REJECTIONS[script.reject](REJECTION_MESSAGES[script.reject])
        job = backend.submit(params, api_key, script.outcome)
        self.book.attach(
            job.task_id, dataclasses.replace(script, latency=0.0)
        )  # it was the submit's
        return job

    def _script_for(self, params: Mapping[str, Any], scripts_queued: bool) -> Script | None:
        backend = self.backend
        chaos = self._chaos()
        number = int(backend.store.add_to_counter(SUBMITS, 1)) if chaos.active else 0
        if backend.settings.prompt_markers:
            marked = _marked_script(str(params.get("prompt", "")))
            if marked is not None:
                return marked
        queued = self.book.take_next() if scripts_queued else None
        if queued is not None:
            return queued
        return chaos.submit_script(submit_rng(backend.root_seed, number)) if chaos.active else None

    def read(
        self, task_id: str, delay: Delay, tasks_scripted: bool = True
    ) -> tuple[Job, Snapshot] | None:
        """Answer a poll, unless its script or chaos makes it late or a 500 (`tasks_scripted`
        False: the request saw no task with poll faults)."""
        backend = self.backend
        chaos = self._chaos()
        if not chaos.active and not (tasks_scripted and self.book.has_faults(task_id)):
            return backend.read(task_id)
        if backend.peek(task_id) is None:
            return None
        number, fault = self.book.poll(task_id)
        if chaos.active:
            drawn = chaos.poll_fault(poll_rng(backend.root_seed, task_id, number))
            fault = dataclasses.replace(
                fault, fail=fault.fail or drawn.fail, latency=fault.latency + drawn.latency
            )
        delay(fault.latency)
        if fault.fail:
            raise GetResultFailed(
                f"failed to get the task result (fault injected on poll {number})"
            )
        return backend.read(task_id)

    def script_task(self, task_id: str, script: Script) -> Job:
        """Change what an accepted task does from now on."""
        backend = self.backend
        found = backend.peek(task_id)
        if found is None:
            raise LookupError(f"no task {task_id!r}")
        job, snapshot = found
        if script.reject is not None:
            raise ScriptError("the task was already accepted; `reject` scripts submits only")
        outcome = script.outcome
        if outcome is not None:
            _check_not_past(snapshot, script)
            job = dataclasses.replace(job, outcome=outcome)
            backend.store.replace(job)
        self.book.attach(task_id, script)
        return job


def _check_not_past(snapshot: Snapshot, script: Script) -> None:
    """Refuse an outcome the task can no longer reach: time does not go back."""
    if snapshot.status.terminal:
        raise TaskScriptError(f"the task already ended {snapshot.status.value}")
    stage = script.stuck or script.stage
    if snapshot.status is TaskStatus.PROCESSING and stage is TaskStatus.QUEUED:
        raise TaskScriptError("the task is already PROCESSING; script the processing stage")


def _marked_script(prompt: str) -> Script | None:
    try:
        return script_from_prompt(prompt)
    except ScriptError as exc:
        raise InvalidRequestBody(f"prompt: {exc}") from None
