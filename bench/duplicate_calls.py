"""Duplicate judge calls when xdist workers need the same verdicts at the same time, before and after leases.

What it measures
  A suite of ``--tests`` judged tests (default 200), each a 4-question checklist, where the tests
  share their questions: ``--responses`` distinct responses (default 50), so 200 cache keys are
  each needed by 4 tests.  Two orders of the tests: ``interleaved`` (test n judges response
  n % 50, so the tests sharing a key are far apart) and ``adjacent`` (test n judges response
  n // 4, so they run close together in time).  Each order runs under ``-n 4`` against the loopback
  OpenAI-compatible judge (tests/loopback.py, ``--latency`` seconds per request, default 0.2) from
  an empty store: the cache directory, and a real redis-server on a free loopback port
  (``--critique-cache-url``).  Prompts are deterministic, so a request body the judge receives
  twice is a duplicate call.

  With ``--before REV``, the same runs (directory store only: older commits have no Redis store)
  are repeated with the plugin's package taken from that git revision of this repository
  (``git archive`` into a temporary directory, first on PYTHONPATH), e.g. the commit before the
  leases were added.

  Two ways of writing the tests: ``assert critique.checklist(...).passed`` (each test waits for its
  verdicts) and ``critique.expect.checklist(...)`` (the verdicts of many tests are judged at once).

  For each run: judge requests, distinct request bodies, duplicates, and wall time.

How to run
  python bench/duplicate_calls.py                      (redis-server on PATH for the Redis rows)
  python bench/duplicate_calls.py --before 77f996f

Nothing is asserted; only temporary directories are written.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ["Does it name the order?", "Is it polite?", "Does it give a date?", "Is it short?"]
MODULE = """
import pytest

@pytest.mark.parametrize("n", range({tests}))
def test_reply(critique, n):
    response = f"Order {{{which}}} ships on Monday."
    {check}(response, items={questions!r}){passed}
"""
# Workers start their tests together, as shards started by one CI trigger do (on a loaded two-core
# machine the workers of -n 4 otherwise start seconds apart and rarely meet on a key).
CONFTEST = """
import os
import pathlib
import time

import pytest


@pytest.fixture(scope="session", autouse=True)
def _start_together():
    ready = pathlib.Path(os.environ["BENCH_BARRIER"])
    ready.mkdir(exist_ok=True)
    (ready / os.environ.get("PYTEST_XDIST_WORKER", "main")).touch()
    deadline = time.monotonic() + 20
    while len(list(ready.iterdir())) < int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")):
        if time.monotonic() > deadline:
            break
        time.sleep(0.01)
