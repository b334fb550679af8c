"""The cache directory's files on disk: never followed through links, damaged ones moved aside.

Shared by the verdict store and its leases; a cache directory may be committed or restored in
CI, so everything found in it is untrusted.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import time
import warnings
from pathlib import Path

from ..errors import CritiqueWarning

_GITIGNORE = "# Created by pytest-critique: cached judge verdicts.\n*\n"


class CacheWarning(CritiqueWarning):
    """The verdict cache could not be read or written; the run goes on without it."""


class UnsafeCacheDirectory(Exception):
    """The cache directory holds a symbolic link where the plugin keeps its files."""


def warn(warning: CacheWarning) -> None:
    """Warn, but never fail a verdict over it (``-W error`` would turn the warning into an exception)."""
    try:
        warnings.warn(warning, stacklevel=3)
    except Warning:
        pass


def damaged(exc: BaseException) -> bool:
    """SQLite says the file is not a database, or a damaged one (not: locked, busy, read-only)."""
    if not isinstance(exc, sqlite3.DatabaseError):
        return False
    name = getattr(exc, "sqlite_errorname", "")
    if name:
        return name in ("SQLITE_CORRUPT", "SQLITE_NOTADB")
    text = str(exc).lower()
    return "malformed" in text or "not a database" in text


def check_no_links(directory: Path, names: tuple[str, ...]) -> None:
    """Refuse a directory whose plugin files are symbolic links (writes would land elsewhere)."""
    for name in names:
        path = directory / name
        if path.is_symlink():
            raise UnsafeCacheDirectory(
                f"{path} is a symbolic link (to {os.readlink(path)}); pytest-critique never follows links "
                "inside its cache directory. Remove the link (or point the cache directory itself elsewhere)")


def write_gitignore(directory: Path) -> None:
    """Create ``.gitignore`` unless it exists; never through a link, with the user's umask."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        descriptor = os.open(directory / ".gitignore", flags, 0o666)
    except FileExistsError:
        return
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(_GITIGNORE)


def identity(path: Path) -> tuple[int, int] | None:
    try:
        info = os.lstat(path)
    except OSError:
        return None
    return info.st_dev, info.st_ino


def move_aside(database: Path, seen: tuple[int, int] | None) -> Path | None:
    """Keep a damaged SQLite file for inspection under a new name, so that the next open starts afresh;
    returns that name, or None when there was nothing to move.

    ``seen`` is the file found damaged: when another process has already replaced it by a fresh
    one, that one is left alone.
    """
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = database.with_name(f"{database.name}.damaged-{stamp}-{os.getpid()}")
    try:
        info = os.lstat(database)
        if not stat.S_ISREG(info.st_mode):
            raise UnsafeCacheDirectory(f"{database} is not a regular file")
        if seen is not None and (info.st_dev, info.st_ino) != seen:
            return None  # another process moved the damaged one aside and started this one
        os.rename(database, target)
    except FileNotFoundError:
        return None  # another process moved it first and started the fresh one
    for suffix in ("-wal", "-shm"):
        try:
            os.rename(str(database) + suffix, str(target) + suffix)
        except OSError:
            pass
    return target
