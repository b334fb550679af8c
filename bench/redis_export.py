"""How long ``python -m pytest_critique cache export`` and ``cache import`` take on a Redis store of many verdicts.

What it measures
  A real redis-server on a free loopback port is filled with ``--records`` verdict records
  (default 20,000; each like one the plugin writes for a checklist question, about 450 bytes).
  ``cache export --url ... -o FILE`` then runs in a fresh process ``--runs`` times (default 3):
  straight to the server, and through a loopback relay that delays every chunk ``--delay-ms``
  milliseconds each way (default 1, so a round trip costs 2 ms more, as on a network).  The
  same export of an empty namespace gives the fixed cost (interpreter, imports, connecting).

  The exported file is then imported ``--runs`` times into a fresh namespace each time (every record
  added), straight and through the relay.

  With ``--before REV`` the same exports and imports run with the plugin's package taken from that git
  revision (``git archive`` into a temporary directory, first on PYTHONPATH), e.g. the commit
  before the export read its keys in batches, or the one before the import wrote them in batches.

  For each: the fastest and the median wall time, the number of lines, and the SHA-256 of the
  file (the same digest means the same bytes).

How to run
  python bench/redis_export.py [--records 20000] [--runs 3] [--delay-ms 1] [--before REV]

Nothing is asserted; only temporary directories are written.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT / "tests"))

from latency_relay import LatencyRelay  # noqa: E402 - found through the path set just above
from redis_server import RedisServer  # noqa: E402

NAMESPACE = "bench"


def entry(number: int) -> dict[str, object]:
    reasoning = f"The response names order {number} and gives the shipping date, as the question asks."
    return {"data": {"reasoning": reasoning, "answer": "YES" if number % 3 else "NO"},
            "judge": "openai/gpt-4o-mini", "task": "tick.item", "created": 1.7e9 + number,
            "raw": json.dumps({"reasoning": reasoning, "answer": "YES" if number % 3 else "NO"}),
            "usage": {"calls": 1, "cached": 0, "retries": 0, "prompt_tokens": 412, "completion_tokens": 38,
                      "cost": 0.0000846}}


def fill(port: int, records: int) -> None:
    import redis

    client = redis.Redis(host="127.0.0.1", port=port)
    pipe = client.pipeline(transaction=False)
    for number in range(records):
        key = hashlib.sha256(f"verdict {number}".encode()).hexdigest()
        pipe.set(f"{NAMESPACE}:verdict:{key}", json.dumps(entry(number), ensure_ascii=False).encode())
        if number % 1000 == 999:
            pipe.execute()
    pipe.execute()
    client.close()


def plugin_from(revision: str, into: Path) -> Path:
    """The package as it was at ``revision``, unpacked into ``into`` (for PYTHONPATH)."""
    archive = subprocess.run(["git", "-C", str(REPO_ROOT), "archive", revision, "pytest_critique"],
                             capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    # an editable install's import hook would still find this tree's package first
    (into / "sitecustomize.py").write_text(
        "import sys\n"
        "sys.meta_path[:] = [f for f in sys.meta_path if '__editable__' not in getattr(f, '__module__', '')\n"
        "                    and '__editable__' not in type(f).__module__]\n", encoding="utf-8")
    return into


def cache_command(source: Path | None, cwd: Path, *arguments: str) -> tuple[float, str]:
    """Seconds ``python -m pytest_critique cache ARGUMENTS`` took in a fresh process, and what it printed."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("CRITIQUE_")}
    env["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
    if source is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(source), env.get("PYTHONPATH")]))
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "pytest_critique", "cache", *arguments],
                          env=env, check=True, capture_output=True, cwd=cwd, text=True)
    return time.perf_counter() - start, done.stdout.strip()


def export(port: int, namespace: str, out: Path, source: Path | None) -> float:
    return cache_command(source, out.parent, "export", "--url", f"redis://127.0.0.1:{port}/0", "--namespace",
                         namespace, "-o", str(out))[0]


def imported_from(source: Path | None) -> str:
    env = dict(os.environ)
    if source is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(source), env.get("PYTHONPATH")]))
    return subprocess.run([sys.executable, "-c", "import pytest_critique; print(pytest_critique.__file__)"],
                          env=env, capture_output=True, text=True, cwd=tempfile.gettempdir()).stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--delay-ms", type=float, default=1.0)
    parser.add_argument("--before", metavar="REV", help="also run the plugin as it was at this git revision")
    args = parser.parse_args()
    if shutil.which("redis-server") is None:
        sys.exit("redis-server is not on PATH (Debian: apt-get install redis-server)")
    print(f"redis_export: {args.records} records, {args.runs} runs each, relay delay {args.delay_ms:g} ms each "
          f"way; Python {platform.python_version()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as temp:
        work = Path(temp)
        server = RedisServer(work / "redis").start()
        try:
            started = time.perf_counter()
            fill(server.port, args.records)
            print(f"filled in {time.perf_counter() - started:.1f} s")
            sources: list[tuple[str, Path | None]] = [("this tree", None)]
            if args.before:
                before = plugin_from(args.before, Path(tempfile.mkdtemp(dir=temp)))
                sources.insert(0, (f"before ({args.before})", before))
            for label, source in sources:
                print(f"{label}: pytest_critique from {imported_from(source)}")
            print(f"{'plugin':22} {'path':16} {'namespace':10} {'best s':>7} {'median s':>8} {'lines':>6}  sha256")
            with LatencyRelay(server.port, args.delay_ms / 1000) as relay:
                for label, source in sources:
                    for path, port in (("direct", server.port), (f"+{args.delay_ms:g} ms each way", relay.port)):
                        for namespace in ("empty", NAMESPACE):
                            out = work / "verdicts.jsonl"
                            times = [export(port, namespace, out, source) for _ in range(args.runs)]
                            data = out.read_bytes()
                            lines, digest = data.count(b"\n"), hashlib.sha256(data).hexdigest()[:16]
                            print(f"{label:22} {path:16} {namespace:10} {min(times):7.2f} "
                                  f"{statistics.median(times):8.2f} {lines:6d}  {digest}")
                print(f"{'plugin':22} {'path':16} {'import':10} {'best s':>7} {'median s':>8}  what it said")
                exported = work / "verdicts.jsonl"
                fresh = iter(range(10**6))
                for label, source in sources:
                    for path, port in (("direct", server.port), (f"+{args.delay_ms:g} ms each way", relay.port)):
                        runs = [cache_command(source, work, "import", str(exported), "--url",
                                              f"redis://127.0.0.1:{port}/0", "--namespace", f"into{next(fresh)}")
                                for _ in range(args.runs)]
                        times = [seconds for seconds, _ in runs]
                        said = runs[-1][1].split(": ", 1)[-1]
                        print(f"{label:22} {path:16} {'fresh':10} {min(times):7.2f} "
                              f"{statistics.median(times):8.2f}  {said}")
        finally:
            server.stop()
    print(f"load at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
