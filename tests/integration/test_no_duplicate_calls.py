"""No duplicate judge calls: when tests in two xdist workers (or two machines on one Redis) need the
same verdict at the same time, one worker asks the judge and the others wait for its answer.

The judge is the loopback OpenAI-compatible server, slow enough that the tests sharing a question
ask for it while the first request is still in flight; prompts are deterministic, so a request
body the server sees twice is a duplicate call.
"""

from __future__ import annotations

import json
import time
from typing import Any, Iterator

import pytest
from loopback import LoopbackServer

TESTS = 24
RESPONSES = 6
QUESTIONS = ["Does it name the order?", "Is it polite?", "Does it give a date?", "Is it short?"]
SHARED = f"""
import pytest

@pytest.mark.parametrize("n", range({TESTS}))
def test_reply(critique, n):
    critique.expect.checklist(f"Order {{n % {RESPONSES}}} ships soon.", items={QUESTIONS!r})
"""


def slow_yes(request: dict[str, Any]) -> str:
    time.sleep(0.3)
    return json.dumps({"reasoning": "checked", "answer": "YES"})


@pytest.fixture
def judge(monkeypatch: pytest.MonkeyPatch) -> Iterator[LoopbackServer]:
    monkeypatch.setenv("CRITIQUE_API_KEY", "sk-loopback-duplicates")
    with LoopbackServer(handler=slow_yes) as server:
        yield server


def duplicates(server: LoopbackServer) -> tuple[int, int]:
    bodies = [json.dumps(body, sort_keys=True) for body in server.requests]
    return len(bodies), len(bodies) - len(set(bodies))


@pytest.mark.parametrize("store", ["directory", "redis"])
def test_workers_needing_one_verdict_make_one_call(pytester: pytest.Pytester, judge: LoopbackServer,
                                                   store: str, request: pytest.FixtureRequest) -> None:
    pytester.makepyfile(test_shared=SHARED)
    where = [f"--critique-cache-url={request.getfixturevalue('redis_url')}"] if store == "redis" else []
    result = pytester.runpytest("-n", "2", "-p", "no:cacheprovider", "--critique-model=openai/loopback-judge",
                                f"--critique-api-base={judge.url}", "--critique-retries=0", *where)
    result.assert_outcomes(passed=TESTS)
    calls, repeated = duplicates(judge)
    assert (calls, repeated) == (RESPONSES * len(QUESTIONS), 0)
    result.stdout.fnmatch_lines([f"*{TESTS} tests · {TESTS * len(QUESTIONS)} verdicts "
                                 f"({(TESTS - RESPONSES) * len(QUESTIONS)} cached) · {calls} judge calls*"])
