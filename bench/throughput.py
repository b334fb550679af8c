"""Cold and warm wall time of a suite of judged tests: one test after another against ``critique.expect``.

What it measures
  The InFoBench instructions (../shared/datasets/infobench/gpt4_outputs_gpt4_judgments.jsonl,
  beside the repository) become one test each: the GPT-4 output judged against the
  instruction's decomposed questions (2,250 for the 500).  A loopback OpenAI-compatible server
  (tests/loopback.py, Nagle off) answers every question after ``--latency`` seconds (default
  0.2), YES or NO by a hash of the question, so every configuration must reach the same verdicts.

  Whole pytest runs in a temporary directory, each side by side in this one run:
    assert          - ``assert critique.checklist(...).passed``: tests judged one after another;
    expect          - ``critique.expect.checklist(...)`` at the default --critique-concurrency (32);
    expect -c 64    - the same with 64 requests in flight;
    expect -n 2/-n 4 - the same under two or four xdist workers sharing the limit of 64;
    expect litellm  - concurrency 64 with every call through litellm's client (--critique-client=litellm);
    warm            - the expect tests again, every verdict from the cache (--critique-cache=read);
    plain           - the same tests with the check replaced by ``assert True`` (pytest's own cost);
    fixture only    - the same, still requesting the ``critique`` fixture (the plugin's import and set-up).
  For each: wall time, peak resident memory of the whole process tree (summed over processes,
  sampled every 50 ms), requests the server received and the most it had in flight at once,
  and whether every test's outcome and every item's answer equal the ``assert`` run's.

  ``--warm-pairs K`` measures only the warm side: it fills the cache once (expect, concurrency 64),
  then runs warm (cache read, no report written: a plain run's defaults) and plain alternately K
  times, and prints each pair's wall and CPU seconds (user + system), the medians and their
  ratios (alternating keeps a machine's drift out of the ratio).  With ``--instructions`` it also
  counts the instructions each side executes under valgrind's callgrind (when installed), once
  each after a run that writes the bytecode: a figure that does not move with the machine's load.
  Under valgrind, OpenSSL takes its portable SHA-256 path, so the cache keys' hashing counts for
  more there than it costs on a processor with SHA extensions.

How to run
  python bench/throughput.py                  (the plugin installed; litellm's client is used)
  python bench/throughput.py --tests 100 --latency 0.2
  python bench/throughput.py --warm-pairs 7
  python bench/throughput.py --warm-pairs 7 --instructions   (valgrind installed)

Nothing is asserted.  Exits with a message when the dataset is absent.  Only a temporary
directory is written.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
DATASET = REPO_ROOT.parent / "shared" / "datasets" / "infobench" / "gpt4_outputs_gpt4_judgments.jsonl"
QUESTION = re.compile(r"<question-[0-9a-f]+>\n(.*?)\n</question-", re.DOTALL)

MODULE = '''
import json
import pathlib

import pytest

CASES = json.loads((pathlib.Path(__file__).parent / "cases.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_instruction(critique, case):
{body}
'''
ASSERT = ('    assert critique.checklist(case["output"], instruction=case["instruction"], input=case["input"],\n'
          '                              items=case["questions"]).passed')
EXPECT = ('    critique.expect.checklist(case["output"], instruction=case["instruction"], input=case["input"],\n'
          '                              items=case["questions"])')
PLAIN = MODULE.replace("def test_instruction(critique, case):", "def test_instruction(case):").format(
    body="    assert True")


def answer_for(question: str) -> str:
    return "NO" if hashlib.sha256(question.encode("utf-8")).digest()[0] < 40 else "YES"


class Server:
    """The loopback judge, counting requests and the most in flight at once."""

    def __init__(self, latency: float):
        sys.path.insert(0, str(REPO_ROOT / "tests"))
        from loopback import LoopbackServer

        self.latency = latency
        self.lock = threading.Lock()
        self.now = self.peak = self.requests = 0
        self.server = LoopbackServer(handler=self.handle)

    def handle(self, request: dict[str, Any]) -> str:
        with self.lock:
            self.now += 1
            self.requests += 1
            self.peak = max(self.peak, self.now)
        try:
            time.sleep(self.latency)
            text = request["messages"][-1]["content"]
            found = QUESTION.search(text)
            answer = answer_for(found.group(1).strip()) if found else "NO"
            return json.dumps({"reasoning": "checked against the response", "answer": answer})
        finally:
            with self.lock:
                self.now -= 1

    def reset(self) -> None:
        with self.lock:
            self.peak = self.requests = 0


def tree_rss(root: int) -> int:
    """Resident bytes of a process and all its descendants."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="utf-8") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(entry)
        children.setdefault(int(fields[1]), []).append(pid)
        rss[pid] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo.extend(children.get(pid, []))
    return total


