"""The verdict cache under concurrent writers and after damage: no verdict is lost, no entry is
corrupted, and a damaged cache costs a warning and a judge call, never the run.

Concurrency: 200 judged tests under ``pytest -n 4`` writing one cache (RecordedJudge), and four
independent stores in threads against the loopback model judge.  Damage: an unusable or
read-only directory, a full disk, corrupted entries and database, and runs interrupted by
KeyboardInterrupt or SIGKILL.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from reliability_support import cache_entries, load_report, valid_entry

# The cache's warnings must show in the pytester runs' summaries, not be raised as errors by this
# project's own "error:::pytest_critique" filter (in-process runs inherit the active filters).
pytestmark = pytest.mark.filterwarnings("always::pytest_critique.cache.store.CacheWarning")

WORKERS = 4
TESTS = 200
RESPONSES = 50
QUESTIONS = ["Does it name the order?", "Is it polite?", "Does it give a date?", "Is it short?"]


def _recorded_lines() -> str:
    lines = []
    for number in range(RESPONSES):
        for question in QUESTIONS:
            # every tenth reply is impolite: those tests fail, the rest pass
            verdict = not (question == "Is it polite?" and number % 10 == 0)
            lines.append(json.dumps({"question": question, "response": f"Order {number} ships soon.",
                                     "verdict": verdict}))
    return "\n".join(lines) + "\n"


MANY_TESTS = f"""
import pytest

@pytest.mark.parametrize("n", range({TESTS}))
def test_reply(critique, n):
    verdict = critique.checklist(f"Order {{n % {RESPONSES}}} ships soon.", items={QUESTIONS!r})
    assert verdict.passed
