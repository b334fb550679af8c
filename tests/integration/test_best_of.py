"""critique.best_of(): candidates ranked by their pass rate on one checklist, through pytest.

The judge is the counting judge of conftest.py (YES when a question's last word is in the response,
cacheable, every request logged): a candidate's pass rate is the share of the words it contains.
"""

from __future__ import annotations

import json

import pytest
from conftest import CountingJudgeFiles

RANKED = '''
import pytest

ITEMS = ["Does it mention a fox?", "Does it mention autumn?", "Does it mention the moon?", "Does it mention rain?"]
# pass rates 0.50, 1.00, 0.25, 0.75, 1.00, 0.50: ties go to the earlier candidate
CANDIDATES = ["fox autumn", "fox autumn moon rain", "fox", "fox moon rain", "rain moon autumn fox", "moon rain"]


def app_choice(candidates):
    return 1  # what the app under test picked


def test_ranked(critique):
    verdict = critique.best_of(CANDIDATES, items=ITEMS)
    assert verdict.ranking == [1, 4, 3, 0, 5, 2]
    assert verdict.winner_index == app_choice(CANDIDATES)
    assert verdict.winner == "fox autumn moon rain"
    assert [c.pass_rate for c in verdict.candidates] == [0.5, 1.0, 0.25, 0.75, 1.0, 0.5]
    assert verdict.passed


@pytest.mark.parametrize("count", [1, 7])
def test_one_checklist_whatever_n(critique, count):
    verdict = critique.best_of([f"a fox, draft {number}" for number in range(count)],
                               instruction=f"Write about a fox in autumn ({count} drafts).")
    assert verdict.winner_index == 0 and len(verdict.candidates) == count


def test_the_best_is_not_good_enough__fails(critique):
    verdict = critique.best_of(["a cat", "a fox", "a cat"], items=ITEMS[:2])
    assert verdict.winner_index == 1
    assert verdict.passed
'''


def test_the_ranking_is_exact_and_the_checklist_is_generated_once_whatever_n(
        pytester: pytest.Pytester, counting: CountingJudgeFiles) -> None:
    pytester.makepyfile(test_pick=RANKED)
    result = pytester.runpytest("-rA", "--critique-report=report.json")
    assert result.parseoutcomes() == {"passed": 3, "failed": 1}
    tasks = [call["task"] for call in counting.calls()]
    assert tasks.count("tick.generate") == 2  # one per test: 1 candidate, then 7
    questions = [call["question"] for call in counting.calls() if call["task"] == "tick.item"]
    assert len(questions) == 6 * 4 + 2 * (1 + 7) + 2 * 2  # the repeated "a cat" is judged once
    result.stdout.fnmatch_lines(["FAILED test_pick.py::test_the_best_is_not_good_enough__fails - critique: no "
                                 "candidate of 3 passes; the best, [[]1], has pass rate 0.50 < threshold 1.00"])
    result.stdout.fnmatch_lines([
        "best of · judge counting (offline) · 3 candidates · 2 items · best [[]1] (threshold 1.00) · "
        "4 judge calls, 0 cached",
        "  ranking (pass rate, then the earlier candidate): [[]1] 0.50 · [[]0] 0.00 · [[]2] 0.00",
        "  [[]0] pass rate 0.00 · 5 characters:",
        "      a cat",
        "  [[]1] pass rate 0.50 · 5 characters:",
        "      a fox",
        "  [[]2] pass rate 0.00 · the same text as [[]0]",
        "  [[]0] [[]1] [[]2]  candidate",
        "   ✗   ✓   ✗   1  Does it mention a fox?",
        "   ✗   ✗   ✗   2  Does it mention autumn?",
        "       [[]1]: looked for 'autumn'",
    ], consecutive=True)
    result.stdout.fnmatch_lines(["*_ test_ranked _*", "*- critique -*",
                                 "  ranking (pass rate, then the earlier candidate): [[]1] 1.00 · [[]4] 1.00 · "
                                 "[[]3] 0.75 · [[]0] 0.50 · [[]5] 0.50 · [[]2] 0.25"])
    result.stdout.fnmatch_lines(["best of: 4 selections from 17 candidates, 3 whose best candidate failed its "
                                 "checklist"])
    result.stdout.fnmatch_lines(["  test_pick.py::test_the_best_is_not_good_enough__fails  #2 Does it mention "
                                 "autumn? (best candidate [[]1])"])
    report = json.loads((pytester.path / "report.json").read_text(encoding="utf-8"))
    assert report["totals"]["best_of"] == {"selections": 4, "candidates": 17, "winners_failing": 3, "unscored": 0}
    ranked = next(test for test in report["tests"] if test["nodeid"].endswith("test_ranked"))
    [verdict] = ranked["verdicts"]
    assert (verdict["kind"], verdict["ranking"], verdict["winner_index"]) == ("best_of", [1, 4, 3, 0, 5, 2], 1)

    counting.reset()
    again = pytester.runpytest("-rA")
    assert again.parseoutcomes() == {"passed": 3, "failed": 1}
    assert counting.calls() == []


HOSTILE = '''
import pytest

ITEMS = ["Does it mention a fox?"]


def test_empty(critique):
    critique.best_of([], items=ITEMS)


def test_one_string(critique):
    critique.best_of("a fox", items=ITEMS)


def test_not_text(critique):
    critique.best_of(["a fox", None], items=ITEMS)


def test_no_checklist(critique):
    critique.best_of(["a fox"])


def test_unusable_reply(critique):
    critique.best_of(["a fox", "a cat"], items=["Is it good??", *ITEMS])


def test_expected(critique):
    critique.expect.best_of(["a cat", "a dog"], items=ITEMS)
'''


def test_hostile_candidates_and_unusable_replies(pytester: pytest.Pytester, counting: CountingJudgeFiles) -> None:
    pytester.makepyfile(test_hostile=HOSTILE)
    result = pytester.runpytest("-rA")
    assert result.parseoutcomes() == {"failed": 5, "unscored": 1}
    result.stdout.fnmatch_lines(["*candidates is empty; give at least one response to rank"])
    result.stdout.fnmatch_lines(["*candidates must be a list of responses, got str"])
    result.stdout.fnmatch_lines(["*candidates[[]1] must be a str, got NoneType"])
    result.stdout.fnmatch_lines(["*best_of() needs instruction=... (to generate a checklist) or items=[[]...]*"])
    result.stdout.fnmatch_lines(["UNSCORED test_hostile.py::test_unusable_reply - critique: 2 of 2 candidates "
                                 "unscored, no ranking: candidate [[]0] item 1: *"])
    result.stdout.fnmatch_lines(["FAILED test_hostile.py::test_expected - *no candidate of 2 passes; the best, "
                                 "[[]0], has pass rate 0.00 < threshold 1.00*"])
