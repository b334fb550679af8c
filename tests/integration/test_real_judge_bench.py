"""bench/real_judge.py runs the three benchmarks with any OpenAI-compatible judge: here the loopback server,
answering in each task's shape, stands in for vLLM, llama.cpp or Ollama."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from loopback import LoopbackServer

REPO = Path(__file__).resolve().parents[2]
DATA = REPO.parent / "shared" / "datasets"


def answer_in_shape(request: dict) -> str:
    prompt = request["messages"][-1]["content"]
    if '"claims"' in prompt:
        return json.dumps({"claims": ["The speaker likes films."]})
    if '"verdict"' in prompt:
        return json.dumps({"reasoning": "the fact is about something else", "verdict": "not found", "quote": ""})
    if "first_wrong_step" in prompt:
        return json.dumps({"reasoning": "each step checks out", "first_wrong_step": None})
    if '"answers"' in prompt:
        count = len(re.findall(r"^Q\d+\. ", prompt, re.MULTILINE))
        return json.dumps({"answers": [{"question": n, "answer": "YES"} for n in range(1, count + 1)]})
    return "Reasoning: the requirement is met.\nAnswer: YES"


@pytest.mark.skipif(not all((DATA / name).is_dir() for name in ("infobench", "processbench", "checkeval")),
                    reason="the benchmark datasets are not in ../shared/datasets")
def test_real_judge_prints_every_benchmark_against_an_openai_compatible_server(tmp_path: Path) -> None:
    with LoopbackServer(handler=answer_in_shape) as server:
        completed = subprocess.run(
            [sys.executable, str(REPO / "bench" / "real_judge.py"), "--model", "openai/loopback-judge",
             "--api-base", server.url, "--limit", "1", "--cache-dir", str(tmp_path / "cache")],
            capture_output=True, text=True, timeout=300,
            env={**os.environ, "CRITIQUE_API_KEY": "sk-loopback", "LITELLM_LOCAL_MODEL_COST_MAP": "True"})
        calls = server.calls
    out = completed.stdout
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert "== InFoBench: agreement with GPT-4's verdicts" in out
    infobench = re.search(r"(\d+) instructions, (\d+) questions, (\d+) unscored", out)
    assert infobench and infobench.group(1) == "1" and infobench.group(3) == "0", out
    assert re.search(r"DRFR \(pooled YES\): this judge 1\.000 · GPT-4 [01]\.\d{3}", out), out
    assert "== ProcessBench: first wrong step (F1 per split)" in out
    assert re.search(r"gsm8k +n= +1 .*F1", out) and "average F1" in out, out
    assert "published F1 (ProcessBench paper" in out
    assert "== Topical-Chat: CheckEval against human ratings" in out and "naturalness" in out, out
    assert "== Topical-Chat: grounding, claim by claim" in out and re.search(
        r"run 2 \(same cache.*\): 0 judge calls, 2 cached", out), out
    assert calls > 0


def test_grounding_bench_counts_every_request_and_refuses_invented_quotes(tmp_path: Path) -> None:
    if not (DATA / "checkeval" / "topical_chat_result.json").is_file():
        pytest.skip("the Topical-Chat data is not in ../shared/datasets/checkeval")
    completed = subprocess.run(
        [sys.executable, str(REPO / "bench" / "grounding_topical_chat.py"), "--limit", "40",
         "--cache-dir", str(tmp_path)], capture_output=True, text=True, timeout=300,
        env={**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True"})
    out = completed.stdout
    assert completed.returncode == 0, completed.stderr[-2000:]
    first = re.search(r"run 1 \(.* = (\d+) requests.*\): (\d+) judge calls, (\d+) cached, (\d+) requests reached "
                      r"the server; 40 responses: (\d+) scored, 0 with no claim, (\d+) unscored \((\d+) claims", out)
    assert first, out
    expected, calls, cached, reached, scored, unscored, refused = map(int, first.groups())
    assert refused >= 1 and unscored >= 1 and scored + unscored == 40, "the hash judge invents one quote in ten"
    assert calls == reached == expected - cached + refused, "one request per claim list and claim, one more per refusal"
    second = re.search(r"run 2 \(.*\): (\d+) judge calls", out)
    assert second and int(second.group(1)) == 2 * refused, "only the refused claims are asked again"
    assert "run 2 scores identical to run 1: True" in out
