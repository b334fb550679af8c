"""What does drift tracking cost a cold run?

What it does
  Every fresh verdict written to the cache also updates the drift index beside it (one read
  and one write keyed without the judge), so that a later judge can be compared with it.
  This script judges InFoBench's 500 checklists (2,250 questions) in process with a
  ``RecordedJudge`` replaying GPT-4's verdicts, on an empty cache each time, alternately with
  the drift index as shipped and with its ``observe`` replaced by a no-op, and prints the
  median time per verdict of each and their ratio.  A third pass replays a second recorded
  file in which 10% of the verdicts are flipped, on the warm cache of the first, and prints
  how many changes the drift index reported (it must be exactly the flipped questions).

How to run
  python bench/drift_overhead.py [--repeats 5]     (needs ../shared/datasets/infobench/)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

DATASET = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "infobench" / \
    "gpt4_outputs_gpt4_judgments.jsonl"


def write_recorded(records: list[dict], path: Path, flip_every: int = 0) -> int:
    lines, flipped, number = [], 0, 0
    for record in records:
        for question, answer in zip(record["decomposed_questions"], record["eval"]):
            number += 1
            flip = bool(flip_every) and number % flip_every == 0
            flipped += flip
            lines.append(json.dumps({"question": question, "response": record["output"], "verdict": answer != flip,
                                     "instruction": record["instruction"], "input": record["input"]}))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return flipped


def judge_all(records: list[dict], model: str, root: Path) -> tuple[float, int, int]:
    from pytest_critique import Critic
    from pytest_critique.runtime import Runtime

    critic = Critic(model=model, cache_dir=str(root / "cache"), runtime=Runtime(root))
    started = time.perf_counter()
    verdicts = changes = 0
    for record in records:
        verdict = critic.checklist(record["output"], items=record["decomposed_questions"],
                                   instruction=record["instruction"], input=record["input"])
        verdicts += len(verdict.items)
        changes += len(verdict.drift)
    elapsed = time.perf_counter() - started
    critic.runtime.close()
    return elapsed, verdicts, changes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    if not DATASET.is_file():
        sys.exit(f"InFoBench data not found at {DATASET}")
    from pytest_critique.drift import DriftIndex

    records = [json.loads(line) for line in DATASET.read_text(encoding="utf-8").splitlines() if line.strip()]
    shipped = DriftIndex.observe
    print(f"load average at start: {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as scratch:
        base = Path(scratch)
        recorded, flipped_file = base / "gpt4.jsonl", base / "gpt4_flipped.jsonl"
        write_recorded(records, recorded)
        flipped = write_recorded(records, flipped_file, flip_every=10)
        times: dict[str, list[float]] = {"with drift index": [], "without": []}
        for repeat in range(args.repeats):
            for label in (("with drift index", "without") if repeat % 2 == 0 else ("without", "with drift index")):
                DriftIndex.observe = shipped if label == "with drift index" else (lambda self, *a, **k: [])
                root = base / f"run-{repeat}-{label.replace(' ', '-')}"
                elapsed, verdicts, _ = judge_all(records, f"recorded:{recorded}", root)
                times[label].append(elapsed / verdicts * 1e6)
        DriftIndex.observe = shipped
        for label, values in times.items():
            print(f"{label:>17}: median {statistics.median(values):.0f} µs per cold verdict "
                  f"({', '.join(f'{v:.0f}' for v in values)})")
        ratio = statistics.median(times["with drift index"]) / statistics.median(times["without"])
        print(f"ratio with/without: {ratio:.2f}")

        root = base / "drift"
        judge_all(records, f"recorded:{recorded}", root)
        _, verdicts, changes = judge_all(records, f"recorded:{flipped_file}", root)
        print(f"second judge with {flipped} of {verdicts} verdicts flipped: drift reported {changes} changes")
    print(f"load average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
