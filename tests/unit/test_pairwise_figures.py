"""The run's position-inconsistency rate is a share of the comparisons judged in both orders only."""

from __future__ import annotations

from pytest_critique.judges.kind import RunCounts
from pytest_critique.judges.pairwise import PairwiseFigures


def test_checklist_method_comparisons_do_not_dilute_the_rate() -> None:
    figures, counts = PairwiseFigures(), RunCounts()
    figures.add(counts, "t::direct", {"winner": "tie", "consistent": False, "headline": "critique: a tie"}, False)
    for number in range(5):
        figures.add(counts, f"t::checklist{number}", {"winner": "a", "consistent": None}, True)
    assert figures.position_inconsistency == 1.0  # was 1/6 before: a judge always preferring position 1 hid
    assert figures.as_dict()["comparisons_in_both_orders"] == 1
    assert figures.lines(lambda nodeid: nodeid, 20)[0] == (
        "pairwise: 6 comparisons (1 judged in both orders), 1 position-inconsistent (100%; the preference "
        "changed when the order was swapped)")


def test_no_comparison_in_both_orders_has_no_rate() -> None:
    figures, counts = PairwiseFigures(), RunCounts()
    figures.add(counts, "t::checklist", {"winner": "a", "consistent": None}, True)
    assert figures.position_inconsistency is None
    assert figures.lines(lambda nodeid: nodeid, 20) == ["pairwise: 1 comparison (none judged in both orders)"]