"""
EXPECTED_FAILED = sum(1 for n in range(TESTS) if (n % RESPONSES) % 10 == 0)


def judge_calls_per_key(report: dict[str, Any]) -> Counter:
    """How often the judge was asked about each (response, question): items not served from the cache."""
    calls: Counter = Counter()
    for test in report["tests"]:
        n = int(test["nodeid"].split("[")[1].rstrip("]"))
        for verdict in test["verdicts"]:
            for item in verdict["items"]:
                if not item["cached"]:
                    calls[(n % RESPONSES, item["question"])] += 1
    return calls


def test_four_workers_share_one_cache_without_losing_or_corrupting_verdicts(
        pytester: pytest.Pytester, record_property: Any) -> None:
    pytester.makefile(".jsonl", verdicts=_recorded_lines())
    pytester.makepyfile(test_many=MANY_TESTS)
    args = ["--critique-model=recorded:verdicts.jsonl", "-p", "no:cacheprovider"]
    first = pytester.runpytest("-n", str(WORKERS), "--critique-report=first.json", *args)
    first.assert_outcomes(passed=TESTS - EXPECTED_FAILED, failed=EXPECTED_FAILED)
    report = load_report(pytester.path / "first.json")
    keys = RESPONSES * len(QUESTIONS)
    # every test's verdict reached the controller, none unscored
    assert len(report["tests"]) == TESTS and report["totals"]["items"] == TESTS * len(QUESTIONS)
    assert report["totals"]["unscored_items"] == 0

    # every verdict is in the cache, once, as valid JSON
    entries = cache_entries(pytester.path / ".critique_cache")
    assert len(entries) == keys
    assert all(valid_entry(value) for value in entries.values())

    # duplicate judge calls: two workers missing the same key at the same moment; each worker
    # asks at most once per key (it reads what it wrote), so at most WORKERS calls per key
    calls = judge_calls_per_key(report)
    assert set(calls) == {(n, q) for n in range(RESPONSES) for q in QUESTIONS}
    assert max(calls.values()) <= WORKERS
    duplicates = sum(calls.values()) - keys
    assert report["totals"]["usage"]["calls"] == keys + duplicates
    record_property("duplicate_judge_calls", duplicates)
    print(f"\n{TESTS} tests x {len(QUESTIONS)} questions, {keys} keys, -n {WORKERS}: "
          f"{sum(calls.values())} judge calls, {duplicates} duplicate")
    # observed 0-30 duplicates for 200 keys (it depends on how xdist schedules the tests)
    assert duplicates <= keys // 2, f"{duplicates} duplicate judge calls for {keys} keys"

    # a read-only replay finds every verdict
    replay = pytester.runpytest("--critique-cache=read", "--critique-report=replay.json", *args)
    replay.assert_outcomes(passed=TESTS - EXPECTED_FAILED, failed=EXPECTED_FAILED)
    again = load_report(pytester.path / "replay.json")
    assert again["totals"]["usage"]["calls"] == 0
    assert again["totals"]["cached_items"] == TESTS * len(QUESTIONS)


def test_independent_stores_in_threads_against_the_model_judge(tmp_path: Path, record_property: Any) -> None:
    """Four runtimes (four DiskStores on one directory, as four processes would have) in threads: no
    verdict is lost, and no key is judged twice."""
    pytest.importorskip("litellm")
    from fault_cases import API_KEY, MODEL, verdict_json
    from loopback import LoopbackServer

    from pytest_critique import Critic
    from pytest_critique.runtime import Runtime

    asked: Counter = Counter()
    lock = threading.Lock()

    def judge(request: dict[str, Any]) -> str:
        prompt = request["messages"][1]["content"]
        key = (prompt.split("Order ", 1)[1].split(" ", 1)[0], prompt.split("<question-", 1)[1].split("\n", 2)[1])
        with lock:
            asked[key] += 1
        return verdict_json("YES")

    responses = [f"Order {number} ships soon." for number in range(20)]
    questions = QUESTIONS[:2]
    errors: list[BaseException] = []
    verdicts: list[Any] = []

    with LoopbackServer(handler=judge, latency=0.01) as server:
        def worker(offset: int) -> None:
            critic = Critic(model=MODEL, api_base=server.url, api_key=API_KEY, retries=0, timeout=10.0,
                            cache_dir=str(tmp_path / "cache"), runtime=Runtime(tmp_path))
            try:
                for turn in range(30):
                    verdicts.append(critic.checklist(responses[(offset * 5 + turn) % 20], items=questions))
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
            finally:
                critic.runtime.close()

        threads = [threading.Thread(target=worker, args=(offset,)) for offset in range(WORKERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        calls = server.calls
    assert not errors, errors
    assert len(verdicts) == WORKERS * 30 and all(verdict.passed for verdict in verdicts)
    keys = len(responses) * len(questions)
    entries = cache_entries(tmp_path / "cache")
    assert len(entries) == keys and all(valid_entry(value) for value in entries.values())
    # each key is judged once: the store that misses first holds its lease, the others wait for its verdict
    assert len(asked) == keys and max(asked.values()) == 1
    duplicates = calls - keys
    assert duplicates == 0
    record_property("duplicate_judge_calls", duplicates)
    print(f"\n4 threads x 30 checklists, {keys} keys: {calls} judge calls, {duplicates} duplicate")

    replay = Critic(model=MODEL, api_base="http://127.0.0.1:9", api_key=API_KEY, cache="read",
                    cache_dir=str(tmp_path / "cache"), runtime=Runtime(tmp_path))
    for response in responses:
        assert all(item.cached for item in replay.checklist(response, items=questions).items)


# ---------------------------------------------------------------- a damaged cache

FOX_TEST = """
def test_fox(critique):
    verdict = critique.checklist("a fox in autumn", items=["Does it mention a fox?", "Does it mention autumn?"])
    assert verdict.passed
