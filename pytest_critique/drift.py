"""Drift: verdicts that changed when they were judged again.

Next to the verdict cache, an index keyed by a judge-free digest of each request (task, inputs,
sampling parameters, sample number; not the judge and not the prompt template) remembers the
latest verdict of every judge that answered it.  When a request is judged afresh (refresh mode,
an edited prompt template, or a new model), the new verdict is compared with the same judge's
previous one, or else with the latest verdict of a judge not used in this run (the model that
was replaced).  Judges used side by side in this run (a jury) are never compared with each other.

A process writes what it observed in batches (every :data:`WRITTEN_EVERY` requests, and when the
run closes) rather than one write per verdict: dozens of judge threads each writing to one SQLite
file cost a cold run more than the writes themselves.  A process killed mid-run loses at most
that many drift records, never a verdict; a process that exits without closing its runtime (a
``Critic`` used in a script) writes them as it exits.
"""

from __future__ import annotations

import threading
import time
import weakref
from typing import Any

from .backends.base import JudgeCall
from .cache.base import VerdictStore
from .cache.files import CacheWarning, warn
from .cache.keys import cache_key

WRITTEN_EVERY = 500


class DriftIndex:
    """The latest verdict per judge for each judge-free request digest, stored beside the cache."""

    def __init__(self, verdicts: VerdictStore):
        self.store = verdicts.sub("drift")
        self._active: set[str] = set()
        self._unwritten: dict[str, dict[str, Any]] = {}
        """By request digest: the latest verdicts per judge this process observed and has not written yet."""
        self._lock = threading.Lock()
        weakref.finalize(self, _write_left, self.store, self._unwritten, self._lock)

    def note_judges(self, names: list[str]) -> None:
        """Judges used in this run: never treated as the model a judge replaced."""
        with self._lock:
            self._active.update(names)

    def observe(self, judge: str, call: JudgeCall, now: dict[str, Any]) -> list[dict[str, Any]]:
        """Record what a fresh answer decided (by what it was about, as its task's ``decided`` gives it);
        returns how it differs from the previous verdict."""
        if not now:
            return []
        self.note_judges([judge])
        key = cache_key(task=call.task, judge="", template_digest="", params=call.params, fields=call.fields,
                        sample=call.sample)
        stored = self.store.get(key) or {}
        with self._lock:
            entry = {name: value for name, value in {**stored, **self._unwritten.get(key, {})}.items()
                     if isinstance(value, dict)}  # a planted or damaged record compares with nothing
            before_judge = judge if judge in entry else None
            if before_judge is None:
                replaced = [(value["time"], name) for name, value in entry.items()
                            if name not in self._active and isinstance(value.get("time"), (int, float))]
                before_judge = max(replaced)[1] if replaced else None
            self._unwritten.setdefault(key, {})[judge] = {"verdicts": now, "time": time.time()}
            full = len(self._unwritten) >= WRITTEN_EVERY
        changes = []
        if before_judge is not None:
            before = entry[before_judge].get("verdicts")
            before = before if isinstance(before, dict) else {}
            for what, after in now.items():
                if what in before and before[what] != after:
                    changes.append({"what": what, "before": before[what], "after": after,
                                    "judge_before": before_judge, "judge_after": judge})
        if full:
            self.write()
        return changes

    def write(self) -> None:
        """Write what this process observed since the last write (added to what other workers wrote)."""
        _write_left(self.store, self._unwritten, self._lock)

    def close(self) -> None:
        self.write()
        self.store.close()


def _write_left(store: VerdictStore, unwritten: dict[str, dict[str, Any]], lock: threading.Lock) -> None:
    with lock:
        batch = dict(unwritten)
        unwritten.clear()
    if not batch:
        return
    try:
        store.merge_many(batch)
    except Exception as exc:  # noqa: BLE001 - a drift record is worth a warning, never a verdict
        warn(CacheWarning(f"{len(batch)} drift records could not be written to {store.location} ({exc}); "
                          "those verdicts will not be compared when judged again"))
