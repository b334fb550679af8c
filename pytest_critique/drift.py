"""Drift: verdicts that changed when they were judged again.

Next to the verdict cache, an index keyed by a judge-free digest of each request (task, inputs,
sampling parameters, sample number; not the judge and not the prompt template) remembers the
latest verdict of every judge that answered it.  When a request is judged afresh (refresh mode,
an edited prompt template, or a new model), the new verdict is compared with the same judge's
previous one, or else with the latest verdict of a judge not used in this run (the model that
was replaced).  Judges used side by side in this run (a jury) are never compared with each other.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from .backends.base import JudgeCall
from .cache.base import VerdictStore
from .cache.keys import cache_key


class DriftIndex:
    """The latest verdict per judge for each judge-free request digest, stored beside the cache."""

    def __init__(self, verdicts: VerdictStore):
        self.store = verdicts.sub("drift")
        self._active: set[str] = set()
        self._lock = threading.Lock()

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
        entry = self.store.get(key) or {}
        before_judge = judge if judge in entry else None
        if before_judge is None:
            with self._lock:
                replaced = [(value.get("time", 0), name) for name, value in entry.items()
                            if name not in self._active and isinstance(value, dict)]
            before_judge = max(replaced)[1] if replaced else None
        changes = []
        if before_judge is not None:
            before = entry[before_judge].get("verdicts", {})
            for what, after in now.items():
                if what in before and before[what] != after:
                    changes.append({"what": what, "before": before[what], "after": after,
                                    "judge_before": before_judge, "judge_after": judge})
        entry[judge] = {"verdicts": now, "time": time.time()}
        self.store.set(key, entry)
        return changes

    def close(self) -> None:
        self.store.close()
