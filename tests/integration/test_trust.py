"""Trust in verdicts through pytest: position swap, juries, unstable votes, rubrics and drift.

Every behaviour is checked in pytest's output and in the JSON report, in process; drift also with
two xdist workers (``plugin_args``: workers share the drift index).  tests/integration/test_xdist.py
checks that every kind of verdict crosses to the xdist controller intact.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

PAIRS = '''
import pytest

PAIRS = [("a thorough answer", "a lazy answer"), ("a lazy answer", "a thorough answer"),
         ("thorough and kind", "lazy and rude"), ("lazy, wrong", "thorough, right")]

@pytest.mark.parametrize("a,b", PAIRS)
def test_compare(critique, a, b):
    verdict = critique.compare(a, b, instruction="Answer the question.")
    print(verdict.winner)
'''

POSITIONAL = '''
import pytest
from pytest_critique import ScriptedJudge

@pytest.fixture
def critique_backend():
    return ScriptedJudge(prefer=lambda first, second, **context: "first", name="positional")
'''

FAIR = '''
import pytest
from pytest_critique import ScriptedJudge

def better(first, second, instruction=None, criteria=None):
    if ("thorough" in first) == ("thorough" in second):
        return "tie"
    return ("first" if "thorough" in first else "second"), "the thorough one"

@pytest.fixture
def critique_backend():
    return ScriptedJudge(prefer=better, name="fair")
'''


def read_report(pytester: pytest.Pytester) -> dict[str, Any]:
    return json.loads((pytester.path / "report.json").read_text(encoding="utf-8"))


def test_a_judge_preferring_the_first_position_gives_only_ties(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(POSITIONAL)
    pytester.makepyfile(test_pairs=PAIRS)
    result = pytester.runpytest("--critique-report=report.json", "-rA")
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines([
        "pairwise: 4 comparisons, 4 position-inconsistent (100%; the preference changed when the order was swapped)",
    ])
    result.stdout.fnmatch_lines([
        "compare · judge positional (offline) · both orders · winner tie · 2 judge calls, 0 cached",
        "  instruction: Answer the question.",
        "  a shown first, b second: prefers a",
        "*",
        "  b shown first, a second: prefers b",
        "*",
        "  position-inconsistent: the preference changed when the order was swapped, so it is a tie",
    ])
    report = read_report(pytester)
    assert report["totals"]["comparisons"] == 4
    assert report["totals"]["position_inconsistency_rate"] == 1.0
    verdicts = [test["verdicts"][0] for test in report["tests"]]
    assert {(v["winner"], v["consistent"]) for v in verdicts} == {("tie", False)}
    assert all(v["headline"] == "critique: a and b tie: the preference changed with the order "
                                "(a first: a; b first: b)" for v in verdicts)


def test_a_judge_preferring_the_better_answer_is_consistent(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(FAIR)
    pytester.makepyfile(test_pairs=PAIRS)
    result = pytester.runpytest("--critique-report=report.json")
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines(["pairwise: 4 comparisons, 0 position-inconsistent (0%*"])
    report = read_report(pytester)
    assert report["totals"]["position_inconsistency_rate"] == 0.0
    winners = {test["nodeid"].split("[")[1].rstrip("]"): test["verdicts"][0]["winner"] for test in report["tests"]}
    assert winners == {"a thorough answer-a lazy answer": "a", "a lazy answer-a thorough answer": "b",
                       "thorough and kind-lazy and rude": "a", "lazy, wrong-thorough, right": "b"}
    assert all(test["verdicts"][0]["consistent"] for test in report["tests"])


JURY = '''
import pytest
from pytest_critique import ScriptedJudge

VOTES = {  # question -> how jurors a, b, c answer it
    "q1": (True, True, True), "q2": (True, True, False), "q3": (True, False, False), "q4": (False, False, False),
}

def juror(position):
    return ScriptedJudge(answer=lambda question, response, **context: (VOTES[question][position], "as scripted"),
                         name="abc"[position])

JURORS = [juror(0), juror(1), juror(2)]

@pytest.mark.parametrize("rule", ["majority", "unanimous", "quorum:1", "quorum:3"])
def test_jury(critique, rule):
    verdict = critique.checklist("text", items=list(VOTES), jury=JURORS, jury_rule=rule, threshold=0)
    print(rule, [item.answer for item in verdict.items])
'''

EXPECTED = {"majority": [True, True, False, False], "unanimous": [True, False, False, False],
            "quorum:1": [True, True, True, False], "quorum:3": [True, False, False, False]}


def fleiss(ratings: list[list[bool]]) -> float:
    """Fleiss' kappa for two categories, written out independently of the plugin."""
    n, raters = len(ratings), len(ratings[0])
    p_items = [(sum(r) ** 2 + (raters - sum(r)) ** 2 - raters) / (raters * (raters - 1)) for r in ratings]
    p_yes = sum(sum(r) for r in ratings) / (n * raters)
    chance = p_yes ** 2 + (1 - p_yes) ** 2
    return (sum(p_items) / n - chance) / (1 - chance)


