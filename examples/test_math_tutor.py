"""Step-level tests of the maths tutor: is every step of a worked solution right?

``critique.steps`` splits a solution into steps and finds the first wrong one, in one of two
modes: ``first_error`` (the default: one judge call locates the earliest wrong step) or
``per_step`` (each step judged in turn, with the steps before it as context).
One test FAILS ON PURPOSE, to show what a wrong step looks like in pytest's output.
"""

from __future__ import annotations

import pytest
from math_tutor import SOLUTIONS


@pytest.mark.parametrize("worked", [SOLUTIONS["bake-sale"], SOLUTIONS["bike-ride"]], ids=lambda worked: worked.id)
def test_worked_solution_has_no_wrong_step(critique, worked):
    verdict = critique.steps(worked.solution, problem=worked.problem)  # mode="first_error"
    assert verdict.passed


def test_every_step_of_the_bike_ride_is_right(critique):
    worked = SOLUTIONS["bike-ride"]
    # per_step with stop_at_first=False judges every step, even after a wrong one.
    verdict = critique.steps(worked.solution, problem=worked.problem, mode="per_step", stop_at_first=False)
    assert verdict.split == "paragraphs"
    assert [step.status for step in verdict.steps] == ["correct"] * 4


def test_school_trip_solution_has_no_wrong_step__fails_on_purpose(critique):
    # FAILS ON PURPOSE: step 3 of the stored solution says 3 x $350 = $1,150.
    worked = SOLUTIONS["school-trip"]
    verdict = critique.steps(worked.solution, problem=worked.problem)
    assert verdict.passed


def test_per_step_critic_points_at_the_known_slip(critique):
    # The other way round: a solution known to be wrong must be caught, at the right step.
    worked = SOLUTIONS["school-trip"]
    verdict = critique.steps(worked.solution, problem=worked.problem, mode="per_step")
    assert verdict.first_error == 3                  # 1-based; verdict.first_error_index == 2
    assert verdict.steps[2].status == "wrong"
    assert [step.status for step in verdict.steps[3:]] == ["not_judged"] * 3  # it stopped at the slip
