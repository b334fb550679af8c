"""ProcessBench's metric for the step critic, with any judge.

For each split (gsm8k, math, olympiadbench, omnimath) every solution goes through
``Critic.steps`` and the located first error is compared with the label:

- accuracy on the erroneous solutions (located step == labelled step),
- accuracy on the error-free solutions (nothing located),
- F1 = their harmonic mean; the headline is the mean F1 over the four splits.

By default the judge is an *oracle*: a RecordedJudge built from the labels themselves, which
must score F1 100 on every split. That proves the step indices survive the plugin's pipeline
(splitting or explicit steps, the judge call, the cache, the verdict). Pass ``--model`` (any
litellm model string, plus ``--api-base``) to measure a real judge instead; ``--limit N`` judges
the first N solutions of each split; ``--mode per_step`` uses the per-step critic.

    python bench/processbench.py                    # oracle, first_error mode, all 3,400 solutions
    python bench/processbench.py --mode per_step
    python bench/processbench.py --input text       # give the steps as one text joined by blank lines

Reads ../shared/datasets/processbench relative to the repository root.
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

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "datasets" / "processbench"
SPLITS = ("gsm8k", "math", "olympiadbench", "omnimath")


def load(split: str) -> list[dict]:
    return json.loads((DATA / f"{split}.json").read_text(encoding="utf-8"))


def write_oracle(path: Path) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for split in SPLITS:
            for item in load(split):
                first_error = None if item["label"] == -1 else item["label"] + 1
                handle.write(json.dumps({"problem": item["problem"], "steps": item["steps"],
                                         "first_error": first_error, "reason": "labelled"}) + "\n")


def f1(error_accuracy: float, correct_accuracy: float) -> float:
    if error_accuracy + correct_accuracy == 0:
        return 0.0
    return 2 * error_accuracy * correct_accuracy / (error_accuracy + correct_accuracy)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", help="litellm model string (default: the label oracle)")
    parser.add_argument("--api-base")
    parser.add_argument("--mode", choices=("first_error", "per_step"), default="first_error")
    parser.add_argument("--input", choices=("list", "text"), default="list",
                        help="steps as a list, or as text joined by blank lines and split automatically")
    parser.add_argument("--limit", type=int, default=0)
    args = parser.parse_args()
    if not DATA.is_dir():
        print(f"ProcessBench data not found at {DATA}; nothing to measure.")
        return 1

    from pytest_critique import Critic, UnscoredError
    from pytest_critique.runtime import Runtime

    work = Path(tempfile.mkdtemp(prefix="critique-processbench-"))
    if args.model:
        critic = Critic(model=args.model, api_base=args.api_base, cache_dir=str(work / "cache"),
                        runtime=Runtime(work))
    else:
        write_oracle(work / "oracle.jsonl")
        critic = Critic(model=f"recorded:{work / 'oracle.jsonl'}", cache_dir=str(work / "cache"),
                        runtime=Runtime(work))
    print(f"judge: {args.model or 'oracle (RecordedJudge built from the labels)'} · mode {args.mode} · "
          f"input {args.input}")
    f1s = []
    started = time.perf_counter()
    for split in SPLITS:
        items = load(split)[: args.limit or None]
        right_err = total_err = right_ok = total_ok = unscored = 0
        for item in items:
            solution = "\n\n".join(item["steps"]) if args.input == "text" else item["steps"]
            try:
                verdict = critic.steps(solution, problem=item["problem"], mode=args.mode)
                predicted = verdict.first_error_index
            except UnscoredError:
                unscored += 1
                predicted = None
            if item["label"] == -1:
                total_ok += 1
                right_ok += predicted == -1
            else:
                total_err += 1
                right_err += predicted == item["label"]
        error_accuracy = right_err / total_err if total_err else 0.0
        correct_accuracy = right_ok / total_ok if total_ok else 0.0
        score = 100 * f1(error_accuracy, correct_accuracy)
        f1s.append(score)
        print(f"  {split:14s} n={len(items):5d}  erroneous acc {100 * error_accuracy:6.2f} ({right_err}/{total_err})"
              f"  error-free acc {100 * correct_accuracy:6.2f} ({right_ok}/{total_ok})  F1 {score:6.2f}"
              f"  unscored {unscored}")
    print(f"average F1 {statistics.mean(f1s):.2f} · {time.perf_counter() - started:.1f} s · "
          f"{critic.runtime.engine.store_for(str(work / 'cache')).__len__()} cache entries")
    return 0


if __name__ == "__main__":
    sys.exit(main())
