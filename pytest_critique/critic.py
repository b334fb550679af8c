"""The Critic: what a test calls to have a response judged (the ``critique`` fixture's object)."""

from __future__ import annotations

import os
import threading
from concurrent.futures import Future
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Callable, TypeVar

from .arguments import dimension_thresholds, nonempty_list, optional_text, question_list, require_text
from .backends.base import Backend
from .budget import Budget
from .backends import transport
from .cache.stores import SharedStore
from .engine import NeedsJudge
from .errors import CritiqueUsageError, UnscoredError
from .expectations import Expect, Expectation, Unmet, Where, settle
from .files import resolve as resolve_path
from .judges import checklist as tick
from .judges import kind_of
from .judges.context import JudgeContext
from .models import Checklist, ChecklistVerdict, Drift, Usage
from .runtime import Runtime
from .settings import ALL_KEYS, Settings, apply_overrides, resolve

if TYPE_CHECKING:  # the other kinds are imported by the methods that judge with them: a run loads what it uses
    from .judges import best_of as best_of_n
    from .judges import consistency, grounding
    from .judges import refine as refinement
    from .judges.checkeval.verdicts import CheckEvalVerdict
    from .judges.steps_verdicts import StepsVerdict
    from .trust_models import CalibrationVerdict, CompareVerdict, RubricVerdict


VerdictT = TypeVar("VerdictT")


def _one_checklist(method: str, settings: Settings, instruction: Any, input: Any,
                   items: Sequence[str] | None) -> tuple[str | None, str | None, list[str] | None]:
    """The checked arguments of a method that judges responses against one checklist with one judge:
    instruction, input and the questions (None: generated from the instruction)."""
    instruction, input = optional_text(instruction, "instruction"), optional_text(input, "input")
    if items is None and instruction is None:
        raise CritiqueUsageError(f"{method} needs instruction=... (to generate a checklist) "
                                 "or items=[...] (the questions to judge)")
    if settings.jury:
        raise CritiqueUsageError(f"{method} judges with one judge; the model setting names a jury")
    return instruction, input, None if items is None else question_list(items)


