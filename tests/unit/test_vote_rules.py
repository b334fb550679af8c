"""Deciding from votes: sample majorities, stability and jury rules."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from pytest_critique.errors import CritiqueUsageError
from pytest_critique.models import ItemVerdict
from pytest_critique.judges.votes import check_rule, jury_decides, jury_item, sample_majority


def outcomes(*answers: str) -> tuple[list[SimpleNamespace], list[dict[str, str]]]:
    made = [SimpleNamespace(failure=None, cached=False, exchange=None) for _ in answers]
    return made, [{"answer": answer, "reasoning": f"said {answer}"} for answer in answers]


@pytest.mark.parametrize(("answers", "rule", "expected"), [
    ((True, True, False), "majority", True),
    ((True, False), "majority", False),  # a tie is NO
    ((True, True, False), "unanimous", False),
    ((True, True, True), "unanimous", True),
    ((True, False, False), "quorum:1", True),
    ((True, False, False), "quorum:2", False),
    ((False, False, False), "quorum:1", False),
])
def test_jury_rules(answers: tuple[bool, ...], rule: str, expected: bool) -> None:
    assert jury_decides(answers, rule) is expected


def test_a_quorum_needs_that_many_jurors() -> None:
    check_rule("quorum:3", 3)
    with pytest.raises(CritiqueUsageError, match="quorum:4 needs at least 4 jurors, the jury has 3"):
        check_rule("quorum:4", 3)


def test_a_juror_without_a_verdict_leaves_the_item_unscored() -> None:
    judged = [("a", ItemVerdict(index=1, question="q", answer=True)),
              ("b", ItemVerdict(index=1, question="q", answer=None, error="timed out"))]
    item = jury_item(1, "q", judged, "quorum:1")
    assert item.answer is None and item.error == "juror b: timed out"
    assert [juror.judge for juror in item.jurors] == ["a", "b"]


def test_jury_agreement_is_the_share_agreeing_with_the_decision() -> None:
    judged = [(name, ItemVerdict(index=1, question="q", answer=answer, reason=name))
              for name, answer in (("a", True), ("b", False), ("c", True))]
    item = jury_item(1, "q", judged, "majority")
    assert item.answer is True and item.agreement == pytest.approx(2 / 3) and item.reason == "a"
    assert item.split


@pytest.mark.parametrize(("answers", "minimum", "on_unstable", "expected"), [
    (("YES", "YES", "NO", "NO", "YES"), 0.7, "report", {"answer": True, "unstable": True}),
    (("YES", "YES", "NO", "NO", "YES"), 0.6, "report", {"answer": True, "unstable": False}),
    (("YES", "YES", "NO", "NO", "YES"), 0.7, "error", {"answer": None, "unstable": True}),
    (("NO", "YES"), 0.7, "report", {"answer": False, "unstable": True}),
    (("YES",), 1.0, "error", {"answer": True, "unstable": False}),  # one vote cannot disagree
])
def test_sample_majority_and_stability(answers: tuple[str, ...], minimum: float, on_unstable: str,
                                       expected: dict[str, object]) -> None:
    fields = sample_majority(*outcomes(*answers), min_agreement=minimum, on_unstable=on_unstable)
    assert fields["answer"] is expected["answer"]
    assert fields.get("unstable", False) is expected["unstable"]
    if expected["answer"] is None:
        assert fields["error"].startswith("unstable verdict: YES 3/5 (agreement 0.60 < min_agreement 0.70)")


@pytest.mark.parametrize("answer", ["YES", "NO"])
def test_one_sample_gives_the_fields_two_agreeing_samples_give(answer: str) -> None:
    # One sample is read without counting votes; it must say what a unanimous majority says.
    from pytest_critique.models import Exchange

    shown = Exchange(request=[{"role": "user", "content": "q"}], reply="r")
    one, one_answers = outcomes(answer)
    two, two_answers = outcomes(answer, answer)
    for made in (one, two):
        made[0].exchange, made[0].cached = shown, True
        made[-1].cached = True
    single = sample_majority(one, one_answers, min_agreement=0.9, on_unstable="error")
    double = sample_majority(two, two_answers, min_agreement=0.9, on_unstable="error")
    assert {**single, "votes": single["votes"] * 2} == double
    assert ("exchange" in single) is (answer == "NO")  # kept only behind a verdict that did not pass