"""
CHECKS = {"assert": ("assert critique.checklist", ".passed"), "expect": ("critique.expect.checklist", "")}
ORDERS = {"interleaved": "n % {responses}", "adjacent": "n // ({tests} // {responses})"}


class Judge:
    """The loopback judge, keeping every request body it receives."""

    def __init__(self, latency: float):
        sys.path.insert(0, str(REPO_ROOT / "tests"))
        from loopback import LoopbackServer

        self.latency = latency
        self.lock = threading.Lock()
        self.bodies: list[str] = []
        self.server = LoopbackServer(handler=self.handle)

    def handle(self, request: dict[str, Any]) -> str:
        with self.lock:
            self.bodies.append(json.dumps(request, sort_keys=True))
        time.sleep(self.latency)
        return json.dumps({"reasoning": "checked", "answer": "YES"})

    def take(self) -> list[str]:
        with self.lock:
            bodies, self.bodies = self.bodies, []
        return bodies


def plugin_from(revision: str, into: Path) -> Path:
    """The package as it was at ``revision``, unpacked into ``into`` (for PYTHONPATH)."""
    archive = subprocess.run(["git", "-C", str(REPO_ROOT), "archive", revision, "pytest_critique"],
                             capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    # An editable install's import hook would still find this tree's package first: drop it in every
    # process (xdist workers too), before the plugin is imported.
    (into / "sitecustomize.py").write_text(
        "import sys\n"
        "sys.meta_path[:] = [f for f in sys.meta_path if '__editable__' not in getattr(f, '__module__', '')\n"
        "                    and '__editable__' not in type(f).__module__]\n", encoding="utf-8")
    return into


def imported_from(source: Path | None) -> str:
    """Where the subprocesses import the plugin from (to show that --before takes effect)."""
    env = dict(os.environ)
    if source is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(source), env.get("PYTHONPATH")]))
    return subprocess.run([sys.executable, "-c", "import pytest_critique; print(pytest_critique.__file__)"],
                          env=env, capture_output=True, text=True, cwd=tempfile.gettempdir()).stdout.strip()


def run(directory: Path, judge: Judge, args: list[str], source: Path | None) -> tuple[float, int, str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith(("CRITIQUE_", "PYTEST_"))}
    env["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
    env["CRITIQUE_API_KEY"] = "sk-loopback-bench"
    env["BENCH_BARRIER"] = str(directory / "ready")
    if source is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(source), env.get("PYTHONPATH")]))
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--tb=no",
                           "--critique-model=openai/loopback-judge", f"--critique-api-base={judge.server.url}",
                           "--critique-retries=0", *args], cwd=directory, env=env, capture_output=True, text=True)
    return time.perf_counter() - start, done.returncode, (done.stdout + done.stderr).strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tests", type=int, default=200)
    parser.add_argument("--responses", type=int, default=50)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--before", metavar="REV", help="also run the plugin as it was at this git revision")
    parser.add_argument("--only-before", action="store_true", help="with --before: skip this tree's runs")
    args = parser.parse_args()
    keys = args.responses * len(QUESTIONS)
    print(f"duplicate_calls: {args.tests} tests x {len(QUESTIONS)} questions over {args.responses} responses "
          f"({keys} keys, each needed by {args.tests // args.responses} tests), -n {args.workers}, latency "
          f"{args.latency * 1000:.0f} ms; Python {platform.python_version()}, {os.cpu_count()} cores, "
          f"load {os.getloadavg()[0]:.2f}")
    judge = Judge(args.latency)
    sys.path.insert(0, str(REPO_ROOT / "tests"))
    from redis_server import RedisServer

    with tempfile.TemporaryDirectory() as temp, judge.server:
        work = Path(temp)
        redis = RedisServer(work / "redis").start() if shutil.which("redis-server") else None
        sources: list[tuple[str, Path | None]] = [] if args.only_before else [("this tree", None)]
        if args.before:
            sources.insert(0, (f"before ({args.before})", plugin_from(args.before, Path(tempfile.mkdtemp(dir=temp)))))
        for label, source in sources:
            print(f"{label}: pytest_critique from {imported_from(source)}")
        print(f"{'plugin':22} {'tests':7} {'order':12} {'store':10} {'requests':>8} {'distinct':>8} "
              f"{'duplicates':>10} {'wall s':>7}  outcome")
        try:
            for label, source in sources:
                for (check, order), expression in ((pair, ORDERS[pair[1]]) for pair in
                                                   [(c, o) for c in CHECKS for o in ORDERS]):
                    stores = [("directory", [])]
                    if redis is not None and source is None:
                        stores.append(("redis", [f"--critique-cache-url={redis.url}",
                                                 f"--critique-cache-namespace=bench-{check}-{order}"]))
                    for store, extra in stores:
                        directory = Path(tempfile.mkdtemp(dir=temp))
                        call, passed = CHECKS[check]
                        (directory / "test_shared.py").write_text(MODULE.format(
                            tests=args.tests, questions=QUESTIONS, check=call, passed=passed,
                            which=expression.format(responses=args.responses, tests=args.tests)), encoding="utf-8")
                        (directory / "conftest.py").write_text(CONFTEST, encoding="utf-8")
                        judge.take()
                        wall, _, outcome = run(directory, judge, ["-n", str(args.workers), *extra], source)
                        bodies = judge.take()
                        print(f"{label:22} {check:7} {order:12} {store:10} {len(bodies):8d} {len(set(bodies)):8d} "
                              f"{len(bodies) - len(set(bodies)):10d} {wall:7.2f}  {outcome}")
        finally:
            if redis is not None:
                redis.stop()
        if redis is None:
            print("redis-server is not on PATH: no Redis rows")


if __name__ == "__main__":
    main()
