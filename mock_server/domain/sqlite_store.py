"""A job store in one SQLite file (WAL mode), shared by every worker process of one fake.

SQLite does the cross-process work: each write is one statement, atomic across processes, so
sequence numbers are handed out once each and no accepted job is lost. Jobs are stored pickled,
so the file is private to the fake: never point it at a file from someone else.
"""

from __future__ import annotations

import os
import pickle
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from mock_server.domain.clock import VirtualClock
from mock_server.domain.jobs import Job

__all__ = ["SQLiteStore", "SharedVirtualClock", "StoreUnavailable"]


BUSY_TIMEOUT_S = 30.0
BUSY_CODES = (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
FIRST_PAUSE_S = 0.00002
LAST_PAUSE_S = 0.001
MMAP_BYTES = 256 * 1024 * 1024
SEQUENCE_BLOCK = 64  # sequence numbers a process reserves with one write
SCHEMA = (
    "CREATE TABLE IF NOT EXISTS jobs (task_id TEXT PRIMARY KEY, reads INTEGER NOT NULL, "
    "data BLOB NOT NULL)",
    "CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value NOT NULL)",
    "INSERT OR IGNORE INTO counters VALUES ('sequence', 0)",
)
PER_CONNECTION_PRAGMAS = (
    "PRAGMA synchronous = OFF",  # a fake's jobs need no durability across power loss
    "PRAGMA temp_store = MEMORY",
    f"PRAGMA mmap_size = {MMAP_BYTES}",
)


_RESERVE = "UPDATE counters SET value = value + ? WHERE name = 'sequence' RETURNING value"


class StoreUnavailable(Exception):
    """The store file cannot be opened or created."""


class SQLiteStore:
    """Keeps jobs in an SQLite file; one connection per thread and per process."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._local = threading.local()
        self._sequence_lock = threading.Lock()
        self._block = (-1, 0, 0)  # (owning pid, next number, end of the reserved block)
        try:
            self._run("PRAGMA journal_mode = WAL")
            for statement in SCHEMA:
                self._run(statement)
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"cannot use {self.path} as the job store: {exc}") from None

    def _db(self) -> sqlite3.Connection:
        """This thread's connection, opened anew in a forked child so none is shared."""
        local = self._local
        if getattr(local, "pid", None) != os.getpid():
            local.connection = _connect(self.path)
            local.pid = os.getpid()
        connection: sqlite3.Connection = local.connection
        return connection

    def _run(self, sql: str, args: tuple[Any, ...] = ()) -> list[Any]:
        """Run one statement as its own transaction, retrying while another writer holds the
        lock: SQLite's own busy handler sleeps a whole millisecond or more between tries."""
        db = self._db()
        pause, deadline = FIRST_PAUSE_S, time.monotonic() + BUSY_TIMEOUT_S
        while True:
            try:
                return db.execute(sql, args).fetchall()
            except sqlite3.OperationalError as exc:
                if exc.sqlite_errorcode & 0xFF not in BUSY_CODES or time.monotonic() > deadline:
                    raise
            time.sleep(pause)
            pause = min(pause * 2, LAST_PAUSE_S)

    def close(self) -> None:
        """Close this thread's connection, e.g. before forking worker processes."""
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
            del self._local.connection, self._local.pid

    def next_sequence(self) -> int:
        """Hand out numbers from a block this process reserved, reserving the next when spent.

        One write per block instead of per submit; numbers stay unique across processes (a
        block is never shared) and in order within one process.
        """
        with self._sequence_lock:
            pid, number, end = self._block
            if pid != os.getpid() or number == end:
                end = int(self._run(_RESERVE, (SEQUENCE_BLOCK,))[0][0])
                pid, number = os.getpid(), end - SEQUENCE_BLOCK
            self._block = (pid, number + 1, end)
            return number

    def add(self, job: Job) -> None:
        try:
            self._run(
                "INSERT INTO jobs (task_id, reads, data) VALUES (?, ?, ?)",
                (job.task_id, job.reads, _dump(job)),
            )
        except sqlite3.IntegrityError:
            raise KeyError(f"task id {job.task_id} already exists") from None

    def get(self, task_id: str) -> Job | None:
        rows = self._run("SELECT data, reads FROM jobs WHERE task_id = ?", (task_id,))
        return _load(*rows[0]) if rows else None

    def record_read(self, task_id: str) -> Job | None:
        rows = self._run(
            "UPDATE jobs SET reads = reads + 1 WHERE task_id = ? RETURNING data, reads", (task_id,)
        )
        return _load(*rows[0]) if rows else None

    def replace(self, job: Job) -> None:
        rows = self._run(
            "UPDATE jobs SET reads = ?, data = ? WHERE task_id = ? RETURNING 1",
            (job.reads, _dump(job), job.task_id),
        )
        if not rows:
            raise KeyError(f"task id {job.task_id} does not exist")

    def jobs(self) -> Iterator[Job]:
        rows = self._run("SELECT data, reads FROM jobs ORDER BY rowid")
        return iter([_load(*row) for row in rows])

    def clear(self) -> None:
        self._run("DELETE FROM jobs")

    def __len__(self) -> int:
        return int(self._run("SELECT count(*) FROM jobs")[0][0])

    def create_counter(self, name: str, start: float) -> None:
        """Create a shared number unless some process already did."""
        self._run("INSERT OR IGNORE INTO counters VALUES (?, ?)", (name, start))

    def counter(self, name: str) -> float:
        """Read a shared number."""
        rows = self._run("SELECT value FROM counters WHERE name = ?", (name,))
        if not rows:
            raise KeyError(f"no counter named {name!r}")
        return float(rows[0][0])

    def add_to_counter(self, name: str, amount: float) -> float:
        """Add to a shared number atomically and return its new value."""
        rows = self._run(
            "UPDATE counters SET value = value + ? WHERE name = ? RETURNING value", (amount, name)
        )
        if not rows:
            raise KeyError(f"no counter named {name!r}")
        return float(rows[0][0])


class SharedVirtualClock(VirtualClock):
    """A virtual clock whose time lives in the store, so an advance through one worker is seen
    by all."""

    COUNTER = "virtual_clock"

    def __init__(self, store: SQLiteStore, start: float | None = None) -> None:
        super().__init__(start)
        self._store = store
        store.create_counter(self.COUNTER, self._now)

    def now(self) -> float:
        return self._store.counter(self.COUNTER)

    def advance(self, seconds: float) -> float:
        if not seconds >= 0:
            raise ValueError(f"the clock only moves forward; got {seconds!r} seconds")
        return self._store.add_to_counter(self.COUNTER, seconds)


def _connect(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, timeout=0, isolation_level=None, check_same_thread=False)
    for pragma in PER_CONNECTION_PRAGMAS:
        connection.execute(pragma)
    return connection


def _dump(job: Job) -> bytes:
    return pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL)


def _load(data: bytes, reads: int) -> Job:
    job: Job = pickle.loads(data)
    if job.reads != reads:
        object.__setattr__(job, "reads", reads)  # a fresh copy nobody else holds yet
    return job
