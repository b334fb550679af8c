"""Pairwise comparison: which of two responses serves an instruction better.

Judged in both orders (position bias: Wang et al., "Large Language Models are not Fair
Evaluators"); the verdict is a winner only when both orders name the same response.
"""

from __future__ import annotations

import re
from typing import Any, Literal, Mapping

from pydantic import BaseModel, field_validator

from ..backends.base import Backend, JudgeCall, OfflineJudge
from ..errors import JudgeFailure
from ..html_parts import Html, collapsible, element, exchange, join, line, row, rows, votes
from ..models import Checklist, Usage
from ..report_text import exchange_lines, judge_label, plural, shorten, wrapped
from ..tasks import ANSWER_END, Statements, Task
from ..trust_models import ComparedItem, CompareVerdict, OrderJudgement
from .checklist import checklist_for, judge_items
from .context import JudgeContext, first_failure, total_usage
from .kind import Figures, JudgeKind, RunCounts, ShowNodeid
from .votes import is_unstable, majority, unstable_reason

Side = Literal["a", "b"]
Choice = Literal["a", "b", "tie"]

_CHOICES = {"1": "1", "2": "2", "TIE": "tie", "RESPONSE 1": "1", "RESPONSE 2": "2", "FIRST": "1",
            "SECOND": "2", "NEITHER": "tie", "EQUAL": "tie", "A": "1", "B": "2", "RESPONSE A": "1",
            "RESPONSE B": "2", "BOTH": "tie", "IT'S A TIE": "tie", "IT IS A TIE": "tie"}
"""The prompt names the responses 1 and 2; models also call them A and B, first and second."""


def _choice(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str):
        return _CHOICES.get(" ".join(value.strip().strip(".*_`\"' ").upper().split()), value)
    return value


class Preference(BaseModel):
    reasoning: str = ""
    winner: Literal["1", "2", "tie"]

    _normalise = field_validator("winner", mode="before")(_choice)


_SIDE_NAME = r"(?:response|answer|output|assistant)\s*"
_BETTER = r"(?:(?:clearly|slightly|much|far|somewhat|overall)\s+)?(?:better|preferable|stronger|superior)"
WINNER_STATEMENTS = Statements(
    "winner",
    patterns=(
        re.compile(r"^[\s*_>#-]*(?:final\s+)?(?:winner|verdict|answer|choice|preference|better\s+response)[\s*_]*"
                   r"[:=-][\s*_\"']*(?:" + _SIDE_NAME + r")?(1|2|a|b|tie)" + ANSWER_END, re.IGNORECASE),
        re.compile(r"\b" + _SIDE_NAME + r"(1|2|a|b)(?:'s\s+(?:response|answer|output))?\s+is\s+(?:the\s+)?" + _BETTER
                   + r"\b", re.IGNORECASE),
        re.compile(r"\[\[(a|b|c)\]\]", re.IGNORECASE),  # MT-Bench's judges answer [[A]], [[B]] or [[C]] (a tie)
        re.compile(r"\b(?:the\s+)?(?:better|stronger|preferred)\s+(?:response|one|answer)\s+is\s+(?:" + _SIDE_NAME
                   + r")?(1|2|a|b)\b", re.IGNORECASE),
        re.compile(r"\bi\s+(?:would\s+|will\s+)?(?:prefer|choose|pick|select|go\s+with)\s+(?:" + _SIDE_NAME
                   + r")?(1|2|a|b)\b", re.IGNORECASE),
        re.compile(r"\b(it(?:'s|\s+is)\s+a\s+tie|(?:they|both(?:\s+responses|\s+answers)?)\s+are\s+(?:equally\s+"
                   r"(?:good|strong|helpful|correct)|tied|equal\s+in\s+quality)|neither\s+(?:response\s+)?is\s+better)\b",
                   re.IGNORECASE),
    ),
    bare={"1": "1", "2": "2", "tie": "tie", "response 1": "1", "response 2": "2", "a": "1", "b": "2",
          "response a": "1", "response b": "2"},
    convert=lambda found: _CHOICES.get(found.strip().upper(), "tie"))
"""How a prose reply names the better response: ``Winner: 2``, ``Response A is better``, ``The better one is
Response 2``, ``I prefer 1``, ``It's a tie``, or a line that is only ``2``."""


