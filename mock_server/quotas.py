"""Quotas like the real service's: requests per minute and jobs running at once, per API key.

Both are measured on the fake's clock. The request window is per process; running jobs are
counted from the job store, so every process sees the same count.
"""

from __future__ import annotations

import threading
from collections import defaultdict, deque
from typing import TYPE_CHECKING

from mock_server.errors import RateLimitExceeded

if TYPE_CHECKING:
    from mock_server.jobs import JobBackend

WINDOW_S = 60.0


class RateWindow:
    """Times of each key's admitted requests over the last minute."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._times: defaultdict[str, deque[float]] = defaultdict(deque)

    def admit(self, key: str, now: float, limit: int) -> None:
        """Count a request, or refuse it with 429 when the key used up its minute."""
        if limit <= 0:
            return
        with self._lock:
            times = self._times[key]
            while times and times[0] <= now - WINDOW_S:
                times.popleft()
            if len(times) >= limit:
                retry_in = times[0] + WINDOW_S - now
                raise RateLimitExceeded(
                    f"rate limit exceeded: at most {limit} requests per minute per API key; "
                    f"retry in {retry_in:.0f} s"
                )
            times.append(now)

    def clear(self) -> None:
        with self._lock:
            self._times.clear()


def running_jobs(backend: JobBackend, key: str) -> int:
    """Count the key's jobs that are still queued or processing."""
    return sum(
        1
        for job in backend.store.jobs()
        if job.api_key == key and not backend.snapshot(job).status.terminal
    )


def check_running_jobs(backend: JobBackend, key: str, limit: int) -> None:
    """Refuse a submit with 429 when the key already has `limit` unfinished jobs."""
    if limit > 0 and running_jobs(backend, key) >= limit:
        raise RateLimitExceeded(
            f"rate limit exceeded: at most {limit} jobs may be queued or processing at once "
            "per API key"
        )
