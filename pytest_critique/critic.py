"""The Critic: what a test calls to have a response judged (the ``critique`` fixture's object)."""

from __future__ import annotations

import os
from typing import Any, Callable, Mapping, Sequence

from .arguments import dimension_thresholds, nonempty_list, optional_text, question_list, require_text
from .backends.base import Backend, JudgeCall
from .budget import Budget
from .engine import Outcome
from .errors import CritiqueUsageError, UnscoredError
from .judges import steps as step_critic
from .judges import tick
from .models import CheckEvalVerdict, Checklist, ChecklistVerdict, Drift, ItemVerdict, StepsVerdict, Usage
from .runtime import Runtime
from .tasks import Task
from .settings import ALL_KEYS, Settings, apply_overrides, resolve
from .trust_models import CalibrationVerdict, CompareVerdict, RubricVerdict
from .votes import (check_rule, jury_item, jury_label, majority_item, mark_unstable_questions,
                    mark_unstable_steps)
from .files import resolve as resolve_path


class Critic:
    """Judges responses.  In tests use the ``critique`` fixture; elsewhere build one directly::

        critic = Critic(model="openai/gpt-4o-mini")
        verdict = critic.checklist(answer, instruction="Write a haiku about a fox.")

    Keyword arguments override settings read from ``CRITIQUE_*`` environment variables.
    """

    def __init__(self, settings: Settings | None = None, *, backend: Backend | None = None,
                 runtime: Runtime | None = None, on_verdict: Callable[[Any], None] | None = None,
                 **overrides: Any):
        base = settings if settings is not None else resolve()
        self.settings = apply_overrides(base, overrides, "Critic()", ALL_KEYS) if overrides else base
        self.backend = backend
        self.runtime = runtime if runtime is not None else Runtime(
            budget=Budget(self.settings.max_calls, self.settings.max_cost), breaker=self.settings.breaker)
        self.verdicts: list[Any] = []
        """Every verdict this critic returned, in order."""
        self.new_checklists: list[dict[str, Any]] = []
        """Generated checklists not read from the frozen file (what --critique-freeze writes)."""
        self._on_verdict = on_verdict
        self._drift: list[dict[str, Any]] = []
        self._pending_usage = Usage()

    def _settings_for(self, call: str, given: dict[str, Any]) -> Settings:
        """This critic's settings with a call's keyword arguments (those not None) on top."""
        given = {name: value for name, value in given.items() if value is not None}
        return apply_overrides(self.settings, given, call) if given else self.settings

    def _backend(self, settings: Settings) -> Backend:
        __tracebackhide__ = True
        if isinstance(self.backend, Mapping):
            if settings.model not in self.backend:
                raise CritiqueUsageError(
                    f"critique: the critique_backend mapping has no backend for model {settings.model!r}; "
                    f"it has: {', '.join(map(str, self.backend)) or 'none'}")
            return self.backend[settings.model]
        return self.backend if self.backend is not None else self.runtime.backend(settings)

    def _jurors(self, jury: Sequence[Any] | None, settings: Settings) -> list[Backend]:
        """The jury's backends: given per call, or the models of the model setting; empty for one judge."""
        __tracebackhide__ = True
        if jury is None:
            if not settings.jury:
                return []
            if self.backend is not None and not isinstance(self.backend, Mapping):
                raise CritiqueUsageError(
                    "critique: the model setting names a jury, but the critique_backend fixture returns one "
                    "backend; return a mapping of model -> backend to judge offline with a jury")
            return [self._backend(settings.replace(model=model, jury=())) for model in settings.jury]
        if isinstance(jury, (str, bytes)) or not isinstance(jury, Sequence) or len(jury) < 2:
            raise CritiqueUsageError("critique: jury must be a list of at least two judges "
                                     "(model strings or backends)")
        jurors = [self._backend(settings.replace(model=juror, jury=())) if isinstance(juror, str) else juror
                  for juror in jury]
        for juror in jurors:
            if not isinstance(juror, Backend):
                raise CritiqueUsageError(f"critique: a juror must be a model string or a backend, "
                                         f"got {type(juror).__name__}")
        names = [juror.name for juror in jurors]
        if len(set(names)) != len(names):
            raise CritiqueUsageError(f"critique: jurors need distinct names, got {', '.join(names)}")
        return jurors

    def _run(self, backend: Backend, task: Task[Any], calls: list[JudgeCall], settings: Settings) -> list[Outcome]:
        outcomes = self.runtime.engine.run(backend, task, calls, cache=settings.cache, cache_dir=settings.cache_dir,
                                           concurrency=settings.concurrency)
        for outcome in outcomes:
            self._drift.extend(outcome.drift)
        return outcomes

    def _call(self, task: Task[Any], fields: dict[str, Any], settings: Settings, sample: int = 0,
              temperature: float = 0.0) -> JudgeCall:
        return JudgeCall(task=task.name, template=task.template, fields=fields,
                         params={"temperature": temperature}, sample=sample, timeout=settings.timeout,
                         max_reply_bytes=settings.max_reply_bytes,
                         retries=settings.retries)

    def generate_checklist(self, instruction: str, input: str | None = None, **overrides: Any) -> Checklist:
        """The TICK checklist of an instruction: from the frozen file, else generated (and cached)."""
        __tracebackhide__ = True
        settings = self._settings_for("generate_checklist()", overrides)
        checklist, _ = self._checklist_for(require_text(instruction, "instruction"), optional_text(input, "input"),
                                           settings)
        return checklist

    def _checklist_for(self, instruction: str, input: str | None, settings: Settings,
                       backend: Backend | None = None) -> tuple[Checklist, Usage]:
        __tracebackhide__ = True
        frozen = self.runtime.frozen(settings).lookup(instruction, input)
        if frozen is not None:
            return Checklist(questions=frozen, instruction=instruction, input=input, source="frozen"), Usage()
        backend = backend or self._backend(settings)
        call = self._call(tick.GENERATE, {"instruction": instruction, "input": input or ""}, settings)
        [outcome] = self._run(backend, tick.GENERATE, [call], settings)
        if outcome.failure is not None or outcome.data is None:
            reason = outcome.failure.reason if outcome.failure else "no data"
            raise UnscoredError(f"critique: could not obtain a checklist for the instruction: {reason}")
        questions = outcome.data["questions"]
        self.new_checklists.append({"instruction": instruction, "input": input, "questions": questions,
                                    "generator": backend.name})
        checklist = Checklist(questions=questions, instruction=instruction, input=input, source="generated",
                              generator=backend.name)
        return checklist, outcome.usage

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
            raise CritiqueUsageError("critique: checklist() needs instruction=... (to generate a checklist) "
                                     "or items=[...] (the questions to judge)")
        usage = Usage()
        jurors = self._jurors(jury, settings)
        if jurors:
            check_rule(settings.jury_rule, len(jurors))  # before any call: a usage error costs nothing
        if items is not None:
            checklist = Checklist(questions=question_list(items), instruction=instruction, input=input)
        else:  # a jury's first juror writes the checklist
            checklist, usage = self._checklist_for(instruction or "", input, settings, jurors[0] if jurors else None)
        if jurors:
            if settings.cache != "off":
                self.runtime.engine.note_judges(settings.cache_dir, [juror.name for juror in jurors])
            items_judged, judged_usage = self._judge_by_jury(jurors, checklist, response, settings)
            names = [juror.name for juror in jurors]
            judge, offline = jury_label(names, settings.jury_rule), all(juror.offline for juror in jurors)
        else:
            backend = self._backend(settings)
            items_judged, judged_usage = self._judge(backend, checklist, response, settings)
            names, judge, offline = [], backend.name, backend.offline
        verdict = ChecklistVerdict(
            judge=judge, offline=offline, checklist=checklist, items=items_judged,
            threshold=settings.threshold, samples=settings.samples, batch=settings.batch,
            min_agreement=settings.min_agreement, jury=names, jury_rule=settings.jury_rule if names else None,
            usage=usage + judged_usage)
        self._record(verdict)
        if verdict.unscored_items:
            reasons = "; ".join(f"item {item.index}: {item.error}" for item in verdict.unscored_items[:3])
            raise UnscoredError(f"{verdict.headline}: {reasons}", verdict)
        return verdict

    def _judge(self, backend: Backend, checklist: Checklist, response: str,
               settings: Settings) -> tuple[list[ItemVerdict], Usage]:
        samples = settings.samples
        temperature = settings.effective_temperature(samples)
        context = {"instruction": checklist.instruction or "", "input": checklist.input or "", "response": response}
        questions = checklist.questions
        if settings.batch:
            calls = [self._call(tick.BATCH, {**context, "questions": questions}, settings, sample, temperature)
                     for sample in range(samples)]
            outcomes = self._run(backend, tick.BATCH, calls, settings)
            per_item = [[(outcome, outcome.data["answers"][index] if outcome.data else None)
                         for outcome in outcomes] for index in range(len(questions))]
        else:
            calls = [self._call(tick.ITEM, {**context, "question": question}, settings, sample, temperature)
                     for question in questions for sample in range(samples)]
            outcomes = self._run(backend, tick.ITEM, calls, settings)
            per_item = [[(outcome, outcome.data) for outcome in outcomes[index * samples:(index + 1) * samples]]
                        for index in range(len(questions))]
        verdicts = [majority_item(index, question, [o for o, _ in pairs], [a for _, a in pairs],
                                  min_agreement=settings.min_agreement, on_unstable=settings.on_unstable)
                    for index, (question, pairs) in enumerate(zip(questions, per_item), start=1)]
        usage = Usage()
        for outcome in outcomes:
            usage = usage + outcome.usage
        return verdicts, usage

    def _judge_by_jury(self, jurors: list[Backend], checklist: Checklist, response: str,
                       settings: Settings) -> tuple[list[ItemVerdict], Usage]:
        """Every juror judges every question (each juror's verdicts cached on their own)."""
        judged = self.map(lambda juror: self._judge(juror, checklist, response, settings), jurors, len(jurors))
        usage = Usage()
        for _, juror_usage in judged:
            usage = usage + juror_usage
        items = [jury_item(index, question, [(juror.name, items[index - 1]) for juror, (items, _) in
                                             zip(jurors, judged)], settings.jury_rule)
                 for index, question in enumerate(checklist.questions, start=1)]
        return items, usage

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
        from . import grading

        settings = self._settings_for("compare()", {"samples": samples, **overrides})
        a, b = require_text(a, "a"), require_text(b, "b")
        instruction, criteria = optional_text(instruction, "instruction"), optional_text(criteria, "criteria")
        input = optional_text(input, "input")
        if method == "direct":
            if items is not None:
                raise CritiqueUsageError("critique: items=[...] belongs to method='checklist'")
            verdict = grading.compare_direct(self, settings, a, b, instruction, criteria, bool(allow_tie))
        elif method == "checklist":
            if items is None and instruction is None:
                raise CritiqueUsageError("critique: compare(method='checklist') needs instruction=... or items=[...]")
            verdict = grading.compare_by_checklist(self, settings, a, b, instruction,
                                                   None if items is None else question_list(items), input,
                                                   bool(allow_tie))
        else:
            raise CritiqueUsageError(f"critique: unknown compare method {method!r}; expected direct or checklist")
        self._record(verdict)
        if verdict.winner is None:
            raise UnscoredError(f"{verdict.headline}: {verdict.error}", verdict)
        return verdict

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
        from . import grading

        settings = self._settings_for("rubric()", {"samples": samples, **overrides})
        response = require_text(response, "response")
        if isinstance(min_score, bool) or not isinstance(min_score, int) or not 1 <= min_score <= 5:
            raise CritiqueUsageError(f"critique: min_score must be a whole number from 1 to 5, got {min_score!r}")
        verdict = grading.grade(self, settings, response, grading.as_rubric(rubric),
                                optional_text(reference, "reference"), optional_text(instruction, "instruction"),
                                min_score)
        self._record(verdict)
        if verdict.score is None:
            raise UnscoredError(f"{verdict.headline}: {verdict.error}", verdict)
        return verdict

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
        from .steps_split import split_steps

        settings = self._settings_for("steps()", {"samples": samples, **overrides})
        problem = optional_text(problem, "problem")
        if mode not in ("first_error", "per_step"):
            raise CritiqueUsageError(f"critique: unknown steps mode {mode!r}; expected first_error or per_step")
        if (solution is None) == (steps is None):
            raise CritiqueUsageError("critique: steps() takes the solution to split, or steps=[...] already split, "
                                     "not both" if steps is not None else "critique: steps() needs a solution "
                                     "(text, a list of steps or a trajectory) or steps=[...]")
        if steps is not None and split != "auto":
            raise CritiqueUsageError("critique: split= applies to a solution; steps=[...] is already split")
        window = step_critic.parse_context(context, mode)
        try:
            parts = split_steps(solution if steps is None else list(steps), split if steps is None else "auto")
        except (TypeError, ValueError) as exc:
            raise CritiqueUsageError(str(exc)) from None
        if problem is None and parts.method == "trajectory":
            from .trajectory import trajectory_context

            problem = trajectory_context(solution) or None  # the user's request is the problem
        verdict = self._judge_solution(parts.steps, problem, settings, mode, stop_at_first, parts.method, window)
        self._record(verdict)
        if verdict.unscored_steps:
            first = verdict.unscored_steps[0]
            raise UnscoredError(f"{verdict.headline}: step {first.index}: {first.error}", verdict)
        return verdict

    def _judge_solution(self, steps: list[str], problem: str | None, settings: Settings, mode: str,
                        stop_at_first: bool = True, split: str = "list", window: int | None = None) -> StepsVerdict:
        """The step critic's verdict on steps already split (not recorded)."""
        __tracebackhide__ = True
        backend = self._backend(settings)
        temperature = settings.effective_temperature(settings.samples)

        def make_call(task: Task[Any], fields: dict[str, Any], sample: int) -> JudgeCall:
            return self._call(task, fields, settings, sample, temperature)

        def run(task: Task[Any], calls: list[JudgeCall]) -> list[Outcome]:
            return self._run(backend, task, calls, settings)

        located: list[int | None] = []
        agreement = None
        if mode == "first_error":
            judged, located, agreement, usage = step_critic.locate_first_error(
                steps, problem or "", settings.samples, run, make_call)
        else:
            step_critic.warn_if_quadratic(steps, problem or "", window, self.runtime.warned)
            judged, usage = step_critic.judge_each_step(steps, problem or "", settings.samples,
                                                        stop_at_first, run, make_call, window)
        verdict = StepsVerdict(judge=backend.name, offline=backend.offline, problem=problem, mode=mode,  # type: ignore[arg-type]
                               split=split, steps=judged, samples=settings.samples,
                               located_votes=located, agreement=agreement, usage=usage)
        mark_unstable_steps(verdict, settings.min_agreement, settings.on_unstable)
        return verdict

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
        from .checkeval_files import resolve_checklist
        from .judges import checkeval as checkeval_judge

        settings = self._settings_for("checkeval()", {"samples": samples, **overrides})
        response = require_text(response, "response")
        fields = {"response": response, "source": optional_text(source, "source") or "",
                  "context": optional_text(context, "context") or "",
                  "question": optional_text(question, "question") or ""}
        try:
            chosen = resolve_checklist(checklist, dimensions, self.runtime.root)
        except (KeyError, ValueError, OSError) as exc:
            raise CritiqueUsageError(f"critique: {exc}") from None
        limits = dimension_thresholds(thresholds, [dimension.name for dimension in chosen], settings.threshold)
        backend = self._backend(settings)
        temperature = settings.effective_temperature(settings.samples)
        judged, usage = checkeval_judge.judge_dimensions(
            chosen, limits, fields, settings.samples,
            lambda task, calls: self._run(backend, task, calls, settings),
            lambda task, fields, sample: self._call(task, fields, settings, sample, temperature))
        mark_unstable_questions(judged, settings.min_agreement, settings.on_unstable)
        verdict = CheckEvalVerdict(judge=backend.name, offline=backend.offline, dimensions=judged,
                                   samples=settings.samples, usage=usage)
        self._record(verdict)
        if verdict.unscored_sub_aspects:
            first = verdict.unscored_sub_aspects[0]
            raise UnscoredError(f"{verdict.headline}: {first.name}: {first.error}", verdict)
        return verdict

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
        from .checkeval_generate import define_dimension

        settings = self._settings_for("define_dimension()", overrides)
        name, definition = require_text(name, "name").strip(), require_text(definition, "definition").strip()
        if not name or not definition:
            raise CritiqueUsageError("critique: define_dimension() needs a name and a definition in words")
        if sub_aspects is not None:
            sub_aspects = [require_text(item, "sub_aspects[]").strip()
                           for item in nonempty_list(sub_aspects, "sub_aspects")]
        if seeds is not None:
            if not isinstance(seeds, Mapping) or not seeds:
                raise CritiqueUsageError("critique: seeds must map sub-aspect names to lists of questions")
            seeds = {require_text(key, "seeds key").strip(): question_list(value) for key, value in seeds.items()}
        target = resolve_path(path, self.runtime.root)
        checklist, usage = define_dimension(self, settings, name, definition, target, sub_aspects, seeds)
        self._pending_usage = self._pending_usage + usage  # counted with the next verdict, as TICK's generation is
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
        from .calibrate import calibration_verdict

        settings = self._settings_for("calibrate()", overrides)
        path = resolve_path(labels, self.runtime.root)
        limit = settings.min_kappa if min_kappa is None else min_kappa
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, (int, float))
                                  or not -1.0 <= limit <= 1.0):
            raise CritiqueUsageError(f"critique: min_kappa must be a number from -1 to 1, got {limit!r}")
        verdict = calibration_verdict(self, path, settings, reference=reference,
                                      min_kappa=None if limit is None else float(limit))
        self._record(verdict)
        if verdict.compared == 0 and not (verdict.steps and verdict.steps.solutions):
            missing = verdict.unscored or (verdict.steps.unscored if verdict.steps else [])
            reason = missing[0].reason if missing else "no labelled questions"
            raise UnscoredError(f"{verdict.headline}: {reason}", verdict)
        return verdict

    # The JudgeContext (judges/context.py) that grading, calibration and CheckEval generation use.

    def backend_for(self, settings: Settings) -> Backend:
        __tracebackhide__ = True
        return self._backend(settings)

    def model_backend(self, settings: Settings) -> Backend:
        return self.runtime.backend(settings)

    def call(self, task: Task[Any], fields: dict[str, Any], settings: Settings, sample: int = 0,
             temperature: float = 0.0) -> JudgeCall:
        return self._call(task, fields, settings, sample, temperature)

    def run(self, backend: Backend, task: Task[Any], calls: list[JudgeCall], settings: Settings) -> list[Outcome]:
        return self._run(backend, task, calls, settings)

    def checklist_for(self, instruction: str, input: str | None, settings: Settings,
                      backend: Backend | None = None) -> tuple[Checklist, Usage]:
        __tracebackhide__ = True
        return self._checklist_for(instruction, input, settings, backend)

    def judge_items(self, backend: Backend, checklist: Checklist, response: str,
                    settings: Settings) -> tuple[list[ItemVerdict], Usage]:
        return self._judge(backend, checklist, response, settings)

    def map(self, function: Callable[[Any], Any], items: Sequence[Any], concurrency: int) -> list[Any]:
        return self.runtime.engine.map(function, items, concurrency)

    def judge_steps(self, backend: Backend, steps: list[str], problem: str | None, settings: Settings,
                    mode: str = "first_error") -> StepsVerdict:
        return Critic(settings, backend=backend, runtime=self.runtime)._judge_solution(steps, problem, settings, mode)

    def _record(self, verdict: Any) -> None:
        if self._drift and hasattr(verdict, "drift"):
            verdict.drift = [*verdict.drift, *(Drift(**change) for change in self._drift)]
        self._drift = []
        if self._pending_usage.calls or self._pending_usage.cached:
            verdict.usage = verdict.usage + self._pending_usage
            self._pending_usage = Usage()
        self.verdicts.append(verdict)
        if self._on_verdict is not None:
            self._on_verdict(verdict)
