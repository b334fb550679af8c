"""Acceptance: InFoBench's GPT-4 judgements replayed through the plugin, end to end.

InFoBench (``../shared/datasets/infobench/gpt4_outputs_gpt4_judgments.jsonl``) holds 500
instructions, GPT-4's output for each, the instruction's decomposed YES/NO questions (2,250
in all) and GPT-4's YES/NO answer to every question.  Its published figures: pooled YES over
all questions (DRFR) is 1,971 / 2,250 = 0.876, and 305 instructions have every question YES.

The recorded answers become a ``RecordedJudge`` file; a generated test module judges each
output against its questions (one test per instruction, ids = dataset ids) and asserts the
checklist passed.  A pytest run with ``--critique-model=recorded:<file>`` must then reproduce
the published figures exactly: in the terminal summary, in the test outcomes (305 passed,
195 failed), and in the JSON report, where each failing test names exactly the questions
GPT-4 answered NO (same index, same text).  The same holds with two xdist workers, and again
from a warm verdict cache in ``--critique-cache=read`` mode, which makes no judge calls.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

# In-process pytester runs forget every module first imported during the run; import the
# modules the plugin loads when it judges once here, so each run does not import them again.
import diskcache  # noqa: F401
import jinja2  # noqa: F401
import pydantic  # noqa: F401
import pytest_critique.backends.recorded  # noqa: F401
import pytest_critique.critic  # noqa: F401
import pytest_critique.report  # noqa: F401

DATASET = Path("infobench") / "gpt4_outputs_gpt4_judgments.jsonl"

INSTRUCTIONS, QUESTIONS, YES, ALL_YES = 500, 2250, 1971, 305

TEST_MODULE = '''
import json
import pathlib

import pytest

CASES = json.loads((pathlib.Path(__file__).parent / "infobench_cases.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_instruction(critique, case):
    verdict = critique.checklist(case["output"], instruction=case["instruction"], input=case["input"],
                                 items=case["questions"])
    assert verdict.passed
'''


def nodeid(record_id: str) -> str:
    return f"test_infobench_replay.py::test_instruction[{record_id}]"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The developer's CRITIQUE_* variables must not change what the replay runs."""
    for name in list(os.environ):
        if name.startswith("CRITIQUE_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("COLUMNS", "200")


@pytest.fixture
def infobench(shared_datasets: Path) -> list[dict[str, Any]]:
    path = shared_datasets / DATASET
    if not path.is_file():
        pytest.skip(f"InFoBench file {DATASET} not found under ../shared/datasets")
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    # The dataset as this test knows it; anything else would make the figures below meaningless.
    assert len(records) == INSTRUCTIONS
    assert sum(len(record["decomposed_questions"]) for record in records) == QUESTIONS
    assert all(len(record["eval"]) == len(record["decomposed_questions"]) for record in records)
    return records


@pytest.fixture
def replay_dir(pytester: pytest.Pytester, infobench: list[dict[str, Any]]) -> Path:
    """A pytester directory with the recorded verdicts, the cases and the generated test module."""
    lines = [
        json.dumps({"question": question, "response": record["output"], "verdict": answer,
                    "instruction": record["instruction"], "input": record["input"]}, ensure_ascii=False)
        for record in infobench
        for question, answer in zip(record["decomposed_questions"], record["eval"])
    ]
    (pytester.path / "infobench_recorded.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    cases = [{"id": record["id"], "instruction": record["instruction"], "input": record["input"],
              "output": record["output"], "questions": record["decomposed_questions"]} for record in infobench]
    (pytester.path / "infobench_cases.json").write_text(json.dumps(cases, ensure_ascii=False), encoding="utf-8")
    pytester.makepyfile(test_infobench_replay=TEST_MODULE)
    return pytester.path


def run_replay(pytester: pytest.Pytester, replay_dir: Path, *args: str) -> pytest.RunResult:
    return pytester.runpytest(
        "-q", "-p", "no:cacheprovider",
        f"--critique-model=recorded:{replay_dir / 'infobench_recorded.jsonl'}",
        "--critique-report=report.json", *args)


