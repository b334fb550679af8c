"""Verdicts asked for with ``critique.expect``: judged in the background while later tests run.

``critique.expect.checklist(...)`` checks its arguments at once, hands the judging to the engine's
verdict threads and returns an :class:`Expectation`.  The test goes on (and the run goes on to
the next tests); the plugin holds the test's report until its expectations are settled, then
records their verdicts in the order they were asked and fails the test (or marks it UNSCORED)
when one did not pass.
"""

from __future__ import annotations

import linecache
import sys
from concurrent.futures import Future
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Generic, Sequence, TypeVar

from .errors import CritiqueFailed, CritiqueUsageError, UnscoredError

if TYPE_CHECKING:
    from .judges.best_of import BestOfVerdict
    from .judges.consistency import ConsistencyVerdict
    from .judges.grounding import GroundingVerdict
    from .judges.context import JudgeContext
    from .judges.checkeval.verdicts import CheckEvalVerdict
    from .judges.steps_verdicts import StepsVerdict
    from .models import ChecklistVerdict
    from .trust_models import CompareVerdict, RubricVerdict

VerdictT = TypeVar("VerdictT")

__tracebackhide__ = True  # pytest leaves this module's frames (plumbing between a test and its critic) out


@dataclass(frozen=True)
class Where:
    """The line of the test that asked for an expectation."""

    path: str
    lineno: int
    """1-based."""
    source: str

    @classmethod
    def caller(cls, depth: int) -> "Where":
        frame = sys._getframe(depth + 1)
        path, lineno = frame.f_code.co_filename, frame.f_lineno
        return cls(path, lineno, linecache.getline(path, lineno).strip())


class Expectation(Generic[VerdictT]):
    """A verdict being judged in the background; the test fails when it does not pass.

    ``verdict()`` waits for it (the test then waits as a plain call would); a test that only
    states what it expects never needs to.
    """

    def __init__(self, future: "Future[VerdictT]", context: "JudgeContext", asked: str, where: Where):
        self.future = future
        self.context = context
        self.asked = asked
        """What was asked, e.g. ``checklist``."""
        self.where = where

    def done(self) -> bool:
        return self.future.done()

    def verdict(self, timeout: float | None = None) -> VerdictT:
        """The verdict once judged (raises :class:`UnscoredError` when the judge gave none)."""
        return self.future.result(timeout)

    def __repr__(self) -> str:
        state = "judged" if self.future.done() else "being judged"
        return f"<critique.expect.{self.asked} at line {self.where.lineno}: {state}>"


@dataclass
class Unmet:
    """An expectation that did not pass, and why."""

    expectation: Expectation[Any]
    error: BaseException
    """:class:`CritiqueFailed` (judged, not passed), :class:`UnscoredError`, or what the judging raised."""

    @property
    def unscored(self) -> bool:
        return isinstance(self.error, UnscoredError)

    @property
    def message(self) -> str:
        if isinstance(self.error, (CritiqueFailed, UnscoredError, CritiqueUsageError)):
            return str(self.error)
        return f"{type(self.error).__name__}: {self.error}"


class Expect:
    """``critique.expect``: the critic's judging methods, each returning at once with an :class:`Expectation`.

    Takes the same arguments as the critic's method of the same name.
    """

    def __init__(self, critic: Any):
        self._critic = critic
        """The :class:`~pytest_critique.Critic` whose methods these are."""

    def _ask(self, asked: str, method: Callable[[], Any]) -> Any:
        __tracebackhide__ = True
        return self._critic.expecting(asked, Where.caller(2), method)

    def checklist(self, response: str, **kwargs: Any) -> Expectation["ChecklistVerdict"]:
        """Expect ``response`` to pass a checklist (see :meth:`Critic.checklist`)."""
        __tracebackhide__ = True
        return self._ask("checklist", lambda: self._critic.checklist(response, **kwargs))  # type: ignore[no-any-return]

    def compare(self, a: str, b: str, **kwargs: Any) -> Expectation["CompareVerdict"]:
        """Expect ``a`` to win the comparison with ``b`` (see :meth:`Critic.compare`)."""
        __tracebackhide__ = True
        return self._ask("compare", lambda: self._critic.compare(a, b, **kwargs))  # type: ignore[no-any-return]

    def rubric(self, response: str, **kwargs: Any) -> Expectation["RubricVerdict"]:
        """Expect ``response`` to reach the rubric's ``min_score`` (see :meth:`Critic.rubric`)."""
        __tracebackhide__ = True
        return self._ask("rubric", lambda: self._critic.rubric(response, **kwargs))  # type: ignore[no-any-return]

    def steps(self, solution: Any = None, **kwargs: Any) -> Expectation["StepsVerdict"]:
        """Expect no wrong step in ``solution`` (see :meth:`Critic.steps`)."""
        __tracebackhide__ = True
        return self._ask("steps", lambda: self._critic.steps(solution, **kwargs))  # type: ignore[no-any-return]

    def checkeval(self, response: str, **kwargs: Any) -> Expectation["CheckEvalVerdict"]:
        """Expect ``response`` to reach every dimension's threshold (see :meth:`Critic.checkeval`)."""
        __tracebackhide__ = True
        return self._ask("checkeval", lambda: self._critic.checkeval(response, **kwargs))  # type: ignore[no-any-return]

    def best_of(self, candidates: Sequence[str], **kwargs: Any) -> Expectation["BestOfVerdict"]:
        """Expect the best candidate to pass the checklist (see :meth:`Critic.best_of`)."""
        __tracebackhide__ = True
        return self._ask("best_of", lambda: self._critic.best_of(candidates, **kwargs))  # type: ignore[no-any-return]

    def consistent(self, sample: Callable[[], str], **kwargs: Any) -> Expectation["ConsistencyVerdict"]:
        """Expect the answer's sentences to be backed up by other answers (see :meth:`Critic.consistent`); the
        answers are sampled on the test's thread, the judging is deferred."""
        __tracebackhide__ = True
        return self._ask("consistent", lambda: self._critic.consistent(sample, **kwargs))  # type: ignore[no-any-return]

    def grounded(self, response: str, **kwargs: Any) -> Expectation["GroundingVerdict"]:
        """Expect ``response``'s claims to be supported by its sources (see :meth:`Critic.grounded`)."""
        __tracebackhide__ = True
        return self._ask("grounded", lambda: self._critic.grounded(response, **kwargs))  # type: ignore[no-any-return]

    def judge_with(self, judge: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Expectation[Any]:
        """Expect a verdict of your own judge kind to pass (see :meth:`Critic.judge_with`)."""
        __tracebackhide__ = True
        return self._ask("judge_with", lambda: self._critic.judge_with(judge, *args, **kwargs))  # type: ignore[no-any-return]


def settle(record: Callable[[Expectation[Any]], Any], expectations: Sequence[Expectation[Any]]) -> list[Unmet]:
    """Wait for ``expectations`` (on the thread that runs the tests), ``record`` their verdicts in the
    order they were asked, and return the ones that did not pass."""
    unmet: list[Unmet] = []
    for expectation in expectations:
        try:
            verdict = record(expectation)
        except (UnscoredError, CritiqueUsageError) as error:
            unmet.append(Unmet(expectation, error))
            continue
        except KeyboardInterrupt:
            raise
        except Exception as error:  # noqa: BLE001 - a judge kind's bug fails its test, not the run
            unmet.append(Unmet(expectation, error))
            continue
        if not verdict.passed:
            unmet.append(Unmet(expectation, CritiqueFailed(verdict.headline)))
    return unmet
