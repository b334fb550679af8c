"""Cost reservations: a call takes its estimate from the budget before it goes out."""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
from pathlib import Path

import pytest

import pytest_critique.budget as budget_module
from pytest_critique.budget import Budget


def test_a_call_whose_estimate_does_not_fit_waits_for_the_calls_in_flight() -> None:
    budget = Budget(max_cost=1.0)
    assert budget.reserve(0.6) is None  # in flight, holding 0.6
    went: list[str | None] = []
    waiter = threading.Thread(target=lambda: went.append(budget.reserve(0.6)))
    waiter.start()
    time.sleep(0.2)
    assert went == [], "0.6 + 0.6 does not fit in 1.0 while the first call is in flight"
    budget.settle(0.6, 0.1)  # the first call cost less than reserved
    waiter.join(5)
    assert went == [None]


def test_with_nothing_in_flight_a_call_goes_while_anything_is_left() -> None:
    budget = Budget(max_cost=1.0)
    assert budget.reserve(5.0) is None
    budget.settle(5.0, 0.9)
    assert budget.reserve(5.0) is None  # 0.1 is left and nothing is in flight
    budget.settle(5.0, 0.3)
    refusal = budget.reserve(0.01)
    assert refusal is not None and "judge budget reached: $1.2 of --critique-max-cost=1 spent" in refusal


def test_a_reservation_never_settled_does_not_block_forever(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(budget_module, "MAX_WAIT", 0.2)
    budget = Budget(max_cost=1.0)
    assert budget.reserve(0.9) is None  # a worker that died with this call in flight
    refusal = budget.reserve(0.5)
    assert refusal is not None and "calls in flight have held the rest of --critique-max-cost=1" in refusal


def test_an_interrupted_run_stops_waiting() -> None:
    budget = Budget(max_cost=1.0)
    assert budget.reserve(0.9) is None
    assert budget.reserve(0.5, give_up=lambda: True) == "the run was interrupted"


def test_calls_are_counted_when_reserved() -> None:
    budget = Budget(max_calls=2)
    assert budget.reserve() is None and budget.reserve() is None
    assert "2 of --critique-max-calls=2 calls made" in (budget.reserve() or "")


def test_processes_share_reservations(tmp_path) -> None:  # noqa: ANN001
    first = Budget(max_cost=1.0, shared_run_id=f"unit-{tmp_path.name}")
    second = Budget(max_cost=1.0, shared_run_id=f"unit-{tmp_path.name}")
    try:
        assert first.reserve(0.7) is None
        assert second.reserve(0.7, give_up=lambda: True) == "the run was interrupted"
        first.settle(0.7, 0.2)
        assert second.reserve(0.7) is None
    finally:
        first.close()
        second.close()
        shutil.rmtree(Path(tempfile.gettempdir()) / f"pytest-critique-budget-unit-{tmp_path.name}", ignore_errors=True)


RACE = """
import sys
from pytest_critique.budget import Budget

budget = Budget(max_calls=50, shared_run_id=sys.argv[1])
granted = sum(budget.reserve() is None for _ in range(40))
budget.close()
print(granted)
"""


def test_two_processes_never_get_more_calls_than_the_limit(tmp_path: Path) -> None:
    import subprocess
    import sys

    for trial in range(3):
        run_id = f"race-{tmp_path.name}-{trial}"
        try:
            processes = [subprocess.Popen([sys.executable, "-c", RACE, run_id], stdout=subprocess.PIPE, text=True)
                         for _ in range(2)]
            granted = [int(process.communicate(timeout=60)[0]) for process in processes]
        finally:
            shutil.rmtree(Path(tempfile.gettempdir()) / f"pytest-critique-budget-{run_id}", ignore_errors=True)
        assert sum(granted) == 50, granted