def _offline_preference(judge: OfflineJudge, call: JudgeCall) -> dict[str, Any]:
    fields = call.fields
    preferred = judge.prefer(first=fields["first"], second=fields["second"],
                             instruction=fields.get("instruction") or None, criteria=fields.get("criteria") or None)
    if preferred is None:
        raise JudgeFailure(f"{judge.name} has no preference between these two responses", "missing")
    return {"winner": preferred[0], "reasoning": preferred[1]}


COMPARE = Task("pairwise.compare", "pairwise_compare.j2", Preference, text_fallback=WINNER_STATEMENTS,
               offline=_offline_preference,
               decided=lambda data, fields: {"preferred response (by position)": data["winner"]})


def _order(context: JudgeContext, backend: Backend, first: Side, texts: Mapping[str, str],
           fields: dict[str, str], temperature: float) -> tuple[OrderJudgement, Usage]:
    """Both responses with ``first`` ("a" or "b") shown first; the preference in a/b terms."""
    settings = context.settings
    second: Side = "b" if first == "a" else "a"
    shown = {**fields, "first": texts[first], "second": texts[second]}
    calls = [context.call(COMPARE, shown, sample, temperature) for sample in range(settings.samples)]
    outcomes = context.run(backend, COMPARE, calls)
    usage = total_usage(outcomes)
    failure = first_failure(outcomes)
    exchange = next((outcome.exchange for outcome in outcomes if outcome.exchange), None)
    if failure is not None:
        return OrderJudgement(first=first, preferred=None, reason=failure, error=failure, exchange=exchange), usage
    positions: dict[str, Choice] = {"1": first, "2": second, "tie": "tie"}
    votes: list[Choice] = [positions[outcome.answer["winner"]] for outcome in outcomes]
    # Samples split evenly between choices resolve to a tie: a preference is claimed only when it holds.
    preferred, agreement = majority(votes, lambda leaders: "tie")
    reason = ("the samples split evenly" if preferred not in votes else
              next(outcome.answer["reasoning"] for outcome, vote in zip(outcomes, votes) if vote == preferred))
    judgement = OrderJudgement(first=first, preferred=preferred, reason=reason, votes=votes,
                               cached=all(outcome.cached for outcome in outcomes), exchange=exchange)
    if is_unstable(agreement, len(votes), settings.min_agreement):
        judgement.unstable = True
        if settings.on_unstable == "error":
            judgement.error = unstable_reason(f"{first} first: {', '.join(votes)}", agreement,
                                              settings.min_agreement)
            judgement.preferred = None
    return judgement, usage


def compare_direct(context: JudgeContext, a: str, b: str, instruction: str | None, criteria: str | None,
                   allow_tie: bool) -> CompareVerdict:
    """Both orders judged; the winner is the response both prefer, else a tie (position-inconsistent)."""
    settings = context.settings
    backend = context.backend()
    temperature = settings.effective_temperature(settings.samples)
    fields = {"instruction": instruction or "", "criteria": criteria or ""}
    texts = {"a": a, "b": b}
    orders, usage = [], Usage()
    sides: tuple[Side, Side] = ("a", "b")
    for first in sides:
        judgement, spent = _order(context, backend, first, texts, fields, temperature)
        orders.append(judgement)
        usage = usage + spent
    failed = [order for order in orders if order.preferred is None]
    winner: Choice | None
    if failed:
        winner, consistent, error = None, None, "; ".join(f"{o.first} first: {o.error}" for o in failed)
    else:
        consistent = orders[0].preferred == orders[1].preferred
        winner, error = (orders[0].preferred if consistent else "tie"), None
    verdict = CompareVerdict(judge=backend.name, offline=backend.offline, method="direct", instruction=instruction,
                             criteria=criteria, winner=winner, consistent=consistent, orders=orders,
                             allow_tie=allow_tie, error=error, samples=settings.samples, usage=usage)
    if verdict.passed:
        for order in verdict.orders:
            order.exchange = None  # shown for verdicts that did not pass only
    return verdict


