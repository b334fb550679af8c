"""Pairwise comparison with position swap, and rubric grading: the work behind
``Critic.compare()`` and ``Critic.rubric()``.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any, Literal, Mapping

from .errors import CritiqueUsageError
from .judges.pairwise import COMPARE
from .judges.rubric import GRADE
from .models import Checklist, Usage
from .trust_models import ComparedItem, CompareVerdict, OrderJudgement, Rubric, RubricVerdict
from .votes import is_unstable, unstable_reason

Side = Literal["a", "b"]
Choice = Literal["a", "b", "tie"]

if TYPE_CHECKING:
    from .backends.base import Backend
    from .judges.context import JudgeContext
    from .settings import Settings


def _usage(outcomes: list[Any]) -> Usage:
    usage = Usage()
    for outcome in outcomes:
        usage = usage + outcome.usage
    return usage


def _most_common(values: list[Any], order: list[Any]) -> tuple[Any, float]:
    """The most frequent value and its share; a tie goes to the value earliest in ``order``."""
    counts = Counter(values)
    top = max(counts.values())
    chosen = min((value for value, count in counts.items() if count == top), key=order.index)
    return chosen, top / len(values)


def _order(critic: "JudgeContext", backend: "Backend", settings: "Settings", first: Side, texts: Mapping[str, str],
           context: dict[str, str], temperature: float) -> tuple[OrderJudgement, Usage]:
    """Both responses with ``first`` ("a" or "b") shown first; the preference in a/b terms."""
    second: Side = "b" if first == "a" else "a"
    fields = {**context, "first": texts[first], "second": texts[second]}
    calls = [critic.call(COMPARE, fields, settings, sample, temperature) for sample in range(settings.samples)]
    outcomes = critic.run(backend, COMPARE, calls, settings)
    usage = _usage(outcomes)
    failure = next((outcome.failure.reason for outcome in outcomes if outcome.failure is not None), None)
    if failure is not None:
        return OrderJudgement(first=first, preferred=None, reason=failure, error=failure), usage
    positions: dict[str, Choice] = {"1": first, "2": second, "tie": "tie"}
    votes: list[Choice] = [positions[outcome.answer["winner"]] for outcome in outcomes]
    counts = Counter(votes).most_common()
    # Samples split evenly between choices resolve to a tie: a preference is claimed only when it holds.
    tied = len(counts) > 1 and counts[0][1] == counts[1][1]
    preferred: Choice = "tie" if tied else counts[0][0]
    agreement = counts[0][1] / len(votes)
    if preferred not in votes:
        votes_reason = "the samples split evenly"
    else:
        votes_reason = ""
    reason = votes_reason or next(outcome.answer["reasoning"] for outcome, vote in zip(outcomes, votes)
                                  if vote == preferred)
    judgement = OrderJudgement(first=first, preferred=preferred, reason=reason, votes=votes,
                               cached=all(outcome.cached for outcome in outcomes))
    if is_unstable(agreement, len(votes), settings.min_agreement):
        judgement.unstable = True
        if settings.on_unstable == "error":
            judgement.error = unstable_reason(f"{first} first: {', '.join(votes)}", agreement,
                                              settings.min_agreement)
            judgement.preferred = None
    return judgement, usage


def compare_direct(critic: "JudgeContext", settings: "Settings", a: str, b: str, instruction: str | None,
                   criteria: str | None, allow_tie: bool) -> CompareVerdict:
    backend = critic.backend_for(settings)
    temperature = settings.effective_temperature(settings.samples)
    context = {"instruction": instruction or "", "criteria": criteria or ""}
    texts = {"a": a, "b": b}
    orders, usage = [], Usage()
    for first in ("a", "b"):
        judgement, spent = _order(critic, backend, settings, first, texts, context, temperature)
        orders.append(judgement)
        usage = usage + spent
    failed = [order for order in orders if order.preferred is None]
    if failed:
        winner, consistent, error = None, None, "; ".join(f"{o.first} first: {o.error}" for o in failed)
    else:
        consistent = orders[0].preferred == orders[1].preferred
        winner, error = (orders[0].preferred if consistent else "tie"), None
    return CompareVerdict(judge=backend.name, offline=backend.offline, method="direct", instruction=instruction,
                          criteria=criteria, winner=winner, consistent=consistent, orders=orders,
                          allow_tie=allow_tie, error=error, samples=settings.samples, usage=usage)


def compare_by_checklist(critic: "JudgeContext", settings: "Settings", a: str, b: str, instruction: str | None,
                         items: list[str] | None, input: str | None, allow_tie: bool) -> CompareVerdict:
    """TICK's comparison: one checklist (generated once), both responses judged, pass rates compared."""
    usage = Usage()
    if items is not None:
        checklist = Checklist(questions=items, instruction=instruction, input=input)
    else:
        checklist, usage = critic.checklist_for(instruction or "", input, settings)
    backend = critic.backend_for(settings)
    judged_a, usage_a = critic.judge_items(backend, checklist, a, settings)
    judged_b, usage_b = critic.judge_items(backend, checklist, b, settings)
    compared = [ComparedItem(index=item_a.index, question=item_a.question, a=item_a.answer, b=item_b.answer)
                for item_a, item_b in zip(judged_a, judged_b)]
    missing = [item for item in judged_a + judged_b if item.answer is None]
    rate_a = sum(item.answer is True for item in judged_a) / len(judged_a)
    rate_b = sum(item.answer is True for item in judged_b) / len(judged_b)
    winner: Any = None if missing else ("a" if rate_a > rate_b else "b" if rate_b > rate_a else "tie")
    error = f"item {missing[0].index}: {missing[0].error}" if missing else None
    return CompareVerdict(judge=backend.name, offline=backend.offline, method="checklist",
                          instruction=instruction, winner=winner, a_pass_rate=rate_a, b_pass_rate=rate_b,
                          items=compared, allow_tie=allow_tie, error=error, samples=settings.samples,
                          usage=usage + usage_a + usage_b)


