"""Where cached verdicts live: a diskcache directory holding JSON text, never pickles.

A cache is an optimisation, never a source of truth for correctness: an unreadable entry is a
miss, and a failed write is a warning, so the run goes on.  A cache may be committed or restored
in CI, so its content is untrusted data: entries diskcache would unpickle are refused (never
loaded), the database's stored settings are overridden, files are never followed through
symbolic links, and a damaged database is moved aside and replaced by a fresh one.
"""

from __future__ import annotations

import functools
import json
import os
import secrets
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any, Callable

from .files import (CacheWarning, UnsafeCacheDirectory, check_no_links, damaged, identity, move_aside,
                    warn, write_gitignore)
from .leases import DirectoryLeases

_DATABASE = "cache.db"
_DATABASE_FILES = (_DATABASE, _DATABASE + "-wal", _DATABASE + "-shm")

# Values are always kept inside the SQLite database (no value files), and every setting that
# diskcache would otherwise read back from the database (some become PRAGMA statements) is
# given here, so a planted Settings table changes nothing.
_SETTINGS: dict[str, Any] = {
    "statistics": 0,
    "tag_index": 0,
    "eviction_policy": "none",
    "size_limit": 2**34,
    "cull_limit": 0,
    "sqlite_auto_vacuum": 1,
    "sqlite_cache_size": 2**13,
    "sqlite_journal_mode": "wal",
    "sqlite_mmap_size": 2**26,
    "sqlite_synchronous": 1,
    "disk_min_file_size": 2**40,
    "disk_pickle_protocol": 0,
}


_MODE_RAW = 1
"""diskcache's mode for a value stored as it is (``diskcache.core.MODE_RAW``, checked when the disk is made)."""

_BATCH_KEYS = 500
"""Keys read with one query (SQLite allows 999 parameters in the oldest releases still shipped)."""


@functools.lru_cache(maxsize=64)
def _rows_query(count: int) -> str:
    return (f"SELECT key, mode, filename, value FROM Cache WHERE key IN ({','.join('?' * count)})"
            " AND raw = 1 AND (expire_time IS NULL OR expire_time > ?)")


def _rows(cache: Any, keys: list[str]) -> dict[str, tuple[int, str | None, Any]]:
    """The stored (mode, filename, value) of each key found, as diskcache's own ``get`` selects them."""
    return {key: (mode, filename, value)
            for key, mode, filename, value in cache._sql(_rows_query(len(keys)), (*keys, time.time())).fetchall()}


class ForeignEntry(Exception):
    """A cache entry that is not JSON text (a pickle, bytes, a linked file): never loaded."""


def json_only_disk() -> type:
    """A diskcache ``Disk`` that stores and loads text only: what it would unpickle it refuses."""
    import diskcache
    from diskcache.core import MODE_RAW, MODE_TEXT

    if MODE_RAW != _MODE_RAW:
        raise RuntimeError(f"diskcache's raw mode is {MODE_RAW}, not {_MODE_RAW}: this diskcache is not supported")

    class JsonOnlyDisk(diskcache.Disk):  # type: ignore[misc]  # diskcache has no type information
        def __init__(self, directory: str, **_ignored: Any):
            super().__init__(directory, min_file_size=2**40, pickle_protocol=0)

        def get(self, key: Any, raw: bool) -> Any:
            if not raw:
                raise ForeignEntry("a pickled key")
            return super().get(key, raw)

        def store(self, value: Any, read: bool, key: Any = None) -> Any:
            if read or not isinstance(value, (str, int)) or isinstance(value, bool):
                raise TypeError("the verdict cache stores text and counters only")
            return 0, MODE_RAW, None, value

        def fetch(self, mode: int, filename: str | None, value: Any, read: bool) -> Any:
            if mode == MODE_RAW and isinstance(value, (str, int)):
                return value
            if mode == MODE_TEXT and filename:
                return self._read_text_file(filename)
            what = {MODE_RAW: "raw bytes", MODE_TEXT: "text"}.get(mode, "a pickle" if mode == 4 else "binary data")
            raise ForeignEntry(f"stored as {what}")

        def _read_text_file(self, filename: str) -> str:
            """A long value an older diskcache wrote to a file: read only a regular file inside the directory."""
            parts = Path(filename).parts
            if Path(filename).is_absolute() or ".." in parts:
                raise ForeignEntry("a value file outside the cache directory")
            path = Path(self._directory)
            for part in parts:
                path = path / part
                if path.is_symlink():
                    raise ForeignEntry("a value file reached through a symbolic link")
            try:
                descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
            except OSError as exc:
                raise ForeignEntry(f"an unreadable value file ({exc.strerror})") from None
            with os.fdopen(descriptor, "r", encoding="utf-8") as reader:
                return reader.read()

        def remove(self, file_path: str) -> None:
            return None  # values never live in files this store writes; leave others alone

    return JsonOnlyDisk


