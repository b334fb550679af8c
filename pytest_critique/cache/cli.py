"""``python -m pytest_critique cache ...``: export, import, count and prune stored verdicts.

Every command works on the cache directory (``--cache-dir``, default ``.critique_cache`` or
``$CRITIQUE_CACHE_DIR``) or on a shared store (``--url``, default ``$CRITIQUE_CACHE_URL``).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any, Callable

from ..errors import CritiqueUsageError
from ..files import write_atomically
from ..store_urls import check_cache_url, check_namespace
from .base import StoreUnavailable, VerdictStore
from .records import MAX_PROBLEMS_SHOWN, export_lines, read_records

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def add_commands(commands: Any) -> None:
    """Add ``cache`` and its subcommands to the subparsers of ``python -m pytest_critique``."""
    cache = commands.add_parser("cache", help="export, import, count or prune stored verdicts")
    actions = cache.add_subparsers(dest="action", required=True)

    def command(name: str, help: str) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = actions.add_parser(name, help=help, description=help)
        where = parser.add_mutually_exclusive_group()
        where.add_argument("--cache-dir", type=Path, help="the cache directory (default: $CRITIQUE_CACHE_DIR "
                           "or .critique_cache, unless $CRITIQUE_CACHE_URL is set)")
        where.add_argument("--url", help="a shared store, redis://... or rediss://... (default: $CRITIQUE_CACHE_URL)")
        parser.add_argument("--namespace", help="the key prefix in the shared store (default: "
                            "$CRITIQUE_CACHE_NAMESPACE or pytest-critique)")
        return parser

    export = command("export", "write every verdict as one JSON line per key, sorted by key")
    export.add_argument("-o", "--output", default="-", help="the file to write (default: standard output)")
    into = command("import", "check every line of an export file, then store its verdicts")
    into.add_argument("file", type=Path, help="a file written by 'cache export'")
    command("stats", "count the stored verdicts by judge and task, with their age")
    prune = command("prune", "delete verdicts stored longer ago than a given age")
    prune.add_argument("--older-than", required=True, metavar="AGE", help="e.g. 30d, 12h, 2w (s, m, h, d, w)")
    prune.add_argument("--dry-run", action="store_true", help="only say what would be deleted")


def run(args: argparse.Namespace) -> int:
    """Run a ``cache`` command; its exit status (2: a usage error, 1: the store or file failed)."""
    handlers: dict[str, Callable[[VerdictStore, argparse.Namespace], list[str]]] = {
        "export": _export, "import": _import, "stats": _stats, "prune": _prune}
    try:
        store = open_for(args)
    except CritiqueUsageError as exc:
        print(exc, file=sys.stderr)
        return 2
    try:
        lines = handlers[args.action](store, args)
    except CritiqueUsageError as exc:
        print(exc, file=sys.stderr)
        return 2
    except (StoreUnavailable, _Failed) as exc:
        print(f"critique: {exc}", file=sys.stderr)
        return 1
    finally:
        store.close()
    print("\n".join(lines), file=sys.stderr if args.action == "export" and args.output == "-" else sys.stdout)
    return 0


class _Failed(Exception):
    """The command could not do what it was asked (a bad import file, a write that failed)."""


def open_for(args: argparse.Namespace) -> VerdictStore:
    from .store import DiskStore

    url = args.url or (None if args.cache_dir else os.environ.get("CRITIQUE_CACHE_URL") or None)
    if url:
        problem = check_cache_url(url)
        if problem:
            raise CritiqueUsageError(f"cache: unusable store URL: {problem}")
        namespace = args.namespace or os.environ.get("CRITIQUE_CACHE_NAMESPACE") or "pytest-critique"
        problem = check_namespace(namespace)
        if problem:
            raise CritiqueUsageError(f"cache: unusable namespace {namespace!r}: {problem}")
        from .redis_store import RedisStore, require_client

        require_client()
        return RedisStore(url, namespace)
    directory = args.cache_dir or Path(os.environ.get("CRITIQUE_CACHE_DIR") or ".critique_cache")
    if args.action != "import" and not directory.is_dir():
        raise CritiqueUsageError(f"cache: no cache directory at {directory}")
    return DiskStore(directory)


def _entries(store: VerdictStore) -> tuple[list[tuple[str, dict[str, Any]]], int]:
    """Every readable entry, and how many were refused (not JSON: never loaded)."""
    keys = store.keys()
    read = store.get_many(keys)
    found, refused = [], 0
    for key in keys:
        entry = read[key]
        if entry is None:
            refused += key in store.refused
        else:
            found.append((key, entry))
    return found, refused


def _refused_note(refused: int) -> list[str]:
    return [f"critique: {refused} entr{'y' if refused == 1 else 'ies'} refused (not JSON text), left out"] if refused \
        else []


def _export(store: VerdictStore, args: argparse.Namespace) -> list[str]:
    entries, refused = _entries(store)
    text = export_lines(entries)
    if args.output == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        where = "standard output"
    else:
        write_atomically(Path(args.output), text)
        where = args.output
    return [*_refused_note(refused), f"critique: exported {len(entries)} verdicts from {store.location} to {where}"]


_IMPORTED_TOGETHER = 500
"""Records read and written together: one query and one transaction on a directory, two round trips
to Redis (one each way per record made an import over a network take minutes)."""


def _import(store: VerdictStore, args: argparse.Namespace) -> list[str]:
    try:
        with open(args.file, "rb") as handle:
            read = read_records(handle)
    except OSError as exc:
        raise CritiqueUsageError(f"cache import: cannot read {args.file}: {exc.strerror or exc}") from None
    if read.problems:
        shown = [f"{args.file}:{problem.removeprefix('line ')}" for problem in read.problems[:MAX_PROBLEMS_SHOWN]]
        more = len(read.problems) - len(shown)
        raise _Failed("\n".join([f"cache import: {args.file} has {len(read.problems)} unusable line"
                                 f"{'' if len(read.problems) == 1 else 's'}; nothing was imported", *shown,
                                 *([f"... and {more} more"] if more else [])]))
    counts: Counter[str] = Counter()
    records = list(read.records.items())
    for start in range(0, len(records), _IMPORTED_TOGETHER):
        chunk = dict(records[start:start + _IMPORTED_TOGETHER])
        held = store.get_many(list(chunk))
        changed = {key: entry for key, entry in chunk.items() if held.get(key) != entry}
        counts["unchanged"] += len(chunk) - len(changed)
        if changed and not store.set_many(changed):
            raise _Failed(f"cache import: could not write to {store.location} (see the warning above); "
                          f"{counts['added'] + counts['replaced']} verdicts were stored before that")
        for key in changed:
            counts["added" if held.get(key) is None else "replaced"] += 1
    return [f"critique: imported {len(read.records)} verdicts into {store.location}: {counts['added']} added, "
            f"{counts['replaced']} replaced, {counts['unchanged']} unchanged"]


def _when(seconds: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(seconds))


def _stats(store: VerdictStore, args: argparse.Namespace) -> list[str]:
    entries, refused = _entries(store)
    times = [entry["created"] for _, entry in entries if _is_time(entry.get("created"))]
    lines = [f"critique: {len(entries)} verdicts in {store.location}"]
    if times:
        lines.append(f"  stored between {_when(min(times))} and {_when(max(times))}")
    if len(times) < len(entries):
        lines.append(f"  {len(entries) - len(times)} without a stored time (prune keeps them)")
    for label, name in (("judge", "judge"), ("task", "task")):
        counted = Counter(str(entry.get(name, "?")) for _, entry in entries)
        for value, count in sorted(counted.items(), key=lambda pair: (-pair[1], pair[0])):
            lines.append(f"  {label} {value}: {count}")
    return [*lines, *_refused_note(refused)]


def _is_time(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def parse_age(text: str) -> float:
    found = re.fullmatch(r"\s*(\d+)\s*([smhdw])\s*", text)
    if not found:
        raise CritiqueUsageError(f"cache prune: --older-than takes a number and a unit (s, m, h, d, w), "
                                 f"e.g. 30d; not {text!r}")
    return int(found.group(1)) * _UNITS[found.group(2)]


def _prune(store: VerdictStore, args: argparse.Namespace) -> list[str]:
    cutoff = time.time() - parse_age(args.older_than)
    entries, refused = _entries(store)
    old = [key for key, entry in entries if _is_time(entry.get("created")) and entry["created"] < cutoff]
    untimed = sum(1 for _, entry in entries if not _is_time(entry.get("created")))
    if not args.dry_run:
        store.delete_many(old)
    verb = "would delete" if args.dry_run else "deleted"
    return [f"critique: {verb} {len(old)} of {len(entries)} verdicts stored before {_when(cutoff)} "
            f"in {store.location}" + (f"; kept {untimed} without a stored time" if untimed else ""),
            *_refused_note(refused)]
