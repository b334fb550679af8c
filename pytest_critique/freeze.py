"""Frozen checklists: generated checklists written to a file the user reviews and commits.

Once an instruction's checklist is in the file, it is read from there and never generated
again, so the yardstick does not drift between runs or judge models.
"""

from __future__ import annotations

import hashlib
import json
import threading
from pathlib import Path
from typing import Any, Iterable

from .errors import CritiqueUsageError
from .files import write_atomically

FILE_VERSION = 1


def checklist_key(instruction: str, input: str | None) -> str:
    text = instruction.strip() + "\x00" + (input or "").strip()
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


class FrozenChecklists:
    """The checklists file: read once, looked up by instruction and input."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._entries: dict[str, dict[str, Any]] | None = None
        self._lock = threading.Lock()

    def _load(self) -> dict[str, dict[str, Any]]:
        with self._lock:
            if self._entries is None:
                self._entries = read_entries(self.path)
            return self._entries

    def lookup(self, instruction: str, input: str | None) -> list[str] | None:
        entry = self._load().get(checklist_key(instruction, input))
        return None if entry is None else list(entry["questions"])


def read_entries(path: Path) -> dict[str, dict[str, Any]]:
    if not path.exists():
        return {}
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise CritiqueUsageError(f"cannot read checklists file {path}: {exc}") from None
    entries = document.get("checklists") if isinstance(document, dict) else None
    if not isinstance(entries, dict):
        raise CritiqueUsageError(f"{path} is not a checklists file (no 'checklists' object)")
    for key, entry in entries.items():
        questions = entry.get("questions") if isinstance(entry, dict) else None
        if not isinstance(questions, list) or not questions or not all(isinstance(q, str) for q in questions):
            raise CritiqueUsageError(f"{path}: checklist {key!r} needs a non-empty list of "
                                     "string 'questions'")
    return entries


def write_entries(path: Path, new_entries: Iterable[dict[str, Any]]) -> int:
    """Add entries (instruction, input, questions, generator) to the file; returns how many were new.

    Entries already in the file win: a committed checklist is never overwritten.
    """
    new_entries = list(new_entries)
    if not new_entries:
        return 0
    entries = read_entries(path)
    added = 0
    for entry in new_entries:
        key = checklist_key(entry["instruction"], entry.get("input"))
        if key not in entries:
            entries[key] = {name: entry[name] for name in ("instruction", "input", "questions", "generator")
                            if entry.get(name) is not None}
            added += 1
    if not added:
        return 0
    document = {"version": FILE_VERSION, "checklists": dict(sorted(entries.items()))}
    write_atomically(path, json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    return added
