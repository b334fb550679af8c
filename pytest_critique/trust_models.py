"""The verdicts of the judges that measure trust: rubric grades, pairwise comparisons, calibrations."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field, field_validator

from .models import ShowsExchange, Usage, VerdictBase


class Rubric(BaseModel):
    """What a rubric grades and what each score from 1 to 5 means."""

    model_config = ConfigDict(extra="forbid")

    criteria: str
    scores: dict[int, str]
    """Score (1-5) -> what a response earning it looks like; all five are required."""

    @field_validator("criteria")
    @classmethod
    def _criteria_not_empty(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("criteria must say what is graded")
        return value.strip()

    @field_validator("scores")
    @classmethod
    def _one_to_five(cls, scores: dict[int, str]) -> dict[int, str]:
        if sorted(scores) != [1, 2, 3, 4, 5]:
            raise ValueError(f"scores must describe each of 1, 2, 3, 4 and 5, got {sorted(scores)}")
        if any(not text.strip() for text in scores.values()):
            raise ValueError("every score needs a description")
        return {score: scores[score].strip() for score in sorted(scores)}


class RubricVerdict(VerdictBase, ShowsExchange):
    """An absolute grade from 1 to 5 against a rubric, with the judge's feedback (Prometheus)."""

    kind: Literal["rubric"] = "rubric"
    judge: str
    offline: bool = False
    rubric: Rubric
    score: int | None
    """The majority score over samples (a tie goes to the lowest tied score); None when UNSCORED."""
    min_score: int = 4
    feedback: str = ""
    votes: list[int] = Field(default_factory=list)
    agreement: float | None = None
    unstable: bool = False
    error: str | None = None
    samples: int = 1
    usage: Usage = Field(default_factory=Usage)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def passed(self) -> bool:
        return self.score is not None and self.score >= self.min_score

    @computed_field  # type: ignore[prop-decorator]
    @property
    def headline(self) -> str:
        if self.score is None:
            return "critique: rubric grade unscored"
        if self.passed:
            return f"critique: rubric score {self.score}/5 (min {self.min_score})"
        return f"critique: rubric score {self.score}/5 is below the minimum {self.min_score}"


Side = Literal["a", "b", "tie"]


class OrderJudgement(ShowsExchange):
    """The judge's preference with one of the two responses shown first."""

    first: Literal["a", "b"]
    preferred: Side | None
    """The response preferred in this order (translated back to a/b); None when UNSCORED."""
    reason: str = ""
    votes: list[Side] = Field(default_factory=list)
    unstable: bool = False
    """The samples agree less than ``min_agreement``."""
    cached: bool = False
    error: str | None = None


class ComparedItem(BaseModel):
    """A checklist question answered for both responses (checklist-based comparison)."""

    index: int
    question: str
    a: bool | None
    b: bool | None


class CompareVerdict(VerdictBase):
    """Which of two responses, ``a`` and ``b``, serves the instruction better."""

    kind: Literal["compare"] = "compare"
    judge: str
    offline: bool = False
    method: Literal["direct", "checklist"] = "direct"
    instruction: str | None = None
    criteria: str | None = None
    winner: Side | None
    """a, b or tie; None when UNSCORED."""
    consistent: bool | None = None
    """direct method: whether both orders named the same winner (None for the checklist method)."""
    orders: list[OrderJudgement] = Field(default_factory=list)
    a_pass_rate: float | None = None
    b_pass_rate: float | None = None
    items: list[ComparedItem] = Field(default_factory=list)
    allow_tie: bool = False
    error: str | None = None
    samples: int = 1
    usage: Usage = Field(default_factory=Usage)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def passed(self) -> bool:
        """``a`` won (or tied, with ``allow_tie=True``)."""
        return self.winner == "a" or (self.allow_tie and self.winner == "tie")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def headline(self) -> str:
        if self.winner is None:
            return "critique: comparison unscored"
        if self.method == "checklist":
            rates = f"checklist pass rate a {self.a_pass_rate:.2f}, b {self.b_pass_rate:.2f}"
            if self.winner == "tie":
                return f"critique: a and b tie ({rates})"
            loser = "b" if self.winner == "a" else "a"
            return f"critique: {self.winner} preferred over {loser} ({rates})"
        if self.consistent is False:
            shown = "; ".join(f"{order.first} first: {order.preferred}" for order in self.orders)
            return f"critique: a and b tie: the preference changed with the order ({shown})"
        if self.winner == "tie":
            return "critique: a and b tie in both orders"
        loser = "b" if self.winner == "a" else "a"
        return f"critique: {self.winner} preferred over {loser} in both orders"


