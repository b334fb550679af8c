"""Every list the report shortens says how many it left out (one helper, report_text.listed)."""

from __future__ import annotations

from pytest_critique.judges.calibration import calibration_lines
from pytest_critique.report_text import listed


def test_listed_counts_entries_not_lines() -> None:
    entries = [["a1", "a2"], "b", ["c1"]]
    assert listed(entries, 3) == ["a1", "a2", "b", "c1"]
    assert listed(entries, 2, " (see the report)", "    ") == ["a1", "a2", "b", "    ... and 1 more (see the report)"]


def test_unscored_calibration_items_past_the_limit_are_counted() -> None:
    unscored = [{"line": number, "question": f"Q{number}?", "label": True, "judged": None, "reason": "timeout"}
                for number in range(1, 26)]
    verdict = {"kind": "calibration", "judge": "j", "reference": "labels.jsonl", "compared": 0, "unscored": unscored,
               "usage": {}}
    lines = calibration_lines(verdict, max_listed=20)
    assert "  UNSCORED, left out of the figures: 25 items" in lines
    assert sum(line.startswith("    ✗ line ") for line in lines) == 20
    assert lines[-1] == "    ... and 5 more (--critique-report=PATH lists all)"
