"""The leases of a directory store: one SQLite table of expiring claims, one statement a step.

A lease is taken for every key a run judges, so its cost is paid thousands of times in a cold
run, by dozens of judge threads at once.  Kept as diskcache rows, each step cost a transaction
of several statements and much Python; here taking, renewing and ending a lease are each a single
atomic statement.

Leases are worth nothing once they run out, so this file is never a source of truth: when it
cannot be used (a link, a damaged file, a locked disk) every worker is its own holder, which can
cost a duplicate judge call but never a wait.  A restored or planted file may hold rows that run
out far in the future; a lease further ahead than :data:`LONGEST_LEASE` is not one the plugin
wrote, and is ignored (else every worker would wait for it).
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from pathlib import Path

from .files import CacheWarning, UnsafeCacheDirectory, check_no_links, damaged, identity, move_aside, warn

LONGEST_LEASE = 300.0
"""Seconds: no lease is taken or renewed for longer, and one that runs out later is ignored."""

_FILE = "leases.db"
_FILES = (_FILE, _FILE + "-wal", _FILE + "-shm")

_TAKE = ("INSERT INTO Lease (key, token, expire) VALUES (?1, ?2, ?3) ON CONFLICT (key) DO UPDATE "
         "SET token = excluded.token, expire = excluded.expire WHERE expire <= ?4 OR expire > ?5")
_RENEW = "UPDATE Lease SET expire = ?1 WHERE key = ?2 AND token = ?3"
_END = "DELETE FROM Lease WHERE key = ?1 AND token = ?2"
_HELD = "SELECT 1 FROM Lease WHERE key = ?1 AND expire > ?2 AND expire <= ?3"


class DirectoryLeases:
    """Leases in ``directory/leases.db``, shared by every process that opens the same directory."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self._lock = threading.Lock()
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._generation = 0
        self._pid = os.getpid()
        self._ready = False
        self.unusable: str | None = None
        """Why no lease can be kept here (then every worker is its own holder)."""

    def take(self, key: str, token: str, seconds: float) -> bool:
        """True when ``token`` now holds the key's lease (or no lease can be kept here)."""
        now = time.time()
        try:
            connection = self._connection()
            if connection is None:
                return True
            return connection.execute(_TAKE, (key, token, now + _bounded(seconds), now,
                                              now + LONGEST_LEASE)).rowcount == 1
        except sqlite3.Error:
            return True

    def renew(self, key: str, token: str, seconds: float) -> bool:
        try:
            connection = self._connection()
            return connection is not None and connection.execute(
                _RENEW, (time.time() + _bounded(seconds), key, token)).rowcount == 1
        except sqlite3.Error:
            return False

    def end(self, key: str, token: str) -> None:
        try:
            connection = self._connection()
            if connection is not None:
                connection.execute(_END, (key, token))
        except sqlite3.Error:
            pass  # it runs out by itself

    def held(self, key: str) -> bool:
        now = time.time()
        try:
            connection = self._connection()
            return connection is not None and connection.execute(
                _HELD, (key, now, now + LONGEST_LEASE)).fetchone() is not None
        except sqlite3.Error:
            return False  # no lease to wait for

    def close(self) -> None:
        with self._lock:
            for connection in self._connections:
                try:
                    connection.close()
                except sqlite3.Error:
                    pass
            self._connections.clear()
            self._generation += 1

    def _connection(self) -> sqlite3.Connection | None:
        local = self._local
        if getattr(local, "generation", -1) == self._generation and self._pid == os.getpid():
            return local.connection  # type: ignore[no-any-return]
        with self._lock:
            if self._pid != os.getpid():  # a forked child must not use its parent's connections
                self._pid, self._connections, self._ready = os.getpid(), [], False
                self._generation += 1
            if self.unusable is not None:
                return None
            if not self._ready:
                self._prepare()
                if self.unusable is not None:
                    return None
            connection = _connect(self.directory / _FILE)
            self._connections.append(connection)
            local.connection, local.generation = connection, self._generation
            return connection

    def _prepare(self) -> None:
        """Make the directory and the table once; a damaged file is replaced (its leases are worthless)."""
        try:
            if self.directory.is_symlink():
                raise UnsafeCacheDirectory(f"{self.directory} is a symbolic link; pytest-critique never follows "
                                           "links inside its cache directory. Remove the link")
            self.directory.mkdir(parents=True, exist_ok=True)
            check_no_links(self.directory, _FILES)
            database = self.directory / _FILE
            deadline = time.monotonic() + 30
            moved = False
            while True:
                seen = identity(database)
                try:
                    _create(database)
                    break
                except sqlite3.OperationalError as exc:
                    # Processes starting together make the file at once; changing its journal mode
                    # reports "locked" at once instead of waiting.
                    if time.monotonic() > deadline or not _locked(exc):
                        raise
                    time.sleep(0.02)
                except sqlite3.DatabaseError as exc:
                    if moved or not damaged(exc):
                        raise
                    moved = True
                    target = move_aside(database, seen)
                    if target is not None:
                        warn(CacheWarning(f"the lease file {database} was damaged ({exc}); moved it to {target} "
                                          "and started a fresh one"))
            self._ready = True
        except Exception as exc:  # noqa: BLE001 - no lease store: duplicate calls at worst, never a wait
            self.unusable = str(exc)
            warn(CacheWarning(f"leases at {self.directory} unusable ({exc}); workers that need the same "
                               "verdict at once may each ask the judge"))


def _create(database: Path) -> None:
    connection = _connect(database)
    try:
        if connection.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            connection.execute("PRAGMA journal_mode = wal")
        connection.execute("CREATE TABLE IF NOT EXISTS Lease (key TEXT PRIMARY KEY, token TEXT NOT NULL, "
                           "expire REAL NOT NULL) WITHOUT ROWID")
        # Rows of holders that died, and rows no holder wrote, would otherwise stay for good.
        now = time.time()
        connection.execute("DELETE FROM Lease WHERE expire <= ?1 OR expire > ?2", (now, now + LONGEST_LEASE))
    finally:
        connection.close()


def _locked(exc: sqlite3.OperationalError) -> bool:
    name = getattr(exc, "sqlite_errorname", "")
    if name:
        return name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED"))
    return "locked" in str(exc).lower() or "busy" in str(exc).lower()


def _connect(database: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(database, timeout=60, isolation_level=None, check_same_thread=False)
    connection.execute("PRAGMA synchronous = NORMAL")
    return connection


def _bounded(seconds: float) -> float:
    return min(float(seconds), LONGEST_LEASE)