"""
FOX_VERDICTS = """\
{"question": "Does it mention a fox?", "response": "a fox in autumn", "verdict": "YES"}
{"question": "Does it mention autumn?", "response": "a fox in autumn", "verdict": "YES"}
"""
RECORDED = ["--critique-model=recorded:verdicts.jsonl", "-p", "no:cacheprovider"]


@pytest.fixture
def fox(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makefile(".jsonl", verdicts=FOX_VERDICTS)
    pytester.makepyfile(test_fox=FOX_TEST)
    return pytester


def usage_of(pytester: pytest.Pytester, name: str = "report.json") -> dict[str, Any]:
    return load_report(pytester.path / name)["totals"]["usage"]


def assert_read_miss_is_clear(result: pytest.RunResult) -> None:
    assert result.ret == 1
    assert result.parseoutcomes().get("unscored") == 1
    result.stdout.fnmatch_lines([
        "unscored (1): *",
        "  test_fox.py::test_fox  critique: 2 of 2 checklist items unscored: item 1: no cached verdict for question "
        "'Does it mention a fox*",
        "hint: cache mode 'read' found no verdict for some questions*",
    ])


def test_an_unusable_cache_directory_costs_a_warning_not_the_run(fox: pytest.Pytester) -> None:
    (fox.path / "blocker").write_text("a file where the cache directory should be")
    where = "--critique-cache-dir=blocker/cache"
    result = fox.runpytest(where, "--critique-report=report.json", *RECORDED)
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*CacheWarning: critique: verdict cache at *blocker/cache unusable*continuing "
                                 "without it*"])
    assert usage_of(fox)["calls"] == 2
    assert_read_miss_is_clear(fox.runpytest(where, "--critique-cache=read", *RECORDED))


def test_a_read_only_cache_directory_costs_a_warning_not_the_run(fox: pytest.Pytester) -> None:
    cache = fox.path / "readonly"
    cache.mkdir()
    cache.chmod(0o555)
    try:
        probe = cache / "probe"
        try:
            probe.write_text("x")
        except OSError:
            pass
        else:
            probe.unlink()
            pytest.skip("this user can write into a chmod 555 directory (running as root?); "
                        "the unusable-directory test covers a cache that cannot be created")
        result = fox.runpytest("--critique-cache-dir=readonly", "--critique-report=report.json", *RECORDED)
        result.assert_outcomes(passed=1)
        result.stdout.fnmatch_lines(["*CacheWarning: critique: *"])
        assert_read_miss_is_clear(fox.runpytest("--critique-cache-dir=readonly", "--critique-cache=read",
                                                           *RECORDED))
    finally:
        cache.chmod(0o755)


DISK_FULL_CONFTEST = """
import sqlite3

import diskcache

_real_set = diskcache.Cache.set


def _full(self, key, value, *args, **kwargs):
    raise sqlite3.OperationalError("database or disk is full")


def pytest_configure(config):
    diskcache.Cache.set = _full


def pytest_unconfigure(config):
    diskcache.Cache.set = _real_set
"""


def test_a_full_disk_costs_a_warning_and_the_verdicts_are_judged_again_later(fox: pytest.Pytester) -> None:
    fox.makeconftest(DISK_FULL_CONFTEST)
    full = fox.runpytest("--critique-report=report.json", *RECORDED)
    full.assert_outcomes(passed=1)
    full.stdout.fnmatch_lines(["*CacheWarning: critique: could not write cache entry * (database or disk is full)*"])
    assert usage_of(fox)["calls"] == 2
    assert_read_miss_is_clear(fox.runpytest("--critique-cache=read", *RECORDED))
    # room again: the verdicts are judged and written this time
    (fox.path / "conftest.py").unlink()
    fox.runpytest("--critique-report=report.json", *RECORDED).assert_outcomes(passed=1)
    assert usage_of(fox)["calls"] == 2
    assert len(cache_entries(fox.path / ".critique_cache")) == 2


CORRUPTIONS = {
    "not-json": "this is not JSON {",
    "json-list": "[1, 2, 3]",
    "bytes": b"\x80\x81\xfe\xff binary",
    "pickled-object": {"data": {"answer": "YES"}},  # diskcache pickles what is not str/bytes
    "wrong-shape": json.dumps({"data": {"answer": "MAYBE"}}),
    "no-data": json.dumps({"judge": "x"}),
}
UNREADABLE = ["not-json", "json-list", "bytes", "pickled-object"]
"""Corruptions the store warns about; the others are readable JSON objects of an old shape (judged again
quietly, like entries of an older cache format)."""
KINDS = list(CORRUPTIONS)
SIX_QUESTIONS = f"""
def test_six(critique):
    assert critique.checklist("a fox in autumn", items={[f"Is it {kind}?" for kind in KINDS]!r}).passed