def as_rubric(rubric: Any) -> Rubric:
    """A Rubric from a Rubric, or a mapping with ``criteria`` and ``scores`` (or the scores 1-5 as keys)."""
    if isinstance(rubric, Rubric):
        return rubric
    if not isinstance(rubric, Mapping):
        raise CritiqueUsageError("critique: rubric must be a mapping like {'criteria': '...', 'scores': "
                                 "{1: '...', ..., 5: '...'}} or a Rubric, got " + type(rubric).__name__)
    data = dict(rubric)
    if "scores" not in data:
        data = {"criteria": data.pop("criteria", None),
                "scores": {key: value for key, value in data.items()}}
    scores = data.get("scores")
    if isinstance(scores, Mapping):
        try:
            data["scores"] = {int(key): value for key, value in scores.items()}
        except (TypeError, ValueError):
            raise CritiqueUsageError(f"critique: rubric scores must be keyed 1 to 5, got {sorted(map(str, scores))}") \
                from None
    from pydantic import ValidationError

    try:
        return Rubric.model_validate(data)
    except ValidationError as exc:
        problem = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'rubric'}: {e['msg'].removeprefix('Value error, ')}"
                            for e in exc.errors()[:3])
        raise CritiqueUsageError(f"critique: invalid rubric: {problem}") from None


def grade(critic: "JudgeContext", settings: "Settings", response: str, rubric: Rubric, reference: str | None,
          instruction: str | None, min_score: int) -> RubricVerdict:
    backend = critic.backend_for(settings)
    temperature = settings.effective_temperature(settings.samples)
    fields = {"response": response, "criteria": rubric.criteria, "scores": list(rubric.scores.values()),
              "reference": reference or "", "instruction": instruction or ""}
    calls = [critic.call(GRADE, fields, settings, sample, temperature) for sample in range(settings.samples)]
    outcomes = critic.run(backend, GRADE, calls, settings)
    common: dict[str, Any] = {"judge": backend.name, "offline": backend.offline, "rubric": rubric,
                              "min_score": min_score,
              "samples": settings.samples, "usage": _usage(outcomes)}
    failure = next((outcome.failure.reason for outcome in outcomes if outcome.failure is not None), None)
    if failure is not None:
        return RubricVerdict(score=None, error=failure, feedback=failure, **common)
    votes = [outcome.answer["score"] for outcome in outcomes]
    score, agreement = _most_common(votes, [1, 2, 3, 4, 5])  # a tie goes to the lowest score
    feedback = next(outcome.answer["feedback"] for outcome, vote in zip(outcomes, votes) if vote == score)
    verdict = RubricVerdict(score=score, feedback=feedback, votes=votes, agreement=agreement, **common)
    if is_unstable(agreement, len(votes), settings.min_agreement):
        verdict.unstable = True
        if settings.on_unstable == "error":
            verdict.error = unstable_reason(f"scores {', '.join(map(str, votes))}", agreement, settings.min_agreement)
            verdict.score = None
    return verdict
