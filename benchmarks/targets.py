"""The servers a benchmark run measures: how to start each, see it answer, weigh it and stop it."""

from __future__ import annotations

import contextlib
import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from mock_server.wire.paths import HEALTH_PATH

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
START_TIMEOUT_S = 90.0
STOP_TIMEOUT_S = 10.0
IDLE_BELOW = 0.15  # share of the CPUs other processes may use when a measurement starts
IDLE_TIMEOUT_S = 120.0


@dataclass(frozen=True)
class Target:
    """One server to measure, started by a command on a port the run picks."""

    name: str
    command: tuple[str, ...]  # "{port}" is replaced by the port
    health_path: str = HEALTH_PATH
    cwd: Path = ROOT
    is_fake: bool = False
    warm_up_submits: bool = False
    retain: bool = False  # also measure with the store filled to the plan's retained jobs
    companions: tuple[int, ...] = ()  # processes whose memory counts too (a Redis server)

    def argv(self, port: int) -> list[str]:
        return [part.replace("{port}", str(port)) for part in self.command]


@dataclass
class Running:
    """A started target, with how long it took to answer its first request."""

    target: Target
    process: subprocess.Popen[bytes]
    port: int
    first_answer_s: float
    log: Path
    notes: list[str] = field(default_factory=list)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def memory_mb(self) -> float:
        """Proportional set size summed over the process tree (and the target's companions, such
        as its Redis server): shared pages count once."""
        pids = [*_tree(self.process.pid), *self.target.companions]
        return sum(_pss_kb(pid) for pid in pids) / 1024

    def stop(self) -> None:
        """Stop the whole process group this run started; kill it if it will not stop."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def wait_until_idle(limit: float = IDLE_BELOW, timeout_s: float = IDLE_TIMEOUT_S) -> float:
    """Wait until other work leaves the CPUs (at most `timeout_s`); return how busy they were."""
    deadline = time.monotonic() + timeout_s
    busy = _busy()
    while busy > limit and time.monotonic() < deadline:
        busy = _busy()
    return busy


def _busy(window_s: float = 1.0) -> float:
    """The share of CPU time not idle over the window, from /proc/stat (0 where unreadable)."""

    def sample() -> tuple[int, int]:
        try:
            fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        except (OSError, ValueError):
            return 0, 0
        return sum(fields), fields[3] + fields[4]

    total_1, idle_1 = sample()
    time.sleep(window_s)
    total_2, idle_2 = sample()
    return 1 - (idle_2 - idle_1) / (total_2 - total_1) if total_2 > total_1 else 0.0


def fake(name: str, *flags: str, retain: bool = False, companions: tuple[int, ...] = ()) -> Target:
    """`vidu-mock serve` with these flags; jobs finish at the first poll, so polls answer the
    full document with a video URL. No line per request: the peers log none either."""
    command = (sys.executable, "-m", "mock_server", "serve", "--port", "{port}", "--quiet")
    return Target(
        name,
        (*command, "--progression", "instant", *flags),
        is_fake=True,
        retain=retain,
        companions=companions,
    )


@contextlib.contextmanager
def redis_server(scratch: Path) -> Iterator[tuple[str, int] | None]:
    """A throwaway Redis server for the Redis-backed fake: its URL and pid, or None when
    `redis-server` is not installed."""
    binary = shutil.which("redis-server")
    if binary is None:
        yield None
        return
    port = free_port()
    command = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    command += ["--appendonly", "no", "--dir", str(scratch)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not _answers_ping(port) and time.monotonic() < deadline:
            time.sleep(0.01)
        yield f"redis://127.0.0.1:{port}/0", process.pid
    finally:
        process.terminate()
        process.wait(timeout=STOP_TIMEOUT_S)


def _answers_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as connection:
            connection.sendall(b"PING\r\n")
            return connection.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def start(target: Target, scratch: Path) -> Running:
    """Start the target and wait for its first answer to any HTTP request."""
    port = free_port()
    log = scratch / f"{target.name.replace(' ', '_').replace('/', '_')}.log"
    began = time.perf_counter()
    with log.open("wb") as sink:
        process = subprocess.Popen(
            target.argv(port),
            cwd=target.cwd,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    running = Running(target, process, port, 0.0, log)
    try:
        running.first_answer_s = _wait_for_answer(running, began)
    except BaseException:
        running.stop()
        raise
    return running


def _wait_for_answer(running: Running, began: float) -> float:
    deadline = began + START_TIMEOUT_S
    while time.perf_counter() < deadline:
        if running.process.poll() is not None:
            raise RuntimeError(f"{running.target.name} exited: see {running.log}")
        if _answers(running.port, running.target.health_path):
            return time.perf_counter() - began
        time.sleep(0.005)
    raise RuntimeError(f"{running.target.name} did not answer within {START_TIMEOUT_S} s")


def _answers(port: int, path: str) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        connection.request("GET", path)
        connection.getresponse().read()
        return True
    except (OSError, http.client.HTTPException):
        return False
    finally:
        connection.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def _tree(pid: int) -> list[int]:
    pids = [pid]
    for child in _children(pid):
        pids += _tree(child)
    return pids


def _children(pid: int) -> list[int]:
    children = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children += [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            continue
    return children


def _pss_kb(pid: int) -> int:
    try:
        lines = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
    except OSError:
        return 0
    return next((int(line.split()[1]) for line in lines if line.startswith("Pss:")), 0)
