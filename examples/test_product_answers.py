"""Answers that rest on their sources: `critique.grounded()` and `critique.consistent()`.

grounded() breaks an answer into claims and checks each against the product page the app was
given; a supported claim must quote the page word for word.  consistent() asks the app again and
checks each sentence of its answer against the other answers: a detail it makes up tends to change
from one answer to the next.  Two tests FAIL ON PURPOSE.
"""

from __future__ import annotations

from product_answers import PAGES, answer_from_page, sampler


def test_tent_answer_rests_on_the_product_page(critique):
    verdict = critique.grounded(answer_from_page("ridgeline-2"), sources=[PAGES["ridgeline-2"]])
    assert verdict.passed


def test_stove_answer_rests_on_the_product_page__fails_on_purpose(critique):
    # FAILS ON PURPOSE: the answer misstates the weight and promises a warranty the page does not give.
    verdict = critique.grounded(answer_from_page("emberlite-stove"), sources=[PAGES["emberlite-stove"]])
    assert verdict.passed


def test_tent_answers_agree_with_each_other(critique):
    verdict = critique.consistent(sampler("ridgeline-2"), n=2, min_score=0.8)
    assert verdict.passed


def test_stove_answers_agree_with_each_other__fails_on_purpose(critique):
    # FAILS ON PURPOSE: the app states a different warranty each time it is asked.
    verdict = critique.consistent(sampler("emberlite-stove"), n=2, min_score=0.8)
    assert verdict.passed
