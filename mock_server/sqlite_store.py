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
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from mock_server.clock import VirtualClock
from mock_server.jobs import Job

BUSY_TIMEOUT_S = 30.0
MMAP_BYTES = 256 * 1024 * 1024
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


class SQLiteStore:
    """Keeps jobs in an SQLite file; one connection per thread and per process."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._local = threading.local()
        with _connect(self.path) as connection:
            connection.execute("PRAGMA journal_mode = WAL")
            for statement in SCHEMA:
                connection.execute(statement)
        connection.close()

    def _db(self) -> sqlite3.Connection:
        """This thread's connection, opened anew in a forked child so none is shared."""
        local = self._local
        if getattr(local, "pid", None) != os.getpid():
            local.connection = _connect(self.path)
            local.pid = os.getpid()
        connection: sqlite3.Connection = local.connection
        return connection

    def close(self) -> None:
        """Close this thread's connection, e.g. before forking worker processes."""
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
            del self._local.connection, self._local.pid

    def next_sequence(self) -> int:
        row = (
            self._db()
            .execute(
                "UPDATE counters SET value = value + 1 WHERE name = 'sequence' RETURNING value - 1"
            )
            .fetchone()
        )
        return int(row[0])

    def add(self, job: Job) -> None:
        try:
            self._db().execute(
                "INSERT INTO jobs (task_id, reads, data) VALUES (?, ?, ?)",
                (job.task_id, job.reads, _dump(job)),
            )
        except sqlite3.IntegrityError:
            raise KeyError(f"task id {job.task_id} already exists") from None

    def get(self, task_id: str) -> Job | None:
        row = (
            self._db()
            .execute("SELECT data, reads FROM jobs WHERE task_id = ?", (task_id,))
            .fetchone()
        )
        return None if row is None else _load(row)

    def record_read(self, task_id: str) -> Job | None:
        row = (
            self._db()
            .execute(
                "UPDATE jobs SET reads = reads + 1 WHERE task_id = ? RETURNING data, reads",
                (task_id,),
            )
            .fetchone()
        )
        return None if row is None else _load(row)

    def replace(self, job: Job) -> None:
        cursor = self._db().execute(
            "UPDATE jobs SET reads = ?, data = ? WHERE task_id = ?",
            (job.reads, _dump(job), job.task_id),
        )
        if cursor.rowcount == 0:
            raise KeyError(f"task id {job.task_id} does not exist")

    def jobs(self) -> Iterator[Job]:
        rows = self._db().execute("SELECT data, reads FROM jobs ORDER BY rowid").fetchall()
        return iter([_load(row) for row in rows])

    def clear(self) -> None:
        self._db().execute("DELETE FROM jobs")

    def __len__(self) -> int:
        row = self._db().execute("SELECT count(*) FROM jobs").fetchone()
        return int(row[0])

    def create_counter(self, name: str, start: float) -> None:
        """Create a shared number unless some process already did."""
        self._db().execute("INSERT OR IGNORE INTO counters VALUES (?, ?)", (name, start))

    def counter(self, name: str) -> float:
        """Read a shared number."""
        row = self._db().execute("SELECT value FROM counters WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise KeyError(f"no counter named {name!r}")
        return float(row[0])

    def add_to_counter(self, name: str, amount: float) -> float:
        """Add to a shared number atomically and return its new value."""
        row = (
            self._db()
            .execute(
                "UPDATE counters SET value = value + ? WHERE name = ? RETURNING value",
                (amount, name),
            )
            .fetchone()
        )
        if row is None:
            raise KeyError(f"no counter named {name!r}")
        return float(row[0])


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
    connection = sqlite3.connect(
        path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
    )
    for pragma in PER_CONNECTION_PRAGMAS:
        connection.execute(pragma)
    return connection


def _dump(job: Job) -> bytes:
    return pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL)


def _load(row: tuple[bytes, int]) -> Job:
    job: Job = pickle.loads(row[0])
    return job if job.reads == row[1] else replace(job, reads=row[1])
