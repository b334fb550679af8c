"""The app under test: a maths tutor that writes worked solutions to word problems.

In a real project the tests would ask the tutor (and through it, a model) for a solution.  Here
the team stored what the tutor wrote for three problems, so the examples run with no model.  The
school-trip solution has an arithmetic slip in step 3 on purpose; the test that catches it is
named ``..._fails_on_purpose``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class WorkedSolution:
    id: str
    problem: str
    solution: str
    """What the tutor wrote (stored), as one text; the step critic splits it into steps."""


_SOLUTIONS = [
    WorkedSolution(
        id="bake-sale",
        problem="A bakery bakes 8 trays of 24 muffins. It sells 150 muffins at $2.50 each and gives the "
                "rest to a food bank. How many muffins go to the food bank, and how much money does the "
                "bakery take?",
        # "Step k:" labels: the critic splits at the labels (5 steps).
        solution="""\
Step 1: The bakery bakes 8 trays of 24 muffins: 8 x 24 = 192 muffins.
Step 2: It sells 150 of them, so 192 - 150 = 42 muffins are left over.
Step 3: The 42 leftover muffins go to the food bank.
Step 4: The sales bring in 150 x $2.50 = $375.
Step 5: Answer: 42 muffins go to the food bank, and the bakery takes $375.""",
    ),
    WorkedSolution(
        id="bike-ride",
        problem="Lena cycles 18 km to the lake at 12 km/h, rests for 45 minutes, and cycles back at "
                "15 km/h. How long is she away, in minutes?",
        # No labels, but blank lines: the critic splits into paragraphs (4 steps).
        solution="""\
Going there takes 18 / 12 = 1.5 hours, which is 1.5 x 60 = 90 minutes.

Coming back takes 18 / 15 = 1.2 hours, which is 1.2 x 60 = 72 minutes.

With the 45-minute rest, she is away for 90 + 45 + 72 = 207 minutes.

So Lena is away for 207 minutes, or 3 hours and 27 minutes (207 - 180 = 27).""",
    ),
    WorkedSolution(
        id="school-trip",
        problem="A school takes 4 classes of 27 pupils and 9 teachers on a trip. Coaches seat 40 people "
                "and cost $350 each. Tickets cost $12 for each pupil and are free for teachers. What does "
                "the trip cost?",
        # A numbered list after a lead-in line: the critic splits at the numbers (6 steps).
        # Flawed on purpose: step 3 says 3 x $350 = $1,150 (it is $1,050), and the total carries the slip.
        solution="""\
Here is the worked solution:

1. The pupils: 4 classes of 27 is 4 x 27 = 108 pupils.
2. With the teachers, 108 + 9 = 117 people travel. Two coaches seat only 2 x 40 = 80, three seat \
3 x 40 = 120, so 3 coaches are needed.
3. The coaches cost 3 x $350 = $1,150.
4. The pupils' tickets cost 108 x $12 = $1,296.
5. Together: $1,150 + $1,296 = $2,446.
6. The trip costs $2,446.""",
    ),
]

SOLUTIONS = {solution.id: solution for solution in _SOLUTIONS}
