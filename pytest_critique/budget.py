"""Budgets: a ceiling on judge calls and on their cost for one run.

Under xdist every worker draws on the same budget: the counters live in a small diskcache
directory named after the run (xdist gives all workers one run id), updated atomically.
"""

from __future__ import annotations

import contextlib
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterator

MAX_WAIT = 300.0
"""Seconds a call waits for calls in flight to release the budget they reserved before it is refused."""
_UNIT = 1_000_000_000
"""Costs are counted in billionths of a dollar: a small model's call costs a few millionths."""


def shared_directory(run_id: str) -> Path:
    """Where the workers of one xdist run keep their common counters."""
    return Path(tempfile.gettempdir()) / f"pytest-critique-budget-{run_id}"


def discard_shared(run_id: str) -> None:
    """Remove a finished run's counters (the controller calls this once every worker is done)."""
    import shutil

    shutil.rmtree(shared_directory(run_id), ignore_errors=True)


class Budget:
    """Counts model calls and their cost; refuses calls once a limit is reached."""

    def __init__(self, max_calls: int | None = None, max_cost: float | None = None,
                 shared_run_id: str | None = None):
        self.max_calls = max_calls
        self.max_cost = max_cost
        self._lock = threading.Lock()
        self._calls = 0
        self._spent = 0
        self._reserved = 0
        self._shared: Any = None
        self._run_id = shared_run_id

    @property
    def limited(self) -> bool:
        return self.max_calls is not None or self.max_cost is not None

    def _counters(self) -> Any:
        if self._run_id is None:
            return None
        if self._shared is None:
            import diskcache

            from .cache.store import json_only_disk

            directory = shared_directory(self._run_id)
            self._shared = diskcache.Cache(str(directory), disk=json_only_disk())
        return self._shared

    def reserve(self, estimate: float = 0.0, give_up: Callable[[], bool] | None = None) -> str | None:
        """Take one call, and ``estimate`` dollars, from the budget; returns why not when it is spent.

        A call whose estimate does not fit beside the calls in flight waits for them to settle;
        when nothing is in flight it may go as long as anything is left, so the spend passes
        ``max_cost`` by at most one call's cost beyond its estimate (see docs/configuration.md).
        """
        if not self.limited:
            return None
        units = int(round(max(estimate, 0.0) * _UNIT)) if self.max_cost is not None else 0
        waited_since = time.monotonic()
        while True:
            with self._lock:
                shared = self._counters()
                with shared.transact() if shared is not None else _nothing():
                    calls, spent, reserved = self._read(shared)
                    reason = None
                    if self.max_calls is not None and calls >= self.max_calls:
                        reason = f"judge budget reached: {calls} of --critique-max-calls={self.max_calls} calls made"
                    elif self.max_cost is not None and spent >= self.max_cost * _UNIT:
                        reason = (f"judge budget reached: ${spent / _UNIT:.6g} of "
                                  f"--critique-max-cost={self.max_cost:g} spent")
                    if reason is not None:
                        return reason + "; cached verdicts still serve"
                    fits = self.max_cost is None or reserved == 0 or spent + reserved + units <= self.max_cost * _UNIT
                    if fits:
                        self._add(shared, calls=1, reserved=units)
                        return None
            if give_up is not None and give_up():
                return "the run was interrupted"
            if time.monotonic() - waited_since > MAX_WAIT:
                # A worker that died with a call in flight never settles it: do not wait forever.
                return (f"judge budget: calls in flight have held the rest of --critique-max-cost={self.max_cost:g} "
                        f"for over {MAX_WAIT:g} s; refused")
            time.sleep(0.02)  # calls in flight hold the rest of the budget: wait for them to settle

    def settle(self, estimate: float, cost: float) -> None:
        """A reserved call ended: release its estimate and count what it really cost."""
        if not self.limited:
            return
        reserved = int(round(max(estimate, 0.0) * _UNIT)) if self.max_cost is not None else 0
        spent = int(round(max(cost, 0.0) * _UNIT))
        if not reserved and not spent:
            return
        with self._lock:
            shared = self._counters()
            with shared.transact() if shared is not None else _nothing():
                self._add(shared, spent=spent, reserved=-reserved)

    def spend(self, cost: float) -> None:
        self.settle(0.0, cost)

    def _read(self, shared: Any) -> tuple[int, int, int]:
        if shared is None:
            return self._calls, self._spent, self._reserved
        return shared.get("calls", 0), shared.get("spent", 0), shared.get("reserved", 0)

    def _add(self, shared: Any, calls: int = 0, spent: int = 0, reserved: int = 0) -> None:
        if shared is None:
            self._calls += calls
            self._spent += spent
            self._reserved += reserved
            return
        for name, amount in (("calls", calls), ("spent", spent), ("reserved", reserved)):
            if amount:
                shared.incr(name, amount, default=0)

    def close(self) -> None:
        if self._shared is not None:
            self._shared.close()
            self._shared = None


@contextlib.contextmanager
def _nothing() -> Iterator[None]:
    yield
