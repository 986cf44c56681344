"""The state shared by the workers of `--workers N` on one machine: SQLite plus one mapped page.

SQLite in WAL mode (a file in a private temp directory the parent creates and removes) holds
values, counters, sessions, the journal and the shared logs; it serialises writers across
processes and lets readers run beside them. The version lives in a separate 8-byte memory-mapped
file, so the per-request check is one memory read instead of a query; it is incremented under
`flock` after the change it announces is committed, so whoever sees the new number reads the new
state.
"""

from __future__ import annotations

import fcntl
import mmap
import os
import sqlite3
import struct
import time
from pathlib import Path
from typing import Any

import orjson

from recmock.state.interface import DEFAULT_SESSION, JOURNAL_SIZE, MAX_SESSIONS, JournalEntry
from recmock.state.shared import SharedState, store_call

SCHEMA = """
CREATE TABLE IF NOT EXISTS vals (session TEXT, key TEXT, value TEXT, PRIMARY KEY (session, key));
CREATE TABLE IF NOT EXISTS counters (session TEXT, key TEXT, n INTEGER,
                                     PRIMARY KEY (session, key));
CREATE TABLE IF NOT EXISTS journal (id INTEGER PRIMARY KEY AUTOINCREMENT, session TEXT,
                                    entry BLOB);
CREATE INDEX IF NOT EXISTS journal_by_session ON journal (session, id);
CREATE TABLE IF NOT EXISTS sessions (name TEXT PRIMARY KEY, used REAL);
CREATE TABLE IF NOT EXISTS logs (name TEXT, pos INTEGER, item BLOB, PRIMARY KEY (name, pos));
"""
VERSION_FILE = "version"
DATABASE = "state.db"