def compare_by_checklist(context: JudgeContext, a: str, b: str, instruction: str | None,
                         items: list[str] | None, input: str | None, allow_tie: bool) -> CompareVerdict:
    """TICK's comparison: one checklist (generated once), both responses judged, pass rates compared."""
    usage = Usage()
    if items is not None:
        checklist = Checklist(questions=items, instruction=instruction, input=input)
    else:
        checklist, usage = checklist_for(context, instruction or "", input)
    backend = context.backend()
    judged_a, usage_a = judge_items(context, backend, checklist, a)
    judged_b, usage_b = judge_items(context, backend, checklist, b)
    compared = [ComparedItem(index=item_a.index, question=item_a.question, a=item_a.answer, b=item_b.answer)
                for item_a, item_b in zip(judged_a, judged_b)]
    missing = [item for item in judged_a + judged_b if item.answer is None]
    rate_a = sum(item.answer is True for item in judged_a) / len(judged_a)
    rate_b = sum(item.answer is True for item in judged_b) / len(judged_b)
    winner: Any = None if missing else ("a" if rate_a > rate_b else "b" if rate_b > rate_a else "tie")
    error = f"item {missing[0].index}: {missing[0].error}" if missing else None
    return CompareVerdict(judge=backend.name, offline=backend.offline, method="checklist",
                          instruction=instruction, winner=winner, a_pass_rate=rate_a, b_pass_rate=rate_b,
                          items=compared, allow_tie=allow_tie, error=error, samples=context.settings.samples,
                          usage=usage + usage_a + usage_b)


# Reporting (on the JSON form of verdicts).

_SIDE = {"a": "a", "b": "b", "tie": "tie", None: "no verdict"}


class PairwiseFigures(Figures):
    def __init__(self) -> None:
        self.comparisons = 0
        self.swapped = 0
        """Comparisons judged in both orders (the direct method): what position consistency is a share of."""
        self.inconsistent: list[tuple[str, str]] = []

    def add(self, counts: RunCounts, nodeid: str, verdict: Mapping[str, Any], test_passed: bool) -> None:
        for order in verdict.get("orders", []):
            if order.get("unstable"):
                counts.unstable.append((nodeid, f"comparison, {order['first']} shown first "
                                                f"[{', '.join(order.get('votes', []))}]"))
        if verdict.get("winner") is not None:
            self.comparisons += 1
            counts.judged += 1
            self.swapped += verdict.get("consistent") is not None
            if verdict.get("consistent") is False:
                self.inconsistent.append((nodeid, verdict.get("headline", "")))

    def tiles(self) -> list[tuple[str, str, str]]:
        if not self.swapped:
            return []
        return [("position inconsistency", f"{self.position_inconsistency or 0.0:.0%}",
                 f"{len(self.inconsistent)} of {plural(self.swapped, 'comparison')} changed when the order "
                 "was swapped")]

    @property
    def position_inconsistency(self) -> float | None:
        return len(self.inconsistent) / self.swapped if self.swapped else None

    def as_dict(self) -> dict[str, Any]:
        return {"comparisons": self.comparisons, "comparisons_in_both_orders": self.swapped,
                "position_inconsistent": [{"nodeid": nodeid, "headline": headline}
                                          for nodeid, headline in self.inconsistent],
                "position_inconsistency_rate": self.position_inconsistency}

    def lines(self, show_nodeid: ShowNodeid, max_listed: int) -> list[str]:
        if not self.comparisons:
            return []
        if not self.swapped:
            return [f"pairwise: {plural(self.comparisons, 'comparison')} (none judged in both orders)"]
        rate = self.position_inconsistency or 0.0
        both = "" if self.swapped == self.comparisons else f" ({self.swapped} judged in both orders)"
        return [f"pairwise: {plural(self.comparisons, 'comparison')}{both}, {len(self.inconsistent)} "
                f"position-inconsistent ({rate:.0%}; the preference changed when the order was swapped)",
                *[f"  {show_nodeid(nodeid)}  {shorten(headline, 100)}"
                  for nodeid, headline in self.inconsistent[:max_listed]]]


