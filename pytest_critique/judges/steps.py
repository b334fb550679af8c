"""Step-level critics: locate the first wrong step (ProcessBench), or judge each step in turn.

``first_error`` asks once for the earliest wrong step.  ``per_step`` judges each step with the
earlier ones as context (DeepCritic, AutoMathCritique), stopping at the first wrong step unless
told otherwise; each step's verdict is keyed by the problem and the steps up to it, so appending
or editing later steps never re-judges earlier ones.
"""

from __future__ import annotations

import re
import warnings
from collections import Counter
from typing import Any, Callable, Literal, Sequence

from pydantic import BaseModel, field_validator

from ..backends.base import JudgeCall
from ..engine import Outcome
from ..models import StepVerdict, Usage, Vote
from ..tasks import ReplyProblem, Task, final_line

Run = Callable[[Task[Any], list[JudgeCall]], list[Outcome]]
MakeCall = Callable[[Task[Any], dict[str, Any], int], JudgeCall]


class LocatedError(BaseModel):
    reasoning: str = ""
    first_wrong_step: int | None
    explanation: str = ""

    @field_validator("first_wrong_step", mode="before")
    @classmethod
    def _none_words(cls, value: Any) -> Any:
        # The prompt numbers steps from 1 and asks for null when every step is correct; -1 is
        # ProcessBench's "no error".  0 is never "no error": under a 0-based reading it means
        # step 1, so it is unreadable rather than a pass.
        if isinstance(value, str) and value.strip().lower() in ("", "null", "none", "-1"):
            return None
        if isinstance(value, str) and value.strip() == "0" or value == 0 and not isinstance(value, bool):
            raise ValueError("steps are numbered from 1: 0 is not a step (give null when every step is correct)")
        if value == -1 and not isinstance(value, bool):
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


def _in_range(answer: LocatedError, call: JudgeCall) -> None:
    located = answer.first_wrong_step
    count = len(call.fields["steps"])
    if located is not None and not 1 <= located <= count:
        raise ReplyProblem(f"first_wrong_step must be null or a step number from 1 to {count}, got {located}")


_VERDICT_LINE = re.compile(r"^\W*(?:final\s+)?verdict\W*[:=]\W*(correct|incorrect|wrong)\b",
                           re.IGNORECASE | re.MULTILINE)


def _verdict_line(text: str) -> dict[str, Any] | None:
    return final_line(_VERDICT_LINE, text, "reasoning", "verdict")


FIRST_ERROR = Task("steps.first_error", "steps_first_error.j2", LocatedError, check=_in_range,
                   failing=lambda located: located not in ("NONE", "NULL", "-1", ""))
STEP = Task("steps.step", "steps_step.j2", StepJudgement, text_fallback=_verdict_line,
            failing=lambda verdict: verdict in ("WRONG", "INCORRECT", "NO"))
STEP_WINDOW = Task("steps.step", "steps_step_window.j2", StepJudgement, text_fallback=_verdict_line,
                   failing=lambda verdict: verdict in ("WRONG", "INCORRECT", "NO"))
