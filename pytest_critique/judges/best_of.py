"""Best-of-N by checklist (STICK's selection, Cook et al., 2024): every candidate response is judged
against one checklist, generated once whatever N is, and the pass rates rank them.

Ties go to the earlier candidate: the ranking is by pass rate, highest first, then by the
candidates' order in the list given, so an app that picks "the first best" agrees with it.
"""

from __future__ import annotations

from typing import Any, Literal, Mapping

from pydantic import Field, computed_field

from ..html_parts import Html, collapsible, join, line, mark_table
from ..models import Checklist, ItemVerdict, ScoredItems, Usage, VerdictBase
from ..report_text import exchange_lines, judge_label, plural, shorten, wrapped
from .checklist import checklist_for, checklist_lines, judge_items
from .context import JudgeContext
from .kind import Failing, Figures, JudgeKind, RunCounts, ShowNodeid


class BestOfCandidate(ScoredItems):
    """One candidate response and its checklist verdict."""

    index: int
    """Its 0-based place in the list of candidates."""
    response: str
    items: list[ItemVerdict]
    same_as: int | None = None
    """The earlier candidate with the very same text: its verdicts are reused, nothing is judged again."""



def ranking(candidates: list[BestOfCandidate]) -> list[int]:
    """Candidate indices, best first: more YES answers (the same checklist: a higher pass rate), then the
    earlier candidate.  Empty when any candidate has an unscored item (no exact ranking then)."""
    if any(candidate.unscored_items for candidate in candidates):
        return []
    ordered = sorted(candidates, key=lambda c: (-sum(item.passed for item in c.items), c.index))
    return [candidate.index for candidate in ordered]


class BestOfVerdict(VerdictBase):
    """Candidates ranked by their pass rate on one checklist; passes when the winner passes it."""

    kind: Literal["best_of"] = "best_of"
    judge: str
    offline: bool = False
    checklist: Checklist
    candidates: list[BestOfCandidate]
    threshold: float = 1.0
    samples: int = 1
    batch: bool = False
    usage: Usage = Field(default_factory=Usage)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def ranking(self) -> list[int]:
        """Candidate indices, best first (pass rate, then the earlier candidate); empty when unscored."""
        return ranking(self.candidates)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def winner_index(self) -> int | None:
        """The 0-based index of the best candidate; None when a candidate could not be judged."""
        return self.ranking[0] if self.ranking else None

    @property
    def winner(self) -> str | None:
        """The best candidate's text."""
        return None if self.winner_index is None else self.candidates[self.winner_index].response

    @property
    def best(self) -> BestOfCandidate | None:
        return None if self.winner_index is None else self.candidates[self.winner_index]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def passed(self) -> bool:
        """The winner answers YES to enough items (the threshold)."""
        return self.best is not None and self.best.pass_rate >= self.threshold

    @computed_field  # type: ignore[prop-decorator]
    @property
    def headline(self) -> str:
        count = len(self.candidates)
        best = self.best
        if best is None:
            missing = sum(1 for candidate in self.candidates if candidate.unscored_items)
            return f"critique: {missing} of {plural(count, 'candidate')} unscored, no ranking"
        if self.passed:
            return f"critique: candidate [{best.index}] is the best of {count} (pass rate {best.pass_rate:.2f})"
        return (f"critique: no candidate of {count} passes; the best, [{best.index}], has pass rate "
                f"{best.pass_rate:.2f} < threshold {self.threshold:.2f}")


