"""The lease that keeps two workers from judging one key twice, on the real stores: the directory
store (two DiskStores on one directory, as two processes have) and Redis (a real server)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, Callable

import pytest

from pytest_critique.cache.base import VerdictStore, judged_once
from pytest_critique.cache.redis_store import RedisStore
from pytest_critique.cache.store import DiskStore

KEY = "ab" * 32


@pytest.fixture(params=["directory", "redis"])
def two_stores(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    """Two handles on one store, as two workers hold them."""
    if request.param == "directory":
        pair: list[Any] = [DiskStore(tmp_path / "cache"), DiskStore(tmp_path / "cache")]
    else:
        url = request.getfixturevalue("redis_url")
        pair = [RedisStore(url, "leases"), RedisStore(url, "leases")]
    yield pair
    for store in pair:
        store.close()


def never() -> bool:
    return False


def counted(answer: dict[str, Any], calls: list[str], name: str, store: VerdictStore,
            before: Callable[[], None] = lambda: None) -> Callable[[], dict[str, Any]]:
    def judge() -> dict[str, Any]:
        calls.append(name)
        before()
        store.set(KEY, answer)
        return answer
    return judge


def test_a_dead_holders_lease_runs_out_and_a_waiter_judges(two_stores: list[VerdictStore]) -> None:
    dead, alive = two_stores
    assert dead.try_lease(KEY, 0.3) is not None  # taken, then never renewed nor ended: the holder died
    assert alive.try_lease(KEY, 0.3) is None and alive.lease_held(KEY)
    calls: list[str] = []
    got = judged_once(alive, KEY, lambda: alive.get(KEY), counted({"v": 1}, calls, "alive", alive), never)
    assert got == {"v": 1} and calls == ["alive"]
    assert not alive.lease_held(KEY)  # ended by its holder


def test_a_waiter_gets_the_holders_verdict_without_a_call(two_stores: list[VerdictStore]) -> None:
    first, second = two_stores
    calls: list[str] = []
    holding = threading.Event()
    release = threading.Event()

    def slow() -> None:
        holding.set()
        release.wait(10)

    results: dict[str, Any] = {}
    holder = threading.Thread(target=lambda: results.update(first=judged_once(
        first, KEY, lambda: first.get(KEY), counted({"v": "first"}, calls, "first", first, slow), never)))
    holder.start()
    assert holding.wait(10)
    waiter = threading.Thread(target=lambda: results.update(second=judged_once(
        second, KEY, lambda: second.get(KEY), counted({"v": "second"}, calls, "second", second), never)))
    waiter.start()
    release.set()
    holder.join(10)
    waiter.join(10)
    assert results == {"first": {"v": "first"}, "second": {"v": "first"}} and calls == ["first"]


def test_a_holder_whose_judge_failed_leaves_the_key_to_a_waiter(two_stores: list[VerdictStore]) -> None:
    first, second = two_stores
    calls: list[str] = []
    holding, release = threading.Event(), threading.Event()

    def failing() -> dict[str, Any]:
        calls.append("first")
        holding.set()
        release.wait(10)
        raise RuntimeError("the judge failed; failures are never stored")

    errors: list[BaseException] = []

    def hold() -> None:
        try:
            judged_once(first, KEY, lambda: first.get(KEY), failing, never)
        except RuntimeError as exc:
            errors.append(exc)

    holder = threading.Thread(target=hold)
    holder.start()
    assert holding.wait(10)
    results: list[Any] = []
    waiter = threading.Thread(target=lambda: results.append(judged_once(
        second, KEY, lambda: second.get(KEY), counted({"v": "second"}, calls, "second", second), never)))
    waiter.start()
    release.set()
    holder.join(10)
    waiter.join(10)
    assert results == [{"v": "second"}] and calls == ["first", "second"] and len(errors) == 1


def test_a_waiter_told_to_give_up_judges_at_once(two_stores: list[VerdictStore]) -> None:
    first, second = two_stores
    assert first.try_lease(KEY, 30) is not None
    calls: list[str] = []
    got = judged_once(second, KEY, lambda: second.get(KEY), counted({"v": 2}, calls, "second", second),
                      lambda: True)
    assert got == {"v": 2} and calls == ["second"]


def test_a_slow_holder_keeps_its_lease_and_leases_of_other_lengths_are_renewed_in_time(
        two_stores: list[VerdictStore]) -> None:
    # One renewal thread serves every lease of the process: a holder judging for three times its
    # lease's length keeps it while a longer lease taken first is also held, so the waiter gets the
    # holder's verdict instead of judging the key itself.
    holder, waiter = two_stores
    other = holder.try_lease("cd" * 32, 30.0)  # renewed rarely: the thread must not sleep past the short lease
    assert other is not None
    from pytest_critique.cache.base import _Renewal

    long_lease = _Renewal(holder, "cd" * 32, other, 30.0)
    calls: list[str] = []
    answer = {"data": {"answer": "YES"}}
    started = threading.Event()
    results: list[Any] = []

    def slow_judge() -> dict[str, Any]:
        calls.append("holder")
        started.set()
        threading.Event().wait(1.2)
        holder.set(KEY, answer)
        return answer

    first = threading.Thread(target=lambda: results.append(
        judged_once(holder, KEY, lambda: holder.get(KEY), slow_judge, never, seconds=0.4)))
    first.start()
    assert started.wait(5)
    second = judged_once(waiter, KEY, lambda: waiter.get(KEY), counted(answer, calls, "waiter", waiter), never,
                         seconds=0.4)
    first.join(5)
    long_lease.stop()
    assert calls == ["holder"] and second == answer and results == [answer]


# The directory store's lease file is untrusted like the rest of the cache directory: it may be
# restored from CI, planted, damaged or replaced by a link.

def _plant(directory: Path, rows: list[tuple[str, str, float]]) -> None:
    import sqlite3

    with sqlite3.connect(directory / "leases" / "leases.db") as connection:
        connection.executemany("INSERT OR REPLACE INTO Lease VALUES (?, ?, ?)", rows)
    connection.close()


def test_a_planted_lease_that_runs_out_in_years_is_ignored(tmp_path: Path) -> None:
    import time

    store = DiskStore(tmp_path / "cache")
    assert store.try_lease("ef" * 32, 1.0) is not None  # the file and its table exist
    store.close()
    # A restored cache holding a lease far in the future would make every worker wait ten minutes for it.
    _plant(tmp_path / "cache", [(KEY, "planted", time.time() + 10**9), ("cd" * 32, "recent", time.time() + 60)])
    store = DiskStore(tmp_path / "cache")
    assert not store.lease_held(KEY)
    calls: list[str] = []
    started = time.monotonic()
    assert judged_once(store, KEY, lambda: store.get(KEY), counted({"v": 1}, calls, "one", store), never) == {"v": 1}
    assert calls == ["one"] and time.monotonic() - started < 5
    # a lease within the longest a holder takes is honoured: it may be a live worker's
    assert store.lease_held("cd" * 32) and store.try_lease("cd" * 32, 15) is None
    store.close()


def test_leases_that_ran_out_or_were_planted_are_cleared_when_a_worker_starts(tmp_path: Path) -> None:
    import sqlite3
    import time

    store = DiskStore(tmp_path / "cache")
    assert store.try_lease("ef" * 32, 30.0) is not None  # alive: kept
    store.close()
    now = time.time()
    _plant(tmp_path / "cache", [(f"{number:064x}", "dead", now - 60) for number in range(100)]
           + [(KEY, "planted", now + 10**9), ("cd" * 32, "alive", now + 60)])
    assert DiskStore(tmp_path / "cache").try_lease("12" * 32, 30) is not None
    with sqlite3.connect(tmp_path / "cache" / "leases" / "leases.db") as connection:
        tokens = sorted(token for (token,) in connection.execute("SELECT token FROM Lease"))
    connection.close()
    assert len(tokens) == 3 and "alive" in tokens and "dead" not in tokens and "planted" not in tokens


def test_leases_never_last_longer_than_the_longest_lease(tmp_path: Path) -> None:
    import sqlite3
    import time

    from pytest_critique.cache.leases import LONGEST_LEASE

    store = DiskStore(tmp_path / "cache")
    token = store.try_lease(KEY, 10**6)
    assert token is not None and store.renew_lease(KEY, token, 10**6)
    store.close()
    with sqlite3.connect(tmp_path / "cache" / "leases" / "leases.db") as connection:
        [(expire,)] = connection.execute("SELECT expire FROM Lease").fetchall()
    connection.close()
    assert expire <= time.time() + LONGEST_LEASE


def test_a_damaged_lease_file_is_moved_aside_and_leases_work(tmp_path: Path) -> None:
    (tmp_path / "cache" / "leases").mkdir(parents=True)
    (tmp_path / "cache" / "leases" / "leases.db").write_bytes(b"not a database, just bytes " * 100)
    first, second = DiskStore(tmp_path / "cache"), DiskStore(tmp_path / "cache")
    with pytest.warns(Warning, match=r"lease file .*leases\.db was damaged .*moved it to .*leases\.db\.damaged-"):
        token = first.try_lease(KEY, 30)
    assert token is not None and second.try_lease(KEY, 30) is None and second.lease_held(KEY)
    first.end_lease(KEY, token)
    assert not second.lease_held(KEY)
    assert [path.name.startswith("leases.db.damaged-") for path in (tmp_path / "cache" / "leases").iterdir()
            if "damaged" in path.name] == [True]
    first.close()
    second.close()


@pytest.mark.parametrize("linked", ["leases", "leases/leases.db"])
def test_a_linked_lease_file_is_refused_and_nothing_is_written_through_it(tmp_path: Path, linked: str) -> None:
    cache = tmp_path / "cache"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    if linked == "leases":
        cache.mkdir()
        (cache / "leases").symlink_to(elsewhere, target_is_directory=True)
    else:
        (cache / "leases").mkdir(parents=True)
        (cache / "leases" / "leases.db").symlink_to(elsewhere / "other.sqlite")
    first, second = DiskStore(cache), DiskStore(cache)
    with pytest.warns(Warning, match="leases at .* unusable .*is a symbolic link.*may each ask the judge"):
        assert first.try_lease(KEY, 30) is not None
    # no lease can be kept: every worker is its own holder (a duplicate call at worst, never a wait)
    assert second.try_lease(KEY, 30) is not None and not second.lease_held(KEY)
    assert list(elsewhere.iterdir()) == []
    first.close()
    second.close()


def test_a_lease_file_another_worker_is_setting_up_is_waited_for(tmp_path: Path) -> None:
    # Workers starting together set the file up together: SQLite refuses to switch a file's journal
    # mode at once ("database is locked", no waiting) while another connection writes to it. That
    # must not leave a worker without leases for the run (it would judge keys the others judge too).
    import sqlite3
    import warnings

    (tmp_path / "cache" / "leases").mkdir(parents=True)
    other = sqlite3.connect(tmp_path / "cache" / "leases" / "leases.db", isolation_level=None, check_same_thread=False)
    other.execute("CREATE TABLE Lease (key TEXT PRIMARY KEY, token TEXT NOT NULL, expire REAL NOT NULL) WITHOUT ROWID")
    other.execute("BEGIN IMMEDIATE")  # still in the default journal mode, writing
    other.execute("INSERT INTO Lease VALUES ('x', 'y', 0)")
    threading.Timer(0.5, lambda: other.execute("COMMIT")).start()
    first, second = DiskStore(tmp_path / "cache"), DiskStore(tmp_path / "cache")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        token = first.try_lease(KEY, 30)
    assert [str(warning.message) for warning in caught] == []
    assert token is not None and second.try_lease(KEY, 30) is None and second.lease_held(KEY)
    first.close()
    second.close()
    other.close()
