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
        failed = failed_requests(done.stdout)
        assert failed, "the throughput table has no rows"
        assert set(failed.values()) == {"0"}, f"some benchmark requests failed: {failed}"


def failed_requests(output: str) -> dict[str, str]:
    """Each target's `failed` cell in the throughput table."""
    rows = [
        [cell.strip() for cell in line.strip().strip("|").split("|")]
        for line in output.splitlines()
        if line.startswith("|") and not line.startswith("|---")
    ]
    header = next(row for row in rows if "failed" in row)
    column = header.index("failed")
    table = rows[rows.index(header) + 1 :]
    return {row[0]: row[column] for row in table if len(row) == len(header)}
