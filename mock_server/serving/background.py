"""A threaded Werkzeug server on one port, with the app it serves swappable at any time.

Used wherever the fake is served from one process: `vidu-mock serve` (in the foreground), the
pytest plugin (one server for a whole session, a fresh app in the slot for every test) and the
contract suite's own fake (a brand-new fake for every state-machine run, on the same port).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from mock_server.wire.errors import ServiceNotAvailable
from mock_server.wire.json_body import JSON_TYPE

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

__all__ = ["LOOPBACK", "AppSlot", "BackgroundServer", "QuietHandler"]

LOOPBACK = "127.0.0.1"
STOP_TIMEOUT_S = 10
IDLE = ServiceNotAvailable("no fake is being served between tests; use the vidu_mock fixture")
IDLE_STATUS = f"{IDLE.status_code} {HTTPStatus(IDLE.status_code).phrase}"
IDLE_BODY = json.dumps(IDLE.envelope()).encode()


class QuietHandler(WSGIRequestHandler):
    """A request handler that does not log each request to stderr."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


class AppSlot:
    """A WSGI app that hands every request to whichever app is in the slot now."""

    def __init__(self, app: WSGIApplication | None = None) -> None:
        self.app = app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        app = self.app
        if app is None:
            start_response(IDLE_STATUS, [("Content-Type", JSON_TYPE)])
            return [IDLE_BODY]
        return app(environ, start_response)


class BackgroundServer:
    """A threaded Werkzeug server; `start` runs it in a daemon thread, `run` in the foreground."""

    def __init__(
        self,
        app: WSGIApplication | None = None,
        host: str = LOOPBACK,
        port: int = 0,
        *,
        quiet: bool = True,
    ) -> None:
        self.slot = AppSlot(app)
        handler = QuietHandler if quiet else WSGIRequestHandler
        self._server: BaseWSGIServer = make_server(
            host, port, self.slot, threaded=True, request_handler=handler
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="vidu-mock server", daemon=True
        )

    @property
    def host(self) -> str:
        return str(self._server.host)

    @property
    def port(self) -> int:
        return int(self._server.server_port)

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def serve(self, app: WSGIApplication | None) -> None:
        """Put an app in the slot (None answers 503 to everything)."""
        self.slot.app = app

    def start(self) -> BackgroundServer:
        """Serve from a daemon thread."""
        self._thread.start()
        return self

    def run(self) -> None:
        """Serve from this thread until interrupted (Ctrl-C), then close the socket."""
        try:
            self._server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            self._server.server_close()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=STOP_TIMEOUT_S)

    def __enter__(self) -> BackgroundServer:
        return self.start()

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()