def timed(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, int, subprocess.CompletedProcess[str]]:
    """Wall seconds from launch to exit, peak resident memory of the process tree (sampled every 50 ms),
    and what the process printed."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = 0
    while process.poll() is None:
        peak = max(peak, tree_rss(process.pid))
        time.sleep(0.05)
    out, err = process.communicate()
    return time.perf_counter() - start, peak, subprocess.CompletedProcess(command, process.returncode, out, err)


def run(directory: Path, module: str, *args: str) -> tuple[float, int, subprocess.CompletedProcess[str]]:
    return timed([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--tb=no", module, *args],
                 directory, bench_env())


def load_cases(script: str, limit: int) -> list[dict[str, Any]]:
    """The first ``limit`` InFoBench records as test cases (exits with a message when the dataset is absent)."""
    if not DATASET.is_file():
        sys.exit(f"{script}: the InFoBench dataset is not available (looked for {DATASET}); nothing measured")
    records = [json.loads(line) for line in DATASET.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [{"id": r["id"], "instruction": r["instruction"], "input": r["input"], "output": r["output"],
             "questions": r["decomposed_questions"]} for r in records[:limit]]


def verdicts(report: Path) -> dict[str, tuple[str, tuple[Any, ...]]]:
    tests = json.loads(report.read_text(encoding="utf-8"))["tests"]
    return {test["nodeid"].split("::", 1)[1]: (test["outcome"], tuple(
        item["answer"] for verdict in test["verdicts"] for item in verdict["items"])) for test in tests}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tests", type=int, default=500)
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--warm-pairs", type=int, default=0, help="only warm against plain, K times alternately")
    parser.add_argument("--instructions", action="store_true",
                        help="with --warm-pairs: also count each side's instructions under valgrind")
    args = parser.parse_args()
    cases = load_cases("throughput", args.tests)
    questions = sum(len(case["questions"]) for case in cases)
    print(f"throughput: {len(cases)} InFoBench tests, {questions} questions, loopback latency "
          f"{args.latency * 1000:.0f} ms; {platform.python_version()}, {os.cpu_count()} cores")
    server = Server(args.latency)
    with tempfile.TemporaryDirectory() as temp, server.server:
        directory = Path(temp)
        (directory / "cases.json").write_text(json.dumps(cases, ensure_ascii=False), encoding="utf-8")
        (directory / "test_assert.py").write_text(MODULE.format(body=ASSERT), encoding="utf-8")
        (directory / "test_expect.py").write_text(MODULE.format(body=EXPECT), encoding="utf-8")
        (directory / "test_plain.py").write_text(PLAIN, encoding="utf-8")
        (directory / "test_fixture.py").write_text(MODULE.format(body="    assert True"), encoding="utf-8")
        judge = ("--critique-model=openai/loopback-judge", f"--critique-api-base={server.server.url}",
                 "--critique-retries=0")
        runs = [
            ("assert (one test after another)", "test_assert.py", ("--critique-cache-dir=c-assert",)),
            ("expect, concurrency 32 (default)", "test_expect.py", ("--critique-cache-dir=c-32",)),
            ("expect, concurrency 64", "test_expect.py", ("--critique-cache-dir=c-64", "--critique-concurrency=64")),
            ("expect, concurrency 64, -n 2", "test_expect.py", ("--critique-cache-dir=c-n2",
                                                                "--critique-concurrency=64", "-n", "2")),
            ("expect, concurrency 64, -n 4", "test_expect.py", ("--critique-cache-dir=c-n4",
                                                                "--critique-concurrency=64", "-n", "4")),
            ("expect, concurrency 64, litellm", "test_expect.py", ("--critique-cache-dir=c-litellm",
                                                                   "--critique-concurrency=64",
                                                                   "--critique-client=litellm")),
            ("warm: expect, cache read", "test_expect.py", ("--critique-cache-dir=c-64", "--critique-cache=read")),
        ]
        if args.warm_pairs:
            warm_pairs(directory, judge, args.warm_pairs, args.instructions)
            return
        reference: dict[str, Any] | None = None
        print(f"{'run':36} {'wall s':>7} {'peak MB':>8} {'requests':>8} {'in flight':>9}  verdicts")
        for label, module, extra in runs:
            server.reset()
            report = directory / "report.json"
            report.unlink(missing_ok=True)
            wall, peak, done = run(directory, module, *judge, *extra, f"--critique-report={report.name}")
            if not report.exists():
                print(f"{label:36} run failed (exit {done.returncode}): {(done.stdout + done.stderr)[-600:]}")
                continue
            found = verdicts(report)
            if reference is None:
                reference, same = found, "reference"
            else:
                differ = sum(1 for name, value in found.items() if reference.get(name) != value)
                same = "identical" if differ == 0 and len(found) == len(reference) else f"{differ} tests DIFFER"
            print(f"{label:36} {wall:7.2f} {peak / 2**20:8.0f} {server.requests:8d} {server.peak:9d}  {same}")
        for label, module in (("plain (assert True, no critique)", "test_plain.py"),
                              ("fixture only (assert True)", "test_fixture.py")):
            wall, peak, done = run(directory, module)
            print(f"{label:36} {wall:7.2f} {peak / 2**20:8.0f} {0:8d} {0:9d}")


def warm_pairs(directory: Path, judge: tuple[str, ...], pairs: int, instructions: bool) -> None:
    _, _, filled = run(directory, "test_expect.py", *judge, "--critique-cache-dir=c-warm", "--critique-concurrency=64")
    if filled.returncode not in (0, 1):
        sys.exit(f"filling the cache failed (exit {filled.returncode}): {(filled.stdout + filled.stderr)[-600:]}")
    warm_args = ("test_expect.py", *judge, "--critique-cache-dir=c-warm", "--critique-cache=read")
    times: dict[str, list[tuple[float, float]]] = {"warm": [], "plain": []}
    print(f"{'pair':>4} {'warm s':>7} {'plain s':>8} {'ratio':>6} {'warm CPU':>9} {'plain CPU':>10} {'ratio':>6}")
    for number in range(1, pairs + 1):
        for side, args in (("warm", warm_args), ("plain", ("test_plain.py",))):
            wall, cpu, done = run_quietly(directory, *args)
            if side == "warm" and (done.returncode not in (0, 1) or " 0 judge calls" not in done.stdout):
                sys.exit(f"the warm run did not read every verdict from the cache: {done.stdout[-600:]}")
            times[side].append((wall, cpu))
        (warm, warm_cpu), (plain, plain_cpu) = times["warm"][-1], times["plain"][-1]
        print(f"{number:4d} {warm:7.2f} {plain:8.2f} {warm / plain:6.2f} {warm_cpu:9.2f} {plain_cpu:10.2f} "
              f"{warm_cpu / plain_cpu:6.2f}")
    medians = {side: [statistics.median(values) for values in zip(*measured)] for side, measured in times.items()}
    (warm, warm_cpu), (plain, plain_cpu) = medians["warm"], medians["plain"]
    print(f"median: warm {warm:.2f} s, plain {plain:.2f} s, ratio {warm / plain:.2f}; "
          f"CPU warm {warm_cpu:.2f} s, plain {plain_cpu:.2f} s, ratio {warm_cpu / plain_cpu:.2f}")
    if instructions:
        counted = {side: instruction_count(directory, *args)
                   for side, args in (("warm", warm_args), ("plain", ("test_plain.py",)))}
        if None in counted.values():
            print("instructions: valgrind is not installed; not counted")
        else:
            print(f"instructions: warm {counted['warm'] / 1e9:.3f} G, plain {counted['plain'] / 1e9:.3f} G, "
                  f"ratio {counted['warm'] / counted['plain']:.3f}")  # type: ignore[operator]


def bench_env() -> dict[str, str]:
    env = {name: value for name, value in os.environ.items()
           if not name.startswith(("CRITIQUE_", "PYTEST_")) and name != "PYTHONDONTWRITEBYTECODE"}
    env["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"  # bytecode is cached, as on a developer's machine
    return env


def run_quietly(directory: Path, *args: str) -> tuple[float, float, subprocess.CompletedProcess[str]]:
    """Wall and CPU seconds (user + system) of one pytest run, with nothing else sampling it."""
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--tb=no", *args]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, cwd=directory, env=bench_env(), capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), done


def instruction_count(directory: Path, *args: str) -> int | None:
    """Instructions one pytest run executes under callgrind (None without valgrind); the hash seed is
    fixed so that two counts of the same run agree."""
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        return None
    env = {**bench_env(), "PYTHONHASHSEED": "0"}
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--tb=no", *args]
    subprocess.run(command, cwd=directory, env=env, capture_output=True)  # bytecode written first
    done = subprocess.run([valgrind, "--tool=callgrind", "--callgrind-out-file=/dev/null", *command],
                          cwd=directory, env=env, capture_output=True, text=True)
    found = re.search(r"Collected : (\d+)", done.stderr)
    if found is None:
        sys.exit(f"callgrind printed no count: {done.stderr[-600:]}")
    return int(found.group(1))


if __name__ == "__main__":
    main()
