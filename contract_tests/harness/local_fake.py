"""The suite's own fake: `create_app` served over real HTTP on a free 127.0.0.1 port, in a thread.

It runs on a virtual clock (the suite moves time through `/_mock/clock/advance`), accepts one
API key, and fails some jobs on purpose so the FAILED branch of the lifecycle is exercised.
"""

from __future__ import annotations

import threading
import zlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from werkzeug.serving import make_server

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


@contextmanager
def served_fake(settings: Settings | None = None) -> Iterator[str]:
    """Serve a fresh fake on a free port for the duration of the block; yield its base URL."""
    app = create_app(settings or fake_settings())
    runtime: Runtime = app.extensions[EXTENSION_KEY]
    runtime.backend.choose_outcome = sometimes_failing
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="contract-fake", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