"""
SIX_VERDICTS = "".join(json.dumps({"question": f"Is it {kind}?", "response": "a fox in autumn", "verdict": True})
                       + "\n" for kind in KINDS)


def _corrupt(directory: Path) -> dict[str, str]:
    """Overwrite each entry with a different corruption; returns {key: kind of corruption}."""
    import diskcache

    with diskcache.Cache(str(directory)) as cache:
        kinds = dict(zip(sorted(cache.iterkeys()), KINDS))
        for key, kind in kinds.items():
            cache.set(key, CORRUPTIONS[kind])
    return kinds


def test_corrupted_entries_are_judged_again_and_rewritten(pytester: pytest.Pytester) -> None:
    pytester.makefile(".jsonl", verdicts=SIX_VERDICTS)
    pytester.makepyfile(test_six=SIX_QUESTIONS)
    pytester.runpytest(*RECORDED).assert_outcomes(passed=1)
    directory = pytester.path / ".critique_cache"
    kinds = _corrupt(directory)
    assert sorted(kinds.values()) == sorted(KINDS)

    result = pytester.runpytest("--critique-report=report.json", *RECORDED)
    result.assert_outcomes(passed=1)
    assert usage_of(pytester)["calls"] == len(KINDS)  # every corrupted verdict judged again
    unreadable = [line.split("unreadable cache entry ")[1][:12] for line in result.stdout.lines
                  if "CacheWarning: critique: unreadable cache entry" in line and "counts as not cached" in line]
    foreign = [line.split("(key ")[1][:12] for line in result.stdout.lines
               if "CacheWarning: critique: foreign entry refused" in line and "never unpickles" in line]
    assert sorted(unreadable) == sorted(key[:12] for key, kind in kinds.items() if kind in ("not-json", "json-list"))
    assert sorted(foreign) == sorted(key[:12] for key, kind in kinds.items() if kind in ("bytes", "pickled-object"))
    entries = cache_entries(directory)
    assert sorted(entries) == sorted(kinds) and all(valid_entry(value) for value in entries.values())

    # corrupted again: read mode reports misses rather than trusting any of them
    _corrupt(directory)
    missed = pytester.runpytest("--critique-cache=read", *RECORDED)
    assert missed.ret == 1 and missed.parseoutcomes().get("unscored") == 1
    missed.stdout.fnmatch_lines([
        f"  test_six.py::test_six  critique: {len(KINDS)} of {len(KINDS)} checklist items unscored: item 1: its entry "
        "was refused (*",
        "hint: cache mode 'read' found no verdict for some questions*",
    ])


def test_a_cache_database_that_is_not_a_database_costs_a_warning(fox: pytest.Pytester) -> None:
    fox.runpytest(*RECORDED).assert_outcomes(passed=1)
    database = fox.path / ".critique_cache" / "cache.db"
    for leftover in database.parent.glob("cache.db-*"):
        leftover.unlink()
    database.write_bytes(b"this is not an SQLite database" * 100)
    result = fox.runpytest("--critique-report=report.json", *RECORDED)
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*CacheWarning: critique: *"])
    assert usage_of(fox)["calls"] == 2


def test_a_corrupted_entry_under_warnings_as_errors_still_gets_a_verdict(fox: pytest.Pytester) -> None:
    import diskcache

    fox.runpytest(*RECORDED).assert_outcomes(passed=1)
    with diskcache.Cache(str(fox.path / ".critique_cache")) as cache:
        for key in list(cache.iterkeys()):
            cache.set(key, "not json")
    result = fox.runpytest("-W", "error", *RECORDED)
    result.assert_outcomes(passed=1)


# ---------------------------------------------------------------- interrupted runs

INTERRUPTED = """
import pytest

