"""Where cached verdicts live: a diskcache directory holding JSON text, never pickles.

A cache is an optimisation, never a source of truth for correctness: an unreadable or
corrupted entry is a miss, and a failed write is a warning, so the run goes on.
"""

from __future__ import annotations

import json
import threading
import warnings
from pathlib import Path
from typing import Any

_GITIGNORE = "# Created by pytest-critique: cached judge verdicts.\n*\n"


class CacheWarning(UserWarning):
    """The verdict cache could not be read or written; the run goes on without it."""


def _warn(warning: CacheWarning) -> None:
    """Warn, but never fail a verdict over it (``-W error`` would turn the warning into an exception)."""
    try:
        warnings.warn(warning, stacklevel=3)
    except Warning:
        pass


class DiskStore:
    """A directory of cached verdicts, opened on first use; safe across threads and processes."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self._cache: Any = None
        self._lock = threading.Lock()
        self._broken = False

    def _open(self, create: bool = True) -> Any:
        if not create and self._cache is None and not self.directory.exists():
            return None  # nothing cached yet; a read must not create the directory
        if self._cache is None and not self._broken:
            with self._lock:
                if self._cache is None and not self._broken:
                    try:
                        import diskcache

                        self.directory.mkdir(parents=True, exist_ok=True)
                        gitignore = self.directory / ".gitignore"
                        if not gitignore.exists():
                            gitignore.write_text(_GITIGNORE, encoding="utf-8")
                        self._cache = diskcache.Cache(str(self.directory), size_limit=2**34,
                                                      eviction_policy="none")
                    except Exception as exc:  # noqa: BLE001 - any failure means: no cache
                        self._broken = True
                        _warn(CacheWarning(
                            f"critique: verdict cache at {self.directory} unusable ({exc}); "
                            "continuing without it"))
        return self._cache

    def get(self, key: str) -> dict[str, Any] | None:
        cache = self._open(create=False)
        if cache is None:
            return None
        try:
            text = cache.get(key)
            if text is None:
                return None
            value = json.loads(text)
            if not isinstance(value, dict):
                raise ValueError("entry is not a JSON object")
            return value
        except Exception as exc:  # noqa: BLE001
            _warn(CacheWarning(f"critique: unreadable cache entry {key[:12]} ({exc}); judging again"))
            return None

    def set(self, key: str, value: dict[str, Any]) -> bool:
        cache = self._open()
        if cache is None:
            return False
        try:
            cache.set(key, json.dumps(value))
            return True
        except Exception as exc:  # noqa: BLE001
            _warn(CacheWarning(f"critique: could not write cache entry {key[:12]} ({exc})"))
            return False

    def __len__(self) -> int:
        cache = self._open(create=False)
        return 0 if cache is None else len(cache)

    def keys(self) -> list[str]:
        cache = self._open(create=False)
        return [] if cache is None else list(cache.iterkeys())

    def close(self) -> None:
        with self._lock:
            if self._cache is not None:
                self._cache.close()
                self._cache = None


class MemoryStore:
    """An in-process store (for tests and one-off scripts)."""

    def __init__(self) -> None:
        self._data: dict[str, str] = {}

    def get(self, key: str) -> dict[str, Any] | None:
        text = self._data.get(key)
        return None if text is None else json.loads(text)

    def set(self, key: str, value: dict[str, Any]) -> bool:
        self._data[key] = json.dumps(value)
        return True

    def __len__(self) -> int:
        return len(self._data)

    def keys(self) -> list[str]:
        return list(self._data)

    def close(self) -> None:
        pass
