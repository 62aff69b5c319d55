"""The suite's own fake: `create_app` served over real HTTP on a free 127.0.0.1 port, in a thread.

It runs on a virtual clock (the suite moves time through the control API), accepts one API key,
and fails some jobs on purpose (through `create_app`'s documented `outcomes` hook) so the FAILED
branch of the lifecycle is exercised.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from mock_server.domain.lifecycle import Outcome
from mock_server.serving.background import LOOPBACK, BackgroundServer
from mock_server.settings import ClockKind, Settings
from mock_server.web.app import create_app

__all__ = ["FAILURE_REASON", "FAKE_KEY", "LocalFake", "fake_settings", "served_fake"]

FAKE_KEY = "contract-suite-key"
FAKE_SEED = 20260
FAILING_SHARE = 4
FAILURE_REASON = "image download failed: the suite's fake fails one job in four on purpose"


def fake_settings() -> Settings:
    """Default behaviour, a virtual clock, one valid key and a fixed seed."""
    return Settings(clock=ClockKind.VIRTUAL, api_keys=(FAKE_KEY,), seed=FAKE_SEED, port=0)


def sometimes_failing(params: Mapping[str, Any]) -> Outcome | None:
    """Fail about one job in four, chosen by the prompt so a shrunk example fails the same way."""
    prompt = str(params.get("prompt", "")).encode("utf-8", errors="replace")
    if zlib.crc32(prompt) % FAILING_SHARE == 0:
        return Outcome.failed(FAILURE_REASON)
    return None


@dataclass
class LocalFake:
    """The served fake: its base URL, and a way to start over with a brand-new fake."""

    server: BackgroundServer
    settings: Settings

    @property
    def base_url(self) -> str:
        return self.server.base_url

    def restart(self) -> None:
        """Swap in a new fake on the same port: no jobs, task ids and timings from the start.

        With a fixed seed, the same requests then get the same answers, so Hypothesis can
        replay a failing state machine run faithfully.
        """
        self.server.serve(create_app(self.settings, outcomes=sometimes_failing))


@contextmanager
def served_fake(settings: Settings | None = None) -> Iterator[LocalFake]:
    """Serve a fresh fake on a free port for the duration of the block."""
    settings = settings or fake_settings()
    with BackgroundServer(create_app(settings, outcomes=sometimes_failing), LOOPBACK) as server:
        yield LocalFake(server, settings)
