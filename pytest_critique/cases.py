"""Test cases from a data file: one parametrized test per row of a JSON Lines or CSV file.

``@pytest.mark.critique_cases("cases.jsonl")`` on a test that takes ``case`` (or
``pytest.mark.parametrize("case", critique_cases("cases.jsonl"))``) runs it once per row, with the
row's ``id`` as the test id.  A row names what a judge needs: ``input``, ``instruction``, the
checklist ``items`` or a ``rubric``, and optionally a recorded ``output``; other fields are kept
as they are.  ``fields={"items": "decomposed_questions"}`` reads a file whose columns have other
names.  A bad row stops collection with ``FILE:LINE: what is wrong``.

Standard library only: this is read while tests are collected.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Mapping

from .errors import CritiqueUsageError

KNOWN = ("id", "input", "instruction", "items", "rubric", "output")
MAX_ROW_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class Case:
    """One row of a cases file."""

    id: str
    input: str | None = None
    instruction: str | None = None
    items: list[str] | None = None
    """The checklist's questions, when the row gives them (else None: a checklist generated from the
    instruction)."""
    rubric: dict[str, Any] | None = None
    output: str | None = None
    """A recorded output of the app, when the row has one."""
    fields: dict[str, Any] = field(default_factory=dict, repr=False)
    """Every field of the row as read (also those the plugin does not know)."""
    source: str = ""
    """``FILE:LINE`` of the row."""

    def __getitem__(self, name: str) -> Any:
        return self.fields[name]

    def get(self, name: str, default: Any = None) -> Any:
        return self.fields.get(name, default)


def _text(value: Any, name: str, where: str) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise CritiqueUsageError(f"{where}: {name} must be text, got {type(value).__name__}")
    return value


def _items(value: Any, where: str) -> list[str] | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):  # a CSV cell: a JSON list, or one question per line
        stripped = value.strip()
        if stripped.startswith("["):
            try:
                value = json.loads(stripped)
            except ValueError as exc:
                raise CritiqueUsageError(f"{where}: items looks like a JSON list but is not one ({exc})") from None
        else:
            value = [line.strip() for line in stripped.splitlines() if line.strip()]
    if not isinstance(value, list) or not value or not all(isinstance(item, str) and item.strip() for item in value):
        raise CritiqueUsageError(f"{where}: items must be a non-empty list of questions (text)")
    return [item.strip() for item in value]


def _rubric(value: Any, where: str) -> dict[str, Any] | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as exc:
            raise CritiqueUsageError(f"{where}: rubric must be a JSON object ({exc})") from None
    if not isinstance(value, dict):
        raise CritiqueUsageError(f"{where}: rubric must be an object like {{\"criteria\": ..., \"scores\": {{...}}}}")
    return value


def _rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, row) for each row of a JSON Lines or CSV file."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise CritiqueUsageError(f"critique_cases: no such file {path}") from None
    except OSError as exc:
        raise CritiqueUsageError(f"critique_cases: cannot read {path}: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CritiqueUsageError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    if path.suffix.lower() == ".csv":
        reader = csv.DictReader(io.StringIO(text, newline=""))
        if not reader.fieldnames:
            return
        for row in reader:
            if None in row:
                raise CritiqueUsageError(f"{path}:{reader.line_num}: more cells than the header has columns")
            yield reader.line_num, {name: value for name, value in row.items() if name}
        return
    if path.suffix.lower() not in (".jsonl", ".ndjson", ".json"):
        raise CritiqueUsageError(f"critique_cases: {path} must be a .jsonl (one JSON object per line) or .csv file")
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        if len(line) > MAX_ROW_BYTES:
            raise CritiqueUsageError(f"{path}:{number}: the row is longer than {MAX_ROW_BYTES // 1024 // 1024} MiB")
        try:
            row = json.loads(line)
        except (ValueError, RecursionError) as exc:
            raise CritiqueUsageError(f"{path}:{number}: not a JSON object ({exc})") from None
        if not isinstance(row, dict):
            raise CritiqueUsageError(f"{path}:{number}: not a JSON object (a {type(row).__name__})")
        yield number, row


def load_cases(path: str | Path, fields: Mapping[str, str] | None = None) -> list[Case]:
    """Every row of the file as a :class:`Case`; ``fields`` maps the known names (``items``...) to the
    file's own column names."""
    path = Path(path)
    names = {name: name for name in KNOWN}
    for name, column in (fields or {}).items():
        if name not in KNOWN:
            raise CritiqueUsageError(f"critique_cases: fields= maps {name!r}, which is not one of {', '.join(KNOWN)}")
        names[name] = column
    cases: list[Case] = []
    seen: dict[str, str] = {}
    for number, row in _rows(path):
        where = f"{path}:{number}"
        raw_id = row.get(names["id"])
        if raw_id is None or raw_id == "":
            case_id = f"line{number}"
        elif isinstance(raw_id, (str, int)) and not isinstance(raw_id, bool):
            case_id = str(raw_id).strip()
        else:
            raise CritiqueUsageError(f"{where}: id must be text or a number, got {type(raw_id).__name__}")
        if case_id in seen:
            raise CritiqueUsageError(f"{where}: the id {case_id!r} is already used at {seen[case_id]}")
        seen[case_id] = where
        cases.append(Case(id=case_id, input=_text(row.get(names["input"]), "input", where),
                          instruction=_text(row.get(names["instruction"]), "instruction", where),
                          items=_items(row.get(names["items"]), where), rubric=_rubric(row.get(names["rubric"]), where),
                          output=_text(row.get(names["output"]), "output", where), fields=dict(row), source=where))
    if not cases:
        raise CritiqueUsageError(f"critique_cases: {path} has no rows")
    return cases


def critique_cases(path: str | Path, fields: Mapping[str, str] | None = None) -> list[Any]:
    """The rows of a cases file as ``pytest.param`` values with the rows' ids, for
    ``@pytest.mark.parametrize("case", critique_cases("cases.jsonl"))``.  A relative path is read from the
    directory of the module that calls this."""
    import pytest

    path = Path(path)
    if not path.is_absolute():
        caller = sys._getframe(1).f_globals.get("__file__")
        if caller:
            path = Path(caller).parent / path
    return [pytest.param(case, id=case.id) for case in load_cases(path, fields)]


def cases_for_marker(marker: Any, directory: Path, argnames: Any) -> tuple[str, list[Case]]:
    """The argument name and the cases a ``critique_cases`` marker names (a relative path is read from
    ``directory``, the test file's)."""
    if len(marker.args) != 1 or not isinstance(marker.args[0], (str, Path)):
        raise CritiqueUsageError("critique_cases takes the path of one cases file, e.g. "
                                 "@pytest.mark.critique_cases(\"cases.jsonl\")")
    unknown = set(marker.kwargs) - {"fields", "argname"}
    if unknown:
        raise CritiqueUsageError(f"critique_cases got unknown keyword arguments {sorted(unknown)} "
                                 "(it takes fields= and argname=)")
    argname = str(marker.kwargs.get("argname", "case"))
    if argname not in argnames:
        raise CritiqueUsageError(f"critique_cases gives each row as the argument {argname!r}, which the test "
                                 "does not take: add it to the test's parameters")
    return argname, load_cases(directory / Path(marker.args[0]), marker.kwargs.get("fields"))
