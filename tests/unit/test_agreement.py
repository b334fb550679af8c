"""Agreement statistics against values worked out by hand."""

from __future__ import annotations

import pytest

from pytest_critique.agreement import accuracy, cohen_kappa, confusion, fleiss_kappa


def test_cohen_kappa_of_a_two_by_two_table() -> None:
    # 20 YES/YES, 5 YES/NO, 10 NO/YES, 15 NO/NO: observed 35/50 = 0.7;
    # chance = 25/50 * 30/50 + 25/50 * 20/50 = 0.3 + 0.2 = 0.5; kappa = (0.7 - 0.5) / 0.5 = 0.4
    pairs = [(True, True)] * 20 + [(True, False)] * 5 + [(False, True)] * 10 + [(False, False)] * 15
    assert accuracy(pairs) == pytest.approx(0.7)
    assert cohen_kappa(pairs) == pytest.approx(0.4)
    assert confusion(pairs) == {(True, True): 20, (True, False): 5, (False, True): 10, (False, False): 15}


def test_cohen_kappa_edges() -> None:
    assert cohen_kappa([]) is None and accuracy([]) is None
    assert cohen_kappa([(True, True)] * 4) == 1.0  # one label throughout: perfect agreement
    assert cohen_kappa([(True, False), (False, True)]) == pytest.approx(-1.0)
    # the judge always says YES while the labels are split: agreement no better than chance
    assert cohen_kappa([(True, True), (False, True)]) == pytest.approx(0.0)


def test_fleiss_kappa_of_three_raters() -> None:
    # items: YYY, YNY, NNY.  P_i = 1, 1/3, 1/3 -> mean 5/9.  p_yes = 6/9, p_no = 3/9 -> P_e = 5/9.  kappa 0.
    assert fleiss_kappa([[True, True, True], [True, False, True], [False, False, True]]) == pytest.approx(0.0)
    # items: YYY, NNN, YYN, YYY.  P_i = 1, 1, 1/3, 1 -> mean 5/6; p_yes = 8/12, p_no = 4/12 -> P_e = 5/9.
    # kappa = (5/6 - 5/9) / (4/9) = 0.625
    ratings = [[True] * 3, [False] * 3, [True, True, False], [True] * 3]
    assert fleiss_kappa(ratings) == pytest.approx(0.625)


def test_fleiss_kappa_edges() -> None:
    assert fleiss_kappa([]) is None
    assert fleiss_kappa([[True]]) is None  # one rater
    assert fleiss_kappa([[True, True], [True, False, True]]) is None  # raters differ between items
    assert fleiss_kappa([[False, False], [False, False]]) == 1.0
