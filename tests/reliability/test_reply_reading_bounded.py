"""A judge reply can quote the response under test, so whatever an attacker writes can reach the reply
reader: no line may make it backtrack for long.  Every task reads long lines built from the words its
patterns look for, padded with the characters they skip, in bounded time (before this test, a line
`answer` + 2,000 spaces took 33 s)."""

from __future__ import annotations

import time

import pytest

from pytest_critique.backends.base import Reply
from pytest_critique.judges import checkeval, checklist, pairwise, rubric, steps
from pytest_critique.settings import Settings
from pytest_critique.tasks import ReplyProblem

TASKS = {
    "tick.item": (checklist.ITEM, {"instruction": "", "input": "", "response": "r", "question": "q?"}),
    "tick.batch": (checklist.BATCH, {"instruction": "", "input": "", "response": "r", "questions": ["a?", "b?"]}),
    "steps.step": (steps.STEP, {"problem": "p", "previous": [], "step": "s"}),
    "steps.first_error": (steps.FIRST_ERROR, {"problem": "p", "steps": ["a", "b"]}),
    "pairwise.compare": (pairwise.COMPARE, {"instruction": "", "criteria": "", "first": "a", "second": "b"}),
    "rubric.grade": (rubric.GRADE, {"response": "r", "criteria": "c", "scores": list("12345"), "reference": "",
                                    "instruction": ""}),
    "checkeval.subaspect": (checkeval.SUB_ASPECT, {"response": "r", "source": "", "context": "", "question": "",
                                                   "dimension": "d", "definition": "d", "sub_aspect": "s",
                                                   "questions": ["a?", "b?"]}),
}
SEEDS = ["answer", "Answer is", "my answer", "I'd say", "step", "the step is", "first wrong step", "first error in",
         "Step 2 is", "score", "[RESULT]", "winner", "Response 1", "I prefer", "Q1", "1.", "| 1 |", "{", "{'a': ",
         "if", "yes", "No", "a_b"]
FILLERS = [" ", "*", "_", "-", ":", "#", "? ", "- ", "{", "'", '"', "is ", "\u2014", "1 ", "_a"]
LENGTH = 5_000
BOUND = 3.0  # seconds for one reply; a few milliseconds when nothing backtracks


@pytest.mark.parametrize("name", sorted(TASKS))
def test_long_hostile_lines_are_read_in_bounded_time(name: str) -> None:
    task, fields = TASKS[name]
    call = task.call(fields, Settings())
    slowest = (0.0, "")
    for seed in SEEDS:
        for filler in FILLERS:
            text = seed + filler * (LENGTH // len(filler)) + "x"
            started = time.perf_counter()
            try:
                task.read(Reply(text=text), call)
            except ReplyProblem:
                pass
            took = time.perf_counter() - started
            slowest = max(slowest, (took, f"{seed!r} + {filler!r} x {LENGTH // len(filler)}"))
    assert slowest[0] < BOUND, f"{name}: {slowest[1]} took {slowest[0]:.1f} s"
