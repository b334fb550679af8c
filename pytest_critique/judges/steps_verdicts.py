"""The step-level critic's verdicts: one per solution or trajectory, one per step."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, computed_field

from ..models import ShowsExchange, Usage, VerdictBase, Vote

StepStatus = Literal["correct", "wrong", "not_judged", "unscored"]


class StepVerdict(ShowsExchange):
    """The critic's verdict on one step of a solution or trajectory."""

    index: int
    """1-based step number."""
    text: str
    status: StepStatus
    reason: str = ""
    votes: list[Vote] = Field(default_factory=list)
    """One vote per sample (answer True = the step is correct)."""
    agreement: float | None = None
    unstable: bool = False
    cached: bool = False
    error: str | None = None


class StepsVerdict(VerdictBase):
    """The verdict of a step-level critic: every step judged, or the first wrong one located."""

    kind: Literal["steps"] = "steps"
    judge: str
    offline: bool = False
    problem: str | None = None
    mode: Literal["first_error", "per_step"] = "first_error"
    split: str = "list"
    """How the solution was split into steps (list, numbered, paragraphs, lines, trajectory...)."""
    steps: list[StepVerdict]
    samples: int = 1
    located_votes: list[int | None] = Field(default_factory=list)
    """first_error mode: the step number each sample located (None = no error found)."""
    agreement: float | None = None
    unstable: bool = False
    """first_error mode: the samples agree on the location less than ``min_agreement``."""
    min_agreement: float = 0.0
    usage: Usage = Field(default_factory=Usage)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def first_error(self) -> int | None:
        """1-based number of the earliest wrong step, or None."""
        for step in self.steps:
            if step.status == "wrong":
                return step.index
        return None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def first_error_index(self) -> int:
        """0-based index of the earliest wrong step, or -1 (ProcessBench's convention)."""
        return -1 if self.first_error is None else self.first_error - 1

    @property
    def unscored_steps(self) -> list[StepVerdict]:
        return [step for step in self.steps if step.status == "unscored"]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def passed(self) -> bool:
        return self.first_error is None and not self.unscored_steps

    @computed_field  # type: ignore[prop-decorator]
    @property
    def headline(self) -> str:
        total = len(self.steps)
        if self.unscored_steps:
            return f"critique: {len(self.unscored_steps)} of {total} steps unscored"
        if self.first_error is not None:
            return f"critique: step {self.first_error} of {total} is wrong"
        return f"critique: all {total} steps judged correct"
