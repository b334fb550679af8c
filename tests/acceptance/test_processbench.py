"""ProcessBench through the step critic: an oracle built from the labels must score F1 100.

That proves step indices survive the pipeline: the judge call, the cache, the verdict and,
through pytest, the report (and xdist).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pytest_critique import Critic
from pytest_critique.runtime import Runtime

SPLITS = ("gsm8k", "math", "olympiadbench", "omnimath")


def write_oracle(datasets: Path, path: Path, splits=SPLITS) -> dict[str, list[dict]]:
    loaded = {split: json.loads((datasets / "processbench" / f"{split}.json").read_text()) for split in splits}
    with path.open("w", encoding="utf-8") as handle:
        for items in loaded.values():
            for item in items:
                first_error = None if item["label"] == -1 else item["label"] + 1
                handle.write(json.dumps({"problem": item["problem"], "steps": item["steps"],
                                         "first_error": first_error}) + "\n")
    return loaded


def f1(items: list[dict], predicted: list[int]) -> float:
    erroneous = [(item, guess) for item, guess in zip(items, predicted) if item["label"] != -1]
    correct = [(item, guess) for item, guess in zip(items, predicted) if item["label"] == -1]
    error_accuracy = sum(item["label"] == guess for item, guess in erroneous) / len(erroneous)
    correct_accuracy = sum(guess == -1 for _, guess in correct) / len(correct)
    return 2 * error_accuracy * correct_accuracy / (error_accuracy + correct_accuracy)


@pytest.mark.parametrize("mode", ["first_error", "per_step"])
def test_oracle_scores_f1_100_on_every_split(shared_datasets, tmp_path, mode):
    loaded = write_oracle(shared_datasets, tmp_path / "oracle.jsonl")
    critic = Critic(model=f"recorded:{tmp_path / 'oracle.jsonl'}", runtime=Runtime(tmp_path),
                    cache_dir=str(tmp_path / "cache"))
    uncached = Critic(model=f"recorded:{tmp_path / 'oracle.jsonl'}", runtime=critic.runtime, cache="off")
    for split, items in loaded.items():
        judging = critic if split == "gsm8k" else uncached  # only gsm8k is replayed below
        predicted = [judging.steps(item["steps"], problem=item["problem"], mode=mode).first_error_index
                     for item in items]
        assert f1(items, predicted) == 1.0, split
    # A second pass is served from the cache, with the same indices.
    replay = Critic(model=f"recorded:{tmp_path / 'oracle.jsonl'}", runtime=Runtime(tmp_path),
                    cache_dir=str(tmp_path / "cache"), cache="read")
    items = loaded["gsm8k"]
    verdicts = [replay.steps(item["steps"], problem=item["problem"], mode=mode) for item in items]
    assert all(verdict.usage.calls == 0 for verdict in verdicts)
    assert [verdict.first_error_index for verdict in verdicts] == [item["label"] for item in items]


PLUGIN_TESTS = '''
import json
import pytest

ITEMS = json.loads(open("gsm8k.json").read())

@pytest.mark.parametrize("item", ITEMS, ids=[item["id"] for item in ITEMS])
def test_solution(critique, item):
    assert critique.steps(item["steps"], problem=item["problem"]).passed
'''


def test_step_indices_survive_pytest_reports(shared_datasets, pytester, plugin_args):
    loaded = write_oracle(shared_datasets, pytester.path / "oracle.jsonl", splits=("gsm8k",))
    items = loaded["gsm8k"]
    (pytester.path / "gsm8k.json").write_text(json.dumps(items))
    pytester.makepyfile(test_gsm8k_solutions=PLUGIN_TESTS)
    result = pytester.runpytest("--critique-model=recorded:oracle.jsonl", "--critique-report=report.json",
                                "-q", *plugin_args)
    wrong = sum(item["label"] != -1 for item in items)
    result.assert_outcomes(passed=len(items) - wrong, failed=wrong)
    result.stdout.fnmatch_lines([f"step critic: {len(items)} solutions judged, {wrong} with a wrong step"])
    report = json.loads((pytester.path / "report.json").read_text())
    located = {test["nodeid"].split("[", 1)[1].rstrip("]"): test["verdicts"][0]["first_error_index"]
               for test in report["tests"]}
    assert located == {item["id"]: item["label"] for item in items}
