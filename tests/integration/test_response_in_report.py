"""The response under test: shortened, with its length, in a failing test's critique section, and whole
in the JSON report."""

from __future__ import annotations

import json

import pytest

LONG = "A fox " + "walks through the wood and " * 40 + "ENDS HERE"

TESTS = f"""
LONG = {LONG!r}

def test_long_fails(critique):
    assert critique.checklist(LONG, items=["Does it mention a fox?", "Does it mention autumn?"]).passed

def test_passes(critique):
    assert critique.checklist("a fox in autumn", items=["Does it mention a fox?"]).passed
"""


def test_a_failing_verdict_shows_the_response_shortened_and_the_json_has_it_whole(
        scripted_conftest: pytest.Pytester) -> None:
    scripted_conftest.makepyfile(test_r=TESTS)
    result = scripted_conftest.runpytest("-rA", "--critique-report=report.json")
    result.assert_outcomes(passed=1, failed=1)
    lines = [line for line in result.stdout.lines if line.startswith("  response (")]
    assert len(lines) == 1, "only the verdict that did not pass shows its response"
    [line] = lines
    assert line.startswith(f"  response ({len(LONG):,} characters): A fox walks through")
    assert line.endswith("ENDS HERE") and " ... " in line and len(line) <= 100
    tests = {test["nodeid"]: test for test in json.loads((scripted_conftest.path / "report.json").read_text())["tests"]}
    assert tests["test_r.py::test_long_fails"]["verdicts"][0]["response"] == LONG
    assert tests["test_r.py::test_passes"]["verdicts"][0]["response"] == "a fox in autumn"
