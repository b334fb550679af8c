"""CheckEval on Topical-Chat: per-dimension scores against human ratings, and the judge call count.

Each of the 360 Topical-Chat responses (``../shared/datasets/checkeval/topical_chat_result.json``)
goes through ``Critic.checkeval`` with the dataset's fields under their own names: the
conversation (``source``) as ``source``, the fact the response should use (``context``) as
``context``, and the response (``system_output``) as the text under judgement.
``--swap-fields`` passes the fact as ``source`` and the conversation as ``context`` instead
(what ``checkeval()``'s docstring suggests for dialogue: ``source`` is what the response is
grounded in, ``context`` the dialogue history); the prompt labels the two blocks differently,
so with a real model the choice can move the figures.
The checklist is one stage of the released CheckEval Topical-Chat files (``--stage``: seed,
diversification or elaboration; default seed) or the built-in "dialogue" checklist
(``--builtin``); all four dimensions (naturalness, coherence, engagingness, groundedness) have
human ratings.

The script prints, per dimension, the sample-level Spearman correlation and Kendall's tau-b
between the CheckEval scores and the human scores (all responses pooled; ties handled: average
ranks for Spearman, tau-b for Kendall), next to the same figures for the dataset's own
``predict_scores`` (an earlier evaluator's), which serve as a check of the arithmetic.

It runs the whole set twice against the same cache directory and prints both call counts: the
first run must make one call per sub-aspect per response, the second none.

The judge: ``--model`` (any litellm model string, with ``--api-base`` for a local server and the
key in ``CRITIQUE_API_KEY``), or by default a loopback OpenAI-compatible server started by this
script whose answers are a coin toss fixed by a hash (YES when sha256(question, response) is
even). The default exercises litellm's real client, the prompt, the reply parsing and the cache
end to end; its correlations are MEANINGLESS (they should sit near 0).

    python bench/checkeval_topical_chat.py                         # seed stage, hash judge
    python bench/checkeval_topical_chat.py --stage elaboration
    python bench/checkeval_topical_chat.py --builtin
    python bench/checkeval_topical_chat.py --model openai/gpt-4o-mini --limit 60

Writes only to a temporary directory (or ``--cache-dir``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Sequence

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "datasets" / "checkeval"
DIMENSIONS = ("naturalness", "coherence", "engagingness", "groundedness")


# --------------------------------------------------------------------------------------------
# Rank correlations (no SciPy): tested in tests/unit/test_correlation.py
# --------------------------------------------------------------------------------------------


def average_ranks(values: Sequence[float]) -> list[float]:
    """1-based ranks; tied values share the mean of the ranks they span."""
    order = sorted(range(len(values)), key=lambda index: values[index])
    ranks = [0.0] * len(values)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        shared = (start + end) / 2 + 1
        for position in range(start, end + 1):
            ranks[order[position]] = shared
        start = end + 1
    return ranks


def pearson(x: Sequence[float], y: Sequence[float]) -> float:
    """Pearson's r; NaN when either side is constant."""
    if len(x) != len(y):
        raise ValueError(f"x and y differ in length ({len(x)} and {len(y)})")
    n = len(x)
    if n < 2:
        return math.nan
    mean_x, mean_y = sum(x) / n, sum(y) / n
    sxy = sum((a - mean_x) * (b - mean_y) for a, b in zip(x, y))
    sxx = sum((a - mean_x) ** 2 for a in x)
    syy = sum((b - mean_y) ** 2 for b in y)
    if sxx == 0 or syy == 0:
        return math.nan
    return sxy / math.sqrt(sxx * syy)


def spearman(x: Sequence[float], y: Sequence[float]) -> float:
    """Spearman's rho: Pearson's r of the average ranks (the tie-corrected form)."""
    return pearson(average_ranks(x), average_ranks(y))


