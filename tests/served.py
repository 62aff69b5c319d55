"""Start `python -m mock_server serve` as a real process on a free port, for end-to-end tests."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

BANNER = re.compile(r"listening on (http://127\.0\.0\.1:\d+)")


@contextmanager
def served(*flags: str, env: dict[str, str] | None = None) -> Iterator[str]:
    """Run the fake with these flags and yield its base URL; stop it afterwards."""
    command = [sys.executable, "-m", "mock_server", "serve", "--port", "0", *flags]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
    )
    try:
        yield _wait_for_banner(process)
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout:
            process.stdout.close()


def _wait_for_banner(process: subprocess.Popen[str]) -> str:
    assert process.stdout is not None
    seen = []
    for line in process.stdout:
        seen.append(line)
        match = BANNER.search(line)
        if match:
            return match.group(1)
    raise AssertionError("the fake exited before it listened:\n" + "".join(seen))
