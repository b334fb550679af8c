"""Calibration: run a judge on labelled YES/NO verdicts and measure how far it agrees.

Labels use the recorded judge's format (JSON Lines): a verdict line holds ``question``,
``response`` and ``verdict`` (true/false or YES/NO), optionally ``instruction``, ``input``,
``reason`` and ``category`` (a string or a list of strings).  A step line holds ``steps``
(strings), ``first_error`` (the 1-based number of the first wrong step, or null) and optionally
``problem``: it calibrates the step critic (ProcessBench's figures).  Checklist lines are
skipped and counted.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .agreement import accuracy, cohen_kappa, confusion
from .backends.recorded import _verdict_value
from .errors import CritiqueUsageError

if TYPE_CHECKING:
    from .backends.base import Backend
    from .judges.context import JudgeContext
    from .models import ItemVerdict
    from .trust_models import CalibrationVerdict
    from .settings import Settings


@dataclass(frozen=True)
class StepLabel:
    line: int
    steps: tuple[str, ...]
    problem: str | None
    first_error: int | None


@dataclass
class Labels:
    verdicts: list["Label"]
    solutions: list[StepLabel]
    skipped: int


@dataclass(frozen=True)
class Label:
    line: int
    question: str
    response: str
    instruction: str | None
    input: str | None
    label: bool
    categories: tuple[str, ...]


def _categories(raw: Any, where: str) -> tuple[str, ...]:
    if raw is None:
        return ()
    if isinstance(raw, str):
        return (raw,) if raw.strip() else ()
    if isinstance(raw, list) and all(isinstance(item, str) for item in raw):
        return tuple(dict.fromkeys(item for item in raw if item.strip()))
    raise CritiqueUsageError(f"critique: {where}: 'category' must be a string or a list of strings")


def _step_label(record: dict[str, Any], number: int, where: str) -> StepLabel:
    steps = record["steps"]
    if not isinstance(steps, list) or not steps or not all(isinstance(step, str) for step in steps):
        raise CritiqueUsageError(f"critique: {where}: 'steps' must be a non-empty list of strings")
    first_error = record.get("first_error")
    if first_error is not None and (isinstance(first_error, bool) or not isinstance(first_error, int)
                                    or not 1 <= first_error <= len(steps)):
        raise CritiqueUsageError(f"critique: {where}: 'first_error' must be null or a step number from 1 to "
                                 f"{len(steps)}, got {first_error!r}")
    problem = record.get("problem")
    if problem is not None and not isinstance(problem, str):
        raise CritiqueUsageError(f"critique: {where}: 'problem' must be a string")
    return StepLabel(number, tuple(steps), problem, first_error)


def read_labels(path: str | Path) -> Labels:
    """The verdict and step lines of a labels file, and how many checklist lines it holds."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CritiqueUsageError(f"critique: cannot read calibration labels {path}: {exc}") from None
    labels: list[Label] = []
    solutions: list[StepLabel] = []
    skipped = 0
    for number, line_bytes in enumerate(raw.splitlines(), start=1):
        where = f"{path}:{number}"
        try:
            line = line_bytes.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise CritiqueUsageError(f"critique: {where}: not valid UTF-8 ({exc.reason})") from None
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise CritiqueUsageError(f"critique: {where}: not valid JSON ({exc.msg})") from None
        if not isinstance(record, dict):
            raise CritiqueUsageError(f"critique: {where}: expected a JSON object")
        if "steps" in record:
            solutions.append(_step_label(record, number, where))
            continue
        if "questions" in record:
            skipped += 1
            continue
        for name in ("question", "response"):
            if not isinstance(record.get(name), str):
                raise CritiqueUsageError(f"critique: {where}: missing string field {name!r}")
        for name in ("instruction", "input"):
            if record.get(name) is not None and not isinstance(record[name], str):
                raise CritiqueUsageError(f"critique: {where}: {name!r} must be a string")
        label = _verdict_value(record.get("verdict"))
        if label is None:
            raise CritiqueUsageError(f"critique: {where}: 'verdict' must be true/false or YES/NO, "
                                     f"got {record.get('verdict')!r}")
        labels.append(Label(number, record["question"], record["response"], record.get("instruction"),
                            record.get("input"), label, _categories(record.get("category"), where)))
    if not labels and not solutions:
        raise CritiqueUsageError(f"critique: {path} holds no labelled verdicts (lines with question, response "
                                 "and verdict, or steps and first_error)")
    return Labels(labels, solutions, skipped)


def _groups(labels: list[Label]) -> list[list[Label]]:
    """Labels judged together: the same response to the same instruction and input, in file order."""
    grouped: dict[tuple[str, str | None, str | None], list[Label]] = {}
    for label in labels:
        grouped.setdefault((label.response, label.instruction, label.input), []).append(label)
    return list(grouped.values())


def judge_labels(critic: "JudgeContext", backend: "Backend", labels: list[Label],
                 settings: "Settings") -> tuple[dict[int, "ItemVerdict"], Any]:
    """The backend's verdict on every labelled question, by label line; and the usage."""
    from .models import Checklist, Usage

    one_at_a_time = settings.replace(concurrency=1)  # groups run concurrently instead

    def judge(group: list[Label]) -> tuple[list[Label], list["ItemVerdict"], Usage]:
        first = group[0]
        checklist = Checklist(questions=[label.question for label in group], instruction=first.instruction,
                              input=first.input)
        items, usage = critic.judge_items(backend, checklist, first.response, one_at_a_time)
        return group, items, usage

    verdicts: dict[int, ItemVerdict] = {}
    usage = Usage()
    for group, items, spent in critic.map(judge, list(_groups(labels)), settings.concurrency):
        usage = usage + spent
        for label, item in zip(group, items):
            verdicts[label.line] = item
    return verdicts, usage


