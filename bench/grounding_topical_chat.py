"""Grounding on Topical-Chat: the grounded score of each response against human groundedness ratings.

Each of the 360 Topical-Chat responses (``../shared/datasets/checkeval/topical_chat_result.json``) comes
with the fact it should draw on (``context``) and people's groundedness rating (``scores.groundedness``,
0 to 1: did the response use the fact).  This script runs ``Critic.grounded(system_output,
sources=[context])`` on each, so the judge breaks the response into claims and checks each against
the fact; the score is the share of claims supported.  It prints the sample-level Spearman
correlation and Kendall's tau-b between the grounded score and the human rating (responses the judge
found no claim in, or could not score, are counted and left out), next to the same figures for the
dataset's own ``predict_scores`` groundedness (an earlier evaluator's), which checks the arithmetic.

It runs the set twice against one cache directory and prints both call counts: the first run makes
one request per response for its claims plus one per claim (and a second one for a claim whose
quote was refused), the second only asks again about the claims left unscored (a failure is never
cached).

The judge: ``--model`` (any litellm model string; ``--api-base`` for an OpenAI-compatible server such as
vLLM, llama.cpp or Ollama; the key in ``CRITIQUE_API_KEY``), or by default a loopback server started by
this script that lists the response's sentences as its claims and calls a claim supported, quoting
the fact's first words, when a hash of the claim is even, else not found; every tenth supported
answer quotes a passage the fact does not hold, which the plugin must refuse.  The default exercises
litellm's real client, both prompts, the quote check and the cache; its correlations are MEANINGLESS
(they should sit near 0).

    python bench/grounding_topical_chat.py                        # the loopback hash judge
    python bench/grounding_topical_chat.py --model openai/gpt-4o-mini --limit 60

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
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "datasets" / "checkeval" / "topical_chat_result.json"
sys.path.insert(0, str(REPO / "bench"))

from checkeval_topical_chat import judge_settings, kendall_tau_b, spearman  # noqa: E402

RESPONSE_FENCE = re.compile(r"<response-([0-9a-f]+)>\n(.*?)\n</response-\1>", re.DOTALL)
CLAIM_FENCE = re.compile(r"<claim-([0-9a-f]+)>\n(.*?)\n</claim-\1>", re.DOTALL)
SOURCE_FENCE = re.compile(r"<source-1-([0-9a-f]+)>\n(.*?)\n</source-1-\1>", re.DOTALL)


def _even(text: str) -> bool:
    return hashlib.sha256(text.encode("utf-8")).digest()[-1] % 2 == 0


def hash_handler(request: dict[str, Any]) -> str:
    prompt = "\n".join(str(message["content"]) for message in request["messages"])  # a repair adds messages
    response = RESPONSE_FENCE.search(prompt)
    if response is not None:
        sentences = [part.strip() for part in re.split(r"(?<=[.!?])\s+", response.group(2)) if part.strip()]
        return json.dumps({"claims": sentences})
    claim = CLAIM_FENCE.search(prompt)
    source = SOURCE_FENCE.search(prompt)
    text = claim.group(2) if claim else ""
    if not _even(text):
        return json.dumps({"reasoning": "the fact says nothing on it", "verdict": "not found", "quote": ""})
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    quote = "a passage the fact does not hold" if digest[0] % 10 == 0 else \
        " ".join((source.group(2) if source else "").split()[:6])
    return json.dumps({"reasoning": "the fact states it", "verdict": "supported", "quote": quote})


def fmt(value: float) -> str:
    return "   n/a" if math.isnan(value) else f"{value:+.3f}"


def judge_all(critic: Any, items: list[dict[str, Any]]) -> tuple[list[float | None], dict[str, int], Any]:
    """The grounded score of each response (None: not scored), what became of the others, the usage."""
    from pytest_critique import UnscoredError
    from pytest_critique.models import Usage

    scores: list[float | None] = []
    outcomes = {"scored": 0, "no claim": 0, "unscored": 0, "claims": 0, "refused quotes": 0}
    usage = Usage()
    for item in items:
        try:
            verdict = critic.grounded(item["system_output"], sources=[item["context"]], threshold=0.0)
        except UnscoredError as error:
            verdict = error.verdict
            scores.append(None)
            if verdict is None or not verdict.claims:
                outcomes["no claim"] += 1
            else:
                outcomes["unscored"] += 1
        else:
            scores.append(verdict.score)
            outcomes["scored"] += 1
        if verdict is not None:
            usage = usage + verdict.usage
            outcomes["claims"] += len(verdict.claims)
            outcomes["refused quotes"] += sum(1 for claim in verdict.claims if claim.verdict is None
                                              and "word for word" in (claim.error or ""))
    return scores, outcomes, usage


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", help="litellm model string (default: the loopback hash judge)")
    parser.add_argument("--api-base")
    parser.add_argument("--limit", type=int, default=0, help="judge only the first N responses")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--cache-dir", help="verdict cache directory (default: a new temporary one)")
    args = parser.parse_args()

    if not DATA.is_file():
        print(f"Topical-Chat data not found at {DATA}; nothing to measure.")
        return 1
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    for name in [name for name in os.environ if name.startswith("CRITIQUE_") and name != "CRITIQUE_API_KEY"]:
        del os.environ[name]
    from pytest_critique import Critic
    from pytest_critique.runtime import Runtime

    items = json.loads(DATA.read_text(encoding="utf-8"))[: args.limit or None]
    work = Path(args.cache_dir) if args.cache_dir else Path(tempfile.mkdtemp(prefix="critique-grounding-"))
    settings, server = judge_settings(args, hash_handler, work,
                                      "loopback hash judge (claims = sentences; supported when a hash is even, "
                                      "one quote in ten invented): its correlations are MEANINGLESS; it exercises "
                                      "the pipeline, the quote check and the call counts")

    runs = []
    try:
        for run in (1, 2):
            critic = Critic(runtime=Runtime(work), **settings)
            received = server.calls if server else 0
            started = time.perf_counter()
            scores, outcomes, usage = judge_all(critic, items)
            elapsed = time.perf_counter() - started
            critic.runtime.close()
            runs.append(scores)
            at_server = f", {server.calls - received} requests reached the server" if server else ""
            if run == 1:
                expected = (f"cold cache, expected at most {len(items)} claim lists + {outcomes['claims']} claims = "
                            f"{len(items) + outcomes['claims']} requests (a repeated one is cached), and one more "
                            "per refused quote")
            else:
                expected = "same cache, expected only the refused quotes again, two requests each: a failure is " \
                    "never cached"
            print(f"run {run} ({expected}): {usage.calls} judge calls, {usage.cached} cached{at_server}; "
                  f"{len(items)} responses: {outcomes['scored']} scored, {outcomes['no claim']} with no claim, "
                  f"{outcomes['unscored']} unscored ({outcomes['refused quotes']} claims whose quote the sources "
                  f"do not hold); {outcomes['claims']} claims; {elapsed:.1f} s")
    finally:
        if server is not None:
            server.stop()
    print(f"run 2 scores identical to run 1: {runs[0] == runs[1]}")

    scored = [(item, score) for item, score in zip(items, runs[0]) if score is not None]
    human = [item["scores"]["groundedness"] for item, _ in scored]
    ours = [score for _, score in scored]
    theirs = [item["predict_scores"]["groundedness"] for item, _ in scored]
    print(f"\ngroundedness, sample-level correlation with the human ratings (n = {len(scored)} responses)")
    print(f"  {'grounded score ρ':>17s} {'τ-b':>8s}    {'predict_scores ρ':>16s} {'τ-b':>8s}")
    print(f"  {fmt(spearman(ours, human)):>17s} {fmt(kendall_tau_b(ours, human)):>8s}    "
          f"{fmt(spearman(theirs, human)):>16s} {fmt(kendall_tau_b(theirs, human)):>8s}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
