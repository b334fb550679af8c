"""The judge engine: cache lookup, backend call, one repair, validation, cache write.

Calls run concurrently on a shared thread pool.  Requests to one model are bounded by one
limit for the whole run (:class:`InFlight`), whichever tests they come from; a batch is also
bounded by its own concurrency setting.  A call that yields no valid answer becomes a
:class:`JudgeFailure` outcome and is never cached.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

from . import telemetry
from .backends import transport
from .backends.base import Backend, JudgeCall, Reply
from .budget import Budget
from .cache.keys import cache_keys
from .cache.modes import CacheMode
from .cache.base import StoreUnavailable, VerdictStore, judged_once
from .cache.stores import SharedStore, open_store
from .drift import DriftIndex
from .errors import TRANSPORT_KINDS, CacheMissError, JudgeFailure
from .tasks import ReplyProblem, Task
from .models import Exchange, Usage
from .prompts import template_digest
from .files import resolve


@dataclass(slots=True)
class Outcome:
    """The result of one judge call: validated answer data, or the failure."""

    data: dict[str, Any] | None = None
    failure: JudgeFailure | None = None
    usage: Usage = field(default_factory=Usage)
    cached: bool = False
    key: str = ""
    drift: list[dict[str, Any]] = field(default_factory=list)
    """How this fresh answer differs from the previous verdict on the same request (see drift.py)."""
    exchange: Exchange | None = None
    """The request sent and the reply received (with --critique-show-prompt only)."""

    def __post_init__(self) -> None:
        # An answer no judge call was paid for came from a cache: the verdict cache, or a response cache
        # in front of the model (a LiteLLM proxy's) that answered every request made for it.
        if self.data is not None and self.usage.cached and not self.usage.calls:
            self.cached = True

    @property
    def answer(self) -> dict[str, Any]:
        """The validated answer data; only for an outcome already checked not to be a failure."""
        if self.data is None:
            raise ValueError(f"no answer data: {self.failure.reason if self.failure else 'no data'}")
        return self.data


def _usage_of(reply: Reply) -> Usage:
    if reply.cached:  # a response cache in front of the model answered: nothing was paid for
        return Usage(cached=1, retries=reply.retries)
    return Usage(calls=1, retries=reply.retries, prompt_tokens=reply.prompt_tokens,
                 completion_tokens=reply.completion_tokens, cost=reply.cost)


class Breaker:
    """Stops calling a judge for the rest of the run after ``threshold`` failed requests in a row.

    Only failures that say the judge is down count (timeouts, connection and server errors, rate
    limits, replies too large or not a completion); any answer resets the count.  A dead judge
    then costs ``threshold`` requests, not a timeout and its retries for every remaining test.
    """

    def __init__(self, threshold: int):
        self.threshold = threshold
        self._failed: dict[str, int] = {}
        self._open: dict[str, str] = {}
        self._lock = threading.Lock()

    def refusal(self, judge: str) -> str | None:
        return self._open.get(judge)

    def record(self, judge: str, failure: JudgeFailure | None, test: str | None) -> None:
        if self.threshold <= 0:
            return
        with self._lock:
            if failure is None or failure.kind not in TRANSPORT_KINDS:
                self._failed[judge] = 0
                return
            count = self._failed.get(judge, 0) + max(failure.calls, 1)
            self._failed[judge] = count
            if count >= self.threshold and judge not in self._open:
                self._open[judge] = (
                    f"judge {judge} unavailable since {test or 'the start of the run'}: {count} requests in a "
                    f"row failed (the last: {failure.reason}); no more calls to it in this run "
                    f"(--critique-breaker={self.threshold})")


class NeedsJudge(BaseException):
    """Raised in :meth:`JudgeEngine.cached_only`: an answer the work needs is not in the cache.

    A BaseException, so that no ``except Exception`` in a judge kind takes it for a failure."""


class InFlight:
    """The run's limit on requests in flight to each judge: one gate per model, whichever test asks.

    A request holds its place from the first attempt to the last retry.  Waiting for a place
    ends when the run is interrupted.
    """

    def __init__(self, limit: int):
        self.limit = max(1, limit)
        self._gates: dict[str, threading.BoundedSemaphore] = {}
        self._lock = threading.Lock()

    def gate(self, judge: str) -> threading.BoundedSemaphore:
        with self._lock:
            if judge not in self._gates:
                self._gates[judge] = threading.BoundedSemaphore(self.limit)
            return self._gates[judge]

    @contextlib.contextmanager
    def place(self, judge: str) -> Iterator[None]:
        gate = self.gate(judge)
        while not gate.acquire(timeout=0.05):
            if transport.interrupted():
                raise JudgeFailure("the run was interrupted", "interrupted", calls=0)
        try:
            yield
        finally:
            gate.release()


class _Workers:
    """Daemon threads for judge calls: an interrupted run exits without waiting for calls in flight."""

    def __init__(self, size: int = 64):
        self._size = size
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._idle = 0
        self._lock = threading.Lock()

    def submit(self, function: Callable[..., Any], *args: Any) -> Future[Any]:
        future: Future[Any] = Future()
        self._queue.put((future, function, args))
        with self._lock:
            if self._idle == 0 and len(self._threads) < self._size:
                thread = threading.Thread(target=self._work, name=f"critique-{len(self._threads)}", daemon=True)
                self._threads.append(thread)
                thread.start()
            elif self._idle > 0:
                self._idle -= 1
        return future

    def _work(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            future, function, args = item
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(function(*args))
                except BaseException as exc:  # noqa: BLE001 - handed to the waiting thread
                    future.set_exception(exc)
            with self._lock:
                self._idle += 1

    def shutdown(self) -> None:
        with self._lock:
            for _ in self._threads:
                self._queue.put(None)
            self._threads = []
            self._idle = 0


class JudgeEngine:
    """Runs judge calls for every critic of a session; owns the stores and the thread pool."""

    def __init__(self, root: Path, budget: Budget | None = None, breaker: int = 5, in_flight: int = 32,
                 shared_store: SharedStore | None = None):
        self.root = Path(root)
        self.shared_store = shared_store
        self.budget = budget or Budget()
        self.breaker = Breaker(breaker)
        self.in_flight = InFlight(in_flight)
        self.current_test: str | None = None
        """The test being run (named when the breaker opens)."""
        self._asked_by = threading.local()
        """On a verdict thread: the test whose expectation it works out."""
        self._cached_only = threading.local()
        self._stores: dict[Path, VerdictStore] = {}
        self._store_named: dict[str, VerdictStore] = {}
        self._drift: dict[str, DriftIndex] = {}
        self._lock = threading.Lock()
        self._pool: _Workers | None = None
        self._verdict_pool: _Workers | None = None
        transport.reset()

    def store_for(self, cache_dir: str) -> VerdictStore:
        named = self._store_named.get(cache_dir)  # asked for every judged request: skip the path arithmetic
        if named is not None:
            return named
        path = resolve(cache_dir, self.root)
        with self._lock:
            if path not in self._stores:
                self._stores[path] = open_store(path, self.shared_store)
            self._store_named[cache_dir] = self._stores[path]
            return self._stores[path]

    def drift_index(self, store: VerdictStore) -> DriftIndex:
        with self._lock:
            if store.location not in self._drift:
                self._drift[store.location] = DriftIndex(store)
            return self._drift[store.location]

    def note_judges(self, cache_dir: str, names: list[str]) -> None:
        """Judges used side by side (a jury): their verdicts are never reported as drift from each other."""
        self.drift_index(self.store_for(cache_dir)).note_judges(names)

    def _workers(self) -> _Workers:
        with self._lock:
            if self._pool is None:
                self._pool = _Workers(max(64, self.in_flight.limit))
            return self._pool

    @contextlib.contextmanager
    def cached_only(self) -> Iterator[None]:
        """Within the block, on this thread, :meth:`run` answers from the cache alone and raises
        :class:`NeedsJudge` instead of calling a judge (and :meth:`map` raises it at once)."""
        self._cached_only.on = True
        try:
            yield
        finally:
            self._cached_only.on = False

    def defer(self, judge: Callable[[], Any]) -> Future[Any]:
        """Work out a whole verdict on a thread of its own pool (``judge`` calls :meth:`run`, whose
        requests go to the call pool, so a verdict never waits for a thread its calls need)."""
        with self._lock:
            if self._verdict_pool is None:
                self._verdict_pool = _Workers(max(4, self.in_flight.limit))
            pool = self._verdict_pool
        test = self.current_test

        def asked_by_its_test() -> Any:
            self._asked_by.test = test
            try:
                return judge()
            finally:
                self._asked_by.test = None

        return pool.submit(asked_by_its_test)

    def close(self) -> None:
        for pool in (self._pool, self._verdict_pool):
            if pool is not None:
                pool.shutdown()
        self._pool = self._verdict_pool = None
        for index in self._drift.values():
            index.close()  # first: it writes what it has not written yet
        for store in self._stores.values():
            store.close()
        self.budget.close()

    def run(self, backend: Backend, task: Task[Any], calls: Sequence[JudgeCall], *, cache: str,
            cache_dir: str, concurrency: int) -> list[Outcome]:
        """Run ``calls`` (in order of the result), at most ``concurrency`` at a time."""
        if threading.current_thread() is threading.main_thread():
            transport.reset()  # an interrupt ends the calls in flight then, not every later call (a notebook goes on)
        mode = CacheMode.parse(cache)
        test = getattr(self._asked_by, "test", None) or self.current_test
        store = self.store_for(cache_dir) if backend.cacheable and mode is not CacheMode.OFF else None
        if store is not None:  # used in this run, even from the cache: not a model another one replaced
            self.drift_index(store).note_judges([backend.name])
        # Cache hits are answered on this thread: handing them to the pool only adds contention.
        keys = self._keys(backend, task, calls) if store is not None else [""] * len(calls)
        results = self._all_cached(backend, task, calls, keys, mode, store)
        misses = [index for index, result in enumerate(results) if result is None]
        if misses and getattr(self._cached_only, "on", False):
            raise NeedsJudge()
        try:
            if len(misses) <= 1 or concurrency <= 1:
                for index in misses:
                    results[index] = self._run_one(backend, task, calls[index], keys[index], mode, store, test)
                return _filled(results)
            gate = threading.Semaphore(concurrency)

            def gated(index: int) -> Outcome:
                with gate:
                    return self._run_one(backend, task, calls[index], keys[index], mode, store, test)

            futures = [self._workers().submit(gated, index) for index in misses]
            try:
                for index, future in zip(misses, futures):
                    results[index] = future.result()
            finally:
                for future in futures:
                    future.cancel()
            return _filled(results)
        except KeyboardInterrupt:
            transport.interrupt_all()  # calls still in flight end now; nothing more is written
            raise

    def map(self, function: Callable[[Any], Any], items: Sequence[Any], concurrency: int) -> list[Any]:
        """``function`` over ``items`` on daemon threads, at most ``concurrency`` at once, results in order.

        For work that itself calls :meth:`run` (calibration): it gets threads of its own, so it
        never waits for a thread its own calls need; Ctrl-C ends the calls in flight.
        """
        if getattr(self._cached_only, "on", False):
            raise NeedsJudge()
        workers = _Workers(max(1, concurrency))
        futures = [workers.submit(function, item) for item in items]
        try:
            return [future.result() for future in futures]
        except KeyboardInterrupt:
            transport.interrupt_all()
            raise
        finally:
            for future in futures:
                future.cancel()
            workers.shutdown()

    def key(self, backend: Backend, task: Task[Any], call: JudgeCall) -> str:
        """The cache key of ``call`` asked of ``backend``."""
        return self._keys(backend, task, [call])[0]

    def _keys(self, backend: Backend, task: Task[Any], calls: Sequence[JudgeCall]) -> list[str]:
        return cache_keys(task=task.name, judge=backend.name, template_digest=template_digest(task.template),
                          requests=[(call.params, call.fields, call.sample) for call in calls])

    def _complete(self, backend: Backend, call: JudgeCall, test: str | None) -> Reply:
        """One backend call, drawn from the run's budget (offline judges cost nothing)."""
        if _offline(backend):
            return backend.complete(call)
        refusal = self.breaker.refusal(backend.name)
        if refusal is not None:
            raise JudgeFailure(refusal, "unavailable", calls=0)
        estimate = 0.0
        if self.budget.max_cost is not None and hasattr(backend, "estimate_cost"):
            estimate = backend.estimate_cost(call)
        refusal = self.budget.reserve(estimate, give_up=transport.interrupted)
        if refusal is not None:
            raise JudgeFailure(refusal, "budget", calls=0)
        try:
            with self.in_flight.place(backend.name), telemetry.judge_call(test, backend.name, call.task) as traced:
                reply = backend.complete(call)
                traced.replied(reply.prompt_tokens, reply.completion_tokens, reply.cost, reply.retries)
        except BaseException as failure:
            self.budget.settle(estimate, 0.0)
            if isinstance(failure, JudgeFailure):
                self.breaker.record(backend.name, failure, test)
            raise
        self.breaker.record(backend.name, None, test)
        self.budget.settle(estimate, reply.cost)
        return reply

    def _all_cached(self, backend: Backend, task: Task[Any], calls: Sequence[JudgeCall], keys: list[str],
                    mode: CacheMode, store: VerdictStore | None) -> list[Outcome | None]:
        """What the cache holds for each call, read together (one query, or one round trip to a shared store)."""
        if store is None or not mode.reads:
            return [None] * len(calls)
        try:
            entries = store.get_many(keys)
        except StoreUnavailable as unavailable:
            return [_unstored(unavailable, key) for key in keys]
        return [self._from_entry(backend, task, call, key, entries.get(key)) for call, key in zip(calls, keys)]

    def _cached(self, backend: Backend, task: Task[Any], call: JudgeCall, key: str, mode: CacheMode,
                store: VerdictStore | None) -> Outcome | None:
        if store is None or not mode.reads:
            return None
        try:
            entry = store.get(key)
        except StoreUnavailable as unavailable:
            return _unstored(unavailable, key)
        return self._from_entry(backend, task, call, key, entry)

    def _from_entry(self, backend: Backend, task: Task[Any], call: JudgeCall, key: str,
                    entry: dict[str, Any] | None) -> Outcome | None:
        if entry is None:
            return None
        try:
            data = task.validate(entry.get("data"), call)
        except ReplyProblem:
            return None  # an entry written by an older schema: judge again
        raw = entry.get("raw")
        return Outcome(data=data, usage=Usage(cached=1), cached=True, key=key,
                       exchange=_exchange(backend, call, raw if isinstance(raw, str) else None, cached=True))

    def _run_one(self, backend: Backend, task: Task[Any], call: JudgeCall, key: str, mode: CacheMode,
                 store: VerdictStore | None, test: str | None) -> Outcome:
        """Obtain an answer the cache did not have: a judge call, or a miss in read mode."""
        if store is not None and not mode.may_call:
            refused = store.refused.get(key)
            found = f"its entry was refused ({refused})" if refused else "no cached verdict"
            return Outcome(failure=CacheMissError(
                f"{found} for {describe_call(call)} in {store.location} (cache mode 'read' "
                f"makes no judge calls; key {key[:12]}). Record it by running once with "
                "--critique-cache=rw and a judge model configured."), key=key)
        if store is not None and mode is CacheMode.RW and not _offline(backend):
            # One worker judges a key the others need too; they wait for its verdict (see cache/base.py).
            try:
                return judged_once(store, key, lambda: self._cached(backend, task, call, key, mode, store),
                                   lambda: self._judged(backend, task, call, mode, store, test, key),
                                   transport.interrupted)
            except StoreUnavailable as unavailable:
                return _unstored(unavailable, key)
        return self._judged(backend, task, call, mode, store, test, key)

    def _judged(self, backend: Backend, task: Task[Any], call: JudgeCall, mode: CacheMode,
                store: VerdictStore | None, test: str | None, key: str) -> Outcome:
        usage = Usage()
        sent, raw = call, None
        try:
            reply = self._complete(backend, call, test)
            usage = usage + _usage_of(reply)
            raw = reply.text
            try:
                data = task.read(reply, call)
            except ReplyProblem as problem:
                if reply.text is None or backend.offline:
                    raise JudgeFailure(f"{backend.name} answered {task.name} with unusable data: {problem}",
                                       problem.kind) from None
                if problem.kind == "truncated":  # asked again, it would run out of tokens again
                    raise JudgeFailure(str(problem), "truncated") from None
                sent = call.with_repair(reply.text, str(problem))
                raw = None
                repaired = self._complete(backend, sent, test)
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
            elif usage.calls == 0 and failure.kind not in ("budget", "unavailable", "interrupted"):
                usage = usage + Usage(calls=1)  # an offline judge that could not answer
            return Outcome(failure=failure, usage=usage, key=key, exchange=_exchange(backend, sent, raw))
        except Exception as exc:  # noqa: BLE001 - a judge bug must be UNSCORED, not a crash
            return Outcome(failure=JudgeFailure(f"{backend.name} raised {type(exc).__name__}: {exc}"),
                           usage=usage, key=key, exchange=_exchange(backend, sent, raw))
        if transport.interrupted():
            return Outcome(failure=JudgeFailure("the run was interrupted", "interrupted"), usage=usage, key=key)
        if store is not None and mode.writes:
            try:
                store.set(key, {"data": data, "judge": backend.name, "task": task.name,
                                "created": time.time(), "raw": raw,
                                "usage": usage.model_dump(mode="json")})
                drift = self.drift_index(store).observe(backend.name, call, task.decided(data, call.fields))
            except StoreUnavailable as unavailable:
                return _unstored(unavailable, key, usage, judged=True)
            return Outcome(data=data, usage=usage, key=key, exchange=_exchange(backend, sent, raw), drift=drift)
        return Outcome(data=data, usage=usage, key=key, exchange=_exchange(backend, sent, raw))


