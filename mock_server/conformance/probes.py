"""Probes of the open questions: what a target did where the docs leave the answer open.

A probe records, it does not judge: status, reason, message, body shape, JSON types. `Sightings`
also watches every exchange of the run for answers to questions no single request can ask
(the JSON types of a finished task, whether failures ever surface as 5xx).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from mock_server.conformance.report import ProbeResult
from mock_server.conformance.task_view import as_object
from mock_server.wire.exchange import NOT_JSON, Exchange
from mock_server.wire.paths import RESULT_PATH, SUBMIT_PATH
from mock_server.wire.statuses import TaskStatus

__all__ = ["NOT_RUN", "QUESTIONS", "ProbeLog", "Sightings", "answer", "json_type", "shape"]

RUNNING = (TaskStatus.QUEUED.value, TaskStatus.PROCESSING.value)

QUESTIONS: dict[str, str] = {
    "missing_api_key": "Submit without an API key: 400 MISSING_API_KEY or 403?",
    "missing_api_key_on_poll": "Poll without an API key: 400 MISSING_API_KEY or 403?",
    "wrong_api_key": "Submit with a wrong key: 401 or 403?",
    "bare_api_key": "Is the key accepted without `Bearer ` (poll of an unknown id)?",
    "unknown_task_id": "Poll an unknown task id: exact status and body?",
    "missing_task_id": "Poll without task_id: status and reason?",
    "prompt_over_2000_chars": "Is a prompt over 2000 characters refused?",
    "two_images": "Is more than one image refused?",
    "four_images": "Are more than three images refused?",
    "amplitude_large": "Is movement_amplitude `large` (upstream's name for `high`) accepted?",
    "audio_with_off_peak": "Is audio=true with off_peak=true refused?",
    "non_url_image": "Is an image that is neither a URL nor a data URI refused?",
    "integral_float_duration": "Is duration sent as 1.0 (an integral float) accepted?",
    "null_optional_field": "Is an optional field sent as null (seed: null) accepted?",
    "unknown_body_field": "Is a body field the docs do not list refused?",
    "missing_content_type": "Is a submit without Content-Type refused?",
    "text_plain_content_type": "Is a submit with Content-Type: text/plain refused?",
    "missing_duration": "Is a submit without duration refused (docs: required, default 5)?",
    "task_result_types": "JSON types of seed, *_time_ms, video_url_ttl; task_type; eta and "
    "progress while running; provider_request_id presence.",
    "poll_5xx_answers": "Does a poll ever answer 5xx instead of 200 + FAILED?",
}


NOT_RUN = "not run (a paid probe without --live-budget, or deselected)"


def json_type(value: Any) -> str:
    """Name a value's JSON type as JSON Schema does, telling 5 and 5.0 apart."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def shape(value: Any) -> Any:
    """The body's structure with every leaf replaced by its JSON type."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    return json_type(value)


def answer(exchange: Exchange) -> dict[str, Any]:
    """What the target answered: status, reason, message and the body's shape."""
    document = exchange.document
    if document is NOT_JSON:
        kind = exchange.response.headers.get("content-type", "")
        return {"status": exchange.status, "body": f"not JSON ({kind})"}
    observed: dict[str, Any] = {"status": exchange.status}
    if isinstance(document, dict) and "reason" in document:
        observed["reason"] = document.get("reason")
        observed["message"] = document.get("message")
    observed["shape"] = shape(document)
    return observed


class ProbeLog:
    """Collects what each probe saw in this run."""

    def __init__(self) -> None:
        self._results: dict[str, ProbeResult] = {}
        self._lock = threading.Lock()

    def record(self, name: str, observed: Mapping[str, Any]) -> None:
        with self._lock:
            self._results[name] = ProbeResult(name, QUESTIONS[name], dict(observed))

    def skip(self, name: str, why: str) -> None:
        with self._lock:
            if name not in self._results:
                self._results[name] = ProbeResult(name, QUESTIONS[name], {}, why)

    def results(self) -> tuple[ProbeResult, ...]:
        """Every probe, in a fixed order; those that did not run say so."""
        return tuple(
            self._results.get(name, ProbeResult(name, question, {}, NOT_RUN))
            for name, question in QUESTIONS.items()
        )


class Sightings:
    """Watches every exchange for the JSON types of task results and for 5xx polls."""

    def __init__(self) -> None:
        self.types: dict[str, str] = {}
        self.values: dict[str, Any] = {}
        self.running_etas: set[int] = set()
        self.running_progress: set[int] = set()
        self.poll_5xx = 0
        self.provider_request_id: bool | None = None

    def __call__(self, exchange: Exchange) -> None:
        document = exchange.document
        if exchange.request.path == SUBMIT_PATH and exchange.status == 200:
            self._submit(document)
        if exchange.request.path == RESULT_PATH:
            self.poll_5xx += exchange.status >= 500
            if exchange.status == 200 and isinstance(document, dict):
                self._result(document)

    def _submit(self, document: Any) -> None:
        if isinstance(document, dict):
            present = "provider_request_id" in document
            self.provider_request_id = bool(self.provider_request_id) or present

    def _result(self, document: dict[str, Any]) -> None:
        extra = as_object(document.get("extra"))
        debug = as_object(extra.get("debug_info"))
        task = as_object(document.get("task"))
        self._type("seed", extra, "seed")
        for key in ("submit_time_ms", "execute_time_ms", "complete_time_ms"):
            self._type(key, debug, key)
        self._type("task_type", task, "task_type", keep_value=True)
        videos = document.get("videos")
        if isinstance(videos, list) and videos and isinstance(videos[0], dict):
            self._type("video_url_ttl", videos[0], "video_url_ttl", keep_value=True)
        if task.get("status") in RUNNING:
            self._running(task)

    def _type(
        self, name: str, source: Mapping[str, Any], key: str, *, keep_value: bool = False
    ) -> None:
        if key in source:
            self.types[name] = json_type(source[key])
            if keep_value:
                self.values[name] = source[key]

    def _running(self, task: Mapping[str, Any]) -> None:
        for key, seen in (("eta", self.running_etas), ("progress_percent", self.running_progress)):
            value = task.get(key)
            if isinstance(value, int) and not isinstance(value, bool):
                seen.add(value)

    def record_into(self, log: ProbeLog) -> None:
        """Turn what was seen into the two session-wide probes."""
        if self.types:
            log.record("task_result_types", self._types_observed())
        else:
            log.skip("task_result_types", "no task result was seen (no paid submission)")
        log.record("poll_5xx_answers", {"answers_5xx": self.poll_5xx})

    def _types_observed(self) -> dict[str, Any]:
        observed: dict[str, Any] = {
            f"{name}_type": kind for name, kind in sorted(self.types.items())
        }
        observed.update(self.values)
        observed["eta_filled_while_running"] = any(value > 0 for value in self.running_etas)
        observed["progress_filled_while_running"] = any(
            value > 0 for value in self.running_progress
        )
        observed["provider_request_id_present"] = self.provider_request_id
        return observed
