"""Budgets: a ceiling on judge calls and on their cost for one run.

Under xdist every worker draws on the same budget: the counters live in a small diskcache
directory named after the run (xdist gives all workers one run id), updated atomically.
"""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path
from typing import Any

_MICRO = 1_000_000


class Budget:
    """Counts model calls and their cost; refuses calls once a limit is reached."""

    def __init__(self, max_calls: int | None = None, max_cost: float | None = None,
                 shared_run_id: str | None = None):
        self.max_calls = max_calls
        self.max_cost = max_cost
        self._lock = threading.Lock()
        self._calls = 0
        self._microdollars = 0
        self._shared: Any = None
        self._run_id = shared_run_id
        self.refused = 0

    @property
    def limited(self) -> bool:
        return self.max_calls is not None or self.max_cost is not None

    def _counters(self) -> Any:
        if self._run_id is None:
            return None
        if self._shared is None:
            import diskcache

            directory = Path(tempfile.gettempdir()) / f"pytest-critique-budget-{self._run_id}"
            self._shared = diskcache.Cache(str(directory))
        return self._shared

    def reserve(self) -> str | None:
        """Take one call from the budget; returns why not when the budget is spent."""
        if not self.limited:
            return None
        with self._lock:
            shared = self._counters()
            calls = shared.get("calls", 0) if shared is not None else self._calls
            cost = (shared.get("microdollars", 0) if shared is not None else self._microdollars) / _MICRO
            reason = None
            if self.max_calls is not None and calls >= self.max_calls:
                reason = f"judge budget reached: {calls} of --critique-max-calls={self.max_calls} calls made"
            elif self.max_cost is not None and cost >= self.max_cost:
                reason = f"judge budget reached: ${cost:.6g} of --critique-max-cost={self.max_cost:g} spent"
            if reason is not None:
                self.refused += 1
                return reason + "; cached verdicts still serve"
            if shared is not None:
                shared.incr("calls", 1, default=0)
            else:
                self._calls += 1
            return None

    def spend(self, cost: float) -> None:
        if not self.limited or cost <= 0:
            return
        micro = int(round(cost * _MICRO))
        with self._lock:
            shared = self._counters()
            if shared is not None:
                shared.incr("microdollars", micro, default=0)
            else:
                self._microdollars += micro

    def close(self) -> None:
        if self._shared is not None:
            self._shared.close()
            self._shared = None
