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


EVERY_KIND_CONFTEST = '''
import itertools
import pytest
from pytest_critique import ScriptedJudge

def _arithmetic(step, previous=None, problem=None):
    if "=" not in step:
        return True, "no arithmetic"
    left, right = step.split("=")
    return eval(left) == int(right), f"{left.strip()} is {eval(left)}"

@pytest.fixture
def critique_backend():
    wavering = itertools.cycle([True, False, True, False, True])   # YES 3/5
    def answer(question, response, **context):
        if "waver" in question:
            return next(wavering), "as it comes"
        return "fox" in response.lower() or "plain" in question.lower(), "looked for a fox"
    return ScriptedJudge(answer=answer, step=_arithmetic, prefer=lambda first, second, **context: "first",
                         grade=lambda response, **context: (4, "mostly complete"), name="scripted")
'''

EVERY_KIND_TESTS = '''
import pytest
from pytest_critique import ScriptedJudge

RUBRIC = {"criteria": "Complete?", "scores": {1: "No.", 2: "Barely.", 3: "Half.", 4: "Mostly.", 5: "Fully."}}

def test_checklist_with_unstable_votes(critique):
    critique.checklist("a fox", items=["Does it mention a fox?", "Does it waver?"], samples=5)

def test_refused_unstable(critique):
    critique.checklist("a fox", items=["Does it waver?"], samples=5, on_unstable="error")

def test_steps_per_step(critique):
    assert critique.steps(["2 + 2 = 4", "4 * 3 = 13", "so 13"], mode="per_step").passed   # fails: step 2

def test_steps_first_error(critique):
    assert critique.steps(["2 + 2 = 4", "4 * 3 = 12"]).passed

def test_checkeval(critique):
    assert critique.checkeval("a plain reply", checklist="clarity.yaml", thresholds=0.5).passed

def test_compare(critique):
    assert critique.compare("a thorough answer", "a lazy answer", instruction="Answer.", allow_tie=True).passed

def test_rubric(critique):
    assert critique.rubric("an answer", rubric=RUBRIC, min_score=4).passed

def test_refine(critique):
    assert critique.refine(lambda feedback: "a fox" if feedback else "a cat", items=["Is it a fox?"]).passed

def test_best_of(critique):
    assert critique.best_of(["a cat", "a fox", "a fox"], items=["Is it a fox?"]).winner_index == 1

def test_jury(critique):
    jury = [ScriptedJudge(answer=lambda question, response, verdict=verdict, **context: (verdict, "juror"), name=name)
            for name, verdict in (("a", True), ("b", True), ("c", False))]
    assert critique.checklist("a fox", items=["Is it a fox?"], jury=jury).passed
'''

CLARITY = """dimensions:
  clarity:
    definition: The reply is easy to read.
    sub_aspects:
      Wording:
        - Does the reply use plain words?
        - Is the reply free of typos?
"""


def test_every_kind_of_verdict_reaches_the_controller_intact(scripted_conftest: pytest.Pytester) -> None:
    """Each judge kind's verdict travels on the test report; under workers the summary and the JSON
    report are those of an in-process run (the kinds' own files test their content in process)."""
    pytester = scripted_conftest
    pytester.makeconftest(EVERY_KIND_CONFTEST)
    pytester.makeini("[pytest]\ncritique_concurrency = 1\n")
    (pytester.path / "clarity.yaml").write_text(CLARITY, encoding="utf-8")
    pytester.makepyfile(test_kinds=EVERY_KIND_TESTS)
    alone = pytester.runpytest("-rA", "--critique-report=alone.json")
    workers = pytester.runpytest("-rA", "-n", "2", "-v", "--critique-report=workers.json")
    workers.stdout.fnmatch_lines(["*[[]gw?] *PASSED test_kinds.py::test_rubric*"])
    for result in (alone, workers):
        assert result.parseoutcomes() == {"passed": 8, "failed": 1, "unscored": 1}, result.stdout.str()
    in_process = json.loads((pytester.path / "alone.json").read_text(encoding="utf-8"))
    distributed = json.loads((pytester.path / "workers.json").read_text(encoding="utf-8"))
    assert distributed == in_process
    kinds = sorted({verdict.get("kind", "checklist") for test in in_process["tests"] for verdict in test["verdicts"]})
    assert kinds == ["best_of", "checkeval", "checklist", "compare", "refine", "rubric", "steps"]
    assert in_process["totals"]["unstable"] and in_process["totals"]["juries"]

    def without_note(block: list[str]) -> list[str]:
        return [line for line in block if not line.startswith("critique: wrote ")]

    assert without_note(critique_block(workers)) == without_note(critique_block(alone))
    for result in (alone, workers):  # the per-test sections are drawn from what travelled
        result.stdout.fnmatch_lines(["*test_steps_per_step*", "  ✓  1  2 + 2 = 4", "  ✗  2  4 * 3 = 13",
                                     "       4 * 3 is 12"])
        result.stdout.fnmatch_lines(["  ✓  2  [[]YES 3/5 · unstable] Does it waver?"])
