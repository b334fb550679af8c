"""Verdict records as text: one JSON object per line, ``{"entry": {...}, "key": "<sha256>"}``.

Lines are sorted by key and written with sorted fields and no spaces, so an export of the same
store is byte-identical run after run and two exports merge line by line in git.  Reading a file
validates every line (its size, encoding, JSON, types) before anything is stored, and never does
more than parse JSON.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import Any, BinaryIO, Iterable

MAX_LINE_BYTES = 16 * 1024 * 1024
"""The longest record read (a verdict with its judge's raw reply is a few kilobytes)."""
MAX_PROBLEMS_SHOWN = 20
KEY = re.compile(r"[0-9a-f]{64}")
_OPTIONAL_FIELDS: dict[str, tuple[type, ...]] = {
    "judge": (str,), "task": (str,), "raw": (str, type(None)), "usage": (dict,), "created": (int, float)}


def record_line(key: str, entry: dict[str, Any]) -> str:
    return json.dumps({"key": key, "entry": entry}, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def export_lines(records: Iterable[tuple[str, dict[str, Any]]]) -> str:
    return "".join(record_line(key, entry) + "\n" for key, entry in sorted(records, key=lambda pair: pair[0]))


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def entry_problem(entry: Any) -> str | None:
    """Why ``entry`` is not a verdict entry this plugin writes, or None."""
    if not isinstance(entry, dict):
        return f"'entry' must be a JSON object, not {_kind(entry)}"
    if not isinstance(entry.get("data"), dict):
        return f"'entry.data' must be a JSON object, not {_kind(entry.get('data'))}"
    for name, types in _OPTIONAL_FIELDS.items():
        if name in entry and (not isinstance(entry[name], types) or isinstance(entry[name], bool)):
            expected = " or ".join(dict.fromkeys(_name(kind) for kind in types))
            return f"'entry.{name}' must be {expected}, not {_kind(entry[name])}"
    created = entry.get("created")
    if isinstance(created, (int, float)) and not (math.isfinite(created) and created >= 0):
        return "'entry.created' must be a time in seconds since 1970"
    return None


def _name(kind: type) -> str:
    return {str: "a string", dict: "a JSON object", int: "a number", float: "a number",
            type(None): "null"}.get(kind, kind.__name__)


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    return {str: "a string", int: "a number", float: "a number", list: "a list", dict: "an object"}.get(
        type(value), type(value).__name__)


@dataclass
class ReadRecords:
    """The records of a file (by key, in file order) and what was wrong with it, line by line."""

    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def _parse(number: int, line: bytes, seen: dict[str, int], read: ReadRecords) -> None:
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        read.problems.append(f"line {number}: not UTF-8 text (binary data such as a pickle is never loaded)")
        return
    if not text.strip():
        return
    try:
        record = json.loads(text, parse_constant=_no_constants)
    except RecursionError:
        read.problems.append(f"line {number}: JSON nested too deeply")
        return
    except ValueError as exc:
        read.problems.append(f"line {number}: not a JSON record ({exc})")
        return
    if not isinstance(record, dict) or set(record) != {"key", "entry"}:
        found = sorted(record) if isinstance(record, dict) else _kind(record)
        read.problems.append(f"line {number}: expected an object with exactly 'key' and 'entry', found {found}")
        return
    key = record["key"]
    if not isinstance(key, str) or not KEY.fullmatch(key):
        read.problems.append(f"line {number}: 'key' must be a cache key (64 lowercase hex digits), not {key!r:.80}")
        return
    problem = entry_problem(record["entry"])
    if problem:
        read.problems.append(f"line {number}: {problem}")
        return
    if key in seen and read.records[key] != record["entry"]:
        read.problems.append(f"line {number}: key {key[:12]} is also on line {seen[key]} with another entry "
                             "(a merge left both: keep one)")
        return
    seen.setdefault(key, number)
    read.records[key] = record["entry"]


def read_records(handle: BinaryIO) -> ReadRecords:
    """Every record of an export file, or the problems of each line that is not one."""
    read = ReadRecords()
    seen: dict[str, int] = {}
    number = 0
    while True:
        line = handle.readline(MAX_LINE_BYTES + 1)
        if not line:
            break
        number += 1
        if len(line) > MAX_LINE_BYTES and not line.endswith(b"\n"):
            read.problems.append(f"line {number}: longer than {MAX_LINE_BYTES // (1024 * 1024)} MiB; not read")
            while line and not line.endswith(b"\n"):  # skip the rest of it, a piece at a time
                line = handle.readline(MAX_LINE_BYTES)
            continue
        _parse(number, line, seen, read)
    return read
