"""Step-level critics: locate the first wrong step (ProcessBench), or judge each step in turn.

``first_error`` asks once for the earliest wrong step.  ``per_step`` judges each step with the
earlier ones as context (DeepCritic, AutoMathCritique), stopping at the first wrong step unless
told otherwise; each step's verdict is keyed by the problem and the steps up to it, so appending
or editing later steps never re-judges earlier ones.
"""

from __future__ import annotations

import re
import warnings
from typing import Any, Literal, Mapping, Sequence

from pydantic import BaseModel, field_validator

from ..backends.base import Backend, JudgeCall, OfflineJudge
from ..engine import Outcome
from ..errors import CritiqueUsageError, CritiqueWarning, JudgeFailure
from ..html_parts import Html, collapsible, columns, exchange, figure, join, line, row, rows, votes
from ..models import Usage, Vote
from .steps_verdicts import StepsVerdict, StepVerdict
from ..report_text import exchange_lines, judge_label, plural, shorten, tally, wrapped
from ..tasks import ANSWER_END, ReplyProblem, Statements, Task, tokens_per
from .context import JudgeContext, first_failure, total_usage
from .kind import Failing, Figures, JudgeKind, RunCounts, ShowNodeid
from .votes import majority, mark_unstable_steps, tie_is_no


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
        if isinstance(value, str):
            text = value.strip().strip(".*_`'\" ").lower()
            if text in ("", "null", "none", "-1", "no error", "no errors", "no wrong step", "all correct"):
                return None
            labelled = re.fullmatch(r"(?:step\s*#?\s*)?(\d{1,4})\s*[:.)]?", text)  # "Step 2", "step 2:", "2."
            if labelled:
                value = labelled.group(1)
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
            word = " ".join(value.strip().strip(".*_`'\" ").lower().split())
            return _STEP_WORDS.get(word, word)
        return value


def _in_range(answer: LocatedError, call: JudgeCall) -> None:
    located = answer.first_wrong_step
    count = len(call.fields["steps"])
    if located is not None and not 1 <= located <= count:
        raise ReplyProblem(f"first_wrong_step must be null or a step number from 1 to {count}, got {located}")


_STEP_WORDS = {"correct": "correct", "right": "correct", "valid": "correct", "not wrong": "correct",
               "not incorrect": "correct", "wrong": "wrong", "incorrect": "wrong", "not correct": "wrong",
               "invalid": "wrong", "erroneous": "wrong"}
_ADVERB = r"(?:(?:clearly|entirely|fully|completely|mathematically|logically|actually|indeed|also)\s+)?"


def _step_word(found: str) -> str:
    return _STEP_WORDS[" ".join(found.lower().split())]


STEP_STATEMENTS = Statements(
    "verdict",
    patterns=(
        re.compile(r"^[\s*_>#-]*(?:final\s+)?(?:verdict|answer|judg(?:e)?ment|decision|conclusion|"
                   r"(?:step\s+)?(?:correctness|status|assessment|evaluation|result))[\s*_]*[:=-]"
                   r"[\s*_\"']*((?:not\s+)?(?:correct|incorrect|wrong|erroneous|valid|invalid))" + ANSWER_END,
                   re.IGNORECASE),
        re.compile(r"[.!?]\s+[*_\"']*((?:not\s+)?(?:correct|incorrect|wrong|erroneous))[*_\"']*[.!]?\s*$",
                   re.IGNORECASE),  # a last sentence that is only the verdict: "20 - 14 = 6. Correct."
        re.compile(r"\b(?:this|the)\s+(?:current\s+|new\s+|last\s+)?step\s+is\s+" + _ADVERB
                   + r"((?:not\s+)?(?:correct|incorrect|wrong|erroneous|valid|invalid))\b", re.IGNORECASE),
    ),
    bare={word: verdict for word, verdict in _STEP_WORDS.items()}, convert=_step_word)
"""How a prose reply judges one step: ``Verdict: wrong``, ``This step is incorrect.``, a line ``Correct``."""

