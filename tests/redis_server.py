"""A real `redis-server` for the tests, on a free 127.0.0.1 port, started once per session.

Tests that need it fail (they do not skip) when `CI` is set and the server is not installed:
`.ci/run` installs Debian's `redis-server`.
"""

from __future__ import annotations

import itertools
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis

START_TIMEOUT_S = 10.0
STOP_TIMEOUT_S = 10.0
DATABASES = 64
_next_database = itertools.count(1)


def redis_server_binary() -> str:
    """The installed server, or a test failure (CI) or skip (elsewhere) saying how to get it."""
    found = shutil.which("redis-server")
    if found:
        return found
    message = "redis-server is not installed: apt-get install -y redis-server"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@contextmanager
def redis_server(folder: Path) -> Iterator[str]:
    """Run a throwaway server (no persistence) and yield its URL."""
    binary = redis_server_binary()
    port = free_port()
    command = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    command += ["--appendonly", "no", "--dir", str(folder), "--databases", str(DATABASES)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}"
    try:
        wait_until_answering(url, process)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_until_answering(url: str, process: subprocess.Popen[bytes]) -> None:
    client = redis.Redis.from_url(url, socket_connect_timeout=0.5)
    deadline = time.monotonic() + START_TIMEOUT_S
    try:
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if client.ping():
                    return
            except redis.ConnectionError:
                time.sleep(0.02)
    finally:
        client.close()
    raise AssertionError(f"redis-server did not answer at {url}")


def fresh_database(server_url: str) -> str:
    """The URL of an emptied database of the server, another one each time."""
    url = f"{server_url}/{next(_next_database) % DATABASES}"
    client = redis.Redis.from_url(url)
    client.flushdb()
    client.close()
    return url
