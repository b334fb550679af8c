"""Refinement with checklist feedback (STICK, Cook et al., 2024): the items a response fails, with the
judge's reasons, become the feedback for the app's next response, which is judged again, until one
passes or the rounds run out.

The app is the user's ``generate(feedback)``: called with None first, then with each round's
feedback.  Only the judging is the plugin's, cached like any checklist; the app is never cached.
"""

from __future__ import annotations

from typing import Any, Callable, Literal, Mapping, Sequence

from pydantic import Field, computed_field

from ..errors import CritiqueUsageError
from ..html_parts import Html, collapsible, join, line, mark_table, row, rows
from ..models import Checklist, ItemVerdict, ScoredItems, Usage, VerdictBase
from ..prompts import render_text, text_template
from ..report_text import exchange_lines, judge_label, listed, plural, shorten, wrapped
from .checklist import checklist_for, checklist_lines, judge_items
from .context import JudgeContext
from .kind import Failing, Figures, JudgeKind, RunCounts, ShowNodeid

FEEDBACK_TEMPLATE = "refine_feedback.j2"
"""The packaged template of the feedback text; ``feedback=`` (a callable or template text) replaces it."""


class RefineRound(ScoredItems):
    """One response of the app and its checklist verdict."""

    number: int
    """1-based; round 1 is ``generate(None)``."""
    response: str
    feedback: str | None = None
    """The feedback ``generate`` was given for this response (None in round 1)."""
    items: list[ItemVerdict]
    same_as: int | None = None
    """The earlier round that had the very same response: its verdicts are reused, nothing is judged again."""


    def passes(self, threshold: float) -> bool:
        return not self.unscored_items and self.pass_rate >= threshold


class RefineVerdict(VerdictBase):
    """Every round of a refinement; passes when the last round passes the checklist."""

    kind: Literal["refine"] = "refine"
    judge: str
    offline: bool = False
    checklist: Checklist
    rounds: list[RefineRound]
    max_rounds: int
    """The ``rounds`` asked for: the most responses the app was asked for."""
    threshold: float = 1.0
    samples: int = 1
    batch: bool = False
    usage: Usage = Field(default_factory=Usage)

    @property
    def final(self) -> RefineRound:
        return self.rounds[-1]

    @property
    def items(self) -> list[ItemVerdict]:
        """The last round's items."""
        return self.final.items

    @property
    def failed_items(self) -> list[ItemVerdict]:
        return self.final.failed_items

    @computed_field  # type: ignore[prop-decorator]
    @property
    def pass_rate(self) -> float:
        """The last round's pass rate."""
        return self.final.pass_rate

    @computed_field  # type: ignore[prop-decorator]
    @property
    def passed(self) -> bool:
        return self.final.passes(self.threshold)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def headline(self) -> str:
        total, done = len(self.final.items), len(self.rounds)
        if self.final.unscored_items:
            return (f"critique: {len(self.final.unscored_items)} of {total} checklist items unscored "
                    f"in round {done} of the refinement")
        if self.passed:
            if done == 1:
                return f"critique: the first response passed ({total - len(self.failed_items)} of {total} items)"
            return (f"critique: passed in round {done} after feedback "
                    f"({total - len(self.failed_items)} of {total} items)")
        below = f" (pass rate {self.pass_rate:.2f} < threshold {self.threshold:.2f})" if self.threshold < 1 else ""
        return f"critique: {len(self.failed_items)} of {total} checklist items still failed after " \
               f"{plural(done, 'round')}{below}"


def generated(generate: Callable[[str | None], Any], feedback: str | None, number: int) -> str:
    """The app's response for a round; its own exceptions go to the test, with a note of the round."""
    __tracebackhide__ = True
    try:
        response = generate(feedback)
    except Exception as exc:
        add_note = getattr(exc, "add_note", None)  # Python 3.11+
        if add_note is not None:
            add_note(f"raised by generate() in round {number} of critique.refine()")
        raise
    if not isinstance(response, str):
        raise CritiqueUsageError(f"generate() must return the response as a str; in round {number} it returned "
                                 f"{type(response).__name__}")
    return response


