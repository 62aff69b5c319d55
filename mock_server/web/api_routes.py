"""The emulated API's two routes in Flask: each reads the request into an `ApiCall` and lets
`api_calls.answer` run the operation (the lean dispatch in front of Flask does the same)."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request
from werkzeug.exceptions import RequestEntityTooLarge

from mock_server.web.api_calls import (
    ApiCall,
    Operation,
    answer,
    host_url,
    submit,
    task_result,
    too_large,
)
from mock_server.web.journalling import delay
from mock_server.web.state import current_fake
from mock_server.wire.json_body import JSON_TYPE
from mock_server.wire.paths import RESULT_PATH, SUBMIT_PATH

__all__ = ["blueprint"]

blueprint = Blueprint("api", __name__)


@blueprint.post(SUBMIT_PATH)
def submit_route() -> Response:
    return _answered(submit)


@blueprint.get(RESULT_PATH)
def task_result_route() -> Response:
    return _answered(task_result)


def _answered(operation: Operation) -> Response:
    status, body = answer(current_fake(), _call(), operation)
    return Response(body, status, mimetype=JSON_TYPE)


def _call() -> ApiCall:
    return ApiCall(
        method=request.method,
        path=request.path,
        authorization=request.headers.get("Authorization"),
        mimetype=request.mimetype,
        task_id=request.args.get("task_id", ""),
        host_url=host_url(request.scheme, request.host),
        read_body=_read_body,
        delay=delay,
    )


def _read_body() -> bytes:
    try:
        return request.get_data(cache=True)
    except RequestEntityTooLarge:
        raise too_large(current_app.config["MAX_CONTENT_LENGTH"]) from None
