"""Step-level tests of the campsite booking agent: is every step of its run right?

An agent's run is a list of chat messages.  ``critique.steps`` makes each assistant text, each
tool call and each tool result a step; the system prompt and the customer's message are not
steps, so the tests pass the customer's message as ``problem=`` for the judge to check against.
One test FAILS ON PURPOSE: the agent books the wrong arrival date.
"""

from __future__ import annotations

from booking_agent import RUNS


def test_lakeside_booking_follows_the_request(critique):
    run = RUNS["lakeside"]
    verdict = critique.steps(run.messages, problem=run.request)  # mode="first_error"
    assert verdict.split == "trajectory" and len(verdict.steps) == 5
    assert verdict.passed


def test_fernhollow_booking_follows_the_request__fails_on_purpose(critique):
    # FAILS ON PURPOSE: Ines arrives on Friday 12 June; the agent books from the 13th.
    run = RUNS["fernhollow"]
    verdict = critique.steps(run.messages, problem=run.request, mode="per_step")
    assert verdict.passed
