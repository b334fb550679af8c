"""The shared verdict store on a real Redis (``--critique-cache-url``), seen through pytest.

Shards fill one store and a machine with no cache and no judge is served every verdict from it; a
Redis that is down, or stops mid-run, makes the affected tests UNSCORED with a message naming its
URL (never its password), never a pass and never a silent re-judge; values that are not JSON text
are refused, never loaded; namespaces keep suites apart; the drift index lives in Redis too.
"""

from __future__ import annotations

import os
import pickle
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import redis
from conftest import COUNTING_CONFTEST, CountingJudgeFiles, read_json
from redis_server import RedisServer, free_port

# Refused entries warn; in-process runs inherit this project's "error:::pytest_critique" filter.
pytestmark = pytest.mark.filterwarnings("always::pytest_critique.cache.store.CacheWarning")

QUESTIONS = ["Does it mention a fox?", "Does it mention autumn?"]
SUITE = """
import pytest

RESPONSES = {responses!r}

@pytest.mark.parametrize("response", RESPONSES)
def test_reply(critique, response):
    assert critique.checklist(response, items={questions!r}).passed
"""


def suite(responses: list[str]) -> str:
    return SUITE.format(responses=responses, questions=QUESTIONS)


def verdicts(report: dict[str, Any]) -> dict[str, tuple[str, list[Any]]]:
    return {test["nodeid"]: (test["outcome"], [item["answer"] for verdict in test["verdicts"]
                                               for item in verdict["items"]]) for test in report["tests"]}


def stored_keys(url: str, pattern: str) -> list[bytes]:
    client = redis.Redis.from_url(url)
    try:
        return sorted(client.scan_iter(match=pattern))
    finally:
        client.close()


def test_shards_fill_one_store_and_a_fresh_machine_reads_every_verdict_without_a_judge(
        pytester: pytest.Pytester, counting: CountingJudgeFiles, redis_url: str) -> None:
    pytester.makepyfile(test_shard_a=suite(["a fox in autumn", "a fox"]),
                        test_shard_b=suite(["autumn leaves", "an owl in autumn, a fox"]))
    store = [f"--critique-cache-url={redis_url}", "--critique-cache-namespace=team-a"]
    shard_a = pytester.runpytest("test_shard_a.py", *store, "--critique-report=a.json")
    shard_a.assert_outcomes(passed=1, failed=1)
    shard_a.stdout.fnmatch_lines([f"critique: judge=none configured cache=rw cache_url={redis_url} namespace=team-a *"])
    shard_b = pytester.runpytest("test_shard_b.py", *store, "--critique-report=b.json")
    shard_b.assert_outcomes(passed=1, failed=1)
    assert len(counting.calls()) == 8
    assert not (pytester.path / ".critique_cache").exists()  # the store is Redis, not the directory
    assert len(stored_keys(redis_url, "team-a:verdict:*")) == 8

    fresh = pytester.mkdir("fresh_machine")
    for name in ("test_shard_a.py", "test_shard_b.py"):
        shutil.copy(pytester.path / name, fresh / name)
    (fresh / "conftest.py").write_text(COUNTING_CONFTEST, encoding="utf-8")
    read = pytester.runpytest(str(fresh), f"--rootdir={fresh}", *store, "--critique-cache=read",
                              "--critique-report=all.json")
    read.assert_outcomes(passed=2, failed=2)
    assert not (fresh / "calls.log").exists()  # not one judge call
    assert not (fresh / ".critique_cache").exists()
    read.stdout.fnmatch_lines(["*8 verdicts (8 cached) · 0 judge calls*"])
    served = verdicts(read_json(pytester.path / "all.json"))
    shards = {**verdicts(read_json(pytester.path / "a.json")), **verdicts(read_json(pytester.path / "b.json"))}
    assert {nodeid.split("/")[-1]: value for nodeid, value in served.items()} == shards

    # another namespace on the same server sees none of it
    other = pytester.runpytest("test_shard_a.py", f"--critique-cache-url={redis_url}",
                               "--critique-cache-namespace=team-b", "--critique-cache=read")
    assert other.parseoutcomes() == {"unscored": 2}
    other.stdout.fnmatch_lines([f"*no cached verdict for question 'Does it mention a fox?' in {redis_url} "
                                "(namespace team-b) (cache mode 'read' makes no judge calls*"])


