"""Cold-judge latency: does an 8-question checklist cost one round trip or eight?

What it measures
  A loopback OpenAI-compatible server (tests/loopback.py's ``LoopbackServer``) answers every
  chat-completion request after a fixed latency of 200 ms with valid judge JSON
  ``{"reasoning": "...", "answer": "YES"}``.  A ``pytest_critique.Critic`` with
  ``model="openai/bench-judge"``, ``api_base=<server>``, ``api_key="sk-bench"`` and
  ``cache="off"`` (every question goes to the server, through litellm's real client) judges
  one 8-question checklist:
    - with the default concurrency (8): the questions are judged in parallel, so the wall time
      should be about one latency (bar: < 2x the 200 ms latency, not 8x);
    - with ``concurrency=1``, for contrast: about eight latencies.
  Each is timed over 5 runs and the median reported, also as a multiple of the latency.
  The one-off import of litellm is timed on its own, then one untimed warm-up checklist is
  judged (litellm's first call sets up its client), and neither is part of the timed runs.
  Also reported: how far apart the 8 requests of a run reached the server (0 ms = all at once),
  and the time a request takes beyond the latency (server latency 0, concurrency=1): what
  litellm's client, the plugin and the loopback server add to every call.

How to run
  python bench/cold_latency.py                 (the plugin and litellm must be installed)
  python bench/cold_latency.py --runs 9 --latency 0.1

Nothing leaves the machine (the server listens on 127.0.0.1 and litellm's price table is
read from its local copy).  Nothing is asserted; the script prints its figures.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import threading
import time
from importlib import metadata
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = [
    "Does the response name the capital of France?",
    "Is the response a single sentence?",
    "Does the response avoid hedging words such as 'maybe'?",
    "Is the response written in English?",
    "Does the response end with a full stop?",
    "Is the response free of spelling mistakes?",
    "Does the response avoid mentioning other countries?",
    "Is the response shorter than twenty words?",
]
RESPONSE = "The capital of France is Paris."
INSTRUCTION = "Name the capital of France in one short sentence."
BAR_MULTIPLE = 2.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="timed checklists per setting (default 5)")
    parser.add_argument("--latency", type=float, default=0.2, help="server latency in seconds (default 0.2)")
    options = parser.parse_args()

    os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"  # no network fetch of litellm's price table
    for name in [name for name in os.environ if name.startswith("CRITIQUE_")]:
        del os.environ[name]
    sys.path.insert(0, str(REPO_ROOT / "tests"))
    try:
        from loopback import LoopbackServer
    except ImportError as exc:
        sys.exit(f"cold_latency: tests/loopback.py is not importable ({exc}); nothing measured")

    from pytest_critique import Critic
    from pytest_critique.runtime import Runtime
    from pytest_critique.backends.litellm_backend import import_litellm

    arrivals: list[float] = []
    lock = threading.Lock()

    def handler(request: dict) -> str:
        with lock:
            arrivals.append(time.perf_counter())
        return json.dumps({"reasoning": "The response meets this requirement.", "answer": "YES"})

    print(f"python {platform.python_version()} on {platform.platform()}, {os.cpu_count()} CPUs, "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    already = "litellm" in sys.modules
    start = time.perf_counter()
    litellm = import_litellm()
    import_time = time.perf_counter() - start
    del litellm
    print(f"litellm {metadata.version('litellm')} import: {import_time * 1e3:.0f} ms"
          + (" (was already imported)" if already else "")
          + " (pydantic and the plugin imported before; not part of the timings below)")

    with LoopbackServer(handler=handler, latency=options.latency) as server:
        runtime = Runtime(Path.cwd())
        try:
            settings = {"model": "openai/bench-judge", "api_base": server.url, "api_key": "sk-bench",
                        "cache": "off"}

            def judge(critic: Critic) -> tuple[float, float, int]:
                """(wall seconds, arrival spread seconds, server requests) of one checklist."""
                with lock:
                    arrivals.clear()
                calls_before = server.calls
                begin = time.perf_counter()
                verdict = critic.checklist(RESPONSE, instruction=INSTRUCTION, items=QUESTIONS)
                elapsed = time.perf_counter() - begin
                if not verdict.passed or verdict.usage.calls != len(QUESTIONS) or verdict.usage.cached:
                    sys.exit(f"unexpected verdict: {verdict!r}, usage {verdict.usage}")
                with lock:
                    spread = max(arrivals) - min(arrivals)
                return elapsed, spread, server.calls - calls_before

            warm_up = time.perf_counter()
            judge(Critic(runtime=runtime, **settings))
            print(f"warm-up checklist (first litellm call, client set-up), untimed: "
                  f"{(time.perf_counter() - warm_up) * 1e3:.0f} ms")

            latency_ms = options.latency * 1e3
            print(f"8-question checklist, cache off, server latency {latency_ms:.0f} ms, {options.runs} runs each:")
            for concurrency in (8, 1):
                critic = Critic(runtime=runtime, concurrency=concurrency, **settings)
                runs = [judge(critic) for _ in range(options.runs)]
                walls = [wall for wall, _, _ in runs]
                median = statistics.median(walls)
                multiple = median / options.latency
                label = "default concurrency 8" if concurrency == 8 else "concurrency=1        "
                bar = ""
                if concurrency == 8:
                    bar = f"  ({'under' if multiple < BAR_MULTIPLE else 'OVER'} the {BAR_MULTIPLE:g}x bar)"
                print(f"   {label}  median {median * 1e3:6.0f} ms = {multiple:4.2f}x latency{bar}; "
                      f"runs {', '.join(f'{w * 1e3:.0f}' for w in walls)} ms; "
                      f"requests per run {sorted({calls for _, _, calls in runs})}; "
                      f"arrival spread median {statistics.median(s for _, s, _ in runs) * 1e3:.0f} ms")
            if server.errors:
                print(f"   !! the server reported errors: {server.errors!r}")
        finally:
            runtime.close()

    # What a request costs beyond the server's latency: client, plugin and loopback overhead.
    with LoopbackServer(handler=handler, latency=0.0) as server:
        runtime = Runtime(Path.cwd())
        try:
            critic = Critic(runtime=runtime, concurrency=1, model="openai/bench-judge", api_base=server.url,
                            api_key="sk-bench", cache="off")
            critic.checklist(RESPONSE, instruction=INSTRUCTION, items=QUESTIONS[:1])
            walls = []
            for _ in range(options.runs):
                begin = time.perf_counter()
                critic.checklist(RESPONSE, instruction=INSTRUCTION, items=QUESTIONS)
                walls.append(time.perf_counter() - begin)
            print(f"overhead per request beyond the latency (server latency 0, concurrency=1, 8 requests a run): "
                  f"median {statistics.median(walls) / len(QUESTIONS) * 1e3:.1f} ms")
        finally:
            runtime.close()
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