def judge(context: JudgeContext, candidates: list[str], *, instruction: str | None, items: list[str] | None,
          input: str | None) -> BestOfVerdict:
    """Every candidate judged against one checklist (repeated texts once)."""
    __tracebackhide__ = True
    settings = context.settings
    usage = Usage()
    if items is not None:
        checklist = Checklist(questions=items, instruction=instruction, input=input)
    else:
        checklist, usage = checklist_for(context, instruction or "", input)
    backend = context.backend()
    first_of: dict[str, int] = {}
    for index, text in enumerate(candidates):
        first_of.setdefault(text, index)
    distinct = list(first_of)
    judged = context.map(lambda text: judge_items(context, backend, checklist, text), distinct,
                         min(len(distinct), settings.concurrency))
    by_text = {}
    for text, (verdicts, spent) in zip(distinct, judged):
        by_text[text] = verdicts
        usage = usage + spent
    judged_candidates = [
        BestOfCandidate(index=index, response=text, same_as=None if first_of[text] == index else first_of[text],
                        items=[item.model_copy(deep=True) for item in by_text[text]])
        for index, text in enumerate(candidates)]
    return BestOfVerdict(judge=backend.name, offline=backend.offline, checklist=checklist,
                         candidates=judged_candidates, threshold=settings.threshold, samples=settings.samples,
                         batch=settings.batch, usage=usage)


# Reporting (on the JSON form of verdicts).

def _mark(answer: Any) -> str:
    return "?" if answer is None else ("✓" if answer else "✗")


class BestOfFigures(Figures):
    def __init__(self) -> None:
        self.selections = self.candidates = self.winners_failing = self.unscored = 0

    def add(self, counts: RunCounts, nodeid: str, verdict: Mapping[str, Any], test_passed: bool) -> None:
        candidates = verdict.get("candidates") or []
        if not candidates:
            return
        self.selections += 1
        self.candidates += len(candidates)
        winner = verdict.get("winner_index")
        self.unscored += winner is None
        if winner is not None and not verdict.get("passed"):
            self.winners_failing += 1
        for candidate in candidates:
            if candidate.get("same_as") is None:
                counts.judged += len(candidate.get("items", []))
                counts.cached += sum(1 for item in candidate.get("items", []) if item.get("cached"))
        if winner is not None:
            for item in candidates[winner].get("items", []):
                if item.get("answer") is False:
                    counts.failing.append(Failing(nodeid, item["index"], f"{item['question']} (best candidate "
                                                                         f"[{winner}])", test_passed,
                                                  "(test passed at its threshold)" if verdict.get("passed")
                                                  else "(test passed)"))

    def as_dict(self) -> dict[str, Any]:
        return {"best_of": {"selections": self.selections, "candidates": self.candidates,
                            "winners_failing": self.winners_failing, "unscored": self.unscored}}

    def lines(self, show_nodeid: ShowNodeid, max_listed: int) -> list[str]:
        if not self.selections:
            return []
        unscored = f", {self.unscored} unscored" if self.unscored else ""
        return [f"best of: {plural(self.selections, 'selection')} from {plural(self.candidates, 'candidate')}, "
                f"{self.winners_failing} whose best candidate failed its checklist{unscored}"]


