"""Reading the reply corpus with the plugin's own tasks: shared by the corpus test and bench/reply_reading.py."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from pytest_critique.backends.base import Reply
from pytest_critique.judges import checkeval, checklist, pairwise, rubric, steps
from pytest_critique.settings import Settings
from pytest_critique.tasks import ReplyProblem, Task

HERE = Path(__file__).resolve().parent
UNREADABLE = "unreadable"
TASKS: dict[str, Task[Any]] = {
    "tick.item": checklist.ITEM, "tick.batch": checklist.BATCH, "checkeval.subaspect": checkeval.SUB_ASPECT,
    "steps.step": steps.STEP, "steps.first_error": steps.FIRST_ERROR, "pairwise.compare": pairwise.COMPARE,
    "rubric.grade": rubric.GRADE,
}
_DECIDING = {"tick.item": "answer", "steps.step": "verdict", "steps.first_error": "first_wrong_step",
             "pairwise.compare": "winner", "rubric.grade": "score"}


def rows(name: str = "corpus.jsonl") -> list[dict[str, Any]]:
    return [json.loads(line) for line in (HERE / name).read_text(encoding="utf-8").splitlines() if line.strip()]


def decision(task: str, data: dict[str, Any]) -> Any:
    """What validated answer data decides: the answer, verdict, step, winner or score; a batch's answers."""
    if task in _DECIDING:
        return data[_DECIDING[task]]
    return [answer["answer"] for answer in data["answers"]]


def read(row: dict[str, Any]) -> tuple[Any, str]:
    """(what the plugin reads from the row's reply, or "unreadable"; the reader's problem, if any)."""
    task = TASKS[row["task"]]
    try:
        data = task.read(Reply(text=row["reply"]), task.call(row["fields"], Settings()))
    except ReplyProblem as problem:
        return UNREADABLE, str(problem)
    return decision(row["task"], data), ""


def figures(chosen: list[dict[str, Any]]) -> dict[str, Counter[str]]:
    """Per task: readable replies, those read right, wrong reads (of any reply), unreadable replies."""
    found: dict[str, Counter[str]] = {}
    for row in chosen:
        counts = found.setdefault(row["task"], Counter())
        got, _ = read(row)
        if row["expect"] == UNREADABLE:
            counts["unreadable"] += 1
            counts["wrong"] += got != UNREADABLE
        else:
            counts["readable"] += 1
            counts["read"] += got == row["expect"]
            counts["wrong"] += got not in (UNREADABLE, row["expect"])
    return found
