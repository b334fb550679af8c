"""Rubric grading (Prometheus, Kim et al.): feedback first, then one score from 1 to 5."""

from __future__ import annotations

import re
from typing import Any, Mapping

from pydantic import BaseModel, Field, ValidationError, field_validator

from ..backends.base import JudgeCall, OfflineJudge
from ..errors import CritiqueUsageError, JudgeFailure, plain_problems
from ..html_parts import Html, collapsible, element, exchange, join, line, row, rows, votes
from ..report_text import exchange_lines, judge_label, plural, shorten, wrapped
from ..tasks import Statements, Task
from ..trust_models import Rubric, RubricVerdict
from .context import JudgeContext, first_failure, total_usage
from .kind import Figures, JudgeKind, RunCounts, ShowNodeid
from .votes import is_unstable, majority, unstable_reason


def _whole_number(value: Any) -> Any:
    if isinstance(value, str):  # "4", "4.0", "4/5", "4 out of 5", "Score: 4"
        found = re.fullmatch(r"\s*(?:score\s*[:=]?\s*)?(\d+)(?:\.0+)?\s*(?:(?:/|out\s+of)\s*5)?\s*\.?\s*", value,
                             re.IGNORECASE)
        if found:
            return int(found.group(1))
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


class Grade(BaseModel):
    feedback: str = ""
    score: int = Field(ge=1, le=5, strict=True)

    _normalise = field_validator("score", mode="before")(_whole_number)


_SCORE = r"([1-5])(?!\s*(?:or|to|-|\u2013)\s*\d)(?!\.\d)\b"
SCORE_STATEMENTS = Statements(
    "score",
    patterns=(
        re.compile(r"\[RESULT\][\s*_:]*" + _SCORE, re.IGNORECASE),
        re.compile(r"^[\s*_>#-]*(?:final\s+|overall\s+)?(?:score|grade|rating)[\s*_]*[:=-][\s*_\"']*" + _SCORE,
                   re.IGNORECASE),
    ),
    final=(re.compile(r"\b([1-5])\s*(?:/|out\s+of)\s*5\b", re.IGNORECASE),
           re.compile(r"\brate\s+(?:this|it)(?:\s+(?:response|answer))?\s+(?:an?\s+)?([1-5])\b(?!\s*(?:or|to|-)\s*\d)",
                      re.IGNORECASE)),
    bare={str(score): score for score in range(1, 6)}, convert=int, before="feedback")
"""How a prose reply gives the score: ``Score: 4``, ``**Score:** 4``, ``[RESULT] 4`` (Prometheus's own format,
anywhere in a line), ``4/5`` on the last line, or a line that is only ``4``."""


def _offline_grade(judge: OfflineJudge, call: JudgeCall) -> dict[str, Any]:
    fields = call.fields
    graded = judge.grade(response=fields["response"], criteria=fields["criteria"], scores=list(fields["scores"]),
                         reference=fields.get("reference") or None, instruction=fields.get("instruction") or None)
    if graded is None:
        raise JudgeFailure(f"{judge.name} has no grade for this response", "missing")
    return {"score": graded[0], "feedback": graded[1]}


GRADE = Task("rubric.grade", "rubric_grade.j2", Grade, text_fallback=SCORE_STATEMENTS, offline=_offline_grade,
             decided=lambda data, fields: {"rubric score": data["score"]})


