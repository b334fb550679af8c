"""The end-of-run figures: totals over every test's verdicts, and the terminal summary.

Like :mod:`report`, this works on the JSON form of verdicts; each judge kind adds its own figures.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from .judges import kind_names, known_kind, kinds
from .judges.kind import Figures, RunCounts
from .report_text import clean, judge_label, listed, plural, shorten, verdict_word

USAGE_FIELDS = ("calls", "retries", "cached", "prompt_tokens", "completion_tokens", "cost")


class Totals:
    """Figures for the terminal summary and the JSON report, summed over test results once.

    What is common to every verdict (usage, judges, drift, failing parts, unstable votes) is
    counted here; each judge kind adds its own figures (``JudgeKind.figures()``).
    """

    def __init__(self, results: Iterable[Mapping[str, Any]]):
        self.tests = 0
        self.checks = 0
        """Judge methods called (critique.checklist(...), critique.steps(...)...): one verdict object each."""
        self.judges: dict[str, None] = {}
        self.usage: dict[str, float] = {name: 0 for name in USAGE_FIELDS}
        self.usage["cost"] = 0.0
        self.counts = RunCounts()
        self.unscored: list[tuple[str, str]] = []
        self.cache_misses = 0
        self.over_budget = 0
        self.drift: list[dict[str, Any]] = []
        self._figures: dict[str, Figures] = {}
        """The figures of the kinds this run's verdicts are of (a kind's module is imported only when used)."""
        used: set[str] = set()
        for result in sorted(results, key=lambda result: result["nodeid"]):
            nodeid = result["nodeid"]
            self._add_usage(result.get("usage") or {})
            self.judges.update(dict.fromkeys(result.get("judges") or []))
            if result.get("outcome") == "rerun":
                # An attempt a rerun plugin repeated: its calls were spent, its verdicts were replaced.
                for verdict in result.get("verdicts", []):
                    self._add_usage(verdict.get("usage", {}))
                continue
            if result.get("verdicts") or result.get("usage"):  # also a test whose calls gave no verdict
                self.tests += 1
            for verdict in result.get("verdicts", []):
                self.checks += 1
                self.judges[judge_label(verdict)] = None
                used.update(verdict.get("jury") or [verdict.get("judge")])
                self._add_usage(verdict.get("usage", {}))
                kind = known_kind(verdict)  # a kind this process does not know counts in the common figures only
                if kind is not None:
                    figures = self._figures.get(kind.name)
                    if figures is None:
                        figures = self._figures[kind.name] = kind.figures()
                    figures.add(self.counts, nodeid, verdict, result.get("outcome") == "passed")
                self.drift.extend({"nodeid": nodeid, **change} for change in verdict.get("drift", []))
            if result.get("unscored") and result.get("outcome") != "skipped":
                self.unscored.append((nodeid, result["unscored"]))
                self.cache_misses += "cache mode 'read'" in result["unscored"]
                self.over_budget += "judge budget reached" in result["unscored"]
        # A judge used anywhere in this run was not replaced: a change from it to another judge is a
        # difference between judges used side by side (xdist workers cannot know that as they judge).
        self.drift = [change for change in self.drift
                      if change["judge_before"] == change["judge_after"] or change["judge_before"] not in used]

    @property
    def figures(self) -> dict[str, Figures]:
        """Each used kind's figures, in the order the summary shows kinds."""
        return {name: self._figures[name] for name in kind_names() if name in self._figures}

    def all_figures(self) -> dict[str, Figures]:
        """Every kind's figures, also those of kinds no verdict of this run is of (empty ones)."""
        return {kind.name: self._figures.get(kind.name) or kind.figures() for kind in kinds()}

    def _add_usage(self, usage: Mapping[str, Any]) -> None:
        for name in USAGE_FIELDS:
            self.usage[name] += usage.get(name, 0)

    def as_dict(self) -> dict[str, Any]:
        # The terminal's words: "N verdicts (M cached)" are the judged parts (items, steps, grades...);
        # "checks" are the judge methods called (critique.checklist(...), critique.steps(...)...).
        document: dict[str, Any] = {"tests": self.tests, "checks": self.checks, "verdicts": self.counts.judged,
                                    "cached_verdicts": self.counts.cached}
        for kind, figures in self.all_figures().items():
            entries = figures.as_dict()
            clash = set(entries) & (set(document) | {"judges", "usage", "failing_items", "unscored", "unstable",
                                                     "drift"})
            if clash:
                raise ValueError(f"judge kind {kind!r} reports totals under names already used: {sorted(clash)}")
            document.update(entries)
        document.update({
            "judges": list(self.judges), "usage": self.usage,
            "failing_items": [{"nodeid": f.nodeid, "index": f.index, "question": f.what, "test_passed": f.test_passed}
                              for f in self.counts.failing],
            "unscored": [{"nodeid": n, "reason": r} for n, r in self.unscored],
            "unstable": [{"nodeid": nodeid, "what": what} for nodeid, what in self.counts.unstable],
            "drift": self.drift})
        return document


