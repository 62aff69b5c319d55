"""Validate API answers the way strict clients read them: an integer written `5.0` is a float.

JSON Schema counts `5.0` as an integer, but typed clients of this API (Go structs, the official
SDKs) fail on it, so answers are checked with a validator that does not.
"""

from __future__ import annotations

import functools
from typing import Any

from jsonschema import Draft202012Validator

from mock_server.schemas import StrictIntegerValidator, field_path, load, registry

__all__ = ["schema_problems", "strict_validator"]


@functools.cache
def strict_validator(name: str) -> Draft202012Validator:
    """A validator for one schema whose `integer` type refuses floats such as `5.0`."""
    validator: Draft202012Validator = StrictIntegerValidator(load(name), registry=registry())
    return validator


def schema_problems(name: str, document: Any) -> list[str]:
    """List every way the document breaks the named schema, each as `path: message`."""
    problems = []
    for error in strict_validator(name).iter_errors(document):
        problems.append(f"{field_path(error) or 'body'}: {error.message}")
    return sorted(problems)
