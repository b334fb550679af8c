"""Agreement statistics on published examples, each recomputed here from its table with exact fractions."""

from __future__ import annotations

from collections import Counter
from fractions import Fraction

import pytest

from pytest_critique.agreement import accuracy, cohen_kappa, fleiss_kappa

# Fleiss (1971) as reproduced in most textbooks: 10 subjects, 14 raters, 5 categories; each row
# counts the raters who put the subject in each category.  Published result: kappa = 0.210.
FLEISS_1971 = [
    (0, 0, 0, 0, 14), (0, 2, 6, 4, 2), (0, 0, 3, 5, 6), (0, 3, 9, 2, 0), (2, 2, 8, 1, 1),
    (7, 7, 0, 0, 0), (3, 2, 6, 3, 0), (2, 5, 3, 2, 2), (6, 5, 2, 1, 0), (0, 2, 2, 3, 7),
]


def fleiss_by_hand(table: list[tuple[int, ...]]) -> Fraction:
    """Fleiss' kappa from a subjects x categories count table (Fleiss 1971, eqs. 2-6)."""
    subjects, raters = len(table), sum(table[0])
    p_subject = [Fraction(sum(n * n for n in row) - raters, raters * (raters - 1)) for row in table]
    p_category = [Fraction(sum(row[j] for row in table), subjects * raters) for j in range(len(table[0]))]
    observed = sum(p_subject) / subjects
    chance = sum(p * p for p in p_category)
    return (observed - chance) / (1 - chance)


def labels_from_counts(table: list[tuple[int, ...]]) -> list[list[str]]:
    names = "ABCDE"
    return [[names[j] for j, count in enumerate(row) for _ in range(count)] for row in table]


def test_fleiss_1971_example() -> None:
    expected = fleiss_by_hand(FLEISS_1971)
    assert float(expected) == pytest.approx(0.210, abs=5e-4)  # the published figure
    ratings = labels_from_counts(FLEISS_1971)
    assert fleiss_kappa(ratings) == pytest.approx(float(expected), abs=1e-12)
    # neither the order of the raters within a subject nor the order of the subjects matters
    shuffled = [list(reversed(item)) for item in reversed(ratings)]
    assert fleiss_kappa(shuffled) == pytest.approx(float(expected), abs=1e-12)


def cohen_by_hand(yes_yes: int, yes_no: int, no_yes: int, no_no: int) -> Fraction:
    total = yes_yes + yes_no + no_yes + no_no
    observed = Fraction(yes_yes + no_no, total)
    first_yes, second_yes = Fraction(yes_yes + yes_no, total), Fraction(yes_yes + no_yes, total)
    chance = first_yes * second_yes + (1 - first_yes) * (1 - second_yes)
    return (observed - chance) / (1 - chance)


@pytest.mark.parametrize(("table", "published"), [
    ((45, 15, 25, 15), 0.1304),  # the same 60% agreement gives different kappas
    ((25, 35, 5, 35), 0.2593),   # depending on how the labels are distributed
    ((20, 5, 10, 15), 0.4),
])
def test_cohen_textbook_two_by_two_tables(table: tuple[int, int, int, int], published: float) -> None:
    yes_yes, yes_no, no_yes, no_no = table
    pairs = ([(True, True)] * yes_yes + [(True, False)] * yes_no + [(False, True)] * no_yes
             + [(False, False)] * no_no)
    expected = cohen_by_hand(*table)
    assert float(expected) == pytest.approx(published, abs=5e-5)
    assert cohen_kappa(pairs) == pytest.approx(float(expected), abs=1e-12)
    assert accuracy(pairs) == pytest.approx((yes_yes + no_no) / sum(table))
    # kappa is symmetric in the two raters
    assert cohen_kappa([(b, a) for a, b in pairs]) == pytest.approx(float(expected), abs=1e-12)


def test_cohen_kappa_with_three_labels() -> None:
    # rows: rater 1, columns: rater 2, labels x, y, z
    table = {("x", "x"): 10, ("x", "y"): 2, ("x", "z"): 3, ("y", "x"): 1, ("y", "y"): 12, ("y", "z"): 2,
             ("z", "x"): 4, ("z", "y"): 1, ("z", "z"): 15}
    pairs = [pair for pair, count in table.items() for _ in range(count)]
    total = len(pairs)
    first, second = Counter(a for a, _ in pairs), Counter(b for _, b in pairs)
    observed = Fraction(sum(count for (a, b), count in table.items() if a == b), total)
    chance = sum(Fraction(first[label] * second[label], total * total) for label in "xyz")
    assert cohen_kappa(pairs) == pytest.approx(float((observed - chance) / (1 - chance)), abs=1e-12)
    assert accuracy(pairs) == pytest.approx(37 / 50)


def test_degenerate_cases() -> None:
    assert cohen_kappa([]) is None and accuracy([]) is None and fleiss_kappa([]) is None
    assert cohen_kappa([("same", "same")] * 5) == 1.0  # one label throughout: perfect agreement
    assert cohen_kappa([(True, False)] * 4) == 0.0  # each rater uses one label, never the same one
    assert fleiss_kappa([["x"] * 4] * 3) == 1.0
    assert fleiss_kappa([[True, True], [False, False]]) == pytest.approx(1.0)  # every item agreed, labels vary
    assert fleiss_kappa([[True, False], [False, True]]) == pytest.approx(-1.0)
    assert fleiss_kappa([["x"], ["y"]]) is None  # one rater per item
    assert fleiss_kappa([["x", "y", "x"], ["x", "y"]]) is None  # raters differ between items
    assert fleiss_kappa([["x", "y"], ["x", "y", "x"]]) is None
