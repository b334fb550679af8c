"""What a judge kind gets from the run for one verdict: the judge (or jurors) for its settings,
``run()`` through the engine (cache, budget, breaker), parallel ``map()``, frozen checklists, and
what the verdict's calls left behind (drift, generated checklists), collected here so they go to
the verdict that caused them.

The :class:`~pytest_critique.critic.Critic` makes one per call (``checklist()``, ``steps()``...).
"""

from __future__ import annotations

from pathlib import Path
from collections.abc import Mapping, Sequence
from typing import Any, Callable

from ..backends.base import Backend, JudgeCall
from ..engine import Outcome
from ..errors import CritiqueUsageError
from ..freeze import FrozenChecklists
from ..models import Usage
from ..report_text import judge_label
from ..runtime import Runtime
from ..settings import Settings
from ..tasks import Task


class JudgeContext:
    def __init__(self, runtime: Runtime, settings: Settings, fixture: Any = None):
        self.runtime = runtime
        self.settings = settings
        """The settings of this call (the critic's, the test's markers and the call's keyword arguments)."""
        self.fixture = fixture
        """What the ``critique_backend`` fixture returned: None, a backend, or a mapping model -> backend."""
        self.drift: list[dict[str, Any]] = []
        """Verdicts that changed since the cached ones, over this context's calls."""
        self.new_checklists: list[dict[str, Any]] = []
        """Checklists generated (not read from the frozen file) by this context's calls."""
        self.usage = Usage()
        """What every call run through this context cost (counted apart when no verdict comes of them)."""
        self.judges: dict[str, None] = {}
        """The judges those calls went to, as reports name them."""

    @property
    def root(self) -> Path:
        return self.runtime.root

    @property
    def warned(self) -> set[str]:
        """Warnings already given in this run (each is given once)."""
        return self.runtime.warned

    def backend(self, settings: Settings | None = None) -> Backend:
        """The judge for these settings: the backend fixture's, else the configured model."""
        __tracebackhide__ = True
        settings = settings or self.settings
        if isinstance(self.fixture, Mapping):
            if settings.model not in self.fixture:
                raise CritiqueUsageError(
                    f"the critique_backend mapping has no backend for model {settings.model!r}; "
                    f"it has: {', '.join(map(str, self.fixture)) or 'none'}")
            backend: Backend = self.fixture[settings.model]
            return backend
        return self.fixture if self.fixture is not None else self.runtime.backend(settings)

    def model_backend(self, settings: Settings) -> Backend:
        """The judge a model string in these settings names, whatever the backend fixture returns."""
        return self.runtime.backend(settings)

    def jurors(self, jury: Sequence[Any] | None, settings: Settings | None = None) -> list[Backend]:
        """The jury's backends: given per call, or the models of the model setting; empty for one judge."""
        __tracebackhide__ = True
        settings = settings or self.settings
        if jury is None:
            if not settings.jury:
                return []
            if self.fixture is not None and not isinstance(self.fixture, Mapping):
                raise CritiqueUsageError(
                    "the model setting names a jury, but the critique_backend fixture returns one "
                    "backend; return a mapping of model -> backend to judge offline with a jury")
            return [self.backend(settings.replace(model=model, jury=())) for model in settings.jury]
        if isinstance(jury, (str, bytes)) or not isinstance(jury, Sequence) or len(jury) < 2:
            raise CritiqueUsageError("jury must be a list of at least two judges (model strings or backends)")
        jurors = [self.backend(settings.replace(model=juror, jury=())) if isinstance(juror, str) else juror
                  for juror in jury]
        for juror in jurors:
            if not isinstance(juror, Backend):
                raise CritiqueUsageError(f"a juror must be a model string or a backend, got {type(juror).__name__}")
        names = [juror.name for juror in jurors]
        if len(set(names)) != len(names):
            raise CritiqueUsageError(f"jurors need distinct names, got {', '.join(names)}")
        return jurors

    def note_jury(self, jurors: Sequence[Backend], settings: Settings | None = None) -> None:
        """Judges used side by side: their verdicts are never reported as drift from each other."""
        settings = settings or self.settings
        if settings.cache != "off":
            self.runtime.engine.note_judges(settings.cache_dir, [juror.name for juror in jurors])

    def call(self, task: Task[Any], fields: dict[str, Any], sample: int = 0, temperature: float = 0.0,
             settings: Settings | None = None) -> JudgeCall:
        return task.call(fields, settings or self.settings, sample, temperature)

    def run(self, backend: Backend, task: Task[Any], calls: list[JudgeCall],
            settings: Settings | None = None) -> list[Outcome]:
        """The requests through the engine (cache, budget, breaker), in order; drift is kept here."""
        settings = settings or self.settings
        outcomes = self.runtime.engine.run(backend, task, calls, cache=settings.cache, cache_dir=settings.cache_dir,
                                           concurrency=settings.concurrency)
        for outcome in outcomes:
            self.drift.extend(outcome.drift)
        self.usage = self.usage + total_usage(outcomes)
        self.judges[judge_label({"judge": backend.name, "offline": backend.offline})] = None
        return outcomes

    def map(self, function: Callable[[Any], Any], items: Sequence[Any], concurrency: int) -> list[Any]:
        """``function`` over ``items`` in parallel (work that judges, such as calibration items)."""
        return self.runtime.engine.map(function, items, concurrency)

    def frozen(self, settings: Settings | None = None) -> FrozenChecklists:
        return self.runtime.frozen(settings or self.settings)


def total_usage(outcomes: Sequence[Outcome]) -> Usage:
    return Usage.total(outcome.usage for outcome in outcomes)


def first_failure(outcomes: Sequence[Outcome]) -> str | None:
    """The reason of the first outcome that failed, if any did."""
    return next((outcome.failure.reason for outcome in outcomes if outcome.failure is not None), None)