def test_a_redis_that_is_down_makes_tests_unscored_naming_the_url_without_its_password(
        pytester: pytest.Pytester, counting: CountingJudgeFiles) -> None:
    pytester.makepyfile(test_down=suite(["a fox in autumn", "an owl"]))
    port = free_port()  # nothing listens there
    result = pytester.runpytest(f"--critique-cache-url=redis://:s3cret-pw@127.0.0.1:{port}/2")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert result.parseoutcomes() == {"unscored": 2}
    result.stdout.fnmatch_lines([f"*the shared verdict store redis://:***@127.0.0.1:{port}/2 is unavailable "
                                 f"(Error 111 connecting to 127.0.0.1:{port}. Connection refused.): no verdict "
                                 "could be read; pytest-critique does not judge around a shared store it cannot "
                                 "use (fix the server, or drop --critique-cache-url)"])
    assert "s3cret-pw" not in result.stdout.str() + result.stderr.str()
    assert "Traceback" not in result.stdout.str() and "redis.exceptions" not in result.stdout.str()
    assert counting.calls() == []  # never a silent re-judge


def test_a_redis_that_refuses_the_password_makes_tests_unscored_and_never_shows_it(
        pytester: pytest.Pytester, counting: CountingJudgeFiles, tmp_path: Path) -> None:
    server = RedisServer(tmp_path / "redis", False, None, "--requirepass", "right-pw-4f2a").start()
    try:
        pytester.makepyfile(test_auth=suite(["a fox in autumn"]))
        address = f"127.0.0.1:{server.port}/0"
        # what Redis says depends on its version and on the protocol the client speaks
        for credentials, refusal in (("", "(NOAUTH|Authentication required|HELLO must be called with the client "
                                          "already authenticated)"),
                                     (":wrong-pw-9c1d@", "(WRONGPASS|invalid username-password pair)")):
            result = pytester.runpytest(f"--critique-cache-url=redis://{credentials}{address}")
            assert result.parseoutcomes() == {"unscored": 1}
            shown = re.escape(f"{'redis://:***@' if credentials else 'redis://'}{address}")
            result.stdout.re_match_lines([f".*the shared verdict store {shown} is unavailable \\(.*{refusal}.*"])
            assert "wrong-pw-9c1d" not in result.stdout.str() and "Traceback" not in result.stdout.str()
        assert counting.calls() == []
        accepted = pytester.runpytest(f"--critique-cache-url=redis://:right-pw-4f2a@{address}")
        accepted.assert_outcomes(passed=1)
        assert "right-pw-4f2a" not in accepted.stdout.str() and len(counting.calls()) == 2
    finally:
        server.stop()


