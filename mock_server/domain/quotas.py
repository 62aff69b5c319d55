"""Quotas like the real service's: requests per minute and jobs running at once, per API key.

Both are measured on the fake's clock. The request window is per process; running jobs are
counted from the job store, so every process sees the same count.
"""

from __future__ import annotations

import threading
from collections import defaultdict, deque
from typing import TYPE_CHECKING

from mock_server.wire.errors import RateLimitExceeded
from mock_server.wire.paths import RequestKind

if TYPE_CHECKING:
    from mock_server.domain.jobs import JobBackend

__all__ = ["WINDOW_S", "Quotas", "RateWindow"]

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


class Quotas:
    """Both limits of one fake, read from its settings at every request."""

    def __init__(self, backend: JobBackend) -> None:
        self.backend = backend
        self.window = RateWindow()

    def admit(self, api_key: str, kind: RequestKind) -> None:
        """Apply the requests-per-minute quota to a submit (and to a poll, if so configured)."""
        settings = self.backend.settings
        if settings.rate_limit_rpm <= 0:
            return
        if kind is RequestKind.SUBMIT or settings.rate_limit_polls:
            self.window.admit(api_key, self.backend.clock.now(), settings.rate_limit_rpm)

    def running_jobs(self, api_key: str) -> int:
        """Count the key's jobs that are still queued or processing."""
        backend = self.backend
        return sum(
            1
            for job in backend.store.jobs()
            if job.api_key == api_key and not backend.snapshot(job).status.terminal
        )

    def check_running_jobs(self, api_key: str) -> None:
        """Refuse a submit with 429 when the key already has its limit of unfinished jobs."""
        limit = self.backend.settings.max_running_jobs
        if limit > 0 and self.running_jobs(api_key) >= limit:
            raise RateLimitExceeded(
                f"rate limit exceeded: at most {limit} jobs may be queued or processing at "
                "once per API key"
            )

    def clear(self) -> None:
        """Forget the requests counted so far."""
        self.window.clear()
