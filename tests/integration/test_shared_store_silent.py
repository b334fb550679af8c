"""A shared store that accepts connections and never answers: the run must not hang.

A loopback listener that accepts and never replies (plain or TLS URL), and a real redis-server
stopped with SIGSTOP while a worker holds a lease and judges: the affected tests are UNSCORED
naming the URL (never its password), the judge is not asked for them, the run ends, and after the
server resumes it holds only real verdicts. After the first timeout the store is not waited on
again for a while: later tests are UNSCORED at once.

Each of these runs waits out the store's reply timeout (10 s), so the three scenarios are one test whose
pytest runs are started side by side, each in a directory of its own, and then checked one by one.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Iterator

import pytest
import redis
from conftest import COUNTING_CONFTEST, CountingJudgeFiles
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


class BackgroundRun:
    """``python -m pytest ARGS`` started in ``directory`` and left running (as pytester's
    ``runpytest_subprocess`` would run it, but without waiting), so runs that each wait on a silent store
    wait side by side."""

    def __init__(self, directory: Path, *args: str, env: dict[str, str] | None = None):
        self.directory = directory
        self.started = time.monotonic()
        environment = dict(os.environ if env is None else env)
        environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(directory), environment.get("PYTHONPATH")]))
        with (directory / "stdout").open("wb") as stdout, (directory / "stderr").open("wb") as stderr:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "pytest", f"--basetemp={directory / 'basetemp'}", *args], cwd=directory,
                env=environment, stdin=subprocess.DEVNULL, stdout=stdout, stderr=stderr)

    def result(self) -> pytest.RunResult:
        """Wait for the run (at most RUN_TIMEOUT seconds from its start: longer is a hang) and read what it printed."""
        try:
            status = self.process.wait(timeout=max(0.0, self.started + RUN_TIMEOUT - time.monotonic()))
        except subprocess.TimeoutExpired:
            self.stop()
            pytest.fail(f"the run in {self.directory.name} did not end within {RUN_TIMEOUT} s")
        out, err = ((self.directory / name).read_text(encoding="utf-8").splitlines() for name in ("stdout", "stderr"))
        return pytest.RunResult(status, out, err, time.monotonic() - self.started)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def background(pytester: pytest.Pytester) -> Iterator[Any]:
    """Start :class:`BackgroundRun` s in directories of their own (in pytester's directory, with the
    environment pytester sets up); any still running at the end are killed."""
    runs: list[BackgroundRun] = []

    def start(directory: Path, *args: str, env: dict[str, str] | None = None) -> BackgroundRun:
        runs.append(BackgroundRun(directory, *args, env=env))
        return runs[-1]

    yield start
    for run in runs:
        run.stop()


def unscored_reasons(output: str) -> list[str]:
    return re.findall(r"^test_\w+\.py:\d+: critique: .*unscored: item 1: (.*)$", output, re.MULTILINE)


def silent_suite(directory: Path) -> CountingJudgeFiles:
    """A directory with the suite of TESTS and the counting judge (which must never be asked)."""
    directory.mkdir()
    (directory / "conftest.py").write_text(COUNTING_CONFTEST, encoding="utf-8")
    (directory / "test_silent.py").write_text(SUITE, encoding="utf-8")
    return CountingJudgeFiles(directory)


def check_silent_run(result: pytest.RunResult, counting: CountingJudgeFiles, silent: SilentListener,
                     scheme: str) -> None:
    """A store that accepts and never answers makes the tests unscored without hanging."""
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


STOP_SUITE = """
def check(critique, response):
    assert critique.checklist(response, items=["Does it mention a fox?"]).passed

def test_1_before(critique):
    check(critique, "a fox in spring")

def test_2_stops_redis_while_judged(critique):
    check(critique, "a fox, then stop")

def test_3_after(critique):
    check(critique, "a fox in autumn")
"""


def test_stores_that_stop_answering_make_tests_unscored_without_hanging(
        pytester: pytest.Pytester, background: Any) -> None:
    """Side by side: a silent listener behind a redis:// URL and one behind a rediss:// URL (each run's tests
    are unscored, naming the URL without its password), and a real redis-server stopped with SIGSTOP while a
    lease is held (the run neither hangs nor keeps a false verdict, and after the server resumes the next
    run gets every verdict)."""
    silent_runs = []
    for scheme in ("redis", "rediss"):
        listener = SilentListener()
        try:
            counting = silent_suite(pytester.path / f"silent-{scheme}")
            run = background(counting.path, f"--critique-cache-url={scheme}://:quiet-pw@127.0.0.1:{listener.port}/0")
        except BaseException:
            listener.close()
            raise
        silent_runs.append((scheme, listener, counting, run))
    try:
        stopped_redis_neither_hangs_the_run_nor_keeps_a_false_verdict(pytester.path / "stopped", background)
        for scheme, listener, counting, run in silent_runs:
            check_silent_run(run.result(), counting, listener, scheme)
    finally:
        for _, listener, _, _ in silent_runs:
            listener.close()


def stopped_redis_neither_hangs_the_run_nor_keeps_a_false_verdict(directory: Path, background: Any) -> None:
    """A redis-server stopped while a lease is held: the run ends, the stopped server kept only real verdicts,
    and the next run after it resumes passes."""
    directory.mkdir()
    (directory / "conftest.py").write_text(STOPPING_CONFTEST, encoding="utf-8")
    (directory / "test_stop.py").write_text(STOP_SUITE, encoding="utf-8")
    server = RedisServer(directory / "redis").start()
    assert server.process is not None
    url = f"redis://127.0.0.1:{server.port}/0"
    try:
        try:
            first = background(directory, f"--critique-cache-url={url}",
                               env={**os.environ, "STOP_REDIS_PID": str(server.process.pid)}).result()
            assert first.parseoutcomes() == {"passed": 1, "unscored": 2}
            reasons = unscored_reasons(first.stdout.str())
            shown = f"the shared verdict store {url} is unavailable ("
            assert reasons[0].startswith(shown) and "imeout" in reasons[0] and reasons[0].endswith(NOT_STORED)
            assert reasons[1].startswith(shown) and reasons[1].endswith(NOT_READ)
        finally:
            os.kill(server.process.pid, signal.SIGCONT)
        # what the stopped server had received is carried out now: verdicts the judge gave, nothing else
        entries = verdict_entries(url)
        assert 1 <= len(entries) <= 2
        assert all(entry["data"]["answer"] == "YES" and entry["judge"] == "stopping" for entry in entries)
        # a lease the stopped run could not end runs out by itself (15 s): the next run waits at most that
        environment = {name: value for name, value in os.environ.items() if name != "STOP_REDIS_PID"}
        again = background(directory, f"--critique-cache-url={url}", env=environment).result()
        again.assert_outcomes(passed=3)
        assert len(verdict_entries(url)) == 3
    finally:
        server.stop()
