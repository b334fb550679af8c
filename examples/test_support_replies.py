"""Checklist tests of the support-reply writer.

Each test judges one stored reply against YES/NO questions (YES = requirement met).
Two tests FAIL ON PURPOSE, to show what a failing checklist looks like in pytest's output.
"""

from __future__ import annotations

import pytest
from support_replies import INSTRUCTION, TICKETS

REFUND_CHECKLIST = [
    "Does the reply mention the order number?",
    "Does the reply state the refund amount?",
    "Does the reply say how many business days the refund takes?",
    "Is the reply under 120 words?",
    "Does the reply avoid blaming the customer?",
]


def test_refund_reply_follows_the_refund_policy(critique):
    verdict = critique.checklist(TICKETS["refund-damaged-stove"].reply, items=REFUND_CHECKLIST)
    assert verdict.passed


@pytest.mark.parametrize("ticket", TICKETS.values(), ids=lambda ticket: ticket.id)
def test_every_reply_follows_the_app_instruction(critique, ticket):
    # No hand-written questions: the judge turns the instruction into a checklist (TICK).
    # `expect` judges in the background while the next tests run; the test fails here if the
    # checklist does not pass (docs/speed.md).
    critique.expect.checklist(ticket.reply, instruction=INSTRUCTION, input=ticket.message)


@pytest.mark.critique(threshold=0.75)
def test_tent_answer_is_good_enough(critique):
    # Passes with one item failing (too many exclamation marks): 3 of 4 reaches the threshold.
    verdict = critique.checklist(TICKETS["tent-question"].reply, items=[
        "Does the reply say whether the tent fits two adults?",
        "Does the reply give the tent's packed weight?",
        "Does the reply link to the product page?",
        "Does the reply use at most one exclamation mark?",
    ])
    assert verdict.passed
    assert [item.answer for item in verdict.items] == [True, True, True, False]


def test_refund_reply_mentions_order_number__fails_on_purpose(critique):
    # FAILS ON PURPOSE: the stored reply to Jonas never mentions his order number.
    verdict = critique.checklist(TICKETS["refund-returned-boots"].reply, items=REFUND_CHECKLIST)
    assert verdict.passed


@pytest.mark.critique(threshold=0.75)
def test_late_delivery_reply_apologises__fails_on_purpose(critique):
    # FAILS ON PURPOSE: the reply to Dana blames her and does not apologise (2 of 4 < 0.75).
    verdict = critique.checklist(TICKETS["late-sleeping-bag"].reply, items=[
        "Does the reply mention the order number?",
        "Does the reply give a new delivery date?",
        "Does the reply apologise for the delay?",
        "Does the reply avoid blaming the customer?",
    ])
    assert verdict.passed
