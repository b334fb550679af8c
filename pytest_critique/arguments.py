"""Checking what a test passes to the critic: clear usage errors instead of odd verdicts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .errors import CritiqueUsageError


def require_text(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise CritiqueUsageError(f"{what} must be a str, got {type(value).__name__}")
    return value


def optional_text(value: Any, what: str) -> str | None:
    return None if value is None else require_text(value, what)


def question_list(items: Any) -> list[str]:
    if isinstance(items, str) or not isinstance(items, Sequence):
        raise CritiqueUsageError("items must be a list of YES/NO questions, "
                                 f"got {type(items).__name__}")
    questions = [require_text(item, f"items[{number}]").strip() for number, item in enumerate(items)]
    if not questions:
        raise CritiqueUsageError("items is empty; give at least one YES/NO question")
    if any(not question for question in questions):
        raise CritiqueUsageError("items holds an empty question")
    return questions


def nonempty_list(value: Any, what: str) -> list[Any]:
    if isinstance(value, str) or not isinstance(value, Sequence) or not value:
        raise CritiqueUsageError(f"{what} must be a non-empty list")
    return list(value)


def dimension_thresholds(thresholds: Any, names: list[str], default: float) -> dict[str, float]:
    if thresholds is None or isinstance(thresholds, (int, float)) and not isinstance(thresholds, bool):
        value = default if thresholds is None else float(thresholds)
        given = {name: value for name in names}
    elif isinstance(thresholds, dict):
        unknown = sorted(set(thresholds) - set(names))
        if unknown:
            raise CritiqueUsageError(f"thresholds for dimensions not judged: {', '.join(unknown)}; "
                                     f"judged: {', '.join(names)}")
        values = {name: thresholds.get(name, default) for name in names}
        wrong = [name for name, value in values.items()
                 if isinstance(value, bool) or not isinstance(value, (int, float))]
        if wrong:
            raise CritiqueUsageError(f"thresholds must be numbers; got {values[wrong[0]]!r} for {wrong[0]}")
        given = {name: float(value) for name, value in values.items()}
    else:
        raise CritiqueUsageError("thresholds must be a number or a mapping of dimension -> number")
    for name, value in given.items():
        if not 0.0 <= value <= 1.0:
            raise CritiqueUsageError(f"threshold for {name} must be between 0 and 1, got {value}")
    return given