def test_three_jurors_decide_by_rule_and_their_agreement_is_measured(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_jury=JURY)
    result = pytester.runpytest("--critique-report=report.json", "-rA")
    result.assert_outcomes(passed=4)
    report = read_report(pytester)
    for test in report["tests"]:
        rule = test["nodeid"].split("[")[1].rstrip("]")
        [verdict] = test["verdicts"]
        assert [item["answer"] for item in verdict["items"]] == EXPECTED[rule], rule
        assert verdict["jury"] == ["a", "b", "c"] and verdict["jury_rule"] == rule
        assert verdict["judge"] == f"jury ({rule}): a, b, c"
    # one jury over every item it judged (4 tests x 4 questions), whatever the rule
    votes = [[True, True, True], [True, True, False], [True, False, False], [False, False, False]] * 4
    kappa = fleiss(votes)
    [jury] = report["totals"]["juries"]
    assert jury["jurors"] == ["a", "b", "c"] and sorted(jury["rules"]) == sorted(EXPECTED)
    assert jury["items"] == 16 and jury["fleiss_kappa"] == pytest.approx(kappa)
    assert [split["index"] for split in jury["split"]] == [2, 3] * 4
    assert jury["split"][0]["votes"] == {"a": True, "b": True, "c": False}
    result.stdout.fnmatch_lines([f"jury a, b, c (*): 16 items, Fleiss' kappa {kappa:.3f}, split on 8",
                                 "  test_jury.py::test_jury?majority?  #2 q2  (a YES · b YES · c NO)"])
    result.stdout.fnmatch_lines(["  ✓  2  q2", "       jurors: a YES · b YES · c NO (split)"])


def test_a_quorum_larger_than_the_jury_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_jury=JURY.replace('"quorum:3"]', '"quorum:4"]'))
    result = pytester.runpytest("-k", "quorum")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*CritiqueUsageError: critique: jury rule quorum:4 needs at least 4 jurors, "
                                 "the jury has 3"])


CONFIGURED_JURY = '''
import pytest
from pytest_critique import ScriptedJudge

@pytest.fixture
def critique_backend():
    return {
        "vendor/strict": ScriptedJudge({"fox": lambda r: "fox" in r and len(r) < 10}, name="vendor/strict"),
        "vendor/lenient": ScriptedJudge({"fox": lambda r: "fox" in r}, name="vendor/lenient"),
        "vendor/blind": ScriptedJudge({"fox": lambda r: False}, name="vendor/blind"),
    }
'''


def test_a_jury_configured_in_pyproject_runs_offline_through_a_backend_mapping(pytester: pytest.Pytester) -> None:
    pytester.makepyprojecttoml('[tool.pytest.ini_options]\n'
                               'critique_model = ["vendor/strict", "vendor/lenient", "vendor/blind"]\n')
    pytester.makeconftest(CONFIGURED_JURY)
    pytester.makepyfile(test_fox='''
        def test_short(critique):
            assert critique.checklist("a fox", items=["a fox?"]).passed          # 2 of 3 say YES

        def test_long(critique):
            assert not critique.checklist("a fox in the woods", items=["a fox?"]).passed   # 1 of 3
    ''')
    result = pytester.runpytest()
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["critique: judge=jury vendor/strict,vendor/lenient,vendor/blind (majority) *"])


