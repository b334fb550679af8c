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
    ``prefer`` compares two responses for ``compare()``: ``f(first, second, instruction=...,
    criteria=...)`` returning "first", "second" or "tie" (or that and a reason); it sees them
    in the order shown, so position bias can be scripted too.  ``grade`` scores a response
    for ``rubric()``: ``f(response, criteria=..., scores=[...], reference=..., instruction=...)``
    returning a score from 1 to 5 (or the score and feedback).  ``dimensions`` seeds
    ``define_dimension()``: dimension name -> {sub-aspect: [questions]}, or a function of
    ``(name, definition=..., sub_aspects=[...])`` returning that mapping; an offline judge adds
    no augmented questions and its filter keeps every question.  ``support`` answers
    ``consistent()``: ``f(sentence, passage)`` returning whether another answer (the passage)
    backs up a sentence of the main one (or that and a reason); without it the rules answer the
    question "Does the passage support this sentence? <sentence>" about the passage.
    ``claims`` breaks a response into claims for ``grounded()``: ``f(response)`` returning a list
    of claims.  ``ground`` judges one claim: ``f(claim, sources=[...])`` returning "supported",
    "contradicted" or "not found", or that with the passage it rests on (and a reason); a passage
    the sources do not hold word for word leaves the claim UNSCORED, as a model's would.
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
        prefer: Callable[..., Any] | None = None,
        grade: Callable[..., Any] | None = None,
        dimensions: Mapping[str, Mapping[str, Sequence[str]]] | Callable[..., Any] | None = None,
        support: Callable[[str, str], RuleResult] | None = None,
        claims: Callable[[str], Sequence[str] | None] | None = None,
        ground: Callable[..., Any] | None = None,
        name: str = "scripted",
    ):
        self._dimensions = dimensions
        self._support = support
        self._claims = claims
        self._ground = ground
        self.name = name
        self._step = step
        self._prefer = prefer
        self._grade = grade
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

    def prefer(self, *, first: str, second: str, instruction: str | None,
               criteria: str | None) -> tuple[str, str] | None:
        if self._prefer is None:
            return None
        result = self._prefer(first, second, instruction=instruction, criteria=criteria)
        choice, reason = result if isinstance(result, tuple) else (result, "scripted preference")
        if choice is None:
            return None
        return {"first": "1", "second": "2"}.get(str(choice), str(choice)), str(reason)

    def grade(self, *, response: str, criteria: str, scores: list[str], reference: str | None,
              instruction: str | None) -> tuple[int, str] | None:
        if self._grade is None:
            return None
        result = self._grade(response, criteria=criteria, scores=scores, reference=reference,
                             instruction=instruction)
        score, feedback = result if isinstance(result, tuple) else (result, "scripted grade")
        return None if score is None else (score, str(feedback))

    def dimension_questions(self, *, dimension: str, definition: str,
                            sub_aspects: list[str]) -> dict[str, list[str]] | None:
        if self._dimensions is None:
            return None
        if callable(self._dimensions):
            found = self._dimensions(dimension, definition=definition, sub_aspects=sub_aspects)
        else:
            found = self._dimensions.get(dimension)
        return None if found is None else {name: list(questions) for name, questions in found.items()}

    def supports(self, *, sentence: str, passage: str) -> tuple[bool, str] | None:
        if self._support is None:
            return None
        return _normalise(self._support(sentence, passage), "scripted support check")

    def claims(self, *, response: str) -> list[str] | None:
        if self._claims is None:
            return None
        found = self._claims(response)
        return None if found is None else [str(claim) for claim in found]

    def ground(self, *, claim: str, sources: list[str]) -> tuple[str, str, str] | None:
        if self._ground is None:
            return None
        result = self._ground(claim, sources=sources)
        if result is None:
            return None
        parts = (result, "", "scripted grounding") if isinstance(result, str) else tuple(result) + ("",) * 2
        verdict, quote, reason = parts[0], parts[1], parts[2] or "scripted grounding"
        return str(verdict), str(quote), str(reason)
