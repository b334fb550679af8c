"""The checklist-writing tasks of define_dimension(): reply schemas and the checks that need the request."""

from __future__ import annotations

import json
from typing import Any

import pytest

from pytest_critique.backends.base import JudgeCall, Reply
from pytest_critique.judges.checkeval.define import normalised
from pytest_critique.tasks import ReplyProblem
from pytest_critique.judges.checkeval.define import AUGMENT, FILTER, MAX_QUESTIONS, SEED

CONTEXT = {"dimension": "tone", "definition": "The reply is polite."}


def seed_call(sub_aspects: list[str] | None = None) -> JudgeCall:
    return JudgeCall(task=SEED.name, template=SEED.template, fields={**CONTEXT, "sub_aspects": sub_aspects or []})


def filter_call(count: int) -> JudgeCall:
    return JudgeCall(task=FILTER.name, template=FILTER.template,
                     fields={**CONTEXT, "sub_aspect": "Politeness",
                             "candidates": [f"Question {n}?" for n in range(1, count + 1)]})


def augment_call() -> JudgeCall:
    return JudgeCall(task=AUGMENT.name, template=AUGMENT.template,
                     fields={**CONTEXT, "sub_aspect": "Politeness", "questions": ["Is it polite?"],
                             "mode": "diversify", "limit": MAX_QUESTIONS})


def read(task: Any, call: JudgeCall, data: Any) -> dict[str, Any]:
    return task.read(Reply(text=json.dumps(data), finish_reason="stop"), call)


# --- seeds --------------------------------------------------------------------------------------------


def test_seeds_strip_list_markers_from_questions() -> None:
    data = read(SEED, seed_call(), {"sub_aspects": [
        {"name": "Politeness", "questions": ["1. Is the reply polite?", "- Does it thank the customer?",
                                             "Q3: Does it greet the customer?"]}]})
    assert data["sub_aspects"][0]["questions"] == ["Is the reply polite?", "Does it thank the customer?",
                                                   "Does it greet the customer?"]


def test_seeds_read_from_a_fenced_block_in_prose() -> None:
    text = 'Here you go:\n```json\n{"sub_aspects": [{"name": "Calm", "questions": ["Is it calm?"]}]}\n```'
    data = SEED.read(Reply(text=text, finish_reason="stop"), seed_call())
    assert data["sub_aspects"] == [{"name": "Calm", "questions": ["Is it calm?"]}]


@pytest.mark.parametrize(("sub_aspects", "message"), [
    ([], "the reply does not have the expected shape"),
    ([{"name": f"S{n}", "questions": ["Is it?"]} for n in range(7)], "the reply does not have the expected shape"),
    ([{"name": "S", "questions": []}], "the reply does not have the expected shape"),
    ([{"name": "S", "questions": ["Is it?"] * (MAX_QUESTIONS + 1)}], "the reply does not have the expected shape"),
    ([{"name": "S", "questions": ["1. "]}], "every question must be non-empty"),
    ([{"name": "", "questions": ["Is it?"]}], "the reply does not have the expected shape"),
    ([{"name": "Calm", "questions": ["Is it?"]}, {"name": "calm ", "questions": ["Is it so?"]}],
     "sub-aspect names must not repeat"),
])
def test_seed_replies_of_the_wrong_shape_are_problems(sub_aspects: list[Any], message: str) -> None:
    with pytest.raises(ReplyProblem, match=message):
        read(SEED, seed_call(), {"sub_aspects": sub_aspects})


def test_named_sub_aspects_must_come_back_exactly_and_in_order() -> None:
    call = seed_call(["Calm", "Kind"])
    good = {"sub_aspects": [{"name": "Calm", "questions": ["Is it calm?"]},
                            {"name": " Kind", "questions": ["Is it kind?"]}]}
    assert [item["name"] for item in read(SEED, call, good)["sub_aspects"]] == ["Calm", " Kind"]
    swapped = {"sub_aspects": list(reversed(good["sub_aspects"]))}
    with pytest.raises(ReplyProblem, match=r"exactly \['Calm', 'Kind'\], in that order"):
        read(SEED, call, swapped)
    with pytest.raises(ReplyProblem, match="exactly"):
        read(SEED, call, {"sub_aspects": good["sub_aspects"][:1]})


# --- augmentations ------------------------------------------------------------------------------------


def test_an_augmentation_may_add_nothing_but_not_too_much() -> None:
    assert read(AUGMENT, augment_call(), {"questions": []}) == {"questions": []}
    assert read(AUGMENT, augment_call(), {"questions": ["2) Is it courteous?"]}) == {
        "questions": ["Is it courteous?"]}
    with pytest.raises(ReplyProblem, match="expected shape"):
        read(AUGMENT, augment_call(), {"questions": ["Is it?"] * (2 * MAX_QUESTIONS + 1)})
    with pytest.raises(ReplyProblem, match="expected shape"):
        read(AUGMENT, augment_call(), {"question": ["Is it?"]})


# --- the filter ---------------------------------------------------------------------------------------


def test_one_decision_per_candidate_with_the_reasons_spelled_loosely() -> None:
    data = read(FILTER, filter_call(4), {"decisions": [
        {"question": 1, "decision": "keep"}, {"question": 2, "decision": "Wrong Polarity", "reason": "a defect"},
        {"question": 3, "decision": "off-dimension"}, {"question": 4, "decision": " REDUNDANT "}]})
    assert [item["decision"] for item in data["decisions"]] == ["keep", "wrong_polarity", "off_dimension",
                                                               "redundant"]


def test_decisions_may_leave_out_their_numbers() -> None:
    data = read(FILTER, filter_call(2), {"decisions": [{"decision": "keep"}, {"decision": "redundant"}]})
    assert [item["decision"] for item in data["decisions"]] == ["keep", "redundant"]


@pytest.mark.parametrize(("decisions", "message"), [
    ([{"decision": "keep"}] * 2, r"expected 3 decisions, one per candidate in order, got 2"),
    ([{"decision": "keep"}] * 4, r"expected 3 decisions, one per candidate in order, got 4"),
    ([{"question": n, "decision": "keep"} for n in (1, 3, 2)], r"follow the candidates' order 1\.\.3"),
    ([{"decision": "keep"}, {"decision": "drop"}, {"decision": "keep"}], "expected shape"),
])
def test_filter_replies_that_do_not_match_the_candidates_are_problems(decisions: list[Any], message: str) -> None:
    with pytest.raises(ReplyProblem, match=message):
        read(FILTER, filter_call(3), {"decisions": decisions})


# --- repeats the code drops before the filter ---------------------------------------------------------


@pytest.mark.parametrize(("first", "second"), [
    ("Is the reply polite?", "is the reply POLITE?!"),
    ("Does it  thank\tthe customer?", "Does it thank the customer"),
    ("Is the tone calm, not curt?", "Is the tone calm not curt?"),
])
def test_questions_differing_in_case_spacing_or_punctuation_are_the_same(first: str, second: str) -> None:
    assert normalised(first) == normalised(second)


def test_different_words_are_different_questions() -> None:
    assert normalised("Is the reply polite?") != normalised("Is the reply impolite?")
    assert normalised("?!") == ""