def _unstored(unavailable: StoreUnavailable, key: str, usage: Usage | None = None, judged: bool = False) -> Outcome:
    """UNSCORED: the shared store could not be read, or could not keep the verdict just judged."""
    what = "the judge answered, but its verdict could not be stored" if judged else "no verdict could be read"
    return Outcome(failure=JudgeFailure(f"{unavailable}: {what}; pytest-critique does not judge around a shared "
                                        "store it cannot use (fix the server, or drop --critique-cache-url)",
                                        "store"), usage=usage or Usage(), key=key)


def _exchange(backend: Backend, call: JudgeCall, raw: str | None, cached: bool = False) -> Exchange | None:
    """What was sent and received, kept only when the user asked to see it (--critique-show-prompt)."""
    if not call.show_prompt or backend.offline:
        return None
    try:
        messages = call.messages()
    except Exception:  # noqa: BLE001 - a request that cannot be rendered has nothing to show
        messages = []
    return Exchange(request=messages, reply=raw, cached=cached)


def _filled(results: list[Outcome | None]) -> list[Outcome]:
    """The outcomes in order, once every call has one."""
    missing = [index for index, result in enumerate(results) if result is None]
    if missing:
        raise AssertionError(f"judge calls without an outcome: {missing}")
    return [result for result in results if result is not None]


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
