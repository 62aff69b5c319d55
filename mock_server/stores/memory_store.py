"""The zero-setup store: every piece of state in this process's memory, behind one lock."""

from __future__ import annotations

import bisect
import dataclasses
import itertools
import threading
from collections import defaultdict, deque
from collections.abc import Iterator

from mock_server.domain.jobs import Job
from mock_server.domain.store import Document, Glance, TaskFaults

__all__ = ["MemoryStore"]


@dataclasses.dataclass
class _Queued:
    script: Document
    remaining: int


@dataclasses.dataclass
class _Faults:
    fail_polls: set[int] = dataclasses.field(default_factory=set)
    latency: float = 0.0


class MemoryStore:
    """A store for one process: dicts and deques behind a lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sequence = itertools.count()
        self._claimed: dict[str, str] = {}
        self._counters: defaultdict[str, float] = defaultdict(float)
        self._settings: tuple[int, dict[str, str]] = (0, {})
        self._forget()

    def _forget(self) -> None:
        self._jobs: dict[str, tuple[int, Job]] = {}
        self._positions = itertools.count(1)
        self._order: list[tuple[int, str]] = []  # (position, task id), in submission order
        self._running: defaultdict[str, dict[str, str]] = defaultdict(dict)
        self._windows: defaultdict[str, deque[float]] = defaultdict(deque)
        self._scripts: deque[_Queued] = deque()
        self._faults: dict[str, _Faults] = {}
        self._polls: defaultdict[str, int] = defaultdict(int)
        self._journal: deque[tuple[int, float, str, Document]] = deque()
        self._journalled = 0

    # Shared values -------------------------------------------------------------------------

    def claim(self, name: str, value: str) -> str:
        with self._lock:
            return self._claimed.setdefault(name, value)

    def counter(self, name: str) -> float:
        return self._counters.get(name, 0.0)

    def add_to_counter(self, name: str, amount: float) -> float:
        with self._lock:
            self._counters[name] += amount
            return self._counters[name]

    def reset_counter(self, name: str) -> None:
        with self._lock:
            self._counters.pop(name, None)

    # Jobs ----------------------------------------------------------------------------------

    def next_sequence(self) -> int:
        with self._lock:
            return next(self._sequence)

    def add(self, job: Job) -> None:
        with self._lock:
            if job.task_id in self._jobs:
                raise KeyError(f"task id {job.task_id} already exists")
            position = next(self._positions)
            self._jobs[job.task_id] = (position, job)
            self._order.append((position, job.task_id))

    def get(self, task_id: str) -> Job | None:
        found = self._jobs.get(task_id)
        return None if found is None else found[1]

    def record_read(self, task_id: str) -> Job | None:
        with self._lock:
            found = self._jobs.get(task_id)
            if found is None:
                return None
            position, job = found
            job = dataclasses.replace(job, reads=job.reads + 1)
            self._jobs[task_id] = (position, job)
            return job

    def replace(self, job: Job) -> None:
        with self._lock:
            found = self._jobs.get(job.task_id)
            if found is None:
                raise KeyError(f"task id {job.task_id} does not exist")
            position, stored = found
            self._jobs[job.task_id] = (position, dataclasses.replace(job, reads=stored.reads))

    def jobs(self) -> Iterator[Job]:
        with self._lock:
            listed = [job for _, job in self._jobs.values()]
        return iter(listed)

    def newest(self, limit: int, before: int | None = None) -> list[tuple[int, Job]]:
        """Find where the page ends by bisecting the submission order, then read only its jobs."""
        with self._lock:
            end = len(self._order)
            if before is not None:
                end = bisect.bisect_left(self._order, before, key=lambda placed: placed[0])
            page = self._order[max(0, end - limit) : end]
            return [(position, self._jobs[task_id][1]) for position, task_id in reversed(page)]

    def __len__(self) -> int:
        return len(self._jobs)

    # Running jobs --------------------------------------------------------------------------

    def reserve_running(self, api_key: str, token: str, limit: int) -> bool:
        with self._lock:
            places = self._running[api_key]
            if len(places) >= limit:
                return False
            places[token] = ""
            return True

    def confirm_running(self, api_key: str, token: str, task_id: str) -> None:
        with self._lock:
            places = self._running[api_key]
            if token in places:
                places[token] = task_id

    def release_running(self, api_key: str, tokens: list[str]) -> None:
        with self._lock:
            places = self._running[api_key]
            for token in tokens:
                places.pop(token, None)

    def running(self, api_key: str) -> dict[str, str]:
        with self._lock:
            return dict(self._running.get(api_key, {}))

    # Requests per minute -------------------------------------------------------------------

    def admit(self, key: str, now: float, window: float, limit: int) -> float | None:
        with self._lock:
            times = self._windows[key]
            while times and times[0] <= now - window:
                times.popleft()
            if len(times) >= limit:
                return times[0] + window - now
            times.append(now)
            return None

    # Scripts and poll counts -----------------------------------------------------------------

    def push_scripts(self, script: Document, count: int) -> None:
        with self._lock:
            self._scripts.append(_Queued(script, count))

    def pop_script(self) -> Document | None:
        with self._lock:
            if not self._scripts:
                return None
            head = self._scripts[0]
            head.remaining -= 1
            if head.remaining == 0:
                self._scripts.popleft()
            return head.script

    def queued_scripts(self) -> list[Document]:
        with self._lock:
            return [queued.script for queued in self._scripts for _ in range(queued.remaining)]

    def attach_task_faults(self, task_id: str, fail_poll: int | None, latency: float) -> None:
        with self._lock:
            faults = self._faults.setdefault(task_id, _Faults())
            if fail_poll is not None:
                faults.fail_polls.add(self._polls[task_id] + fail_poll)
            faults.latency = latency or faults.latency

    def has_task_faults(self, task_id: str) -> bool:
        return task_id in self._faults

    def count_poll(self, task_id: str) -> tuple[int, bool, float]:
        with self._lock:
            self._polls[task_id] += 1
            number = self._polls[task_id]
            faults = self._faults.get(task_id)
        if faults is None:
            return number, False, 0.0
        return number, number in faults.fail_polls, faults.latency

    def task_faults(self) -> dict[str, TaskFaults]:
        with self._lock:
            return {
                task_id: (tuple(sorted(faults.fail_polls)), faults.latency)
                for task_id, faults in self._faults.items()
            }

    # The journal ---------------------------------------------------------------------------

    def append_entry(self, entry: Document, time: float, task_id: str, keep: int) -> int:
        with self._lock:
            self._journalled += 1
            index = self._journalled
            if keep > 0:
                self._journal.append((index, time, task_id, entry))
            while len(self._journal) > keep:
                self._journal.popleft()
            return index

    def entries(self, after: int = 0, limit: int | None = None) -> list[tuple[int, Document]]:
        with self._lock:
            found = [(index, entry) for index, _, _, entry in self._journal if index > after]
        return found if limit is None else found[:limit]

    def last_entry_index(self) -> int:
        with self._lock:
            return self._journal[-1][0] if self._journal else 0

    def clear_journal(self) -> None:
        with self._lock:
            self._journal.clear()
            self._journalled = 0

    # Settings ------------------------------------------------------------------------------

    def glance(self) -> Glance:
        return Glance(self._settings[0], bool(self._scripts), bool(self._faults))

    def read_settings(self) -> tuple[int, dict[str, str]]:
        version, overrides = self._settings
        return version, dict(overrides)

    def update_settings(self, changes: dict[str, str | None]) -> int:
        with self._lock:
            version, overrides = self._settings
            self._settings = (version + 1, _merged(overrides, changes))
            return version + 1

    # Forgetting ----------------------------------------------------------------------------

    def drop_before(self, cutoff: float) -> int:
        with self._lock:
            old = {tid for tid, (_, job) in self._jobs.items() if job.submitted_at < cutoff}
            for task_id in old:
                del self._jobs[task_id]
                self._faults.pop(task_id, None)
                self._polls.pop(task_id, None)
            self._order = [(position, tid) for position, tid in self._order if tid not in old]
            kept = [item for item in self._journal if item[1] >= cutoff and item[2] not in old]
            self._journal = deque(kept)
            for places in self._running.values():
                for token in [token for token, tid in places.items() if tid in old]:
                    del places[token]
            return len(old)

    def clear(self) -> None:
        with self._lock:
            self._forget()
            self._settings = (self._settings[0] + 1, {})

    def close(self) -> None:
        pass


def _merged(overrides: dict[str, str], changes: dict[str, str | None]) -> dict[str, str]:
    merged = {**overrides, **changes}
    return {name: text for name, text in merged.items() if text is not None}
