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
from pathlib import Path
from typing import Any

from ..errors import JudgeFailure
from .base import OfflineJudge
from .labels import read_labels


class RecordedJudge(OfflineJudge):
    """Replay recorded verdicts (another model's, or people's) from a JSONL file."""

    cacheable = True

    def __init__(self, path: str | Path):
        labels = read_labels(path, "recorded verdicts")
        self.path = labels.path
        self.name = f"recorded:{self.path.name}@{hashlib.sha256(labels.raw).hexdigest()[:8]}"
        self._verdicts: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for label in labels.verdicts:
            entry = {"verdict": label.verdict, "reason": label.reason or "recorded verdict",
                     "instruction": label.instruction, "input": label.input, "line": label.line}
            self._verdicts.setdefault((label.question.strip(), label.response.strip()), []).append(entry)
        self._checklists = {(checklist.instruction.strip(), (checklist.input or "").strip()): list(checklist.questions)
                            for checklist in labels.checklists}
        self._solutions: dict[str, list[tuple[tuple[str, ...], int | None, str]]] = {}
        for solution in labels.solutions:
            key = tuple(step.strip() for step in solution.steps)
            self._solutions.setdefault((solution.problem or "").strip(), []).append(
                (key, solution.first_error, solution.reason or "recorded verdict"))

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
