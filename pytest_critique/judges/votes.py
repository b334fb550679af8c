"""Deciding from votes, for every judge kind: the majority of sampled judgements with the kind's
tie rule, how far the samples agree, whether that is stable enough, and jury rules.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Callable, Hashable, Sequence, TypeVar

from ..errors import CritiqueUsageError
from ..models import ItemVerdict, JurorVote, Vote
from ..report_text import tally

V = TypeVar("V", bound=Hashable)


def majority(votes: Sequence[V], tie: Callable[[list[V]], V]) -> tuple[V, float]:
    """The most frequent vote and the agreement (its share of the votes).

    When several votes share the top count, ``tie`` (the kind's tie rule) picks the decision from
    them, in the order they were first cast; it may also return a value no sample gave (a pairwise
    "tie").  The agreement is the top count's share either way.
    """
    if not votes:
        raise ValueError("majority() needs at least one vote")
    counts = Counter(votes)
    top = max(counts.values())
    leaders = [value for value, count in counts.items() if count == top]
    return (leaders[0] if len(leaders) == 1 else tie(leaders)), top / len(votes)


def tie_is_no(leaders: list[bool]) -> bool:
    """An even YES/NO split is NO: an unproven requirement is not met (a step is not proven correct)."""
    return False


def is_unstable(agreement: float | None, votes: int, min_agreement: float) -> bool:
    return votes > 1 and agreement is not None and agreement < min_agreement


def unstable_reason(what: str, agreement: float, min_agreement: float) -> str:
    return (f"unstable verdict: {what} (agreement {agreement:.2f} < min_agreement {min_agreement:.2f}); "
            "on_unstable='error' refuses to decide on it")


def sample_majority(outcomes: Sequence[Any], answers: Sequence[dict[str, Any] | None], *,
                    min_agreement: float, on_unstable: str) -> dict[str, Any]:
    """The fields of an item's verdict from its sampled judge outcomes (YES/NO answers)."""
    for outcome in outcomes:
        if outcome.failure is not None:
            failed: dict[str, Any] = {"answer": None, "reason": outcome.failure.reason,
                                      "error": outcome.failure.reason}
            return {**failed, **_shown([outcome])}
    if len(outcomes) == 1 and answers[0] is not None:  # one sample (the default): nothing to count
        vote = Vote(answer=answers[0]["answer"] == "YES", reason=answers[0].get("reasoning", ""),
                    cached=outcomes[0].cached)
        single: dict[str, Any] = {"answer": vote.answer, "reason": vote.reason, "votes": [vote], "agreement": 1.0}
        return single if vote.answer is True else {**single, **_shown(outcomes)}
    votes = [Vote(answer=answer["answer"] == "YES", reason=answer.get("reasoning", ""), cached=outcome.cached)
             for outcome, answer in zip(outcomes, answers) if answer is not None]
    decision, agreement = majority([vote.answer for vote in votes], tie_is_no)
    agreeing = [vote for vote in votes if vote.answer == decision]
    fields: dict[str, Any] = {"answer": decision, "reason": agreeing[0].reason, "votes": votes,
                              "agreement": agreement}
    if is_unstable(agreement, len(votes), min_agreement):
        fields["unstable"] = True
        if on_unstable == "error":
            reason = unstable_reason(tally([vote.answer for vote in votes]), agreement, min_agreement)
            fields.update(answer=None, error=reason)
    return {**fields, **_shown(outcomes)} if fields["answer"] is not True else fields


def _shown(outcomes: Sequence[Any]) -> dict[str, Any]:
    """The exchange behind a verdict that did not pass, when one was kept (--critique-show-prompt)."""
    exchange = next((outcome.exchange for outcome in outcomes if outcome.exchange), None)
    return {"exchange": exchange} if exchange is not None else {}


def majority_item(index: int, question: str, outcomes: Sequence[Any], answers: Sequence[dict[str, Any] | None],
                  *, min_agreement: float = 0.0, on_unstable: str = "report") -> ItemVerdict:
    return ItemVerdict(index=index, question=question,
                       **sample_majority(outcomes, answers, min_agreement=min_agreement, on_unstable=on_unstable))


def check_rule(rule: str, jurors: int) -> None:
    if rule.startswith("quorum:") and int(rule[7:]) > jurors:
        raise CritiqueUsageError(f"jury rule {rule} needs at least {rule[7:]} jurors, "
                                 f"the jury has {jurors}")


def jury_decides(answers: Sequence[bool], rule: str) -> bool:
    """The jury's answer: majority (a tie is NO), unanimous YES, or at least K YES (quorum:K)."""
    yes = sum(answers)
    if rule == "unanimous":
        return yes == len(answers)
    if rule.startswith("quorum:"):
        return yes >= int(rule[7:])
    return yes * 2 > len(answers)


def jury_item(index: int, question: str, judged: Sequence[tuple[str, ItemVerdict]], rule: str) -> ItemVerdict:
    """One checklist item decided by a jury from each juror's own verdict on it."""
    jurors = [JurorVote(judge=name, answer=item.answer, reason=item.reason, votes=item.votes,
                        agreement=item.agreement, unstable=item.unstable, error=item.error)
              for name, item in judged]
    missing = [juror for juror in jurors if juror.answer is None]
    unstable = any(juror.unstable for juror in jurors)
    if missing:
        reason = "; ".join(f"juror {juror.judge}: {juror.error or juror.reason}" for juror in missing)
        return ItemVerdict(index=index, question=question, answer=None, reason=reason, error=reason,
                           unstable=unstable, jurors=jurors)
    answers = [bool(juror.answer) for juror in jurors]
    decision = jury_decides(answers, rule)
    agreeing = [juror for juror in jurors if juror.answer == decision]
    reason = agreeing[0].reason if agreeing else jurors[0].reason
    return ItemVerdict(index=index, question=question, answer=decision, reason=reason,
                       agreement=len(agreeing) / len(jurors), unstable=unstable, jurors=jurors)


def jury_label(names: Sequence[str], rule: str) -> str:
    return f"jury ({rule}): {', '.join(names)}"


def mark_unstable_steps(verdict: Any, min_agreement: float, on_unstable: str) -> None:
    """Flag step verdicts whose samples disagree too much; with on_unstable='error' they become UNSCORED."""
    verdict.min_agreement = min_agreement
    if verdict.mode == "first_error":
        votes = verdict.located_votes
        if not is_unstable(verdict.agreement, len(votes), min_agreement):
            return
        verdict.unstable = True
        if on_unstable == "error":
            shown = ", ".join("none" if vote is None else str(vote) for vote in votes)
            reason = unstable_reason(f"samples located {shown}", verdict.agreement, min_agreement)
            for step in verdict.steps:
                step.status, step.error, step.reason = "unscored", reason, reason
        return
    for step in verdict.steps:
        if step.status in ("correct", "wrong") and is_unstable(step.agreement, len(step.votes), min_agreement):
            step.unstable = True
            if on_unstable == "error":
                answers = [vote.answer for vote in step.votes]
                what = tally(answers).replace("YES", "correct").replace("NO", "wrong")
                step.status = "unscored"
                step.error = step.reason = unstable_reason(what, step.agreement, min_agreement)


def mark_unstable_questions(dimensions: Sequence[Any], min_agreement: float, on_unstable: str) -> None:
    """Flag CheckEval questions whose samples disagree; with on_unstable='error' the sub-aspect is UNSCORED."""
    for dimension in dimensions:
        for sub_aspect in dimension.sub_aspects:
            unstable = []
            for question in sub_aspect.questions:
                votes = question.votes
                if len(votes) < 2:
                    continue
                agreement = max(sum(votes), len(votes) - sum(votes)) / len(votes)
                if is_unstable(agreement, len(votes), min_agreement):
                    question.unstable = True
                    unstable.append((question, agreement))
            if unstable and on_unstable == "error" and sub_aspect.error is None:
                question, agreement = unstable[0]
                sub_aspect.error = unstable_reason(f"Q{question.index} {tally(question.votes)}", agreement,
                                                   min_agreement)
                for question in sub_aspect.questions:
                    question.answer = None
