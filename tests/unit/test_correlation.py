"""The rank correlations of bench/checkeval_topical_chat.py, against examples worked by hand."""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "checkeval_topical_chat.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("checkeval_topical_chat", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_average_ranks_share_ties(bench):
    assert bench.average_ranks([10, 20, 20, 30]) == [1.0, 2.5, 2.5, 4.0]
    assert bench.average_ranks([3, 1, 3, 3, 2]) == [4.0, 1.0, 4.0, 4.0, 2.0]
    assert bench.average_ranks([]) == []


def test_without_ties(bench):
    # x = 1..5, y = 2 1 4 3 5: d = -1 1 -1 1 0, sum d^2 = 4, rho = 1 - 6*4 / (5*24) = 0.8;
    # discordant pairs (1,2) and (3,4), 8 concordant: tau = (8 - 2) / 10 = 0.6
    x, y = [1, 2, 3, 4, 5], [2, 1, 4, 3, 5]
    assert bench.spearman(x, y) == pytest.approx(0.8)
    assert bench.kendall_tau_b(x, y) == pytest.approx(0.6)


def test_with_ties_in_both(bench):
    # x = 1 2 2 3 (ranks 1 2.5 2.5 4), y = 1 3 2 2 (ranks 1 4 2.5 2.5).
    # Rank deviations from 2.5: (-1.5, 0, 0, 1.5) and (-1.5, 1.5, 0, 0): sum of products 2.25,
    # sums of squares 4.5 each, so rho = 2.25 / 4.5 = 0.5 (the untied formula 1 - 6*sum d^2/(n(n^2-1))
    # would give 1 - 6*5.5/60 = 0.45).
    # Pairs: (1,2) (1,3) (1,4) concordant; (2,3) tied in x; (2,4) discordant; (3,4) tied in y.
    # tau-b = (3 - 1) / sqrt((6 - 1) * (6 - 1)) = 0.4 (tau-a would be 2 / 6).
    x, y = [1, 2, 2, 3], [1, 3, 2, 2]
    assert bench.spearman(x, y) == pytest.approx(0.5)
    assert bench.kendall_tau_b(x, y) == pytest.approx(0.4)


def test_a_pair_tied_on_both_sides(bench):
    # x = 1 1 2, y = 5 5 6: pair (1,2) tied in both, (1,3) and (2,3) concordant.
    # tau-b = 2 / sqrt((3 - 1) * (3 - 1)) = 1; the ranks are equal, so rho = 1.
    assert bench.kendall_tau_b([1, 1, 2], [5, 5, 6]) == pytest.approx(1.0)
    assert bench.spearman([1, 1, 2], [5, 5, 6]) == pytest.approx(1.0)


def test_reversed_order_and_symmetry(bench):
    assert bench.spearman([0.1, 0.5, 0.9, 1.0], [4, 3, 2, 1]) == pytest.approx(-1.0)
    assert bench.kendall_tau_b([0.1, 0.5, 0.9, 1.0], [4, 3, 2, 1]) == pytest.approx(-1.0)
    x, y = [0.1, 0.5, 0.5, 0.9, 1.0], [3, 2, 2, 1, 1]
    assert bench.kendall_tau_b(x, y) == pytest.approx(bench.kendall_tau_b(y, x))
    assert bench.spearman(x, y) == pytest.approx(bench.spearman(y, x))


def test_a_constant_side_has_no_correlation(bench):
    assert math.isnan(bench.spearman([1, 1, 1], [1, 2, 3]))
    assert math.isnan(bench.kendall_tau_b([1, 2, 3], [4, 4, 4]))
    with pytest.raises(ValueError, match="differ in length"):
        bench.kendall_tau_b([1, 2], [1, 2, 3])


def test_hash_judge_answers_from_the_prompt(bench):
    prompt = ("Dimension: coherence\n<response-ab12>\nhello there\n</response-ab12>\n"
              "Q1. Is it fine?\nQ2. Is it kind?\n")
    reply = bench.hash_handler({"messages": [{"role": "user", "content": prompt}]})
    expected = ["YES" if bench.hash_answer(q, "hello there") else "NO" for q in ("Is it fine?", "Is it kind?")]
    assert [a["answer"] for a in json.loads(reply)["answers"]] == expected
    assert [a["question"] for a in json.loads(reply)["answers"]] == [1, 2]
