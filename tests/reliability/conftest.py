"""Fixtures for the reliability suite: judge faults, hostile inputs, the cache under
concurrency and damage, and secrets.  See docs/reliability.md for what each file covers."""

from __future__ import annotations

import os

import pytest

# In-process pytester runs forget every module first imported during the run; import the
# plugin's heavy dependencies once here so each run does not pay for them again.
import diskcache  # noqa: F401
import jinja2  # noqa: F401
import pydantic  # noqa: F401
import pytest_critique.backends.recorded  # noqa: F401
import pytest_critique.backends.scripted  # noqa: F401
import pytest_critique.critic  # noqa: F401
import pytest_critique.report  # noqa: F401
import pytest_critique.summary  # noqa: F401


@pytest.fixture(autouse=True)
def _clean_critique_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The developer's CRITIQUE_* variables stay out of these runs; output lines are not cut."""
    for name in list(os.environ):
        if name.startswith("CRITIQUE_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("COLUMNS", "200")



@pytest.fixture(params=["http", "litellm"])
def judge_client(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both ways a model judge is called: plain HTTP (the default for an OpenAI-compatible server) and
    litellm's client; the setting reaches in-process critics, pytester runs and subprocesses alike."""
    monkeypatch.setenv("CRITIQUE_CLIENT", "auto" if request.param == "http" else "litellm")
    return str(request.param)