def create(directory: Path) -> str:
    """Lay out a fresh store in `directory` (the parent does this once) and return its URL."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    (directory / VERSION_FILE).write_bytes(bytes(8))
    with sqlite3.connect(directory / DATABASE) as db:
        db.execute("PRAGMA journal_mode=WAL")
        db.executescript(SCHEMA)
    return f"sqlite:{directory}"


class LocalState(SharedState):
    """`State` in a SQLite file shared by processes on this machine (see the module docstring)."""

    def __init__(self, directory: Path, max_sessions: int = MAX_SESSIONS) -> None:
        super().__init__(max_sessions)
        self.errors, self.name = (sqlite3.Error, OSError), str(directory)
        if not (directory / VERSION_FILE).is_file():
            create(directory)
        self._version_fd = os.open(directory / VERSION_FILE, os.O_RDWR)
        self._page = mmap.mmap(self._version_fd, 8)
        self._db = sqlite3.connect(directory / DATABASE, timeout=10, isolation_level=None,
                                   check_same_thread=False)  # fmt: skip
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=OFF")  # a scratch file: speed over durability
        self._db.executescript(SCHEMA)

    def version(self) -> int:
        return int(struct.unpack_from("<Q", self._page)[0])

    def _bump(self) -> None:
        fcntl.flock(self._version_fd, fcntl.LOCK_EX)
        try:
            struct.pack_into("<Q", self._page, 0, self.version() + 1)
        finally:
            fcntl.flock(self._version_fd, fcntl.LOCK_UN)

    def _touch(self, session: str) -> None:
        self._db.execute(
            "INSERT INTO sessions VALUES (?, ?) "
            "ON CONFLICT (name) DO UPDATE SET used = excluded.used",
            (session, time.time()),
        )
        (count,) = self._db.execute("SELECT COUNT(*) FROM sessions").fetchone()
        if count <= self.max_sessions:
            return
        stale = [name for (name,) in self._db.execute(
            "SELECT name FROM sessions WHERE name != ? ORDER BY used LIMIT ?",
            (DEFAULT_SESSION, count - self.max_sessions),
        )]  # fmt: skip
        for name in stale:
            self._forget(name)

    def _forget(self, session: str) -> None:
        for table, column in (("vals", "session"), ("counters", "session"),
                              ("journal", "session"), ("sessions", "name")):  # fmt: skip
            self._db.execute(f"DELETE FROM {table} WHERE {column} = ?", (session,))

    def _read(self, session: str, key: str) -> Any:
        row = self._db.execute(
            "SELECT value FROM vals WHERE session = ? AND key = ?", (session, key)
        ).fetchone()
        return None if row is None else orjson.loads(row[0])

    def _write(self, session: str, key: str, value: Any) -> None:
        with self._db:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.execute(
                "INSERT OR REPLACE INTO vals VALUES (?, ?, ?)", (session, key, orjson.dumps(value))
            )
            self._touch(session)
        self._bump()

    @store_call
    def count(self, session: str, key: str) -> int:
        with self._lock, self._db:
            self._db.execute("BEGIN IMMEDIATE")
            (n,) = self._db.execute(
                "INSERT INTO counters VALUES (?, ?, 1) ON CONFLICT (session, key) "
                "DO UPDATE SET n = n + 1 RETURNING n",
                (session, key),
            ).fetchone()
            self._touch(session)
        return int(n) - 1

    @store_call
    def append(self, name: str, item: Any) -> int:
        with self._lock, self._db:
            self._db.execute("BEGIN IMMEDIATE")  # writers in turn: positions are never shared
            (last,) = self._db.execute(
                "SELECT COALESCE(MAX(pos), 0) FROM logs WHERE name = ?", (name,)
            ).fetchone()  # the newest entry is always kept, so a position is never reused
            position = int(last) + 1
            self._db.execute(
                "INSERT INTO logs VALUES (?, ?, ?)", (name, position, orjson.dumps(item))
            )
            self._db.execute(
                "DELETE FROM logs WHERE name = ? AND pos <= ?", (name, position - self.log_size)
            )
        return position

    @store_call
    def log(self, name: str, after: int = 0) -> list[tuple[int, Any]]:
        with self._lock:
            rows = self._db.execute(
                "SELECT pos, item FROM logs WHERE name = ? AND pos > ? ORDER BY pos",
                (name, after),
            ).fetchall()
        return [(int(position), orjson.loads(raw)) for position, raw in rows]

    def _append(self, batch: list[tuple[str, JournalEntry]]) -> None:
        with self._db:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.executemany(
                "INSERT INTO journal (session, entry) VALUES (?, ?)",
                [(session, orjson.dumps(entry)) for session, entry in batch],
            )
            for session in {session for session, _ in batch}:
                self._db.execute(
                    "DELETE FROM journal WHERE session = ? AND id <= (SELECT id FROM journal "
                    "WHERE session = ? ORDER BY id DESC LIMIT 1 OFFSET ?)",
                    (session, session, JOURNAL_SIZE),
                )
                self._touch(session)

    @store_call
    def journal(self, session: str) -> list[JournalEntry]:
        self.flush()
        with self._lock:
            rows = self._db.execute(
                "SELECT entry FROM journal WHERE session = ? ORDER BY id", (session,)
            ).fetchall()
        entries = [tuple(orjson.loads(row[0])) for row in rows]
        return sorted(entries, key=lambda e: e[0])

    @store_call
    def clear_journal(self, session: str) -> None:
        self.flush()
        with self._lock, self._db:
            self._db.execute("DELETE FROM journal WHERE session = ?", (session,))

    @store_call
    def reset(self, session: str) -> None:
        self.flush()
        with self._lock:
            with self._db:
                self._db.execute("BEGIN IMMEDIATE")
                self._forget(session)
            self._bump()

    @store_call
    def sessions(self) -> list[str]:
        with self._lock:
            rows = self._db.execute("SELECT name FROM sessions ORDER BY used").fetchall()
        return [name for (name,) in rows]

    def close(self) -> None:
        super().close()
        with self._lock:
            self._db.close()
            self._page.close()
            os.close(self._version_fd)
