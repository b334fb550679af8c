"""A shared store that accepts connections and never answers: the run must not hang.

A loopback listener that accepts and never replies (plain or TLS URL), and a real redis-server
stopped with SIGSTOP while a worker holds a lease and judges: the affected tests are UNSCORED
naming the URL (never its password), the judge is not asked for them, the run ends, and after the
server resumes it holds only real verdicts. After the first timeout the store is not waited on
again for a while: later tests are UNSCORED at once.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import threading
from pathlib import Path
from typing import Any, Iterator

import pytest
import redis
from conftest import CountingJudgeFiles
from redis_server import RedisServer

RUN_TIMEOUT = 120
"""Seconds a whole pytester run may take here: far more than it needs, far less than a hang."""
TESTS = 5
SUITE = f"""
import pytest

@pytest.mark.parametrize("n", range({TESTS}))
def test_reply(critique, n):
    assert critique.checklist(f"a fox, number {{n}}", items=["Does it mention a fox?"]).passed
"""

AROUND = "; pytest-critique does not judge around a shared store it cannot use (fix the server, or drop " \
         "--critique-cache-url)"
NOT_READ = f"): no verdict could be read{AROUND}"
NOT_STORED = f"): the judge answered, but its verdict could not be stored{AROUND}"


class SilentListener:
    """Accepts connections on a loopback port, reads nothing, answers nothing, and counts them."""

    def __init__(self) -> None:
        self._socket = socket.create_server(("127.0.0.1", 0))
        self.port = self._socket.getsockname()[1]
        self.connections: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self._socket.accept()
            except OSError:
                return
            self.connections.append(connection)

    def close(self) -> None:
        self._socket.close()
        for connection in self.connections:
            connection.close()


@pytest.fixture
def silent() -> Iterator[SilentListener]:
    listener = SilentListener()
    yield listener
    listener.close()


def unscored_reasons(output: str) -> list[str]:
    return re.findall(r"^test_\w+\.py:\d+: critique: .*unscored: item 1: (.*)$", output, re.MULTILINE)


@pytest.mark.parametrize("scheme", ["redis", "rediss"])
def test_a_store_that_accepts_and_never_answers_makes_tests_unscored_without_hanging(
        pytester: pytest.Pytester, counting: CountingJudgeFiles, silent: SilentListener, scheme: str) -> None:
    pytester.makepyfile(test_silent=SUITE)
    result = pytester.runpytest_subprocess(f"--critique-cache-url={scheme}://:quiet-pw@127.0.0.1:{silent.port}/0",
                                           timeout=RUN_TIMEOUT)
    assert result.parseoutcomes() == {"unscored": TESTS}
    shown = f"the shared verdict store {scheme}://:***@127.0.0.1:{silent.port}/0 is unavailable ("
    reasons = unscored_reasons(result.stdout.str())
    assert len(reasons) == TESTS and all(reason.startswith(shown) for reason in reasons), reasons
    assert all(re.fullmatch(r"\([^()]*[Tt]imeout[^()]*", reason[len(shown) - 1:-len(NOT_READ)])
               and reason.endswith(NOT_READ) for reason in reasons), reasons
    # after the first timeout the store fails at once for a while: the later tests did not wait on the server
    assert 1 <= len(silent.connections) < TESTS
    assert "quiet-pw" not in result.stdout.str() + result.stderr.str() and "Traceback" not in result.stdout.str()
    assert counting.calls() == []


STOPPING_CONFTEST = '''
import os
import signal

import pytest
from pytest_critique import OfflineJudge


class StoppingJudge(OfflineJudge):
    """Judges like a model (it takes leases); on a response with "stop" it first stops the Redis server."""

    name = "stopping"
    offline = False
    cacheable = True

    def answer(self, *, question, response, instruction, input):
        if "stop" in response and os.environ.get("STOP_REDIS_PID"):
            os.kill(int(os.environ["STOP_REDIS_PID"]), signal.SIGSTOP)
        return "fox" in response, "looked for a fox"


@pytest.fixture
def critique_backend():
    return StoppingJudge()
'''


def verdict_entries(url: str) -> list[dict[str, Any]]:
    client = redis.Redis.from_url(url, socket_timeout=30)
    try:
        return [json.loads(client.get(key)) for key in client.scan_iter(match="pytest-critique:verdict:*")]
    finally:
        client.close()


def test_a_redis_stopped_while_a_lease_is_held_neither_hangs_the_run_nor_keeps_a_false_verdict(
        pytester: pytest.Pytester, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytester.makeconftest(STOPPING_CONFTEST)
    pytester.makepyfile(test_stop="""
        def check(critique, response):
            assert critique.checklist(response, items=["Does it mention a fox?"]).passed

        def test_1_before(critique):
            check(critique, "a fox in spring")

        def test_2_stops_redis_while_judged(critique):
            check(critique, "a fox, then stop")

        def test_3_after(critique):
            check(critique, "a fox in autumn")
    """)
    server = RedisServer(tmp_path / "redis").start()
    assert server.process is not None
    url = f"redis://127.0.0.1:{server.port}/0"
    try:
        monkeypatch.setenv("STOP_REDIS_PID", str(server.process.pid))
        first = pytester.runpytest_subprocess(f"--critique-cache-url={url}", timeout=RUN_TIMEOUT)
        assert first.parseoutcomes() == {"passed": 1, "unscored": 2}
        reasons = unscored_reasons(first.stdout.str())
        shown = f"the shared verdict store {url} is unavailable ("
        assert reasons[0].startswith(shown) and "imeout" in reasons[0] and reasons[0].endswith(NOT_STORED)
        assert reasons[1].startswith(shown) and reasons[1].endswith(NOT_READ)
    finally:
        os.kill(server.process.pid, signal.SIGCONT)
    try:
        # what the stopped server had received is carried out now: verdicts the judge gave, nothing else
        entries = verdict_entries(url)
        assert 1 <= len(entries) <= 2
        assert all(entry["data"]["answer"] == "YES" and entry["judge"] == "stopping" for entry in entries)
        monkeypatch.delenv("STOP_REDIS_PID")
        # a lease the stopped run could not end runs out by itself (15 s): the next run waits at most that
        again = pytester.runpytest_subprocess(f"--critique-cache-url={url}", timeout=RUN_TIMEOUT)
        again.assert_outcomes(passed=3)
        assert len(verdict_entries(url)) == 3
    finally:
        server.stop()
