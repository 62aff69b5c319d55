"""The suite's own fake: `create_app` served over real HTTP on a free 127.0.0.1 port, in a thread.

It runs on a virtual clock (the suite moves time through `/_mock/clock/advance`), accepts one
API key, and fails some jobs on purpose so the FAILED branch of the lifecycle is exercised.
"""

from __future__ import annotations

import threading
import zlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from flask import Flask
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from mock_server import ClockKind, Outcome, Settings, create_app
from mock_server.runtime import EXTENSION_KEY, Runtime

FAKE_KEY = "contract-suite-key"
FAKE_SEED = 20260
FAILING_SHARE = 4
FAILURE_REASON = "image download failed: the suite's fake fails one job in four on purpose"


def fake_settings() -> Settings:
    """Default behaviour, a virtual clock, one valid key and a fixed seed."""
    return Settings(clock=ClockKind.VIRTUAL, api_keys=(FAKE_KEY,), seed=FAKE_SEED, port=0)


def sometimes_failing(params: Mapping[str, Any]) -> Outcome:
    """Fail about one job in four, chosen by the prompt so a shrunk example fails the same way."""
    prompt = str(params.get("prompt", "")).encode("utf-8", errors="replace")
    if zlib.crc32(prompt) % FAILING_SHARE == 0:
        return Outcome.failed(FAILURE_REASON)
    return Outcome()


class QuietHandler(WSGIRequestHandler):
    """Serve without logging each request: a failing check already shows its exchange."""

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass


def fresh_app(settings: Settings) -> Flask:
    """A new fake whose jobs fail now and then (see `sometimes_failing`)."""
    app = create_app(settings)
    runtime: Runtime = app.extensions[EXTENSION_KEY]
    runtime.backend.choose_outcome = sometimes_failing
    return app


@dataclass
class LocalFake:
    """The served fake: its base URL, and a way to start over with a brand-new fake."""

    server: BaseWSGIServer
    settings: Settings

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    def restart(self) -> None:
        """Swap in a new fake on the same port: no jobs, task ids and timings from the start.

        With a fixed seed, the same requests then get the same answers, so Hypothesis can
        replay a failing state machine run faithfully.
        """
        self.server.app = fresh_app(self.settings)


@contextmanager
def served_fake(settings: Settings | None = None) -> Iterator[LocalFake]:
    """Serve a fresh fake on a free port for the duration of the block."""
    settings = settings or fake_settings()
    app = fresh_app(settings)
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="contract-fake", daemon=True)
    thread.start()
    try:
        yield LocalFake(server, settings)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
