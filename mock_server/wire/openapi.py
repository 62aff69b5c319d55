"""An OpenAPI 3.1 document of the fake under the settings in force, served at /openapi.json.

It is assembled from `schemas/` the way the fake applies them: the submit body is the schema
`schemas.submit_schema(settings)` composes from the profile's overlays, the poll's `task_id`
is `schemas/task-id.schema.json`, and each operation declares every status the fake can answer
under those settings (including what the control API and prompt markers can script), with its
reasons, so a tool reading the document expects what the fake does.
"""

from __future__ import annotations

from typing import Any

from mock_server.settings import Settings, to_text
from mock_server.wire import schemas
from mock_server.wire.auth import missing_key_error, wrong_key_error
from mock_server.wire.errors import (
    ApiError,
    ApiNotFound,
    CreateTaskFailed,
    GetResultFailed,
    InternalError,
    InvalidRequestBody,
    MethodNotAllowed,
    RangeNotSatisfiable,
    RateLimitExceeded,
    RequestTooLarge,
    ServiceNotAvailable,
    TaskNotFound,
    VideoExpired,
    VideoNotFound,
)
from mock_server.wire.paths import RESULT_PATH, SUBMIT_PATH, VIDEO_PREFIX

__all__ = ["DOWNLOAD_PATH", "document"]

COMPONENTS = "#/components/schemas/"
DOWNLOAD_PATH = VIDEO_PREFIX + "{name}"
VIDEO_TYPE = "video/mp4"
STRING = {"type": "string"}
# An error the fake answers: its class, or an instance where the settings choose its status.
Refusal = type[ApiError] | ApiError
# A name the router cannot read (a newline in it) is no route at all: 404 API_NOT_FOUND.
DOWNLOAD_REFUSALS: list[Refusal] = [
    VideoExpired,
    VideoNotFound,
    ApiNotFound,
    RangeNotSatisfiable,
    InternalError,
]
# Headers HTTP asks for with two refusals: the methods a path takes, and a video's length.
ERROR_HEADERS: dict[int, dict[str, Any]] = {
    MethodNotAllowed.status: {
        "Allow": {"description": "The methods the path takes", "required": True, "schema": STRING}
    },
    RangeNotSatisfiable.status: {
        "Content-Range": {
            "description": "`bytes */<length of the video>`",
            "required": True,
            "schema": {"type": "string", "pattern": "^bytes \\*/[0-9]+$(?!\\n)"},
        }
    },
}
# The settings that choose the submit body's rules (see `schemas.submit_schema`).
BODY_SETTINGS = (
    "image_refs",
    "upstream_limits",
    "unknown_fields",
    "duration_required",
    "integral_floats",
)


def document(settings: Settings | None = None) -> dict[str, Any]:
    """Build the document for a fake with these settings (the defaults when None)."""
    settings = settings or Settings()
    names = _component_names(settings)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Vidu Q2 Pro Fast image-to-video (v3 async)",
            "version": "3",
            "description": "The API as vidu-mock, a fake of it, answers under its settings in "
            "force; `/openapi.json` follows them when they change.",
        },
        "servers": [{"url": settings.public_base_url or "/"}],
        "security": [{"bearer": []}],
        "components": {
            "schemas": {name: _component(name, names) for name in names},
            "securitySchemes": {"bearer": _bearer_scheme(settings)},
        },
        "paths": {
            SUBMIT_PATH: {"post": _submit_operation(settings, names)},
            RESULT_PATH: {"get": _result_operation(settings)},
            DOWNLOAD_PATH: {method: _download_operation(method) for method in ("get", "head")},
        },
    }


def _component_names(settings: Settings) -> list[str]:
    """The schema files the document embeds: the overlays only where the settings apply them."""
    overlays = {schemas.IMAGE_REFS: settings.image_refs == "strict"}
    overlays[schemas.UPSTREAM_LIMITS] = settings.upstream_limits
    return [
        schemas.SUBMIT_REQUEST,
        *(name for name, applied in overlays.items() if applied),
        schemas.SUBMIT_RESPONSE,
        schemas.TASK_ID,
        schemas.TASK_RESULT,
        schemas.ERROR,
    ]


def _ref(name: str) -> dict[str, str]:
    return {"$ref": COMPONENTS + name}


def _component(name: str, names: list[str]) -> dict[str, Any]:
    """Embed one schema file: drop its `$id`, point its local `$ref`s into the components."""
    contents = {k: v for k, v in schemas.load(name).items() if k not in ("$id", "$schema")}
    embedded: dict[str, Any] = _embedded(contents, _ids(names), local=f"{COMPONENTS}{name}/")
    return embedded


def _ids(names: list[str]) -> dict[str, str]:
    """Each embedded schema's `$id`, and where the document holds it."""
    return {schemas.schema_id(name): _ref(name)["$ref"] for name in names}


def _embedded(node: Any, ids: dict[str, str], *, local: str = "") -> Any:
    """Point `$ref`s into the document: a schema's `$id` to its component, `#/...` under
    `local`."""
    if isinstance(node, list):
        return [_embedded(item, ids, local=local) for item in node]
    if not isinstance(node, dict):
        return node
    result = {key: _embedded(value, ids, local=local) for key, value in node.items()}
    target = node.get("$ref")
    if isinstance(target, str) and target in ids:
        result["$ref"] = ids[target]
    elif isinstance(target, str) and local and target.startswith("#/"):
        result["$ref"] = local + target[2:]
    return result


