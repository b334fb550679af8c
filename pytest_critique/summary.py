"""The end-of-run figures: totals over every test's verdicts, and the terminal summary.

Like :mod:`report`, this works on the JSON form of verdicts and imports only the standard library.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

from .report_text import clean, judge_label, plural, shorten
from .trust_summary import TrustTotals


class Totals:
    """Figures for the terminal summary and the JSON report, summed over test results."""

    def __init__(self, results: Iterable[Mapping[str, Any]]):
        self.tests = 0
        self.verdicts = 0
        self.items = 0
        self.cached_items = 0
        self.unscored_items = 0
        self.yes = 0
        self.judges: dict[str, None] = {}
        self.usage = {"calls": 0, "retries": 0, "cached": 0, "prompt_tokens": 0, "completion_tokens": 0,
                      "cost": 0.0}
        self.failing: list[tuple[str, int, str, bool]] = []
        """(nodeid, item index, question, whether the test passed anyway at its threshold)"""
        self.unscored: list[tuple[str, str]] = []
        self.cache_misses = 0
        self.dimension_scores: dict[str, list[float]] = {}
        self.checkeval_questions = 0
        self.over_budget = 0
        self.solutions = 0
        self.solutions_wrong = 0
        self.steps_judged = 0
        self.cached_other_verdicts = 0
        results = sorted(results, key=lambda result: result["nodeid"])
        self.trust = TrustTotals(results)
        for result in results:
            if result.get("verdicts"):
                self.tests += 1
            for verdict in result.get("verdicts", []):
                self.verdicts += 1
                self.judges[judge_label(verdict)] = None
                for name in self.usage:
                    self.usage[name] += verdict.get("usage", {}).get(name, 0)
                if verdict.get("kind") == "steps":
                    self._add_steps(result, verdict)
                if verdict.get("kind") == "checkeval":
                    self._add_checkeval(result, verdict)
                for item in verdict.get("items", []) if verdict.get("kind", "checklist") == "checklist" else []:
                    self.items += 1
                    self.cached_items += bool(item.get("cached"))
                    self.yes += item.get("answer") is True
                    self.unscored_items += item.get("answer") is None
                    if item.get("answer") is False:
                        self.failing.append((result["nodeid"], item["index"], item["question"],
                                             result.get("outcome") == "passed"))
            if result.get("unscored") and result.get("outcome") != "skipped":
                self.unscored.append((result["nodeid"], result["unscored"]))
                self.cache_misses += "cache mode 'read'" in result["unscored"]
                self.over_budget += "judge budget reached" in result["unscored"]

    def _add_checkeval(self, result: Mapping[str, Any], verdict: Mapping[str, Any]) -> None:
        for dimension in verdict.get("dimensions", []):
            for sub_aspect in dimension.get("sub_aspects", []):
                for question in sub_aspect.get("questions", []):
                    judged = question.get("answer") is not None
                    self.checkeval_questions += judged
                    self.cached_other_verdicts += judged and bool(question.get("cached"))
            if dimension.get("score") is not None:
                self.dimension_scores.setdefault(dimension["name"], []).append(dimension["score"])
            if not dimension.get("passed") and dimension.get("score") is not None:
                threshold = dimension.get("threshold", 1)
                why = (f"{dimension['name']} {dimension['score']:.2f} < {threshold:.2f}"
                       if dimension["score"] < threshold else f"{dimension['name']}: required question failed")
                self.failing.append((result["nodeid"], 0, why, result.get("outcome") == "passed"))

    def _add_steps(self, result: Mapping[str, Any], verdict: Mapping[str, Any]) -> None:
        self.solutions += 1
        self.solutions_wrong += any(step["status"] == "wrong" for step in verdict.get("steps", []))
        for step in verdict.get("steps", []):
            judged = step["status"] in ("correct", "wrong")
            self.steps_judged += judged
            self.cached_other_verdicts += judged and bool(step.get("cached"))
            if step["status"] == "wrong":
                self.failing.append((result["nodeid"], step["index"], f"step {step['index']}: {step['text']}",
                                     result.get("outcome") == "passed"))

    @property
    def scored_items(self) -> int:
        return self.items - self.unscored_items

    @property
    def pass_rate(self) -> float:
        """Pooled YES over scored questions (InFoBench's DRFR over the run)."""
        return self.yes / self.scored_items if self.scored_items else 0.0

    @property
    def verdict_count(self) -> int:
        """Questions, steps, comparisons and grades judged."""
        return int(self.items + self.steps_judged + self.checkeval_questions + self.trust.comparisons
                + len(self.trust.rubric_scores) + sum(c["compared"] or 0 for c in self.trust.calibrations))

    def as_dict(self) -> dict[str, Any]:
        return {"tests": self.tests, "verdicts": self.verdicts, "items": self.items,
                "cached_items": self.cached_items, "unscored_items": self.unscored_items, "yes": self.yes,
                "pass_rate": self.pass_rate, "solutions": self.solutions,
                "dimension_scores": {name: sum(scores) / len(scores) for name, scores in self.dimension_scores.items()},
                "solutions_with_wrong_step": self.solutions_wrong, "steps_judged": self.steps_judged,
                "judges": list(self.judges), "usage": self.usage,
                "failing_items": [{"nodeid": n, "index": i, "question": q, "test_passed": p}
                                  for n, i, q, p in self.failing],
                "unscored": [{"nodeid": n, "reason": r} for n, r in self.unscored],
                **self.trust.as_dict()}


def summary_lines(totals: Totals, max_listed: int = 20,
                  show_nodeid: Callable[[str], str] = lambda nodeid: nodeid) -> list[str]:
    """Lines under the ``critique`` heading of the terminal summary (empty when nothing was judged)."""
    if not totals.tests and not totals.unscored:
        return []
    usage = totals.usage
    tokens = usage["prompt_tokens"] + usage["completion_tokens"]
    cost = f" · ${usage['cost']:.4f}" if usage["cost"] else ""
    retries = f" ({usage['retries']} retried)" if usage["retries"] else ""
    judges = ", ".join(totals.judges) or "none"
    lines = [
        f"judge {judges} · {plural(totals.tests, 'test')} · {plural(totals.verdict_count, 'verdict')} "
        f"({totals.cached_items + totals.cached_other_verdicts} cached) · "
        f"{plural(int(usage['calls']), 'judge call')}{retries} · "
        f"{tokens:,} tokens{cost}",
    ]
    if totals.scored_items:
        unscored = f" ({totals.unscored_items} unscored not counted)" if totals.unscored_items else ""
        lines.append(f"pooled pass rate {totals.yes}/{totals.scored_items} = {totals.pass_rate:.3f}{unscored}")
    if totals.dimension_scores:
        shown = ", ".join(f"{name} {sum(scores) / len(scores):.2f}" for name, scores in totals.dimension_scores.items())
        lines.append(f"checkeval mean scores: {shown}")
    if totals.solutions:
        lines.append(f"step critic: {plural(totals.solutions, 'solution')} judged, "
                     f"{totals.solutions_wrong} with a wrong step")
    lines.extend(totals.trust.lines(show_nodeid, max_listed))
    if totals.failing:
        lines.append(f"failing items ({len(totals.failing)}):")
        for nodeid, index, question, test_passed in totals.failing[:max_listed]:
            note = ""
            if test_passed:
                note = "  (test passed)" if question.startswith("step ") else "  (test passed at its threshold)"
            number = f"#{index} " if index else ""
            lines.append(f"  {show_nodeid(nodeid)}  {number}{shorten(question, 90)}{note}")
        if len(totals.failing) > max_listed:
            lines.append(f"  ... and {len(totals.failing) - max_listed} more (--critique-report=PATH lists all)")
    if totals.unscored:
        lines.append(f"unscored ({len(totals.unscored)}): no verdict could be obtained; these tests count as failures")
        for nodeid, reason in totals.unscored[:max_listed]:
            lines.append(f"  {show_nodeid(nodeid)}  {shorten(reason, 160)}")
        if len(totals.unscored) > max_listed:
            lines.append(f"  ... and {len(totals.unscored) - max_listed} more")
    if totals.over_budget:
        lines.append(f"budget: {plural(totals.over_budget, 'test')} unscored because the judge budget was "
                     "reached (--critique-max-calls / --critique-max-cost)")
    if totals.cache_misses:
        lines.append("hint: cache mode 'read' found no verdict for some questions; record them with "
                     "--critique-cache=rw and a judge model, then commit or share the cache")
    return lines


def invocation_relative(nodeid: str, rootpath: Path, invocation_dir: Path) -> str:
    """A node id as pytest prints it: relative to where pytest was run, so it can be pasted back."""
    path, sep, rest = nodeid.partition("::")
    try:
        shown = (Path(rootpath) / path).relative_to(invocation_dir).as_posix()
    except ValueError:
        return nodeid
    return f"{shown}{sep}{rest}"


def write_terminal_summary(terminalreporter: Any, results: Sequence[Mapping[str, Any]], notes: list[str]) -> None:
    """The UNSCORED details (pytest lists only failures in detail) and the ``critique`` summary."""
    unscored = terminalreporter.getreports("unscored")
    if unscored:
        terminalreporter.write_sep("=", "UNSCORED: no verdict could be obtained")
        for report in unscored:
            terminalreporter.write_sep("_", report.head_line or report.nodeid)
            crash = getattr(report.longrepr, "reprcrash", None)
            if crash is not None:
                where = Path(crash.path)
                if where.is_relative_to(terminalreporter.config.rootpath):
                    where = where.relative_to(terminalreporter.config.rootpath)
                terminalreporter.write_line(f"{where}:{crash.lineno}: {clean(crash.message)}")
            for name, text in report.sections:
                if name == "critique":
                    terminalreporter.write_sep("-", "critique")
                    terminalreporter.write_line(text)
    config = terminalreporter.config
    lines = summary_lines(Totals(results), show_nodeid=lambda nodeid: invocation_relative(
        nodeid, config.rootpath, config.invocation_params.dir))
    if lines or notes:
        terminalreporter.write_sep("=", "critique")
        for line in [*lines, *notes]:
            terminalreporter.write_line(line)
