"""Merging the JSON reports of a suite split into shards (CI jobs, ``pytest --splits``...) into one.

``python -m pytest_critique merge a.json b.json c.json -o all.json`` writes one report whose tests are
every shard's and whose totals are computed again over all of them (so the pooled pass rate, the
failing items and each kind's figures are those of the whole suite), and prints the run summary.
``--html all.html`` writes the merged report's HTML page too (or alone, without ``-o``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .errors import CritiqueUsageError
from .files import report_json, write_atomically
from .session import REPORT_VERSION


def read_report(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CritiqueUsageError(f"merge: no such report {path}") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise CritiqueUsageError(f"merge: {path} is not a readable JSON report: {exc}") from None
    if not isinstance(document, dict) or not isinstance(document.get("tests"), list):
        raise CritiqueUsageError(f"merge: {path} is not a pytest-critique JSON report (no list of tests)")
    if document.get("version") != REPORT_VERSION:
        raise CritiqueUsageError(f"merge: {path} is a report of version {document.get('version')!r}; "
                                 f"this pytest-critique reads version {REPORT_VERSION}")
    return document


def merge(paths: list[Path]) -> tuple[dict[str, Any], list[str]]:
    """The merged report, and what the user should know about it (settings that differ)."""
    from .summary import Totals

    if not paths:
        raise CritiqueUsageError("merge: give the JSON reports of the shards to merge")
    tests: list[dict[str, Any]] = []
    owner: dict[str, Path] = {}
    notes: list[str] = []
    first: dict[str, Any] | None = None
    for path in paths:
        document = read_report(path)
        if first is None:
            first = document
        elif document.get("settings") != first.get("settings"):
            notes.append(f"critique: {path} was run with other settings than {paths[0]} "
                         f"({document.get('settings')} against {first.get('settings')}); the merge keeps the first")
        nodeids = {str(test.get("nodeid")) for test in document["tests"]}
        for nodeid in sorted(nodeids):
            if nodeid in owner:
                raise CritiqueUsageError(f"merge: {nodeid} is in both {owner[nodeid]} and {path}: the shards "
                                         "overlap (each test must be judged in one shard)")
            owner[nodeid] = path
        tests.extend(test for test in document["tests"] if isinstance(test, dict))
    assert first is not None
    tests.sort(key=lambda test: str(test.get("nodeid")))
    # A shard's baseline comparison is about its part only: not carried into the merge.
    merged = {"version": REPORT_VERSION, "settings": first.get("settings", {}),
              "totals": Totals(tests).as_dict(), "shards": [str(path) for path in paths], "tests": tests}
    return merged, notes


def _write(path: Path, text: str) -> None:
    try:
        write_atomically(path, text, errors="backslashreplace")
    except OSError as exc:
        raise CritiqueUsageError(f"merge: could not write {path}: {exc.strerror or exc}") from None


def main_merge(paths: list[Path], output: Path | None, html: Path | None = None) -> list[str]:
    """Merge ``paths`` into ``output`` (JSON) and/or ``html`` (a page); the lines to print (the run summary,
    then notes)."""
    from .summary import Totals, summary_lines

    merged, notes = merge(paths)
    written = []
    if output is not None:
        _write(output, report_json(merged))
        written.append(str(output))
    if html is not None:
        from .report_html import render

        _write(html, render(merged))
        written.append(str(html))
    lines = summary_lines(Totals(merged["tests"]), show_nodeid=lambda nodeid: nodeid)
    return [*lines, *notes, f"critique: merged {len(paths)} reports ({len(merged['tests'])} test results) "
                            f"into {' and '.join(written)}"]
