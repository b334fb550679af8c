"""CheckEval's verdicts: a score per dimension, per sub-aspect, and each question's answer."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, computed_field

from ...models import ShowsExchange, Usage, VerdictBase

class QuestionVerdict(BaseModel):
    """A CheckEval question and the judge's answer to it."""

    index: int
    """1-based position within its sub-aspect."""
    text: str
    yes_is_good: bool = True
    weight: float = 1.0
    required: bool = False
    answer: bool | None = None
    """The judge's YES (True) or NO (False); None when UNSCORED."""
    votes: list[bool] = Field(default_factory=list)
    unstable: bool = False
    cached: bool = False

    @computed_field  # type: ignore[prop-decorator]
    @property
    def good(self) -> bool | None:
        """Whether the answer goes the good way (YES for most questions, NO for yes-is-bad ones)."""
        return None if self.answer is None else self.answer == self.yes_is_good


class SubAspectVerdict(ShowsExchange):
    name: str
    questions: list[QuestionVerdict]
    error: str | None = None
    """Why the sub-aspect is UNSCORED (its call failed), else None."""

    @computed_field  # type: ignore[prop-decorator]
    @property
    def score(self) -> float | None:
        return _weighted_share(self.questions)


def _weighted_share(questions: list[QuestionVerdict]) -> float | None:
    if not questions or any(question.answer is None for question in questions):
        return None
    total = sum(question.weight for question in questions)
    return sum(question.weight for question in questions if question.good) / total


class DimensionVerdict(BaseModel):
    name: str
    definition: str = ""
    threshold: float = 1.0
    sub_aspects: list[SubAspectVerdict]

    @property
    def questions(self) -> list[QuestionVerdict]:
        return [question for sub_aspect in self.sub_aspects for question in sub_aspect.questions]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def score(self) -> float | None:
        """Weighted share of questions answered the good way; None when any is UNSCORED."""
        return _weighted_share(self.questions)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def required_failed(self) -> list[str]:
        return [q.text for q in self.questions if q.required and q.good is False]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def passed(self) -> bool:
        return self.score is not None and self.score >= self.threshold and not self.required_failed


class CheckEvalVerdict(VerdictBase):
    """The verdict of a CheckEval judge: a score per dimension and per sub-aspect."""

    kind: Literal["checkeval"] = "checkeval"
    judge: str
    offline: bool = False
    dimensions: list[DimensionVerdict]
    samples: int = 1
    usage: Usage = Field(default_factory=Usage)

    def dimension(self, name: str) -> DimensionVerdict:
        for dimension in self.dimensions:
            if dimension.name == name:
                return dimension
        raise KeyError(f"no dimension {name!r}; judged: {', '.join(d.name for d in self.dimensions)}")

    def score(self, name: str) -> float | None:
        return self.dimension(name).score

    @property
    def unscored_sub_aspects(self) -> list[SubAspectVerdict]:
        return [s for d in self.dimensions for s in d.sub_aspects if s.error is not None]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def passed(self) -> bool:
        return all(dimension.passed for dimension in self.dimensions)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def headline(self) -> str:
        total = len(self.dimensions)
        if self.unscored_sub_aspects:
            return f"critique: {len(self.unscored_sub_aspects)} sub-aspects unscored"
        failed = [d for d in self.dimensions if not d.passed]
        if not failed:
            return f"critique: all {total} dimensions passed"
        shown = ", ".join(f"{d.name} {d.score:.2f} < {d.threshold:.2f}" if d.score is not None and
                          d.score < d.threshold else f"{d.name} (required question failed)" for d in failed)
        return f"critique: {len(failed)} of {total} dimensions failed: {shown}"
