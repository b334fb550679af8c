"""A real judge on the benchmarks in ../shared/datasets, with figures to hold it against.

What it measures, with the model given by ``--model`` (any litellm model string; ``--api-base``
for an OpenAI-compatible server such as vLLM, llama.cpp or Ollama; the key in CRITIQUE_API_KEY):

  1. InFoBench: GPT-4's outputs judged against their decomposed YES/NO questions (one checklist
     per instruction).  Printed: the judge's agreement with GPT-4's own verdicts on the same
     questions (accuracy and Cohen's kappa), its pooled YES rate (InFoBench's DRFR) beside
     GPT-4's, and how many questions stayed UNSCORED.
  2. ProcessBench: bench/processbench.py with this judge (first error located; F1 per split),
     beside the F1 the ProcessBench paper (Zheng et al., 2024) reports for two critic models.
  3. Topical-Chat: bench/checkeval_topical_chat.py with this judge (Spearman and Kendall per
     dimension against the human ratings, beside the dataset's own evaluator's).
  4. Topical-Chat grounding: bench/grounding_topical_chat.py with this judge (each response's
     claims checked against its fact; the grounded score against the human groundedness ratings).

``--limit N`` judges only the first N items of each benchmark (and of each ProcessBench split).
Verdicts go to a cache directory (``--cache-dir``, default a temporary one), so a second run with
the same directory makes no judge call.  Nothing is asserted; the script prints its figures.

    CRITIQUE_API_KEY=... python bench/real_judge.py --model openai/gpt-4o-mini --limit 50
    python bench/real_judge.py --model openai/qwen2.5-7b --api-base http://localhost:8000/v1
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "datasets"
INFOBENCH = DATA / "infobench" / "gpt4_outputs_gpt4_judgments.jsonl"
PROCESSBENCH_PUBLISHED = {  # F1 as published in the ProcessBench paper, prompting the model as a critic
    "gpt-4o": {"gsm8k": 79.2, "math": 63.6, "olympiadbench": 51.4, "omnimath": 53.5},
    "o1-mini": {"gsm8k": 93.2, "math": 88.9, "olympiadbench": 87.2, "omnimath": 82.4},
}


def infobench(model: str, api_base: str | None, limit: int, cache_dir: Path, concurrency: int) -> None:
    print("== InFoBench: agreement with GPT-4's verdicts")
    if not INFOBENCH.is_file():
        print(f"   {INFOBENCH} not found; skipped")
        return
    from pytest_critique import Critic, UnscoredError
    from pytest_critique.agreement import accuracy, cohen_kappa
    from pytest_critique.runtime import Runtime

    records = [json.loads(line) for line in INFOBENCH.read_text(encoding="utf-8").splitlines() if line.strip()]
    records = records[: limit or None]
    critic = Critic(model=model, api_base=api_base, cache_dir=str(cache_dir), runtime=Runtime(cache_dir.parent),
                    concurrency=concurrency, threshold=0.0)
    pairs: list[tuple[bool, bool]] = []
    unscored = 0
    started = time.perf_counter()
    for record in records:
        try:
            verdict = critic.checklist(record["output"], items=record["decomposed_questions"],
                                       instruction=record["instruction"], input=record["input"] or None)
            items = verdict.items
        except UnscoredError as error:
            items = error.verdict.items if error.verdict is not None else []
        for item, label in zip(items, record["eval"]):
            if item.answer is None:
                unscored += 1
            else:
                pairs.append((bool(label), item.answer))
    labels = [label for record in records for label in record["eval"]]
    judged_yes = sum(1 for _, answer in pairs if answer)
    kappa = cohen_kappa(pairs)
    print(f"   {len(records)} instructions, {len(labels)} questions, {unscored} unscored, "
          f"{time.perf_counter() - started:.1f} s")
    print(f"   agreement with GPT-4: accuracy {accuracy(pairs) or 0:.3f}, Cohen's kappa "
          f"{'n/a' if kappa is None else f'{kappa:.3f}'}")
    print(f"   DRFR (pooled YES): this judge {judged_yes / len(pairs) if pairs else 0:.3f} · "
          f"GPT-4 {sum(labels) / len(labels) if labels else 0:.3f}")


def script(name: str, args: list[str]) -> None:
    completed = subprocess.run([sys.executable, str(REPO / "bench" / name), *args], capture_output=True, text=True)
    sys.stdout.write("".join(f"   {line}\n" for line in completed.stdout.splitlines()))
    if completed.returncode:
        sys.stdout.write("".join(f"   {line}\n" for line in completed.stderr.splitlines()[-5:]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True, help="litellm model string of the judge")
    parser.add_argument("--api-base", help="base URL of an OpenAI-compatible server")
    parser.add_argument("--limit", type=int, default=0, help="judge only the first N items of each benchmark")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--cache-dir", help="verdict cache directory (default: a new temporary one)")
    args = parser.parse_args()
    cache_dir = Path(args.cache_dir) if args.cache_dir else Path(tempfile.mkdtemp(prefix="critique-real-")) / "cache"
    judge = ["--model", args.model, *(["--api-base", args.api_base] if args.api_base else [])]
    limit = ["--limit", str(args.limit)] if args.limit else []
    print(f"judge {args.model}" + (f" at {args.api_base}" if args.api_base else "") + f" · cache {cache_dir}")
    infobench(args.model, args.api_base, args.limit, cache_dir, args.concurrency)
    print("== ProcessBench: first wrong step (F1 per split)")
    script("processbench.py", [*judge, *limit])
    print("   published F1 (ProcessBench paper, the model prompted as a critic): " + "; ".join(
        f"{model} " + ", ".join(f"{split} {score}" for split, score in scores.items())
        for model, scores in PROCESSBENCH_PUBLISHED.items()))
    print("== Topical-Chat: CheckEval against human ratings")
    script("checkeval_topical_chat.py", [*judge, *limit, "--cache-dir", str(cache_dir.parent / "checkeval-cache"),
                                         "--concurrency", str(args.concurrency)])
    print("== Topical-Chat: grounding, claim by claim, against human groundedness")
    script("grounding_topical_chat.py", [*judge, *limit, "--cache-dir", str(cache_dir.parent / "grounding-cache"),
                                         "--concurrency", str(args.concurrency)])
    return 0


if __name__ == "__main__":
    sys.exit(main())
