"""Start-up cost of pytest-critique, and whether litellm stays unimported.

What it measures
  1. A suite of 50 trivial tests that judge nothing (5 files x 10 tests) is run as whole
     ``python -m pytest -q -p no:cacheprovider`` subprocesses, alternating "plugin disabled"
     (``-p no:critique``) and "plugin enabled", N=15 each (after one untimed warm-up run of
     each).  Reported: the median wall time of each and the difference in ms (bar: the
     plugin adds at most 25 ms), plus the median of the paired differences, the difference of
     the minimums and the child's CPU time, which are less sensitive to other load on the
     machine.
     1a runs with the bytecode of every module cached (under a temporary PYTHONPYCACHEPREFIX),
     as after a normal install; 1b, only when the environment sets PYTHONDONTWRITEBYTECODE,
     repeats it as inherited, where modules without a .pyc are compiled on every run.
  2. What importing the plugin module (``pytest_critique.plugin``) costs a process that has
     already imported pytest: time (median over fresh processes, bytecode cached) and the
     modules it adds.
  3. A suite that does judge, with a RecordedJudge (``--critique-model=recorded:PATH``): run
     once to fill the verdict cache, then again with ``--critique-cache=read``.  A conftest
     hook records at session finish whether ``litellm`` (and the other heavy libraries) are
     in ``sys.modules``.  Bar: litellm is not imported by the warm run.

How to run
  python bench/startup.py            (from the repository root, with the plugin installed,
                                      e.g. ``pip install -e .``; pytest-xdist optional)
  python bench/startup.py --runs 30  (more runs per variant)

Nothing is asserted; the script prints its figures.  It writes only to a temporary directory.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FILES, TESTS_PER_FILE = 5, 10
BAR_MS = 25.0
HEAVY = ("litellm", "pydantic", "jinja2", "diskcache", "httpx", "openai")

TRIVIAL_TESTS = "\n\n".join(f"def test_trivial_{n}():\n    assert {n} + 1 == {n + 1}" for n in range(TESTS_PER_FILE))

JUDGED_CASES = [
    ("A fox ran through the autumn leaves.", ["Does it mention a fox?", "Does it mention autumn?"]),
    ("The owl slept all day.", ["Does it mention an owl?", "Is it one sentence long?"]),
    ("Rain fell on the quiet town.", ["Does it mention rain?", "Does it mention a town?"]),
]

JUDGING_TESTS = f'''
import pytest

CASES = {JUDGED_CASES!r}


@pytest.mark.parametrize("response, items", CASES)
def test_judged(critique, response, items):
    assert critique.checklist(response, items=items).passed
'''

RECORD_MODULES_CONFTEST = f'''
import json
import sys

import pytest

HEAVY = {HEAVY!r}


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session):
    path = session.config.rootpath / "modules.json"
    path.write_text(json.dumps({{name: name in sys.modules for name in HEAVY}}))
'''

PLUGIN_IMPORTS = '''
import json
import sys
import time

import pytest  # noqa: F401

before = set(sys.modules)
start = time.perf_counter()
import pytest_critique.plugin  # noqa: F401,E402

elapsed = time.perf_counter() - start
print(json.dumps({"added": sorted(set(sys.modules) - before), "seconds": elapsed}))
'''


def clean_env(bytecode_cache: Path | None = None) -> dict[str, str]:
    """The environment of the pytest subprocesses, without the caller's CRITIQUE_/PYTEST_ variables.

    With ``bytecode_cache``, compiled modules are written under that directory (as after a
    normal install, where every module has its .pyc); without it, bytecode writing is left as
    the caller's environment has it (PYTHONDONTWRITEBYTECODE=1 makes every run compile the
    modules that have no .pyc yet, the plugin's among them in an editable install).
    """
    env = {name: value for name, value in os.environ.items()
           if not name.startswith(("CRITIQUE_", "PYTEST_"))}
    env["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"  # never fetch litellm's price table
    if bytecode_cache is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(bytecode_cache)
    return env


def run_pytest(directory: Path, *args: str, env: dict[str, str] | None = None
               ) -> tuple[float, float, subprocess.CompletedProcess[str]]:
    """(wall seconds, CPU seconds of the child, the finished process)."""
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, cwd=directory, env=env or clean_env(), capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return wall, cpu, done


def expect(done: subprocess.CompletedProcess[str], code: int, what: str) -> None:
    if done.returncode != code:
        sys.exit(f"{what}: pytest exited {done.returncode}, expected {code}\n{done.stdout}\n{done.stderr}")


def start_up(runs: int, bytecode_cache: Path | None, heading: str) -> None:
    env = clean_env(bytecode_cache)
    with tempfile.TemporaryDirectory(prefix="critique-startup-") as name:
        suite = Path(name)
        for number in range(FILES):
            (suite / f"test_trivial_{number}.py").write_text(TRIVIAL_TESTS + "\n", encoding="utf-8")
        variants = {"disabled": ("-p", "no:critique"), "enabled": ()}
        for label, args in variants.items():  # warm-up: bytecode caches, file system caches
            _, _, done = run_pytest(suite, *args, env=env)
            expect(done, 0, f"warm-up ({label})")
            if f"{FILES * TESTS_PER_FILE} passed" not in done.stdout:
                sys.exit(f"unexpected output of the {label} run:\n{done.stdout}")
        wall: dict[str, list[float]] = {label: [] for label in variants}
        cpu: dict[str, list[float]] = {label: [] for label in variants}
        for _ in range(runs):
            for label, args in variants.items():
                elapsed, used, done = run_pytest(suite, *args, env=env)
                expect(done, 0, label)
                wall[label].append(elapsed * 1000)
                cpu[label].append(used * 1000)
    print(heading)
    for label in variants:
        values = sorted(wall[label])
        print(f"   plugin {label:<8}  wall median {statistics.median(values):7.1f} ms  (min {values[0]:6.1f}, "
              f"max {values[-1]:6.1f})   CPU median {statistics.median(cpu[label]):7.1f} ms")
    difference = statistics.median(wall["enabled"]) - statistics.median(wall["disabled"])
    paired = statistics.median(e - d for e, d in zip(wall["enabled"], wall["disabled"]))
    cpu_difference = statistics.median(cpu["enabled"]) - statistics.median(cpu["disabled"])
    verdict = "within" if difference <= BAR_MS else "OVER"
    print(f"   difference of the medians (enabled - disabled): {difference:+.1f} ms  "
          f"({verdict} the {BAR_MS:.0f} ms bar)")
    print(f"   median of the paired differences: {paired:+.1f} ms;  difference of the minimums: "
          f"{min(wall['enabled']) - min(wall['disabled']):+.1f} ms;  CPU time difference of the medians: "
          f"{cpu_difference:+.1f} ms")


def plugin_imports(runs: int) -> None:
    with tempfile.TemporaryDirectory(prefix="critique-pyc-") as bytecode:
        env = clean_env(Path(bytecode))
        probes = []
        for _ in range(runs + 1):  # the first one writes the bytecode cache; not counted
            done = subprocess.run([sys.executable, "-c", PLUGIN_IMPORTS], env=env, capture_output=True, text=True)
            expect(done, 0, "plugin import probe")
            probes.append(json.loads(done.stdout.strip().splitlines()[-1]))
    added = probes[-1]["added"]
    seconds = [probe["seconds"] * 1000 for probe in probes[1:]]
    ours = [name for name in added if name.startswith("pytest_critique")]
    others = [name for name in added if not name.startswith("pytest_critique")]
    heavy = [name for name in added if name.split(".")[0] in HEAVY]
    print(f"2. importing pytest_critique.plugin after pytest: median {statistics.median(seconds):.1f} ms "
          f"(min {min(seconds):.1f}) over {runs} fresh processes, bytecode cached; adds {len(added)} modules, "
          f"{len(ours)} of the plugin's own ({', '.join(ours)})")
    print(f"   others: {', '.join(others) or 'none'}")
    print(f"   heavy libraries among them: {', '.join(heavy) or 'none'}")


def heavy_modules() -> None:
    with tempfile.TemporaryDirectory(prefix="critique-litellm-") as name:
        suite = Path(name)
        (suite / "conftest.py").write_text(RECORD_MODULES_CONFTEST, encoding="utf-8")
        (suite / "test_judged.py").write_text(JUDGING_TESTS, encoding="utf-8")
        lines = [json.dumps({"question": question, "response": response, "verdict": "YES"})
                 for response, items in JUDGED_CASES for question in items]
        (suite / "recorded.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
        args = ("--critique-model=recorded:recorded.jsonl",)
        cold_time, _, cold = run_pytest(suite, *args)
        expect(cold, 0, "cold judging run")
        cold_modules = json.loads((suite / "modules.json").read_text())
        warm_time, _, warm = run_pytest(suite, *args, "--critique-cache=read")
        expect(warm, 0, "warm judging run")
        warm_modules = json.loads((suite / "modules.json").read_text())
        summary = [line for line in warm.stdout.splitlines() if line.startswith("judge ")]
    print("3. judging suite (3 tests, 6 questions, RecordedJudge), modules in sys.modules at session finish")
    for label, elapsed, modules in (("cold (cache rw, empty)", cold_time, cold_modules),
                                    ("warm (--critique-cache=read)", warm_time, warm_modules)):
        listed = ", ".join(f"{name}={'yes' if present else 'no'}" for name, present in modules.items())
        print(f"   {label:<29} {elapsed * 1000:7.1f} ms   {listed}")
    print(f"   warm run summary: {summary[0] if summary else '(no critique summary line found)'}")
    imported = warm_modules.get("litellm")
    print(f"   litellm imported by the warm run: {'YES (bar missed)' if imported else 'no (bar met)'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="timed runs per variant (default 15)")
    options = parser.parse_args()
    print(f"python {platform.python_version()} on {platform.platform()}, {os.cpu_count()} CPUs, "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory(prefix="critique-pyc-") as bytecode:
        start_up(options.runs, Path(bytecode),
                 f"1a. start-up, {FILES * TESTS_PER_FILE} trivial tests, "
                 "whole `python -m pytest -q -p no:cacheprovider` "
                 f"runs, N={options.runs} each, alternating; bytecode cached (as after a normal install)")
    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        start_up(options.runs, None,
                 "1b. the same with PYTHONDONTWRITEBYTECODE=1 as inherited (modules without a .pyc, such as an "
                 "editable install's, are compiled on every run)")
    plugin_imports(options.runs)
    heavy_modules()
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