@pytest.mark.parametrize("n", range(3))
def test_judged(critique, n):
    assert critique.checklist(f"reply {n}", items=["Is it polite?", "Is it short?"]).passed

def test_interrupt():
    raise KeyboardInterrupt

def test_never_reached(critique):
    assert critique.checklist("reply 3", items=["Is it polite?"]).passed
"""


def _replies(count: int) -> str:
    return "".join(json.dumps({"question": question, "response": f"reply {n}", "verdict": True}) + "\n"
                   for n in range(count) for question in ("Is it polite?", "Is it short?"))


def test_a_keyboard_interrupt_leaves_a_readable_cache(pytester: pytest.Pytester) -> None:
    pytester.makefile(".jsonl", verdicts=_replies(4))
    pytester.makepyfile(test_interrupted=INTERRUPTED)
    interrupted = pytester.runpytest_subprocess("-p", "no:randomly", *RECORDED)
    assert interrupted.ret == pytest.ExitCode.INTERRUPTED
    entries = cache_entries(pytester.path / ".critique_cache")
    assert len(entries) == 6 and all(valid_entry(value) for value in entries.values())
    replay = pytester.runpytest("--critique-cache=read", "-k", "test_judged", "--critique-report=report.json",
                                           *RECORDED)
    replay.assert_outcomes(passed=3)
    assert usage_of(pytester)["calls"] == 0


INTERRUPTING_JUDGE = """
import pytest
from pytest_critique import OfflineJudge


class Interrupting(OfflineJudge):
    name = "interrupting"
    cacheable = True

    def answer(self, *, question, response, instruction, input):
        if question == "Question 5?":
            raise KeyboardInterrupt
        return True, "fine"


@pytest.fixture
def critique_backend():
    return Interrupting()
"""


def test_a_keyboard_interrupt_inside_concurrent_judge_calls_leaves_a_readable_cache(
        pytester: pytest.Pytester) -> None:
    pytester.makeconftest(INTERRUPTING_JUDGE)
    pytester.makepyfile(test_batch="""
def test_checklist(critique):
    critique.checklist("reply", items=[f"Question {n}?" for n in range(8)])
""")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--critique-concurrency=8")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    entries = cache_entries(pytester.path / ".critique_cache")
    assert len(entries) <= 7 and all(valid_entry(value) for value in entries.values())


KILLED = """
import time
from pathlib import Path

def test_judged_then_hangs(critique):
    assert critique.checklist("reply 0", items=["Is it polite?", "Is it short?"]).passed
    assert critique.checklist("reply 1", items=["Is it polite?", "Is it short?"]).passed
    Path("judged.flag").write_text("ready")
    time.sleep(60)
"""


def test_a_killed_run_leaves_a_readable_cache(pytester: pytest.Pytester) -> None:
    pytester.makefile(".jsonl", verdicts=_replies(2))
    pytester.makepyfile(test_killed=KILLED)
    process = subprocess.Popen([sys.executable, "-m", "pytest", *RECORDED], cwd=pytester.path,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while not (pytester.path / "judged.flag").exists():
            assert process.poll() is None, "the run ended before it was killed"
            assert time.monotonic() < deadline, "the run never got to its verdicts"
            time.sleep(0.05)
        os.kill(process.pid, signal.SIGKILL)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(10)
    entries = cache_entries(pytester.path / ".critique_cache")
    assert len(entries) == 4 and all(valid_entry(value) for value in entries.values())
    pytester.makepyfile(test_killed="""
def test_replayed(critique):
    assert critique.checklist("reply 0", items=["Is it polite?", "Is it short?"]).passed
    assert critique.checklist("reply 1", items=["Is it polite?", "Is it short?"]).passed
""")
    replay = pytester.runpytest("--critique-cache=read", "--critique-report=report.json", *RECORDED)
    replay.assert_outcomes(passed=1)
    assert usage_of(pytester)["calls"] == 0
