"""Step-level critics: locate the first wrong step (ProcessBench), or judge each step in turn.

``first_error`` asks once for the earliest wrong step.  ``per_step`` judges each step with the
earlier ones as context (DeepCritic, AutoMathCritique), stopping at the first wrong step unless
told otherwise; each step's verdict is keyed by the problem and the steps up to it, so appending
or editing later steps never re-judges earlier ones.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any, Callable, Literal, Sequence

from pydantic import BaseModel, field_validator

from ..backends.base import JudgeCall
from ..engine import Outcome
from ..models import StepVerdict, Usage, Vote
from .base import ReplyProblem, Task, final_line

Run = Callable[[Task, list[JudgeCall]], list[Outcome]]
MakeCall = Callable[[Task, dict[str, Any], int], JudgeCall]


class LocatedError(BaseModel):
    reasoning: str = ""
    first_wrong_step: int | None
    explanation: str = ""

    @field_validator("first_wrong_step", mode="before")
    @classmethod
    def _none_words(cls, value: Any) -> Any:
        if isinstance(value, str) and value.strip().lower() in ("", "null", "none", "-1", "0"):
            return None
        if value in (-1, 0):
            return None
        return value


class StepJudgement(BaseModel):
    reasoning: str = ""
    verdict: Literal["correct", "wrong"]

    @field_validator("verdict", mode="before")
    @classmethod
    def _normalise(cls, value: Any) -> Any:
        if isinstance(value, bool):
            return "correct" if value else "wrong"
        if isinstance(value, str):
            word = value.strip().strip(".*").lower()
            return {"incorrect": "wrong", "right": "correct"}.get(word, word)
        return value


def _in_range(answer: BaseModel, call: JudgeCall) -> None:
    located = answer.first_wrong_step  # type: ignore[attr-defined]
    count = len(call.fields["steps"])
    if located is not None and not 1 <= located <= count:
        raise ReplyProblem(f"first_wrong_step must be null or a step number from 1 to {count}, got {located}")


_VERDICT_LINE = re.compile(r"^\W*(?:final\s+)?verdict\W*[:=]\W*(correct|incorrect|wrong)\b",
                           re.IGNORECASE | re.MULTILINE)


def _verdict_line(text: str) -> dict[str, Any] | None:
    return final_line(_VERDICT_LINE, text, "reasoning", "verdict")


FIRST_ERROR = Task("steps.first_error", "steps_first_error.j2", LocatedError, check=_in_range)
STEP = Task("steps.step", "steps_step.j2", StepJudgement, text_fallback=_verdict_line)


def _total(outcomes: Sequence[Outcome]) -> Usage:
    usage = Usage()
    for outcome in outcomes:
        usage = usage + outcome.usage
    return usage


def _failure(outcomes: Sequence[Outcome]) -> str | None:
    for outcome in outcomes:
        if outcome.failure is not None:
            return outcome.failure.reason
    return None


def locate_first_error(steps: list[str], problem: str, samples: int, run: Run,
                       make_call: MakeCall) -> tuple[list[StepVerdict], list[int | None], float | None, Usage]:
    """One call per sample locates the earliest wrong step; the most located step wins."""
    calls = [make_call(FIRST_ERROR, {"problem": problem, "steps": steps}, sample) for sample in range(samples)]
    outcomes = run(FIRST_ERROR, calls)
    usage = _total(outcomes)
    failure = _failure(outcomes)
    if failure is not None:
        return ([StepVerdict(index=n, text=text, status="unscored", reason=failure, error=failure)
                 for n, text in enumerate(steps, start=1)], [], None, usage)
    located: list[int | None] = [outcome.data["first_wrong_step"] for outcome in outcomes]  # type: ignore[index]
    counts = Counter(located)
    top = max(counts.values())
    tied = [value for value, count in counts.items() if count == top]
    # A tie between locations goes to the earliest error: a flagged step is not proven correct.
    chosen = min((value for value in tied if value is not None), default=None)
    explanation = next(outcome.data["explanation"] or outcome.data["reasoning"]  # type: ignore[index]
                       for outcome, value in zip(outcomes, located) if value == chosen)
    cached = all(outcome.cached for outcome in outcomes)
    verdicts = []
    for number, text in enumerate(steps, start=1):
        if chosen is None or number < chosen:
            verdicts.append(StepVerdict(index=number, text=text, status="correct", cached=cached,
                                        reason=explanation if chosen is None and number == len(steps) else ""))
        elif number == chosen:
            verdicts.append(StepVerdict(index=number, text=text, status="wrong", reason=explanation, cached=cached))
        else:
            verdicts.append(StepVerdict(index=number, text=text, status="not_judged", cached=cached))
    return verdicts, located, top / len(located), usage


def _step_verdict(number: int, text: str, outcomes: Sequence[Outcome]) -> StepVerdict:
    failure = _failure(outcomes)
    if failure is not None:
        return StepVerdict(index=number, text=text, status="unscored", reason=failure, error=failure)
    votes = [Vote(answer=outcome.data["verdict"] == "correct", reason=outcome.data["reasoning"],  # type: ignore[index]
                  cached=outcome.cached) for outcome in outcomes]
    correct = sum(vote.answer for vote in votes) * 2 > len(votes)  # a tie is wrong: not proven correct
    agreeing = [vote for vote in votes if vote.answer == correct]
    return StepVerdict(index=number, text=text, status="correct" if correct else "wrong",
                       reason=agreeing[0].reason, votes=votes, agreement=len(agreeing) / len(votes),
                       cached=all(vote.cached for vote in votes))


def judge_each_step(steps: list[str], problem: str, samples: int, stop_at_first: bool, run: Run,
                    make_call: MakeCall) -> tuple[list[StepVerdict], Usage]:
    """Judge every step with the earlier ones as context, in order."""

    def calls_for(number: int) -> list[JudgeCall]:
        fields = {"problem": problem, "previous": steps[: number - 1], "step": steps[number - 1]}
        return [make_call(STEP, fields, sample) for sample in range(samples)]

    usage = Usage()
    if not stop_at_first:
        outcomes = run(STEP, [call for number in range(1, len(steps) + 1) for call in calls_for(number)])
        usage = _total(outcomes)
        return [_step_verdict(number, text, outcomes[(number - 1) * samples: number * samples])
                for number, text in enumerate(steps, start=1)], usage
    verdicts: list[StepVerdict] = []
    for number, text in enumerate(steps, start=1):
        outcomes = run(STEP, calls_for(number))
        usage = usage + _total(outcomes)
        verdict = _step_verdict(number, text, outcomes)
        verdicts.append(verdict)
        if verdict.status != "correct":
            verdicts.extend(StepVerdict(index=later, text=steps[later - 1], status="not_judged")
                            for later in range(number + 1, len(steps) + 1))
            break
    return verdicts, usage
