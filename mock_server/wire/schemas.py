"""The JSON Schemas in `schemas/`: loading them, choosing the one an answer must match,
validating submit bodies against them (with the profile overlays the settings switch on), and
applying their documented defaults.

Answers are checked the way strict clients read them: an integer written `5.0` is a float.
JSON Schema counts `5.0` as an integer, but typed clients of this API (Go structs, the official
SDKs) fail on it.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import jsonschema
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from mock_server.settings import Settings
from mock_server.wire.fast_validation import precheck_for
from mock_server.wire.paths import RESULT_PATH, SUBMIT_PATH, VIDEO_PREFIX

__all__ = [
    "ERROR",
    "IMAGE_REFS",
    "SUBMIT_REQUEST",
    "SUBMIT_RESPONSE",
    "TASK_ID",
    "TASK_RESULT",
    "UPSTREAM_LIMITS",
    "StrictIntegerValidator",
    "SubmitValidator",
    "all_names",
    "answer_schema",
    "defaulted",
    "describe",
    "field_path",
    "format_path",
    "load",
    "registry",
    "schema_dir",
    "schema_id",
    "schema_problems",
    "strict_validator",
    "submit_schema",
    "validator_for",
]

SUBMIT_REQUEST = "submit-request"
SUBMIT_RESPONSE = "submit-response"
TASK_RESULT = "task-result"
TASK_ID = "task-id"
ERROR = "error"
IMAGE_REFS = "submit-request.image-refs"
UPSTREAM_LIMITS = "submit-request.upstream-limits"
MAX_MESSAGE_CHARS = 300


def schema_dir() -> Path:
    """Find the schemas: packaged inside the wheel, or beside the package in a checkout."""
    package = Path(__file__).resolve().parents[1]
    packaged = package / "_schemas"
    return packaged if packaged.is_dir() else package.parent / "schemas"


@functools.cache
def load(name: str) -> dict[str, Any]:
    """Return one schema document by its short name, e.g. `task-result`."""
    with (schema_dir() / f"{name}.schema.json").open(encoding="utf-8") as handle:
        document: dict[str, Any] = json.load(handle)
    return document


def all_names() -> list[str]:
    """Every schema's short name."""
    return sorted(path.name.removesuffix(".schema.json") for path in schema_dir().glob("*.json"))


@functools.cache
def registry() -> Registry[Any]:
    """Every schema under its `$id`, so documents can `$ref` each other."""
    resources = [
        (load(name)["$id"], Resource.from_contents(load(name), DRAFT202012)) for name in all_names()
    ]
    return Registry().with_resources(resources)


def schema_id(name: str) -> str:
    """The `$id` other documents use to `$ref` the named schema."""
    return str(load(name)["$id"])


def validator_for(name: str) -> Draft202012Validator:
    """A validator for one schema, resolving references through the registry."""
    return Draft202012Validator(load(name), registry=registry())


def submit_schema(settings: Settings) -> dict[str, Any]:
    """Compose the submit-request schema with the overlays the profile settings switch on."""
    parts = [{"$ref": schema_id(SUBMIT_REQUEST)}]
    if settings.image_refs == "strict":
        parts.append({"$ref": schema_id(IMAGE_REFS)})
    if settings.upstream_limits:
        parts.append({"$ref": schema_id(UPSTREAM_LIMITS)})
    composed: dict[str, Any] = {"$schema": load(SUBMIT_REQUEST)["$schema"], "allOf": parts}
    if settings.duration_required:
        composed["required"] = ["duration"]
    if settings.unknown_fields == "reject":
        composed["unevaluatedProperties"] = False
    if settings.integral_floats == "reject":
        # Checked at the top level: following a `$ref` switches back to the stock validator.
        integers = [name for name, spec in _properties() if spec.get("type") == "integer"]
        composed["properties"] = {name: {"type": "integer"} for name in integers}
    return composed


def _is_strict_integer(_checker: Any, instance: Any) -> bool:
    return isinstance(instance, int) and not isinstance(instance, bool)