def test_redis_stopped_mid_run_leaves_only_real_verdicts_and_the_next_run_recovers(
        pytester: pytest.Pytester, counting: CountingJudgeFiles, tmp_path: Path) -> None:
    server = RedisServer(tmp_path / "redis", persist=True).start()
    try:
        pytester.makepyfile(test_mid=f"""
            import socket

            def check(critique, response):
                assert critique.checklist(response, items=["Does it mention a fox?", "Does it say {{}}?".format(
                    response.split()[-1])]).passed

            def test_1_before(critique):
                check(critique, "a fox in spring")

            def test_2_before(critique):
                check(critique, "a fox in summer")

            def test_3_redis_stops():
                with socket.create_connection(("127.0.0.1", {server.port})) as connection:
                    connection.sendall(b"SHUTDOWN SAVE\\r\\n")
                    connection.recv(64)

            def test_4_after(critique):
                check(critique, "a fox in autumn")

            def test_5_after(critique):
                check(critique, "a fox in winter")
        """)
        url = f"--critique-cache-url=redis://:pw-never-shown@127.0.0.1:{server.port}/0"
        server_url = f"redis://127.0.0.1:{server.port}/0"
        first = pytester.runpytest(url)  # (a server without a password ignores the one given)
        assert first.parseoutcomes() == {"passed": 3, "unscored": 2}
        unavailable = (f"test_mid.py:4: critique: 2 of 2 checklist items unscored: items 1-2: the shared verdict "
                       f"store redis://:***@127.0.0.1:{server.port}/0 is unavailable (*")
        first.stdout.fnmatch_lines(["*_ test_4_after _*", unavailable, "*_ test_5_after _*", unavailable])
        assert "pw-never-shown" not in first.stdout.str()
        judged_before = len(counting.calls())
        assert judged_before == 4  # the judge was not asked for the tests after the stop
        server.process.wait(timeout=10)  # type: ignore[union-attr]
        server.process = None
        server.start()  # the same port, loading what the server held when it stopped
        assert len(stored_keys(server_url, "pytest-critique:verdict:*")) == 4  # nothing cached wrongly
        counting.reset()
        again = pytester.runpytest(url, "-k", "not redis_stops")
        again.assert_outcomes(passed=4)
        asked = sorted(call["question"] for call in counting.calls())  # only what the stop left unjudged
        assert asked == ["Does it mention a fox?", "Does it mention a fox?", "Does it say autumn?",
                         "Does it say winter?"]
        assert len(stored_keys(server_url, "pytest-critique:verdict:*")) == 8
    finally:
        server.stop()


class PlantedCode:
    """Unpickling this would create a file: the test shows it never is."""

    def __init__(self, path: str):
        self.path = path

    def __reduce__(self) -> Any:
        return (open, (self.path, "w"))


def test_values_that_are_not_json_text_are_refused_never_loaded(
        pytester: pytest.Pytester, counting: CountingJudgeFiles, redis_url: str) -> None:
    pytester.makepyfile(test_planted=suite(["a fox in autumn", "an owl in autumn", "a fox", "autumn"]))
    store = f"--critique-cache-url={redis_url}"
    pytester.runpytest(store).assert_outcomes(passed=1, failed=3)
    client = redis.Redis.from_url(redis_url)
    keys = sorted(client.scan_iter(match="pytest-critique:verdict:*"))
    assert len(keys) == 8
    marker = pytester.path / "unpickled"
    planted = [pickle.dumps(PlantedCode(str(marker))), b"\xff\xfe not text", b"[1, 2]", b"{not json"]
    for key, value in zip(keys, planted):
        client.set(key, value)
    client.delete(keys[4])
    client.rpush(keys[4], b"a list")
    client.close()
    read = pytester.runpytest(store, "--critique-cache=read")
    assert read.ret == pytest.ExitCode.TESTS_FAILED
    read.stdout.fnmatch_lines(["pooled pass rate * (5 unscored not counted)"])  # the five planted values
    text = read.stdout.str()
    for why in ("binary data (a pickle?), not UTF-8 text", "JSON that is not an object", "text that is not JSON",
                "not a string value (WRONGTYPE"):
        assert f"its entry was refused (foreign entry refused: {why}" in text, why
    assert not marker.exists()
    again = pytester.runpytest(store)  # read-write: judged again and overwritten with JSON
    again.assert_outcomes(passed=1, failed=3)
    assert not marker.exists()
    pytester.runpytest(store, "--critique-cache=read").assert_outcomes(passed=1, failed=3)


