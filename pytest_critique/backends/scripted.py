"""ScriptedJudge: an offline judge that answers from rules written in Python.

It is not a model: use it to run a suite with no model at all (examples, CI smoke runs,
testing your own conftest), or to express deterministic checks as checklist items.
"""

from __future__ import annotations

import re
from typing import Any, Callable, Mapping, Sequence

from .base import OfflineJudge

RuleResult = Any  # bool, (bool, reason) or None for "no opinion"


def _normalise(result: RuleResult, default_reason: str) -> tuple[bool, str] | None:
    if result is None:
        return None
    if isinstance(result, tuple):
        answer, reason = result
        return bool(answer), str(reason)
    return bool(result), default_reason


class ScriptedJudge(OfflineJudge):
    """Answer checklist questions with rules instead of a model.

    ``rules`` maps a regular expression (searched case-insensitively in the question) to a
    function of the response returning ``True``/``False``, ``(answer, reason)``, or ``None``
    for no opinion.  The first matching rule answers.  ``answer`` is a fallback
    ``f(question, response, instruction=..., input=...)`` for questions no rule matches.
    ``checklists`` maps an instruction to its questions (or is a function of
    ``(instruction, input)``), for tests that let the judge generate the checklist.
    ``step`` judges one step of a solution for the step critic:
    ``f(step, previous=[...], problem=...)`` returning ``True`` when the step is correct.
    A question nothing answers is UNSCORED, never a default answer.
    """

    cacheable = False

    def __init__(
        self,
        rules: Mapping[str, Callable[[str], RuleResult]] | None = None,
        *,
        answer: Callable[..., RuleResult] | None = None,
        checklists: Mapping[str, Sequence[str]] | Callable[[str, str | None], Sequence[str] | None]
        | None = None,
        step: Callable[..., RuleResult] | None = None,
        name: str = "scripted",
    ):
        self.name = name
        self._step = step
        self._rules = [(re.compile(pattern, re.IGNORECASE), pattern, rule)
                       for pattern, rule in (rules or {}).items()]
        self._answer = answer
        self._checklists = checklists

    def answer(self, *, question: str, response: str, instruction: str | None,
               input: str | None) -> tuple[bool, str] | None:
        for regex, pattern, rule in self._rules:
            if regex.search(question):
                return _normalise(rule(response), f"scripted rule /{pattern}/")
        if self._answer is not None:
            return _normalise(self._answer(question, response, instruction=instruction, input=input),
                              "scripted answer function")
        return None

    def checklist(self, *, instruction: str, input: str | None) -> list[str] | None:
        if self._checklists is None:
            return None
        if callable(self._checklists):
            found = self._checklists(instruction, input)
        else:
            found = self._checklists.get(instruction)
        return None if found is None else list(found)

    def judge_step(self, *, step: str, previous: list[str], problem: str | None) -> tuple[bool, str] | None:
        if self._step is None:
            return None
        return _normalise(self._step(step, previous=previous, problem=problem), "scripted step check")
