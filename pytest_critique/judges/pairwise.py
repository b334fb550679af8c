"""Pairwise comparison: which of two responses serves an instruction better.

Judged in both orders (position bias: Wang et al., "Large Language Models are not Fair
Evaluators"); the verdict is a winner only when both orders name the same response.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, field_validator

from ..tasks import Task, final_line

_CHOICES = {"1": "1", "2": "2", "TIE": "tie", "RESPONSE 1": "1", "RESPONSE 2": "2", "FIRST": "1",
            "SECOND": "2", "NEITHER": "tie", "EQUAL": "tie"}


def _choice(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str):
        return _CHOICES.get(value.strip().strip(".*\"'").upper(), value)
    return value


class Preference(BaseModel):
    reasoning: str = ""
    winner: Literal["1", "2", "tie"]

    _normalise = field_validator("winner", mode="before")(_choice)


_WINNER_LINE = re.compile(r"^\W*(?:final\s+)?winner\W*[:=]\W*(1|2|tie)\b", re.IGNORECASE | re.MULTILINE)


def _winner_line(text: str) -> dict[str, Any] | None:
    """A reply that ends with a ``WINNER: 1`` line instead of JSON."""
    return final_line(_WINNER_LINE, text, "reasoning", "winner")


COMPARE = Task("pairwise.compare", "pairwise_compare.j2", Preference, text_fallback=_winner_line)