def test_a_single_backend_cannot_serve_a_configured_jury(pytester: pytest.Pytester) -> None:
    one_backend = CONFIGURED_JURY.replace("return {", "return list({").replace("    }\n", "    }.values())[0]\n")
    pytester.makeconftest(one_backend)
    pytester.makepyfile(test_fox="def test_fox(critique):\n    critique.checklist('a fox', items=['a fox?'])\n")
    result = pytester.runpytest("--critique-model=vendor/strict,vendor/lenient")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*critique: the model setting names a jury, but the critique_backend fixture "
                                 "returns one backend*"])


ALTERNATING = '''
import itertools
import pytest
from pytest_critique import ScriptedJudge

@pytest.fixture
def critique_backend():
    answers = itertools.cycle([True, False, True, False, True])   # YES 3/5 for one question
    return ScriptedJudge(answer=lambda question, response, **context: next(answers))

def test_vote(critique):
    assert critique.checklist("x", items=["Is it good?"]).passed
'''


@pytest.mark.parametrize(("args", "outcome", "shown"), [
    ([], {"passed": 1}, "  ✓  1  [[]YES 3/5 · unstable] Is it good?"),
    (["--critique-min-agreement=0.6"], {"passed": 1}, "  ✓  1  [[]YES 3/5] Is it good?"),
    (["--critique-on-unstable=error"], {"unscored": 1},
     "       UNSCORED: unstable verdict: YES 3/5 (agreement 0.60 < min_agreement 0.70)*"),
])
def test_unstable_votes(pytester: pytest.Pytester, args: list[str],
                        outcome: dict[str, int], shown: str) -> None:
    pytester.makeini("[pytest]\ncritique_concurrency = 1\n")  # votes in a known order
    pytester.makepyfile(test_votes=ALTERNATING)
    result = pytester.runpytest("--critique-samples=5", "-rA", *args)
    assert result.parseoutcomes() == outcome
    result.stdout.fnmatch_lines([shown])
    if not args:
        result.stdout.fnmatch_lines(["unstable verdicts (1): sampled votes agreed less than min_agreement",
                                     "  test_votes.py::test_vote  #1 Is it good? [[]YES 3/5]"])


def test_an_unstable_first_error_location_can_refuse_to_decide(pytester: pytest.Pytester) -> None:
    pytester.makeconftest('''
        import itertools
        import pytest
        from pytest_critique import OfflineJudge

        class Wavering(OfflineJudge):
            name = "wavering"
            located = itertools.cycle([2, 3, 2])
            def locate_error(self, *, steps, problem):
                return next(self.located), "scripted location"

        @pytest.fixture
        def critique_backend():
            return Wavering()
    ''')
    pytester.makeini("[pytest]\ncritique_concurrency = 1\n")
    pytester.makepyfile(test_wavering="def test_steps(critique):\n    critique.steps(['a', 'b', 'c'], samples=3)\n")
    marked = pytester.runpytest("-rA")
    marked.stdout.fnmatch_lines(["  located by 3 samples: 2, 3, 2 (agreement 0.67, unstable: below min_agreement "
                                 "0.70)"])
    refused = pytester.runpytest("--critique-on-unstable=error")
    assert refused.parseoutcomes() == {"unscored": 1}


RUBRIC_TESTS = '''
import pytest
from pytest_critique import CritiqueUsageError

RUBRIC = {"criteria": "Is the answer complete?",
          "scores": {1: "Nothing useful.", 2: "A hint.", 3: "Half of it.", 4: "Nearly all.", 5: "All of it."}}

def test_graded_high(critique):
    verdict = critique.rubric("complete answer", rubric=RUBRIC)
    assert verdict.score == 5 and verdict.passed

def test_graded_low(critique):
    assert critique.rubric("half answer", rubric=RUBRIC, min_score=4).passed

def test_out_of_range(critique):
    critique.rubric("broken", rubric=RUBRIC)

def test_a_rubric_needs_every_score(critique):
    with pytest.raises(CritiqueUsageError, match=r"scores must describe each of 1, 2, 3, 4 and 5, got \\[1, 5\\]"):
        critique.rubric("x", rubric={"criteria": "c", "scores": {1: "bad", 5: "good"}})
'''