Feedback = Callable[[RefineRound], str] | str | None


def check_feedback(feedback: Any) -> Feedback:
    """A usage error for a feedback that is neither None, a callable nor template text that parses."""
    if feedback is None or callable(feedback):
        return feedback  # type: ignore[no-any-return]
    if not isinstance(feedback, str):
        raise CritiqueUsageError(f"feedback must be a callable (round -> str) or template text, "
                                 f"got {type(feedback).__name__}")
    try:
        text_template(feedback)
    except Exception as exc:  # noqa: BLE001 - jinja2's TemplateSyntaxError, without importing jinja2 here
        raise CritiqueUsageError(f"the feedback template does not parse: {exc}") from None
    return feedback


def feedback_text(feedback: Feedback, done: RefineRound, checklist: Checklist) -> str:
    """What ``generate`` gets after a round that did not pass."""
    if callable(feedback):
        text = feedback(done)
    else:
        context = {"failed": [item.model_dump() for item in done.failed_items],
                   "items": [item.model_dump() for item in done.items], "response": done.response,
                   "instruction": checklist.instruction, "input": checklist.input, "round": done.number,
                   "pass_rate": done.pass_rate}
        try:
            text = render_text(FEEDBACK_TEMPLATE, **context) if feedback is None \
                else text_template(feedback).render(**context)
        except Exception as exc:  # noqa: BLE001 - jinja2's UndefinedError and the like, from the user's template
            raise CritiqueUsageError(f"the feedback template failed: {type(exc).__name__}: {exc}; it can use "
                                     f"{', '.join(context)}") from None
    if not isinstance(text, str):
        raise CritiqueUsageError(f"feedback() must return a str, got {type(text).__name__}")
    return text


def judge(context: JudgeContext, generate: Callable[[str | None], Any], *, instruction: str | None,
          items: list[str] | None, input: str | None, rounds: int, feedback: Feedback) -> RefineVerdict:
    """Judge ``generate(None)``, then ``generate(feedback)`` on each failing round, up to ``rounds`` responses."""
    __tracebackhide__ = True
    settings = context.settings
    usage = Usage()
    if items is not None:
        checklist = Checklist(questions=items, instruction=instruction, input=input)
    else:  # generated once, before the app is first called
        checklist, usage = checklist_for(context, instruction or "", input)
    backend = context.backend()
    done: list[RefineRound] = []
    given: str | None = None
    while True:
        number = len(done) + 1
        response = generated(generate, given, number)
        earlier = next((round_ for round_ in done if round_.response == response), None)
        if earlier is not None:
            judged, same_as = [item.model_copy(deep=True) for item in earlier.items], earlier.number
        else:
            judged, spent = judge_items(context, backend, checklist, response)
            usage, same_as = usage + spent, None
        this = RefineRound(number=number, response=response, feedback=given, items=judged, same_as=same_as)
        done.append(this)
        if this.unscored_items or this.passes(settings.threshold) or number >= rounds:
            break
        given = feedback_text(feedback, this, checklist)
    return RefineVerdict(judge=backend.name, offline=backend.offline, checklist=checklist, rounds=done,
                         max_rounds=rounds, threshold=settings.threshold, samples=settings.samples,
                         batch=settings.batch, usage=usage)


# Reporting (on the JSON form of verdicts).

def flips(rounds: Sequence[Mapping[str, Any]]) -> dict[int, list[tuple[int, bool]]]:
    """Per item number, the rounds where its answer went from NO to YES (True) or from YES to NO (False)."""
    found: dict[int, list[tuple[int, bool]]] = {}
    for before, after in zip(rounds, rounds[1:]):
        for old, new in zip(before.get("items", []), after.get("items", [])):
            if old.get("answer") is not None and new.get("answer") is not None and old["answer"] != new["answer"]:
                found.setdefault(int(new["index"]), []).append((int(after["number"]), bool(new["answer"])))
    return found


def _mark(answer: Any) -> str:
    return "?" if answer is None else ("✓" if answer else "✗")


