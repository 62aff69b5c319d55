"""A lean WSGI layer in front of the Flask app for the emulated API's two routes.

A submit (`POST`) and a poll (`GET`) are most of what a fake under load answers, and Flask's own
request cycle was a third of their cost. This layer answers those two straight from the WSGI
environ with the same pipeline the Flask routes use (`api_calls.answer`), journals and logs them
the same way, and hands every other request to Flask untouched: other paths and methods, a body
sent in chunks, a Content-Length that is not a plain number, and a submit without a
Content-Length whose server streams the body to its end (`wsgi.input_terminated`). A request
without a Content-Length is otherwise read as empty, as Werkzeug reads it.
`tests/test_lean_dispatch.py` checks that both ways give byte-identical answers, headers and
journal entries.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

from werkzeug.datastructures import EnvironHeaders
from werkzeug.http import HTTP_STATUS_CODES, parse_options_header
from werkzeug.sansio.utils import get_host

from mock_server.double.fake import Fake
from mock_server.web.access_log import log_exchange, logging_requests
from mock_server.web.api_calls import (
    URL_QUOTE,
    ApiCall,
    Operation,
    answer,
    failure,
    host_url,
    query_text,
    submit,
    task_result,
    too_large,
)
from mock_server.web.journalling import deferring, journalled, record
from mock_server.wire.errors import InternalError
from mock_server.wire.exchange import HttpRequest
from mock_server.wire.json_body import JSON_TYPE
from mock_server.wire.paths import RESULT_PATH, SUBMIT_PATH
from mock_server.wire.whole_numbers import INT64_MAX, whole_number

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

__all__ = ["LeanDispatch"]

log = logging.getLogger("mock_server")

ROUTES: dict[tuple[str, str], Operation] = {
    ("POST", SUBMIT_PATH): submit,
    ("GET", RESULT_PATH): task_result,
}
READS_BODY = (submit,)  # the operations that read the request's body


class LeanDispatch:
    """Answer the two API routes directly; pass everything else to the Flask app."""

    def __init__(self, flask: WSGIApplication, fake: Fake, max_body_bytes: int) -> None:
        self.flask = flask
        self.fake = fake
        self.max_body_bytes = max_body_bytes

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        operation = ROUTES.get((environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")))
        if operation is None or not _sized(environ, operation in READS_BODY):
            return self.flask(environ, start_response)
        return self._answer(environ, start_response, operation)

    def _answer(
        self, environ: WSGIEnvironment, start_response: StartResponse, operation: Operation
    ) -> Iterable[bytes]:
        started = time.perf_counter() if logging_requests() else None
        method, path, task_id = environ["REQUEST_METHOD"], environ["PATH_INFO"], ""
        try:
            request = _Request(environ, self.max_body_bytes)
            task_id = request.task_id
            status, body = self._exchange(request, operation)
        except Exception:  # the store failed around the operation: as Flask answers it
            log.exception("unexpected error on %s %s", method, path)
            status, body = failure(InternalError)
        start_response(_status_line(status), [("Content-Type", JSON_TYPE), _length(body)])
        if started is not None:
            log_exchange(method, path, task_id, status, body, started)
        return [body]

    def _exchange(self, request: _Request, operation: Operation) -> tuple[int, bytes]:
        """Take up settings, answer, and journal the exchange before anything is sent."""
        fake = self.fake
        fake.sync()
        journalling = journalled(fake, request.path)
        arrival = (fake.clock.now(), time.time()) if journalling else None
        status, body = answer(fake, request.call(), operation)
        if arrival is not None:
            record(fake, request.sent(), status, JSON_TYPE, body, arrival)
        return status, body


class _Request:
    """One request read from the WSGI environ as Werkzeug would read it for Flask."""

    def __init__(self, environ: WSGIEnvironment, max_body_bytes: int) -> None:
        self.environ = environ
        self.method: str = environ["REQUEST_METHOD"]
        self.path: str = environ["PATH_INFO"]
        self.max_body_bytes = max_body_bytes
        self.length = whole_number(environ.get("CONTENT_LENGTH") or "0", INT64_MAX) or 0
        self.query = _query(environ.get("QUERY_STRING", ""))
        self.task_id = next((value for name, value in self.query if name == "task_id"), "")
        self._body: bytes | None = None

    def call(self) -> ApiCall:
        environ = self.environ
        scheme = environ["wsgi.url_scheme"]
        host = get_host(scheme, environ.get("HTTP_HOST"), _server(environ))
        return ApiCall(
            method=self.method,
            path=self.path,
            authorization=environ.get("HTTP_AUTHORIZATION"),
            mimetype=parse_options_header(environ.get("CONTENT_TYPE", ""))[0].lower(),
            task_id=self.task_id,
            host_url=host_url(scheme, host),
            read_body=self.body,
            delay=deferring(environ),
        )

    def body(self) -> bytes:
        """The body, read once; refused (413) beyond the limit, as Flask refuses it."""
        if self.length > self.max_body_bytes:
            raise too_large(self.max_body_bytes)
        if self._body is None:
            self._body = self.environ["wsgi.input"].read(self.length) if self.length else b""
        return self._body

    def sent(self) -> HttpRequest:
        """The request as the journal keeps it (the body b"" when it was refused)."""
        body = b"" if self.length > self.max_body_bytes else self.body()
        return HttpRequest(
            method=self.method,
            path=self.path,
            query=self.query,
            headers=tuple(EnvironHeaders(self.environ).items()),
            body=body,
        )


def _sized(environ: WSGIEnvironment, reads_body: bool) -> bool:
    """Tell whether the body is read here as Werkzeug would read it (else Flask reads it): its
    length is a plain number, or it has none and the server sends no body without one."""
    if "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
        return False
    length = environ.get("CONTENT_LENGTH")
    if not length:
        return not (reads_body and environ.get("wsgi.input_terminated"))
    return whole_number(length, INT64_MAX) is not None  # else Flask reads or refuses it


def _query(query_string: str) -> tuple[tuple[str, str], ...]:
    """The query's first value of each name, in order, decoded as the Flask app decodes it."""
    if not query_string:
        return ()
    firsts: dict[str, str] = {}
    text = query_text(query_string.encode("latin1"))
    for name, value in parse_qsl(text, keep_blank_values=True, errors=URL_QUOTE):
        firsts.setdefault(name, value)
    return tuple(firsts.items())


def _server(environ: WSGIEnvironment) -> tuple[str, int | None] | None:
    """The server's name and port, as Werkzeug reads them for `request.host`."""
    name = environ.get("SERVER_NAME")
    if name is None:
        return None
    try:
        return name, int(environ.get("SERVER_PORT"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return name, None


@functools.cache
def _status_line(status: int) -> str:
    return f"{status} {HTTP_STATUS_CODES.get(status, 'UNKNOWN').upper()}"


def _length(body: bytes) -> tuple[str, str]:
    return ("Content-Length", str(len(body)))
