"""--critique-report: a JSON file with the settings, the totals and every verdict of the run."""

from __future__ import annotations

import json

import pytest

MIXED_TESTS = """
def test_a_pass(critique):
    assert critique.checklist("a fox in autumn", items=["Does it mention a fox?", "Does it mention autumn?"]).passed

def test_b_fail(critique):
    assert critique.checklist("a fox", items=["Does it mention a fox?", "Does it mention autumn?"]).passed

def test_c_unscored(critique):
    critique.checklist("a fox", items=["Does it mention a fox?", "Is it blue?"])

def test_d_generated(critique):
    assert critique.checklist("a fox\\nin the snow\\nsleeps", instruction="Write a haiku about a fox.").passed

def test_e_plain():
    pass
"""


def test_report_structure(scripted_conftest: pytest.Pytester, plugin_args: list[str], read_report) -> None:
    scripted_conftest.makepyfile(test_r=MIXED_TESTS)
    result = scripted_conftest.runpytest("--critique-report=out.json", "--critique-threshold=1.0", *plugin_args)
    assert result.parseoutcomes() == {"passed": 3, "failed": 1, "unscored": 1}
    path = scripted_conftest.path / "out.json"
    result.stdout.fnmatch_lines([f"critique: wrote 4 test results to {path}"])
    report = read_report("out.json")

    assert report["version"] == 1
    assert report["settings"] == {"model": None, "cache": "rw", "samples": 1, "threshold": 1.0, "batch": False,
                                  "concurrency": 32}
    totals = report["totals"]
    assert totals == {
        "tests": 4,
        "checks": 4,
        "verdicts": 8,  # as the terminal counts them: the items judged
        "cached_verdicts": 0,
        "items": 8,
        "cached_items": 0,
        "unscored_items": 1,
        "yes": 6,
        "pass_rate": 6 / 7,  # over the scored items
        "solutions": 0, "solutions_with_wrong_step": 0, "steps_judged": 0, "dimension_scores": {},
        "judges": ["scripted (offline)"],
        "usage": {"calls": 9, "retries": 0, "cached": 0, "prompt_tokens": 0, "completion_tokens": 0, "cost": 0.0},
        "failing_items": [{"nodeid": "test_r.py::test_b_fail", "index": 2, "question": "Does it mention autumn?",
                           "test_passed": False}],
        "unscored": [{"nodeid": "test_r.py::test_c_unscored",
                      "reason": "critique: 1 of 2 checklist items unscored: item 2: scripted has no answer for "
                                "question 'Is it blue?'"}],
        "unstable": [], "juries": [], "comparisons": 0, "comparisons_in_both_orders": 0, "position_inconsistent": [],
        "position_inconsistency_rate": None, "rubric_scores": [], "drift": [], "calibrations": [],
        "refinements": {"refined": 0, "passed": 0, "passed_after_feedback": 0, "rounds": 0, "items_fixed": 0,
                        "items_broken": 0, "unscored": 0},
        "best_of": {"selections": 0, "candidates": 0, "winners_failing": 0, "unscored": 0},
        "consistency": {"checks": 0, "sentences": 0, "unsupported": 0, "unscored": 0},
        "grounding": {"checks": 0, "claims": 0, "supported": 0, "contradicted": 0, "not_found": 0, "unscored": 0},
    }

    tests = report["tests"]
    assert [(t["nodeid"], t["when"], t["outcome"]) for t in tests] == [
        ("test_r.py::test_a_pass", "call", "passed"),
        ("test_r.py::test_b_fail", "call", "failed"),
        ("test_r.py::test_c_unscored", "call", "failed"),
        ("test_r.py::test_d_generated", "call", "passed"),
    ]
    failed = tests[1]["verdicts"][0]
    assert failed["kind"] == "checklist"
    assert failed["judge"] == "scripted" and failed["offline"] is True
    assert failed["passed"] is False and failed["pass_rate"] == 0.5
    assert failed["headline"] == "critique: 1 of 2 checklist items failed"
    assert failed["checklist"] == {"questions": ["Does it mention a fox?", "Does it mention autumn?"],
                                   "instruction": None, "input": None, "source": "given", "generator": None}
    assert failed["items"][1] == {"index": 2, "question": "Does it mention autumn?", "answer": False,
                                  "reason": "looked for the word autumn",
                                  "votes": [{"answer": False, "reason": "looked for the word autumn", "cached": False}],
                                  "agreement": 1.0, "error": None, "unstable": False, "jurors": [],
                                  "cached": False}
    assert failed["usage"]["calls"] == 2

    unscored = tests[2]
    assert unscored["unscored"].startswith("critique: 1 of 2 checklist items unscored")
    assert unscored["verdicts"][0]["items"][1]["answer"] is None
    assert unscored["verdicts"][0]["items"][1]["error"] == "scripted has no answer for question 'Is it blue?'"

    generated = tests[3]
    assert generated["verdicts"][0]["checklist"]["source"] == "generated"
    assert generated["verdicts"][0]["checklist"]["generator"] == "scripted"
    assert generated["new_checklists"] == [{"instruction": "Write a haiku about a fox.", "input": None,
                                            "questions": ["Does it mention a fox?", "Is it three lines long?"],
                                            "generator": "scripted"}]
    assert "unscored" not in tests[0] and "new_checklists" not in tests[0]


