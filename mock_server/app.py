"""The application factory: wires settings, clock and store into a Flask app."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException

from mock_server import api, control, double, downloads, openapi
from mock_server.clock import Clock
from mock_server.errors import (
    ApiError,
    ApiNotFound,
    CreateTaskFailed,
    GetResultFailed,
    InternalError,
    InvalidRequestBody,
    MethodNotAllowed,
    RangeNotSatisfiable,
    RequestTooLarge,
)
from mock_server.runtime import EXTENSION_KEY, Runtime
from mock_server.settings import Settings
from mock_server.store import JobStore

log = logging.getLogger("mock_server")

HTTP_ERRORS: dict[int, type[ApiError]] = {
    400: InvalidRequestBody,
    404: ApiNotFound,
    405: MethodNotAllowed,
    413: RequestTooLarge,
    416: RangeNotSatisfiable,
}
UNEXPECTED_ERRORS: dict[str, type[ApiError]] = {
    "api.submit": CreateTaskFailed,
    "api.task_result": GetResultFailed,
}


def create_app(
    settings: Settings | None = None, *, clock: Clock | None = None, store: JobStore | None = None
) -> Flask:
    """Build one fake; nothing happens at import time and every instance is independent."""
    settings = settings or Settings()
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.url_map.merge_slashes = False  # an API answers, it does not redirect
    app.extensions[EXTENSION_KEY] = Runtime.build(settings, clock, store)
    double.install(app, settings)
    for blueprint in (api.blueprint, downloads.blueprint, control.blueprint):
        app.register_blueprint(blueprint)
    app.add_url_rule("/openapi.json", "openapi", lambda: openapi.document())
    app.add_url_rule("/healthz", "healthz", lambda: {"status": "ok"})
    app.register_error_handler(ApiError, envelope_response)
    app.register_error_handler(HTTPException, http_error_response)
    app.register_error_handler(Exception, unexpected_error_response)
    return app


def envelope_response(error: ApiError) -> tuple[Response, int]:
    """Answer any API error with the documented envelope."""
    return jsonify(error.envelope()), error.status_code


def http_error_response(error: HTTPException) -> tuple[Response, int]:
    """Turn Werkzeug's routing and protocol errors into the envelope too."""
    status = error.code or 500
    kind = HTTP_ERRORS.get(status)
    if kind is ApiNotFound:
        return envelope_response(ApiNotFound(f"no API at {request.method} {request.path}"))
    if kind is MethodNotAllowed:
        allowed = ", ".join(sorted(getattr(error, "valid_methods", None) or []))
        message = f"{request.method} is not allowed on {request.path}; use {allowed}"
        return envelope_response(MethodNotAllowed(message))
    if kind is RequestTooLarge:
        return envelope_response(RequestTooLarge(_too_large_message()))
    if kind is not None:
        return envelope_response(kind(error.description or error.name))
    generic = ApiError(error.description or error.name, status=status)
    return envelope_response(generic)


def _too_large_message() -> str:
    from flask import current_app

    limit = current_app.config["MAX_CONTENT_LENGTH"]
    return f"request body is larger than the limit of {limit} bytes"


def unexpected_error_response(error: Exception) -> tuple[Response, int]:
    """Log a bug with its traceback, and tell the client only that something failed."""
    log.exception("unexpected error on %s %s", request.method, request.path)
    kind = UNEXPECTED_ERRORS.get(request.endpoint or "", InternalError)
    return envelope_response(kind("internal error; the server logged the details"))
