"""Calibration: run a judge on labelled YES/NO verdicts and measure how far it agrees.

Labels use the recorded judge's format (JSON Lines): a verdict line holds ``question``,
``response`` and ``verdict`` (true/false or YES/NO), optionally ``instruction``, ``input``,
``reason`` and ``category`` (a string or a list of strings).  A step line holds ``steps``
(strings), ``first_error`` (the 1-based number of the first wrong step, or null) and optionally
``problem``: it calibrates the step critic (ProcessBench's figures).  Checklist lines are
skipped and counted.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Mapping

from ..agreement import accuracy, cohen_kappa, confusion
from ..backends.base import Backend
from ..backends.labels import LabelsFile, StepLabel, VerdictLabel as Label, read_labels
from ..errors import CritiqueUsageError
from ..html_parts import Html, element, figure, join, line, matrix, row, rows
from ..models import Checklist, ItemVerdict, Usage
from ..report_text import judge_label, listed, plural, shorten, wrapped
from ..trust_models import (CalibrationItem, CalibrationVerdict, CategoryFigures, StepCalibration,
                            StepDisagreement)
from . import steps as step_critic
from .checklist import judge_items
from .context import JudgeContext
from .kind import Figures, JudgeKind, RunCounts, ShowNodeid


def _groups(labels: list[Label]) -> list[list[Label]]:
    """Labels judged together: the same response to the same instruction and input, in file order."""
    grouped: dict[tuple[str, str | None, str | None], list[Label]] = {}
    for label in labels:
        grouped.setdefault((label.response, label.instruction, label.input), []).append(label)
    return list(grouped.values())


def judge_labels(context: JudgeContext, backend: Backend, labels: list[Label]) -> tuple[dict[int, ItemVerdict], Usage]:
    """The backend's verdict on every labelled question, by label line; and the usage."""
    settings = context.settings
    one_at_a_time = settings.replace(concurrency=1)  # groups run concurrently instead

    def judge(group: list[Label]) -> tuple[list[Label], list[ItemVerdict], Usage]:
        first = group[0]
        checklist = Checklist(questions=[label.question for label in group], instruction=first.instruction,
                              input=first.input)
        items, usage = judge_items(context, backend, checklist, first.response, one_at_a_time)
        return group, items, usage

    verdicts: dict[int, ItemVerdict] = {}
    usage = Usage()
    for group, items, spent in context.map(judge, list(_groups(labels)), settings.concurrency):
        usage = usage + spent
        for label, item in zip(group, items):
            verdicts[label.line] = item
    return verdicts, usage


def _confusion(pairs: list[tuple[bool, bool]]) -> dict[str, int]:
    said = {True: "yes", False: "no"}
    counts = confusion(pairs)
    return {f"label_{said[a]}_judged_{said[b]}": counts[(a, b)] for a in (True, False) for b in (True, False)}


def calibration_labels(path: Path) -> LabelsFile:
    """The labels file, checked: it must hold verdict or step lines (checklist lines are skipped)."""
    read = read_labels(path, "calibration labels")
    if not read.verdicts and not read.solutions:
        raise CritiqueUsageError(f"{path} holds no labelled verdicts (lines with question, response "
                                 "and verdict, or steps and first_error)")
    return read


def judge(context: JudgeContext, labels_path: Path, *, reference: Any = None,
          min_kappa: float | None = None) -> CalibrationVerdict:
    """The judge's verdicts on a labels file against the labels (or the ``reference`` judge's verdicts)."""
    __tracebackhide__ = True
    settings = context.settings
    read = calibration_labels(labels_path)
    labels, skipped = read.verdicts, len(read.checklists)
    backend = context.backend()
    judged, usage = judge_labels(context, backend, labels) if labels else ({}, Usage())
    source = Path(labels_path).name
    expected: dict[int, tuple[bool | None, str]] = {label.line: (label.verdict, "") for label in labels}
    other: Backend | None = None
    if reference is not None:
        # a model string names its own judge: never the test's critique_backend fixture
        other = (context.model_backend(settings.replace(model=reference, jury=())) if isinstance(reference, str)
                 else reference)
        if other.name == backend.name:
            raise CritiqueUsageError(f"the reference judge is the judge under calibration ({other.name})")
        by_reference, spent = judge_labels(context, other, labels) if labels else ({}, Usage())
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
    steps, spent = (calibrate_steps(context, backend, other, read.solutions) if read.solutions
                    else (None, Usage()))
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


