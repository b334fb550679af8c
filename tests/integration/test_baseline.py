"""--critique-baseline and --critique-fail-on-regression: this run against an earlier run's JSON report,
part by part (a checklist's questions, a solution's steps, a CheckEval dimension), by identity."""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import read_json

from pytest_critique.baseline import compare

FOX = """
import pytest

@pytest.mark.critique(threshold=0)
def test_poem(critique):
    critique.checklist("a fox in autumn", items={items})

def test_not_judged():
    pass
"""


def write(pytester: pytest.Pytester, items: list[str]) -> None:
    pytester.makepyfile(test_fox=FOX.format(items=repr(items)))


def test_regressions_improvements_new_and_removed_items(pytester: pytest.Pytester, counting: Any) -> None:
    write(pytester, ["Does it mention a fox?", "Does it mention autumn?", "Does it mention snow?",
                     "Is it about a dog?"])
    pytester.runpytest("-p", "no:cacheprovider", "--critique-report=main.json").assert_outcomes(passed=2)
    # The judge changes its mind on two questions; one question is dropped, one is added.
    counting.set_answers({"Does it mention a fox?": False, "Does it mention snow?": True})
    write(pytester, ["Does it mention snow?", "Does it mention a fox?", "Does it mention autumn?",
                     "Does it rhyme?"])
    result = pytester.runpytest("-p", "no:cacheprovider", "--critique-cache=off", "--critique-baseline=main.json",
                                "--critique-report=report.json")
    result.assert_outcomes(passed=2)
    assert result.ret == 0  # reported, not gated
    result.stdout.fnmatch_lines([
        "baseline main.json: 1 regression, 1 improvement, 1 new, 1 removed, 1 unchanged",
        "  regressed test_fox.py::test_poem  checklist: Does it mention a fox?  good -> bad",
        "  improved  test_fox.py::test_poem  checklist: Does it mention snow?  bad -> good",
        "  new       test_fox.py::test_poem  checklist: Does it rhyme?  now bad",
        "  removed   test_fox.py::test_poem  checklist: Is it about a dog?  was bad",
    ])
    baseline = read_json(pytester.path / "report.json")["baseline"]
    assert baseline["regressions"] == [{"nodeid": "test_fox.py::test_poem", "kind": "checklist",
                                        "what": "checklist: Does it mention a fox?", "before": "good",
                                        "after": "bad"}]
    assert (len(baseline["improvements"]), baseline["new"][0]["after"], baseline["removed"][0]["before"]) == (
        1, "bad", "bad")
    assert "before" not in baseline["new"][0] and "after" not in baseline["removed"][0]
    gated = pytester.runpytest("-p", "no:cacheprovider", "--critique-cache=off", "--critique-baseline=main.json",
                               "--critique-fail-on-regression")
    gated.assert_outcomes(passed=2)
    assert gated.ret == 1
    gated.stdout.fnmatch_lines(["critique: the run fails: 1 of the baseline's good parts are bad now "
                                "(--critique-fail-on-regression)"])


def test_the_gate_passes_without_regressions_and_counts_tests_not_run(pytester: pytest.Pytester,
                                                                       counting: Any) -> None:
    write(pytester, ["Does it mention a fox?"])
    pytester.makepyfile(test_other="""
        def test_other(critique):
            assert critique.checklist("a dog", items=["Does it mention a dog?"]).passed
    """)
    pytester.runpytest("-p", "no:cacheprovider", "--critique-report=main.json").assert_outcomes(passed=3)
    result = pytester.runpytest("-p", "no:cacheprovider", "test_fox.py", "--critique-baseline=main.json",
                                "--critique-fail-on-regression", "-n", "2")
    assert result.ret == 0
    result.stdout.fnmatch_lines(["baseline main.json: 0 regressions, 0 improvements, 0 new, 0 removed, "
                                 "1 unchanged (1 test of the baseline not run)"])
    assert result.stdout.str().count("baseline main.json") == 1


@pytest.mark.parametrize("content, message", [
    (None, "no such file *missing.json (a JSON report written by --critique-report in an earlier run)"),
    ("not json", "*is not a readable JSON report*"),
    ('{"tests": [{"verdicts": []}]}', "*is not a pytest-critique JSON report (no list of tests with node ids)"),
])
def test_a_baseline_that_is_not_a_report_stops_the_run_at_once(pytester: pytest.Pytester, content: str | None,
                                                               message: str) -> None:
    name = "missing.json" if content is None else "bad.json"
    if content is not None:
        (pytester.path / name).write_text(content, encoding="utf-8")
    pytester.makepyfile("def test_x(): pass")
    result = pytester.runpytest("-p", "no:cacheprovider", f"--critique-baseline={name}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*critique: --critique-baseline: {message}"])


def test_fail_on_regression_needs_a_baseline(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_x(): pass")
    result = pytester.runpytest("-p", "no:cacheprovider", "--critique-fail-on-regression")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--critique-fail-on-regression needs --critique-baseline=PATH*"])


def _steps(*statuses: str) -> dict[str, Any]:
    return {"kind": "steps", "passed": "wrong" not in statuses,
            "steps": [{"index": number, "text": f"step text {number}", "status": status}
                      for number, status in enumerate(statuses, start=1)]}


def _checkeval(score: float | None, threshold: float = 0.8) -> dict[str, Any]:
    return {"kind": "checkeval", "dimensions": [{"name": "coherence", "score": score, "threshold": threshold,
                                                 "passed": score is not None and score >= threshold}]}


def test_steps_and_dimensions_are_compared_by_identity() -> None:
    before = {"t::a": [_steps("correct", "correct", "not_judged")], "t::b": [_checkeval(0.9)],
              "t::c": [_checkeval(0.9)]}
    now = [{"nodeid": "t::a", "verdicts": [_steps("correct", "wrong", "not_judged")]},
           {"nodeid": "t::b", "verdicts": [_checkeval(0.85)]},  # down, still past the threshold: unchanged
           {"nodeid": "t::c", "verdicts": [_checkeval(0.5)]}]
    changes = compare("main.json", before, now)
    assert [(change.nodeid, change.what) for change in changes.regressions] == [
        ("t::a", "steps: step: step text 2"), ("t::c", "checkeval: coherence")]
    assert changes.unchanged == 3 and not changes.improvements and not changes.new


def test_a_question_asked_twice_in_one_test_is_matched_by_occurrence() -> None:
    def checklist(*answers: bool) -> dict[str, Any]:
        return {"kind": "checklist", "items": [{"question": "Is it short?", "answer": answer} for answer in answers]}

    changes = compare("b.json", {"t::a": [checklist(True, False)]}, [{"nodeid": "t::a",
                                                                    "verdicts": [checklist(True, True)]}])
    assert [change.what for change in changes.improvements] == ["checklist: Is it short? (#2)"]
    assert json.dumps(changes.as_dict())  # what the JSON report holds