def _submit_body(settings: Settings, names: list[str]) -> dict[str, Any]:
    """The submit body exactly as the fake validates it under these settings."""
    composed = {k: v for k, v in schemas.submit_schema(settings).items() if k != "$schema"}
    rules = ", ".join(f"{name}={to_text(getattr(settings, name))}" for name in BODY_SETTINGS)
    description = f"The submit body under the settings in force: {rules}."
    if settings.integral_floats == "reject":
        description += " Integers written with a fraction, such as 5.0, are refused."
    embedded: dict[str, Any] = _embedded({"description": description, **composed}, _ids(names))
    return embedded


def _submit_operation(settings: Settings, names: list[str]) -> dict[str, Any]:
    link = {"operationId": "getTaskResult", "parameters": {"task_id": "$response.body#/task_id"}}
    accepted = {**_json(schemas.SUBMIT_RESPONSE, "Task accepted"), "links": {"GetResult": link}}
    refusals: list[Refusal] = [
        InvalidRequestBody,
        *_key_refusals(settings),
        RequestTooLarge,
        RateLimitExceeded,
        CreateTaskFailed,
        ServiceNotAvailable,
    ]
    return {
        "operationId": "submitImg2Video",
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": _submit_body(settings, names)}},
        },
        "responses": {"200": accepted, **_errors(refusals)},
    }


def _result_operation(settings: Settings) -> dict[str, Any]:
    task_id = {"name": "task_id", "in": "query", "required": True, "schema": _ref(schemas.TASK_ID)}
    refusals: list[Refusal] = [
        InvalidRequestBody,
        *_key_refusals(settings),
        TaskNotFound,
        RateLimitExceeded,
        GetResultFailed,
    ]
    return {
        "operationId": "getTaskResult",
        "parameters": [task_id],
        "responses": {"200": _json(schemas.TASK_RESULT, "Task state"), **_errors(refusals)},
    }


def _download_operation(method: str) -> dict[str, Any]:
    """A finished job's video, served like a presigned object-storage URL (no API key)."""
    name = {
        "name": "name",
        "in": "path",
        "required": True,
        "description": "`<task_id>.mp4`, from the task result's `video_url`",
        "schema": {"type": "string", "pattern": "\\.mp4$(?!\\n)"},
    }
    token = {"name": "token", "in": "query", "required": True, "schema": STRING}
    ranged = {
        "name": "Range",
        "in": "header",
        "description": "One range: `bytes=first-last`, `bytes=first-` or `bytes=-suffix`. "
        "Anything else (several ranges, another unit, a range past the end) answers 416.",
        "schema": STRING,
    }
    etag = {"name": "If-None-Match", "in": "header", "schema": STRING}
    with_body = method != "head"
    return {
        "operationId": "downloadVideo" if with_body else "downloadVideoHeaders",
        "security": [],
        "parameters": [name, token, ranged, etag],
        "responses": {
            "200": _video("The whole video", with_body),
            "206": _video("The requested range", with_body, content_range=True),
            "304": {"description": "Not modified (If-None-Match)", "headers": _headers("ETag")},
            **_errors(DOWNLOAD_REFUSALS, with_body),
        },
    }


def _video(description: str, with_body: bool, *, content_range: bool = False) -> dict[str, Any]:
    headers = _headers("Content-Length", "Accept-Ranges", "ETag")
    if content_range:
        headers["Content-Range"] = {
            "required": True,
            "schema": {"type": "string", "pattern": "^bytes [0-9]+-[0-9]+/[0-9]+$(?!\\n)"},
        }
    answer: dict[str, Any] = {"description": description, "headers": headers}
    if with_body:
        answer["content"] = {VIDEO_TYPE: {}}
    return answer


def _headers(*names: str) -> dict[str, Any]:
    return {name: {"required": True, "schema": STRING} for name in names}


def _json(name: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref(name)}}}


def _key_refusals(settings: Settings) -> list[Refusal]:
    """The answers to a missing and to a wrong API key, at the statuses the settings choose."""
    return [missing_key_error(settings), wrong_key_error(settings, "")]


def _errors(refusals: list[Refusal], with_body: bool = True) -> dict[str, Any]:
    """One response per status, its envelope's `code` and `reason` pinned down; and the 405
    every path answers to a method it does not take."""
    reasons: dict[int, list[str]] = {}
    for refusal in [*refusals, MethodNotAllowed]:
        status = refusal.status_code if isinstance(refusal, ApiError) else refusal.status
        if refusal.reason not in reasons.setdefault(status, []):
            reasons[status].append(refusal.reason)
    return {str(status): _error(status, reasons[status], with_body) for status in sorted(reasons)}


def _error(status: int, reasons: list[str], with_body: bool) -> dict[str, Any]:
    answer: dict[str, Any] = {"description": "Error envelope: " + " or ".join(reasons)}
    if status in ERROR_HEADERS:
        answer["headers"] = ERROR_HEADERS[status]
    if with_body:
        pinned = {"code": {"const": status}, "reason": {"enum": reasons}}
        schema = {"allOf": [_ref(schemas.ERROR), {"properties": pinned}]}
        answer["content"] = {"application/json": {"schema": schema}}
    return answer


def _bearer_scheme(settings: Settings) -> dict[str, Any]:
    keys = f"one of {len(settings.api_keys)} keys" if settings.api_keys else "any non-empty key"
    bare = ", or the key alone without `Bearer `" if settings.accept_bare_key else ""
    missing, wrong = missing_key_error(settings), wrong_key_error(settings, "")
    description = (
        f"`Authorization: Bearer <key>` with {keys}{bare}. Without a key: "
        f"{missing.status_code} {missing.reason}; with a wrong one: "
        f"{wrong.status_code} {wrong.reason}."
    )
    return {"type": "http", "scheme": "bearer", "description": description}
