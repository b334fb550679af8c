"""What every verdict store offers, and the lease that keeps two workers from judging one key twice.

A store maps cache keys to JSON objects.  The local directory store (``store.py``) treats trouble
as a miss: a cache there is an optimisation.  A shared store (``redis_store.py``) that cannot be
reached raises :class:`StoreUnavailable` instead, and the engine makes the verdict UNSCORED: a
suite pointed at a shared store must neither re-judge everything in silence nor pass without it.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Callable, Protocol, TypeVar

from ..errors import CritiqueError

LEASE_SECONDS = 15.0
"""How long a lease lives unless its holder renews it (it does, every third of that, while judging)."""
LONGEST_WAIT = 600.0
"""The most a worker waits for another's verdict before judging the key itself."""

Found = TypeVar("Found")


class StoreUnavailable(CritiqueError):
    """A shared verdict store could not be read or written (down, refusing, timing out)."""


class VerdictStore(Protocol):
    @property
    def refused(self) -> dict[str, str]:
        """Keys whose entries were refused, with the reason (shown when read mode misses them)."""

    @property
    def location(self) -> str:
        """Where the verdicts live, as shown to the user (a directory, or a URL without its password)."""

    def get(self, key: str) -> dict[str, Any] | None: ...

    def get_many(self, keys: list[str]) -> dict[str, dict[str, Any] | None]:
        """What :meth:`get` gives for each key (a store reached over a network reads them in batches)."""
        ...

    def set(self, key: str, value: dict[str, Any]) -> bool: ...

    def set_many(self, entries: dict[str, dict[str, Any]]) -> bool:
        """:meth:`set` for every entry, written together (a directory in one transaction, Redis in a
        round trip per batch); False when they could not be written."""

    def merge_many(self, entries: dict[str, dict[str, Any]]) -> None:
        """Add the fields of each entry to what the store holds under its key (a record several
        workers add to, such as the drift index's), written together."""

    def delete(self, key: str) -> bool: ...

    def delete_many(self, keys: list[str]) -> int:
        """:meth:`delete` for every key, together (a directory in one transaction, Redis in a round trip
        per batch); how many were there."""

    def keys(self) -> list[str]:
        """The keys of the entries this store holds (never loading anything that is not JSON)."""

    def sub(self, name: str) -> "VerdictStore":
        """A store beside this one for other records (the drift index), kept apart from the verdicts."""

    def try_lease(self, key: str, seconds: float) -> str | None:
        """Take the lease on ``key`` for ``seconds``: a token, or None when another holder has it."""

    def renew_lease(self, key: str, token: str, seconds: float) -> bool: ...

    def end_lease(self, key: str, token: str) -> None: ...

    def lease_held(self, key: str) -> bool: ...

    def close(self) -> None: ...


class _Renewals:
    """One daemon thread that renews every lease this process holds, each ``seconds / 3`` after it was
    taken or last renewed, so a slow judge keeps its lease and a dead holder (whose renewals stop)
    loses it within ``seconds``.  (A thread started for each lease cost a cold run more CPU than the
    lease itself.)"""

    def __init__(self) -> None:
        self._held: dict[str, tuple[VerdictStore, str, float, float]] = {}
        """By token: the store, the key, the lease's seconds and when it is next renewed."""
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def hold(self, store: VerdictStore, key: str, token: str, seconds: float) -> None:
        with self._lock:
            self._held[token] = (store, key, seconds, time.monotonic() + _renewal_period(seconds))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._renew, name="critique-lease", daemon=True)
                self._thread.start()
        self._wake.set()  # this lease may be due before the one the thread sleeps for (a shorter lease)

    def release(self, token: str) -> None:
        with self._lock:
            self._held.pop(token, None)

    def _renew(self) -> None:
        while True:
            with self._lock:
                now = time.monotonic()
                due = [(token, held) for token, held in self._held.items() if held[3] <= now]
                following = min((held[3] for held in self._held.values() if held[3] > now), default=None)
            for token, (store, key, seconds, _) in due:
                try:
                    renewed = store.renew_lease(key, token, seconds)
                except Exception:  # noqa: BLE001 - the store's trouble shows when the verdict is written
                    renewed = False
                with self._lock:
                    if token in self._held:
                        if renewed:
                            self._held[token] = (store, key, seconds, time.monotonic() + _renewal_period(seconds))
                        else:
                            del self._held[token]
            if due:
                continue  # renewed ones are due again later: work out the next wake-up afresh
            self._wake.wait(None if following is None else max(0.0, following - time.monotonic()))
            self._wake.clear()


def _renewal_period(seconds: float) -> float:
    return max(seconds / 3, 0.01)  # never a busy loop, whatever length a lease is given


_RENEWALS = _Renewals()


class _Renewal:
    """A lease held while its holder judges, renewed by the process's renewal thread until ``stop()``."""

    def __init__(self, store: VerdictStore, key: str, token: str, seconds: float):
        self._token = token
        _RENEWALS.hold(store, key, token, seconds)

    def stop(self) -> None:
        _RENEWALS.release(self._token)


def judged_once(store: VerdictStore, key: str, cached: Callable[[], Found | None], judge: Callable[[], Found],
                give_up: Callable[[], bool], seconds: float = LEASE_SECONDS,
                longest_wait: float = LONGEST_WAIT) -> Found:
    """The verdict on a key the store did not hold, judged by one worker while the others wait for it.

    The worker that takes the lease looks in the store once more (another may have written the
    verdict between its miss and its lease), then judges and writes.  The others poll for the
    verdict; when the lease ends without one (the judge failed, and failures are never stored,
    or the holder died and its lease ran out) one of them takes it.  After ``longest_wait`` or
    when ``give_up()`` says so, a waiter judges the key itself.
    """
    deadline = time.monotonic() + longest_wait
    pause = 0.01
    while True:
        token = store.try_lease(key, seconds)
        if token is not None:
            renewal = _Renewal(store, key, token, seconds)
            try:
                found = cached()
                return found if found is not None else judge()
            finally:
                renewal.stop()
                try:
                    store.end_lease(key, token)
                except StoreUnavailable:
                    pass  # it runs out by itself
        while True:
            found = cached()
            if found is not None:
                return found
            if give_up() or time.monotonic() > deadline:
                return judge()
            if not store.lease_held(key):
                break
            time.sleep(pause)
            pause = min(pause * 1.5, 0.2)