def summary_lines(totals: Totals, max_listed: int = 20,
                  show_nodeid: Callable[[str], str] = lambda nodeid: nodeid) -> list[str]:
    """Lines under the ``critique`` heading of the terminal summary (empty when nothing was judged)."""
    if not totals.tests and not totals.unscored:
        return []
    usage, counts = totals.usage, totals.counts
    tokens = int(usage["prompt_tokens"] + usage["completion_tokens"])
    cost = f" · ${usage['cost']:.4f}" if usage["cost"] else ""
    retries = f" ({int(usage['retries'])} retried)" if usage["retries"] else ""
    judges = ", ".join(totals.judges) or "none"
    lines = [
        f"judge {judges} · {plural(totals.tests, 'test')} · {plural(counts.judged, 'verdict')} "
        f"({counts.cached} cached) · {plural(int(usage['calls']), 'judge call')}{retries} · {tokens:,} tokens{cost}",
    ]
    for figures in totals.figures.values():
        lines.extend(figures.lines(show_nodeid, max_listed))
    if counts.unstable:
        lines.append(f"unstable verdicts ({len(counts.unstable)}): sampled votes agreed less than min_agreement")
        lines.extend(listed([f"  {show_nodeid(nodeid)}  {shorten(what, 100)}"
                             for nodeid, what in counts.unstable[:max_listed]], max_listed, total=len(counts.unstable)))
    if totals.drift:
        lines.append(f"drift ({len(totals.drift)}): verdicts that changed since the cached ones")
        lines.extend(listed([f"  {show_nodeid(change['nodeid'])}  {shorten(change.get('what', ''), 60)}: "
                             f"{verdict_word(change.get('before'))} ({change.get('judge_before')}) -> "
                             f"{verdict_word(change.get('after'))} ({change.get('judge_after')})"
                             for change in totals.drift[:max_listed]], max_listed, total=len(totals.drift)))
    if counts.failing:
        lines.append(f"failing items ({len(counts.failing)}):")
        lines.extend(listed([f"  {show_nodeid(f.nodeid)}  {f'#{f.index} ' if f.index else ''}"
                             f"{shorten(f.what, 90, keep=f.keep)}{'  ' + f.note if f.test_passed else ''}"
                             for f in counts.failing[:max_listed]], max_listed,
                            " (--critique-report=PATH lists all)", total=len(counts.failing)))
    if totals.unscored:
        lines.append(f"unscored ({len(totals.unscored)}): no verdict could be obtained; these tests count as failures")
        lines.extend(listed([f"  {show_nodeid(nodeid)}  {shorten(reason, 160)}"
                             for nodeid, reason in totals.unscored[:max_listed]], max_listed,
                            total=len(totals.unscored)))
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


def write_terminal_summary(terminalreporter: Any, totals: Totals, notes: list[str]) -> None:
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
                terminalreporter.write_line(f"{where}:{crash.lineno}: {reason(crash.message)}")
            for name, text in report.sections:
                if name == "critique":
                    terminalreporter.write_sep("-", "critique")
                    terminalreporter.write_line(text)
    config = terminalreporter.config
    verbosity = config.get_verbosity()
    if verbosity <= -2:
        return  # -qq: pytest's own closing line only
    lines = summary_lines(totals, show_nodeid=lambda nodeid: invocation_relative(
        nodeid, config.rootpath, config.invocation_params.dir))
    if verbosity < 0:
        # -q: the counts, not the lists under them (the short test summary names the failing tests)
        lines = [line.removesuffix(":") if following.startswith("  ") else line
                 for line, following in zip(lines, [*lines[1:], ""]) if not line.startswith("  ")]
        notes = [line for line in notes if not line.startswith("  ")]
    if lines or notes:
        terminalreporter.write_sep("=", "critique")
        for line in [*lines, *notes]:
            terminalreporter.write_line(line)


def reason(message: str) -> str:
    """An UNSCORED reason as the user reads it: without the exception's module path and class name."""
    return clean(re.sub(r"^(?:[\w.]+\.)?UnscoredError: ", "", message))


_SHOWN_BY_PYTEST = {"f": "failed", "E": "error", "x": "xfailed", "X": "xpassed", "s": "skipped", "p": "passed"}


def write_unscored_short_summary(terminalreporter: Any) -> None:
    """UNSCORED tests in pytest's short test summary, where ``-r`` shows failures (by default, ``-ra``,
    ``-rA``): ``UNSCORED nodeid - reason``; pytest knows no such category, so it would leave them out."""
    unscored = terminalreporter.stats.get("unscored", [])
    chars = getattr(terminalreporter, "reportchars", "")
    if not unscored or "f" not in chars or getattr(terminalreporter, "no_summary", False):
        return
    if not any(terminalreporter.stats.get(stat) for char, stat in _SHOWN_BY_PYTEST.items() if char in chars):
        terminalreporter.write_sep("=", "short test summary info", cyan=True, bold=True)
    for report in unscored:
        crash = getattr(report.longrepr, "reprcrash", None)
        message = reason(crash.message) if crash is not None else ""
        word = terminalreporter._tw.markup("UNSCORED", yellow=True)
        line = f"{word} {report.nodeid}" + (f" - {message}" if message else "")
        width = terminalreporter._tw.fullwidth
        if verbosity_allows_cut(terminalreporter) and len(line) > width + len(word) - len("UNSCORED"):
            line = line[: width + len(word) - len("UNSCORED") - 3] + "..."
        terminalreporter.write_line(line)


def verbosity_allows_cut(terminalreporter: Any) -> bool:
    """pytest cuts short summary lines to the terminal width unless -vv."""
    return bool(terminalreporter.config.get_verbosity() < 2)