def kendall_tau_b(x: Sequence[float], y: Sequence[float]) -> float:
    """Kendall's tau-b = (C - D) / sqrt((n0 - n1) (n0 - n2)) over all pairs; NaN when a side is constant.

    n0 is the number of pairs, n1 the pairs tied in x, n2 the pairs tied in y (a pair tied in
    both counts in n1 and n2 and is neither concordant nor discordant).
    """
    if len(x) != len(y):
        raise ValueError(f"x and y differ in length ({len(x)} and {len(y)})")
    n = len(x)
    concordant = discordant = tied_x = tied_y = 0
    for i in range(n):
        for j in range(i + 1, n):
            dx, dy = x[i] - x[j], y[i] - y[j]
            if dx == 0:
                tied_x += 1
            if dy == 0:
                tied_y += 1
            if dx and dy:
                if (dx > 0) == (dy > 0):
                    concordant += 1
                else:
                    discordant += 1
    pairs = n * (n - 1) // 2
    denominator = math.sqrt((pairs - tied_x) * (pairs - tied_y))
    return (concordant - discordant) / denominator if denominator else math.nan


# --------------------------------------------------------------------------------------------
# The default judge: a loopback server answering by hash
# --------------------------------------------------------------------------------------------

QUESTION_LINE = re.compile(r"^Q(\d+)\. (.*)$", re.MULTILINE)
RESPONSE_FENCE = re.compile(r"<response-([0-9a-f]+)>\n(.*?)\n</response-\1>", re.DOTALL)


def hash_answer(question: str, response: str) -> bool:
    digest = hashlib.sha256(f"{question}\x00{response}".encode("utf-8")).digest()
    return digest[-1] % 2 == 0


def hash_handler(request: dict[str, Any]) -> str:
    prompt = request["messages"][-1]["content"]
    fenced = RESPONSE_FENCE.search(prompt)
    response = fenced.group(2) if fenced else ""
    answers = [{"question": int(number), "answer": "YES" if hash_answer(text, response) else "NO"}
               for number, text in QUESTION_LINE.findall(prompt)]
    return json.dumps({"answers": answers})


# --------------------------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------------------------


def judge_all(critic: Any, items: list[dict[str, Any]], checklist: Any,
              swap: bool = False) -> tuple[list[dict[str, float] | None], Any]:
    from pytest_critique import UnscoredError
    from pytest_critique.models import Usage

    scores: list[dict[str, float] | None] = []
    usage = Usage()
    for item in items:
        try:
            source, context = (item["context"], item["source"]) if swap else (item["source"], item["context"])
            verdict = critic.checkeval(item["system_output"], checklist=checklist, source=source,
                                       context=context, thresholds=0.0)
        except UnscoredError as exc:
            scores.append(None)
            if exc.verdict is not None:
                usage = usage + exc.verdict.usage
            continue
        scores.append({dimension.name: dimension.score for dimension in verdict.dimensions})
        usage = usage + verdict.usage
    return scores, usage


def fmt(value: float) -> str:
    return "   n/a" if math.isnan(value) else f"{value:+.3f}"


