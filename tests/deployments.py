"""One fake deployed four ways, each seen through several front doors.

A `Deployment` is a set of base URLs that are one fake: one process; two worker processes behind
one port (on an SQLite file or on Redis), where every request goes out on a new connection so
the workers take turns; or two separate `vidu-mock serve` processes on two ports (two "hosts")
sharing one Redis. `doors()` hands out one `ViduMock` per front door.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests
from requests.adapters import HTTPAdapter

from mock_server.testing.controller import ViduMock
from tests.served import serve_process

KINDS = ["one process", "two workers on sqlite", "two workers on redis", "two hosts on redis"]
COMMON = ("--clock", "virtual", "--seed", "11", "--api-keys", "test-key")


class FreshConnections(requests.Session):
    """A session that opens a new connection for every request, so that the kernel spreads
    them over the worker processes listening on the port."""

    def __init__(self) -> None:
        super().__init__()
        self.headers["Connection"] = "close"
        adapter = HTTPAdapter(pool_maxsize=1, max_retries=0)
        self.mount("http://", adapter)


@dataclass
class Deployment:
    """The base URLs that are one fake."""

    kind: str
    base_urls: list[str]

    def doors(self) -> list[ViduMock]:
        """One controller per front door (two, also for a single process)."""
        urls = self.base_urls if len(self.base_urls) > 1 else self.base_urls * 2
        return [ViduMock(url, session=FreshConnections()) for url in urls]

    def cycle(self) -> Iterator[ViduMock]:
        """The front doors, taken in turn forever."""
        return itertools.cycle(self.doors())


@contextmanager
def deployed(kind: str, folder: Path, redis_url: str, *flags: str) -> Iterator[Deployment]:
    """Start the fake the named way with these extra flags; stop every process afterwards."""
    with ExitStack() as stack:

        def serve(*more: str) -> str:
            return stack.enter_context(serve_process(*COMMON, *flags, *more)).base_url

        if kind == "one process":
            urls = [serve()]
        elif kind == "two workers on sqlite":
            urls = [serve("--workers", "2", "--store", f"sqlite:///{folder / 'state.db'}")]
        elif kind == "two workers on redis":
            urls = [serve("--workers", "2", "--store", redis_url)]
        else:
            urls = [serve("--store", redis_url), serve("--store", redis_url)]
        yield Deployment(kind, urls)