def check_figures(result: pytest.RunResult, replay_dir: Path, infobench: list[dict[str, Any]], *,
                  warm: bool) -> None:
    """The run reproduces InFoBench's figures, question by question."""
    cached, calls = (QUESTIONS, 0) if warm else (0, QUESTIONS)
    result.assert_outcomes(passed=ALL_YES, failed=INSTRUCTIONS - ALL_YES)
    assert result.ret == 1
    result.stdout.fnmatch_lines([
        "*=== critique ===*",
        f"judge recorded:infobench_recorded.jsonl@* (offline) · {INSTRUCTIONS} tests · {QUESTIONS} verdicts "
        f"({cached} cached) · {calls} judge calls · 0 tokens",
        f"pooled pass rate {YES}/{QUESTIONS} = 0.876",
        f"failing items ({QUESTIONS - YES})",  # -q: the count, not the list
    ])
    assert result.stdout.str().count("pooled pass rate") == 1
    result.stdout.no_fnmatch_line("unscored (*")

    report = json.loads((replay_dir / "report.json").read_text(encoding="utf-8"))
    totals = report["totals"]
    assert (totals["tests"], totals["checks"], totals["verdicts"], totals["items"]) == (
        INSTRUCTIONS, INSTRUCTIONS, QUESTIONS, QUESTIONS)
    assert (totals["yes"], totals["unscored_items"], totals["unscored"]) == (YES, 0, [])
    assert totals["pass_rate"] == pytest.approx(YES / QUESTIONS)
    assert (totals["cached_items"], totals["usage"]["cached"], totals["usage"]["calls"]) == (cached, cached, calls)

    # The failing items the report names are, test by test, exactly the questions GPT-4 answered NO.
    named: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for failing in totals["failing_items"]:
        assert failing["test_passed"] is False  # threshold 1.0: one NO fails the test
        named[failing["nodeid"]].append((failing["index"], failing["question"]))
    expected = {
        nodeid(record["id"]): [(index, question) for index, (question, answer)
                               in enumerate(zip(record["decomposed_questions"], record["eval"]), start=1)
                               if not answer]
        for record in infobench if not all(record["eval"])
    }
    assert len(expected) == INSTRUCTIONS - ALL_YES
    assert dict(named) == expected

    # Per test: the outcome follows the recorded answers, and every item carries GPT-4's answer.
    by_record = {nodeid(record["id"]): record for record in infobench}
    tests = report["tests"]
    assert sorted(test["nodeid"] for test in tests) == sorted(by_record)
    for test in tests:
        record = by_record[test["nodeid"]]
        assert test["outcome"] == ("passed" if all(record["eval"]) else "failed"), test["nodeid"]
        [verdict] = test["verdicts"]
        items = [(item["index"], item["question"], item["answer"], item["cached"]) for item in verdict["items"]]
        assert items == [(index, question, answer, warm) for index, (question, answer)
                         in enumerate(zip(record["decomposed_questions"], record["eval"]), start=1)], test["nodeid"]
        failed = [(item["index"], item["question"]) for item in verdict["items"] if item["answer"] is False]
        assert failed == expected.get(test["nodeid"], [])


def test_infobench_replay_reproduces_published_figures(pytester: pytest.Pytester, replay_dir: Path,
                                                       infobench: list[dict[str, Any]],
                                                       plugin_args: list[str]) -> None:
    cold = run_replay(pytester, replay_dir, *plugin_args)
    if plugin_args:  # both workers ran (and failed) some of the tests
        assert "[gw0] " in cold.stdout.str() and "[gw1] " in cold.stdout.str()
    check_figures(cold, replay_dir, infobench, warm=False)
    assert (replay_dir / ".critique_cache").is_dir()

    (replay_dir / "report.json").unlink()
    warm = run_replay(pytester, replay_dir, "--critique-cache=read", *plugin_args)
    check_figures(warm, replay_dir, infobench, warm=True)


def test_a_baseline_lists_exactly_the_answers_a_second_judge_flipped(
        pytester: pytest.Pytester, replay_dir: Path, infobench: list[dict[str, Any]]) -> None:
    """Main's run is the baseline; a second recorded judge answers 12 known questions the other way
    (7 YES -> NO, 5 NO -> YES); every test passes its threshold (0), and still the gate fails."""
    # no cache in these runs: the baseline compares the reports' verdicts, wherever they came from
    first = run_replay(pytester, replay_dir, "--critique-threshold=0", "--critique-cache=off")
    first.assert_outcomes(passed=INSTRUCTIONS)
    (replay_dir / "report.json").rename(replay_dir / "main.json")
    flipped: dict[tuple[str, str], bool] = {}
    lines = []
    for record in infobench:
        for question, answer in zip(record["decomposed_questions"], record["eval"]):
            flip = (answer and sum(flipped.values()) < 7) or (not answer and len(flipped) - sum(flipped.values()) < 5)
            if flip and (record["id"], question) not in flipped and len(flipped) < 12:
                flipped[(record["id"], question)] = bool(answer)
                answer = not answer
            lines.append(json.dumps({"question": question, "response": record["output"], "verdict": answer,
                                     "instruction": record["instruction"], "input": record["input"]},
                                    ensure_ascii=False))
    (replay_dir / "flipped.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    args = ("-q", "-p", "no:cacheprovider", f"--critique-model=recorded:{replay_dir / 'flipped.jsonl'}",
            "--critique-threshold=0", "--critique-baseline=main.json", "--critique-report=report.json",
            "--critique-cache=off")
    second = pytester.runpytest(*args)
    second.assert_outcomes(passed=INSTRUCTIONS)
    assert second.ret == 0
    second.stdout.fnmatch_lines(["baseline main.json: 7 regressions, 5 improvements, 0 new, 0 removed, "
                                 f"{QUESTIONS - 12} unchanged"])
    changes = json.loads((replay_dir / "report.json").read_text(encoding="utf-8"))["baseline"]
    expected_regressions = sorted((nodeid(record_id), f"checklist: {question}")
                                  for (record_id, question), was in flipped.items() if was)
    expected_improvements = sorted((nodeid(record_id), f"checklist: {question}")
                                   for (record_id, question), was in flipped.items() if not was)
    assert sorted((change["nodeid"], change["what"]) for change in changes["regressions"]) == expected_regressions
    assert sorted((change["nodeid"], change["what"]) for change in changes["improvements"]) == expected_improvements
    gated = pytester.runpytest(*args, "--critique-fail-on-regression")
    assert gated.ret == 1
    gated.assert_outcomes(passed=INSTRUCTIONS)
    gated.stdout.fnmatch_lines(["critique: the run fails: 7 of the baseline's good parts are bad now "
                                "(--critique-fail-on-regression)"])


