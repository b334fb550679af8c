"""Acceptance: calibrating judges against InFoBench's GPT-4 verdicts and ProcessBench's step labels.

The 2,250 YES/NO verdicts GPT-4 gave in ``../shared/datasets/infobench/`` become a labels file
(the recorded judge's format, with InFoBench's question categories).  Then, through
``pytest --critique-calibrate``:

- the recorded judge replaying the same file agrees on every question: accuracy 1.0, kappa 1.0;
- a scripted judge that answers the opposite of the label on every tenth label line (a fixed,
  known 10%) scores accuracy 0.90 and the kappa this test computes on its own from the labels,
  and the report names exactly the flipped questions (by label line), in process and under xdist;
- with ProcessBench's 400 GSM8K solutions as step labels, the recorded oracle scores F1 100 and a
  critic that never finds a wrong step scores F1 0, listing exactly the erroneous solutions.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

DATASET = Path("infobench") / "gpt4_outputs_gpt4_judgments.jsonl"
QUESTIONS = 2250

FLIPPING_CONFTEST = '''
import json
from pytest_critique import ScriptedJudge

FLIPPED, TRUTH = {}, {}
with open("labels.jsonl", encoding="utf-8") as lines:
    for number, line in enumerate(lines, start=1):
        record = json.loads(line)
        key = (record["question"], record["response"], record["instruction"], record["input"])
        TRUTH[key] = record["verdict"]
        FLIPPED[key] = number % 10 == 0

def answer(question, response, instruction=None, input=None):
    key = (question, response, instruction, input)
    flipped = FLIPPED[key]
    return TRUTH[key] != flipped, "answers the opposite of the label" if flipped else "agrees with the label"

def pytest_critique_make_backend(settings, config):
    return ScriptedJudge(answer=answer, name="flip-every-tenth")
'''


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [name for name in __import__("os").environ if name.startswith("CRITIQUE_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("COLUMNS", "200")


@pytest.fixture
def labels(pytester: pytest.Pytester, shared_datasets: Path) -> list[dict[str, Any]]:
    path = shared_datasets / DATASET
    if not path.is_file():
        pytest.skip(f"InFoBench file {DATASET} not found under ../shared/datasets")
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = [{"question": question, "response": record["output"], "verdict": answer,
             "instruction": record["instruction"], "input": record["input"], "category": category}
            for record in records
            for question, answer, category in zip(record["decomposed_questions"], record["eval"],
                                                   record["question_label"])]
    assert len(rows) == QUESTIONS
    (pytester.path / "labels.jsonl").write_text("\n".join(json.dumps(row, ensure_ascii=False) for row in rows)
                                                + "\n", encoding="utf-8")
    return rows


def independent_kappa(pairs: list[tuple[bool, bool]]) -> float:
    """Cohen's kappa written out from its definition, separately from the plugin's code."""
    n = len(pairs)
    both_yes = sum(1 for a, b in pairs if a and b)
    both_no = sum(1 for a, b in pairs if not a and not b)
    observed = (both_yes + both_no) / n
    label_yes = sum(1 for a, _ in pairs if a) / n
    judged_yes = sum(1 for _, b in pairs if b) / n
    chance = label_yes * judged_yes + (1 - label_yes) * (1 - judged_yes)
    return (observed - chance) / (1 - chance)


def calibration(pytester: pytest.Pytester) -> dict[str, Any]:
    report = json.loads((pytester.path / "report.json").read_text(encoding="utf-8"))
    [result] = report["tests"]
    assert result["nodeid"] == "critique-calibration[labels.jsonl]"
    [verdict] = result["verdicts"]
    assert verdict["kind"] == "calibration"
    return verdict


def test_the_recorded_verdicts_agree_with_themselves(pytester: pytest.Pytester, labels: list[dict[str, Any]],
                                                      plugin_args: list[str]) -> None:
    result = pytester.runpytest("-p", "no:cacheprovider", "--critique-model=recorded:labels.jsonl",
                                "--critique-calibrate=labels.jsonl", "--critique-min-kappa=0.99",
                                "--critique-report=report.json", *plugin_args)
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines([
        "calibration: judge recorded:labels.jsonl@* against labels.jsonl: 2250 items, accuracy 1.000, "
        "Cohen's kappa 1.000, 0 disagreements",
    ])
    verdict = calibration(pytester)
    assert (verdict["compared"], verdict["accuracy"], verdict["kappa"]) == (QUESTIONS, 1.0, 1.0)
    yes = sum(1 for row in labels if row["verdict"])
    assert verdict["confusion"] == {"label_yes_judged_yes": yes, "label_yes_judged_no": 0,
                                    "label_no_judged_yes": 0, "label_no_judged_no": QUESTIONS - yes}
    assert verdict["disagreements"] == [] and verdict["unscored"] == []


def test_a_judge_flipping_a_known_tenth_scores_090_and_names_the_flips(
        pytester: pytest.Pytester, labels: list[dict[str, Any]], plugin_args: list[str]) -> None:
    pytester.makeconftest(FLIPPING_CONFTEST)
    result = pytester.runpytest("-p", "no:cacheprovider", "--critique-calibrate=labels.jsonl",
                                "--critique-report=report.json", *plugin_args)
    result.assert_outcomes(passed=1)  # no --critique-min-kappa: calibration reports, it does not gate

    flipped_lines = {number for number in range(1, QUESTIONS + 1) if number % 10 == 0}
    pairs = [(row["verdict"], row["verdict"] != (number in flipped_lines))
             for number, row in enumerate(labels, start=1)]
    kappa = independent_kappa(pairs)
    verdict = calibration(pytester)
    assert verdict["accuracy"] == pytest.approx(0.90)
    assert verdict["kappa"] == pytest.approx(kappa, abs=1e-12)
    assert {item["line"] for item in verdict["disagreements"]} == flipped_lines
    assert all(item["reason"] == "answers the opposite of the label" for item in verdict["disagreements"])
    assert {(item["question"], item["label"]) for item in verdict["disagreements"]} == {
        (labels[line - 1]["question"], labels[line - 1]["verdict"]) for line in flipped_lines}
    # per category: a question with several labels counts in each
    for name, figures in verdict["categories"].items():
        mine = [pair for number, (row, pair) in enumerate(zip(labels, pairs), start=1) if name in row["category"]]
        assert figures["items"] == len(mine)
        assert figures["accuracy"] == pytest.approx(sum(a == b for a, b in mine) / len(mine))
    result.stdout.fnmatch_lines([
        f"calibration: judge flip-every-tenth against labels.jsonl: 2250 items, accuracy 0.900, "
        f"Cohen's kappa {kappa:.3f}, 225 disagreements",
    ])


def test_min_kappa_fails_the_run_when_the_judge_falls_below(pytester: pytest.Pytester,
                                                            labels: list[dict[str, Any]]) -> None:
    pytester.makeconftest(FLIPPING_CONFTEST)
    result = pytester.runpytest("-p", "no:cacheprovider", "--critique-calibrate=labels.jsonl",
                                "--critique-min-kappa=0.7")
    assert result.ret == 1
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "FAILED critique-calibration[labels.jsonl] - critique: judge flip-every-tenth is below "
        "--critique-min-kappa 0.7 against labels.jsonl (2025/2250 agree, accuracy 0.900, Cohen's kappa 0.638)",
    ])


# --- the step critic against ProcessBench's labels ---------------------------------------------------

NAIVE_STEP_JUDGE = '''
from pytest_critique import ScriptedJudge

def pytest_critique_make_backend(settings, config):
    if settings.model is None:  # a step judge that finds nothing wrong, ever
        return ScriptedJudge(step=lambda step, previous, problem: True, name="trusting")
'''


@pytest.fixture
def processbench_labels(pytester: pytest.Pytester, shared_datasets: Path) -> list[dict[str, Any]]:
    path = shared_datasets / "processbench" / "gsm8k.json"
    if not path.is_file():
        pytest.skip("ProcessBench's gsm8k split not found under ../shared/datasets")
    items = json.loads(path.read_text(encoding="utf-8"))
    rows = [{"problem": item["problem"], "steps": item["steps"],
             "first_error": None if item["label"] == -1 else item["label"] + 1} for item in items]
    (pytester.path / "steps.jsonl").write_text("\n".join(json.dumps(row) for row in rows) + "\n", encoding="utf-8")
    return rows


def step_calibration(pytester: pytest.Pytester) -> dict[str, Any]:
    report = json.loads((pytester.path / "report.json").read_text(encoding="utf-8"))
    [result] = report["tests"]
    return result["verdicts"][0]["steps"]


def test_the_processbench_oracle_calibrates_at_f1_100(pytester: pytest.Pytester,
                                                      processbench_labels: list[dict[str, Any]],
                                                      plugin_args: list[str]) -> None:
    result = pytester.runpytest("-p", "no:cacheprovider", "--critique-model=recorded:steps.jsonl",
                                "--critique-calibrate=steps.jsonl", "--critique-report=report.json", *plugin_args)
    result.assert_outcomes(passed=1)
    erroneous = sum(1 for row in processbench_labels if row["first_error"] is not None)
    figures = step_calibration(pytester)
    assert (figures["solutions"], figures["erroneous"], figures["correct"]) == (400, erroneous, 400 - erroneous)
    assert (figures["erroneous_accuracy"], figures["correct_accuracy"], figures["f1"]) == (1.0, 1.0, 1.0)
    result.stdout.fnmatch_lines(["calibration: step critic recorded:steps.jsonl@* against steps.jsonl: "
                                 "400 solutions, F1 100.0, 0 disagreements"])


def test_a_critic_that_finds_no_error_scores_f1_0(pytester: pytest.Pytester,
                                                  processbench_labels: list[dict[str, Any]]) -> None:
    pytester.makeconftest(NAIVE_STEP_JUDGE)
    result = pytester.runpytest("-p", "no:cacheprovider", "--critique-calibrate=steps.jsonl",
                                "--critique-report=report.json", "-rA")
    result.assert_outcomes(passed=1)
    figures = step_calibration(pytester)
    erroneous = [number for number, row in enumerate(processbench_labels, start=1) if row["first_error"]]
    assert (figures["erroneous_accuracy"], figures["correct_accuracy"], figures["f1"]) == (0.0, 1.0, 0.0)
    assert [entry["line"] for entry in figures["disagreements"]] == erroneous
    assert all(entry["judged"] is None for entry in figures["disagreements"])
    result.stdout.fnmatch_lines([
        f"  step critic: 400 solutions · first error located exactly in 0.0% of {len(erroneous)} erroneous · "
        f"100.0% of {400 - len(erroneous)} correct judged correct · F1 0.0",
    ])
