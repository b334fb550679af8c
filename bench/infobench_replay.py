"""The 500-instruction InFoBench replay: wall time cold and warm, and the cost of a cached verdict.

What it measures
  InFoBench (../shared/datasets/infobench/gpt4_outputs_gpt4_judgments.jsonl, beside the
  repository) holds 500 instructions, GPT-4's outputs, 2,250 decomposed YES/NO questions and
  GPT-4's answer to each.  Those answers become a RecordedJudge file, and a generated test
  module judges every output against its questions (one test per instruction).

  1. Whole pytest runs (``python -m pytest -q -p no:cacheprovider --tb=no`` subprocesses in a
     temporary directory, ``--critique-model=recorded:FILE``):
       cold     - empty verdict cache (mode rw): 2,250 judge calls, each answer written to it;
       warm     - the cache that cold run filled, ``--critique-cache=read``: 0 judge calls;
       baseline - the same 500 tests without the critique fixture (pytest's own cost).
     Each is repeated (--repeats, default 3; every cold run gets a fresh cache) and the median
     reported, with the figures read back from the JSON report (2,250 verdicts, 1,971 YES =
     0.876, 305 passing tests), per-verdict cost of the warm run (all of it, and above the
     baseline), and the warm/cold ratio.
  2. In-process, the engine's cached path alone: one ``pytest_critique.Critic`` (model
     ``recorded:FILE``, its own cache directory, one shared ``Runtime``) judges all 500
     checklists cold (cache rw), then warm (cache read) three times; reported: microseconds per
     cached verdict (median of the 3 warm passes; bar: < 1 ms), also with concurrency=1.

How to run
  python bench/infobench_replay.py              (from anywhere; the plugin must be installed)
  python bench/infobench_replay.py --repeats 5

It exits with a message when the dataset is absent.  Nothing is asserted; figures that do not
match the dataset's known figures are flagged in the output.  Only a temporary directory is
written.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
DATASET = REPO_ROOT.parent / "shared" / "datasets" / "infobench" / "gpt4_outputs_gpt4_judgments.jsonl"
INSTRUCTIONS, QUESTIONS, YES, ALL_YES = 500, 2250, 1971, 305
BAR_US = 1000.0

REPLAY_MODULE = '''
import json
import pathlib

import pytest

CASES = json.loads((pathlib.Path(__file__).parent / "cases.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_instruction(critique, case):
    verdict = critique.checklist(case["output"], instruction=case["instruction"], input=case["input"],
                                 items=case["questions"])
    assert verdict.passed
'''

BASELINE_MODULE = '''
import json
import pathlib

import pytest

CASES = json.loads((pathlib.Path(__file__).parent / "cases.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_instruction(case):
    assert case["questions"]
'''


def load_dataset() -> list[dict[str, Any]]:
    if not DATASET.is_file():
        sys.exit(f"infobench_replay: the InFoBench dataset is not available (looked for {DATASET}); "
                 "it lives in ../shared/datasets beside the repository. Nothing measured.")
    return [json.loads(line) for line in DATASET.read_text(encoding="utf-8").splitlines() if line.strip()]


def write_inputs(directory: Path, records: list[dict[str, Any]]) -> Path:
    """The RecordedJudge file (one line per question), the cases and the two test modules."""
    recorded = directory / "infobench_recorded.jsonl"
    with recorded.open("w", encoding="utf-8") as handle:
        for record in records:
            for question, answer in zip(record["decomposed_questions"], record["eval"]):
                handle.write(json.dumps({"question": question, "response": record["output"], "verdict": answer,
                                         "instruction": record["instruction"], "input": record["input"]},
                                        ensure_ascii=False) + "\n")
    cases = [{"id": r["id"], "instruction": r["instruction"], "input": r["input"], "output": r["output"],
              "questions": r["decomposed_questions"]} for r in records]
    (directory / "cases.json").write_text(json.dumps(cases, ensure_ascii=False), encoding="utf-8")
    (directory / "test_infobench_replay.py").write_text(REPLAY_MODULE, encoding="utf-8")
    (directory / "test_baseline.py").write_text(BASELINE_MODULE, encoding="utf-8")
    return recorded


def clean_env() -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith(("CRITIQUE_", "PYTEST_"))}
    env["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
    return env


def run_pytest(directory: Path, *args: str) -> tuple[float, subprocess.CompletedProcess[str]]:
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--tb=no", *args]
    start = time.perf_counter()
    done = subprocess.run(command, cwd=directory, env=clean_env(), capture_output=True, text=True)
    return time.perf_counter() - start, done


def figures(directory: Path, report_name: str) -> dict[str, Any]:
    report = json.loads((directory / report_name).read_text(encoding="utf-8"))
    totals = report["totals"]
    outcomes = [test["outcome"] for test in report["tests"]]
    return {"tests": totals["tests"], "verdicts": totals["items"], "yes": totals["yes"],
            "cached": totals["cached_items"], "calls": totals["usage"]["calls"],
            "unscored": totals["unscored_items"], "passed": outcomes.count("passed"),
            "failed": outcomes.count("failed")}


def check(label: str, got: dict[str, Any], warm: bool) -> str:
    expected = {"tests": INSTRUCTIONS, "verdicts": QUESTIONS, "yes": YES, "cached": QUESTIONS if warm else 0,
                "calls": 0 if warm else QUESTIONS, "unscored": 0, "passed": ALL_YES,
                "failed": INSTRUCTIONS - ALL_YES}
    wrong = {name: (got[name], value) for name, value in expected.items() if got[name] != value}
    if wrong:
        return f"FIGURES DIFFER in the {label} run (got, expected): {wrong}"
    return ""


def pytest_runs(directory: Path, recorded: Path, repeats: int) -> None:
    model = f"--critique-model=recorded:{recorded.name}"
    times: dict[str, list[float]] = {"cold": [], "warm": [], "baseline": []}
    problems: list[str] = []
    last: dict[str, dict[str, Any]] = {}
    for repeat in range(repeats):
        cache = f"--critique-cache-dir=cache-{repeat}"
        for label, extra in (("cold", ()), ("warm", ("--critique-cache=read",))):
            elapsed, done = run_pytest(directory, "test_infobench_replay.py", model, cache, *extra,
                                       f"--critique-report={label}.json")
            if done.returncode != 1 or not (directory / f"{label}.json").is_file():
                sys.exit(f"the {label} run ended with status {done.returncode}:\n{done.stdout[-3000:]}\n{done.stderr}")
            times[label].append(elapsed)
            last[label] = figures(directory, f"{label}.json")
            problem = check(label, last[label], warm=label == "warm")
            if problem:
                problems.append(problem)
            if f"pooled pass rate {YES}/{QUESTIONS} = 0.876" not in done.stdout:
                problems.append(f"the {label} run's terminal summary lacks "
                                f"'pooled pass rate {YES}/{QUESTIONS} = 0.876'")
        elapsed, done = run_pytest(directory, "test_baseline.py")
        if done.returncode != 0:
            sys.exit(f"the baseline run ended with status {done.returncode}:\n{done.stdout[-3000:]}")
        times["baseline"].append(elapsed)
    cold, warm, baseline = (statistics.median(times[label]) for label in ("cold", "warm", "baseline"))
    print(f"1. whole pytest runs, {INSTRUCTIONS} tests / {QUESTIONS} questions, median of {repeats} "
          "(subprocess `python -m pytest -q -p no:cacheprovider --tb=no`)")
    for label, value in (("cold (empty cache, rw)", cold), ("warm (--critique-cache=read)", warm),
                         ("baseline (no judging)", baseline)):
        runs = ", ".join(f"{t:.2f}" for t in times[label.split()[0]])
        print(f"   {label:<30} {value:6.2f} s   (runs: {runs})")
    for label in ("cold", "warm"):
        f = last[label]
        print(f"   {label}: {f['verdicts']} verdicts ({f['cached']} cached), {f['calls']} judge calls, "
              f"pooled YES {f['yes']}/{f['verdicts']} = {f['yes'] / f['verdicts']:.3f}, "
              f"{f['passed']} passed / {f['failed']} failed, {f['unscored']} unscored")
    print(f"   warm / cold: {warm / cold:.2f}")
    print(f"   warm run per cached verdict: {warm / QUESTIONS * 1e3:.2f} ms all in; "
          f"{(warm - baseline) / QUESTIONS * 1e3:.2f} ms above the no-judging baseline")
    print(f"   cold run per judged verdict above the baseline: {(cold - baseline) / QUESTIONS * 1e3:.2f} ms")
    for problem in problems:
        print(f"   !! {problem}")


def judge_all(critic: Any, cases: list[dict[str, Any]]) -> tuple[float, int, int, int]:
    """(seconds, verdicts, YES, cached) for one pass over every checklist."""
    start = time.perf_counter()
    verdicts = [critic.checklist(case["output"], instruction=case["instruction"], input=case["input"],
                                 items=case["decomposed_questions"]) for case in cases]
    elapsed = time.perf_counter() - start
    items = [item for verdict in verdicts for item in verdict.items]
    return elapsed, len(items), sum(item.answer is True for item in items), sum(item.cached for item in items)


def in_process(directory: Path, recorded: Path, records: list[dict[str, Any]]) -> None:
    for name in [name for name in os.environ if name.startswith("CRITIQUE_")]:
        del os.environ[name]
    from pytest_critique import Critic
    from pytest_critique.runtime import Runtime

    runtime = Runtime(directory)
    base = {"model": f"recorded:{recorded}", "cache_dir": str(directory / "engine-cache")}
    try:
        cold_time, verdicts, yes, cached = judge_all(Critic(runtime=runtime, cache="rw", **base), records)
        print(f"2. in-process engine, Critic(model='recorded:...', cache_dir=tmp) on one shared Runtime, "
              f"{INSTRUCTIONS} checklists / {verdicts} verdicts per pass")
        note = "" if (verdicts, yes, cached) == (QUESTIONS, YES, 0) else "   !! FIGURES DIFFER"
        print(f"   cold pass (cache rw, empty): {cold_time:.3f} s = {cold_time / verdicts * 1e6:.0f} us per verdict "
              f"(recorded-file load, judge, cache write); YES {yes}/{verdicts}, {cached} cached{note}")
        for concurrency in (8, 1):
            passes = []
            for _ in range(3):
                critic = Critic(runtime=runtime, cache="read", concurrency=concurrency, **base)
                elapsed, verdicts, yes, cached = judge_all(critic, records)
                passes.append(elapsed)
                if (verdicts, yes, cached) != (QUESTIONS, YES, QUESTIONS):
                    print(f"   !! warm pass figures differ: {verdicts} verdicts, {yes} YES, {cached} cached")
            per_verdict = statistics.median(passes) / QUESTIONS * 1e6
            label = "default concurrency 8" if concurrency == 8 else "concurrency=1 (no thread pool)"
            verdict = "under" if per_verdict < BAR_US else "OVER"
            print(f"   warm passes (cache read), {label}: "
                  f"{', '.join(f'{p:.3f}' for p in passes)} s -> median {per_verdict:.0f} us per cached verdict "
                  f"({verdict} the {BAR_US / 1000:.0f} ms bar), "
                  f"{statistics.median(passes) / INSTRUCTIONS * 1e3:.2f} ms per checklist")
    finally:
        runtime.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3, help="pytest runs of each kind (default 3)")
    options = parser.parse_args()
    records = load_dataset()
    print(f"python {platform.python_version()} on {platform.platform()}, {os.cpu_count()} CPUs, "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"dataset: {len(records)} instructions, "
          f"{sum(len(r['decomposed_questions']) for r in records)} questions, "
          f"{sum(sum(r['eval']) for r in records)} YES")
    with tempfile.TemporaryDirectory(prefix="critique-infobench-") as name:
        directory = Path(name)
        recorded = write_inputs(directory, records)
        pytest_runs(directory, recorded, options.repeats)
        in_process(directory, recorded, records)
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
