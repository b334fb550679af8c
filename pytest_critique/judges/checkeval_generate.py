"""Writing a CheckEval checklist for a dimension defined in words (Lee et al.'s construction).

Seed questions per sub-aspect from the definition; two independent augmentations, one that
rephrases (diversity) and one that splits into more specific checks (elaboration); then a
filter that keeps or drops each candidate with a reason.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from ..backends.base import JudgeCall
from ..tasks import ReplyProblem, Task, one_per_entry

MIN_SUB_ASPECTS, MAX_SUB_ASPECTS = 1, 6
MAX_QUESTIONS = 8


def _clean_questions(questions: list[str]) -> list[str]:
    cleaned = [re.sub(r"^\s*(?:[-*•]|\d+[.)]|Q\d+[.:)])\s*", "", question).strip() for question in questions]
    if any(not question for question in cleaned):
        raise ValueError("every question must be non-empty")
    return cleaned


class SeedSubAspect(BaseModel):
    name: str = Field(min_length=1)
    questions: list[str] = Field(min_length=1, max_length=MAX_QUESTIONS)

    _clean = field_validator("questions")(lambda cls, value: _clean_questions(value))


class Seeds(BaseModel):
    sub_aspects: list[SeedSubAspect] = Field(min_length=MIN_SUB_ASPECTS, max_length=MAX_SUB_ASPECTS)


class Augmented(BaseModel):
    questions: list[str] = Field(max_length=MAX_QUESTIONS * 2)

    _clean = field_validator("questions")(lambda cls, value: _clean_questions(value))


DropReason = Literal["keep", "wrong_polarity", "off_dimension", "redundant"]


class Decision(BaseModel):
    question: int | None = None
    decision: DropReason
    reason: str = ""

    @field_validator("decision", mode="before")
    @classmethod
    def _normalise(cls, value: object) -> object:
        return value.strip().lower().replace(" ", "_").replace("-", "_") if isinstance(value, str) else value


class FilterDecisions(BaseModel):
    decisions: list[Decision]


def _named_as_asked(answer: Seeds, call: JudgeCall) -> None:
    wanted = call.fields.get("sub_aspects") or []
    got = [sub_aspect.name.strip() for sub_aspect in answer.sub_aspects]
    if wanted and got != list(wanted):
        raise ReplyProblem(f"the sub-aspects must be exactly {wanted}, in that order; got {got}")
    if len(set(name.lower() for name in got)) != len(got):
        raise ReplyProblem(f"sub-aspect names must not repeat, got {got}")


def _one_decision_per_candidate(answer: FilterDecisions, call: JudgeCall) -> None:
    one_per_entry(answer.decisions, len(call.fields["candidates"]), "decision", "candidate")


SEED = Task("checkeval.seed", "checkeval_seed.j2", Seeds, check=_named_as_asked)
AUGMENT = Task("checkeval.augment", "checkeval_augment.j2", Augmented)
FILTER = Task("checkeval.filter", "checkeval_filter.j2", FilterDecisions, check=_one_decision_per_candidate)
