"""The labels file (JSON Lines) read by the recorded judge and by calibration: one parser for both.

A verdict line holds ``question``, ``response`` and ``verdict`` (true/false, 1/0 or "YES"/"NO"),
optionally ``reason``, ``instruction``, ``input`` and ``category`` (a string or a list of strings).
A checklist line holds ``instruction`` (optionally ``input``) and ``questions``.  A step line
holds ``steps`` (a non-empty list of strings), ``first_error`` (the 1-based number of the first
wrong step, or null when every step is correct), optionally ``problem`` and ``reason``.  Empty
lines are skipped; anything else is an error naming the file and line.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import CritiqueUsageError


@dataclass(frozen=True)
class VerdictLabel:
    line: int
    question: str
    response: str
    verdict: bool
    reason: str | None = None
    instruction: str | None = None
    input: str | None = None
    categories: tuple[str, ...] = ()


@dataclass(frozen=True)
class ChecklistLabel:
    line: int
    instruction: str
    input: str | None
    questions: tuple[str, ...]


@dataclass(frozen=True)
class StepLabel:
    line: int
    steps: tuple[str, ...]
    first_error: int | None
    problem: str | None = None
    reason: str | None = None


@dataclass
class LabelsFile:
    path: Path
    raw: bytes
    verdicts: list[VerdictLabel] = field(default_factory=list)
    checklists: list[ChecklistLabel] = field(default_factory=list)
    solutions: list[StepLabel] = field(default_factory=list)


def verdict_value(raw: Any) -> bool | None:
    """A label's verdict: true/false, 1/0 or YES/NO (any case); None for anything else."""
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int) and raw in (0, 1):
        return bool(raw)
    if isinstance(raw, str) and raw.strip().upper() in ("YES", "NO", "TRUE", "FALSE"):
        return raw.strip().upper() in ("YES", "TRUE")
    return None


class _Line:
    def __init__(self, path: Path, number: int, record: dict[str, Any]):
        self.where, self.number, self.record = f"{path}:{number}", number, record

    def fail(self, problem: str) -> CritiqueUsageError:
        return CritiqueUsageError(f"{self.where}: {problem}")

    def text(self, name: str, required: bool = False) -> str | None:
        value = self.record.get(name)
        if value is None and not required:
            return None
        if not isinstance(value, str):
            raise self.fail(f"missing string field {name!r}" if required else f"{name!r} must be a string")
        return value

    def strings(self, name: str, what: str) -> tuple[str, ...]:
        value = self.record.get(name)
        if not isinstance(value, list) or not value or not all(isinstance(item, str) for item in value):
            raise self.fail(f"'{name}' must be a non-empty list of strings")
        return tuple(value)

    def categories(self) -> tuple[str, ...]:
        raw = self.record.get("category")
        if raw is None:
            return ()
        if isinstance(raw, str):
            return (raw,) if raw.strip() else ()
        if isinstance(raw, list) and all(isinstance(item, str) for item in raw):
            return tuple(dict.fromkeys(item for item in raw if item.strip()))
        raise self.fail("'category' must be a string or a list of strings")


def _reason(line: _Line) -> str | None:
    raw = line.record.get("reason")
    return None if raw is None else str(raw)


def _add(labels: LabelsFile, line: _Line) -> None:
    record = line.record
    if "steps" in record:
        steps = line.strings("steps", "a step line's")
        first_error = record.get("first_error")
        if first_error is not None and (isinstance(first_error, bool) or not isinstance(first_error, int)
                                        or not 1 <= first_error <= len(steps)):
            raise line.fail(f"'first_error' must be null or a step number from 1 to {len(steps)}, "
                            f"got {first_error!r}")
        labels.solutions.append(StepLabel(line.number, steps, first_error, line.text("problem"), _reason(line)))
    elif "questions" in record:
        instruction, questions = record.get("instruction"), record["questions"]
        if not isinstance(instruction, str) or not isinstance(questions, list) or not all(
                isinstance(question, str) for question in questions):
            raise line.fail("a checklist line needs 'instruction' (string) and 'questions' (list of strings)")
        labels.checklists.append(ChecklistLabel(line.number, instruction, line.text("input"), tuple(questions)))
    else:
        question, response = line.text("question", required=True) or "", line.text("response", required=True) or ""
        verdict = verdict_value(record.get("verdict"))
        if verdict is None:
            raise line.fail(f"'verdict' must be true/false or YES/NO, got {record.get('verdict')!r}")
        labels.verdicts.append(VerdictLabel(line.number, question, response, verdict, _reason(line),
                                            line.text("instruction"), line.text("input"), line.categories()))


def read_labels(path: str | Path, what: str = "labels") -> LabelsFile:
    """Every line of a labels file, checked; ``what`` names the file in the error when it cannot be read."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CritiqueUsageError(f"cannot read {what} {path}: {exc}") from None
    labels = LabelsFile(path, raw)
    for number, line_bytes in enumerate(raw.splitlines(), start=1):
        try:
            text = line_bytes.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise CritiqueUsageError(f"{path}:{number}: not valid UTF-8 ({exc.reason} at byte {exc.start})") \
                from None
        if not text.strip():
            continue
        try:
            record = json.loads(text)
        except json.JSONDecodeError as exc:
            raise CritiqueUsageError(f"{path}:{number}: not valid JSON ({exc.msg})") from None
        if not isinstance(record, dict):
            raise CritiqueUsageError(f"{path}:{number}: expected a JSON object")
        _add(labels, _Line(path, number, record))
    return labels