SHARDING_CONFTEST = (
    "import os\n\n\ndef pytest_collection_modifyitems(config, items):\n"
    "    if os.environ.get('SHARD'):\n"
    "        index, count = map(int, os.environ['SHARD'].split('/'))\n"
    "        items[:] = items[index::count]\n")


def test_three_shards_on_one_redis_merge_to_the_whole_run_and_serve_a_fourth_machine(
        pytester: pytest.Pytester, replay_dir: Path, infobench: list[dict[str, Any]], redis_url: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The recipe of docs/scale.md: three CI shards fill one shared store, each writing a report of its own;
    the merged shard reports are the whole run's report; and a fourth machine (a fresh directory, no local
    cache) runs the whole replay in read mode and gets every verdict from the store, with no judge call."""
    import shutil
    import subprocess
    import sys
    import uuid

    (replay_dir / "conftest.py").write_text(SHARDING_CONFTEST, encoding="utf-8")
    whole = run_replay(pytester, replay_dir, "--critique-cache=off")  # the whole run, judged afresh
    check_figures(whole, replay_dir, infobench, warm=False)
    (replay_dir / "report.json").rename(replay_dir / "whole.json")

    namespace = f"infobench-{uuid.uuid4().hex[:8]}"
    store = (f"--critique-cache-url={redis_url}", f"--critique-cache-namespace={namespace}")
    judged = 0
    for index in range(3):
        monkeypatch.setenv("SHARD", f"{index}/3")
        run_replay(pytester, replay_dir, *store, f"--critique-report=shard{index}.json")
        report = json.loads((replay_dir / f"shard{index}.json").read_text(encoding="utf-8"))
        judged += report["totals"]["usage"]["calls"]
    monkeypatch.delenv("SHARD")
    assert judged == QUESTIONS, "the shards judged each question once between them"

    done = subprocess.run([sys.executable, "-m", "pytest_critique", "merge", "shard0.json", "shard1.json",
                           "shard2.json", "-o", "merged.json"], cwd=replay_dir, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    merged = json.loads((replay_dir / "merged.json").read_text(encoding="utf-8"))
    assert merged["totals"] == json.loads((replay_dir / "whole.json").read_text(encoding="utf-8"))["totals"]
    assert (merged["totals"]["tests"], merged["totals"]["items"], merged["totals"]["yes"]) == (
        INSTRUCTIONS, QUESTIONS, YES)
    assert f"pooled pass rate {YES}/{QUESTIONS} = 0.876" in done.stdout

    machine = replay_dir / "fourth-machine"
    machine.mkdir()
    for name in ("infobench_recorded.jsonl", "infobench_cases.json", "test_infobench_replay.py"):
        shutil.copy(replay_dir / name, machine / name)
    env = {name: value for name, value in os.environ.items() if not name.startswith("PYTEST_")}
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "--critique-model=recorded:infobench_recorded.jsonl", *store, "--critique-cache=read",
                           "--critique-report=report.json"], cwd=machine, env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 1, done.stdout[-2000:]  # the instructions GPT-4 failed, as on the shards
    totals = json.loads((machine / "report.json").read_text(encoding="utf-8"))["totals"]
    assert (totals["tests"], totals["verdicts"], totals["cached_verdicts"], totals["usage"]["calls"]) == (
        INSTRUCTIONS, QUESTIONS, QUESTIONS, 0), "every verdict from the store, no judge call"
    assert (totals["yes"], totals["unscored"]) == (YES, [])
    assert not (machine / ".critique_cache").exists(), "nothing was cached on the fourth machine's disk"
