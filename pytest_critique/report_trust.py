"""How comparisons, rubric grades and calibrations look in a test's ``critique`` section (standard library only)."""

from __future__ import annotations

from typing import Any, Mapping

from .report_text import judge_label, plural, shorten, wrapped

_SIDE = {"a": "a", "b": "b", "tie": "tie", None: "no verdict"}


def compare_lines(verdict: Mapping[str, Any], width: int = 100) -> list[str]:
    usage = verdict.get("usage", {})
    method = "checklist pass rates" if verdict.get("method") == "checklist" else "both orders"
    lines = [f"compare · judge {judge_label(verdict)} · {method} · winner {_SIDE[verdict.get('winner')]} · "
             f"{plural(usage.get('calls', 0), 'judge call')}, {usage.get('cached', 0)} cached"]
    if verdict.get("instruction"):
        lines.append(f"  instruction: {shorten(verdict['instruction'], width - 15)}")
    if verdict.get("criteria"):
        lines.append(f"  criteria: {shorten(verdict['criteria'], width - 12)}")
    for order in verdict.get("orders", []):
        second = "b" if order["first"] == "a" else "a"
        votes = order.get("votes") or []
        unstable = ", unstable" if order.get("unstable") else ""
        shown = f" (samples: {', '.join(votes)}{unstable})" if len(votes) > 1 else ""
        lines.append(f"  {order['first']} shown first, {second} second: prefers {_SIDE[order.get('preferred')]}{shown}")
        lines.extend(wrapped(order.get("error") or order.get("reason") or "(no reason given)", width))
    if verdict.get("consistent") is False:
        lines.append("  position-inconsistent: the preference changed when the order was swapped, so it is a tie")
    if verdict.get("method") == "checklist":
        lines.append(f"  pass rate a {verdict.get('a_pass_rate', 0):.2f} · b {verdict.get('b_pass_rate', 0):.2f}")
        for item in verdict.get("items", []):
            if item.get("a") != item.get("b"):
                said = " · ".join(f"{side} {'?' if item.get(side) is None else 'YES' if item[side] else 'NO'}"
                                  for side in ("a", "b"))
                lines.append(f"    {item['index']:>2}  {shorten(item['question'], width - 30)}  ({said})")
    if verdict.get("error"):
        lines.extend(wrapped(f"UNSCORED: {verdict['error']}", width))
    return lines


def rubric_lines(verdict: Mapping[str, Any], width: int = 100) -> list[str]:
    usage = verdict.get("usage", {})
    score = verdict.get("score")
    shown = "unscored" if score is None else f"{score}/5"
    lines = [f"rubric · judge {judge_label(verdict)} · score {shown} (min {verdict.get('min_score')}) · "
             f"{plural(usage.get('calls', 0), 'judge call')}, {usage.get('cached', 0)} cached"]
    rubric = verdict.get("rubric", {})
    lines.append(f"  criteria: {shorten(rubric.get('criteria', ''), width - 12)}")
    votes = verdict.get("votes") or []
    if len(votes) > 1:
        unstable = ", unstable" if verdict.get("unstable") else ""
        lines.append(f"  scores by sample: {', '.join(map(str, votes))} (agreement {verdict.get('agreement') or 0:.2f}"
                     f"{unstable})")
    if score is not None:
        description = rubric.get("scores", {}).get(str(score)) or rubric.get("scores", {}).get(score, "")
        lines.append(f"  {score}: {shorten(description, width - 5)}")
        lines.extend(wrapped(verdict.get("feedback") or "(no feedback given)", width))
    else:
        lines.extend(wrapped(f"UNSCORED: {verdict.get('error') or 'no grade'}", width))
    return lines


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
        for entry in entries[:max_listed]:
            problem = f" · {shorten(entry['problem'], width - 50)}" if entry.get("problem") else ""
            lines.append(f"    ✗ line {entry['line']}: label {said(entry.get('label'))}, judged "
                         f"{said(entry.get('judged'))} ({entry['steps']} steps){problem}")
            if entry.get("reason"):
                lines.extend(wrapped(entry["reason"], width))
        if len(entries) > max_listed:
            lines.append(f"    ... and {len(entries) - max_listed} more (--critique-report=PATH lists all)")
    return lines


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
        for item in disagreements[:max_listed]:
            lines.extend(_calibration_item(item, width))
        if len(disagreements) > max_listed:
            lines.append(f"    ... and {len(disagreements) - max_listed} more (--critique-report=PATH lists all)")
    unscored = verdict.get("unscored", [])
    if unscored:
        lines.append(f"  UNSCORED, left out of the figures: {plural(len(unscored), 'item')}")
        for item in unscored[:max_listed]:
            lines.extend(_calibration_item(item, width))
    if verdict.get("steps"):
        lines.extend(_step_lines(verdict["steps"], width, max_listed))
    return lines