class BestOfKind(JudgeKind):
    name = "best_of"

    def html(self, verdict: Mapping[str, Any]) -> Html:
        candidates = verdict.get("candidates") or []
        questions = verdict.get("checklist", {}).get("questions", [])
        winner = verdict.get("winner_index")
        ranked = verdict.get("ranking") or []
        parts = [line("best", "no ranking (unscored)" if winner is None else
                      f"candidate [{winner}] · pass rate {candidates[winner].get('pass_rate', 0):.2f} (threshold "
                      f"{verdict.get('threshold', 1):.2f})")]
        if ranked:
            parts.append(line("ranking", " · ".join(f"[{index}] {candidates[index].get('pass_rate', 0):.2f}"
                                                    for index in ranked) + " (pass rate, then the earlier one)"))
        for candidate in candidates:
            title = f"[{candidate['index']}] pass rate {candidate.get('pass_rate', 0):.2f}"
            if candidate.get("same_as") is not None:
                parts.append(line(title, f"the same text as [{candidate['same_as']}]"))
            else:
                parts.append(collapsible(title, candidate.get("response", "")))
        parts.append(mark_table([f"[{candidate['index']}]" for candidate in candidates],
                                [(number, [_answer(candidate, number) for candidate in candidates], question)
                                 for number, question in enumerate(questions, start=1)]))
        return join(parts)

    def lines(self, verdict: Mapping[str, Any], width: int = 100) -> list[str]:
        candidates = verdict.get("candidates") or []
        usage = verdict.get("usage", {})
        winner = verdict.get("winner_index")
        questions = verdict.get("checklist", {}).get("questions", [])
        chosen = "no ranking (unscored)" if winner is None else f"best [{winner}]"
        lines = [f"best of · judge {judge_label(verdict)} · {plural(len(candidates), 'candidate')} · "
                 f"{plural(len(questions), 'item')} · {chosen} (threshold {verdict.get('threshold', 1):.2f}) · "
                 f"{plural(usage.get('calls', 0), 'judge call')}, {usage.get('cached', 0)} cached"]
        lines.extend(checklist_lines(verdict.get("checklist", {}), width))
        ranked = verdict.get("ranking") or []
        if ranked:
            lines.append("  ranking (pass rate, then the earlier candidate): " + " · ".join(
                f"[{index}] {candidates[index].get('pass_rate', 0):.2f}" for index in ranked))
        for candidate in candidates:
            head = f"  [{candidate['index']}] pass rate {candidate.get('pass_rate', 0):.2f} · "
            if candidate.get("same_as") is not None:
                lines.append(head + f"the same text as [{candidate['same_as']}]")
            else:
                text = candidate.get("response", "")
                lines.append(head + f"{len(text):,} characters:")
                lines.append(f"      {shorten(text, width - 6)}")
        column = len(str(len(candidates) - 1)) + 2
        lines.append("  " + " ".join(f"[{candidate['index']}]".ljust(column) for candidate in candidates)
                     + "  candidate")
        shown = candidates[winner] if winner is not None else None
        for number, question in enumerate(questions, start=1):
            marks = " ".join(_mark(_answer(candidate, number)).center(column) for candidate in candidates)
            lines.append(f"  {marks} {number:>2}  {shorten(question, max(30, width - 8 - len(marks)))}")
            item = _item(shown, number) if shown is not None else None
            if item is not None and item.get("answer") is False and not verdict.get("passed"):
                lines.extend(wrapped(f"[{winner}]: {item.get('reason') or '(the judge gave no reason)'}", width))
                lines.extend(exchange_lines(item.get("exchange"), width))
        for candidate in candidates:
            for item in candidate.get("items", []):
                if item.get("answer") is None:
                    lines.extend(wrapped(f"UNSCORED [{candidate['index']}] item {item['index']}: "
                                         f"{item.get('error') or item.get('reason') or 'no verdict'}", width))
        return lines

    def shows_unscored(self, verdict: Mapping[str, Any]) -> bool:
        return verdict.get("winner_index") is None

    def unscored(self, verdict: Any) -> str | None:
        if verdict.winner_index is not None:
            return None
        candidate = next(candidate for candidate in verdict.candidates if candidate.unscored_items)
        item = candidate.unscored_items[0]
        return (f"{verdict.headline}: candidate [{candidate.index}] item {item.index}: "
                f"{item.error or item.reason or 'no verdict'}")

    def figures(self) -> BestOfFigures:
        return BestOfFigures()

    def parts(self, verdict: Mapping[str, Any]) -> list[tuple[str, bool | None]]:
        return [("winner", verdict.get("passed") if verdict.get("winner_index") is not None else None)]

    def properties(self, verdict: Mapping[str, Any]) -> list[tuple[str, Any]]:
        winner = verdict.get("winner_index")
        rate = None if winner is None else (verdict.get("candidates") or [])[winner].get("pass_rate")
        return [("winner_index", winner), ("pass_rate", rate), ("threshold", verdict.get("threshold")),
                ("candidates", len(verdict.get("candidates") or []))]


def _item(candidate: Mapping[str, Any] | None, number: int) -> Mapping[str, Any] | None:
    items = (candidate or {}).get("items", [])
    return items[number - 1] if 0 < number <= len(items) else None


def _answer(candidate: Mapping[str, Any], number: int) -> Any:
    item = _item(candidate, number)
    return None if item is None else item.get("answer")


KIND = BestOfKind()
