"""Calibration through pytest: the --critique-calibrate item, critique.calibrate(), errors and reports."""

from __future__ import annotations

import json
from typing import Any

import pytest

LABELS = [
    {"question": "Does it mention a fox?", "response": "a red fox", "verdict": "YES", "category": "Content"},
    {"question": "Does it mention a fox?", "response": "a grey wolf", "verdict": "NO", "category": "Content"},
    {"question": "Is it about autumn?", "response": "autumn leaves", "verdict": True, "category": ["Content", "Style"]},
    {"question": "Is it about autumn?", "response": "spring rain", "verdict": False, "category": "Style"},
    # people said YES here, the scripted judge below (word matching) says NO
    {"question": "Is it about autumn?", "response": "falling leaves in October", "verdict": "YES", "category": "Style"},
    {"instruction": "Write a haiku about a fox.", "questions": ["Does it mention a fox?"]},
]
STEP_LABELS = [
    {"problem": "2 + 3 + 4", "steps": ["2 + 3 = 5", "5 + 4 = 9"], "first_error": None},
    {"problem": "2 + 3 + 4", "steps": ["2 + 3 = 6", "6 + 4 = 10"], "first_error": 1},
    # the scripted critic below checks arithmetic only: it misses this wrong reading of the problem
    {"problem": "2 + 3 + 4", "steps": ["2 + 4 = 6", "6 + 3 = 9", "so the answer is 10"], "first_error": 3},
]

# Answers by looking for the question's key word: wrong on "falling leaves in October".
WORD_JUDGE = '''
import pytest
from pytest_critique import ScriptedJudge

def sums_right(step, previous, problem):
    left, _, right = step.partition("=")
    if not right:
        return True, "nothing to compute"
    return eval(left) == int(right), f"{left.strip()} is {eval(left)}"

JUDGE = ScriptedJudge({"fox": lambda r: ("fox" in r, "looked for fox"),
                       "autumn": lambda r: ("autumn" in r, "looked for autumn")}, step=sums_right,
                      name="word-judge")

def pytest_critique_make_backend(settings, config):
    return JUDGE if settings.model is None else None  # a named model (recorded:...) is built as usual

@pytest.fixture
def critique_backend():
    return JUDGE
'''


@pytest.fixture
def labelled(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeconftest(WORD_JUDGE)
    (pytester.path / "labels.jsonl").write_text("\n".join(json.dumps(row) for row in LABELS) + "\n",
                                                encoding="utf-8")
    return pytester


def test_the_calibration_item_reports_figures_categories_and_disagreements(
        labelled: pytest.Pytester, plugin_args: list[str]) -> None:
    result = labelled.runpytest("--critique-calibrate=labels.jsonl", "--critique-report=report.json", "-rA",
                                *plugin_args)
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines([
        "calibration · judge word-judge (offline) against labels.jsonl · 5 items · accuracy 0.800 · "
        "Cohen's kappa 0.615 · 5 judge calls, 0 cached",
        "                judged YES   judged NO",
        "  label YES              2           1",
        "  label NO               0           2",
        "  by category:",
        "    Content                           3 items · accuracy 1.000 · kappa 1.000",
        "    Style                             3 items · accuracy 0.667 · kappa 0.400",
        "  1 checklist or step line of the labels file skipped",
        "  the judge differs from the reference on 1 item:",
        "    ✗ line 5: label YES, judged NO",
        "       Is it about autumn?",
        "       looked for autumn",
    ])
    result.stdout.fnmatch_lines(["calibration: judge word-judge against labels.jsonl: 5 items, accuracy 0.800, "
                                 "Cohen's kappa 0.615, 1 disagreements"])
    report = json.loads((labelled.path / "report.json").read_text(encoding="utf-8"))
    [calibration] = report["totals"]["calibrations"]
    assert calibration == {"nodeid": "critique-calibration[labels.jsonl]", "judge": "word-judge",
                           "reference": "labels.jsonl", "compared": 5, "accuracy": 0.8,
                           "kappa": pytest.approx(0.6153846), "min_kappa": None, "passed": True,
                           "disagreements": 1, "unscored": 0, "steps": None}


@pytest.mark.parametrize(("minimum", "outcome", "code"), [("0.6", "passed", 0), ("0.62", "failed", 1)])
def test_min_kappa_decides_the_outcome(labelled: pytest.Pytester, plugin_args: list[str], minimum: str,
                                       outcome: str, code: int) -> None:
    result = labelled.runpytest("--critique-calibrate=labels.jsonl", f"--critique-min-kappa={minimum}",
                                *plugin_args)
    result.assert_outcomes(**{outcome: 1})
    assert result.ret == code
    if outcome == "failed":
        result.stdout.fnmatch_lines(["*BELOW --critique-min-kappa 0.62"])


def test_tests_run_next_to_the_calibration_item(labelled: pytest.Pytester) -> None:
    labelled.makepyfile(test_one="def test_one(critique):\n    critique.checklist('a fox', items=['fox?'])\n")
    result = labelled.runpytest("--critique-calibrate=labels.jsonl", "-v")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["critique-calibration?labels.jsonl? PASSED*"])


