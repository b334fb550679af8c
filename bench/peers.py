"""One cold judging workload in pytest-critique, pydantic-evals and Inspect AI, side by side.

What it measures
  The first ``--tests`` InFoBench instructions (../shared/datasets/infobench/gpt4_outputs_gpt4_judgments.jsonl,
  beside the repository): each recorded GPT-4 output judged against each of its decomposed
  questions, one judge request per question (284 for the first 100).  The same loopback
  OpenAI-compatible judge as bench/throughput.py serves all three: it sleeps ``--latency`` seconds
  (default 0.2), then answers YES or NO by a hash of the question, so every tool must reach the
  same verdicts.  Each tool runs in its own natural concurrent configuration:
    pytest-critique - a pytest module of ``critique.expect.checklist`` tests, cache off, at the
                      default --critique-concurrency and at 64;
    pydantic-evals  - a Dataset of one Case per instruction, one LLMJudge per question (rubric =
                      the question, pydantic-ai's OpenAI chat model), ``evaluate_sync`` at the
                      library's default concurrency, no progress bar (the judge answers its
                      ``final_result`` tool);
    Inspect AI      - a Task of one Sample per instruction, a solver that sets the recorded output,
                      a scorer that asks the grader every question of its sample at once
                      (asyncio.gather), ``eval`` at the default max_connections, no display.
  Each is a subprocess timed from launch to exit: wall time, peak resident memory of the whole
  process tree (summed, sampled every 50 ms), requests the judge received and the most in flight
  at once, and how many judgements equal the expected YES/NO.

How to run
  python bench/peers.py                   (the plugin installed; 100 tests)
  python bench/peers.py --tests 20 --latency 0.2
  The peers run in a virtualenv of their own, built on first use (about a minute, from PyPI) as
  <system temp dir>/critique-bench-peers and reused while its imports work.

Nothing is asserted.  Exits with a message when the dataset is absent.  Apart from that
virtualenv only a temporary directory is written (the peers' data and cache dirs point into it).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path[:0] = [str(BENCH), str(BENCH.parent / "tests")]

from loopback import Reply  # noqa: E402
from throughput import EXPECT, MODULE, QUESTION, Server, answer_for, load_cases, timed  # noqa: E402

PEERS = Path(tempfile.gettempdir()) / "critique-bench-peers"
PEER_PACKAGES = ("pydantic-evals", "inspect-ai", "openai")
PEER_IMPORTS = "import inspect_ai, openai, pydantic_evals, pydantic_ai.models.openai"
RUBRIC = re.compile(r"<Rubric>\n(.*?)\n</Rubric>", re.DOTALL)

PYDANTIC_EVALS = '''
import json
import sys

from pydantic_ai.models.openai import OpenAIChatModel
from pydantic_ai.providers.openai import OpenAIProvider
from pydantic_evals import Case, Dataset
from pydantic_evals.evaluators import LLMJudge

cases = json.loads(open("cases.json", encoding="utf-8").read())
outputs = {case["id"]: case["output"] for case in cases}
judge = OpenAIChatModel("loopback-judge", provider=OpenAIProvider(base_url=sys.argv[1], api_key="x"))


def judges(questions):
    return tuple(LLMJudge(rubric=question, model=judge, assertion={"evaluation_name": f"q{index}"})
                 for index, question in enumerate(questions))


async def recorded(name):
    return outputs[name]


dataset = Dataset(name="infobench", cases=[
    Case(name=case["id"], inputs=case["id"], evaluators=judges(case["questions"])) for case in cases])
report = dataset.evaluate_sync(recorded, progress=False)
questions = {case["id"]: case["questions"] for case in cases}
answers = {case.name: [case.assertions[f"q{index}"].value if f"q{index}" in case.assertions else None
                       for index in range(len(questions[case.name]))] for case in report.cases}
errors = len(report.failures) + sum(len(case.evaluator_failures) for case in report.cases)
open(sys.argv[2], "w", encoding="utf-8").write(json.dumps({"answers": answers, "errors": errors}))
'''

INSPECT = '''
import asyncio
import json
import sys

from inspect_ai import Task, eval as inspect_eval
from inspect_ai.dataset import Sample
from inspect_ai.model import ModelOutput, get_model
from inspect_ai.scorer import Score, mean, scorer
from inspect_ai.solver import solver

URL, RESULTS, LOGS = sys.argv[1:4]
PROMPT = "<Output>\\n{output}\\n</Output>\\n<Rubric>\\n{question}\\n</Rubric>\\nIs the statement in <Rubric> true " \\
         "for <Output>? Answer YES or NO."


@solver
def recorded():
    async def solve(state, generate):
        state.output = ModelOutput.from_content("recorded", state.metadata["output"])
        return state
    return solve


@scorer(metrics=[mean()])
def checklist():
    async def score(state, target):
        # responses_api=False: inspect sends a model name it does not know to the Responses API.
        grader = get_model("openai/loopback-judge", base_url=URL, api_key="x", responses_api=False)
        replies = await asyncio.gather(*(grader.generate(PROMPT.format(output=state.output.completion, question=q))
                                         for q in state.metadata["questions"]))
        answers = [reply.completion.strip().upper().startswith("YES") for reply in replies]
        return Score(value=sum(answers) / len(answers), metadata={"answers": answers})
    return score


cases = json.loads(open("cases.json", encoding="utf-8").read())
task = Task(dataset=[Sample(id=case["id"], input=case["instruction"], metadata=case) for case in cases],
            solver=recorded(), scorer=checklist())
log = inspect_eval(task, model="none", display="none", log_dir=LOGS)[0]
answers = {sample.id: sample.scores["checklist"].metadata["answers"] for sample in log.samples or []
           if sample.scores and "checklist" in sample.scores}
errors = (log.status != "success") + sum(1 for sample in log.samples or [] if sample.error)
open(RESULTS, "w", encoding="utf-8").write(json.dumps({"answers": answers, "errors": errors}))
'''


class Judge(Server):
    """throughput's loopback judge, also answering the peers' prompts (the question in a <Rubric> section)."""

    def handle(self, request: dict[str, Any]) -> Any:
        text = request["messages"][-1]["content"]
        if QUESTION.search(text):
            return super().handle(request)
        with self.lock:
            self.now += 1
            self.requests += 1
            self.peak = max(self.peak, self.now)
        try:
            time.sleep(self.latency)
            found = RUBRIC.findall(text)
            answer = answer_for(found[-1].strip()) if found else "NO"
            if not request.get("tools"):
                return answer
            call = {"id": f"call_{self.requests}", "type": "function", "function": {
                "name": request["tools"][0]["function"]["name"],
                "arguments": json.dumps({"reason": "checked against the output", "pass": answer == "YES",
                                         "score": 1.0 if answer == "YES" else 0.0})}}
            return Reply(body=json.dumps({
                "id": f"chatcmpl-{self.requests}", "object": "chat.completion", "created": int(time.time()),
                "model": request.get("model", "loopback-judge"),
                "choices": [{"index": 0, "message": {"role": "assistant", "content": None, "tool_calls": [call]},
                             "finish_reason": "tool_calls"}],
                "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}}).encode("utf-8"))
        finally:
            with self.lock:
                self.now -= 1


def peer_python() -> Path:
    """The peers' virtualenv's python, built when it is missing or its imports fail."""
    python = PEERS / "bin" / "python"
    if python.exists() and subprocess.run([python, "-c", PEER_IMPORTS], capture_output=True).returncode == 0:
        return python
    print(f"peers: building {PEERS} ({', '.join(PEER_PACKAGES)} from PyPI)", flush=True)
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(PEERS)], check=True)
    constraints = PEERS / "constraints.txt"
    constraints.write_text("litellm!=1.82.7,!=1.82.8,!=1.107.0\n", encoding="utf-8")
    done = subprocess.run([python, "-m", "pip", "install", "-q", *PEER_PACKAGES, "-c", str(constraints)],
                          capture_output=True, text=True)
    if done.returncode or subprocess.run([python, "-c", PEER_IMPORTS], capture_output=True).returncode:
        sys.exit(f"peers: could not install {', '.join(PEER_PACKAGES)}: {(done.stdout + done.stderr)[-800:]}")
    return python


def versions(python: Path | str, *names: str) -> list[str]:
    code = f"import importlib.metadata as m; print(*(m.version(n) for n in {names!r}))"
    return subprocess.run([python, "-c", code], capture_output=True, text=True, check=True).stdout.split()


def critique_answers(report: Path) -> dict[str, list[Any]]:
    tests = json.loads(report.read_text(encoding="utf-8"))["tests"]
    return {test["nodeid"].split("[", 1)[1].rstrip("]"): [
        item["answer"] in (True, "YES") for verdict in test["verdicts"] for item in verdict["items"]]
        for test in tests}


def agreement(found: dict[str, list[Any]], expected: dict[str, list[bool]]) -> str:
    total = sum(len(answers) for answers in expected.values())
    same = sum(a == b for name, answers in expected.items() for a, b in zip(answers, found.get(name, [])))
    return f"{same}/{total} {'yes' if same == total else 'NO'}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tests", type=int, default=100)
    parser.add_argument("--latency", type=float, default=0.2)
    args = parser.parse_args()
    cases = load_cases("peers", args.tests)
    expected = {case["id"]: [answer_for(q.strip()) == "YES" for q in case["questions"]] for case in cases}
    questions = sum(len(answers) for answers in expected.values())
    yes = sum(sum(answers) for answers in expected.values())
    python = peer_python()
    evals_version, ai_version, inspect_version, openai_version = versions(
        python, "pydantic-evals", "pydantic-ai-slim", "inspect-ai", "openai")
    critique_version, pytest_version = versions(sys.executable, "pytest-critique", "pytest")
    print(f"peers: {len(cases)} InFoBench tests, {questions} questions ({yes} YES, {questions - yes} NO expected), "
          f"loopback latency {args.latency * 1000:.0f} ms; {platform.python_version()}, {os.cpu_count()} cores")
    print(f"  pytest-critique {critique_version} (pytest {pytest_version}); pydantic-evals {evals_version} "
          f"(pydantic-ai {ai_version}); inspect-ai {inspect_version}; openai {openai_version} (peers)")
    server = Judge(args.latency)
    with tempfile.TemporaryDirectory() as temp, server.server:
        directory = Path(temp)
        (directory / "cases.json").write_text(json.dumps(cases, ensure_ascii=False), encoding="utf-8")
        (directory / "test_expect.py").write_text(MODULE.format(body=EXPECT), encoding="utf-8")
        (directory / "pydantic_evals_run.py").write_text(PYDANTIC_EVALS, encoding="utf-8")
        (directory / "inspect_run.py").write_text(INSPECT, encoding="utf-8")
        env = {name: value for name, value in os.environ.items()
               if not name.startswith(("CRITIQUE_", "PYTEST_", "OPENAI_", "INSPECT_", "LOGFIRE_"))}
        env.update(LITELLM_LOCAL_MODEL_COST_MAP="True", XDG_DATA_HOME=str(directory / "data"),
                   XDG_CACHE_HOME=str(directory / "cache"))
        url = server.server.url
        pytest = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--tb=no", "test_expect.py",
                  "--critique-model=openai/loopback-judge", f"--critique-api-base={url}", "--critique-cache=off",
                  "--critique-report=report.json"]
        runs = [
            ("pytest-critique, default concurrency", pytest, "report.json"),
            ("pytest-critique, concurrency 64", [*pytest, "--critique-concurrency=64"], "report.json"),
            ("pydantic-evals, default concurrency", [str(python), "pydantic_evals_run.py", url, "evals.json"],
             "evals.json"),
            ("inspect-ai, default max_connections", [str(python), "inspect_run.py", url, "inspect.json", "logs"],
             "inspect.json"),
        ]
        # Untimed: read each tool's files once, so every timed run starts with a warm disk cache.
        subprocess.run([sys.executable, "-c", "import pytest, pytest_critique.plugin"], env=env, check=True)
        subprocess.run([python, "-c", PEER_IMPORTS], env=env, check=True)
        print(f"{'tool, configuration':38} {'wall s':>7} {'peak MB':>8} {'requests':>8} {'in flight':>9}  "
              "judgements as expected")
        for label, command, results in runs:
            server.reset()
            (directory / results).unlink(missing_ok=True)
            wall, peak, done = timed(command, directory, env)
            if not (directory / results).exists():
                print(f"{label:38} run failed (exit {done.returncode}) {(done.stdout + done.stderr)[-600:]}")
                continue
            if results == "report.json":
                found, errors = critique_answers(directory / results), 0
            else:
                data = json.loads((directory / results).read_text(encoding="utf-8"))
                found, errors = data["answers"], data["errors"]
            note = f" ({errors} errors)" if errors else ""
            print(f"{label:38} {wall:7.2f} {peak / 2**20:8.0f} {server.requests:8d} {server.peak:9d}  "
                  f"{agreement(found, expected)}{note}")


if __name__ == "__main__":
    main()
