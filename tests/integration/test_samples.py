"""Several samples per question: votes, agreement, majority, ties, temperature."""

from __future__ import annotations

import pytest

# A judge that answers YES, NO, YES, NO... in call order (calls run one at a time: the ini
# file sets concurrency 1), with the call number as the reason.
ALTERNATING_CONFTEST = """
import itertools
import threading

import pytest
from pytest_critique import ScriptedJudge


@pytest.fixture
def critique_backend():
    counter = itertools.count()
    lock = threading.Lock()

    def alternate(question, response, **context):
        with lock:
            number = next(counter)
        return number % 2 == 0, f"call {number}"

    return ScriptedJudge(answer=alternate)
"""

TWO_QUESTIONS = """
def test_votes(critique):
    verdict = critique.checklist("a fox", items=["Does it mention a fox?", "Does it mention autumn?"])
    assert verdict.passed
"""


@pytest.fixture
def alternating(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeconftest(ALTERNATING_CONFTEST)
    pytester.makeini("[pytest]\ncritique_concurrency = 1\n")
    return pytester


def test_three_samples_majority_and_votes(alternating: pytest.Pytester,
                                          read_report) -> None:
    alternating.makepyfile(test_votes=TWO_QUESTIONS)
    result = alternating.runpytest("--critique-samples=3", "--critique-report=report.json")
    result.assert_outcomes(failed=1)
    # question 1 got YES, NO, YES; question 2 got NO, YES, NO
    result.stdout.fnmatch_lines([
        "checklist · judge scripted (offline) · 2 items · pass rate 0.50 (threshold 1.00) · 6 judge calls, 0 cached",
        "  ✓  1  [[]YES 2/3 · unstable] Does it mention a fox?",
        "  ✗  2  [[]NO 2/3 · unstable] Does it mention autumn?",
        "       call 3",
        "judge scripted (offline) · 1 test · 2 verdicts (0 cached) · 6 judge calls · 0 tokens",
        "pooled pass rate 1/2 = 0.500",
    ])
    [test] = read_report()["tests"]
    [verdict] = test["verdicts"]
    assert verdict["samples"] == 3
    first, second = verdict["items"]
    assert [vote["answer"] for vote in first["votes"]] == [True, False, True]
    assert [vote["reason"] for vote in first["votes"]] == ["call 0", "call 1", "call 2"]
    assert first["answer"] is True
    assert first["agreement"] == pytest.approx(2 / 3)
    assert first["reason"] == "call 0"  # the reason of the first vote that agrees with the majority
    assert [vote["answer"] for vote in second["votes"]] == [False, True, False]
    assert second["answer"] is False
    assert second["agreement"] == pytest.approx(2 / 3)
    assert second["reason"] == "call 3"


def test_a_tie_is_no(alternating: pytest.Pytester) -> None:
    alternating.makepyfile(
        test_tie="""
        import pytest

        @pytest.mark.critique(samples=2)
        def test_tie(critique):
            verdict = critique.checklist("a fox", items=["Does it mention a fox?"])
            item = verdict.items[0]
            print("VOTES", [vote.answer for vote in item.votes], "AGREEMENT", item.agreement)
            assert verdict.passed
        """
    )
    result = alternating.runpytest("-s")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "*VOTES [[]True, False] AGREEMENT 0.5*",
        "  ✗  1  [[]NO 1/2 · unstable] Does it mention a fox?",
        "       call 1",
        "FAILED test_tie.py::test_tie - critique: 1 of 1 checklist items failed",
    ])


def test_one_sample_shows_no_vote_count(alternating: pytest.Pytester) -> None:
    alternating.makepyfile(test_votes=TWO_QUESTIONS)
    result = alternating.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["  ✓  1  Does it mention a fox?", "  ✗  2  Does it mention autumn?"])
    result.stdout.no_fnmatch_line("*[[]YES *")


def test_samples_use_their_own_index_temperature_and_cache_entries(counting, pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_votes="""
        def test_votes(critique):
            verdict = critique.checklist("a fox", items=["Does it mention a fox?"], samples=3)
            assert verdict.passed and len(verdict.items[0].votes) == 3
        """
    )
    pytester.runpytest().assert_outcomes(passed=1)
    calls = counting.calls()
    assert sorted(call["sample"] for call in calls) == [0, 1, 2]
    assert {call["temperature"] for call in calls} == {0.7}  # sampled votes need some temperature
    pytester.runpytest().assert_outcomes(passed=1)
    assert len(counting.calls()) == 3  # each sample was cached under its own key
    pytester.runpytest("--critique-temperature=0.2").assert_outcomes(passed=1)
    assert {call["temperature"] for call in counting.calls()[3:]} == {0.2}


def test_one_sample_is_greedy(counting, pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_fox="def test_fox(critique):\n    critique.checklist('a fox', items=['Is it a fox?'])\n")
    pytester.runpytest().assert_outcomes(passed=1)
    assert [(call["sample"], call["temperature"]) for call in counting.calls()] == [(0, 0.0)]
