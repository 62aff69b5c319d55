"""The application factory: builds one fake's state and serves it as a Flask app."""

from __future__ import annotations

import functools
import json
import logging
import os
from urllib.parse import parse_qsl

from flask import Flask, Request, Response, current_app, jsonify, request
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException
from werkzeug.utils import cached_property

from mock_server.domain.clock import Clock
from mock_server.domain.jobs import OutcomePolicy
from mock_server.domain.store import StateStore
from mock_server.double.fake import Fake
from mock_server.media.input_images import first_unusable_image
from mock_server.settings import Settings
from mock_server.web import api_routes, control_routes, dashboard_routes, download_routes
from mock_server.web.access_log import install_access_log
from mock_server.web.api_calls import UNEXPECTED, URL_QUOTE, query_text, too_large
from mock_server.web.journalling import install_journal
from mock_server.web.lean_dispatch import LeanDispatch
from mock_server.web.state import current_fake, install
from mock_server.wire import openapi
from mock_server.wire.errors import (
    ApiError,
    ApiNotFound,
    InternalError,
    InvalidRequestBody,
    MethodNotAllowed,
    RangeNotSatisfiable,
    RequestTooLarge,
)
from mock_server.wire.paths import HEALTH_PATH, OPENAPI_PATH, ControlPath

__all__ = ["create_app"]

log = logging.getLogger("mock_server")

HTTP_ERRORS: dict[int, type[ApiError]] = {
    400: InvalidRequestBody,
    404: ApiNotFound,
    405: MethodNotAllowed,
    413: RequestTooLarge,
    416: RangeNotSatisfiable,
}
CACHED_DOCUMENTS = 8


class _QueryReadingRequest(Request):
    """Flask's request, reading a query whose raw bytes are not UTF-8 as the lean dispatch
    reads it (Werkzeug's own `args` raises on them)."""

    @cached_property
    def args(self) -> MultiDict[str, str]:
        pairs = parse_qsl(query_text(self.query_string), keep_blank_values=True, errors=URL_QUOTE)
        return self.parameter_storage_class(pairs)


def create_app(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    store: StateStore | None = None,
    outcomes: OutcomePolicy | None = None,
    lean_dispatch: bool = True,
) -> Flask:
    """Build one fake; nothing happens at import time and every instance is independent.

    `outcomes` decides where jobs that nothing scripted are headed (by default they succeed):
    a harness that wants some jobs to fail, chosen by their parameters, passes it here.
    `lean_dispatch=False` answers the two API routes through Flask too (the same answers,
    more slowly; the tests compare both ways).
    """
    settings = settings or Settings()
    app = Flask(__name__)
    app.request_class = _QueryReadingRequest
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.url_map.merge_slashes = False  # an API answers, it does not redirect
    fake = Fake(settings, clock=clock, store=store, images=first_unusable_image, outcomes=outcomes)
    install(app, fake)
    install_journal(app)
    install_access_log(app)
    for blueprint in (
        api_routes.blueprint,
        download_routes.blueprint,
        control_routes.blueprint,
        dashboard_routes.blueprint,
    ):
        app.register_blueprint(blueprint)
    app.add_url_rule(OPENAPI_PATH, "openapi", openapi_response)
    app.add_url_rule(HEALTH_PATH, "healthz", lambda: {"status": "ok"})
    # Which process answered: lets a client tell worker processes apart. Open like /healthz,
    # without the control token: the server's own readiness check asks it, and a process id
    # is all it tells.
    app.add_url_rule(ControlPath.WORKER, "worker", lambda: {"pid": os.getpid()})
    app.register_error_handler(ApiError, envelope_response)
    app.register_error_handler(HTTPException, http_error_response)
    app.register_error_handler(Exception, unexpected_error_response)
    if lean_dispatch:
        app.wsgi_app = LeanDispatch(app.wsgi_app, fake, settings.max_body_bytes)  # type: ignore[method-assign]
    return app


def openapi_response() -> Response:
    """Describe the fake under the settings in force (they can change at run time)."""
    return Response(openapi_text(current_fake().settings), mimetype="application/json")


@functools.lru_cache(maxsize=CACHED_DOCUMENTS)
def openapi_text(settings: Settings) -> str:
    """The OpenAPI document for one set of settings, built once."""
    return json.dumps(openapi.document(settings))


def envelope_response(error: ApiError) -> tuple[Response, int]:
    """Answer any API error with the documented envelope."""
    return jsonify(error.envelope()), error.status_code


def http_error_response(error: HTTPException) -> tuple[Response, int]:
    """Turn Werkzeug's routing and protocol errors into the envelope too, keeping the headers
    HTTP asks for with them (`Allow` on a 405, `Content-Range` on a 416)."""
    response, status = envelope_response(_api_error(error))
    for name, value in error.get_headers():
        if name.lower() not in ("content-type", "allow"):
            response.headers[name] = value
    if status == MethodNotAllowed.status:
        response.headers["Allow"] = _allowed_methods(error)
    return response, status


def _api_error(error: HTTPException) -> ApiError:
    status = error.code or 500
    kind = HTTP_ERRORS.get(status)
    if kind is ApiNotFound:
        return ApiNotFound(f"no API at {request.method} {request.path}")
    if kind is MethodNotAllowed:
        allowed = _allowed_methods(error)
        return MethodNotAllowed(f"{request.method} is not allowed on {request.path}; use {allowed}")
    if kind is RequestTooLarge:
        return too_large(current_app.config["MAX_CONTENT_LENGTH"])
    if kind is not None:
        return kind(error.description or error.name)
    return ApiError(error.description or error.name, status=status)


def _allowed_methods(error: HTTPException) -> str:
    """The methods a path answers, in a stable order (Werkzeug collects them in a set)."""
    return ", ".join(sorted(getattr(error, "valid_methods", None) or []))


def unexpected_error_response(error: Exception) -> tuple[Response, int]:
    """Log a bug with its traceback, and tell the client only that something failed."""
    log.exception("unexpected error on %s %s", request.method, request.path)
    return envelope_response(InternalError(UNEXPECTED))