def test_rubric_grades(pytester: pytest.Pytester) -> None:
    pytester.makeconftest('''
        import pytest
        from pytest_critique import ScriptedJudge

        def grade(response, **context):
            return {"complete answer": (5, "all there"), "half answer": (3, "half there")}.get(response, 9)

        @pytest.fixture
        def critique_backend():
            return ScriptedJudge(grade=grade, name="grader")
    ''')
    pytester.makepyfile(test_rubric=RUBRIC_TESTS)
    result = pytester.runpytest("--critique-report=report.json")
    assert result.parseoutcomes() == {"passed": 2, "failed": 1, "unscored": 1}
    result.stdout.fnmatch_lines([
        "rubric · judge grader (offline) · score 3/5 (min 4) · 1 judge call, 0 cached",
        "  criteria: Is the answer complete?",
        "  3: Half of it.",
        "       half there",
    ])
    result.stdout.fnmatch_lines(["*critique: rubric grade unscored: grader answered rubric.grade with unusable "
                                 "data: the reply does not have the expected shape (score: *"])
    assert read_report(pytester)["totals"]["rubric_scores"] == [5, 3]


def test_compare_by_checklist_pass_rates(scripted_conftest: pytest.Pytester) -> None:
    scripted_conftest.makepyfile(test_cl='''
        def test_checklist_compare(critique):
            verdict = critique.compare("a fox\\nin autumn\\nthree", "a dog", method="checklist",
                                       items=["Does it mention a fox?", "Is it three lines long?"])
            assert verdict.winner == "a" and (verdict.a_pass_rate, verdict.b_pass_rate) == (1.0, 0.0)
            assert verdict.passed and verdict.consistent is None
    ''')
    result = scripted_conftest.runpytest("-rA")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["compare · judge scripted (offline) · checklist pass rates · winner a *",
                                 "  pass rate a 1.00 · b 0.00",
                                 "     1  Does it mention a fox?  (a YES · b NO)"])


def write_recorded(pytester: pytest.Pytester, name: str, short: str) -> None:
    rows = [{"question": "Mentions a fox?", "response": "a fox", "verdict": "YES"},
            {"question": "Is it short?", "response": "a fox", "verdict": short}]
    (pytester.path / name).write_text("\n".join(json.dumps(row) for row in rows), encoding="utf-8")


def test_drift_lists_the_verdicts_a_new_judge_changed(pytester: pytest.Pytester, plugin_args: list[str]) -> None:
    write_recorded(pytester, "old.jsonl", "YES")
    write_recorded(pytester, "new.jsonl", "NO")
    pytester.makepyfile(test_fox='''
        def test_fox(critique):
            critique.checklist("a fox", items=["Mentions a fox?", "Is it short?"], threshold=0)
    ''')
    first = pytester.runpytest("--critique-model=recorded:old.jsonl", *plugin_args)
    first.stdout.no_fnmatch_line("drift (*")
    again = pytester.runpytest("--critique-model=recorded:old.jsonl", "--critique-cache=refresh", *plugin_args)
    again.stdout.no_fnmatch_line("drift (*")  # the same judge, the same verdicts
    changed = pytester.runpytest("--critique-model=recorded:new.jsonl", "--critique-report=report.json", "-rA",
                                 *plugin_args)
    changed.stdout.fnmatch_lines([
        "  changed since the cached verdict (1 change):",
        "    ~ Is it short?: YES (recorded:old.jsonl@*) -> NO (recorded:new.jsonl@*)",
    ])
    changed.stdout.fnmatch_lines(["drift (1): verdicts that changed since the cached ones",
                                  "  test_fox.py::test_fox  Is it short?: YES (recorded:old.jsonl@*) -> "
                                  "NO (recorded:new.jsonl@*)"])
    [drift] = read_report(pytester)["totals"]["drift"]
    assert (drift["nodeid"], drift["what"], drift["before"], drift["after"]) == (
        "test_fox.py::test_fox", "Is it short?", "YES", "NO")


def test_jurors_are_never_drift_of_each_other(pytester: pytest.Pytester) -> None:
    write_recorded(pytester, "old.jsonl", "YES")
    write_recorded(pytester, "new.jsonl", "NO")
    pytester.makepyfile(test_fox='''
        def test_fox(critique):
            critique.checklist("a fox", items=["Mentions a fox?", "Is it short?"], threshold=0,
                               jury_rule="quorum:1")
    ''')
    result = pytester.runpytest("--critique-model=recorded:old.jsonl,recorded:new.jsonl", "-rA")
    result.assert_outcomes(passed=1)
    result.stdout.no_fnmatch_line("drift (*")
    result.stdout.no_fnmatch_line("*changed since the cached verdict*")
