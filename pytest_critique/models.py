"""The verdicts a judge returns, as pydantic models that round-trip through JSON."""

from __future__ import annotations

import inspect
from typing import Any, Iterable, Literal

from typing_extensions import Self

from pydantic import BaseModel, ConfigDict, Field, SerializerFunctionWrapHandler, computed_field, model_serializer

from .errors import CritiqueFailed


class Usage(BaseModel):
    """What obtaining a verdict cost."""

    model_config = ConfigDict(extra="forbid")

    calls: int = 0
    """Requests sent to the judge backend (repairs included, retries not)."""
    retries: int = 0
    """Requests repeated after a rate limit, server error or timeout."""
    cached: int = 0
    """Judgements answered from the verdict cache, or by a response cache in front of the model (a
    LiteLLM proxy's): no judge call paid for them."""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float = 0.0
    """US dollars, where litellm knows the model's price; 0 otherwise."""

    def __add__(self, other: "Usage") -> "Usage":
        return Usage.total((self, other))

    @classmethod
    def total(cls, usages: Iterable["Usage"]) -> "Usage":
        """The sum of ``usages`` (none: nothing spent)."""
        calls = retries = cached = prompt_tokens = completion_tokens = 0
        cost = 0.0
        for usage in usages:
            calls += usage.calls
            retries += usage.retries
            cached += usage.cached
            prompt_tokens += usage.prompt_tokens
            completion_tokens += usage.completion_tokens
            cost += usage.cost
        # Validating six numbers costs less than pydantic's model_construct.
        return cls.model_validate({"calls": calls, "retries": retries, "cached": cached, "prompt_tokens": prompt_tokens,
                                   "completion_tokens": completion_tokens, "cost": cost})

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


if tuple(Usage.model_fields) != ("calls", "retries", "cached", "prompt_tokens", "completion_tokens", "cost"):
    raise AssertionError("Usage.total() sums each field of Usage by name: add a new field there")


class Vote(BaseModel):
    """One sampled judgement of a checklist question."""

    answer: bool
    reason: str = ""
    cached: bool = False


class Drift(BaseModel):
    """A verdict that changed when it was judged again (refresh mode, a new model or prompt)."""

    what: str
    """The question, step or decision that changed."""
    before: Any
    after: Any
    judge_before: str
    judge_after: str


class VerdictBase(BaseModel):
    """What every judge's verdict offers: ``passed``, a one-line ``headline`` and ``check()``."""

    drift: list[Drift] = Field(default_factory=list)
    """Verdicts judged afresh in this run that differ from the cached ones."""
    response: str | None = None
    """The response under test (None where a kind judges several, or none was given)."""

    @property
    def passed(self) -> bool:  # every kind's verdict defines it (a computed field)
        raise NotImplementedError

    @property
    def headline(self) -> str:  # every kind's verdict defines it (a computed field)
        raise NotImplementedError

    def check(self) -> Self:
        """Raise :class:`CritiqueFailed` with the headline unless the verdict passed."""
        __tracebackhide__ = True
        if not self.passed:
            raise CritiqueFailed(self.headline)
        return self

    def __repr__(self) -> str:
        return f"<{self.headline}>"

    __str__ = __repr__



class Exchange(BaseModel):
    """What was sent to the judge and what it replied (kept with --critique-show-prompt)."""

    request: list[dict[str, str]] = Field(default_factory=list)
    """The chat messages of the last request (a repair request's, when there was one)."""
    reply: str | None = None
    """The reply's text as received (API keys redacted); None when no reply text came."""
    cached: bool = False
    """The reply came from the verdict cache; the request is rendered again for it."""


_EXCLUDE_IF = "exclude_if" in inspect.signature(Field).parameters
"""pydantic 2.11 and later leave a field out of the dump by a test on its value (no serializer around
the whole model, which every checklist item went through)."""


def _is_none(value: Any) -> bool:
    return value is None


class ShowsExchange(BaseModel):
    """Base of the (sub-)verdicts that can keep the exchange behind them; it is left out of their JSON when empty."""

    exchange: Exchange | None = Field(default=None, exclude_if=_is_none) if _EXCLUDE_IF else None
    """The request and the reply behind a failing or unscored verdict, with --critique-show-prompt."""

    if not _EXCLUDE_IF:  # pragma: no cover - pydantic before 2.11
        @model_serializer(mode="wrap")
        def _without_empty_exchange(self, handler: SerializerFunctionWrapHandler) -> Any:
            data = handler(self)
            if isinstance(data, dict) and data.get("exchange") is None:
                data.pop("exchange", None)
            return data


