"""xdist: workers judge, the controller gathers the verdicts from test reports.  The
results must not depend on how the tests were distributed."""

from __future__ import annotations

import json

import pytest

MIXED_TESTS = """
import pytest

@pytest.mark.parametrize("response", ["a fox in autumn", "a fox", "an owl in autumn", "an owl"])
def test_animals(critique, response):
    assert critique.checklist(response, items=["Does it mention a fox?", "Does it mention autumn?"]).passed

def test_generated(critique):
    assert critique.checklist("a fox\\nin the snow\\nsleeps", instruction="Write a haiku about a fox.").passed

def test_unscored(critique):
    critique.checklist("a fox", items=["Is it blue?"])
"""


def critique_block(result: pytest.RunResult) -> list[str]:
    lines = result.stdout.lines
    start = next(i for i, line in enumerate(lines) if line.startswith("=") and " critique " in line)
    end = next(i for i in range(start + 1, len(lines)) if lines[i].startswith("="))
    return lines[start + 1:end]


def test_report_and_summary_are_the_same_with_and_without_workers(scripted_conftest: pytest.Pytester) -> None:
    pytester = scripted_conftest
    pytester.makepyfile(test_mixed=MIXED_TESTS)
    alone = pytester.runpytest("--critique-report=alone.json")
    workers = pytester.runpytest("-n", "2", "-v", "--critique-report=workers.json")
    # the tests really ran on workers
    workers.stdout.fnmatch_lines(["*[[]gw?] *UNSCORED test_mixed.py::test_unscored*"])
    workers.stdout.fnmatch_lines(["*[[]gw?] *FAILED test_mixed.py::test_animals*"])
    for result in (alone, workers):
        assert result.parseoutcomes() == {"passed": 2, "failed": 3, "unscored": 1}
        assert result.ret == 1

    in_process = json.loads((pytester.path / "alone.json").read_text(encoding="utf-8"))
    distributed = json.loads((pytester.path / "workers.json").read_text(encoding="utf-8"))
    assert distributed == in_process
    assert in_process["totals"]["tests"] == 6
    assert in_process["totals"]["items"] == 11

    def without_note(block: list[str]) -> list[str]:
        return [line for line in block if not line.startswith("critique: wrote ")]

    assert without_note(critique_block(workers)) == without_note(critique_block(alone))
    assert critique_block(alone)[:2] == [
        "judge scripted (offline) · 6 tests · 11 verdicts (0 cached) · 12 judge calls · 0 tokens",
        "pooled pass rate 6/10 = 0.600 (1 unscored not counted)",
    ]


def test_plugin_works_with_xdist_disabled(scripted_conftest: pytest.Pytester) -> None:
    scripted_conftest.makepyfile(test_mixed=MIXED_TESTS)
    result = scripted_conftest.runpytest("-p", "no:xdist", "--critique-report=report.json")
    assert result.parseoutcomes() == {"passed": 2, "failed": 3, "unscored": 1}
    result.stdout.fnmatch_lines([
        "judge scripted (offline) · 6 tests · 11 verdicts (0 cached) · 12 judge calls · 0 tokens",
        "unscored (1): *",
    ])
    report = json.loads((scripted_conftest.path / "report.json").read_text(encoding="utf-8"))
    assert report["totals"]["tests"] == 6
