"""Serve a fake over real HTTP from a background thread, with the app swappable between tests.

One server (one port) lives for a whole test session; each test gets a fresh app in the slot,
which isolates tests completely without restarting anything.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from mock_server.errors import ServiceNotAvailable

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

__all__ = ["BackgroundServer"]

LOOPBACK = "127.0.0.1"
IDLE_BODY = json.dumps(
    ServiceNotAvailable(
        "no fake is being served between tests; use the vidu_mock fixture"
    ).envelope()
).encode()


class QuietHandler(WSGIRequestHandler):
    """A request handler that does not log each request to stderr."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


class AppSlot:
    """A WSGI app that hands every request to whichever app is in the slot now."""

    def __init__(self) -> None:
        self.app: WSGIApplication | None = None

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        app = self.app
        if app is None:
            start_response("503 Service Unavailable", [("Content-Type", "application/json")])
            return [IDLE_BODY]
        return app(environ, start_response)


class BackgroundServer:
    """A threaded Werkzeug server on a free loopback port, running in a daemon thread."""

    def __init__(self, host: str = LOOPBACK, port: int = 0) -> None:
        self.slot = AppSlot()
        self._server: BaseWSGIServer = make_server(
            host, port, self.slot, threaded=True, request_handler=QuietHandler
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
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def __enter__(self) -> BackgroundServer:
        return self.start()

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()