class PairwiseKind(JudgeKind):
    name = "compare"

    def lines(self, verdict: Mapping[str, Any], width: int = 100) -> list[str]:
        usage = verdict.get("usage", {})
        method = "checklist pass rates" if verdict.get("method") == "checklist" else "both orders"
        lines = [f"compare · judge {judge_label(verdict)} · {method} · winner {_SIDE[verdict.get('winner')]} · "
                 f"{plural(usage.get('calls', 0), 'judge call')}, {usage.get('cached', 0)} cached"]
        if verdict.get("instruction"):
            lines.append(f"  instruction: {shorten(verdict['instruction'], width - 15)}")
        if verdict.get("criteria"):
            lines.append(f"  criteria: {shorten(verdict['criteria'], width - 12)}")
        for order in verdict.get("orders", []):
            second = "b" if order["first"] == "a" else "a"
            votes = order.get("votes") or []
            unstable = ", unstable" if order.get("unstable") else ""
            shown = f" (samples: {', '.join(votes)}{unstable})" if len(votes) > 1 else ""
            lines.append(f"  {order['first']} shown first, {second} second: "
                         f"prefers {_SIDE[order.get('preferred')]}{shown}")
            lines.extend(wrapped(order.get("error") or order.get("reason") or "(no reason given)", width))
            lines.extend(exchange_lines(order.get("exchange"), width))
        if verdict.get("consistent") is False:
            lines.append("  position-inconsistent: the preference changed when the order was swapped, so it is a tie")
        if verdict.get("method") == "checklist":
            lines.append(f"  pass rate a {verdict.get('a_pass_rate', 0):.2f} · "
                         f"b {verdict.get('b_pass_rate', 0):.2f}")
            for item in verdict.get("items", []):
                if item.get("a") != item.get("b"):
                    said = " · ".join(f"{side} {'?' if item.get(side) is None else 'YES' if item[side] else 'NO'}"
                                      for side in ("a", "b"))
                    lines.append(f"    {item['index']:>2}  {shorten(item['question'], width - 30)}  ({said})")
        if verdict.get("error"):
            lines.extend(wrapped(f"UNSCORED: {verdict['error']}", width))
        return lines

    def html(self, verdict: Mapping[str, Any]) -> Html:
        method = "checklist pass rates" if verdict.get("method") == "checklist" else "both orders"
        parts = [line("winner", f"{_SIDE[verdict.get('winner')]} · by {method}")]
        for field in ("instruction", "criteria"):
            if verdict.get(field):
                parts.append(collapsible(field, verdict[field]))
        orders = []
        for number, order in enumerate(verdict.get("orders", []), 1):
            second = "b" if order["first"] == "a" else "a"
            preferred = order.get("preferred")
            shown = ", ".join(order.get("votes") or []) if len(order.get("votes") or []) > 1 else ""
            orders.append(row(None if preferred is None else True, number,
                              f"{order['first']} shown first, {second} second: prefers {_SIDE[preferred]}",
                              order.get("error") or order.get("reason") or "(no reason given)",
                              exchange(order.get("exchange")), symbol=None if preferred is None else "·",
                              tags=[votes(f"samples {shown}" if shown else "", bool(order.get("unstable")))]))
        parts.append(rows(orders))
        if verdict.get("consistent") is False:
            parts.append(element("p", "position-inconsistent: the preference changed when the order was swapped, "
                                      "so it is a tie", cls="warn-note"))
        if verdict.get("method") == "checklist":
            parts.append(line("pass rates", f"a {verdict.get('a_pass_rate') or 0:.2f} · "
                                             f"b {verdict.get('b_pass_rate') or 0:.2f}"))
            said = {True: "YES", False: "NO", None: "?"}
            parts.append(rows([row(None, item.get("index"), item.get("question"),
                                   f"a {said[item.get('a')]} · b {said[item.get('b')]}", symbol="≠")
                               for item in verdict.get("items", []) if item.get("a") != item.get("b")]))
        if verdict.get("error"):
            parts.append(element("p", f"UNSCORED: {verdict['error']}", cls="unscored-reason"))
        return join(parts)

    def shows_unscored(self, verdict: Mapping[str, Any]) -> bool:
        return bool(verdict.get("error"))

    def unscored(self, verdict: Any) -> str | None:
        return f"{verdict.headline}: {verdict.error}" if verdict.winner is None else None

    def figures(self) -> PairwiseFigures:
        return PairwiseFigures()

    def properties(self, verdict: Mapping[str, Any]) -> list[tuple[str, Any]]:
        return [("winner", verdict.get("winner")), ("consistent", verdict.get("consistent"))]


KIND = PairwiseKind()
