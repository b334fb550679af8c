"""Batch mode: one judge call per checklist (per sample) instead of one per question."""

from __future__ import annotations

import pytest

THREE_QUESTIONS = """
def test_batch(critique):
    verdict = critique.checklist("a fox in autumn", items=["Does it mention a fox?", "Does it mention autumn?",
                                                           "Does it mention winter?"])
    print("BATCH", verdict.batch, "CALLS", verdict.usage.calls, "ANSWERS", [item.answer for item in verdict.items])
    assert verdict.pass_rate > 0.5
"""


def test_batch_flag_makes_one_call_per_checklist(counting, pytester: pytest.Pytester, read_report) -> None:
    pytester.makepyfile(test_batched=THREE_QUESTIONS)
    result = pytester.runpytest("-s", "-rA", "--critique-batch", "--critique-report=report.json")
    result.assert_outcomes(passed=1)
    [call] = counting.calls()
    assert call["task"] == "tick.batch"
    assert call["questions"] == ["Does it mention a fox?", "Does it mention autumn?", "Does it mention winter?"]
    result.stdout.fnmatch_lines([
        "*BATCH True CALLS 1 ANSWERS [[]True, True, False]*",
        "checklist · judge counting (offline) · 3 items · pass rate 0.67 (threshold 1.00) · 1 judge call, 0 cached",
    ])
    report = read_report()
    assert report["settings"]["batch"] is True
    assert report["totals"]["usage"]["calls"] == 1
    assert report["tests"][0]["verdicts"][0]["batch"] is True


def test_without_batch_each_question_is_a_call(counting, pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_batched=THREE_QUESTIONS)
    result = pytester.runpytest("-s")
    result.assert_outcomes(passed=1)
    calls = counting.calls()
    assert [call["task"] for call in calls] == ["tick.item"] * 3
    assert sorted(call["question"] for call in calls) == ["Does it mention a fox?", "Does it mention autumn?",
                                                         "Does it mention winter?"]
    result.stdout.fnmatch_lines(["*BATCH False CALLS 3 ANSWERS [[]True, True, False]*"])


@pytest.mark.parametrize("how", ["ini", "env"])
def test_batch_from_ini_and_environment(counting, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch,
                                        how: str) -> None:
    if how == "ini":
        pytester.makeini("[pytest]\ncritique_batch = true\n")
    else:
        monkeypatch.setenv("CRITIQUE_BATCH", "1")
    pytester.makepyfile(test_batched=THREE_QUESTIONS)
    pytester.runpytest().assert_outcomes(passed=1)
    assert [call["task"] for call in counting.calls()] == ["tick.batch"]


def test_batch_with_samples_makes_one_call_per_sample(counting, pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_batched=THREE_QUESTIONS)
    result = pytester.runpytest("-s", "--critique-batch", "--critique-samples=3")
    result.assert_outcomes(passed=1)
    calls = counting.calls()
    assert sorted(call["sample"] for call in calls) == [0, 1, 2]
    assert {call["task"] for call in calls} == {"tick.batch"}
    result.stdout.fnmatch_lines(["*CALLS 3 ANSWERS [[]True, True, False]*"])


def test_batch_verdicts_are_cached(counting, pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_batched=THREE_QUESTIONS)
    pytester.runpytest("--critique-batch").assert_outcomes(passed=1)
    result = pytester.runpytest("-rA", "--critique-batch")
    result.assert_outcomes(passed=1)
    assert len(counting.calls()) == 1
    # the header counts requests, as its judge calls: one batch request came from the cache
    result.stdout.fnmatch_lines(["checklist · judge counting (offline) · 3 items · * · 0 judge calls, 1 cached"])


def test_batch_is_all_or_nothing(counting, pytester: pytest.Pytester) -> None:
    """One question without an answer leaves the whole batched checklist UNSCORED."""
    pytester.makepyfile(
        test_batched="""
        def test_batch(critique):
            critique.checklist("a fox", items=["Does it mention a fox?", "Is it good??"])
        """
    )
    result = pytester.runpytest("--critique-batch")
    assert result.parseoutcomes() == {"unscored": 1}
    result.stdout.fnmatch_lines([
        "  test_batched.py::test_batch  critique: 2 of 2 checklist items unscored: items 1-2: counting has no "
        "answer for question 'Is it good??'*",
    ])


def test_a_batch_reply_with_too_few_unnumbered_answers_is_repaired_once(pytester: pytest.Pytester) -> None:
    """A model-like judge first answers one question of two without saying which, then complies after the
    repair request."""
    pytester.makeconftest(
        """
        import json
        import pytest
        from pytest_critique import Reply

        class Sloppy:
            name = "sloppy-model"
            offline = False
            cacheable = False

            def __init__(self):
                self.repairs = []

            def complete(self, call):
                answers = [{"question": number, "reasoning": "ok", "answer": "YES"}
                           for number, _ in enumerate(call.fields["questions"], start=1)]
                if call.repair is None:
                    return Reply(text=json.dumps({"answers": [{"answer": "YES"}]}))
                self.repairs.append(call.repair[1])
                return Reply(text="```json\\n" + json.dumps({"answers": answers}) + "\\n```")

        @pytest.fixture
        def critique_backend():
            return Sloppy()
        """
    )
    pytester.makepyfile(
        test_batched="""
        def test_batch(critique, critique_backend):
            verdict = critique.checklist("a fox", items=["Is it a fox?", "Is it red?"], batch=True)
            assert verdict.passed
            assert verdict.usage.calls == 2
            assert critique_backend.repairs == ["expected 2 answers, one per question in order, got 1"]
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["judge sloppy-model · 1 test · 2 verdicts (0 cached) · 2 judge calls · 0 tokens"])


NUMBERED_PARTIAL = """
import json
import pytest
from pytest_critique import Reply


class Partial:
    name = "partial-model"
    offline = False
    cacheable = False

    def __init__(self):
        self.tasks = []

    def complete(self, call):
        self.tasks.append(call.task)
        if call.task == "tick.batch":  # answers questions 1 and 3 of 3, saying which
            return Reply(text=json.dumps({"answers": [{"question": 1, "answer": "YES"},
                                                      {"question": 3, "answer": "NO"}]}))
        assert call.fields["question"] == "Is it red?"
        return Reply(text="The fox is red.\\nANSWER: YES")


@pytest.fixture(scope="session")
def critique_backend():
    return Partial()
"""


def test_a_batch_that_leaves_out_numbered_questions_asks_only_those_again(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(NUMBERED_PARTIAL)
    pytester.makepyfile(
        test_batched="""
        def test_batch(critique, critique_backend):
            verdict = critique.checklist("a red fox", items=["Is it a fox?", "Is it red?", "Is it blue?"],
                                         batch=True, threshold=0.5)
            assert [item.answer for item in verdict.items] == [True, True, False]
            assert critique_backend.tasks == ["tick.batch", "tick.item"]
            assert verdict.usage.calls == 2
        """
    )
    pytester.runpytest().assert_outcomes(passed=1)
