"""Submission bodies generated from `schemas/`: valid ones, and invalid ones that each break one
documented constraint and carry which one.

Nothing here lists the body's fields: valid bodies come from the schema files through
hypothesis-jsonschema, and the constraints to break are read from the schema's keywords
(`type`, `required`, `minimum`, `maximum`, `enum`, `minItems`).
"""

from __future__ import annotations

import copy
import functools
import json
import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema

from mock_server.wire.schemas import IMAGE_REFS, SUBMIT_REQUEST, UPSTREAM_LIMITS, format_path, load

__all__ = [
    "Constraint",
    "InvalidSubmission",
    "bounded_integers",
    "breaking_values",
    "broken",
    "cheapest_parameters",
    "clean",
    "constraints",
    "documented_constraints",
    "documented_schema",
    "invalid_submissions",
    "merged",
    "priced",
    "spec_at",
    "truncated_json",
    "valid_schema",
    "valid_submissions",
]


ANNOTATIONS = frozenset({"$schema", "$id", "title", "description", "x-message", "default"})
INT32 = (-(2**31), 2**31 - 1)
FieldPath = tuple[str | int, ...]


class _Missing:
    """Marks a field removed from a body (a broken `required`)."""

    def __repr__(self) -> str:
        return "<missing>"


MISSING: Any = _Missing()


def clean(node: Any) -> Any:
    """Drop annotations (ids, titles, messages, defaults) that generation does not need."""
    if isinstance(node, dict):
        return {key: clean(value) for key, value in node.items() if key not in ANNOTATIONS}
    if isinstance(node, list):
        return [clean(item) for item in node]
    return node


def merged(base: Mapping[str, Any], overlay: Mapping[str, Any]) -> dict[str, Any]:
    """Apply an overlay schema on top of a base: nested keywords merge, `required` lists join."""
    result = dict(base)
    for key, value in overlay.items():
        if key == "required":
            result[key] = sorted({*base.get(key, ()), *value})
        elif isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = merged(result[key], value)
        else:
            result[key] = value
    return result


def bounded_integers(node: Any) -> Any:
    """Keep unbounded integers in the signed 32-bit range that typed servers decode."""
    if isinstance(node, dict):
        bounded = {key: bounded_integers(value) for key, value in node.items()}
        if bounded.get("type") == "integer":
            bounded.setdefault("minimum", INT32[0])
            bounded.setdefault("maximum", INT32[1])
        return bounded
    if isinstance(node, list):
        return [bounded_integers(item) for item in node]
    return node


def documented_schema() -> dict[str, Any]:
    """The reseller's documented submit body, the constraints invalid bodies break."""
    schema: dict[str, Any] = clean(load(SUBMIT_REQUEST))
    return schema


@functools.cache
def valid_schema() -> dict[str, Any]:
    """The safest valid body: documented fields only, the default image rule, upstream limits."""
    schema = documented_schema()
    for overlay in (IMAGE_REFS, UPSTREAM_LIMITS):
        schema = merged(schema, clean(load(overlay)))
    schema["additionalProperties"] = False
    result: dict[str, Any] = bounded_integers(schema)
    return result


@functools.cache
def valid_submissions() -> st.SearchStrategy[dict[str, Any]]:
    """Bodies every target must accept."""
    bodies: st.SearchStrategy[Any] = from_schema(valid_schema())
    return bodies


def cheapest_parameters() -> dict[str, Any]:
    """The parameters that make a paid job cost least: shortest, lowest resolution, no extras."""
    properties = documented_schema()["properties"]
    return {
        "duration": properties["duration"]["minimum"],
        "resolution": properties["resolution"]["enum"][0],
        "audio": False,
        "bgm": False,
        "off_peak": False,
    }


def priced(body: Mapping[str, Any], image: str | None) -> dict[str, Any]:
    """Turn a body into the cheapest job of its kind, with an image upstream can fetch."""
    result = {**body, **cheapest_parameters()}
    if image is not None:
        result["images"] = [image]
    return result


@dataclass(frozen=True)
class Constraint:
    """One documented rule of the body: where it applies, its keyword and its value."""

    path: FieldPath
    keyword: str
    limit: Any

    @property
    def where(self) -> str:
        return format_path(self.path) or "body"

    def __str__(self) -> str:
        return f"{self.where} {self.keyword} {json.dumps(self.limit)}"


@dataclass(frozen=True)
class InvalidSubmission:
    """A body that breaks exactly one constraint, and the value that breaks it."""

    body: Any
    constraint: Constraint
    value: Any

    def describe(self) -> str:
        """Name the broken field and value: `duration=11`, `prompt missing`."""
        if self.value is MISSING:
            return f"{self.constraint.where} missing"
        return f"{self.constraint.where}={json.dumps(self.value, ensure_ascii=False)}"


def constraints(schema: Mapping[str, Any]) -> list[Constraint]:
    """Every constraint of a body schema that an invalid body can break on its own."""
    found = [Constraint((), "type", schema["type"])]
    found += [Constraint((name,), "required", True) for name in schema.get("required", ())]
    for name, spec in schema["properties"].items():
        found += _property_constraints((name,), spec)
    return found


