"""Rubric grading (Prometheus, Kim et al.): feedback first, then one score from 1 to 5."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, Field, field_validator

from ..tasks import Task, final_line


def _whole_number(value: Any) -> Any:
    if isinstance(value, str) and re.fullmatch(r"\s*\d+(?:\.0+)?\s*", value):
        return int(float(value))
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


class Grade(BaseModel):
    feedback: str = ""
    score: int = Field(ge=1, le=5, strict=True)

    _normalise = field_validator("score", mode="before")(_whole_number)


_SCORE_LINE = re.compile(r"^\W*(?:\[RESULT\]|(?:final\s+)?score\W*[:=])\s*(\d+)\b", re.IGNORECASE | re.MULTILINE)


def _score_line(text: str) -> dict[str, Any] | None:
    """A reply that ends with ``Score: 4`` or ``[RESULT] 4`` instead of JSON."""
    return final_line(_SCORE_LINE, text, "feedback", "score", int)


GRADE = Task("rubric.grade", "rubric_grade.j2", Grade, text_fallback=_score_line)
