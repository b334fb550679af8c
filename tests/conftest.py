"""Shared fixtures for pytest-critique's own tests."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Iterator

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

from redis_server import RedisServer  # noqa: E402 - found through the path set just above

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


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """A real redis-server on a free 127.0.0.1 port for this session (each xdist worker starts its own)."""
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not on PATH (Debian: apt-get install redis-server); the shared "
                    "verdict store is tested against a real server only")
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    """The session's Redis, with a database of its own for this test (16 per server; reused in turn)."""
    database = _next_database()
    import redis

    client = redis.Redis(host="127.0.0.1", port=redis_server.port, db=database)
    client.flushdb()
    client.close()
    return f"redis://127.0.0.1:{redis_server.port}/{database}"


_databases = iter(range(10**9))


def _next_database() -> int:
    return next(_databases) % 16
