"""`vidu-mock serve --workers N`: N processes of the fake behind one port, sharing one job store.

The processes run on granian, the fastest WSGI server measured for this app (see the README's
Performance section). They agree on everything that makes the fake one fake: the store (an SQLite
file, by default a temporary one, or a Redis database) and, through it, the root seed (task ids
derive from it and from the store's sequence), the virtual clock and all the state.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import http.client
import json
import logging
import multiprocessing
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from granian.constants import Interfaces
from granian.log import LogLevels
from granian.server import Server
from granian.server.common import AbstractServer

from mock_server.double.fake import Fake
from mock_server.serving.console import ERROR_LOGGER, configure_console
from mock_server.settings import Settings, StoreKind, StoreLocation
from mock_server.web.app import create_app
from mock_server.wire.paths import ControlPath

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

__all__ = [
    "announce_readiness",
    "free_port",
    "probe_worker",
    "serve_workers",
    "threads_for",
    "wait_for_workers",
]

log = logging.getLogger(ERROR_LOGGER)

STORE_FILE = "jobs.sqlite3"
# Which process answered: lets a client tell the workers apart on one keep-alive connection.
WORKER_PATH = ControlPath.WORKER
# One request thread per process answers the most requests at the shortest tail (threads of one
# process take turns on the GIL, and each store call hands it over); many let requests that
# sleep or wait overlap.
THREADS_PER_WORKER = 1
WAITING_THREADS_PER_WORKER = 32
READY_TIMEOUT_S = 30.0
PROBE_INTERVAL_S = 0.01
# A worker that misses the stop signal (granian drops one that arrives while the worker is still
# loading the app) is killed after this long, so the fake always exits.
STOP_TIMEOUT_S = 5


def serve_workers(settings: Settings, banner: Callable[[str], str]) -> None:
    """Run `settings.workers` processes until interrupted; print `banner(base_url)` once bound."""
    with store_location(settings) as location:
        shared = shared_settings(settings, location)
        prepare_store(shared)
        server = granian_server(shared)
        base = f"http://{shared.host}:{shared.port}"
        server.on_startup(lambda: announce_when_ready(shared, banner(base)))
        server.serve(target_loader=functools.partial(worker_app, shared), wrap_loader=False)


def announce_when_ready(settings: Settings, banner: str) -> None:
    """Print the banner once every worker answers, so whoever reads it can connect at once."""

    def announce() -> None:
        # Probe only once every worker is forked: a thread that imports or locks during a fork
        # leaves the child deadlocked.
        while len(multiprocessing.active_children()) < settings.workers:
            time.sleep(PROBE_INTERVAL_S)
        announce_readiness(settings, banner, READY_TIMEOUT_S)

    threading.Thread(target=announce, name="announce", daemon=True).start()


def announce_readiness(settings: Settings, banner: str, timeout_s: float) -> None:
    """Print the banner once every worker answers; when only some answer within the timeout,
    warn how many did instead, so nobody waiting for the banner takes the fake for ready."""
    answered = len(wait_for_workers(settings.host, settings.port, settings.workers, timeout_s))
    if answered < settings.workers:
        log.warning(
            "only %d of %d workers answered on %s:%d within %gs; the fake is not ready",
            answered,
            settings.workers,
            settings.host,
            settings.port,
            timeout_s,
        )
        return
    print(banner, flush=True)


def wait_for_workers(host: str, port: int, count: int, timeout_s: float) -> set[int]:
    """Probe fresh connections until `count` distinct worker processes have answered."""
    seen: set[int] = set()
    deadline = time.monotonic() + timeout_s
    while len(seen) < count and time.monotonic() < deadline:
        pid = probe_worker(host, port)
        if pid is None:
            time.sleep(PROBE_INTERVAL_S)
        else:
            seen.add(pid)
    return seen


def probe_worker(host: str, port: int) -> int | None:
    """Ask whichever worker accepts a new connection for its process id."""
    connection = http.client.HTTPConnection(host, port, timeout=PROBE_INTERVAL_S * 100)
    try:
        connection.request("GET", WORKER_PATH)
        return int(json.loads(connection.getresponse().read())["pid"])
    except (OSError, ValueError, KeyError, http.client.HTTPException):
        return None
    finally:
        connection.close()


def shared_settings(settings: Settings, store: StoreLocation) -> Settings:
    """Fix what every worker must agree on: the store and the port."""
    port = settings.port or free_port(settings.host)
    refuse_if_taken(settings.host, port)
    return settings.replace(store=store, store_path="", port=port)


def prepare_store(settings: Settings) -> None:
    """Set the store up (its tables, the root seed, the virtual clock) before any worker
    starts, so that they all find the same."""
    Fake(settings).close()


@contextlib.contextmanager
def store_location(settings: Settings) -> Iterator[StoreLocation]:
    """The configured store, or a temporary SQLite file removed afterwards."""
    location = settings.store_in_force
    if settings.store.kind is not StoreKind.AUTO or settings.store_path:
        yield location
        return
    with tempfile.TemporaryDirectory(prefix="vidu-mock-") as folder:
        yield StoreLocation(StoreKind.SQLITE, str(Path(folder) / STORE_FILE))


def worker_app(settings: Settings) -> WSGIApplication:
    """Build one worker's app, printing as the parent would; granian calls this in each worker
    process."""
    configure_console(settings)
    app = create_app(settings)
    gc.freeze()  # code, schemas and app live as long as the process: spare them every full GC
    return app


def granian_server(settings: Settings) -> AbstractServer[Any]:
    """A granian WSGI server for the settings' host, port and worker count."""
    threads = settings.threads or threads_for(settings)
    return Server(
        "mock_server.serving.workers:worker_app",
        address=settings.host,
        port=settings.port,
        interface=Interfaces.WSGI,
        workers=settings.workers,
        blocking_threads=threads,
        workers_kill_timeout=STOP_TIMEOUT_S,
        respawn_failed_workers=True,
        websockets=False,
        log_level=LogLevels.warning,
    )


def threads_for(settings: Settings) -> int:
    """Request threads per worker when not set: more when requests are expected to wait."""
    waiting = settings.fetch_images or settings.chaos_latency > 0
    return WAITING_THREADS_PER_WORKER if waiting else THREADS_PER_WORKER


def refuse_if_taken(host: str, port: int) -> None:
    """Stop when something listens on the port: the workers bind with SO_REUSEPORT, so they
    would silently share it with another fake instead of failing."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # ignore closed connections
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise SystemExit(f"vidu-mock: cannot listen on {host}:{port}: {exc.strerror}") from None


def free_port(host: str) -> int:
    """Ask the OS for a port nobody listens on, for `--port 0`."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
    return port
