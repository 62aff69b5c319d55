"""An OpenAPI 3.1 document assembled from the files in `schemas/`, served at /openapi.json."""

from __future__ import annotations

from typing import Any

from mock_server.wire import schemas
from mock_server.wire.paths import RESULT_PATH, SUBMIT_PATH

__all__ = ["document"]

ERROR_STATUSES = ("400", "401", "403", "404", "405", "413", "429", "500", "503")


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(name: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref(name)}}}


def _errors() -> dict[str, Any]:
    return {status: _json(schemas.ERROR, "Error envelope") for status in ERROR_STATUSES}


def _component(name: str) -> dict[str, Any]:
    """Embed one schema file: drop its `$id`, and point its local `$ref`s into the components."""
    contents = {k: v for k, v in schemas.load(name).items() if k not in ("$id", "$schema")}
    rewritten: dict[str, Any] = _rebase(contents, f"#/components/schemas/{name}/")
    return rewritten


def _rebase(node: Any, prefix: str) -> Any:
    if isinstance(node, dict):
        return {
            key: prefix + value[2:]
            if key == "$ref" and value.startswith("#/")
            else _rebase(value, prefix)
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_rebase(item, prefix) for item in node]
    return node


def document() -> dict[str, Any]:
    """Build the OpenAPI document; component schemas are the schema files themselves."""
    names = [schemas.SUBMIT_REQUEST, schemas.SUBMIT_RESPONSE, schemas.TASK_RESULT, schemas.ERROR]
    return {
        "openapi": "3.1.0",
        "info": {"title": "Vidu Q2 Pro Fast image-to-video (v3 async)", "version": "3"},
        "servers": [{"url": "https://api.highwayapi.ai"}],
        "security": [{"bearer": []}],
        "components": {
            "schemas": {name: _component(name) for name in names},
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "paths": {
            SUBMIT_PATH: {"post": _submit_operation()},
            RESULT_PATH: {"get": _result_operation()},
        },
    }


def _submit_operation() -> dict[str, Any]:
    return {
        "operationId": "submitImg2Video",
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": _ref(schemas.SUBMIT_REQUEST)}},
        },
        "responses": {"200": _json(schemas.SUBMIT_RESPONSE, "Task accepted"), **_errors()},
    }


def _result_operation() -> dict[str, Any]:
    parameter = {"name": "task_id", "in": "query", "required": True, "schema": {"type": "string"}}
    return {
        "operationId": "getTaskResult",
        "parameters": [parameter],
        "responses": {"200": _json(schemas.TASK_RESULT, "Task state"), **_errors()},
    }