def test_report_path_is_relative_to_the_invocation_directory(scripted_conftest: pytest.Pytester,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    pytester = scripted_conftest
    pytester.makeini("[pytest]\n")
    sub = pytester.mkdir("sub")
    sub.joinpath("test_r.py").write_text(
        "def test_fox(critique):\n    critique.checklist('a fox', items=['Does it mention a fox?'])\n")
    monkeypatch.chdir(sub)
    result = pytester.runpytest("test_r.py", "--critique-report=reports/run.json")
    result.assert_outcomes(passed=1)
    written = sub / "reports" / "run.json"
    assert json.loads(written.read_text(encoding="utf-8"))["tests"][0]["nodeid"] == "sub/test_r.py::test_fox"
    assert not (pytester.path / "reports").exists()


@pytest.mark.parametrize("how", ["env", "ini"])
def test_report_from_environment_and_ini(scripted_conftest: pytest.Pytester, monkeypatch: pytest.MonkeyPatch,
                                         how: str, read_report) -> None:
    if how == "env":
        monkeypatch.setenv("CRITIQUE_REPORT", "env.json")
        name = "env.json"
    else:
        scripted_conftest.makeini("[pytest]\ncritique_report = ini.json\n")
        name = "ini.json"
    scripted_conftest.makepyfile(
        test_r="def test_fox(critique):\n    critique.checklist('a fox', items=['Does it mention a fox?'])\n")
    scripted_conftest.runpytest().assert_outcomes(passed=1)
    assert read_report(name)["totals"]["yes"] == 1


def test_no_report_without_the_option(scripted_conftest: pytest.Pytester) -> None:
    scripted_conftest.makepyfile(
        test_r="def test_fox(critique):\n    critique.checklist('a fox', items=['Does it mention a fox?'])\n")
    result = scripted_conftest.runpytest()
    result.assert_outcomes(passed=1)
    result.stdout.no_fnmatch_line("critique: wrote *")
    assert not list(scripted_conftest.path.glob("*.json"))


def test_report_records_cached_items(counting, pytester: pytest.Pytester, read_report) -> None:
    pytester.makepyfile(
        test_r="def test_fox(critique):\n    critique.checklist('a fox', items=['Does it mention a fox?'])\n")
    pytester.runpytest().assert_outcomes(passed=1)
    pytester.runpytest("--critique-report=report.json").assert_outcomes(passed=1)
    report = read_report()
    assert report["totals"]["cached_items"] == 1
    assert report["totals"]["usage"]["cached"] == 1
    assert report["totals"]["usage"]["calls"] == 0
    assert report["tests"][0]["verdicts"][0]["items"][0]["cached"] is True
    assert report["tests"][0]["verdicts"][0]["items"][0]["votes"][0]["cached"] is True


GENERATION_THEN_JUDGING = """
def test_generation_is_not_charged_to_the_next_verdict(critique):
    checklist = critique.generate_checklist("Write a haiku about a fox.")
    verdict = critique.checklist("a fox", items=checklist.questions[:1])
    assert verdict.usage.calls == 1
"""


def test_calls_that_return_no_verdict_count_for_the_run_only(scripted_conftest: pytest.Pytester,
                                                              plugin_args: list[str], read_report) -> None:
    scripted_conftest.makepyfile(test_g=GENERATION_THEN_JUDGING)
    result = scripted_conftest.runpytest("--critique-report=out.json", *plugin_args)
    result.assert_outcomes(passed=1)
    report = read_report("out.json")
    [test] = report["tests"]
    [verdict] = test["verdicts"]
    assert verdict["usage"]["calls"] == 1  # the question, not the generation before it
    assert test["usage"]["calls"] == 1  # the generation, reported with the test
    assert report["totals"]["usage"]["calls"] == 2
    result.stdout.fnmatch_lines(["judge scripted (offline) · 1 test · 1 verdict (0 cached) · 2 judge calls*"])


def test_one_test_result_is_said_in_the_singular(scripted_conftest: pytest.Pytester) -> None:
    scripted_conftest.makepyfile("def test_one(critique):\n    critique.checklist('a fox', items=['Is it a fox?'])\n")
    result = scripted_conftest.runpytest("--critique-report=out.json")
    result.stdout.fnmatch_lines(["critique: wrote 1 test result to *out.json"])
