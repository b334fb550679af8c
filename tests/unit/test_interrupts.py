"""Ctrl-C ends the judge calls in flight; a later call from the main thread (a notebook cell run
again) judges as usual, while work still running on other threads stops."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from loopback import LoopbackServer

from pytest_critique import Critic, UnscoredError
from pytest_critique.runtime import Runtime
from pytest_critique.backends import transport

YES = json.dumps({"reasoning": "fine", "answer": "YES"})


@pytest.fixture
def critic(tmp_path: Path):
    with LoopbackServer(handler=lambda request: YES) as server:
        runtime = Runtime(tmp_path)
        yield Critic(model="openai/loopback", api_base=server.url, api_key="sk-test", cache="off", retries=0,
                     runtime=runtime)
        runtime.close()
    transport.reset()


def test_after_an_interrupt_the_main_thread_judges_again(critic: Critic) -> None:
    transport.interrupt_all()
    assert critic.checklist("a reply", items=["Is it a reply?"]).passed


def test_after_an_interrupt_other_threads_stop(critic: Critic) -> None:
    transport.interrupt_all()
    failures: list[str] = []

    def judge() -> None:
        try:
            critic.checklist("a reply", items=["Is it a reply?"])
        except UnscoredError as error:
            failures.append(error.verdict.items[0].error or "")

    thread = threading.Thread(target=judge)
    thread.start()
    thread.join(30)
    assert failures == ["the run was interrupted"]