_NUMBER = r"(?:step[\s#]*)?(\d{1,4})(?!\s*[-+x*/=\u00d7]\s*\d)(?!\.\d)"
"""A step number, not the first number of a sum (``first wrong step: 12 - 2 is 10`` names no step)."""
LOCATED_STATEMENTS = Statements(
    "first_wrong_step",
    patterns=(
        re.compile(r"(?:first|earliest)[\s_]+(?:wrong|incorrect|erroneous|faulty|flawed)[\s_]+step(?:[\s*_\"':=]|\bis\b)*"
                   + _NUMBER + r"\b", re.IGNORECASE),
        re.compile(r"(?:first|earliest)[\s_]+(?:error|mistake)[\s*_]*(?:is\s+|occurs\s+|appears\s+|happens\s+|"
                   r"comes\s+)?(?:in|at)\s+step[\s#]*(\d{1,4})\b", re.IGNORECASE),
        re.compile(r"^[\s*_>#-]*(?:an?\s+)?error\s+(?:is\s+)?(?:found|located)\s+(?:in|at)\s+step[\s#]*(\d{1,4})\b",
                   re.IGNORECASE),
        re.compile(r"\bstep[\s#]*(\d{1,4})\s+is\s+the\s+first\s+(?:wrong|incorrect|erroneous|faulty|flawed)\s+(?:step|one)",
                   re.IGNORECASE),
        re.compile(r"\bstep[\s#]*(\d{1,4})\s+(?:contains|has|is\s+where)\s+the\s+first\s+(?:error|mistake)",
                   re.IGNORECASE),
        re.compile(r"first[\s_]+wrong[\s_]+step[\s*_]*[:=][\s*_\"']*(none|null)\b", re.IGNORECASE),
        re.compile(r"\b((?:all|every)\s+(?:of\s+the\s+|the\s+)?steps?\s+(?:are|is)\s+" + _ADVERB
                   + r"(?:correct|valid|right))",
                   re.IGNORECASE),
        re.compile(r"^[\s*_>#-]*(no\s+errors?\s+(?:were\s+|was\s+)?found)\b", re.IGNORECASE),
        re.compile(r"\b(no\s+step\s+is\s+(?:wrong|incorrect)|there\s+(?:is|are)\s+no\s+(?:wrong|incorrect|erroneous)"
                   r"\s+steps?|the\s+solution\s+(?:has|contains)\s+no\s+(?:errors?|mistakes?))", re.IGNORECASE),
    ),
    convert=lambda found: int(found) if found.isdigit() else None)
"""How a prose reply names the first wrong step: ``The first wrong step is step 2``, ``The first error occurs
in step 3``, ``Step 2 is the first incorrect step``, or that there is none: ``All steps are correct``."""


def _step_number(fields: dict[str, Any]) -> int:
    return len(fields["previous"]) + int(fields.get("first", 1))


def _offline_step(judge: OfflineJudge, call: JudgeCall) -> dict[str, Any]:
    fields = call.fields
    judged = judge.judge_step(step=fields["step"], previous=list(fields["previous"]),
                              problem=fields.get("problem") or None)
    if judged is None:
        raise JudgeFailure(f"{judge.name} has no verdict for step {_step_number(fields)}", "missing")
    return {"verdict": "correct" if judged[0] else "wrong", "reasoning": judged[1]}


def _offline_first_error(judge: OfflineJudge, call: JudgeCall) -> dict[str, Any]:
    located = judge.locate_error(steps=list(call.fields["steps"]), problem=call.fields.get("problem") or None)
    if located is None:
        raise JudgeFailure(f"{judge.name} has no verdict for these steps", "missing")
    return {"first_wrong_step": located[0], "explanation": located[1], "reasoning": ""}


