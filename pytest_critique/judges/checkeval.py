"""CheckEval (Lee et al.): a dimension's sub-aspects, each a list of boolean questions.

One judge call per sub-aspect answers all of its questions; the answers must match the
questions in number and order (a mismatch is repaired once, then UNSCORED, never padded).
A dimension's score is the weighted share of questions answered in the good direction.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel

from ..backends.base import JudgeCall
from ..tasks import Task, one_per_entry
from .tick import BatchItem


class SubAspectAnswers(BaseModel):
    answers: list[BatchItem]


def _matches_questions(answer: SubAspectAnswers, call: JudgeCall) -> None:
    one_per_entry(answer.answers, len(call.fields["questions"]), "answer", "question")


_Q_LINE = re.compile(r"^\W*Q(\d+)\W*[:.)-]\s*\**\s*(yes|no)\b", re.IGNORECASE | re.MULTILINE)


def _q_lines(text: str) -> dict[str, Any] | None:
    """CheckEval's own reply format: one ``Q1: yes`` line per question."""
    found = _Q_LINE.findall(text)
    if not found:
        return None
    return {"answers": [{"question": int(number), "answer": answer} for number, answer in found]}


SUB_ASPECT = Task("checkeval.subaspect", "checkeval_subaspect.j2", SubAspectAnswers,
                  check=_matches_questions, text_fallback=_q_lines)


def judge_dimensions(dimensions: list[Any], thresholds: dict[str, float], fields: dict[str, str],
                     samples: int, run: Any, make_call: Any) -> tuple[list[Any], Any]:
    """Judge every sub-aspect of ``dimensions`` (one call per sub-aspect and sample)."""
    from ..models import DimensionVerdict, QuestionVerdict, SubAspectVerdict, Usage

    plan = [(dimension, sub_aspect) for dimension in dimensions for sub_aspect in dimension.sub_aspects]
    calls = [make_call(SUB_ASPECT, {**fields, "dimension": dimension.name, "definition": dimension.definition,
                                    "sub_aspect": sub_aspect.name,
                                    "questions": [question.text for question in sub_aspect.questions]}, sample)
             for dimension, sub_aspect in plan for sample in range(samples)]
    outcomes = run(SUB_ASPECT, calls)
    usage = Usage()
    for outcome in outcomes:
        usage = usage + outcome.usage
    judged: dict[str, list[Any]] = {dimension.name: [] for dimension in dimensions}
    for position, (dimension, sub_aspect) in enumerate(plan):
        mine = outcomes[position * samples:(position + 1) * samples]
        failure = next((outcome.failure.reason for outcome in mine if outcome.failure is not None), None)
        questions = []
        for index, question in enumerate(sub_aspect.questions):
            votes = [] if failure else [outcome.data["answers"][index]["answer"] == "YES" for outcome in mine]
            yes = sum(votes)
            # A tie goes to the bad direction: an unproven quality is not granted.
            answer = None if failure else (yes * 2 > len(votes) if yes * 2 != len(votes) else not question.yes_is_good)
            questions.append(QuestionVerdict(index=index + 1, text=question.text, yes_is_good=question.yes_is_good,
                                             weight=question.weight, required=question.required, answer=answer,
                                             votes=votes, cached=all(outcome.cached for outcome in mine)))
        judged[dimension.name].append(SubAspectVerdict(name=sub_aspect.name, questions=questions, error=failure))
    verdicts = [DimensionVerdict(name=dimension.name, definition=dimension.definition,
                                 threshold=thresholds[dimension.name], sub_aspects=judged[dimension.name])
                for dimension in dimensions]
    return verdicts, usage
