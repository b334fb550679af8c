"""What a misbehaving judge costs a run: dripping, endless, throttled and hung judges, and Ctrl-C.

What it does
  Starts the loopback OpenAI-compatible server of tests/loopback.py in each of these shapes and
  judges through litellm's real client, printing the wall time, the requests the server saw, the
  outcome and the message:

  - drip: a valid YES reply sent at 0.2 s a byte (about 390 bytes), --critique-timeout=3, retries 0;
  - endless: HTTP 200 with a chunked body of garbage that never ends, default size cap (4 MiB);
    also the growth of this process's peak RSS;
  - throttled: 40 one-question checklists against a 429 with Retry-After: 3600, default settings;
  - hung: 200 one-question checklists against a server that never answers, timeout 2 s, default
    retries (3) and breaker (5);
  - Ctrl-C: a pytest process judging a 6-question checklist against the hung server gets SIGINT
    once all 6 requests are in flight; the time until it exits and its exit status.

  The figures of the issue that asked for these bounds (before them) are printed beside.

How to run
  python bench/judge_outages.py            (from the repository root, with the plugin installed)

Nothing leaves the machine (the server listens on 127.0.0.1; litellm reads its local price table).
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO_ROOT / "tests")]
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from loopback import LoopbackServer, Reply  # noqa: E402

from pytest_critique import Critic, UnscoredError  # noqa: E402
from pytest_critique.runtime import Runtime  # noqa: E402

MODEL = "openai/loopback-judge"
YES = json.dumps({"reasoning": "fine", "answer": "YES"})
BEFORE = {
    "drip": "77 s (timeout 3 s)",
    "endless": "never ends; memory grows ~310 MiB/s",
    "throttled": "~95 s per test: ~1 h for 40 tests",
    "hung": "262 s per test: 14.5 h for 200 tests (timeout 60 s)",
    "ctrl-c": "exits 241 s after Ctrl-C",
}


def judge_many(server: LoopbackServer, count: int, workdir: Path, **settings: object) -> tuple[float, str]:
    runtime = Runtime(workdir, breaker=int(settings.pop("breaker", 5)))  # type: ignore[call-overload]
    critic = Critic(model=MODEL, api_base=server.url, api_key="sk-bench", cache="off", runtime=runtime,
                    **settings)
    started = time.monotonic()
    message = ""
    try:
        for number in range(count):
            try:
                critic.checklist(f"reply {number}", items=["Is it a reply?"])
                message = "YES"
            except UnscoredError as error:
                message = error.verdict.items[0].error or ""
    finally:
        runtime.close()
    return time.monotonic() - started, message


def row(name: str, seconds: float, requests: int, outcome: str, extra: str = "") -> None:
    print(f"| {name} | {BEFORE[name]} | **{seconds:.2f} s**{extra} | {requests} | {outcome[:150]} |")


def ctrl_c(workdir: Path) -> tuple[float, int, int]:
    (workdir / "test_interrupted.py").write_text(
        "def test_many(critique):\n"
        "    critique.checklist('a reply', items=[f'Is it reply {n}?' for n in range(6)])\n")
    with LoopbackServer(handler=lambda request: Reply(YES, delay=3600)) as server:
        process = subprocess.Popen(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--critique-model={MODEL}",
             f"--critique-api-base={server.url}", "--critique-timeout=300"],
            cwd=workdir, env={**os.environ, "CRITIQUE_API_KEY": "sk-bench"},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while server.calls < 6 and time.monotonic() < deadline:
            time.sleep(0.02)
        interrupted = time.monotonic()
        process.send_signal(signal.SIGINT)
        status = process.wait(timeout=300)
        return time.monotonic() - interrupted, status, server.calls


def main() -> None:
    from pytest_critique.backends.litellm_backend import import_litellm

    import_litellm()  # its import (seconds) is not what is measured
    print(f"load average at start: {os.getloadavg()[0]:.2f}")
    print("| judge | before | now | requests | outcome |")
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        with LoopbackServer(handler=lambda request: Reply(YES, drip=0.2)) as server:
            seconds, message = judge_many(server, 1, work / "drip", timeout=3.0, retries=0)
            row("drip", seconds, server.calls, message)

        peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        with LoopbackServer(handler=lambda request: Reply(endless=True)) as server:
            seconds, message = judge_many(server, 1, work / "endless")
            grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before) / 1024
            row("endless", seconds, server.calls, message,
                f", peak RSS +{grown:.0f} MiB, {server.bytes_sent / 2**20:.0f} MiB sent")

        throttle = Reply(status=429, headers={"Retry-After": "3600"})
        with LoopbackServer(handler=lambda request: throttle) as server:
            seconds, message = judge_many(server, 40, work / "throttled")
            row("throttled", seconds, server.calls, message)

        with LoopbackServer(handler=lambda request: Reply(YES, delay=3600)) as server:
            seconds, message = judge_many(server, 200, work / "hung", timeout=2.0)
            row("hung", seconds, server.calls, message)

        seconds, status, calls = ctrl_c(work)
        print(f"| ctrl-c | {BEFORE['ctrl-c']} | **{seconds:.1f} s** | {calls} | exit status {status} |")
    print(f"load average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
