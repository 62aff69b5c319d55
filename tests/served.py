"""Start `python -m mock_server serve` as a real process on a free port, for end-to-end tests."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO

BANNER = re.compile(r"listening on (http://127\.0\.0\.1:(\d+))")
STOP_TIMEOUT_S = 15


@dataclass
class Served:
    """A running `vidu-mock serve` process and where it listens."""

    process: subprocess.Popen[str]
    base_url: str
    port: int
    output: list[str] = field(default_factory=list)  # every line printed, stdout and stderr


@contextmanager
def serve_process(
    *flags: str, env: dict[str, str] | None = None, python: str = sys.executable
) -> Iterator[Served]:
    """Run the fake with these flags on a free port; stop it (and any workers) afterwards."""
    command = [python, "-m", "mock_server", "serve", "--port", "0", *flags]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        start_new_session=True,
    )
    output: list[str] = []
    try:
        base_url, port = _wait_for_banner(process, output)
        yield Served(process, base_url, port, output)
    finally:
        stop(process)


@contextmanager
def served(
    *flags: str, env: dict[str, str] | None = None, python: str = sys.executable
) -> Iterator[str]:
    """Run the fake with these flags (with another installation's `python` if given) and yield
    its base URL."""
    with serve_process(*flags, env=env, python=python) as fake:
        yield fake.base_url


def stop(process: subprocess.Popen[str]) -> None:
    """Stop the fake; should it hang, kill its whole process group so no worker outlives a test."""
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        raise
    finally:
        if process.stdout:
            process.stdout.close()


def _wait_for_banner(process: subprocess.Popen[str], seen: list[str]) -> tuple[str, int]:
    """Read the banner, then keep draining the output so the fake never blocks on a full pipe."""
    assert process.stdout is not None
    for line in process.stdout:
        seen.append(line)
        match = BANNER.search(line)
        if match:
            threading.Thread(target=_drain, args=(process.stdout, seen), daemon=True).start()
            return match.group(1), int(match.group(2))
    raise AssertionError("the fake exited before it listened:\n" + "".join(seen))


def _drain(stream: IO[str], seen: list[str]) -> None:
    with contextlib.suppress(ValueError, OSError):  # closed when the fake stopped
        for line in stream:
            seen.append(line)
