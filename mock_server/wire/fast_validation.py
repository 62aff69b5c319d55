"""A compiled yes/no check of a submit body against the same composed schema, to skip the
detailed validation for bodies that pass it.

jsonschema (pure Python) stays the reference: it writes every error message, and it judges every
body the compiled check (jsonschema-rs) rejects or cannot read. The compiled check only ever
answers "valid" where the reference agrees: its `pattern` keyword runs Python's `re`, as the
reference does (the Rust regex engine reads `\\s` differently), and it is not used where the
reference runs a custom type checker.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import jsonschema_rs

from mock_server.settings import Settings

__all__ = ["PythonPattern", "precheck_for"]


Precheck = Callable[[Any], bool]


class PythonPattern:
    """The `pattern` keyword with Python's `re.search`, exactly as jsonschema applies it."""

    def __init__(self, _parent: dict[str, Any], value: str, _path: list[str | int]) -> None:
        self.regex = re.compile(value)

    def validate(self, instance: Any) -> None:
        if isinstance(instance, str) and not self.regex.search(instance):
            raise ValueError(f"{instance!r} does not match {self.regex.pattern!r}")


def precheck_for(
    schema: dict[str, Any], resources: list[tuple[str, dict[str, Any]]], settings: Settings
) -> Precheck | None:
    """A fast validity test for `schema` (whose `$ref`s name `resources` by `$id`), or None
    where it could disagree with the reference."""
    if settings.integral_floats == "reject":
        return None  # the reference redefines "integer"; the compiled check cannot
    registry = jsonschema_rs.Registry(resources)
    validator = jsonschema_rs.validator_for(
        schema, registry=registry, keywords={"pattern": PythonPattern}
    )

    def passes(body: Any) -> bool:
        try:
            return bool(validator.is_valid(body))
        except (ValueError, TypeError, OverflowError):
            return False  # a value Rust cannot hold: the reference judges it

    return passes
