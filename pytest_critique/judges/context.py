"""What a judge kind gets from the run: one object through which it reaches backends, the engine
and the other kinds it builds on (the ``Critic`` provides it).

Modules that orchestrate a kind (pairwise and rubric grading, calibration, CheckEval generation)
take a :class:`JudgeContext` instead of reaching into the ``Critic``, so they import nothing above
them.
"""

from __future__ import annotations

from typing import Any, Callable, Protocol, Sequence

from ..backends.base import Backend, JudgeCall
from ..engine import Outcome
from ..models import Checklist, ItemVerdict, StepsVerdict, Usage
from ..settings import Settings
from ..tasks import Task


class JudgeContext(Protocol):
    def backend_for(self, settings: Settings) -> Backend:
        """The judge for these settings (the test's backend fixture, or the configured model)."""

    def model_backend(self, settings: Settings) -> Backend:
        """The judge a model string in these settings names, whatever the backend fixture returns."""

    def call(self, task: Task[Any], fields: dict[str, Any], settings: Settings, sample: int = 0,
             temperature: float = 0.0) -> JudgeCall:
        """One request of ``task`` with these inputs and settings."""

    def run(self, backend: Backend, task: Task[Any], calls: list[JudgeCall], settings: Settings) -> list[Outcome]:
        """The requests through the engine (cache, budget, breaker), drift collected."""

    def checklist_for(self, instruction: str, input: str | None, settings: Settings,
                      backend: Backend | None = None) -> tuple[Checklist, Usage]:
        """The TICK checklist of an instruction: frozen, else generated."""

    def judge_items(self, backend: Backend, checklist: Checklist, response: str,
                    settings: Settings) -> tuple[list[ItemVerdict], Usage]:
        """Every question of a checklist judged against a response (samples and votes applied)."""

    def map(self, function: Callable[[Any], Any], items: Sequence[Any], concurrency: int) -> list[Any]:
        """``function`` over ``items`` in parallel (work that judges, such as calibration items)."""

    def judge_steps(self, backend: Backend, steps: list[str], problem: str | None, settings: Settings,
                    mode: str = "first_error") -> StepsVerdict:
        """The step critic's verdict on steps already split (not recorded as a test's verdict)."""