def _confusion(pairs: list[tuple[bool, bool]]) -> dict[str, int]:
    said = {True: "yes", False: "no"}
    counts = confusion(pairs)
    return {f"label_{said[a]}_judged_{said[b]}": counts[(a, b)] for a in (True, False) for b in (True, False)}


def calibration_verdict(critic: "JudgeContext", labels_path: str | Path, settings: "Settings", *,
                        reference: Any = None, min_kappa: float | None = None) -> "CalibrationVerdict":
    from .trust_models import CalibrationItem, CalibrationVerdict, CategoryFigures

    read = read_labels(labels_path)
    labels, skipped = read.verdicts, read.skipped
    backend = critic.backend_for(settings)
    judged, usage = judge_labels(critic, backend, labels, settings) if labels else ({}, None)
    from .models import Usage

    usage = usage or Usage()
    source = Path(labels_path).name
    expected: dict[int, tuple[bool | None, str]] = {label.line: (label.label, "") for label in labels}
    if reference is not None:
        # a model string names its own judge: never the test's critique_backend fixture
        other = (critic.model_backend(settings.replace(model=reference, jury=())) if isinstance(reference, str)
                 else reference)
        if other.name == backend.name:
            raise CritiqueUsageError(f"critique: the reference judge is the judge under calibration ({other.name})")
        by_reference, spent = judge_labels(critic, other, labels, settings) if labels else ({}, Usage())
        usage = usage + spent
        expected = {line: (item.answer, item.reason) for line, item in by_reference.items()}
        source = other.name

    pairs: list[tuple[bool, bool]] = []
    per_category: dict[str, list[tuple[bool, bool]]] = {}
    disagreements: list[CalibrationItem] = []
    unscored: list[CalibrationItem] = []
    for label in labels:
        wanted, _ = expected[label.line]
        item = judged[label.line]
        record = CalibrationItem(line=label.line, question=label.question, response=label.response,
                                 instruction=label.instruction, label=bool(wanted), judged=item.answer,
                                 reason=item.reason, categories=list(label.categories))
        if item.answer is None or wanted is None:
            if wanted is None:
                record.reason = f"the reference gave no verdict: {expected[label.line][1]}"
            unscored.append(record)
            continue
        pairs.append((wanted, item.answer))
        for category in label.categories:
            per_category.setdefault(category, []).append((wanted, item.answer))
        if wanted != item.answer:
            disagreements.append(record)
    categories = {name: CategoryFigures(items=len(found), accuracy=accuracy(found), kappa=cohen_kappa(found))
                  for name, found in sorted(per_category.items())}
    steps, spent = (calibrate_steps(critic, backend, other if reference is not None else None, read.solutions,
                                    settings) if read.solutions else (None, Usage()))
    usage = usage + spent
    return CalibrationVerdict(judge=backend.name, offline=backend.offline, labels=Path(labels_path).name,
                              steps=steps,
                              reference=source, compared=len(pairs), accuracy=accuracy(pairs), kappa=cohen_kappa(pairs),
                              confusion=_confusion(pairs), categories=categories, disagreements=disagreements,
                              unscored=unscored, skipped_lines=skipped, min_kappa=min_kappa, usage=usage)


def _harmonic(first: float | None, second: float | None) -> float | None:
    """ProcessBench's F1: the harmonic mean of the accuracies on erroneous and on correct solutions."""
    if first is None or second is None:
        return None
    return 0.0 if first + second == 0 else 2 * first * second / (first + second)


def calibrate_steps(critic: "JudgeContext", backend: "Backend", reference: "Backend | None", solutions: list[StepLabel],
                    settings: "Settings") -> tuple[Any, Any]:
    """The step critic's first error on each labelled solution against the label (ProcessBench's figures)."""
    from .models import Usage
    from .trust_models import StepCalibration, StepDisagreement

    def locate(judge: "Backend", solution: StepLabel) -> tuple[int | None, str, str | None, Usage]:
        verdict = critic.judge_steps(judge, list(solution.steps), solution.problem, settings)
        failure = next((step.error for step in verdict.steps if step.status == "unscored"), None)
        wrong = next((step for step in verdict.steps if step.status == "wrong"), None)
        return verdict.first_error, wrong.reason if wrong else "", failure, verdict.usage

    usage = Usage()
    erroneous: list[bool] = []
    correct: list[bool] = []
    disagreements, unscored = [], []
    judged = critic.map(lambda solution: locate(backend, solution), solutions, settings.concurrency)
    expected = (critic.map(lambda solution: locate(reference, solution), solutions, settings.concurrency)
                if reference else [(solution.first_error, "", None, Usage()) for solution in solutions])
    for solution, (found, reason, failure, spent), (label, _, label_failure, spent_reference) in zip(
            solutions, judged, expected):
        usage = usage + spent + spent_reference
        record = StepDisagreement(line=solution.line, problem=solution.problem, steps=len(solution.steps),
                                  label=label, judged=found, reason=failure or reason)
        if failure or label_failure:
            if label_failure:
                record.reason = f"the reference gave no verdict: {label_failure}"
            unscored.append(record)
            continue
        (erroneous if label is not None else correct).append(found == label)
        if found != label:
            disagreements.append(record)
    erroneous_accuracy = sum(erroneous) / len(erroneous) if erroneous else None
    correct_accuracy = sum(correct) / len(correct) if correct else None
    figures = StepCalibration(solutions=len(erroneous) + len(correct), erroneous=len(erroneous),
                              correct=len(correct), erroneous_accuracy=erroneous_accuracy,
                              correct_accuracy=correct_accuracy, f1=_harmonic(erroneous_accuracy, correct_accuracy),
                              disagreements=disagreements, unscored=unscored)
    return figures, usage