"""A step judged with only the steps just before it (``context="window:K"``); ``first`` numbers them."""


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
    located: list[int | None] = [outcome.answer["first_wrong_step"] for outcome in outcomes]
    counts = Counter(located)
    top = max(counts.values())
    tied = [value for value, count in counts.items() if count == top]
    # A tie between locations goes to the earliest error: a flagged step is not proven correct.
    chosen = min((value for value in tied if value is not None), default=None)
    explanation = next(outcome.answer["explanation"] or outcome.answer["reasoning"]
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
    votes = [Vote(answer=outcome.answer["verdict"] == "correct", reason=outcome.answer["reasoning"],
                  cached=outcome.cached) for outcome in outcomes]
    correct = sum(vote.answer for vote in votes) * 2 > len(votes)  # a tie is wrong: not proven correct
    agreeing = [vote for vote in votes if vote.answer == correct]
    return StepVerdict(index=number, text=text, status="correct" if correct else "wrong",
                       reason=agreeing[0].reason, votes=votes, agreement=len(agreeing) / len(votes),
                       cached=all(vote.cached for vote in votes))


QUADRATIC_WARNING = 400_000
"""Prompt characters per solution past which per_step judging warns (every step resends the ones before it)."""


class StepContextWarning(UserWarning):
    """per_step judging of a long solution sends the earlier steps again with every step."""


def parse_context(context: Any, mode: str) -> int | None:
    """``"all"`` (None) or ``"window:K"`` (K): how many earlier steps a per_step call sees."""
    from ..errors import CritiqueUsageError

    text = str(context).strip().lower().replace(" ", "") if isinstance(context, str) else None
    if text == "all":
        return None
    if text and text.startswith("window:") and text[7:].isdigit() and int(text[7:]) >= 1:
        if mode != "per_step":
            raise CritiqueUsageError("critique: context='window:K' applies to mode='per_step' (first_error sends "
                                     "the solution once)")
        return int(text[7:])
    raise CritiqueUsageError(f"critique: steps() context must be 'all' or 'window:K' with K >= 1, got {context!r}")


def prompt_characters(steps: list[str], problem: str, window: int | None) -> int:
    """The characters of problem and steps that per_step judging sends, over all its calls."""
    total, before = 0, 0
    lengths = [len(step) for step in steps]
    for number, length in enumerate(lengths, start=1):
        shown = before if window is None else sum(lengths[max(0, number - 1 - window): number - 1])
        total += len(problem) + shown + length
        before += length
    return total


def warn_if_quadratic(steps: list[str], problem: str, window: int | None, warned: set[str]) -> None:
    if window is not None or "per_step" in warned:
        return
    total = prompt_characters(steps, problem, None)
    if total <= QUADRATIC_WARNING:
        return
    warned.add("per_step")
    message = (f"critique: per_step judging of this {len(steps)}-step solution sends {total:,} prompt characters, "
               "since every step goes with all the steps before it (the growth is quadratic); "
               "steps(..., context='window:K') sends only the K steps before each one. Warned once per run.")
    try:
        warnings.warn(StepContextWarning(message), stacklevel=4)
    except Warning:
        pass


def judge_each_step(steps: list[str], problem: str, samples: int, stop_at_first: bool, run: Run,
                    make_call: MakeCall, window: int | None = None) -> tuple[list[StepVerdict], Usage]:
    """Judge every step with the earlier ones (or the ``window`` before it) as context, in order."""

    def calls_for(number: int) -> list[JudgeCall]:
        fields: dict[str, Any]
        if window is None:
            fields = {"problem": problem, "previous": steps[: number - 1], "step": steps[number - 1]}
            return [make_call(STEP, fields, sample) for sample in range(samples)]
        first = max(1, number - window)
        fields = {"problem": problem, "previous": steps[first - 1: number - 1], "step": steps[number - 1],
                  "first": first}
        return [make_call(STEP_WINDOW, fields, sample) for sample in range(samples)]

    usage = Usage()
    if not stop_at_first:
        outcomes = run(STEP if window is None else STEP_WINDOW,
                       [call for number in range(1, len(steps) + 1) for call in calls_for(number)])
        usage = _total(outcomes)
        return [_step_verdict(number, text, outcomes[(number - 1) * samples: number * samples])
                for number, text in enumerate(steps, start=1)], usage
    verdicts: list[StepVerdict] = []
    for number, text in enumerate(steps, start=1):
        outcomes = run(STEP if window is None else STEP_WINDOW, calls_for(number))
        usage = usage + _total(outcomes)
        verdict = _step_verdict(number, text, outcomes)
        verdicts.append(verdict)
        if verdict.status != "correct":
            verdicts.extend(StepVerdict(index=later, text=steps[later - 1], status="not_judged")
                            for later in range(number + 1, len(steps) + 1))
            break
    return verdicts, usage