def _flip_note(changes: list[tuple[int, bool]]) -> str:
    if not changes:
        return ""
    return "  (" + ", ".join(f"{'✗→✓' if fixed else '✓→✗'} in round {number}" for number, fixed in changes) + ")"


def _note(verdict: Mapping[str, Any]) -> str:
    return "(test passed at its threshold)" if verdict.get("passed") else "(test passed)"


class RefineFigures(Figures):
    def __init__(self) -> None:
        self.refinements = self.passed = self.after_feedback = self.rounds = self.fixed = self.broken = 0
        self.unscored = 0

    def add(self, counts: RunCounts, nodeid: str, verdict: Mapping[str, Any], test_passed: bool) -> None:
        rounds = verdict.get("rounds") or []
        if not rounds:
            return
        self.refinements += 1
        self.rounds += len(rounds)
        self.unscored += any(item.get("answer") is None for item in rounds[-1].get("items", []))
        if verdict.get("passed"):
            self.passed += 1
            self.after_feedback += len(rounds) > 1
        for changes in flips(rounds).values():
            self.fixed += sum(1 for _, fixed in changes if fixed)
            self.broken += sum(1 for _, fixed in changes if not fixed)
        for round_ in rounds:
            if round_.get("same_as") is None:  # a repeated response reuses its verdicts: not judged again
                counts.judged += len(round_.get("items", []))
                counts.cached += sum(1 for item in round_.get("items", []) if item.get("cached"))
        for item in rounds[-1].get("items", []):
            if item.get("answer") is False:
                counts.failing.append(Failing(nodeid, item["index"], f"{item['question']} (round {len(rounds)})",
                                              test_passed, _note(verdict)))

    def as_dict(self) -> dict[str, Any]:
        return {"refinements": {"refined": self.refinements, "passed": self.passed,
                                "passed_after_feedback": self.after_feedback, "rounds": self.rounds,
                                "items_fixed": self.fixed, "items_broken": self.broken, "unscored": self.unscored}}

    def lines(self, show_nodeid: ShowNodeid, max_listed: int) -> list[str]:
        if not self.refinements:
            return []
        unscored = f", {self.unscored} unscored" if self.unscored else ""
        return [f"refine: {plural(self.refinements, 'refinement')} ({plural(self.rounds, 'round')}), "
                f"{self.passed} passed ({self.after_feedback} after feedback){unscored}, "
                f"{plural(self.fixed, 'item')} fixed by feedback, {self.broken} broken"]


