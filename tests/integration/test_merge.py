"""``python -m pytest_critique merge``: the JSON reports of a suite's shards, merged into one report whose
totals are those of the whole suite."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import read_json

SHARDING_CONFTEST = '''
import os

def pytest_collection_modifyitems(config, items):
    shard = os.environ.get("SHARD")
    if shard:
        index, count = map(int, shard.split("/"))
        items[:] = items[index::count]
'''

SUITE = """
import pytest

@pytest.mark.parametrize("n", range(7))
def test_fox(critique, n):
    assert critique.checklist(f"a fox, number {n}", items=["Does it mention a fox?", f"Is it number {n}?"]).passed

@pytest.mark.parametrize("n", range(5))
def test_autumn(critique, n):
    assert critique.checklist("a fox", items=["Does it mention autumn?", "Is it short?"]).passed
"""


def merge(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pytest_critique", "merge", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


def test_three_shards_merge_to_the_totals_of_one_run(pytester: pytest.Pytester, counting: Any,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    with (pytester.path / "conftest.py").open("a", encoding="utf-8") as handle:
        handle.write(SHARDING_CONFTEST)
    pytester.makepyfile(test_suite=SUITE)
    common = ("-p", "no:cacheprovider", "--critique-cache=off")
    pytester.runpytest(*common, "--critique-report=whole.json")
    for index in range(3):
        monkeypatch.setenv("SHARD", f"{index}/3")
        pytester.runpytest(*common, f"--critique-report=shard{index}.json")
    monkeypatch.delenv("SHARD")
    done = merge(pytester.path, "shard0.json", "shard1.json", "shard2.json", "-o", "merged.json")
    assert done.returncode == 0, done.stderr
    whole, merged = read_json(pytester.path / "whole.json"), read_json(pytester.path / "merged.json")
    assert merged["totals"] == whole["totals"]
    assert merged["tests"] == whole["tests"]
    assert merged["shards"] == ["shard0.json", "shard1.json", "shard2.json"]
    assert "12 tests · 24 verdicts (0 cached) · 24 judge calls" in done.stdout
    assert "pooled pass rate 14/24 = 0.583" in done.stdout
    assert "critique: merged 3 reports (12 test results) into merged.json" in done.stdout


def test_overlapping_or_foreign_reports_are_refused(pytester: pytest.Pytester, counting: Any) -> None:
    pytester.makepyfile(test_suite=SUITE)
    pytester.runpytest("-p", "no:cacheprovider", "--critique-report=a.json")
    (pytester.path / "old.json").write_text(json.dumps({"version": 0, "tests": []}), encoding="utf-8")
    (pytester.path / "other.json").write_text(json.dumps({"results": []}), encoding="utf-8")
    for args, message in [
        (("a.json", "a.json"), "merge: test_suite.py::test_autumn[0] is in both a.json and a.json: the shards "
                               "overlap (each test must be judged in one shard)"),
        (("a.json", "old.json"), "merge: old.json is a report of version 0; this pytest-critique reads version 1"),
        (("other.json",), "merge: other.json is not a pytest-critique JSON report (no list of tests)"),
        (("missing.json",), "merge: no such report missing.json"),
    ]:
        done = merge(pytester.path, *args, "-o", "merged.json")
        assert done.returncode == 2 and done.stderr.strip() == f"critique: {message}", done.stderr
    assert not (pytester.path / "merged.json").exists()
