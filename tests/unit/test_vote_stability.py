"""Votes beyond tests/unit/test_vote_rules.py: every jury rule on every vote, jurors without a verdict,
failed samples, and stability of step locations, step votes and CheckEval questions."""

from __future__ import annotations

import itertools

import pytest

from pytest_critique.engine import Outcome
from pytest_critique.errors import JudgeFailure
from pytest_critique.judges.checkeval.verdicts import DimensionVerdict, QuestionVerdict, SubAspectVerdict
from pytest_critique.judges.steps_verdicts import StepsVerdict, StepVerdict
from pytest_critique.models import ItemVerdict, Vote
from pytest_critique.judges.votes import (is_unstable, jury_decides, jury_item, mark_unstable_questions,
                                   mark_unstable_steps, sample_majority)

# Every way three jurors can vote, and what each rule must decide, written out by hand.
#           votes                  majority unanimous quorum:1 quorum:2 quorum:3
THREE = {
    (False, False, False): (False, False, False, False, False),
    (True, False, False): (False, False, True, False, False),
    (False, True, False): (False, False, True, False, False),
    (False, False, True): (False, False, True, False, False),
    (True, True, False): (True, False, True, True, False),
    (True, False, True): (True, False, True, True, False),
    (False, True, True): (True, False, True, True, False),
    (True, True, True): (True, True, True, True, True),
}
RULES = ("majority", "unanimous", "quorum:1", "quorum:2", "quorum:3")


@pytest.mark.parametrize("votes", list(THREE))
def test_every_rule_on_every_vote_of_three_jurors(votes: tuple[bool, bool, bool]) -> None:
    assert tuple(jury_decides(list(votes), rule) for rule in RULES) == THREE[votes]


def test_an_even_jury_split_in_half_is_no_by_majority() -> None:
    assert jury_decides([True, False], "majority") is False
    assert jury_decides([True, True, False, False], "majority") is False
    assert jury_decides([True, True, True, False], "majority") is True
    assert jury_decides([True, False], "quorum:1") is True
    assert jury_decides([True, True, True, False], "unanimous") is False


def juror(answer: bool | None, reason: str = "", *, unstable: bool = False, error: str | None = None) -> ItemVerdict:
    return ItemVerdict(index=1, question="q?", answer=answer, reason=reason, unstable=unstable, error=error)


def test_a_jury_item_takes_the_reason_of_a_juror_on_the_winning_side() -> None:
    item = jury_item(1, "q?", [("a", juror(False, "a says no")), ("b", juror(True, "b says yes")),
                               ("c", juror(True, "c says yes"))], "majority")
    assert (item.answer, item.reason, item.error, item.unstable) == (True, "b says yes", None, False)
    assert item.agreement == pytest.approx(2 / 3)
    assert [(vote.judge, vote.answer) for vote in item.jurors] == [("a", False), ("b", True), ("c", True)]
    assert item.split
    strict = jury_item(1, "q?", [("a", juror(False, "a says no")), ("b", juror(True, "b says yes")),
                                 ("c", juror(True, "c says yes"))], "unanimous")
    assert (strict.answer, strict.reason) == (False, "a says no")
    assert strict.agreement == pytest.approx(1 / 3)


def test_a_juror_without_a_verdict_leaves_the_item_unscored() -> None:
    # the two jurors who answered would decide YES by majority; the jury still must not decide
    item = jury_item(2, "q?", [("a", juror(True, "yes")), ("b", juror(None, "no answer", error="b timed out")),
                               ("c", juror(True, "yes"))], "majority")
    assert item.answer is None and item.unscored
    assert item.error == item.reason == "juror b: b timed out"
    assert [vote.answer for vote in item.jurors] == [True, None, True]


