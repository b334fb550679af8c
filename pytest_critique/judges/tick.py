"""TICK checklists (Cook et al., 2024): generate YES/NO questions, then judge each one.

Generation sees the instruction only; judging sees instruction, response and one question,
and reasons before answering.  A batched variant judges all questions in one call.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

from ..backends.base import JudgeCall
from ..tasks import Task, final_line, one_per_entry

MIN_QUESTIONS, MAX_QUESTIONS = 2, 8


def _yes_no(value: Any) -> Any:
    if isinstance(value, bool):
        return "YES" if value else "NO"
    if isinstance(value, str):
        return value.strip().strip(".*").upper()
    return value


class ItemAnswer(BaseModel):
    reasoning: str = ""
    answer: Literal["YES", "NO"]

    _normalise = field_validator("answer", mode="before")(_yes_no)


class BatchItem(BaseModel):
    question: int | None = None
    reasoning: str = ""
    answer: Literal["YES", "NO"]

    _normalise = field_validator("answer", mode="before")(_yes_no)


class BatchAnswer(BaseModel):
    answers: list[BatchItem]


class GeneratedChecklist(BaseModel):
    analysis: str = ""
    questions: list[str] = Field(min_length=MIN_QUESTIONS, max_length=MAX_QUESTIONS)

    @field_validator("questions")
    @classmethod
    def _clean(cls, questions: list[str]) -> list[str]:
        cleaned = [re.sub(r"^\s*(?:[-*•]|\d+[.)]|Q\d+[.:)])\s*", "", q).strip() for q in questions]
        if any(not q for q in cleaned):
            raise ValueError("every question must be non-empty")
        if len(set(cleaned)) != len(cleaned):
            raise ValueError("questions must not repeat")
        return cleaned


_ANSWER_LINE = re.compile(r"^\W*(?:final\s+)?answer\W*[:=]\W*(YES|NO)\b", re.IGNORECASE | re.MULTILINE)


def _answer_line(text: str) -> dict[str, Any] | None:
    """A reply that ends its reasoning with an ``ANSWER: YES`` line instead of JSON."""
    return final_line(_ANSWER_LINE, text, "reasoning", "answer")


def _one_answer_per_question(answer: BatchAnswer, call: JudgeCall) -> None:
    one_per_entry(answer.answers, len(call.fields["questions"]), "answer", "question")


ITEM = Task("tick.item", "tick_item.j2", ItemAnswer, text_fallback=_answer_line,
            failing=lambda answer: answer == "NO")
BATCH = Task("tick.batch", "tick_batch.j2", BatchAnswer, check=_one_answer_per_question)
GENERATE = Task("tick.generate", "tick_generate.j2", GeneratedChecklist)
