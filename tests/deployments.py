"""One fake deployed four ways, each seen through several front doors.

A `Deployment` is a set of base URLs that are one fake: one process; two worker processes behind
one port (on an SQLite file or on Redis); or two separate `vidu-mock serve` processes on two
ports (two "hosts") sharing one Redis. `doors()` hands out one `ViduMock` per front door, each
on one keep-alive connection; behind one port, the two doors' connections are held by two
different workers (`GET /_mock/worker` tells which), so a request through one door and the next
through the other always cross processes.
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
from mock_server.wire.paths import ControlPath
from tests.served import serve_process

KINDS = ["one process", "two workers on sqlite", "two workers on redis", "two hosts on redis"]
COMMON = ("--clock", "virtual", "--seed", "11", "--api-keys", "test-key")
MAX_CONNECTIONS_TRIED = 200


class OneConnection(requests.Session):
    """A session that keeps to one keep-alive connection, so the process that accepted it
    answers every request it sends."""

    def __init__(self) -> None:
        super().__init__()
        self.mount("http://", HTTPAdapter(pool_connections=1, pool_maxsize=1, max_retries=0))


def process_of(door: ViduMock) -> int:
    """The pid of the process answering this door (for workers: the worker holding its
    connection)."""
    answer = door.session.get(door.url(ControlPath.WORKER), timeout=10)
    answer.raise_for_status()
    pid: int = answer.json()["pid"]
    return pid


def one_door_per_worker(base_url: str) -> list[ViduMock]:
    """Open doors until each of the two workers behind the port holds one's connection."""
    found: dict[int, ViduMock] = {}
    for _ in range(MAX_CONNECTIONS_TRIED):
        door = ViduMock(base_url, session=OneConnection())
        pid = process_of(door)
        if pid in found:
            door.session.close()
        else:
            found[pid] = door
        if len(found) == 2:
            return list(found.values())
    raise AssertionError(f"every connection went to the same worker: {set(found)}")


@dataclass
class Deployment:
    """The base URLs that are one fake."""

    kind: str
    base_urls: list[str]

    @property
    def processes(self) -> int:
        """How many processes answer: its doors reach that many different ones."""
        return 1 if self.kind == "one process" else 2

    def doors(self) -> list[ViduMock]:
        """One controller per front door (two, also for a single process)."""
        if len(self.base_urls) == 1 and self.processes == 2:
            return one_door_per_worker(self.base_urls[0])
        urls = self.base_urls if len(self.base_urls) > 1 else self.base_urls * 2
        return [ViduMock(url, session=OneConnection()) for url in urls]

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
