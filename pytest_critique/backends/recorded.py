"""RecordedJudge: an offline judge that replays verdicts recorded elsewhere.

The file is JSON Lines.  A verdict line holds ``question``, ``response`` and ``verdict``
(true/false or "YES"/"NO"), optionally ``reason``, ``instruction`` and ``input`` (used to
tell apart records that share a question and a response).  A checklist line holds
``instruction`` (optionally ``input``) and ``questions``, and answers checklist generation.
A step line holds ``steps`` (a list of strings), ``first_error`` (the 1-based number of the
first wrong step, or null when all are correct), optionally ``problem`` and ``reason``, and
answers the step critic.  A question with no recorded verdict is UNSCORED, never a default.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from ..errors import CritiqueUsageError, JudgeFailure
from .base import OfflineJudge


def _verdict_value(raw: Any) -> bool | None:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int) and raw in (0, 1):
        return bool(raw)
    if isinstance(raw, str) and raw.strip().upper() in ("YES", "NO", "TRUE", "FALSE"):
        return raw.strip().upper() in ("YES", "TRUE")
    return None


class RecordedJudge(OfflineJudge):
    """Replay recorded verdicts (another model's, or people's) from a JSONL file."""

    cacheable = True

    def __init__(self, path: str | Path):
        self.path = Path(path)
        try:
            raw = self.path.read_bytes()
        except OSError as exc:
            raise CritiqueUsageError(f"critique: cannot read recorded verdicts {self.path}: {exc}") from None
        self.name = f"recorded:{self.path.name}@{hashlib.sha256(raw).hexdigest()[:8]}"
        self._verdicts: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self._checklists: dict[tuple[str, str], list[str]] = {}
        self._solutions: dict[str, list[tuple[tuple[str, ...], int | None, str]]] = {}
        for number, line_bytes in enumerate(raw.splitlines(), start=1):
            try:
                line = line_bytes.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise self._fail(number, f"not valid UTF-8 ({exc.reason} at byte {exc.start})") from None
            if line.strip():
                self._load_line(line, number)

    def _fail(self, number: int, problem: str) -> CritiqueUsageError:
        return CritiqueUsageError(f"critique: {self.path}:{number}: {problem}")

    def _load_line(self, line: str, number: int) -> None:
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise self._fail(number, f"not valid JSON ({exc.msg})") from None
        if not isinstance(record, dict):
            raise self._fail(number, "expected a JSON object")
        if "questions" in record:
            questions = record["questions"]
            if not isinstance(record.get("instruction"), str) or not isinstance(questions, list) or not all(
                    isinstance(q, str) for q in questions):
                raise self._fail(number, "a checklist line needs 'instruction' (string) and "
                                         "'questions' (list of strings)")
            self._checklists[(record["instruction"].strip(), (record.get("input") or "").strip())] = questions
            return
        if "steps" in record:
            self._load_solution(record, number)
            return
        for name in ("question", "response"):
            if not isinstance(record.get(name), str):
                raise self._fail(number, f"missing string field {name!r}")
        verdict = _verdict_value(record.get("verdict"))
        if verdict is None:
            raise self._fail(number, f"'verdict' must be true/false or YES/NO, got {record.get('verdict')!r}")
        entry = {"verdict": verdict, "reason": str(record.get("reason") or "recorded verdict"),
                 "instruction": record.get("instruction"), "input": record.get("input"), "line": number}
        self._verdicts.setdefault((record["question"].strip(), record["response"].strip()), []).append(entry)

    def _load_solution(self, record: dict[str, Any], number: int) -> None:
        steps = record["steps"]
        if not isinstance(steps, list) or not steps or not all(isinstance(step, str) for step in steps):
            raise self._fail(number, "'steps' must be a non-empty list of strings")
        first_error = record.get("first_error")
        if first_error is not None and (isinstance(first_error, bool) or not isinstance(first_error, int)
                                        or not 1 <= first_error <= len(steps)):
            raise self._fail(number, f"'first_error' must be null or a step number from 1 to {len(steps)}, "
                                     f"got {first_error!r}")
        problem = record.get("problem") or ""
        if not isinstance(problem, str):
            raise self._fail(number, "'problem' must be a string")
        key = tuple(step.strip() for step in steps)
        self._solutions.setdefault(problem.strip(), []).append(
            (key, first_error, str(record.get("reason") or "recorded verdict")))

    def locate_error(self, *, steps: list[str], problem: str | None) -> tuple[int | None, str] | None:
        key = tuple(step.strip() for step in steps)
        for recorded, first_error, reason in self._solutions.get((problem or "").strip(), []):
            if recorded == key:
                return first_error, reason
        return None

    def judge_step(self, *, step: str, previous: list[str], problem: str | None) -> tuple[bool, str] | None:
        prefix = tuple(part.strip() for part in [*previous, step])
        number = len(prefix)
        for recorded, first_error, reason in self._solutions.get((problem or "").strip(), []):
            if recorded[:number] != prefix:
                continue
            if first_error is None or first_error > number:
                return True, "recorded: correct"
            if first_error == number:
                return False, reason
        return None  # only steps up to the first recorded error have a verdict

    def __len__(self) -> int:
        return sum(len(entries) for entries in self._verdicts.values())

    def answer(self, *, question: str, response: str, instruction: str | None,
               input: str | None) -> tuple[bool, str] | None:
        candidates = self._verdicts.get((question.strip(), response.strip()), [])
        for name, given in (("instruction", instruction), ("input", input)):
            if len(candidates) > 1 and given is not None:
                narrowed = [c for c in candidates if (c[name] or "").strip() == given.strip()]
                candidates = narrowed or candidates
        if not candidates:
            return None
        if len({c["verdict"] for c in candidates}) > 1:
            lines = ", ".join(str(c["line"]) for c in candidates)
            raise JudgeFailure(f"{self.path.name} records conflicting verdicts for question {question!r} "
                               f"(lines {lines})", "missing")
        return candidates[0]["verdict"], candidates[0]["reason"]

    def checklist(self, *, instruction: str, input: str | None) -> list[str] | None:
        return self._checklists.get((instruction.strip(), (input or "").strip()))