class JurorVote(BaseModel):
    """One juror's verdict on a checklist question (its own majority over its samples)."""

    judge: str
    answer: bool | None
    """True for YES, False for NO, None when this juror gave no verdict."""
    reason: str = ""
    votes: list[Vote] = Field(default_factory=list)
    agreement: float | None = None
    unstable: bool = False
    error: str | None = None


class ItemVerdict(ShowsExchange):
    """The verdict on one checklist question."""

    index: int
    """1-based position of the question in its checklist."""
    question: str
    answer: bool | None
    """True for YES (requirement met), False for NO, None when UNSCORED."""
    reason: str = ""
    """The judge's reasoning for the majority answer, or why no verdict was obtained."""
    votes: list[Vote] = Field(default_factory=list)
    agreement: float | None = None
    """Share of votes that agree with the majority answer."""
    error: str | None = None
    """Why the item is UNSCORED (None when it has an answer)."""
    unstable: bool = False
    """The sampled votes agree less than ``min_agreement`` (a coin flip rather than a verdict)."""
    jurors: list[JurorVote] = Field(default_factory=list)
    """With a jury: how each juror voted (``answer`` is then the jury's decision)."""

    @computed_field  # type: ignore[prop-decorator]
    @property
    def cached(self) -> bool:
        votes = [vote for juror in self.jurors for vote in juror.votes] if self.jurors else self.votes
        return bool(votes) and all(vote.cached for vote in votes)

    @property
    def split(self) -> bool:
        """Jurors answered differently."""
        return len({juror.answer for juror in self.jurors}) > 1

    @property
    def passed(self) -> bool:
        return self.answer is True

    @property
    def unscored(self) -> bool:
        return self.answer is None


ChecklistSource = Literal["given", "generated", "frozen"]


class Checklist(BaseModel):
    """A list of YES/NO questions, where YES means the requirement is met."""

    questions: list[str]
    instruction: str | None = None
    input: str | None = None
    source: ChecklistSource = "given"
    """given by the test, generated by the judge, or read from the frozen checklists file."""
    generator: str | None = None
    """The judge that generated the questions, when they were generated."""


def _pass_rate(answers: list[bool | None]) -> float:
    """YES answers (``True``) over all answers; 0 for none."""
    return answers.count(True) / len(answers) if answers else 0.0  # answers are True, False or None


class ScoredItems(BaseModel):
    """Checklist answers on one response (a verdict, a refinement round, a best-of candidate), and what
    they add up to."""

    items: list[ItemVerdict]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def pass_rate(self) -> float:
        """YES answers over questions (InFoBench's DRFR for one response)."""
        return _pass_rate([item.answer for item in self.items])

    @property
    def failed_items(self) -> list[ItemVerdict]:
        return [item for item in self.items if item.answer is False]

    @property
    def unscored_items(self) -> list[ItemVerdict]:
        return [item for item in self.items if item.answer is None]


class ChecklistVerdict(VerdictBase, ScoredItems):
    """The verdict of a checklist judge (TICK) on one response."""

    kind: Literal["checklist"] = "checklist"
    judge: str
    """The judge that answered: a model string, or an offline judge's label."""
    offline: bool = False
    """True when the judge is an offline backend (scripted rules or recorded verdicts)."""
    checklist: Checklist
    items: list[ItemVerdict]
    threshold: float = 1.0
    samples: int = 1
    batch: bool = False
    min_agreement: float = 0.0
    jury: list[str] = Field(default_factory=list)
    """The jurors' names when a jury judged (``judge`` is then the jury's label)."""
    jury_rule: str | None = None
    usage: Usage = Field(default_factory=Usage)

    @property
    def unstable_items(self) -> list[ItemVerdict]:
        return [item for item in self.items if item.unstable]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def passed(self) -> bool:
        """Every item scored and the pass rate reaches the threshold."""
        answers = [item.answer for item in self.items]
        return None not in answers and _pass_rate(answers) >= self.threshold

    @computed_field  # type: ignore[prop-decorator]
    @property
    def headline(self) -> str:
        """One line saying what the verdict is, used as the failure reason."""
        answers = [item.answer for item in self.items]  # read once: every verdict's report asks for this line
        total = len(answers)
        unscored = answers.count(None)
        if unscored:
            return f"critique: {unscored} of {total} checklist items unscored"
        failed = answers.count(False)
        pass_rate = _pass_rate(answers)
        if pass_rate >= self.threshold:
            return f"critique: all {total} checklist items passed" if not failed else (
                f"critique: {total - failed} of {total} checklist items passed "
                f"(pass rate {pass_rate:.2f} >= {self.threshold:.2f})")
        if self.threshold < 1.0:
            return (f"critique: {failed} of {total} checklist items failed "
                    f"(pass rate {pass_rate:.2f} < threshold {self.threshold:.2f})")
        return f"critique: {failed} of {total} checklist items failed"

    def score(self) -> float:
        return self.pass_rate
