"""Where accepted jobs live: a small interface and a thread-safe in-memory implementation."""

from __future__ import annotations

import dataclasses
import itertools
import threading
from collections.abc import Iterator
from typing import Protocol

from mock_server.domain.jobs import Job

__all__ = ["JobStore", "MemoryStore"]


class JobStore(Protocol):
    """Keeps every accepted job for the life of the process; safe to call from many threads."""

    def next_sequence(self) -> int:
        """Hand out 0, 1, 2... once each, so derived task ids never repeat."""
        ...

    def add(self, job: Job) -> None: ...

    def get(self, task_id: str) -> Job | None: ...

    def record_read(self, task_id: str) -> Job | None:
        """Count one read of the job atomically and return it as updated."""
        ...

    def replace(self, job: Job) -> None:
        """Store a changed version of a job that already exists."""
        ...

    def jobs(self) -> Iterator[Job]: ...

    def clear(self) -> None: ...

    def __len__(self) -> int: ...


class MemoryStore:
    """A dict behind a lock: the zero-setup single-process store."""

    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._sequence = itertools.count()

    def next_sequence(self) -> int:
        with self._lock:
            return next(self._sequence)

    def add(self, job: Job) -> None:
        with self._lock:
            if job.task_id in self._jobs:
                raise KeyError(f"task id {job.task_id} already exists")
            self._jobs[job.task_id] = job

    def get(self, task_id: str) -> Job | None:
        return self._jobs.get(task_id)

    def record_read(self, task_id: str) -> Job | None:
        with self._lock:
            job = self._jobs.get(task_id)
            if job is None:
                return None
            job = dataclasses.replace(job, reads=job.reads + 1)
            self._jobs[task_id] = job
            return job

    def replace(self, job: Job) -> None:
        with self._lock:
            if job.task_id not in self._jobs:
                raise KeyError(f"task id {job.task_id} does not exist")
            self._jobs[job.task_id] = job

    def jobs(self) -> Iterator[Job]:
        with self._lock:
            snapshot = list(self._jobs.values())
        return iter(snapshot)

    def clear(self) -> None:
        with self._lock:
            self._jobs.clear()

    def __len__(self) -> int:
        return len(self._jobs)
