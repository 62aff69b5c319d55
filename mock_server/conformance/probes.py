"""Probes of the open questions: what a target did where the docs leave the answer open.

A probe records, it does not judge: status, reason, message, body shape, JSON types. `Sightings`
also watches every exchange of the run for answers to questions no single request can ask
(the JSON types of a finished task, whether failures ever surface as 5xx).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mock_server.conformance.report import ProbeResult, Spend, Why
from mock_server.conformance.task_view import as_object
from mock_server.wire.exchange import NOT_JSON, Exchange
from mock_server.wire.paths import RESULT_PATH, SUBMIT_PATH
from mock_server.wire.statuses import TaskStatus

__all__ = ["QUESTIONS", "ProbeLog", "Question", "Sightings", "answer", "json_type", "shape"]

RUNNING = (TaskStatus.QUEUED.value, TaskStatus.PROCESSING.value)


@dataclass(frozen=True)
class Question:
    """An open question: how it is asked, what the docs say, and whether asking it may cost."""

    text: str
    docs: str
    paid: bool = False


_KEYS_DOCS = "400 MISSING_API_KEY (docs); one live capture of this API family answered 403"
_LIMIT_DOCS = "not in the reseller's docs"

QUESTIONS: dict[str, Question] = {
    "missing_api_key": Question(
        "Submit without an API key: 400 MISSING_API_KEY or 403?", _KEYS_DOCS
    ),
    "missing_api_key_on_poll": Question(
        "Poll without an API key: 400 MISSING_API_KEY or 403?", _KEYS_DOCS
    ),
    "wrong_api_key": Question(
        "Submit with a wrong key: 401 or 403?",
        "403 INVALID_API_KEY (docs); the reseller's FAQ says 401",
    ),
    "bare_api_key": Question(
        "Is the key accepted without `Bearer ` (poll of an unknown id)?",
        "Authorization: Bearer <key> (docs); some clients send the bare key",
    ),
    "unknown_task_id": Question(
        "Poll an unknown task id: exact status and body?",
        "404 TASK_NOT_FOUND (docs); the message is not documented",
    ),
    "missing_task_id": Question(
        "Poll without task_id: status and reason?",
        "task_id is required (docs); the answer to its absence is not documented",
    ),
    "prompt_over_2000_chars": Question(
        "Is a prompt over 2000 characters refused?",
        f"upstream caps prompts at 2000 characters; {_LIMIT_DOCS}",
        paid=True,
    ),
    "two_images": Question(
        "Is more than one image refused?",
        f"upstream takes exactly one image; {_LIMIT_DOCS}",
        paid=True,
    ),
    "four_images": Question(
        "Are more than three images refused?",
        "the reseller's playground offers up to 3 images",
        paid=True,
    ),
    "amplitude_large": Question(
        "Is movement_amplitude `large` (upstream's name for `high`) accepted?",
        "auto, small, medium or high (docs); upstream calls the top one large",
        paid=True,
    ),
    "audio_with_off_peak": Question(
        "Is audio=true with off_peak=true refused?",
        f"upstream cannot combine audio with off_peak; {_LIMIT_DOCS}",
        paid=True,
    ),
    "non_url_image": Question(
        "Is an image that is neither a URL nor a data URI refused?",
        "images are URLs (docs); upstream also takes data:image/...;base64, URIs",
        paid=True,
    ),
    "integral_float_duration": Question(
        "Is duration sent as 1.0 (an integral float) accepted?",
        "duration is an integer 1..10 (docs)",
        paid=True,
    ),
    "null_optional_field": Question(
        "Is an optional field sent as null (seed: null) accepted?", "not documented", paid=True
    ),
    "unknown_body_field": Question(
        "Is a body field the docs do not list refused?", "not documented", paid=True
    ),
    "missing_content_type": Question(
        "Is a submit without Content-Type refused?",
        "send Content-Type: application/json (docs)",
        paid=True,
    ),
    "text_plain_content_type": Question(
        "Is a submit with Content-Type: text/plain refused?",
        "send Content-Type: application/json (docs)",
        paid=True,
    ),
    "missing_duration": Question(
        "Is a submit without duration refused (docs: required, default 5)?",
        "duration is listed as required and given a default of 5 (docs)",
        paid=True,
    ),
    "task_result_types": Question(
        "JSON types of seed, *_time_ms, video_url_ttl; task_type; eta and progress while "
        "running; provider_request_id presence.",
        'seed and *_time_ms are numeric strings, video_url_ttl "3600" (seen); task_type is '
        "not documented",
        paid=True,
    ),
    "poll_5xx_answers": Question(
        "Does a poll ever answer 5xx instead of 200 + FAILED?",
        "a failed job is HTTP 200 with status TASK_STATUS_FAILED (docs)",
        paid=True,
    ),
    "video_serving": Question(
        "How is a video served: Content-Type, Accept-Ranges, a Range request, a second download?",
        'video_type "mp4" (docs); how the file is served is not documented',
        paid=True,
    ),
}


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


def _known(name: str) -> None:
    if name not in QUESTIONS:
        raise KeyError(f"no probe is named {name!r}")


class ProbeLog:
    """Collects what each probe saw in this run, or why it saw nothing."""

    def __init__(self) -> None:
        self._answers: dict[str, dict[str, Any]] = {}
        self._missed: dict[str, tuple[Why, str]] = {}
        self._lock = threading.Lock()

    def record(self, name: str, observed: Mapping[str, Any]) -> None:
        _known(name)
        with self._lock:
            self._answers[name] = dict(observed)

    def skip(self, name: str, why: Why, note: str = "") -> None:
        """Say why a probe gets no answer in this run (unless it got one already)."""
        _known(name)
        with self._lock:
            self._missed.setdefault(name, (why, note))

    def results(self, spend: Spend) -> tuple[ProbeResult, ...]:
        """Every probe, in a fixed order; those not measured say why."""
        return tuple(self._result(name, question, spend) for name, question in QUESTIONS.items())

    def _result(self, name: str, question: Question, spend: Spend) -> ProbeResult:
        asked = (name, question.text, question.docs)
        if name in self._answers:
            return ProbeResult(*asked, self._answers[name])
        default = Why.BUDGET if question.paid and spend.used_up else Why.SKIPPED
        why, note = self._missed.get(name, (default, ""))
        return ProbeResult(*asked, None, why, note)


class Sightings:
    """Watches every exchange for the JSON types of task results and for 5xx polls."""

    def __init__(self) -> None:
        self.types: dict[str, str] = {}
        self.values: dict[str, Any] = {}
        self.running_etas: set[int] = set()
        self.processing_progress: set[int] = set()
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
            _add_int(self.running_etas, task.get("eta"))
        if task.get("status") == TaskStatus.PROCESSING.value:
            _add_int(self.processing_progress, task.get("progress_percent"))

    def _type(
        self, name: str, source: Mapping[str, Any], key: str, *, keep_value: bool = False
    ) -> None:
        if key in source:
            self.types[name] = json_type(source[key])
            if keep_value:
                self.values[name] = source[key]

    def record_into(self, log: ProbeLog) -> None:
        """Turn what was seen into the two session-wide probes; both need an accepted task."""
        if self.types:
            log.record("task_result_types", self._types_observed())
        if self.types or self.poll_5xx:
            log.record("poll_5xx_answers", {"answers_5xx": self.poll_5xx})

    def _types_observed(self) -> dict[str, Any]:
        observed: dict[str, Any] = {
            f"{name}_type": kind for name, kind in sorted(self.types.items())
        }
        observed.update(self.values)
        # Said only where a poll caught a task running: a fast job may never be seen so.
        if self.running_etas:
            observed["eta_filled_while_running"] = any(value > 0 for value in self.running_etas)
        if self.processing_progress:
            filled = any(value > 0 for value in self.processing_progress)
            observed["progress_filled_while_processing"] = filled
        observed["provider_request_id_present"] = self.provider_request_id
        return observed


def _add_int(seen: set[int], value: Any) -> None:
    if isinstance(value, int) and not isinstance(value, bool):
        seen.add(value)