def test_every_missing_juror_is_named_and_instability_is_kept() -> None:
    item = jury_item(1, "q?", [("a", juror(None, "no opinion")), ("b", juror(True, unstable=True)),
                               ("c", juror(None, "x", error="c refused"))], "quorum:1")
    assert item.answer is None
    assert item.error == "juror a: no opinion; juror c: c refused"
    assert item.unstable  # juror b's own votes split
    decided = jury_item(1, "q?", [("a", juror(True)), ("b", juror(True, unstable=True))], "unanimous")
    assert decided.answer is True and decided.unstable and decided.jurors[1].unstable


def outcomes(*answers: bool, failure: str | None = None) -> tuple[list[Outcome], list[dict[str, str] | None]]:
    made = [Outcome(data={"answer": "YES" if answer else "NO", "reasoning": f"vote {n}"})
            for n, answer in enumerate(answers)]
    data: list[dict[str, str] | None] = [outcome.data for outcome in made]
    if failure is not None:
        made.append(Outcome(failure=JudgeFailure(failure, "timeout")))
        data.append(None)
    return made, data


def test_a_three_to_two_majority_is_unstable_below_the_default_agreement() -> None:
    fields = sample_majority(*outcomes(True, False, True, False, True), min_agreement=0.7, on_unstable="report")
    assert (fields["answer"], fields["agreement"], fields.get("unstable")) == (True, 0.6, True)
    assert fields["reason"] == "vote 0" and "error" not in fields
    assert [vote.answer for vote in fields["votes"]] == [True, False, True, False, True]


def test_an_unstable_majority_refuses_to_decide_on_error() -> None:
    fields = sample_majority(*outcomes(True, False, True, False, True), min_agreement=0.7, on_unstable="error")
    assert fields["answer"] is None and fields["unstable"]
    assert fields["error"] == ("unstable verdict: YES 3/5 (agreement 0.60 < min_agreement 0.70); "
                               "on_unstable='error' refuses to decide on it")


@pytest.mark.parametrize(("answers", "min_agreement", "answer", "unstable"), [
    ((True, False, True, False, True), 0.6, True, False),    # exactly at the minimum: stable
    ((True, True, True, True, False), 0.7, True, False),     # 4/5 = 0.8
    ((False, False, True, False, False), 0.8, False, False),  # NO 4/5
    ((True, False, True, False), 0.0, False, False),          # a tie is NO; nothing is unstable below 0
    ((True, False, True, False), 0.7, False, True),           # NO 2/4
    ((False,), 1.0, False, False),                            # one vote cannot disagree
])
def test_majority_and_stability(answers: tuple[bool, ...], min_agreement: float, answer: bool,
                                unstable: bool) -> None:
    for on_unstable in ("report", "error"):
        fields = sample_majority(*outcomes(*answers), min_agreement=min_agreement, on_unstable=on_unstable)
        expected = None if unstable and on_unstable == "error" else answer
        assert (fields["answer"], fields.get("unstable", False)) == (expected, unstable), on_unstable


def test_a_failed_sample_makes_the_item_unscored_whatever_the_others_say() -> None:
    fields = sample_majority(*outcomes(True, True, failure="judge timed out"), min_agreement=0.7,
                             on_unstable="report")
    assert fields == {"answer": None, "reason": "judge timed out", "error": "judge timed out"}


def test_is_unstable_needs_two_votes_and_an_agreement() -> None:
    assert is_unstable(0.5, 2, 0.7)
    assert not is_unstable(0.5, 1, 0.7)
    assert not is_unstable(None, 3, 0.7)
    assert not is_unstable(0.7, 10, 0.7)