class RefineKind(JudgeKind):
    name = "refine"

    def html(self, verdict: Mapping[str, Any]) -> Html:
        rounds = verdict.get("rounds") or []
        final = rounds[-1] if rounds else {}
        items = final.get("items", [])
        checklist = verdict.get("checklist", {})
        parts = [line("rounds", f"{len(rounds)} of at most {verdict.get('max_rounds', len(rounds))} · "
                      f"{'passed' if verdict.get('passed') else 'not passed'} in round {final.get('number', 0)} "
                      f"(threshold {verdict.get('threshold', 1):.2f}) · {plural(len(items), 'item')}")]
        if checklist.get("instruction"):
            parts.append(collapsible("instruction", checklist["instruction"]))
        for round_ in rounds:
            title = f"round {round_['number']} · pass rate {round_.get('pass_rate', 0):.2f}"
            if round_.get("feedback"):
                parts.append(collapsible(f"feedback given for round {round_['number']}", round_["feedback"]))
            if round_.get("same_as") is not None:
                parts.append(line(title, f"the same response as round {round_['same_as']} (not judged again)"))
            else:
                parts.append(collapsible(f"{title} · the response", round_.get("response", "")))
        by_round = [{item["index"]: item.get("answer") for item in round_.get("items", [])} for round_ in rounds]
        changed = flips(rounds)
        parts.append(mark_table([f"round {round_['number']}" for round_ in rounds],
                                [(item["index"], [answers.get(item["index"]) for answers in by_round],
                                  f"{item.get('question')}{_flip_note(changed.get(item['index'], []))}")
                                 for item in items]))
        failing = [item for item in items if item.get("answer") is not True]
        if failing:
            parts.append(rows(row(item.get("answer"), item.get("index"), item.get("question"),
                                  f"UNSCORED: {item.get('error') or item.get('reason') or 'no verdict'}"
                                  if item.get("answer") is None else item.get("reason") or "(no reason given)")
                              for item in failing))
        return join(parts)

    def lines(self, verdict: Mapping[str, Any], width: int = 100) -> list[str]:
        rounds = verdict.get("rounds") or []
        usage = verdict.get("usage", {})
        final = rounds[-1] if rounds else {}
        items = final.get("items", [])
        outcome = (f"passed in round {len(rounds)}" if verdict.get("passed") else
                   "unscored" if any(item.get("answer") is None for item in items) else "not passed")
        lines = [f"refine · judge {judge_label(verdict)} · {plural(len(items), 'item')} · "
                 f"{len(rounds)} of at most {plural(verdict.get('max_rounds', len(rounds)), 'round')} · {outcome} "
                 f"(threshold {verdict.get('threshold', 1):.2f}) · "
                 f"{plural(usage.get('calls', 0), 'judge call')}, {usage.get('cached', 0)} cached"]
        lines.extend(checklist_lines(verdict.get("checklist", {}), width))
        for round_ in rounds:
            head = f"  round {round_['number']} · pass rate {round_.get('pass_rate', 0):.2f} · "
            if round_.get("same_as") is not None:
                lines.append(head + f"the same response as round {round_['same_as']} (not judged again)")
            else:
                text = round_.get("response", "")
                lines.append(head + f"response of {len(text):,} characters:")
                lines.append(f"      {shorten(text, width - 6)}")
        changed = flips(rounds)
        column = len(str(len(rounds)))  # a column of marks per round, under the round's number
        lines.append("  " + " ".join(str(round_["number"]).ljust(column) for round_ in rounds) + "  round")
        by_round = [{item["index"]: item for item in round_.get("items", [])} for round_ in rounds]
        for item in items:
            index = item["index"]
            marks = " ".join(_mark(answers.get(index, {}).get("answer")).ljust(column) for answers in by_round)
            note = _flip_note(changed.get(index, []))
            room = max(30, width - 8 - len(marks) - len(note))
            lines.append(f"  {marks} {index:>2}  {shorten(item['question'], room)}{note}")
            if item.get("answer") is None:
                lines.extend(wrapped(f"UNSCORED: {item.get('error') or item.get('reason') or 'no verdict'}", width))
            elif item.get("answer") is False:
                lines.extend(wrapped(item.get("reason") or "(the judge gave no reason)", width))
            lines.extend(exchange_lines(item.get("exchange"), width))
        last_feedback = final.get("feedback")
        if last_feedback and not verdict.get("passed"):
            lines.append(f"  feedback given for round {final.get('number')} ({len(last_feedback):,} characters):")
            lines.extend(listed([f"    {shorten(line, width - 4)}" for line in last_feedback.splitlines() if
                                 line.strip()], 8, " lines", indent="    "))
        return lines

    def shows_unscored(self, verdict: Mapping[str, Any]) -> bool:
        rounds = verdict.get("rounds") or []
        return bool(rounds) and any(item.get("answer") is None for item in rounds[-1].get("items", []))

    def unscored(self, verdict: Any) -> str | None:
        missing = verdict.final.unscored_items
        if not missing:
            return None
        return f"{verdict.headline}: item {missing[0].index}: {missing[0].error or missing[0].reason or 'no verdict'}"

    def figures(self) -> RefineFigures:
        return RefineFigures()

    def parts(self, verdict: Mapping[str, Any]) -> list[tuple[str, bool | None]]:
        rounds = verdict.get("rounds") or []
        return [(str(item.get("question")), item.get("answer")) for item in (rounds[-1].get("items", [])
                                                                           if rounds else [])]

    def properties(self, verdict: Mapping[str, Any]) -> list[tuple[str, Any]]:
        rounds = verdict.get("rounds") or []
        return [("pass_rate", verdict.get("pass_rate")), ("threshold", verdict.get("threshold")),
                ("rounds", len(rounds)), ("max_rounds", verdict.get("max_rounds"))]


KIND = RefineKind()