def as_rubric(rubric: Any) -> Rubric:
    """A Rubric from a Rubric, or a mapping with ``criteria`` and ``scores`` (or the scores 1-5 as keys)."""
    if isinstance(rubric, Rubric):
        return rubric
    if not isinstance(rubric, Mapping):
        raise CritiqueUsageError("rubric must be a mapping like {'criteria': '...', 'scores': "
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
            raise CritiqueUsageError(f"rubric scores must be keyed 1 to 5, got {sorted(map(str, scores))}") \
                from None
    try:
        return Rubric.model_validate(data)
    except ValidationError as exc:
        raise CritiqueUsageError(f"invalid rubric: {plain_problems(exc.errors(), 'rubric')}") from None


def judge(context: JudgeContext, response: str, rubric: Rubric, reference: str | None, instruction: str | None,
          min_score: int) -> RubricVerdict:
    settings = context.settings
    backend = context.backend()
    temperature = settings.effective_temperature(settings.samples)
    fields = {"response": response, "criteria": rubric.criteria, "scores": list(rubric.scores.values()),
              "reference": reference or "", "instruction": instruction or ""}
    calls = [context.call(GRADE, fields, sample, temperature) for sample in range(settings.samples)]
    outcomes = context.run(backend, GRADE, calls)
    common: dict[str, Any] = {"judge": backend.name, "offline": backend.offline, "rubric": rubric,
                              "min_score": min_score, "samples": settings.samples, "usage": total_usage(outcomes),
                              "response": response}
    failure = first_failure(outcomes)
    common["exchange"] = next((outcome.exchange for outcome in outcomes if outcome.exchange), None)
    if failure is not None:
        return RubricVerdict(score=None, error=failure, feedback=failure, **common)
    votes = [outcome.answer["score"] for outcome in outcomes]
    score, agreement = majority(votes, min)  # a tie goes to the lowest score
    feedback = next(outcome.answer["feedback"] for outcome, vote in zip(outcomes, votes) if vote == score)
    verdict = RubricVerdict(score=score, feedback=feedback, votes=votes, agreement=agreement, **common)
    if is_unstable(agreement, len(votes), settings.min_agreement):
        verdict.unstable = True
        if settings.on_unstable == "error":
            verdict.error = unstable_reason(f"scores {', '.join(map(str, votes))}", agreement, settings.min_agreement)
            verdict.score = None
    if verdict.passed:
        verdict.exchange = None  # shown for verdicts that did not pass only
    return verdict


# Reporting (on the JSON form of verdicts).

class RubricFigures(Figures):
    def __init__(self) -> None:
        self.scores: list[int] = []

    def add(self, counts: RunCounts, nodeid: str, verdict: Mapping[str, Any], test_passed: bool) -> None:
        if verdict.get("unstable"):
            counts.unstable.append((nodeid, f"rubric score [{', '.join(map(str, verdict.get('votes', [])))}]"))
        if verdict.get("score") is not None:
            self.scores.append(verdict["score"])
            counts.judged += 1

    def as_dict(self) -> dict[str, Any]:
        return {"rubric_scores": self.scores}

    def lines(self, show_nodeid: ShowNodeid, max_listed: int) -> list[str]:
        if not self.scores:
            return []
        mean = sum(self.scores) / len(self.scores)
        return [f"rubric: {plural(len(self.scores), 'response')} graded, mean score {mean:.2f}"]

    def tiles(self) -> list[tuple[str, str, str]]:
        if not self.scores:
            return []
        return [("mean rubric score", f"{sum(self.scores) / len(self.scores):.2f}",
                 f"of 5, {plural(len(self.scores), 'response')} graded")]


class RubricKind(JudgeKind):
    name = "rubric"

    def parts(self, verdict: Mapping[str, Any]) -> list[tuple[str, bool | None]]:
        return [("", None if verdict.get("score") is None else verdict.get("passed"))]

    def lines(self, verdict: Mapping[str, Any], width: int = 100) -> list[str]:
        usage = verdict.get("usage", {})
        score = verdict.get("score")
        shown = "unscored" if score is None else f"{score}/5"
        lines = [f"rubric · judge {judge_label(verdict)} · score {shown} (min {verdict.get('min_score')}) · "
                 f"{plural(usage.get('calls', 0), 'judge call')}, {usage.get('cached', 0)} cached"]
        rubric = verdict.get("rubric", {})
        lines.append(f"  criteria: {shorten(rubric.get('criteria', ''), width - 12)}")
        votes = verdict.get("votes") or []
        if len(votes) > 1:
            unstable = ", unstable" if verdict.get("unstable") else ""
            lines.append(f"  scores by sample: {', '.join(map(str, votes))} "
                         f"(agreement {verdict.get('agreement') or 0:.2f}{unstable})")
        if score is not None:
            description = rubric.get("scores", {}).get(str(score)) or rubric.get("scores", {}).get(score, "")
            lines.append(f"  {score}: {shorten(description, width - 5)}")
            lines.extend(wrapped(verdict.get("feedback") or "(no feedback given)", width))
        else:
            lines.extend(wrapped(f"UNSCORED: {verdict.get('error') or 'no grade'}", width))
        lines.extend(exchange_lines(verdict.get("exchange"), width))
        return lines

    def html(self, verdict: Mapping[str, Any]) -> Html:
        score = verdict.get("score")
        rubric = verdict.get("rubric", {})
        parts = [line("score", f"{'unscored' if score is None else f'{score}/5'} (min {verdict.get('min_score')})")]
        if rubric.get("criteria"):
            parts.append(collapsible("criteria", rubric["criteria"], open_=True))
        answers = verdict.get("votes") or []
        if len(answers) > 1:
            parts.append(line("scores by sample", ", ".join(map(str, answers))
                              + f" (agreement {verdict.get('agreement') or 0:.2f})"))
            if verdict.get("unstable"):
                parts.append(votes("", True))
        scale = []
        for level, description in sorted((rubric.get("scores") or {}).items(), key=lambda entry: str(entry[0])):
            chosen = score is not None and str(level) == str(score)
            said = (verdict.get("feedback") or "(no feedback given)") if chosen else ""
            scale.append(row(bool(verdict.get("passed")) if chosen else None, level, description, said,
                             symbol=None if chosen else "·"))
        parts.append(rows(scale))
        if score is None:
            parts.append(element("p", f"UNSCORED: {verdict.get('error') or 'no grade'}", cls="unscored-reason"))
        parts.append(exchange(verdict.get("exchange")))
        return join(parts)

    def shows_unscored(self, verdict: Mapping[str, Any]) -> bool:
        return bool(verdict.get("error"))

    def unscored(self, verdict: Any) -> str | None:
        return f"{verdict.headline}: {verdict.error}" if verdict.score is None else None

    def figures(self) -> RubricFigures:
        return RubricFigures()

    def properties(self, verdict: Mapping[str, Any]) -> list[tuple[str, Any]]:
        return [("score", verdict.get("score")), ("min_score", verdict.get("min_score"))]


KIND = RubricKind()