StrictIntegerValidator = jsonschema.validators.extend(  # type: ignore[no-untyped-call]
    Draft202012Validator,
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", _is_strict_integer),
)


@functools.cache
def strict_validator(name: str) -> Draft202012Validator:
    """A validator for one schema whose `integer` type refuses floats such as `5.0`."""
    validator: Draft202012Validator = StrictIntegerValidator(load(name), registry=registry())
    return validator


def schema_problems(name: str, document: Any) -> list[str]:
    """List every way the document breaks the named schema (strictly), each as `path: message`."""
    problems = [
        f"{field_path(error) or 'body'}: {error.message}"
        for error in strict_validator(name).iter_errors(document)
    ]
    return sorted(problems)


def answer_schema(method: str, path: str, status: int) -> str | None:
    """Name the schema an answer must match: the error envelope for every refusal, the
    operation's own schema for a 200 of the API, None where the body is not JSON."""
    if method == "HEAD" or (path.startswith(VIDEO_PREFIX) and status < 400):
        return None
    if status != 200:
        return ERROR
    return {SUBMIT_PATH: SUBMIT_RESPONSE, RESULT_PATH: TASK_RESULT}.get(path)


class SubmitValidator:
    """Validates submit bodies under one set of profile settings."""

    def __init__(self, settings: Settings) -> None:
        cls = (
            StrictIntegerValidator if settings.integral_floats == "reject" else Draft202012Validator
        )
        composed = submit_schema(settings)
        self._validator = cls(composed, registry=registry())
        resources = [(schema_id(name), load(name)) for name in all_names()]
        self._precheck = precheck_for(composed, resources, settings)

    def problems(self, body: Any) -> list[str]:
        """Every rule the body breaks, as `field: rule` sentences, sorted by field."""
        if self._precheck is not None and self._precheck(body):
            return []  # the compiled check passed it; only a failing body needs the messages
        messages = {describe(error) for error in self._validator.iter_errors(body)}
        return sorted(messages)


def format_path(parts: Iterable[str | int]) -> str:
    """Write a location in a body the way a client names it: `images[0]`, `duration`."""
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def field_path(error: ValidationError) -> str:
    """Where in the body a validation error is."""
    return format_path(error.absolute_path)


def describe(error: ValidationError) -> str:
    """Turn one validation error into a short sentence naming the field and the rule."""
    path = field_path(error)
    custom = error.schema.get("x-message") if isinstance(error.schema, dict) else None
    if error.validator == "required":
        required: list[str] = list(error.validator_value)  # type: ignore[arg-type]
        missing = [name for name in required if name not in error.instance]  # type: ignore[operator]
        return "; ".join(_join(path, name, "is required") for name in missing)
    if error.validator == "unevaluatedProperties":
        unknown = _unknown_fields(error.instance)
        return "; ".join(_join(path, name, "is not a documented field") for name in unknown)
    message = str(custom) if custom else error.message
    if len(message) > MAX_MESSAGE_CHARS:
        message = message[: MAX_MESSAGE_CHARS - 1] + "…"
    return f"{path or 'body'}: {message}"


def _join(path: str, name: str, rule: str) -> str:
    return f"{path + '.' if path else ''}{name}: {rule}"


def _unknown_fields(instance: Any) -> list[str]:
    known = load(SUBMIT_REQUEST)["properties"].keys()
    return sorted(str(key) for key in instance if key not in known)


def defaulted(body: dict[str, Any]) -> dict[str, Any]:
    """Fill in every documented default and turn integral floats like 5.0 into ints."""
    result = dict(body)
    for name, spec in _properties():
        if name not in result and "default" in spec:
            result[name] = spec["default"]
        if spec.get("type") == "integer" and isinstance(result.get(name), float):
            result[name] = int(result[name])
    return result


def _properties() -> Iterator[tuple[str, dict[str, Any]]]:
    yield from load(SUBMIT_REQUEST)["properties"].items()
