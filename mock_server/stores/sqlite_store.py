"""A store in one SQLite file (WAL mode), shared by every process of one fake on one host.

SQLite does the cross-process work: each method is one statement or one `BEGIN IMMEDIATE`
transaction, atomic across processes, so sequence numbers are handed out once each, no accepted
job is lost and no two processes take the same queued script. Values are stored as JSON.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from mock_server.domain.jobs import Job
from mock_server.domain.store import Document, Glance, StoreUnavailable, TaskFaults
from mock_server.stores import json_codec

__all__ = ["SQLiteStore"]

BUSY_TIMEOUT_S = 30.0
BUSY_CODES = (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
FIRST_PAUSE_S = 0.00002
LAST_PAUSE_S = 0.001
MMAP_BYTES = 256 * 1024 * 1024
SEQUENCE_BLOCK = 64  # sequence numbers a process reserves with one write
SETTINGS_VERSION = "settings_version"
JOURNAL_FLOOR = "journal_floor"  # numbers at or below it were handed out before, never again
TRIM_EVERY = 64
# The file's `PRAGMA user_version`: the layout of SCHEMA. A file written in another layout is
# refused with a clear message rather than failing request by request.
LAYOUT = 2
SCHEMA = (
    "CREATE TABLE IF NOT EXISTS claimed (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value NOT NULL)",
    "INSERT OR IGNORE INTO counters VALUES ('sequence', 0)",
    f"INSERT OR IGNORE INTO counters VALUES ('{SETTINGS_VERSION}', 0)",
    "CREATE TABLE IF NOT EXISTS jobs (task_id TEXT PRIMARY KEY, reads INTEGER NOT NULL, "
    "submitted_at REAL NOT NULL, data TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS running (api_key TEXT, token TEXT, task_id TEXT NOT NULL, "
    "PRIMARY KEY (api_key, token))",
    "CREATE TABLE IF NOT EXISTS windows (key TEXT NOT NULL, at REAL NOT NULL)",
    "CREATE INDEX IF NOT EXISTS windows_by_key ON windows (key, at)",
    "CREATE TABLE IF NOT EXISTS scripts (id INTEGER PRIMARY KEY AUTOINCREMENT, "
    "data TEXT NOT NULL, remaining INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS polls (task_id TEXT PRIMARY KEY, count INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS task_faults (task_id TEXT PRIMARY KEY, latency REAL NOT NULL)",
    "CREATE TABLE IF NOT EXISTS fail_polls (task_id TEXT, poll INTEGER, "
    "PRIMARY KEY (task_id, poll))",
    "CREATE TABLE IF NOT EXISTS journal (idx INTEGER PRIMARY KEY, "
    "time REAL NOT NULL, task_id TEXT NOT NULL, keep INTEGER NOT NULL, data TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS documents (name TEXT PRIMARY KEY, data TEXT NOT NULL)",
    f"INSERT OR IGNORE INTO counters VALUES ('{JOURNAL_FLOOR}', 0)",
    # Each entry carries the bound in force when it was journalled. Trim the journal by the
    # newest entry's bound within the appending statement, every 64 entries: one write per
    # journalled request, and rarely a second page. Reads apply that bound exactly. The floor
    # rises first, so that numbering goes on even when the trim leaves no entry behind.
    "CREATE TRIGGER IF NOT EXISTS journal_bound AFTER INSERT ON journal "
    f"WHEN NEW.idx % {TRIM_EVERY} = 0 BEGIN "
    f"UPDATE counters SET value = max(value, NEW.idx) WHERE name = '{JOURNAL_FLOOR}'; "
    "DELETE FROM journal WHERE idx <= NEW.idx - NEW.keep; END",
)
PER_CONNECTION = (
    "PRAGMA synchronous = OFF",  # a fake's state needs no durability across power loss
    "PRAGMA temp_store = MEMORY",
    f"PRAGMA mmap_size = {MMAP_BYTES}",
    "CREATE TEMP TABLE dropping (task_id TEXT PRIMARY KEY)",  # the jobs a sweep forgets
)
FORGOTTEN_ON_CLEAR = (
    *("jobs", "running", "windows", "scripts", "polls", "task_faults", "fail_polls"),
    *("documents", "journal"),
)

_LAST = "(SELECT coalesce(max(idx), 0) FROM journal)"
_NEWEST = "FROM journal ORDER BY idx DESC LIMIT 1"  # the newest entry's row
_APPEND = (
    f"INSERT INTO journal (idx, time, task_id, keep, data) VALUES (max({_LAST}, "
    f"(SELECT value FROM counters WHERE name = '{JOURNAL_FLOOR}')) + 1, ?, ?, ?, ?) RETURNING idx"
)
_GLANCE = (
    f"SELECT (SELECT value FROM counters WHERE name = '{SETTINGS_VERSION}'), "
    "EXISTS (SELECT 1 FROM scripts), EXISTS (SELECT 1 FROM task_faults)"
)
_RESERVE = "UPDATE counters SET value = value + ? WHERE name = 'sequence' RETURNING value"
_ADD = "UPDATE counters SET value = value + ? WHERE name = ? RETURNING value"
_SET = "UPDATE counters SET value = ? WHERE name = ?"

T = TypeVar("T")


class SQLiteStore:
    """Keeps a fake's state in an SQLite file; one connection per thread and per process."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._local = threading.local()
        self._sequence_lock = threading.Lock()
        self._block = (-1, 0, 0)  # (owning pid, next number, end of the reserved block)
        try:
            self._run("PRAGMA journal_mode = WAL")
            with self._transaction() as db:
                (layout,) = db.execute("PRAGMA user_version").fetchone()
                (tables,) = db.execute("SELECT count(*) FROM sqlite_master").fetchone()
                if layout != LAYOUT and (layout or tables):
                    raise StoreUnavailable(
                        f"cannot use {self.path} as the store: it holds state in another "
                        f"layout (version {layout}, this vidu-mock writes {LAYOUT}); delete it "
                        "or choose another path"
                    )
                for statement in SCHEMA:
                    db.execute(statement)
                db.execute(f"PRAGMA user_version = {LAYOUT}")
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"cannot use {self.path} as the store: {exc}") from None

    def __repr__(self) -> str:
        return f"SQLiteStore({str(self.path)!r})"

    # Connections and transactions ------------------------------------------------------------

    def _db(self) -> sqlite3.Connection:
        """This thread's connection, opened anew in a forked child so none is shared."""
        local = self._local
        if getattr(local, "pid", None) != os.getpid():
            local.connection = _connect(self.path)
            local.pid = os.getpid()
        connection: sqlite3.Connection = local.connection
        return connection

    def _run(self, sql: str, args: tuple[Any, ...] = ()) -> list[Any]:
        """Run one statement as its own transaction."""
        db = self._db()
        return _retrying(lambda: db.execute(sql, args).fetchall())

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """Hold the write lock for several statements; commit them together or not at all."""
        db = self._db()
        _retrying(lambda: db.execute("BEGIN IMMEDIATE"))
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def close(self) -> None:
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
            del self._local.connection, self._local.pid

    # Shared values -------------------------------------------------------------------------

    def claim(self, name: str, value: str) -> str:
        self._run("INSERT OR IGNORE INTO claimed VALUES (?, ?)", (name, value))
        return str(self._run("SELECT value FROM claimed WHERE name = ?", (name,))[0][0])

    def counter(self, name: str) -> float:
        rows = self._run("SELECT value FROM counters WHERE name = ?", (name,))
        return float(rows[0][0]) if rows else 0.0

    def add_to_counter(self, name: str, amount: float) -> float:
        rows = self._run(_ADD, (amount, name))
        if not rows:
            self._run("INSERT OR IGNORE INTO counters VALUES (?, 0)", (name,))
            rows = self._run(_ADD, (amount, name))
        return float(rows[0][0])

    def reset_counter(self, name: str) -> None:
        self._run("DELETE FROM counters WHERE name = ?", (name,))

    # Jobs ----------------------------------------------------------------------------------

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
                "INSERT INTO jobs (task_id, reads, submitted_at, data) VALUES (?, ?, ?, ?)",
                (job.task_id, job.reads, job.submitted_at, json_codec.dump_job(job)),
            )
        except sqlite3.IntegrityError:
            raise KeyError(f"task id {job.task_id} already exists") from None

    def get(self, task_id: str) -> Job | None:
        rows = self._run("SELECT data, reads FROM jobs WHERE task_id = ?", (task_id,))
        return json_codec.load_job(*rows[0]) if rows else None

    def record_read(self, task_id: str) -> Job | None:
        rows = self._run(
            "UPDATE jobs SET reads = reads + 1 WHERE task_id = ? RETURNING data, reads", (task_id,)
        )
        return json_codec.load_job(*rows[0]) if rows else None

    def replace(self, job: Job) -> None:
        rows = self._run(
            "UPDATE jobs SET submitted_at = ?, data = ? WHERE task_id = ? RETURNING 1",
            (job.submitted_at, json_codec.dump_job(job), job.task_id),
        )
        if not rows:
            raise KeyError(f"task id {job.task_id} does not exist")

    def jobs(self) -> Iterator[Job]:
        rows = self._run("SELECT data, reads FROM jobs ORDER BY rowid")
        return iter([json_codec.load_job(*row) for row in rows])

    def newest(self, limit: int, before: int | None = None) -> list[tuple[int, Job]]:
        rows = self._run(
            "SELECT rowid, data, reads FROM jobs WHERE rowid < ? ORDER BY rowid DESC LIMIT ?",
            (2**62 if before is None else before, limit),
        )
        return [(int(position), json_codec.load_job(data, reads)) for position, data, reads in rows]

    def __len__(self) -> int:
        return int(self._run("SELECT count(*) FROM jobs")[0][0])

    # Running jobs --------------------------------------------------------------------------

    def reserve_running(self, api_key: str, token: str, limit: int) -> bool:
        rows = self._run(
            "INSERT INTO running (api_key, token, task_id) SELECT ?, ?, '' "
            "WHERE (SELECT count(*) FROM running WHERE api_key = ?) < ? RETURNING 1",
            (api_key, token, api_key, limit),
        )
        return bool(rows)

    def confirm_running(self, api_key: str, token: str, task_id: str) -> None:
        self._run(
            "UPDATE running SET task_id = ? WHERE api_key = ? AND token = ?",
            (task_id, api_key, token),
        )

    def release_running(self, api_key: str, tokens: list[str]) -> None:
        with self._transaction() as db:
            db.executemany(
                "DELETE FROM running WHERE api_key = ? AND token = ?",
                [(api_key, token) for token in tokens],
            )

    def running(self, api_key: str) -> dict[str, str]:
        rows = self._run("SELECT token, task_id FROM running WHERE api_key = ?", (api_key,))
        return {str(token): str(task_id) for token, task_id in rows}

    # Requests per minute -------------------------------------------------------------------

    def admit(self, key: str, now: float, window: float, limit: int) -> float | None:
        with self._transaction() as db:
            db.execute("DELETE FROM windows WHERE key = ? AND at <= ?", (key, now - window))
            count, oldest = db.execute(
                "SELECT count(*), min(at) FROM windows WHERE key = ?", (key,)
            ).fetchone()
            if count >= limit:
                return float(oldest) + window - now
            db.execute("INSERT INTO windows VALUES (?, ?)", (key, now))
            return None

    # Scripts and poll counts -----------------------------------------------------------------

    def push_scripts(self, script: Document, count: int) -> None:
        self._run(
            "INSERT INTO scripts (data, remaining) VALUES (?, ?)", (json_codec.dumps(script), count)
        )

    def pop_script(self) -> Document | None:
        if not self._run("SELECT 1 FROM scripts LIMIT 1"):
            return None  # the common case, answered without taking the write lock
        with self._transaction() as db:
            row = db.execute(
                "UPDATE scripts SET remaining = remaining - 1 WHERE id = "
                "(SELECT min(id) FROM scripts) RETURNING data, remaining"
            ).fetchone()
            if row is None:
                return None
            if row[1] == 0:
                db.execute("DELETE FROM scripts WHERE remaining <= 0")
            script: Document = json_codec.loads(row[0])
            return script

    def queued_scripts(self) -> list[Document]:
        rows = self._run("SELECT data, remaining FROM scripts ORDER BY id")
        return [json_codec.loads(data) for data, remaining in rows for _ in range(remaining)]

    def attach_task_faults(self, task_id: str, fail_poll: int | None, latency: float) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT INTO task_faults VALUES (?, ?) ON CONFLICT (task_id) DO UPDATE "
                "SET latency = CASE WHEN excluded.latency > 0 THEN excluded.latency "
                "ELSE latency END",
                (task_id, latency),
            )
            if fail_poll is not None:
                row = db.execute("SELECT count FROM polls WHERE task_id = ?", (task_id,)).fetchone()
                polled = row[0] if row else 0
                db.execute(
                    "INSERT OR IGNORE INTO fail_polls VALUES (?, ?)", (task_id, polled + fail_poll)
                )

    def has_task_faults(self, task_id: str) -> bool:
        return bool(self._run("SELECT 1 FROM task_faults WHERE task_id = ?", (task_id,)))

    def count_poll(self, task_id: str) -> tuple[int, bool, float]:
        (number,) = self._run(
            "INSERT INTO polls VALUES (?, 1) ON CONFLICT (task_id) DO UPDATE "
            "SET count = count + 1 RETURNING count",
            (task_id,),
        )[0]
        faults = self._run(
            "SELECT latency, EXISTS (SELECT 1 FROM fail_polls WHERE task_id = ? AND poll = ?) "
            "FROM task_faults WHERE task_id = ?",
            (task_id, number, task_id),
        )
        if not faults:
            return int(number), False, 0.0
        latency, fails = faults[0]
        return int(number), bool(fails), float(latency)

    def task_faults(self) -> dict[str, TaskFaults]:
        found: dict[str, TaskFaults] = {}
        for task_id, latency in self._run("SELECT task_id, latency FROM task_faults"):
            polls = self._run(
                "SELECT poll FROM fail_polls WHERE task_id = ? ORDER BY poll", (task_id,)
            )
            found[str(task_id)] = (tuple(int(poll) for (poll,) in polls), float(latency))
        return found

    # The journal ---------------------------------------------------------------------------

    def append_entry(self, entry: Document, time: float, task_id: str, keep: int) -> int:
        (index,) = self._run(_APPEND, (time, task_id, keep, json_codec.dumps(entry)))[0]
        return int(index)

    def entries(self, after: int = 0, limit: int | None = None) -> list[tuple[int, Document]]:
        rows = self._run(
            f"SELECT idx, data FROM journal WHERE idx > max(?, (SELECT idx - keep {_NEWEST})) "
            "ORDER BY idx LIMIT ?",
            (after, -1 if limit is None else limit),
        )
        return [(int(index), json_codec.loads(data)) for index, data in rows]

    def last_entry_index(self) -> int:
        rows = self._run(f"SELECT CASE WHEN keep > 0 THEN idx ELSE 0 END {_NEWEST}")
        return int(rows[0][0]) if rows else 0

    def clear_journal(self) -> None:
        with self._transaction() as db:
            db.execute("DELETE FROM journal")
            db.execute(_SET, (0, JOURNAL_FLOOR))

    # Settings ------------------------------------------------------------------------------

    def glance(self) -> Glance:
        version, scripts, faults = self._run(_GLANCE)[0]
        return Glance(int(version), bool(scripts), bool(faults))

    def read_settings(self) -> tuple[int, dict[str, str]]:
        with self._transaction() as db:
            version = db.execute(
                "SELECT value FROM counters WHERE name = ?", (SETTINGS_VERSION,)
            ).fetchone()[0]
            row = db.execute("SELECT data FROM documents WHERE name = 'settings'").fetchone()
        overrides: dict[str, str] = json_codec.loads(row[0]) if row else {}
        return int(version), overrides

    def update_settings(self, changes: dict[str, str | None]) -> int:
        with self._transaction() as db:
            row = db.execute("SELECT data FROM documents WHERE name = 'settings'").fetchone()
            merged = {**(json_codec.loads(row[0]) if row else {}), **changes}
            kept = {name: text for name, text in merged.items() if text is not None}
            db.execute(
                "INSERT OR REPLACE INTO documents VALUES ('settings', ?)", (json_codec.dumps(kept),)
            )
            (version,) = db.execute(_ADD, (1, SETTINGS_VERSION)).fetchone()
            return int(version)

    # Forgetting ----------------------------------------------------------------------------

    def drop_before(self, cutoff: float) -> int:
        dropping = "SELECT task_id FROM temp.dropping"
        with self._transaction() as db:
            db.execute("DELETE FROM temp.dropping")
            db.execute(
                "INSERT INTO temp.dropping SELECT task_id FROM jobs WHERE submitted_at < ?",
                (cutoff,),
            )
            db.execute(
                f"UPDATE counters SET value = max(value, {_LAST}) WHERE name = ?", (JOURNAL_FLOOR,)
            )
            db.execute(f"DELETE FROM journal WHERE time < ? OR task_id IN ({dropping})", (cutoff,))
            for table in ("polls", "task_faults", "fail_polls", "running", "jobs"):
                db.execute(f"DELETE FROM {table} WHERE task_id IN ({dropping})")
            return int(db.execute("SELECT count(*) FROM temp.dropping").fetchone()[0])

    def clear(self) -> None:
        with self._transaction() as db:
            for table in FORGOTTEN_ON_CLEAR:
                db.execute(f"DELETE FROM {table}")
            db.execute(_SET, (0, JOURNAL_FLOOR))
            db.execute(_ADD, (1, SETTINGS_VERSION))


def _retrying(statement: Callable[[], T]) -> T:
    """Retry while another writer holds the lock: SQLite's own busy handler sleeps a whole
    millisecond or more between tries."""
    pause, deadline = FIRST_PAUSE_S, time.monotonic() + BUSY_TIMEOUT_S
    while True:
        try:
            return statement()
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorcode & 0xFF not in BUSY_CODES or time.monotonic() > deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, LAST_PAUSE_S)


def _connect(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, timeout=0, isolation_level=None, check_same_thread=False)
    for pragma in PER_CONNECTION:
        _retrying(functools.partial(connection.execute, pragma))  # another writer may hold a lock
    return connection