class CalibrationItem(BaseModel):
    """One labelled question where the judge and the reference differ (or the judge gave no verdict)."""

    line: int
    """Line of the labels file."""
    question: str
    response: str
    instruction: str | None = None
    label: bool
    """The reference answer (the label, or the reference judge's verdict)."""
    judged: bool | None
    reason: str = ""
    categories: list[str] = Field(default_factory=list)


class StepDisagreement(BaseModel):
    """A labelled solution where the step critic located another first error (or none)."""

    line: int
    problem: str | None = None
    steps: int
    label: int | None
    """The labelled first wrong step (1-based), None when every step is correct."""
    judged: int | None
    reason: str = ""


class StepCalibration(BaseModel):
    """The step critic against labelled solutions, with ProcessBench's figures."""

    solutions: int
    erroneous: int
    """Labelled solutions with a wrong step."""
    correct: int
    erroneous_accuracy: float | None
    """Share of erroneous solutions whose first wrong step was located exactly."""
    correct_accuracy: float | None
    """Share of correct solutions judged to have no wrong step."""
    f1: float | None
    """Harmonic mean of the two accuracies (None unless both kinds of solution are labelled)."""
    disagreements: list[StepDisagreement] = Field(default_factory=list)
    unscored: list[StepDisagreement] = Field(default_factory=list)


class CategoryFigures(BaseModel):
    items: int
    accuracy: float | None
    kappa: float | None


class CalibrationVerdict(VerdictBase):
    """How far a judge agrees with labelled verdicts (people's, or another judge's)."""

    kind: Literal["calibration"] = "calibration"
    judge: str
    offline: bool = False
    labels: str
    """The labels file."""
    reference: str
    """Where the reference answers come from: the labels file, or a reference judge."""
    compared: int
    """Labelled questions both sides answered (the figures are computed over these)."""
    accuracy: float | None
    kappa: float | None
    """Cohen's kappa between the judge and the reference."""
    confusion: dict[str, int]
    """Counts keyed ``label_yes_judged_yes``, ``label_yes_judged_no``, ``label_no_judged_yes``,
    ``label_no_judged_no``."""
    categories: dict[str, CategoryFigures] = Field(default_factory=dict)
    disagreements: list[CalibrationItem] = Field(default_factory=list)
    unscored: list[CalibrationItem] = Field(default_factory=list)
    """Labelled questions without a verdict from the judge or the reference (left out of the figures)."""
    skipped_lines: int = 0
    """Lines of the labels file that are not YES/NO verdicts (checklist or step lines)."""
    min_kappa: float | None = None
    steps: StepCalibration | None = None
    """The step critic against the labels' step lines, when there are any."""
    usage: Usage = Field(default_factory=Usage)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def passed(self) -> bool:
        """Something was compared, and kappa (of the YES/NO labels) reaches ``min_kappa`` when one is set."""
        if self.compared == 0 or self.kappa is None:
            return bool(self.steps and self.steps.solutions)  # min_kappa is about the YES/NO labels
        return self.min_kappa is None or self.kappa >= self.min_kappa

    @computed_field  # type: ignore[prop-decorator]
    @property
    def headline(self) -> str:
        if self.steps and self.steps.solutions and not self.compared:
            steps = self.steps
            shown = "n/a" if steps.f1 is None else f"{steps.f1 * 100:.1f}"
            return (f"critique: step critic {self.judge} against {self.reference}: "
                    f"{steps.solutions - len(steps.disagreements)}/{steps.solutions} solutions agree, F1 {shown}")
        if self.compared == 0 or self.kappa is None or self.accuracy is None:
            return f"critique: calibration against {self.reference} compared no items"
        figures = (f"{self.compared - len(self.disagreements)}/{self.compared} agree, accuracy {self.accuracy:.3f}, "
                   f"Cohen's kappa {self.kappa:.3f}")
        if self.min_kappa is not None and self.kappa < self.min_kappa:
            return (f"critique: judge {self.judge} is below --critique-min-kappa {self.min_kappa:g} against "
                    f"{self.reference} ({figures})")
        return f"critique: judge {self.judge} against {self.reference}: {figures}"
