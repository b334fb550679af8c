"""Verdicts in pytest-html's report, when pytest-html is installed: a Critique column with each judged
test's headline (UNSCORED and why for a test whose judge gave no verdict), and its ``critique``
section as a small coloured table among the test's extras.

pytest-html's Result column and its filters know only pytest's outcomes (they read the column's
text), so an UNSCORED test stays "Failed" there and says UNSCORED in the Critique column.

Registered on the controller only when the ``html`` plugin is loaded and ``--html`` is given (its
hooks do not exist otherwise); it reads the verdicts on test reports (``report.critique``), so it works the same with
xdist.  pytest-html itself is never imported: an extra is the plain mapping its documented
``extras.html()`` makes.
"""

from __future__ import annotations

import html
import re
from typing import Any, Mapping

import pytest

from .report_text import shorten

_MARKS = {"✓": ("#1a7f37", "#e8f5ec"), "✗": ("#b3261e", "#fbeaea"), "?": ("#8a5a00", "#fff4de"),
          "·": ("#6b6b6b", "#f4f4f4"), "~": ("#6b4fbb", "#f1edfb")}
_UNSCORED = ("#8a5a00", "#fff4de")
_MARK_AT_START = re.compile(r"^\s*([✓✗?·~])\s")


def headline(payload: Mapping[str, Any]) -> str:
    """What the Critique column says of a test: UNSCORED and why, else each verdict's headline."""
    if payload.get("unscored"):
        from .summary import reason

        return "UNSCORED: " + shorten(reason(str(payload["unscored"])).removeprefix("critique: "), 160)
    parts = []
    for verdict in payload.get("verdicts", []):
        mark = "✓" if verdict.get("passed") else "?" if verdict.get("passed") is None else "✗"
        text = str(verdict.get("headline") or verdict.get("kind") or "").removeprefix("critique: ")
        parts.append(f"{mark} {shorten(text, 160)}")
    return "; ".join(parts)


def _row(line: str) -> str:
    found = _MARK_AT_START.match(line)
    if line.startswith("UNSCORED"):
        colour, background = _UNSCORED
    elif found:
        colour, background = _MARKS[found.group(1)]
    elif line and not line.startswith(" "):  # a verdict's header line
        return (f'<tr><td colspan="2" style="padding:4px 8px;font-weight:600;background:#eef1f5">'
                f"{html.escape(line)}</td></tr>")
    else:
        colour, background = "#333333", "transparent"
    mark = html.escape(found.group(1)) if found else ""
    text = html.escape(line[found.end():] if found else line.strip())
    return (f'<tr style="background:{background}"><td style="padding:2px 8px;color:{colour};font-weight:700;'
            f'width:1.5em;vertical-align:top">{mark}</td><td style="padding:2px 8px;color:{colour};'
            f'white-space:pre-wrap;font-family:monospace">{text}</td></tr>')


def section_table(payload: Mapping[str, Any]) -> str:
    """The test's ``critique`` section as an HTML table, one row per line, coloured by its mark."""
    from .report import section_text  # the judge kinds (and pydantic) load once a verdict is shown

    rows = [_row(line) for line in section_text(payload).splitlines() if line.strip()]
    return ('<div class="critique"><table style="border-collapse:collapse;margin:6px 0;font-size:13px">'
            + "".join(rows) + "</table></div>")


def _is_unscored(report: pytest.TestReport) -> bool:
    payload = getattr(report, "critique", None)
    return bool(report.failed and isinstance(payload, dict) and payload.get("unscored"))


class PytestHtmlReport:
    """pytest-html's hooks (registered only when pytest-html is loaded)."""

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Before pytest-html reads the report: the critique table among its extras."""
        payload = getattr(report, "critique", None)
        if not isinstance(payload, dict):
            return
        extra = {"name": "critique", "format_type": "html", "content": section_table(payload),
                 "mime_type": None, "extension": None}
        report.extras = [*getattr(report, "extras", []), extra]  # type: ignore[attr-defined]

    def pytest_html_results_table_header(self, cells: list[str]) -> None:
        cells.insert(2, '<th class="sortable" data-column-type="critique">Critique</th>')

    def pytest_html_results_table_row(self, report: pytest.TestReport, cells: list[str]) -> None:
        payload = getattr(report, "critique", None)
        text = headline(payload) if isinstance(payload, dict) else ""
        style = ' style="color:#8a5a00;font-weight:600"' if _is_unscored(report) else ""
        cells.insert(2, f'<td class="col-critique"{style}>{html.escape(text)}</td>')