def _vet_settings(database: Path) -> None:
    """Refuse a database whose stored settings diskcache would run as PRAGMA statements we did not choose."""
    if not database.exists() or database.stat().st_size == 0:
        return
    try:
        connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5)
        try:
            keys = [key for (key,) in connection.execute("SELECT key FROM Settings")]
        finally:
            connection.close()
    except sqlite3.Error:
        return  # being created by another process, or damaged: opening it tells which
    unknown = sorted(str(key) for key in keys if str(key).startswith("sqlite_") and key not in _SETTINGS)
    if unknown:
        raise UnsafeCacheDirectory(f"{database} asks for SQLite settings pytest-critique never writes "
                                   f"({', '.join(unknown)}); refusing it. Delete the file to start afresh")


class DiskStore:
    """A directory of cached verdicts, opened on first use; safe across threads and processes.

    ``nested`` stores live inside another store's directory, so their directory itself must not
    be a link either.
    """

    def __init__(self, directory: Path, nested: bool = False):
        self.directory = Path(directory)
        self.nested = nested
        self._cache: Any = None
        self._lock = threading.Lock()
        self._broken = False
        self.refused: dict[str, str] = {}
        """Keys whose entries were refused, with the reason (shown when read mode misses them)."""
        self._lease_table: DirectoryLeases | None = None

    @property
    def location(self) -> str:
        return str(self.directory)

    def sub(self, name: str) -> "DiskStore":
        return DiskStore(self.directory / name, nested=True)

    def _open(self, create: bool = True) -> Any:
        if not create and self._cache is None and not self.directory.exists():
            return None  # nothing cached yet; a read must not create the directory
        if self._cache is None and not self._broken:
            with self._lock:
                if self._cache is None and not self._broken:
                    try:
                        self._cache = self._connect()
                    except Exception as exc:  # noqa: BLE001 - any failure means: no cache
                        self._broken = True
                        warn(CacheWarning(
                            f"verdict cache at {self.directory} unusable ({exc}); "
                            "continuing without it"))
        return self._cache

    def _connect(self) -> Any:
        import diskcache

        if self.nested and self.directory.is_symlink():
            raise UnsafeCacheDirectory(f"{self.directory} is a symbolic link; pytest-critique never follows "
                                       "links inside its cache directory. Remove the link")
        self.directory.mkdir(parents=True, exist_ok=True)
        check_no_links(self.directory, (*_DATABASE_FILES, ".gitignore"))
        if not self.nested:
            write_gitignore(self.directory)
        _vet_settings(self.directory / _DATABASE)
        for attempt in range(3):
            seen = identity(self.directory / _DATABASE)
            try:
                return diskcache.Cache(str(self.directory), disk=json_only_disk(), **_SETTINGS)
            except sqlite3.DatabaseError as exc:
                if not damaged(exc):
                    raise
                if attempt == 0:
                    time.sleep(0.2)  # another process may be creating it: look again before judging it damaged
                elif attempt == 1:
                    self._move_aside(exc, seen)
                else:
                    raise
        raise AssertionError("unreachable")

    def _move_aside(self, exc: BaseException, seen: tuple[int, int] | None) -> None:
        database = self.directory / _DATABASE
        target = move_aside(database, seen)
        if target is not None:
            warn(CacheWarning(f"the verdict cache {database} was damaged ({exc}); moved it to {target} "
                              "and started a fresh cache: verdicts it held are judged again"))

    def _recover(self, exc: BaseException) -> bool:
        """After SQLite reports damage mid-run: move the file aside and reopen; False if that fails."""
        time.sleep(0.2)
        seen = identity(self.directory / _DATABASE)
        try:
            self._cache.get("pytest-critique probe")  # still damaged? (not a passing glitch)
            return False
        except sqlite3.DatabaseError as again:
            if not damaged(again):
                return False
        except Exception:  # noqa: BLE001
            return False
        with self._lock:
            if self._cache is not None:
                try:
                    self._cache.close()
                except Exception:  # noqa: BLE001
                    pass
                self._cache = None
            try:
                self._move_aside(exc, seen)
                self._cache = self._connect()
                return True
            except Exception as second:  # noqa: BLE001
                self._broken = True
                warn(CacheWarning(f"verdict cache at {self.directory} unusable ({second}); "
                                   "continuing without it"))
                return False

    def get_many(self, keys: list[str]) -> dict[str, dict[str, Any] | None]:
        """What :meth:`get` gives for each key, read with one query for up to :data:`_BATCH_KEYS` keys."""
        cache = self._open(create=False)
        if cache is None:
            return dict.fromkeys(keys)
        found: dict[str, dict[str, Any] | None] = {}
        unique = list(dict.fromkeys(keys))
        for start in range(0, len(unique), _BATCH_KEYS):
            chunk = unique[start:start + _BATCH_KEYS]
            try:
                rows = _rows(cache, chunk)
            except sqlite3.DatabaseError:
                found.update((key, self.get(key)) for key in chunk)  # get() moves a damaged file aside, or warns
                continue
            for key in chunk:
                row = rows.get(key)
                if row is None:
                    found[key] = None
                    continue
                mode, filename, value = row
                if mode == _MODE_RAW and filename is None and type(value) is str:
                    # The usual row (JSON text kept in the database): what the disk's fetch would hand to
                    # _loaded, read here without the calls; anything else goes the long way, with its warning.
                    try:
                        entry = json.loads(value)
                    except ValueError:
                        entry = None
                    if type(entry) is dict:
                        found[key] = entry
                        continue
                found[key] = self._loaded(key, cache._disk.fetch, *row, False)
        return found

    def get(self, key: str) -> dict[str, Any] | None:
        cache = self._open(create=False)
        if cache is None:
            return None
        return self._loaded(key, cache.get, key)

    def _loaded(self, key: str, read: Callable[..., Any], *args: Any) -> dict[str, Any] | None:
        """The entry ``read(*args)`` returns as a JSON object; anything else is refused and counts as not cached."""
        try:
            try:
                text = read(*args)
            except sqlite3.DatabaseError as exc:
                if not damaged(exc) or not self._recover(exc):
                    raise
                return None
            if text is None:
                return None
            if not isinstance(text, str):
                raise ForeignEntry(f"stored as {type(text).__name__}")
            value = json.loads(text)
            if not isinstance(value, dict):
                raise ValueError("entry is not a JSON object")
            return value
        except ForeignEntry as exc:
            self.refused[key] = f"foreign entry refused: {exc}; only JSON text is ever loaded"
            warn(CacheWarning(f"foreign entry refused in the verdict cache {self.directory} "
                               f"(key {key[:12]}, {exc}): pytest-critique stores JSON text only and never "
                               "unpickles; the entry counts as not cached"))
            return None
        except Exception as exc:  # noqa: BLE001
            self.refused[key] = f"unreadable entry: {exc}"
            warn(CacheWarning(f"unreadable cache entry {key[:12]} ({exc}); it counts as not cached"))
            return None

    def set(self, key: str, value: dict[str, Any]) -> bool:
        cache = self._open()
        if cache is None:
            return False
        text = json.dumps(value)
        try:
            try:
                cache.set(key, text)
            except sqlite3.DatabaseError as exc:
                if not damaged(exc) or not self._recover(exc):
                    raise
                self._cache.set(key, text)
            self.refused.pop(key, None)
            return True
        except Exception as exc:  # noqa: BLE001
            warn(CacheWarning(f"could not write cache entry {key[:12]} ({exc})"))
            return False

    def set_many(self, entries: dict[str, dict[str, Any]]) -> bool:
        return self._write_together(entries, merge=False)

    def merge_many(self, entries: dict[str, dict[str, Any]]) -> None:
        self._write_together(entries, merge=True)

    def _write_together(self, entries: dict[str, dict[str, Any]], merge: bool) -> bool:
        """Every entry in one write transaction (so, merging, no other worker writes these keys meanwhile)."""
        cache = self._open()
        if cache is None:
            return False
        try:
            with cache.transact():
                for key, value in entries.items():
                    cache.set(key, json.dumps({**(self.get(key) or {}), **value} if merge else value))
        except Exception as exc:  # noqa: BLE001
            warn(CacheWarning(f"could not write {len(entries)} cache entries to {self.directory} ({exc})"))
            return False
        for key in entries:
            self.refused.pop(key, None)
        return True

    def delete(self, key: str) -> bool:
        cache = self._open(create=False)
        if cache is None:
            return False
        try:
            return bool(cache.delete(key))
        except Exception as exc:  # noqa: BLE001
            warn(CacheWarning(f"could not delete cache entry {key[:12]} ({exc})"))
            return False

    def delete_many(self, keys: list[str]) -> int:
        cache = self._open(create=False)
        if cache is None:
            return 0
        try:
            with cache.transact():
                return sum(bool(cache.delete(key)) for key in keys)
        except Exception as exc:  # noqa: BLE001
            warn(CacheWarning(f"could not delete {len(keys)} cache entries from {self.directory} ({exc})"))
            return 0

    # Leases live in a table of their own beside the verdicts (see leases.py).

    def _leases(self) -> DirectoryLeases | None:
        if self._lease_table is None:
            if self._open() is None:
                return None  # no cache, so no lease: every worker is its own holder
            with self._lock:
                if self._lease_table is None:
                    self._lease_table = DirectoryLeases(self.directory / "leases")
        return self._lease_table

    def try_lease(self, key: str, seconds: float) -> str | None:
        token = secrets.token_hex(8)
        leases = self._leases()
        return token if leases is None or leases.take(key, token, seconds) else None

    def renew_lease(self, key: str, token: str, seconds: float) -> bool:
        leases = self._leases()
        return leases is not None and leases.renew(key, token, seconds)

    def end_lease(self, key: str, token: str) -> None:
        leases = self._leases()
        if leases is not None:
            leases.end(key, token)

    def lease_held(self, key: str) -> bool:
        leases = self._leases()
        return leases is not None and leases.held(key)

    def __len__(self) -> int:
        cache = self._open(create=False)
        return 0 if cache is None else len(cache)

    def keys(self) -> list[str]:
        """The keys of JSON entries (foreign keys are skipped, never loaded)."""
        cache = self._open(create=False)
        if cache is None:
            return []
        rows = cache._sql("SELECT key FROM Cache WHERE raw = 1").fetchall()
        return [key for (key,) in rows if isinstance(key, str)]

    def close(self) -> None:
        if self._lease_table is not None:
            self._lease_table.close()
        with self._lock:
            if self._cache is not None:
                self._cache.close()
                self._cache = None
