"""The benchmark script runs end to end in its quick mode (no timing is asserted)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_quick_benchmark_prints_its_tables_or_says_what_is_missing() -> None:
    done = subprocess.run(
        [sys.executable, "benchmarks/run.py", "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "| vidu-mock --workers 2 |" in done.stdout
    assert "| submit calls/s |" in done.stdout
    if shutil.which("wrk") is None:
        assert "wrk is not installed" in done.stdout
    else:
        assert "| 0 |" in done.stdout, "some benchmark requests failed"