def calibrate_steps(context: JudgeContext, backend: Backend, reference: Backend | None,
                    solutions: list[StepLabel]) -> tuple[StepCalibration, Usage]:
    """The step critic's first error on each labelled solution against the label (ProcessBench's figures)."""
    settings = context.settings

    def locate(judge: Backend, solution: StepLabel) -> tuple[int | None, str, str | None, Usage]:
        verdict = step_critic.judge(context, list(solution.steps), solution.problem, "first_error", backend=judge)
        failure = next((step.error for step in verdict.steps if step.status == "unscored"), None)
        wrong = next((step for step in verdict.steps if step.status == "wrong"), None)
        return verdict.first_error, wrong.reason if wrong else "", failure, verdict.usage

    usage = Usage()
    erroneous: list[bool] = []
    correct: list[bool] = []
    disagreements, unscored = [], []
    judged = context.map(lambda solution: locate(backend, solution), solutions, settings.concurrency)
    expected = (context.map(lambda solution: locate(reference, solution), solutions, settings.concurrency)
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


# Reporting (on the JSON form of verdicts).

def _figure(value: Any, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value + 0.0:.{digits}f}"


def _calibration_item(item: Mapping[str, Any], width: int) -> list[str]:
    said = {True: "YES", False: "NO", None: "no verdict"}
    lines = [f"    ✗ line {item['line']}: label {said[item.get('label')]}, judged {said[item.get('judged')]}",
             f"       {shorten(item['question'], width - 7)}"]
    if item.get("instruction"):
        lines.append(f"       instruction: {shorten(item['instruction'], width - 20)}")
    if item.get("reason"):
        lines.extend(wrapped(item["reason"], width))
    return lines


def _step_lines(figures: Mapping[str, Any], width: int, max_listed: int) -> list[str]:
    def share(value: Any) -> str:
        return "n/a" if value is None else f"{value * 100:.1f}%"

    f1 = figures.get("f1")
    lines = [f"  step critic: {plural(figures['solutions'], 'solution')} · first error located exactly in "
             f"{share(figures.get('erroneous_accuracy'))} of {figures['erroneous']} erroneous · "
             f"{share(figures.get('correct_accuracy'))} of {figures['correct']} correct judged correct · "
             f"F1 {'n/a' if f1 is None else f'{f1 * 100:.1f}'}"]
    def said(value: Any) -> str:
        return "none" if value is None else f"step {value}"

    for title, entries in (("differs from the label on", figures.get("disagreements", [])),
                           ("UNSCORED, left out of the figures:", figures.get("unscored", []))):
        if not entries:
            continue
        lines.append(f"  the step critic {title} {plural(len(entries), 'solution')}:")
        lines.extend(listed([_step_entry(entry, width, said) for entry in entries], max_listed, _ALL, "    "))
    return lines


_ALL = " (--critique-report=PATH lists all)"


def _step_entry(entry: Mapping[str, Any], width: int, said: Callable[[Any], str]) -> list[str]:
    problem = f" · {shorten(entry['problem'], width - 50)}" if entry.get("problem") else ""
    return [f"    ✗ line {entry['line']}: label {said(entry.get('label'))}, judged "
            f"{said(entry.get('judged'))} ({entry['steps']} steps){problem}",
            *(wrapped(entry["reason"], width) if entry.get("reason") else [])]


def calibration_lines(verdict: Mapping[str, Any], width: int = 100, max_listed: int = 20) -> list[str]:
    usage = verdict.get("usage", {})
    if not verdict.get("compared") and verdict.get("steps"):
        return ([f"calibration · step critic {judge_label(verdict)} against {verdict.get('reference')} · "
                 f"{plural(usage.get('calls', 0), 'judge call')}, {usage.get('cached', 0)} cached"]
                + _step_lines(verdict["steps"], width, max_listed))
    minimum = verdict.get("min_kappa")
    lines = [f"calibration · judge {judge_label(verdict)} against {verdict.get('reference')} · "
             f"{plural(verdict.get('compared', 0), 'item')} · accuracy {_figure(verdict.get('accuracy'))} · "
             f"Cohen's kappa {_figure(verdict.get('kappa'))}"
             + (f" (min {minimum:g})" if minimum is not None else "")
             + f" · {plural(usage.get('calls', 0), 'judge call')}, {usage.get('cached', 0)} cached"]
    counts = verdict.get("confusion", {})
    lines.append(f"  {'':<12}{'judged YES':>12}{'judged NO':>12}")
    for said in ("yes", "no"):
        lines.append(f"  {'label ' + said.upper():<12}{counts.get(f'label_{said}_judged_yes', 0):>12}"
                     f"{counts.get(f'label_{said}_judged_no', 0):>12}")
    categories = verdict.get("categories", {})
    if categories:
        lines.append("  by category:")
        for name, figures in categories.items():
            lines.append(f"    {shorten(name, 30):<30} {plural(figures['items'], 'item'):>10} · accuracy "
                         f"{_figure(figures.get('accuracy'))} · kappa {_figure(figures.get('kappa'))}")
    if verdict.get("skipped_lines"):
        lines.append(f"  {plural(verdict['skipped_lines'], 'checklist or step line')} of the labels file skipped")
    disagreements = verdict.get("disagreements", [])
    if disagreements:
        lines.append(f"  the judge differs from the reference on {plural(len(disagreements), 'item')}:")
        lines.extend(listed([_calibration_item(item, width) for item in disagreements], max_listed, _ALL, "    "))
    unscored = verdict.get("unscored", [])
    if unscored:
        lines.append(f"  UNSCORED, left out of the figures: {plural(len(unscored), 'item')}")
        lines.extend(listed([_calibration_item(item, width) for item in unscored], max_listed, _ALL, "    "))
    if verdict.get("steps"):
        lines.extend(_step_lines(verdict["steps"], width, max_listed))
    return lines


def _step_figures(steps: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not steps:
        return None
    return {"solutions": steps["solutions"], "erroneous_accuracy": steps["erroneous_accuracy"],
            "correct_accuracy": steps["correct_accuracy"], "f1": steps["f1"],
            "disagreements": len(steps.get("disagreements", [])), "unscored": len(steps.get("unscored", []))}


def _cells(counts: Mapping[str, Any]) -> list[list[int]]:
    """The confusion counts as rows label YES / label NO, columns judged YES / judged NO."""
    return [[int(counts.get(f"label_{said}_judged_{judged}", 0)) for judged in ("yes", "no")] for said in ("yes", "no")]


def _confusion_chart(verdict: Mapping[str, Any]) -> Html:
    return matrix(_cells(verdict.get("confusion") or {}), ["label YES", "label NO"], ["judged YES", "judged NO"],
                  "confusion matrix of the judge against the labels", good=[(0, 0), (1, 1)])


def _disagreement(item: Mapping[str, Any]) -> Html:
    said = {True: "YES", False: "NO", None: "no verdict"}
    return row(False if item.get("judged") is not None else None, f"line {item.get('line')}", item.get("question"),
               f"label {said[item.get('label')]}, judged {said[item.get('judged')]}",
               f"instruction: {item['instruction']}" if item.get("instruction") else "", item.get("reason") or "")


def calibration_html(verdict: Mapping[str, Any]) -> Html:
    minimum = verdict.get("min_kappa")
    parts = [line("against", verdict.get("reference"))]
    if verdict.get("compared"):
        least = f" (min {minimum:g})" if minimum is not None else ""
        kappa = f"Cohen's kappa {_figure(verdict.get('kappa'))}{least}"
        parts += [line("agreement", f"{plural(verdict.get('compared', 0), 'item')} · accuracy "
                                    f"{_figure(verdict.get('accuracy'))} · {kappa}"),
                  figure("confusion matrix", _confusion_chart(verdict))]
    categories = verdict.get("categories", {})
    if categories:
        parts.append(element("table", element("tr", element("th", "category"), element("th", "items"),
                                              element("th", "accuracy"), element("th", "kappa")),
                             *[element("tr", element("td", name), element("td", figures.get("items")),
                                       element("td", _figure(figures.get("accuracy"))),
                                       element("td", _figure(figures.get("kappa"))))
                               for name, figures in categories.items()], cls="figures"))
    for title, entries in (("the judge differs from the reference on", verdict.get("disagreements", [])),
                           ("UNSCORED, left out of the figures:", verdict.get("unscored", []))):
        if entries:
            parts += [element("h5", f"{title} {plural(len(entries), 'item')}"),
                      rows([_disagreement(item) for item in entries])]
    steps = verdict.get("steps")
    if steps:
        parts.append(element("pre", join(_step_lines(steps, 100, 1000), "\n"), cls="lines"))
    return join(parts)


class CalibrationFigures(Figures):
    def __init__(self) -> None:
        self.calibrations: list[dict[str, Any]] = []
        self.charts: list[tuple[str, Html]] = []

    def add(self, counts: RunCounts, nodeid: str, verdict: Mapping[str, Any], test_passed: bool) -> None:
        counts.judged += verdict.get("compared") or 0
        self.calibrations.append({"nodeid": nodeid, **{name: verdict.get(name) for name in (
            "judge", "reference", "compared", "accuracy", "kappa", "min_kappa", "passed")},
            "disagreements": len(verdict.get("disagreements", [])), "unscored": len(verdict.get("unscored", [])),
            "steps": _step_figures(verdict.get("steps"))})
        if verdict.get("compared"):
            title = f"{verdict.get('judge')} against {verdict.get('reference')}"
            self.charts.append((title, _confusion_chart(verdict)))

    def as_dict(self) -> dict[str, Any]:
        return {"calibrations": self.calibrations}

    def tiles(self) -> list[tuple[str, str, str]]:
        return [("Cohen's kappa", _figure(calibration["kappa"]), f"{calibration['judge']} against "
                 f"{calibration['reference']}, {plural(calibration['compared'] or 0, 'item')}")
                for calibration in self.calibrations if calibration["compared"]]

    def plots(self) -> list[Html]:
        return [figure(f"Calibration: {title}", chart) for title, chart in self.charts]

    def lines(self, show_nodeid: ShowNodeid, max_listed: int) -> list[str]:
        lines: list[str] = []
        for calibration in self.calibrations:
            steps = calibration["steps"]
            if steps:
                f1 = steps["f1"]
                lines.append(f"calibration: step critic {calibration['judge']} against {calibration['reference']}: "
                             f"{plural(steps['solutions'], 'solution')}, F1 "
                             f"{'n/a' if f1 is None else f'{f1 * 100:.1f}'}, {steps['disagreements']} disagreements")
            if not calibration["compared"] and steps:
                continue
            kappa, accuracy = calibration["kappa"], calibration["accuracy"]
            shown = ("no items compared" if kappa is None or accuracy is None else
                     f"accuracy {accuracy:.3f}, Cohen's kappa {kappa + 0.0:.3f}")
            below = calibration["min_kappa"] is not None and not calibration["passed"]
            lines.append(f"calibration: judge {calibration['judge']} against {calibration['reference']}: "
                         f"{plural(calibration['compared'] or 0, 'item')}, {shown}, "
                         f"{calibration['disagreements']} disagreements"
                         + (f" · BELOW --critique-min-kappa {calibration['min_kappa']:g}" if below else ""))
        return lines


class CalibrationKind(JudgeKind):
    name = "calibration"

    def lines(self, verdict: Mapping[str, Any], width: int = 100) -> list[str]:
        return calibration_lines(verdict, width)

    def html(self, verdict: Mapping[str, Any]) -> Html:
        return calibration_html(verdict)

    def shows_unscored(self, verdict: Mapping[str, Any]) -> bool:
        return bool(verdict.get("unscored") or (verdict.get("steps") or {}).get("unscored"))

    def unscored(self, verdict: Any) -> str | None:
        if verdict.compared or (verdict.steps and verdict.steps.solutions):
            return None
        missing = verdict.unscored or (verdict.steps.unscored if verdict.steps else [])
        reason = missing[0].reason if missing else "no labelled questions"
        return f"{verdict.headline}: {reason}"

    def figures(self) -> CalibrationFigures:
        return CalibrationFigures()

    def properties(self, verdict: Mapping[str, Any]) -> list[tuple[str, Any]]:
        return [("compared", verdict.get("compared")), ("accuracy", verdict.get("accuracy")),
                ("kappa", verdict.get("kappa")), ("min_kappa", verdict.get("min_kappa"))]


KIND = CalibrationKind()
