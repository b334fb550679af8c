"""The run's verdicts as a GitHub Actions job summary: Markdown appended to ``$GITHUB_STEP_SUMMARY``."""

from __future__ import annotations

import re
from pathlib import Path

from .report_text import clean, plural
from .summary import Totals

MAX_LISTED = 20
_MARKDOWN = re.compile(r"([\\`*_\[\]<>|#~])")


def _plain(text: str, width: int = 160) -> str:
    """Text shown as it is in Markdown (no markup, no HTML, one line, cut at ``width``)."""
    text = " ".join(clean(text).split())
    if len(text) > width:
        text = text[: width - 3] + "..."
    return _MARKDOWN.sub(r"\\\1", text)


def _code(text: str) -> str:
    """A node id as inline code (nothing inside is markup)."""
    return "`" + " ".join(clean(text).split()).replace("`", "'") + "`"


def markdown(totals: Totals, max_listed: int = MAX_LISTED) -> str:
    usage, counts = totals.usage, totals.counts
    failing_tests: dict[str, list[str]] = {}
    for failing in counts.failing:
        if not failing.test_passed:
            number = f"#{failing.index} " if failing.index else ""
            failing_tests.setdefault(failing.nodeid, []).append(number + failing.what)
    lines = ["## pytest-critique", "",
             "| tests judged | verdicts | cached | judge calls | tokens | cost |", "|---|---|---|---|---|---|",
             f"| {totals.tests} | {counts.judged} | {counts.cached} | {int(usage['calls'])} | "
             f"{int(usage['prompt_tokens'] + usage['completion_tokens']):,} | ${usage['cost']:.4f} |", ""]
    lines += [f"Judges: {_plain(', '.join(totals.judges) or 'none')}", ""]
    for figures in totals.figures.values():
        lines += [f"- {_plain(line)}" for line in figures.lines(lambda nodeid: nodeid, 0) if not line.startswith(" ")]
    if failing_tests:
        lines += ["", f"### Failing ({plural(len(failing_tests), 'test')})", ""]
        for nodeid, items in list(failing_tests.items())[:max_listed]:
            lines.append(f"- {_code(nodeid)}")
            lines += [f"  - {_plain(item)}" for item in items[:max_listed]]
            if len(items) > max_listed:
                lines.append(f"  - ... and {len(items) - max_listed} more")
        if len(failing_tests) > max_listed:
            lines.append(f"- ... and {len(failing_tests) - max_listed} more")
    if totals.unscored:
        lines += ["", f"### Unscored ({plural(len(totals.unscored), 'test')}): no verdict could be obtained", ""]
        lines += [f"- {_code(nodeid)}: {_plain(reason)}" for nodeid, reason in
                  totals.unscored[:max_listed]]
        if len(totals.unscored) > max_listed:
            lines.append(f"- ... and {len(totals.unscored) - max_listed} more")
    return "\n".join(lines) + "\n"


def append(path: Path, totals: Totals) -> None:
    """Append the summary; a file that cannot be written costs the summary, not the run."""
    try:
        with open(path, "a", encoding="utf-8") as file:
            file.write(markdown(totals))
    except OSError:
        pass
