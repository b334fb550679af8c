"""Shared fixtures for pytest-critique's own tests."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

# litellm must never fetch its price table in tests (nothing here reaches the network).
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
# The runs these tests start must not write into the job summary of a CI that runs them.
os.environ.pop("GITHUB_STEP_SUMMARY", None)

TESTS_DIR = Path(__file__).resolve().parent
REPO_ROOT = TESTS_DIR.parent
SHARED_DATASETS = REPO_ROOT.parent / "shared" / "datasets"

if str(TESTS_DIR) not in sys.path:
    sys.path.insert(0, str(TESTS_DIR))

# An offline judge for pytester runs: answers from rules, labelled "scripted" in the output.
SCRIPTED_CONFTEST = '''
import pytest
from pytest_critique import ScriptedJudge

def _lines(response):
    count = len(response.strip().splitlines())
    return count == 3, f"the response has {count} lines"

@pytest.fixture
def critique_backend():
    return ScriptedJudge(
        {
            "fox": lambda r: ("fox" in r.lower(), "looked for the word fox"),
            "three lines": _lines,
            "autumn": lambda r: ("autumn" in r.lower(), "looked for the word autumn"),
        },
        checklists={"Write a haiku about a fox.": ["Does it mention a fox?", "Is it three lines long?"]},
    )
'''


@pytest.fixture(params=[[], ["-n", "2"]], ids=["inprocess", "xdist2"])
def plugin_args(request: pytest.FixtureRequest) -> list[str]:
    """Run a pytester session without xdist and with two xdist workers."""
    return list(request.param)


@pytest.fixture
def scripted_conftest(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeconftest(SCRIPTED_CONFTEST)
    return pytester


@pytest.fixture
def shared_datasets() -> Path:
    if not SHARED_DATASETS.is_dir():
        pytest.skip(f"benchmark datasets not found at ../shared/datasets (looked in {SHARED_DATASETS.parent})")
    return SHARED_DATASETS