@pytest.mark.parametrize(("content", "message"), [
    (None, "critique: cannot read calibration labels *missing.jsonl*"),
    ('{"question": "q", "response": "r", "verdict": "maybe"}\n',
     "critique: *labels.jsonl:1: 'verdict' must be true/false or YES/NO, got 'maybe'"),
    ('{"question": "q", "response": "r", "verdict": true}\nnot json\n', "critique: *labels.jsonl:2: not valid JSON*"),
    ('{"question": "q", "verdict": true}\n', "critique: *labels.jsonl:1: missing string field 'response'"),
    ('{"question": "q", "response": "r", "verdict": true, "category": 3}\n',
     "critique: *labels.jsonl:1: 'category' must be a string or a list of strings"),
    ('{"instruction": "x", "questions": ["q"]}\n', "critique: *labels.jsonl holds no labelled verdicts*"),
])
def test_a_bad_labels_file_stops_the_run_at_once(pytester: pytest.Pytester, content: str | None,
                                                 message: str) -> None:
    name = "missing.jsonl" if content is None else "labels.jsonl"
    if content is not None:
        (pytester.path / name).write_text(content, encoding="utf-8")
    result = pytester.runpytest(f"--critique-calibrate={name}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: {message}"])


def test_questions_the_judge_cannot_answer_are_left_out_and_listed(labelled: pytest.Pytester) -> None:
    rows = LABELS[:2] + [{"question": "Is it a haiku?", "response": "a red fox", "verdict": "YES"}]
    (labelled.path / "labels.jsonl").write_text("\n".join(json.dumps(row) for row in rows), encoding="utf-8")
    result = labelled.runpytest("--critique-calibrate=labels.jsonl", "-rA")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines([
        "calibration · judge word-judge (offline) against labels.jsonl · 2 items · accuracy 1.000 *",
        "  UNSCORED, left out of the figures: 1 item",
        "    ✗ line 3: label YES, judged no verdict",
        "       Is it a haiku?",
        "       word-judge has no answer for question 'Is it a haiku?'",
    ])


def test_nothing_to_compare_is_unscored(labelled: pytest.Pytester) -> None:
    (labelled.path / "labels.jsonl").write_text(json.dumps(
        {"question": "Is it a haiku?", "response": "r", "verdict": "YES"}), encoding="utf-8")
    result = labelled.runpytest("--critique-calibrate=labels.jsonl")
    assert result.ret == 1
    assert result.parseoutcomes() == {"unscored": 1}


def test_calibrate_in_a_test_judge_against_judge(labelled: pytest.Pytester, plugin_args: list[str]) -> None:
    # a recorded judge that agrees with people is the reference; the word judge is calibrated against it
    (labelled.path / "reference.jsonl").write_text("\n".join(json.dumps(row) for row in LABELS[:5]),
                                                   encoding="utf-8")
    labelled.makepyfile(test_calibrate='''
        from pytest_critique import CritiqueUsageError
        import pytest

        def test_word_judge_against_the_recorded_judge(critique):
            verdict = critique.calibrate("labels.jsonl", reference="recorded:reference.jsonl", min_kappa=0.5)
            assert verdict.reference.startswith("recorded:reference.jsonl@")
            assert [item.line for item in verdict.disagreements] == [5]
            assert verdict.passed and verdict.compared == 5

        def test_min_kappa_is_validated(critique):
            with pytest.raises(CritiqueUsageError, match="min_kappa must be a number from -1 to 1"):
                critique.calibrate("labels.jsonl", min_kappa=2)
    ''')
    result = labelled.runpytest(*plugin_args)
    result.assert_outcomes(passed=2)


def test_step_lines_calibrate_the_step_critic(labelled: pytest.Pytester, plugin_args: list[str]) -> None:
    rows = LABELS + STEP_LABELS
    (labelled.path / "labels.jsonl").write_text("\n".join(json.dumps(row) for row in rows), encoding="utf-8")
    result = labelled.runpytest("--critique-calibrate=labels.jsonl", "--critique-report=report.json", "-rA",
                                *plugin_args)
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines([
        "  step critic: 3 solutions · first error located exactly in 50.0% of 2 erroneous · "
        "100.0% of 1 correct judged correct · F1 66.7",
        "  the step critic differs from the label on 1 solution:",
        "    ✗ line 9: label step 3, judged none (3 steps) · 2 + 3 + 4",
    ])
    result.stdout.fnmatch_lines(["calibration: step critic word-judge against labels.jsonl: 3 solutions, F1 66.7, "
                                 "1 disagreements",
                                 "calibration: judge word-judge against labels.jsonl: 5 items, *"])
    report = json.loads((labelled.path / "report.json").read_text(encoding="utf-8"))
    steps = report["tests"][0]["verdicts"][0]["steps"]
    assert (steps["erroneous_accuracy"], steps["correct_accuracy"]) == (0.5, 1.0)
    assert steps["f1"] == pytest.approx(2 / 3)


@pytest.mark.parametrize(("row", "message"), [
    ({"steps": [], "first_error": None}, "'steps' must be a non-empty list of strings"),
    ({"steps": ["a"], "first_error": 2}, "'first_error' must be null or a step number from 1 to 1, got 2"),
    ({"steps": ["a"], "first_error": None, "problem": 3}, "'problem' must be a string"),
])
def test_a_bad_step_line_stops_the_run(pytester: pytest.Pytester, row: dict[str, Any], message: str) -> None:
    (pytester.path / "labels.jsonl").write_text(json.dumps(row), encoding="utf-8")
    result = pytester.runpytest("--critique-calibrate=labels.jsonl")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: critique: *labels.jsonl:1: {message}"])