def test_a_local_copy_in_front_serves_a_warm_laptop_without_the_network(
        pytester: pytest.Pytester, counting: CountingJudgeFiles, redis_url: str) -> None:
    pytester.makepyfile(test_local=suite(["a fox in autumn", "an owl"]))
    first = pytester.runpytest(f"--critique-cache-url={redis_url}", "--critique-cache-local")
    first.assert_outcomes(passed=1, failed=1)
    first.stdout.fnmatch_lines(["*cache_url=* namespace=pytest-critique local copy in .critique_cache *"])
    assert (pytester.path / ".critique_cache").is_dir() and len(counting.calls()) == 4
    dead = f"redis://127.0.0.1:{free_port()}/0"  # the laptop is offline now
    warm = pytester.runpytest(f"--critique-cache-url={dead}", "--critique-cache-local", "--critique-cache=read")
    warm.assert_outcomes(passed=1, failed=1)
    assert len(counting.calls()) == 4
    # a copy made by reading through: another laptop with an empty directory fills its own
    shutil.rmtree(pytester.path / ".critique_cache")
    pytester.runpytest(f"--critique-cache-url={redis_url}", "--critique-cache-local",
                       "--critique-cache=read").assert_outcomes(passed=1, failed=1)
    pytester.runpytest(f"--critique-cache-url={dead}", "--critique-cache-local",
                       "--critique-cache=read").assert_outcomes(passed=1, failed=1)


def test_drift_is_kept_in_the_shared_store(pytester: pytest.Pytester, counting: CountingJudgeFiles,
                                           redis_url: str) -> None:
    pytester.makepyfile(test_drift=suite(["a fox in autumn"]))
    store = f"--critique-cache-url={redis_url}"
    pytester.runpytest(store).assert_outcomes(passed=1)
    assert len(stored_keys(redis_url, "pytest-critique:drift:*")) == 2
    counting.set_answers({"Does it mention autumn?": False})
    changed = pytester.runpytest(store, "--critique-cache=refresh", "-rA")
    changed.assert_outcomes(failed=1)
    changed.stdout.fnmatch_lines(["drift (1): verdicts that changed since the cached ones"])


@pytest.mark.parametrize("setting, problem", [
    ("--critique-cache-url=http://127.0.0.1:6379/0", "expected redis://*"),
    ("--critique-cache-url=redis://:hidden-pw@127.0.0.1:6379/x", "the database after the host must be a number*"),
    ("--critique-cache-namespace=team:a", "expected 1 to 100 letters*"),
])
def test_unusable_store_settings_stop_the_run(pytester: pytest.Pytester, setting: str, problem: str) -> None:
    pytester.makepyfile(test_x="def test_x(): pass")
    result = pytester.runpytest(setting)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*critique: invalid value * {problem}"])
    assert "hidden-pw" not in result.stderr.str()


def test_without_the_redis_client_the_run_stops_naming_the_extra(pytester: pytest.Pytester, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    hidden = tmp_path / "no_redis" / "redis"
    hidden.mkdir(parents=True)
    (hidden / "__init__.py").write_text("raise ImportError('No module named redis (hidden by this test)')\n")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(hidden.parent), os.environ.get("PYTHONPATH", "")]))
    pytester.makepyfile(test_x="def test_x(): pass")
    result = pytester.runpytest_subprocess("--critique-cache-url=redis://127.0.0.1:6379/0")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*critique: --critique-cache-url needs the Redis client: "
                                 "pip install 'pytest-critique[[]redis]'*"])


def test_a_critic_outside_pytest_uses_the_shared_store(tmp_path: Path, redis_url: str) -> None:
    from pytest_critique import Critic

    recorded = tmp_path / "verdicts.jsonl"
    recorded.write_text('{"question": "Mentions a fox?", "response": "a fox", "verdict": "YES"}\n')
    first = Critic(model=f"recorded:{recorded}", cache_url=redis_url, cache_namespace="standalone",
                   cache_dir=str(tmp_path / "unused"))
    assert first.checklist("a fox", items=["Mentions a fox?"]).passed
    first.runtime.close()
    assert len(stored_keys(redis_url, "standalone:verdict:*")) == 1 and not (tmp_path / "unused").exists()
    again = Critic(model=f"recorded:{recorded}", cache_url=redis_url, cache_namespace="standalone",
                   cache="read")
    verdict = again.checklist("a fox", items=["Mentions a fox?"])
    again.runtime.close()
    assert verdict.passed and verdict.items[0].cached
