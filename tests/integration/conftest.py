"""Fixtures for the pytester integration tests of pytest-critique.

Every test here runs a small pytest session inside pytester (in-process, or with xdist
workers through ``plugin_args``) and checks what a user would see: outcomes, exit status,
terminal output, files written.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

# In-process pytester runs drop every module imported during the run when they finish, so
# anything imported only by the plugin would be imported again by each run.  Import the
# heavy parts once here (litellm is not needed: no test in this directory reaches a model).
import diskcache  # noqa: F401
import jinja2  # noqa: F401
import pydantic  # noqa: F401
import pytest_critique.backends.recorded  # noqa: F401
import pytest_critique.backends.scripted  # noqa: F401
import pytest_critique.critic  # noqa: F401
import pytest_critique.report  # noqa: F401

# A cacheable offline judge that logs every backend request to calls.log (one JSON line per
# request, from any process), so tests can count judge calls with and without the cache.
# A question is answered YES when its last word appears in the response; answers.json (a
# {question: true/false} object next to the conftest) overrides that, and a question ending
# in "??" gets no answer at all (UNSCORED).
COUNTING_CONFTEST = '''
import json
import pathlib
import threading

import pytest
from pytest_critique import OfflineJudge

HERE = pathlib.Path(__file__).parent
_lock = threading.Lock()


class CountingJudge(OfflineJudge):
    name = "counting"
    cacheable = True

    def complete(self, call):
        record = {"task": call.task, "question": call.fields.get("question"),
                  "questions": call.fields.get("questions"), "sample": call.sample,
                  "temperature": call.params.get("temperature")}
        with _lock, (HERE / "calls.log").open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(record) + "\\n")
        return super().complete(call)

    def answer(self, *, question, response, instruction, input):
        overrides = HERE / "answers.json"
        if overrides.exists():
            table = json.loads(overrides.read_text(encoding="utf-8"))
            if question in table:
                return bool(table[question]), "answers.json says so"
        if question.endswith("??"):
            return None
        word = question.rstrip("?").split()[-1].lower()
        return word in response.lower(), f"looked for {word!r}"

    def checklist(self, *, instruction, input):
        return ["Does it mention a fox?", "Does it mention autumn?"]


@pytest.fixture
def critique_backend():
    return CountingJudge()
'''


class CountingJudgeFiles:
    """The files the counting judge of a pytester directory reads and writes."""

    def __init__(self, path: Path):
        self.path = path

    def calls(self) -> list[dict[str, Any]]:
        log = self.path / "calls.log"
        if not log.exists():
            return []
        return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line]

    def reset(self) -> None:
        (self.path / "calls.log").unlink(missing_ok=True)

    def set_answers(self, answers: dict[str, bool]) -> None:
        (self.path / "answers.json").write_text(json.dumps(answers), encoding="utf-8")


@pytest.fixture(autouse=True)
def _no_critique_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The developer's CRITIQUE_* variables must not leak into the pytester runs, and the
    short summary lines must not be cut to the width of whatever terminal runs the suite."""
    for name in list(os.environ):
        if name.startswith("CRITIQUE_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("COLUMNS", "200")


@pytest.fixture
def counting(pytester: pytest.Pytester) -> CountingJudgeFiles:
    """A pytester directory whose critique_backend is the cacheable counting judge."""
    pytester.makeconftest(COUNTING_CONFTEST)
    return CountingJudgeFiles(pytester.path)


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture
def read_report(pytester: pytest.Pytester):
    """Load a JSON report written into the pytester directory."""
    def read(name: str = "report.json") -> Any:
        return read_json(pytester.path / name)

    return read
