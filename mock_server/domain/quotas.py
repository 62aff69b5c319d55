"""Quotas like the real service's: requests per minute and jobs running at once, per API key.

Both are measured on the fake's clock and kept in the fake's store, so every process sharing the
store counts against the same limits. A running place is held from the submit until the job is
seen to have ended; the limit counts the jobs submitted while it is in force. A place reserved
for a submit that never finished (its process died) is freed a minute after the longest a submit
can take, in wall time, not on the fake's clock: a virtual clock that stands still must not hold
it forever.
"""

from __future__ import annotations

import time
import uuid
from typing import TYPE_CHECKING

from mock_server.domain.store import StateStore
from mock_server.wire.errors import RateLimitExceeded
from mock_server.wire.paths import RequestKind

if TYPE_CHECKING:
    from mock_server.domain.jobs import JobBackend

__all__ = ["MAX_LATENCY_S", "PENDING_PLACE_S", "WINDOW_S", "Quotas", "RateWindow"]

WINDOW_S = 60.0
MAX_LATENCY_S = 300.0  # the longest a script may delay an answer; a submit holds its place
# A place held this long for a submit that never finished is free again.
PENDING_PLACE_S = MAX_LATENCY_S + 60.0


class RateWindow:
    """Each key's admitted requests over the last minute, in a store."""

    def __init__(self, store: StateStore) -> None:
        self.store = store

    def admit(self, key: str, now: float, limit: int) -> None:
        """Count a request, or refuse it with 429 when the key used up its minute."""
        if limit <= 0:
            return
        retry_in = self.store.admit(key, now, WINDOW_S, limit)
        if retry_in is not None:
            raise RateLimitExceeded(
                f"rate limit exceeded: at most {limit} requests per minute per API key; "
                f"retry in {retry_in:.0f} s"
            )


class Quotas:
    """Both limits of one fake, read from its settings at every request."""

    def __init__(self, backend: JobBackend) -> None:
        self.backend = backend
        self.window = RateWindow(backend.store)

    def admit(self, api_key: str, kind: RequestKind) -> None:
        """Apply the requests-per-minute quota to a submit (and to a poll, if so configured)."""
        settings = self.backend.settings
        if settings.rate_limit_rpm <= 0:
            return
        if kind is RequestKind.SUBMIT or settings.rate_limit_polls:
            self.window.admit(api_key, self.backend.clock.now(), settings.rate_limit_rpm)

    def hold_running_place(self, api_key: str) -> str | None:
        """Hold a running place for a submit (its token), None without a limit, or refuse
        with 429 when the key's jobs still queued or processing fill every place."""
        limit = self.backend.settings.max_running_jobs
        if limit <= 0:
            return None
        token = f"{time.time():.3f}:{uuid.uuid4().hex}"
        store = self.backend.store
        if store.reserve_running(api_key, token, limit):
            return token
        self._free_ended_places(api_key)
        if store.reserve_running(api_key, token, limit):
            return token
        raise RateLimitExceeded(
            f"rate limit exceeded: at most {limit} jobs may be queued or processing at once "
            "per API key"
        )

    def _free_ended_places(self, api_key: str) -> None:
        """Give back the places of jobs that ended (or were forgotten), and of submits that
        never finished."""
        backend = self.backend
        ended = []
        for token, task_id in backend.store.running(api_key).items():
            if not task_id:
                if time.time() - float(token.partition(":")[0]) > PENDING_PLACE_S:
                    ended.append(token)
                continue
            job = backend.store.get(task_id)
            if job is None or backend.snapshot(job).status.terminal:
                ended.append(token)
        backend.store.release_running(api_key, ended)

    def give_place(self, api_key: str, token: str | None, task_id: str) -> None:
        """Hand a held place to the job the submit created."""
        if token is not None:
            self.backend.store.confirm_running(api_key, token, task_id)

    def free_place(self, api_key: str, token: str | None) -> None:
        """Free a place whose submit created no job."""
        if token is not None:
            self.backend.store.release_running(api_key, [token])
