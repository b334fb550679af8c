"""The CheckEval checklist model: dimensions, sub-aspects and questions with their polarity.

Loaders are in :mod:`pytest_critique.judges.checkeval.files`; writing the file format is here, so a checklist
can serialise itself.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ...errors import CritiqueUsageError
from ...files import write_atomically



# --------------------------------------------------------------------------------------------
# Models
# --------------------------------------------------------------------------------------------

_MODEL_CONFIG = ConfigDict(extra="forbid", strict=True, use_attribute_docstrings=True)


def _name(value: str, what: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError(f"{what} must not be empty")
    return value


class Question(BaseModel):
    """One boolean question of a sub-aspect."""

    model_config = _MODEL_CONFIG

    text: str
    """The question put to the judge, answered YES or NO."""
    yes_is_good: bool = True
    """Whether YES is the good answer (False for questions that ask whether a defect is present)."""
    weight: float = Field(1.0, gt=0, allow_inf_nan=False)
    """The question's share in its dimension's score, relative to the other questions (> 0)."""
    required: bool = False
    """When True, the dimension fails if this question goes the bad way, whatever its score."""

    @field_validator("text")
    @classmethod
    def _text_not_empty(cls, value: str) -> str:
        return _name(value, "question text")


class SubAspect(BaseModel):
    """A named facet of a dimension; all its questions are answered in one judge call."""

    model_config = _MODEL_CONFIG

    name: str
    """The sub-aspect's name, shown to the judge (e.g. "Factual Consistency")."""
    questions: list[Question] = Field(min_length=1)
    """The sub-aspect's questions, in the order the judge answers them (at least one)."""

    @field_validator("name")
    @classmethod
    def _name_not_empty(cls, value: str) -> str:
        return _name(value, "sub-aspect name")


class Dimension(BaseModel):
    """A quality dimension, scored as the weighted share of good answers over its questions."""

    model_config = _MODEL_CONFIG

    name: str
    """The dimension's name (e.g. "consistency"), unique within a checklist."""
    definition: str
    """What the dimension means, shown to the judge with every sub-aspect."""
    sub_aspects: list[SubAspect] = Field(min_length=1)
    """The dimension's sub-aspects (at least one), names unique."""

    @field_validator("name")
    @classmethod
    def _name_not_empty(cls, value: str) -> str:
        return _name(value, "dimension name")

    @field_validator("definition")
    @classmethod
    def _strip_definition(cls, value: str) -> str:
        return value.strip()

    @model_validator(mode="after")
    def _unique_sub_aspects(self) -> "Dimension":
        names = [sub_aspect.name for sub_aspect in self.sub_aspects]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ValueError(f"dimension {self.name!r} repeats sub-aspect {', '.join(map(repr, repeated))}")
        return self

    @property
    def questions(self) -> list[Question]:
        """Every question of every sub-aspect, in order."""
        return [question for sub_aspect in self.sub_aspects for question in sub_aspect.questions]

    @property
    def question_count(self) -> int:
        return sum(len(sub_aspect.questions) for sub_aspect in self.sub_aspects)

    def sub_aspect(self, name: str) -> SubAspect:
        for sub_aspect in self.sub_aspects:
            if sub_aspect.name == name:
                return sub_aspect
        raise KeyError(f"dimension {self.name!r} has no sub-aspect {name!r}; it has: "
                       f"{', '.join(s.name for s in self.sub_aspects)}")


class CheckEvalChecklist(BaseModel):
    """Dimensions to judge a response on, each with its sub-aspects and questions."""

    model_config = _MODEL_CONFIG

    dimensions: list[Dimension]
    """The dimensions, names unique, in the order they are judged and reported."""

    @model_validator(mode="after")
    def _unique_dimensions(self) -> "CheckEvalChecklist":
        names = self.dimension_names
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ValueError(f"dimension {', '.join(map(repr, repeated))} defined more than once")
        return self

    @property
    def dimension_names(self) -> list[str]:
        return [dimension.name for dimension in self.dimensions]

    def dimension(self, name: str) -> Dimension:
        """The dimension called ``name``; KeyError (listing the available names) if absent."""
        for dimension in self.dimensions:
            if dimension.name == name:
                return dimension
        raise KeyError(f"no dimension {name!r}; the checklist has: {', '.join(self.dimension_names) or 'none'}")

    @property
    def question_count(self) -> int:
        """Questions over all dimensions."""
        return sum(dimension.question_count for dimension in self.dimensions)

    def question_counts(self) -> dict[str, int]:
        """Questions per dimension, in the checklist's order."""
        return {dimension.name: dimension.question_count for dimension in self.dimensions}

    def select(self, names: Iterable[str]) -> "CheckEvalChecklist":
        """A checklist with only the named dimensions, in the order given."""
        chosen = list(names)
        unknown = [name for name in chosen if name not in self.dimension_names]
        if unknown:
            raise CritiqueUsageError(
                f"unknown dimension {', '.join(map(repr, unknown))}; available: {', '.join(self.dimension_names)}")
        return CheckEvalChecklist(dimensions=[self.dimension(name) for name in chosen])


def _question_data(question: Question) -> str | dict[str, Any]:
    options: dict[str, Any] = {}
    if not question.yes_is_good:
        options["yes_is_good"] = False
    if question.weight != 1.0:
        options["weight"] = int(question.weight) if question.weight.is_integer() else question.weight
    if question.required:
        options["required"] = True
    return {"text": question.text, **options} if options else question.text


def dump_checklist(checklist: CheckEvalChecklist, path: str | os.PathLike[str] | None = None) -> str:
    """The checklist as YAML in the several-dimensions form (written to ``path`` when given).

    Questions with default options are plain strings; loading the text gives an equal checklist.
    """
    import yaml

    data = {"dimensions": {
        dimension.name: {
            "definition": dimension.definition,
            "sub_aspects": {sub_aspect.name: [_question_data(question) for question in sub_aspect.questions]
                            for sub_aspect in dimension.sub_aspects},
        } for dimension in checklist.dimensions}}
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100, default_flow_style=False)
    if path is not None:
        write_atomically(Path(path), text)
    return text