def _property_constraints(path: FieldPath, spec: Mapping[str, Any]) -> Iterator[Constraint]:
    for keyword in ("minimum", "maximum", "enum", "minItems"):
        if keyword in spec:
            yield Constraint(path, keyword, spec[keyword])
    if "type" in spec and "enum" not in spec:
        # A value of another type would break `enum` as well, so enum fields skip this one.
        yield Constraint(path, "type", spec["type"])
    if "items" in spec:
        yield from _property_constraints((*path, 0), spec["items"])


def spec_at(schema: Mapping[str, Any], path: FieldPath) -> Mapping[str, Any]:
    """The subschema a constraint's path points at."""
    node = schema
    for part in path:
        node = node["items"] if isinstance(part, int) else node["properties"][part]
    return node


def breaking_values(constraint: Constraint, spec: Mapping[str, Any]) -> st.SearchStrategy[Any]:
    """Values that break this constraint and no other rule of the field."""
    limit = constraint.limit
    if constraint.keyword == "minimum":
        return st.one_of(st.just(limit - 1), st.integers(max_value=limit - 1))
    if constraint.keyword == "maximum":
        return st.one_of(st.just(limit + 1), st.integers(min_value=limit + 1))
    if constraint.keyword == "enum":
        return _outside_enum(list(limit))
    if constraint.keyword == "minItems":
        return st.lists(from_schema(spec.get("items", {})), max_size=limit - 1)
    if constraint.keyword == "type":
        return _other_types(limit, spec, nullable=constraint.path in _required_paths())
    raise ValueError(f"no way to break {constraint.keyword!r}")


@functools.cache
def _required_paths() -> frozenset[FieldPath]:
    return frozenset({(), *((name,) for name in documented_schema().get("required", ()))})


def _outside_enum(allowed: list[Any]) -> st.SearchStrategy[Any]:
    near = [variant for value in allowed for variant in _near_misses(str(value))]
    candidates = st.one_of(st.sampled_from(near), st.text(max_size=12))
    return candidates.filter(lambda value: value not in allowed)


def _near_misses(value: str) -> list[str]:
    return [value.upper(), value.capitalize(), f" {value}", value[:-1], ""]


def _other_types(
    type_name: str, spec: Mapping[str, Any], *, nullable: bool
) -> st.SearchStrategy[Any]:
    """Values of every JSON type the field does not admit (null only for required fields).

    An optional field sent as null is an open question (servers often read it as absent), so
    it is probed, not checked.
    """
    admitted = {type_name, "integer"} if type_name == "number" else {type_name}
    makers: dict[str, Callable[[], st.SearchStrategy[Any]]] = {
        "string": lambda: st.text(max_size=12),
        "integer": lambda: st.integers(*INT32),
        "number": lambda: _fractional(spec),
        "boolean": st.booleans,
        "array": lambda: st.lists(st.integers(0, 9), max_size=2),
        "object": lambda: st.dictionaries(st.text(max_size=4), st.integers(0, 9), max_size=2),
        "null": st.none,
    }
    excluded = admitted | (set() if nullable else {"null"})
    return st.one_of(*(make() for name, make in makers.items() if name not in excluded))


def _fractional(spec: Mapping[str, Any]) -> st.SearchStrategy[float]:
    """Non-integral numbers inside the field's bounds, so only `type` is broken."""
    low, high = spec.get("minimum", INT32[0]), spec.get("maximum", INT32[1])
    numbers = st.floats(min_value=low, max_value=high, allow_nan=False, allow_infinity=False)
    return numbers.filter(lambda number: not float(number).is_integer() and math.isfinite(number))


def broken(body: Any, constraint: Constraint, value: Any) -> Any:
    """Return a copy of the body with the constraint's field set to `value` (or removed)."""
    if not constraint.path:
        return value
    result = copy.deepcopy(body)
    container = result
    for part in constraint.path[:-1]:
        container = container[part]
    last = constraint.path[-1]
    if value is MISSING:
        del container[last]
    else:
        container[last] = value
    return result


@functools.cache
def documented_constraints() -> tuple[Constraint, ...]:
    return tuple(constraints(documented_schema()))


def invalid_submissions(
    constraint: Constraint, bodies: st.SearchStrategy[dict[str, Any]]
) -> st.SearchStrategy[InvalidSubmission]:
    """Valid bodies with this one constraint broken."""
    if constraint.keyword == "required":
        values: st.SearchStrategy[Any] = st.just(MISSING)
    else:
        values = breaking_values(constraint, spec_at(documented_schema(), constraint.path))
    return st.builds(
        lambda body, value: InvalidSubmission(broken(body, constraint, value), constraint, value),
        bodies,
        values,
    )


def truncated_json(bodies: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[bytes]:
    """A valid body's JSON text cut short: never a complete JSON document."""

    def cut(body: dict[str, Any]) -> st.SearchStrategy[bytes]:
        text = json.dumps(body).encode()
        return st.integers(0, len(text) - 1).map(lambda end: text[:end])

    return bodies.flatmap(cut)
