"""The judge engine: cache lookup, backend call, one repair, validation, cache write.

Calls run concurrently on a shared thread pool, bounded per batch by the concurrency
setting.  A call that yields no valid answer becomes a :class:`JudgeFailure` outcome and is
never cached.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from .backends.base import Backend, JudgeCall, Reply
from .budget import Budget
from .cache.keys import cache_key
from .cache.modes import CacheMode
from .cache.store import DiskStore
from .drift import DriftIndex
from .errors import CacheMissError, JudgeFailure
from .judges.base import ReplyProblem, Task
from .models import Usage
from .prompts import template_digest


@dataclass
class Outcome:
    """The result of one judge call: validated answer data, or the failure."""

    data: dict[str, Any] | None = None
    failure: JudgeFailure | None = None
    usage: Usage = field(default_factory=Usage)
    cached: bool = False
    key: str = ""
    drift: list[dict[str, Any]] = field(default_factory=list)
    """How this fresh answer differs from the previous verdict on the same request (see drift.py)."""


def _usage_of(reply: Reply) -> Usage:
    return Usage(calls=1, retries=reply.retries, prompt_tokens=reply.prompt_tokens,
                 completion_tokens=reply.completion_tokens, cost=reply.cost)


class JudgeEngine:
    """Runs judge calls for every critic of a session; owns the stores and the thread pool."""

    def __init__(self, root: Path, budget: Budget | None = None):
        self.root = Path(root)
        self.budget = budget or Budget()
        self._stores: dict[Path, DiskStore] = {}
        self._drift: dict[Path, DriftIndex] = {}
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None

    def store_for(self, cache_dir: str) -> DiskStore:
        path = Path(cache_dir)
        path = path if path.is_absolute() else self.root / path
        with self._lock:
            if path not in self._stores:
                self._stores[path] = DiskStore(path)
            return self._stores[path]

    def drift_index(self, store: DiskStore) -> DriftIndex:
        with self._lock:
            if store.directory not in self._drift:
                self._drift[store.directory] = DriftIndex(store.directory)
            return self._drift[store.directory]

    def note_judges(self, cache_dir: str, names: list[str]) -> None:
        """Judges used side by side (a jury): their verdicts are never reported as drift from each other."""
        self.drift_index(self.store_for(cache_dir)).note_judges(names)

    def _executor(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=64, thread_name_prefix="critique")
            return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
        for store in self._stores.values():
            store.close()
        for index in self._drift.values():
            index.close()
        self.budget.close()

    def run(self, backend: Backend, task: Task, calls: Sequence[JudgeCall], *, cache: str,
            cache_dir: str, concurrency: int) -> list[Outcome]:
        """Run ``calls`` (in order of the result), at most ``concurrency`` at a time."""
        mode = CacheMode.parse(cache)
        store = self.store_for(cache_dir) if backend.cacheable and mode is not CacheMode.OFF else None
        if store is not None:  # used in this run, even from the cache: not a model another one replaced
            self.drift_index(store).note_judges([backend.name])
        # Cache hits are answered on this thread: handing them to the pool only adds contention.
        results: list[Outcome | None] = [self._cached(backend, task, call, mode, store) for call in calls]
        misses = [index for index, result in enumerate(results) if result is None]
        if len(misses) <= 1 or concurrency <= 1:
            for index in misses:
                results[index] = self._run_one(backend, task, calls[index], mode, store)
            return results  # type: ignore[return-value]
        gate = threading.Semaphore(concurrency)

        def gated(index: int) -> Outcome:
            with gate:
                return self._run_one(backend, task, calls[index], mode, store)

        for index, outcome in zip(misses, self._executor().map(gated, misses)):
            results[index] = outcome
        return results  # type: ignore[return-value]

    def key(self, backend: Backend, task: Task, call: JudgeCall) -> str:
        return cache_key(task=task.name, judge=backend.name, template_digest=template_digest(task.template),
                         params=call.params, fields=call.fields, sample=call.sample)

    def _complete(self, backend: Backend, call: JudgeCall) -> Reply:
        """One backend call, drawn from the run's budget (offline judges cost nothing)."""
        if not _offline(backend):
            refusal = self.budget.reserve()
            if refusal is not None:
                raise JudgeFailure(refusal, "budget", calls=0)
        reply = backend.complete(call)
        if not _offline(backend):
            self.budget.spend(reply.cost)
        return reply

    def _cached(self, backend: Backend, task: Task, call: JudgeCall, mode: CacheMode,
                store: DiskStore | None) -> Outcome | None:
        if store is None or not mode.reads:
            return None
        key = self.key(backend, task, call)
        entry = store.get(key)
        if entry is None:
            return None
        try:
            data = task.validate(entry.get("data"), call)
        except ReplyProblem:
            return None  # an entry written by an older schema: judge again
        return Outcome(data=data, usage=Usage(cached=1), cached=True, key=key)

    def _run_one(self, backend: Backend, task: Task, call: JudgeCall, mode: CacheMode,
                 store: DiskStore | None) -> Outcome:
        """Obtain an answer the cache did not have: a judge call, or a miss in read mode."""
        key = self.key(backend, task, call) if store is not None else ""
        if store is not None and not mode.may_call:
            return Outcome(failure=CacheMissError(
                f"no cached verdict for {describe_call(call)} in {store.directory} (cache mode 'read' "
                f"makes no judge calls; key {key[:12]}). Record it by running once with "
                "--critique-cache=rw and a judge model configured."), key=key)
        usage = Usage()
        try:
            reply = self._complete(backend, call)
            usage = usage + _usage_of(reply)
            raw = reply.text
            try:
                data = task.read(reply, call)
            except ReplyProblem as problem:
                if reply.text is None or backend.offline:
                    raise JudgeFailure(f"{backend.name} answered {task.name} with unusable data: {problem}",
                                       problem.kind) from None
                repaired = self._complete(backend, call.with_repair(reply.text, str(problem)))
                usage = usage + _usage_of(repaired)
                raw = repaired.text
                try:
                    data = task.read(repaired, call)
                except ReplyProblem as second:
                    raise JudgeFailure(
                        f"unusable judge reply, twice: {problem}; after a repair request: {second}",
                        second.kind) from None
        except JudgeFailure as failure:
            if failure.calls or failure.retries:
                usage = usage + Usage(calls=failure.calls, retries=failure.retries)
            elif usage.calls == 0 and failure.kind != "budget":
                usage = usage + Usage(calls=1)  # an offline judge that could not answer
            return Outcome(failure=failure, usage=usage, key=key)
        except Exception as exc:  # noqa: BLE001 - a judge bug must be UNSCORED, not a crash
            return Outcome(failure=JudgeFailure(f"{backend.name} raised {type(exc).__name__}: {exc}"),
                           usage=usage, key=key)
        if store is not None and mode.writes:
            store.set(key, {"data": data, "judge": backend.name, "task": task.name,
                            "created": time.time(), "raw": raw,
                            "usage": usage.model_dump(mode="json")})
            return Outcome(data=data, usage=usage, key=key,
                           drift=self.drift_index(store).observe(backend.name, call, data))
        return Outcome(data=data, usage=usage, key=key)


def _offline(backend: Backend) -> bool:
    return bool(getattr(backend, "offline", False))


def describe_call(call: JudgeCall) -> str:
    if "question" in call.fields:
        return f"question {call.fields['question']!r}"
    if "questions" in call.fields:
        return f"a batch of {len(call.fields['questions'])} questions"
    if call.task.endswith("generate"):
        return f"the checklist of instruction {str(call.fields.get('instruction'))[:80]!r}"
    return call.task