def _step_decided(data: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
    return {f"step {_step_number(fields)}: {fields['step']}": data["verdict"]}


def _located_decided(data: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
    located = data["first_wrong_step"]
    return {"first wrong step": "none" if located is None else located}


FIRST_ERROR = Task("steps.first_error", "steps_first_error.j2", LocatedError, check=_in_range,
                   text_fallback=LOCATED_STATEMENTS,
                   failing=lambda located: located not in ("NONE", "NULL", "-1", ""),
                   offline=_offline_first_error, decided=_located_decided, tokens=tokens_per(1024, 128, "steps"))
STEP = Task("steps.step", "steps_step.j2", StepJudgement, text_fallback=STEP_STATEMENTS,
            failing=lambda verdict: verdict in ("WRONG", "INCORRECT", "NO"), offline=_offline_step,
            decided=_step_decided)
STEP_WINDOW = Task("steps.step", "steps_step_window.j2", StepJudgement, text_fallback=STEP_STATEMENTS,
                   failing=lambda verdict: verdict in ("WRONG", "INCORRECT", "NO"), offline=_offline_step,
                   decided=_step_decided)
"""A step judged with only the steps just before it (``context="window:K"``); ``first`` numbers them."""


def _earliest_error(leaders: list[int | None]) -> int | None:
    """A tie between locations goes to the earliest error: a flagged step is not proven correct."""
    return min((value for value in leaders if value is not None), default=None)


def locate_first_error(context: JudgeContext, backend: Backend, steps: list[str], problem: str,
                       temperature: float) -> tuple[list[StepVerdict], list[int | None], float | None, Usage]:
    """One call per sample locates the earliest wrong step; the most located step wins."""
    calls = [context.call(FIRST_ERROR, {"problem": problem, "steps": steps}, sample, temperature)
             for sample in range(context.settings.samples)]
    outcomes = context.run(backend, FIRST_ERROR, calls)
    usage = total_usage(outcomes)
    failure = first_failure(outcomes)
    shown = next((outcome.exchange for outcome in outcomes if outcome.exchange), None)
    if failure is not None:
        return ([StepVerdict(index=n, text=text, status="unscored", reason=failure, error=failure,
                             exchange=shown if n == 1 else None)
                 for n, text in enumerate(steps, start=1)], [], None, usage)
    located: list[int | None] = [outcome.answer["first_wrong_step"] for outcome in outcomes]
    chosen, agreement = majority(located, _earliest_error)
    explanation = next(outcome.answer["explanation"] or outcome.answer["reasoning"]
                       for outcome, value in zip(outcomes, located) if value == chosen)
    cached = all(outcome.cached for outcome in outcomes)
    verdicts = []
    for number, text in enumerate(steps, start=1):
        if chosen is None or number < chosen:
            verdicts.append(StepVerdict(index=number, text=text, status="correct", cached=cached,
                                        reason=explanation if chosen is None and number == len(steps) else ""))
        elif number == chosen:
            verdicts.append(StepVerdict(index=number, text=text, status="wrong", reason=explanation, cached=cached,
                                        exchange=shown))
        else:
            verdicts.append(StepVerdict(index=number, text=text, status="not_judged", cached=cached))
    return verdicts, located, agreement, usage


def _step_verdict(number: int, text: str, outcomes: Sequence[Outcome]) -> StepVerdict:
    failure = first_failure(outcomes)
    shown = next((outcome.exchange for outcome in outcomes if outcome.exchange), None)
    if failure is not None:
        return StepVerdict(index=number, text=text, status="unscored", reason=failure, error=failure,
                           exchange=shown)
    votes = [Vote(answer=outcome.answer["verdict"] == "correct", reason=outcome.answer["reasoning"],
                  cached=outcome.cached) for outcome in outcomes]
    correct, agreement = majority([vote.answer for vote in votes], tie_is_no)
    agreeing = [vote for vote in votes if vote.answer == correct]
    return StepVerdict(index=number, text=text, status="correct" if correct else "wrong",
                       reason=agreeing[0].reason, votes=votes, agreement=agreement,
                       cached=all(vote.cached for vote in votes), exchange=None if correct else shown)


QUADRATIC_WARNING = 400_000
"""Prompt characters per solution past which per_step judging warns (every step resends the ones before it)."""


class StepContextWarning(CritiqueWarning):
    """per_step judging of a long solution sends the earlier steps again with every step."""


def parse_context(context: Any, mode: str) -> int | None:
    """``"all"`` (None) or ``"window:K"`` (K): how many earlier steps a per_step call sees."""
    text = str(context).strip().lower().replace(" ", "") if isinstance(context, str) else None
    if text == "all":
        return None
    if text and text.startswith("window:") and text[7:].isdigit() and int(text[7:]) >= 1:
        if mode != "per_step":
            raise CritiqueUsageError("context='window:K' applies to mode='per_step' (first_error sends "
                                     "the solution once)")
        return int(text[7:])
    raise CritiqueUsageError(f"steps() context must be 'all' or 'window:K' with K >= 1, got {context!r}")


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
    message = (f"per_step judging of this {len(steps)}-step solution sends {total:,} prompt characters, "
               "since every step goes with all the steps before it (the growth is quadratic); "
               "steps(..., context='window:K') sends only the K steps before each one. Warned once per run.")
    try:
        warnings.warn(StepContextWarning(message), stacklevel=4)
    except Warning:
        pass


def judge_each_step(context: JudgeContext, backend: Backend, steps: list[str], problem: str, stop_at_first: bool,
                    temperature: float, window: int | None = None) -> tuple[list[StepVerdict], Usage]:
    """Judge every step with the earlier ones (or the ``window`` before it) as context, in order."""
    samples = context.settings.samples
    task = STEP if window is None else STEP_WINDOW

    def calls_for(number: int) -> list[JudgeCall]:
        fields: dict[str, Any]
        if window is None:
            fields = {"problem": problem, "previous": steps[: number - 1], "step": steps[number - 1]}
        else:
            first = max(1, number - window)
            fields = {"problem": problem, "previous": steps[first - 1: number - 1], "step": steps[number - 1],
                      "first": first}
        return [context.call(task, fields, sample, temperature) for sample in range(samples)]

    if not stop_at_first:
        outcomes = context.run(backend, task, [call for number in range(1, len(steps) + 1)
                                               for call in calls_for(number)])
        return [_step_verdict(number, text, outcomes[(number - 1) * samples: number * samples])
                for number, text in enumerate(steps, start=1)], total_usage(outcomes)
    usage = Usage()
    verdicts: list[StepVerdict] = []
    for number, text in enumerate(steps, start=1):
        outcomes = context.run(backend, task, calls_for(number))
        usage = usage + total_usage(outcomes)
        verdict = _step_verdict(number, text, outcomes)
        verdicts.append(verdict)
        if verdict.status != "correct":
            verdicts.extend(StepVerdict(index=later, text=steps[later - 1], status="not_judged")
                            for later in range(number + 1, len(steps) + 1))
            break
    return verdicts, usage


def judge(context: JudgeContext, steps: list[str], problem: str | None, mode: str, stop_at_first: bool = True,
          split: str = "list", window: int | None = None, backend: Backend | None = None) -> StepsVerdict:
    """The step critic's verdict on steps already split (arguments already checked)."""
    __tracebackhide__ = True
    settings = context.settings
    backend = backend or context.backend()
    temperature = settings.effective_temperature(settings.samples)
    located: list[int | None] = []
    agreement = None
    if mode == "first_error":
        judged, located, agreement, usage = locate_first_error(context, backend, steps, problem or "", temperature)
    else:
        warn_if_quadratic(steps, problem or "", window, context.warned)
        judged, usage = judge_each_step(context, backend, steps, problem or "", stop_at_first, temperature, window)
    verdict = StepsVerdict(judge=backend.name, offline=backend.offline, problem=problem,
                           mode="first_error" if mode == "first_error" else "per_step",
                           split=split, steps=judged, samples=settings.samples,
                           located_votes=located, agreement=agreement, usage=usage)
    mark_unstable_steps(verdict, settings.min_agreement, settings.on_unstable)
    return verdict


# Reporting (on the JSON form of verdicts).

_STEP_MARKS = {"correct": "✓", "wrong": "✗", "not_judged": "·", "unscored": "?"}


def _step_votes(step: Mapping[str, Any]) -> str:
    votes = step.get("votes") or []
    if len(votes) <= 1:
        return ""
    correct = sum(1 for vote in votes if vote["answer"])
    majority = correct * 2 > len(votes)
    word, count = ("correct", correct) if majority else ("wrong", len(votes) - correct)
    return f"[{word} {count}/{len(votes)}{' · unstable' if step.get('unstable') else ''}] "


class StepsFigures(Figures):
    def __init__(self) -> None:
        self.solutions = self.solutions_wrong = self.steps_judged = 0
        self.first_errors: list[int | None] = []

    def add(self, counts: RunCounts, nodeid: str, verdict: Mapping[str, Any], test_passed: bool) -> None:
        steps = verdict.get("steps", [])
        self.solutions += 1
        self.solutions_wrong += any(step["status"] == "wrong" for step in steps)
        wrong = [step["index"] for step in steps if step["status"] == "wrong"]
        if wrong or not any(step["status"] == "unscored" for step in steps):
            self.first_errors.append(min(wrong) if wrong else None)
        for step in steps:
            judged = step["status"] in ("correct", "wrong")
            self.steps_judged += judged
            counts.judged += judged
            counts.cached += judged and bool(step.get("cached"))
            if step["status"] == "wrong":
                counts.failing.append(Failing(nodeid, step["index"], f"step {step['index']}: {step['text']}",
                                              test_passed, "(test passed)", step.get("reason") or ""))
            if step.get("unstable"):
                answers = [vote["answer"] for vote in step.get("votes", [])]
                shown = tally(answers).replace("YES", "correct").replace("NO", "wrong")
                counts.unstable.append((nodeid, f"step {step['index']} [{shown}]"))
        if verdict.get("unstable"):
            shown = ", ".join("none" if v is None else str(v) for v in verdict.get("located_votes", []))
            counts.unstable.append((nodeid, f"first error located as {shown}"))

    def as_dict(self) -> dict[str, Any]:
        return {"solutions": self.solutions, "solutions_with_wrong_step": self.solutions_wrong,
                "steps_judged": self.steps_judged}

    def lines(self, show_nodeid: ShowNodeid, max_listed: int) -> list[str]:
        if not self.solutions:
            return []
        return [f"step critic: {plural(self.solutions, 'solution')} judged, {self.solutions_wrong} with a wrong step"]

    def tiles(self) -> list[tuple[str, str, str]]:
        if not self.solutions:
            return []
        return [("wrong steps", f"{self.solutions_wrong} of {self.solutions}", "solutions with a wrong step")]

    def plots(self) -> list[Html]:
        if not self.first_errors:
            return []
        last = max([number for number in self.first_errors if number is not None] + [1])
        bars = [(str(number), self.first_errors.count(number), "bad") for number in range(1, last + 1)]
        bars.append(("none", self.first_errors.count(None), "good"))
        return [figure("Step critic: where the first error is",
                       columns(bars, "first wrong step of each solution", "first wrong step"),
                       f"{plural(len(self.first_errors), 'solution')}; none: every judged step correct")]


class StepsKind(JudgeKind):
    name = "steps"

    def parts(self, verdict: Mapping[str, Any]) -> list[tuple[str, bool | None]]:
        """Each step by its text: correct, wrong, or neither (not judged after the first error, unscored)."""
        return [(f"step: {step.get('text')}", {"correct": True, "wrong": False}.get(str(step.get("status"))))
                for step in verdict.get("steps", [])]

    def lines(self, verdict: Mapping[str, Any], width: int = 100) -> list[str]:
        steps = verdict.get("steps", [])
        mode = "first error" if verdict.get("mode") == "first_error" else "per step"
        usage = verdict.get("usage", {})
        lines = [f"steps · judge {judge_label(verdict)} · {mode} · {plural(len(steps), 'step')} "
                 f"(split: {verdict.get('split')}) · {plural(usage.get('calls', 0), 'judge call')}, "
                 f"{usage.get('cached', 0)} cached"]
        if len(steps) == 1:
            lines.append("  the solution is one step (it could not be split further): judged as a whole")
        if verdict.get("problem"):
            lines.append(f"  problem: {shorten(verdict['problem'], width - 11)}")
        votes = verdict.get("located_votes") or []
        if len(votes) > 1:
            shown = ", ".join("none" if vote is None else str(vote) for vote in votes)
            unstable = (f", unstable: below min_agreement {verdict.get('min_agreement', 0):.2f}"
                        if verdict.get("unstable") else "")
            lines.append(f"  located by {len(votes)} samples: {shown} (agreement "
                         f"{verdict.get('agreement') or 0:.2f}{unstable})")
        index = 0
        while index < len(steps):
            step = steps[index]
            if step["status"] == "not_judged":
                rest = [later for later in steps[index:] if later["status"] == "not_judged"]
                last = rest[-1]["index"]
                span = str(step["index"]) if last == step["index"] else f"{step['index']}–{last}"
                lines.append(f"  · {span:>2}  not judged (after the first wrong step)")
                index += len(rest)
                continue
            lines.append(f"  {_STEP_MARKS[step['status']]} {step['index']:>2}  {_step_votes(step)}"
                         f"{shorten(step['text'], width - 8, keep=step.get('reason') or '')}")
            if step["status"] == "wrong":
                lines.extend(wrapped(step.get("reason") or "(the critic gave no reason)", width))
            elif step["status"] == "unscored":
                lines.extend(wrapped(f"UNSCORED: {step.get('error') or 'no verdict'}", width))
            lines.extend(exchange_lines(step.get("exchange"), width))
            index += 1
        return lines

    def html(self, verdict: Mapping[str, Any]) -> Html:
        steps = verdict.get("steps", [])
        mode = "first error" if verdict.get("mode") == "first_error" else "per step"
        parts = [line("mode", f"{mode} · {plural(len(steps), 'step')} (split: {verdict.get('split')})")]
        if verdict.get("problem"):
            parts.append(collapsible("problem", verdict["problem"], open_=True))
        located = verdict.get("located_votes") or []
        if len(located) > 1:
            unstable = " · unstable" if verdict.get("unstable") else ""
            parts.append(line("located by samples", ", ".join("none" if v is None else str(v) for v in located)
                              + f" (agreement {verdict.get('agreement') or 0:.2f}{unstable})"))
        shown = []
        for step in steps:
            status = str(step.get("status"))
            ok = {"correct": True, "wrong": False}.get(status)
            said = {"wrong": step.get("reason") or "(the critic gave no reason)",
                    "unscored": f"UNSCORED: {step.get('error') or 'no verdict'}",
                    "not_judged": "not judged (after the first wrong step)"}.get(status, step.get("reason"))
            answers = [vote["answer"] for vote in step.get("votes") or []]
            tallied = tally(answers).replace("YES", "correct").replace("NO", "wrong") if len(answers) > 1 else ""
            shown.append(row(ok, step.get("index"), step.get("text"), said, exchange(step.get("exchange")),
                             symbol="·" if status == "not_judged" else None,
                             tags=[votes(tallied, bool(step.get("unstable")))]))
        parts.append(rows(shown))
        return join(parts)

    def shows_unscored(self, verdict: Mapping[str, Any]) -> bool:
        return any(step.get("status") == "unscored" for step in verdict.get("steps", []))

    def unscored(self, verdict: Any) -> str | None:
        if not verdict.unscored_steps:
            return None
        first = verdict.unscored_steps[0]
        return f"{verdict.headline}: step {first.index}: {first.error}"

    def figures(self) -> StepsFigures:
        return StepsFigures()

    def properties(self, verdict: Mapping[str, Any]) -> list[tuple[str, Any]]:
        wrong = [step for step in verdict.get("steps", []) if step.get("status") == "wrong"]
        return [("steps", len(verdict.get("steps", []))),
                *((f"failed.{step['index']}", step["text"]) for step in wrong)]


KIND = StepsKind()
