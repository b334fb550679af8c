"""Improving and choosing replies by checklist: `critique.refine()` and `critique.best_of()`.

refine() hands the app the checklist's failed items (with the judge's reasons) as feedback and
judges its revision, round after round; best_of() ranks several drafts by their pass rate on one
checklist, so a test can check the draft the app chose.  Two tests FAIL ON PURPOSE.
"""

from __future__ import annotations

from dataclasses import replace

from reply_drafts import BOOTS_WRITER, LATE_BAG_DRAFTS, STOVE_DRAFTS, pick_longest
from test_support_replies import REFUND_CHECKLIST

LATE_DELIVERY_CHECKLIST = [
    "Does the reply mention the order number?",
    "Does the reply give a new delivery date?",
    "Does the reply apologise for the delay?",
    "Does the reply avoid blaming the customer?",
]


def test_the_writer_fixes_what_the_feedback_names(critique):
    # Round 1 misses the order number and the timeline; the feedback names both; round 2 passes.
    verdict = critique.refine(BOOTS_WRITER, items=REFUND_CHECKLIST, rounds=3)
    assert verdict.passed
    assert len(verdict.rounds) == 2


def test_a_writer_that_ignores_feedback__fails_on_purpose(critique):
    # FAILS ON PURPOSE: this writer sends its first draft again, so both rounds miss the same items.
    verdict = critique.refine(replace(BOOTS_WRITER, listens=False), items=REFUND_CHECKLIST)
    assert verdict.passed


def test_the_app_picks_the_best_refund_draft(critique):
    verdict = critique.best_of(STOVE_DRAFTS, items=REFUND_CHECKLIST)
    assert verdict.winner_index == pick_longest(STOVE_DRAFTS)


def test_the_app_picks_the_best_late_delivery_draft__fails_on_purpose(critique):
    # FAILS ON PURPOSE: the longest draft blames the customer; the checklist ranks another first.
    verdict = critique.best_of(LATE_BAG_DRAFTS, items=LATE_DELIVERY_CHECKLIST)
    assert verdict.winner_index == pick_longest(LATE_BAG_DRAFTS)