class Critic:
    """Judges responses.  In tests use the ``critique`` fixture; elsewhere build one directly::

        critic = Critic(model="openai/gpt-4o-mini")
        verdict = critic.checklist(answer, instruction="Write a haiku about a fox.")

    Keyword arguments override settings read from ``CRITIQUE_*`` environment variables.
    Each method checks its arguments, hands them to its judge kind (``pytest_critique/judges/``)
    and records the verdict.
    """

    def __init__(self, settings: Settings | None = None, *, backend: Backend | Mapping[str, Backend] | None = None,
                 runtime: Runtime | None = None, on_verdict: Callable[[Any], None] | None = None,
                 **overrides: Any):
        base = settings if settings is not None else resolve()
        self.settings = apply_overrides(base, overrides, "Critic()", ALL_KEYS) if overrides else base
        self.backend = backend
        self.runtime = runtime if runtime is not None else Runtime(
            budget=Budget(self.settings.max_calls, self.settings.max_cost), breaker=self.settings.breaker,
            in_flight=self.settings.concurrency, shared_store=SharedStore.of(self.settings))
        self.verdicts: list[Any] = []
        """Every verdict this critic returned, in order."""
        self.new_checklists: list[dict[str, Any]] = []
        """Generated checklists not read from the frozen file (what --critique-freeze writes)."""
        self.usage_outside_verdicts: list[tuple[Usage, list[str]]] = []
        """What calls that returned no verdict cost, and their judges (``generate_checklist()``,
        ``define_dimension()``, a checklist whose generation failed)."""
        self.expected: list[Expectation[Any]] = []
        """Expectations asked with ``expect`` and not yet settled, in the order they were asked."""
        self._on_verdict = on_verdict
        self._asking = threading.local()

    @property
    def expect(self) -> Expect:
        """The judging methods, each returning at once: ``critique.expect.checklist(reply, items=[...])``
        is judged in the background while the run goes on, and the test fails (or is UNSCORED) when
        the verdict does not pass.  In pytest the plugin settles them; elsewhere call :meth:`settle`."""
        return Expect(self)

    def expecting(self, asked: str, where: Where, method: Callable[[], Any]) -> Expectation[Any]:
        """Call ``method`` (a judging method of this critic) with its judging handed to the background."""
        __tracebackhide__ = True
        self._asking.where = (asked, where)
        try:
            expectation = method()
        finally:
            self._asking.where = None
        if not isinstance(expectation, Expectation):  # pragma: no cover - every judging method goes through _judged
            raise AssertionError(f"{asked}() was judged at once instead of in the background")
        return expectation

    def recorded_expectation(self, expectation: Expectation[VerdictT]) -> VerdictT:
        """Wait for an expectation's verdict and record it as a plain call would have (raises as it would)."""
        __tracebackhide__ = True
        try:
            verdict = expectation.future.result()
        except KeyboardInterrupt:
            transport.interrupt_all()
            raise
        except UnscoredError as error:
            if error.verdict is None:
                self._spent(expectation.context)
            raise
        return self._record(verdict, expectation.context)

    def settle(self) -> list[Unmet]:
        """Wait for every expectation asked so far, record their verdicts, and return those not met
        (each an :class:`~pytest_critique.expectations.Unmet`: the expectation and the error it ended in)."""
        expected, self.expected = self.expected, []
        return settle(self.recorded_expectation, expected)

    def _settings_for(self, call: str, given: dict[str, Any]) -> Settings:
        """This critic's settings with a call's keyword arguments (those not None) on top."""
        __tracebackhide__ = True
        given = {name: value for name, value in given.items() if value is not None}
        return apply_overrides(self.settings, given, call) if given else self.settings

    def _context(self, settings: Settings) -> JudgeContext:
        return JudgeContext(self.runtime, settings, self.backend)

    def _record(self, verdict: VerdictT, context: JudgeContext) -> VerdictT:
        """Keep the verdict (with the drift its calls found), tell the hook, and raise UNSCORED if it has no result."""
        __tracebackhide__ = True
        if context.drift:
            recorded: Any = verdict
            recorded.drift = [*recorded.drift, *(Drift(**change) for change in context.drift)]
        self.new_checklists.extend(context.new_checklists)
        self.verdicts.append(verdict)
        if self._on_verdict is not None:
            self._on_verdict(verdict)
        try:
            kind = kind_of(verdict)
        except LookupError as exc:
            raise CritiqueUsageError(f"{exc}: register the kind's KIND with pytest_critique.judges.register() "
                                     "(in conftest.py, so every process of the run knows it)") from None
        reason = kind.unscored(verdict)
        if reason is not None:
            raise UnscoredError(reason, verdict)
        return verdict

    def _spent(self, context: JudgeContext) -> None:
        """Calls that return no verdict: counted in the test's report on their own, not on a later verdict."""
        self.new_checklists.extend(context.new_checklists)
        if context.usage.calls or context.usage.cached:
            self.usage_outside_verdicts.append((context.usage, list(context.judges)))

    def _judged(self, context: JudgeContext, judge: Callable[[JudgeContext], VerdictT]) -> VerdictT:
        """The kind's verdict, recorded; when the kind gives up before a verdict, its calls still count.

        Asked through ``expect``, the verdict is worked out at once when the cache holds every answer
        it needs; otherwise the judging goes to the background.  Either way an :class:`Expectation`
        comes back.
        """
        __tracebackhide__ = True
        asking = getattr(self._asking, "where", None)
        if asking is not None:
            self._asking.where = None
            return self._expectation(context, judge, *asking)  # type: ignore[return-value]
        try:
            verdict = judge(context)
        except UnscoredError as error:
            if error.verdict is None:
                self._spent(context)
            raise
        return self._record(verdict, context)

    def _expectation(self, context: JudgeContext, judge: Callable[[JudgeContext], Any], asked: str,
                     where: Where) -> Expectation[Any]:
        engine = self.runtime.engine
        cached = self._context(context.settings)
        future: Future[Any] = Future()
        try:
            with engine.cached_only():
                future.set_result(judge(cached))
            expectation = Expectation(future, cached, asked, where)
        except (NeedsJudge, Exception):  # noqa: BLE001 - a miss, or anything odd: judged in the background
            expectation = Expectation(engine.defer(lambda: judge(context)), context, asked, where)
        self.expected.append(expectation)
        return expectation

    def judge_with(self, judge: Callable[..., Any], /, *args: Any, settings: Mapping[str, Any] | None = None,
                   **kwargs: Any) -> Any:
        """Run a judge kind's ``judge(context, *args, **kwargs)`` with this critic's settings (``settings``
        overrides some for this call) and record its verdict like the built-in methods do."""
        __tracebackhide__ = True
        context = self._context(self._settings_for("judge_with()", dict(settings or {})))
        return self._judged(context, lambda judging: judge(judging, *args, **kwargs))

    def generate_checklist(self, instruction: str, input: str | None = None, **overrides: Any) -> Checklist:
        """The TICK checklist of an instruction: from the frozen file, else generated (and cached)."""
        __tracebackhide__ = True
        context = self._context(self._settings_for("generate_checklist()", overrides))
        try:
            checklist, _ = tick.checklist_for(context, require_text(instruction, "instruction"),
                                              optional_text(input, "input"))
        finally:
            self._spent(context)
        return checklist

    def checklist(
        self,
        response: str,
        *,
        instruction: str | None = None,
        items: Sequence[str] | None = None,
        input: str | None = None,
        threshold: float | None = None,
        samples: int | None = None,
        batch: bool | None = None,
        jury: Sequence[Any] | None = None,
        jury_rule: str | None = None,
        **overrides: Any,
    ) -> ChecklistVerdict:
        """Judge ``response`` against a checklist of YES/NO questions (TICK).

        With ``items`` those questions are judged; otherwise a checklist is generated from
        ``instruction`` (or read from the frozen checklists file).  Each question is judged in
        its own call (``batch=True``: one call for all), ``samples`` times, and the majority
        decides.  ``jury`` (model strings or backends; default: the models of the model setting
        when it names several) judges every question with each juror, and ``jury_rule``
        (majority, unanimous, quorum:K) decides.  Raises :class:`UnscoredError` when any
        question could not be judged.
        """
        __tracebackhide__ = True
        settings = self._settings_for("checklist()", {"threshold": threshold, "samples": samples, "batch": batch,
                                                      "jury_rule": jury_rule, **overrides})
        response = require_text(response, "response")
        instruction = optional_text(instruction, "instruction")
        input = optional_text(input, "input")
        if items is None and instruction is None:
            raise CritiqueUsageError("checklist() needs instruction=... (to generate a checklist) "
                                     "or items=[...] (the questions to judge)")
        context = self._context(settings)
        questions = None if items is None else question_list(items)
        return self._judged(context, lambda judging: tick.judge(judging, response, instruction=instruction, input=input,
                                                        jury=jury, items=questions))

    def compare(
        self,
        a: str,
        b: str,
        *,
        instruction: str | None = None,
        criteria: str | None = None,
        method: str = "direct",
        items: Sequence[str] | None = None,
        input: str | None = None,
        allow_tie: bool = False,
        samples: int | None = None,
        **overrides: Any,
    ) -> CompareVerdict:
        """Which response serves the instruction better: ``a`` (the candidate) or ``b``.

        ``method="direct"`` asks the judge twice, with either response shown first; the winner
        is the response both orders prefer, and a disagreement is a tie (``consistent`` is
        then False).  ``method="checklist"`` judges both against one TICK checklist (``items``,
        or generated from ``instruction``) and compares pass rates.  ``passed`` is True when
        ``a`` wins (or ties, with ``allow_tie=True``).  Raises :class:`UnscoredError` when the
        judge gave no usable answer.
        """
        __tracebackhide__ = True
        from .judges import pairwise
        settings = self._settings_for("compare()", {"samples": samples, **overrides})
        a, b = require_text(a, "a"), require_text(b, "b")
        instruction, criteria = optional_text(instruction, "instruction"), optional_text(criteria, "criteria")
        input = optional_text(input, "input")
        context = self._context(settings)
        if method == "direct":
            if items is not None:
                raise CritiqueUsageError("items=[...] belongs to method='checklist'")
            return self._judged(context, lambda judging: pairwise.compare_direct(judging, a, b, instruction, criteria,
                                                                         bool(allow_tie)))
        if method == "checklist":
            if items is None and instruction is None:
                raise CritiqueUsageError("compare(method='checklist') needs instruction=... or items=[...]")
            questions = None if items is None else question_list(items)
            return self._judged(context, lambda judging: pairwise.compare_by_checklist(
                judging, a, b, instruction, questions, input, bool(allow_tie)))
        raise CritiqueUsageError(f"unknown compare method {method!r}; expected direct or checklist")

    def refine(
        self,
        generate: Callable[[str | None], str],
        *,
        instruction: str | None = None,
        items: Sequence[str] | None = None,
        input: str | None = None,
        rounds: int = 2,
        feedback: Callable[[Any], str] | str | None = None,
        threshold: float | None = None,
        samples: int | None = None,
        batch: bool | None = None,
        **overrides: Any,
    ) -> refinement.RefineVerdict:
        """Refine the app's response with checklist feedback (STICK) and judge every round.

        ``generate(feedback)`` is the app: it is called with None, its response judged against the
        checklist (``items``, or generated once from ``instruction``); while a response does not
        pass and fewer than ``rounds`` responses were judged, the failed items with the judge's
        reasons become the feedback text of the next call.  ``feedback`` replaces the packaged
        template: a callable taking the round (:class:`RefineRound`) or jinja2 template text.
        ``passed`` is the last round's.  Raises :class:`UnscoredError` when a round's item could
        not be judged; exceptions of ``generate`` reach the test unchanged (with a note).
        """
        __tracebackhide__ = True
        from .judges import refine as refinement
        settings = self._settings_for("refine()", {"threshold": threshold, "samples": samples, "batch": batch,
                                                   **overrides})
        if not callable(generate):
            raise CritiqueUsageError(f"refine() needs generate, a callable feedback -> response; "
                                     f"got {type(generate).__name__}")
        if isinstance(rounds, bool) or not isinstance(rounds, int) or rounds < 1:
            raise CritiqueUsageError(f"rounds must be a whole number of at least 1 (responses judged), got {rounds!r}")
        checked = refinement.check_feedback(feedback)
        instruction, input, questions = _one_checklist("refine()", settings, instruction, input, items)
        context = self._context(settings)
        try:
            return self._judged(context, lambda judging: refinement.judge(
                judging, generate, instruction=instruction, items=questions, input=input, rounds=rounds,
                feedback=checked))
        except UnscoredError:
            raise
        except Exception:  # the app (or its feedback callable) failed: the rounds judged so far still cost
            self._spent(context)
            raise

    def consistent(
        self,
        sample: Callable[[], str],
        *,
        n: int = 5,
        response: str | None = None,
        min_score: float = 0.5,
        **overrides: Any,
    ) -> consistency.ConsistencyVerdict:
        """Check each sentence of an answer against ``n`` other answers to the same request (self-consistency,
        as SelfCheckGPT does with the judge as the checker).

        ``sample()`` calls your app and returns one answer; the main answer is ``response``, or the first
        call's.  A sentence's score is the share of the other answers that support it; ``passed`` is True
        when the mean score reaches ``min_score``.  One judge request per sentence and other answer, each
        cached; ``sample`` itself is yours to call, so its answers are never cached by the plugin.
        Raises :class:`UnscoredError` when a sentence could not be judged.
        """
        __tracebackhide__ = True
        from .judges import consistency
        settings = self._settings_for("consistent()", overrides)
        if not callable(sample):
            raise CritiqueUsageError(f"sample must be a function that returns one answer, got {type(sample).__name__}")
        if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 50:
            raise CritiqueUsageError(f"n must be a whole number from 1 to 50, got {n!r}")
        if isinstance(min_score, bool) or not isinstance(min_score, (int, float)) or not 0 <= min_score <= 1:
            raise CritiqueUsageError(f"min_score must be a number from 0 to 1, got {min_score!r}")
        if settings.jury:
            raise CritiqueUsageError("consistent() judges with one judge; the model setting names a jury")

        def answer(what: str) -> str:
            produced = sample()
            if not isinstance(produced, str):
                raise CritiqueUsageError(f"sample() must return the answer as a str; {what} was "
                                         f"{type(produced).__name__}")
            return produced

        main = require_text(response, "response") if response is not None else answer("the first answer")
        if not consistency.sentences(main):
            raise CritiqueUsageError("the main answer has no sentence to check (it is empty)")
        others = [answer(f"answer {number}") for number in range(1, n + 1)]
        return self._judged(self._context(settings),
                            lambda judging: consistency.judge(judging, main, others, float(min_score)))

    def grounded(
        self,
        response: str,
        *,
        sources: Sequence[str],
        claims: Sequence[str] | None = None,
        threshold: float | None = None,
        **overrides: Any,
    ) -> grounding.GroundingVerdict:
        """Check ``response`` claim by claim against ``sources`` (the passages it should rest on).

        The judge breaks the response into atomic claims (one request; ``claims=[...]`` gives them
        instead), then judges each claim: supported, contradicted, or not found.  A supported or
        contradicted verdict quotes the passage it rests on, and a quote the sources do not hold word
        for word is no answer: the claim is UNSCORED, never supported.  ``score`` is the share of
        claims supported; ``passed`` is True when it reaches ``threshold`` (the threshold setting,
        default 1.0: every claim).  Every request is cached, the claims and each claim's verdict
        apart.  Raises :class:`UnscoredError` when a claim could not be judged, or the judge found
        no claim in the response.
        """
        __tracebackhide__ = True
        from .judges import grounding
        settings = self._settings_for("grounded()", {"threshold": threshold, **overrides})
        response = require_text(response, "response")
        if isinstance(sources, str) or not isinstance(sources, Sequence):
            raise CritiqueUsageError(f"sources must be a list of passages (str), got {type(sources).__name__}")
        texts = [require_text(source, f"sources[{number}]") for number, source in enumerate(sources)]
        if not texts or not any(text.strip() for text in texts):
            raise CritiqueUsageError("sources is empty; give the passages the response should rest on")
        given = None
        if claims is not None:
            if isinstance(claims, str) or not isinstance(claims, Sequence):
                raise CritiqueUsageError(f"claims must be a list of claims (str), got {type(claims).__name__}")
            given = [" ".join(require_text(claim, f"claims[{number}]").split()) for number, claim in enumerate(claims)]
            if not given or not all(given):
                raise CritiqueUsageError("claims holds no claim, or an empty one")
        if settings.jury:
            raise CritiqueUsageError("grounded() judges with one judge; the model setting names a jury")
        return self._judged(self._context(settings), lambda judging: grounding.judge(
            judging, response, texts, given, settings.threshold))

    def best_of(
        self,
        candidates: Sequence[str],
        *,
        instruction: str | None = None,
        items: Sequence[str] | None = None,
        input: str | None = None,
        threshold: float | None = None,
        samples: int | None = None,
        batch: bool | None = None,
        **overrides: Any,
    ) -> best_of_n.BestOfVerdict:
        """Rank candidate responses by their pass rate on one checklist (best-of-N, as STICK selects).

        The checklist (``items``, or generated from ``instruction``) is obtained once, whatever the
        number of candidates.  ``ranking`` lists candidate indices best first: the higher pass rate,
        then the earlier candidate; ``winner_index`` and ``winner`` name the best.  ``passed`` is True
        when the best candidate reaches the threshold.  A repeated text is judged once.  Raises
        :class:`UnscoredError` when an item of any candidate could not be judged.
        """
        __tracebackhide__ = True
        from .judges import best_of as best_of_n
        settings = self._settings_for("best_of()", {"threshold": threshold, "samples": samples, "batch": batch,
                                                     **overrides})
        if isinstance(candidates, (str, bytes)) or not isinstance(candidates, Sequence):
            raise CritiqueUsageError(f"candidates must be a list of responses, got {type(candidates).__name__}")
        texts = [require_text(text, f"candidates[{index}]") for index, text in enumerate(candidates)]
        if not texts:
            raise CritiqueUsageError("candidates is empty; give at least one response to rank")
        instruction, input, questions = _one_checklist("best_of()", settings, instruction, input, items)
        return self._judged(self._context(settings), lambda judging: best_of_n.judge(
            judging, texts, instruction=instruction, items=questions, input=input))

    def rubric(
        self,
        response: str,
        *,
        rubric: Any,
        reference: str | None = None,
        instruction: str | None = None,
        min_score: int = 4,
        samples: int | None = None,
        **overrides: Any,
    ) -> RubricVerdict:
        """Grade ``response`` from 1 to 5 against ``rubric`` (Prometheus-style): feedback, then score.

        ``rubric`` is ``{"criteria": "...", "scores": {1: "...", ..., 5: "..."}}`` (a description
        for every score) or a :class:`Rubric`; ``reference`` is an answer that would earn a 5.
        ``passed`` is True when the score reaches ``min_score``.  A missing or out-of-range score
        is repaired once, then UNSCORED (:class:`UnscoredError`).
        """
        __tracebackhide__ = True
        from .judges import rubric as grading
        settings = self._settings_for("rubric()", {"samples": samples, **overrides})
        response = require_text(response, "response")
        if isinstance(min_score, bool) or not isinstance(min_score, int) or not 1 <= min_score <= 5:
            raise CritiqueUsageError(f"min_score must be a whole number from 1 to 5, got {min_score!r}")
        checked = grading.as_rubric(rubric)
        context = self._context(settings)
        reference, instruction = optional_text(reference, "reference"), optional_text(instruction, "instruction")
        return self._judged(context, lambda judging: grading.judge(judging, response, checked, reference, instruction,
                                                           min_score))

    def steps(
        self,
        solution: Any = None,
        *,
        problem: str | None = None,
        steps: Sequence[str] | None = None,
        split: Any = "auto",
        mode: str = "first_error",
        samples: int | None = None,
        stop_at_first: bool = True,
        context: str = "all",
        **overrides: Any,
    ) -> StepsVerdict:
        """Find the first wrong step of a solution or agent trajectory (step-level critic).

        ``solution`` is text (split into steps by ``split``: "auto", "numbered", "paragraphs",
        "lines" or a callable), a list of step strings, or a list of chat messages with tool
        calls; ``steps=[...]`` gives the steps explicitly.  ``mode="first_error"`` asks the judge
        once for the earliest wrong step; ``mode="per_step"`` judges each step with the earlier
        ones as context, stopping at the first wrong one unless ``stop_at_first=False``;
        ``context="window:K"`` sends only the K steps before each judged step instead of all of them.
        Raises :class:`UnscoredError` when the critic gave no verdict.
        """
        __tracebackhide__ = True
        from .judges import steps as step_critic
        from .steps_split import split_steps
        from .trajectory import trajectory_context
        settings = self._settings_for("steps()", {"samples": samples, **overrides})
        problem = optional_text(problem, "problem")
        if mode not in ("first_error", "per_step"):
            raise CritiqueUsageError(f"unknown steps mode {mode!r}; expected first_error or per_step")
        if (solution is None) == (steps is None):
            raise CritiqueUsageError("steps() takes the solution to split, or steps=[...] already split, "
                                     "not both" if steps is not None else "steps() needs a solution "
                                     "(text, a list of steps or a trajectory) or steps=[...]")
        if steps is not None and split != "auto":
            raise CritiqueUsageError("split= applies to a solution; steps=[...] is already split")
        window = step_critic.parse_context(context, mode)
        try:
            parts = split_steps(solution if steps is None else list(steps), split if steps is None else "auto")
        except (TypeError, ValueError) as exc:
            raise CritiqueUsageError(str(exc)) from None
        if problem is None and parts.method == "trajectory":
            problem = trajectory_context(solution) or None  # the user's request is the problem
        return self._judged(self._context(settings), lambda judging: step_critic.judge(
            judging, parts.steps, problem, mode, stop_at_first, parts.method, window))

    def checkeval(
        self,
        response: str,
        *,
        dimensions: Sequence[str] | None = None,
        checklist: Any = None,
        source: str | None = None,
        context: str | None = None,
        question: str | None = None,
        thresholds: float | dict[str, float] | None = None,
        samples: int | None = None,
        **overrides: Any,
    ) -> CheckEvalVerdict:
        """Score ``response`` per quality dimension with CheckEval checklists.

        ``checklist`` is a built-in name ("summarization", "dialogue", "rag"), a YAML file (or a
        list of files), or a loaded checklist; without it, ``dimensions`` are looked up in the
        built-ins.  ``dimensions`` restricts which dimensions are judged.  ``source`` is what the
        response summarises or is grounded in, ``context`` the retrieved passages or dialogue
        history, ``question`` the user's question (for RAG answers).  ``thresholds`` is one
        score for all dimensions or a mapping per dimension (default: the threshold setting).
        Raises :class:`UnscoredError` when a sub-aspect could not be judged.
        """
        __tracebackhide__ = True
        from .judges import checkeval
        from .judges.checkeval.files import resolve_checklist
        settings = self._settings_for("checkeval()", {"samples": samples, **overrides})
        response = require_text(response, "response")
        fields = {"response": response, "source": optional_text(source, "source") or "",
                  "context": optional_text(context, "context") or "",
                  "question": optional_text(question, "question") or ""}
        try:
            chosen = resolve_checklist(checklist, dimensions, self.runtime.root)
        except (KeyError, ValueError, OSError) as exc:
            raise CritiqueUsageError(str(exc)) from None
        limits = dimension_thresholds(thresholds, [dimension.name for dimension in chosen], settings.threshold)
        return self._judged(self._context(settings), lambda judging: checkeval.judge(judging, chosen, limits, fields))

    def define_dimension(self, name: str, definition: str, *, path: str | os.PathLike[str],
                         sub_aspects: Sequence[str] | None = None,
                         seeds: Mapping[str, Sequence[str]] | None = None, **overrides: Any) -> Any:
        """A CheckEval checklist for a dimension defined in words, generated once into a YAML file.

        If ``path`` (relative to the rootdir) exists it is loaded as it is, with no judge call.
        Otherwise the judge writes seed questions (for ``sub_aspects`` when given; ``seeds``
        maps sub-aspect names to questions you wrote, skipping that step), augments them twice
        (rephrased; more specific), filters out questions whose YES is bad, that stray off the
        dimension or repeat another, and writes the result to ``path`` for you to review and
        commit.  Returns the checklist, ready for ``checkeval(response, checklist=...)``.
        """
        __tracebackhide__ = True
        from .judges.checkeval.define import define_dimension
        settings = self._settings_for("define_dimension()", overrides)
        name, definition = require_text(name, "name").strip(), require_text(definition, "definition").strip()
        if not name or not definition:
            raise CritiqueUsageError("define_dimension() needs a name and a definition in words")
        if sub_aspects is not None:
            sub_aspects = [require_text(item, "sub_aspects[]").strip()
                           for item in nonempty_list(sub_aspects, "sub_aspects")]
        if seeds is not None:
            if not isinstance(seeds, Mapping) or not seeds:
                raise CritiqueUsageError("seeds must map sub-aspect names to lists of questions")
            seeds = {require_text(key, "seeds key").strip(): question_list(value) for key, value in seeds.items()}
        target = resolve_path(path, self.runtime.root)
        context = self._context(settings)
        try:
            checklist, _ = define_dimension(context, name, definition, target, sub_aspects, seeds)
        finally:
            self._spent(context)
        return checklist

    def calibrate(self, labels: str | os.PathLike[str], *, reference: Any = None, min_kappa: float | None = None,
                  **overrides: Any) -> CalibrationVerdict:
        """Judge the questions of a labels file (recorded-judge JSONL) and measure agreement with the labels.

        Reports accuracy, Cohen's kappa, the confusion counts, figures per ``category`` and every
        disagreement.  ``reference`` (a model string, ``recorded:PATH`` or a backend) replaces
        the labels with that judge's verdicts on the same questions: judge against judge.
        ``passed`` is False when kappa is below ``min_kappa`` (default: the min_kappa setting).
        Relative paths are relative to the rootdir.  Raises :class:`UnscoredError` when no
        labelled question could be compared.
        """
        __tracebackhide__ = True
        from .judges import calibration
        settings = self._settings_for("calibrate()", overrides)
        path = resolve_path(labels, self.runtime.root)
        limit = settings.min_kappa if min_kappa is None else min_kappa
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, (int, float))
                                  or not -1.0 <= limit <= 1.0):
            raise CritiqueUsageError(f"min_kappa must be a number from -1 to 1, got {limit!r}")
        context = self._context(settings)
        return self._judged(context, lambda judging: calibration.judge(judging, path, reference=reference,
                                                               min_kappa=None if limit is None else float(limit)))