def judge_settings(args: Any, handler: Any, work: Path, label: str) -> tuple[dict[str, Any], Any]:
    """The Critic settings for ``--model`` (and ``--api-base``), or for a loopback server started here that
    answers with ``handler`` (returned, to be stopped; None for a model).  Prints which judge it is."""
    server = None
    if args.model:
        model, api_base, api_key = args.model, args.api_base, None
        print(f"judge: {model}" + (f" at {api_base}" if api_base else ""))
    else:
        sys.path.insert(0, str(REPO / "tests"))
        from loopback import LoopbackServer

        server = LoopbackServer(handler=handler).start()
        model, api_base, api_key = "openai/hash-judge", server.url, "sk-loopback"
        print(f"judge: {label}")
    settings: dict[str, Any] = {"model": model, "api_base": api_base, "concurrency": args.concurrency,
                                "cache_dir": str(work / "cache")}
    if api_key:
        settings["api_key"] = api_key
    return settings, server


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stage", choices=("seed", "diversification", "elaboration"), default="seed",
                        help="stage of the released Topical-Chat checklists (default seed)")
    parser.add_argument("--builtin", action="store_true", help="use the built-in 'dialogue' checklist instead")
    parser.add_argument("--model", help="litellm model string (default: the loopback hash judge)")
    parser.add_argument("--api-base")
    parser.add_argument("--limit", type=int, default=0, help="judge only the first N responses")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--swap-fields", action="store_true",
                        help="pass the fact as source and the conversation as context")
    parser.add_argument("--cache-dir", help="verdict cache directory (default: a new temporary one)")
    args = parser.parse_args()

    data_file = DATA / "topical_chat_result.json"
    if not data_file.is_file():
        print(f"Topical-Chat data not found at {data_file}; nothing to measure.")
        return 1
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    for name in [name for name in os.environ if name.startswith("CRITIQUE_") and name != "CRITIQUE_API_KEY"]:
        del os.environ[name]

    from pytest_critique import Critic
    from pytest_critique.runtime import Runtime
    from pytest_critique.checkeval_files import builtin, load_released_dir

    items = json.loads(data_file.read_text(encoding="utf-8"))[: args.limit or None]
    if args.builtin:
        checklist, label = builtin("dialogue"), "built-in 'dialogue'"
    else:
        checklist = load_released_dir(DATA / "topical_chat_questions", args.stage, benchmark="topical_chat")
        label = f"released Topical-Chat, stage {args.stage}"
    fields = "fact as source, conversation as context" if args.swap_fields else \
        "conversation as source, fact as context"
    sub_aspects = sum(len(dimension.sub_aspects) for dimension in checklist.dimensions)
    print(f"checklist: {label} · {len(checklist.dimensions)} dimensions, {sub_aspects} sub-aspects, "
          f"{checklist.question_count} questions "
          f"({', '.join(f'{n} {c}' for n, c in checklist.question_counts().items())}); "
          f"{fields}")

    work = Path(args.cache_dir) if args.cache_dir else Path(tempfile.mkdtemp(prefix="critique-checkeval-"))
    settings, server = judge_settings(args, hash_handler, work,
                                      "loopback hash judge (YES when sha256(question, response) is even): its "
                                      "correlations are MEANINGLESS; it exercises the pipeline and the call count")

    runs = []
    try:
        for run in (1, 2):
            critic = Critic(runtime=Runtime(work), **settings)
            received = server.calls if server else 0
            started = time.perf_counter()
            scores, usage = judge_all(critic, items, checklist, args.swap_fields)
            elapsed = time.perf_counter() - started
            critic.runtime.close()
            runs.append(scores)
            unscored = sum(score is None for score in scores)
            at_server = f", {server.calls - received} requests reached the server" if server else ""
            expected = (f"cold cache, expected {len(items)} responses × {sub_aspects} sub-aspects = "
                        f"{len(items) * sub_aspects} calls" if run == 1 else "same cache, expected 0 calls")
            print(f"run {run} ({expected}): {usage.calls} judge calls, {usage.cached} cached sub-aspect answers"
                  f"{at_server}; {unscored} unscored; {elapsed:.1f} s")
    finally:
        if server is not None:
            server.stop()
    print(f"run 2 scores identical to run 1: {runs[0] == runs[1]}")

    scored = [(item, score) for item, score in zip(items, runs[0]) if score is not None]
    print(f"\nsample-level correlation with the human scores (n = {len(scored)} responses)")
    print(f"  {'dimension':13s} {'CheckEval ρ':>12s} {'τ-b':>8s}    {'predict_scores ρ':>16s} {'τ-b':>8s}")
    for name in DIMENSIONS:
        if name not in checklist.dimension_names:
            continue
        human = [item["scores"][name] for item, _ in scored]
        ours = [score[name] for _, score in scored]
        theirs = [item["predict_scores"][name] for item, _ in scored]
        print(f"  {name:13s} {fmt(spearman(ours, human)):>12s} {fmt(kendall_tau_b(ours, human)):>8s}    "
              f"{fmt(spearman(theirs, human)):>16s} {fmt(kendall_tau_b(theirs, human)):>8s}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
