"""Comparing and grading replies: `critique.compare()` (pairwise, both orders) and `critique.rubric()`.

Offline, the scripted judge of conftest.py compares and grades replies by counting the refund
rules they meet; a model does the same from the instruction, the criteria and the rubric.
"""

from __future__ import annotations

from support_replies import INSTRUCTION, TICKETS

# An earlier version of the app answered Maya like this: no order number, no timeline, no apology.
OLD_STOVE_REPLY = """\
Hi Maya,

Thanks for getting in touch. We've processed a refund of $89.00 for the stove.

The Pebble & Pine support team"""

REFUND_RUBRIC = {
    "criteria": "Does the reply settle a refund request completely and kindly?",
    "scores": {
        1: "It does not address the refund.",
        2: "It mentions the refund but leaves out the amount and the timeline.",
        3: "It gives the amount or the timeline, not both, or it is curt.",
        4: "It gives the amount, the order and the timeline, with one gap in tone or detail.",
        5: "It gives the amount, the order and the timeline, and apologises without blaming anyone.",
    },
}


def test_new_reply_beats_the_old_one(critique):
    # The judge sees both orders (new first, then old first); a winner counts only if both agree.
    verdict = critique.compare(TICKETS["refund-damaged-stove"].reply, OLD_STOVE_REPLY,
                               instruction=INSTRUCTION, criteria="Completeness of the refund details, then tone.")
    assert verdict.winner == "a" and verdict.consistent


def test_refund_reply_grade(critique):
    verdict = critique.rubric(TICKETS["refund-damaged-stove"].reply, rubric=REFUND_RUBRIC, min_score=4)
    assert verdict.passed