def test_unstable_first_error_location() -> None:
    def located() -> StepsVerdict:
        return StepsVerdict(judge="j", mode="first_error", located_votes=[2, 3, 2], agreement=2 / 3,
                            steps=[StepVerdict(index=1, text="a", status="correct"),
                                   StepVerdict(index=2, text="b", status="wrong"),
                                   StepVerdict(index=3, text="c", status="not_judged")])

    reported = located()
    mark_unstable_steps(reported, 0.7, "report")
    assert reported.unstable and reported.first_error == 2 and not reported.unscored_steps
    stable = located()
    mark_unstable_steps(stable, 0.6, "error")
    assert not stable.unstable and stable.first_error == 2
    refused = located()
    mark_unstable_steps(refused, 0.7, "error")
    assert [step.status for step in refused.steps] == ["unscored"] * 3
    assert refused.steps[0].error is not None and refused.steps[0].error.startswith(
        "unstable verdict: samples located 2, 3, 2 (agreement 0.67 < min_agreement 0.70)")


def test_unstable_step_votes_per_step() -> None:
    def votes(*answers: bool) -> list[Vote]:
        return [Vote(answer=answer) for answer in answers]

    def judged() -> StepsVerdict:
        return StepsVerdict(judge="j", mode="per_step", steps=[
            StepVerdict(index=1, text="a", status="correct", votes=votes(True, True, True), agreement=1.0),
            StepVerdict(index=2, text="b", status="correct", votes=votes(True, False, True), agreement=2 / 3),
            StepVerdict(index=3, text="c", status="wrong", votes=votes(False, True, False), agreement=2 / 3)])

    reported = judged()
    mark_unstable_steps(reported, 0.7, "report")
    assert [step.unstable for step in reported.steps] == [False, True, True]
    assert [step.status for step in reported.steps] == ["correct", "correct", "wrong"]
    refused = judged()
    mark_unstable_steps(refused, 0.7, "error")
    assert [step.status for step in refused.steps] == ["correct", "unscored", "unscored"]
    assert refused.steps[1].error is not None and refused.steps[1].error.startswith(
        "unstable verdict: correct 2/3 (agreement 0.67")
    assert refused.steps[2].error is not None and refused.steps[2].error.startswith(
        "unstable verdict: wrong 2/3 (agreement 0.67")


def test_unstable_checkeval_questions() -> None:
    def judged() -> list[DimensionVerdict]:
        steady = QuestionVerdict(index=1, text="steady?", answer=True, votes=[True, True, True])
        wavering = QuestionVerdict(index=2, text="wavering?", answer=False, votes=[False, True, False])
        other = SubAspectVerdict(name="other", questions=[QuestionVerdict(index=1, text="x?", answer=True,
                                                                          votes=[True, True, True])])
        return [DimensionVerdict(name="d", sub_aspects=[SubAspectVerdict(name="s", questions=[steady, wavering]),
                                                        other])]

    reported = judged()
    mark_unstable_questions(reported, 0.7, "report")
    questions = reported[0].sub_aspects[0].questions
    assert [question.unstable for question in questions] == [False, True]
    assert reported[0].sub_aspects[0].error is None and reported[0].score == pytest.approx(2 / 3)
    refused = judged()
    mark_unstable_questions(refused, 0.7, "error")
    sub_aspect, other = refused[0].sub_aspects
    assert sub_aspect.error is not None and sub_aspect.error.startswith(
        "unstable verdict: Q2 NO 2/3 (agreement 0.67 < min_agreement 0.70)")
    assert [question.answer for question in sub_aspect.questions] == [None, None]
    assert sub_aspect.score is None and refused[0].score is None
    assert other.error is None and other.score == 1.0
    relaxed = judged()
    mark_unstable_questions(relaxed, 0.6, "error")
    assert not any(question.unstable for question in relaxed[0].questions) and relaxed[0].sub_aspects[0].error is None


def test_jury_decisions_agree_with_a_count_of_yes_votes_for_every_jury_up_to_five() -> None:
    for size in range(2, 6):
        for votes in itertools.product([False, True], repeat=size):
            yes = sum(votes)
            assert jury_decides(list(votes), "majority") is (yes > size / 2)
            assert jury_decides(list(votes), "unanimous") is (yes == size)
            for quorum in range(1, size + 1):
                assert jury_decides(list(votes), f"quorum:{quorum}") is (yes >= quorum)
