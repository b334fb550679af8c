"""Recorded HTTP cassettes (pytest-recording / vcrpy) replay a judged run exactly: prompts are the same
bytes on every run, so a cassette matched on the request body hands each question its own answer, also
with eight requests in flight at once."""

from __future__ import annotations

import hashlib
import json
import re
import time
from typing import Any

import pytest
from loopback import LoopbackServer

pytest.importorskip("pytest_recording")

QUESTION = re.compile(r"<question-[0-9a-f]+>\n(.*?)\n</question-", re.DOTALL)

CONFTEST = """
import pytest

@pytest.fixture(scope="module")
def vcr_config():
    # Match on the body: requests to one URL differ only there (documented in docs/cache.md).
    return {"match_on": ["method", "scheme", "host", "port", "path", "body"], "filter_headers": ["authorization"]}
"""

SUITE = """
import pytest

QUESTIONS = [f"Is line {n} right?" for n in range(16)]

@pytest.mark.vcr
def test_judged(critique):
    verdict = critique.checklist("a poem", items=QUESTIONS)
    with open("answers.txt", "a", encoding="utf-8") as handle:
        handle.write(" ".join("YES" if item.answer else "NO" for item in verdict.items) + "\\n")
"""


def answer(request: dict[str, Any]) -> str:
    time.sleep(0.05)  # eight in flight at once
    question = QUESTION.search(request["messages"][-1]["content"]).group(1)
    return json.dumps({"reasoning": "checked", "answer": "NO" if hashlib.sha256(question.encode()).digest()[0] < 100
                       else "YES"})


@pytest.mark.parametrize("client", ["auto", "litellm"])
def test_a_cassette_replays_every_answer_to_its_own_question(pytester: pytest.Pytester, client: str) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_recorded=SUITE)
    with LoopbackServer(handler=answer) as server:
        common = ("-p", "no:cacheprovider", "--critique-model=openai/loopback-judge",
                  f"--critique-api-base={server.url}", "--critique-cache=off", "--critique-concurrency=8",
                  f"--critique-client={client}")
        recorded = pytester.runpytest_subprocess(*common, "--record-mode=once")
        recorded.assert_outcomes(passed=1)
        assert server.calls == 16
        server.stop()  # the replay reaches no server
        replayed = pytester.runpytest_subprocess(*common, "--record-mode=none")
    replayed.assert_outcomes(passed=1)
    first, second = (pytester.path / "answers.txt").read_text(encoding="utf-8").splitlines()
    assert first == second and "NO" in first and "YES" in first


def test_a_replay_matched_without_the_body_is_warned_about_once(pytester: pytest.Pytester) -> None:
    pytester.makeconftest("""
        import pytest
        from pytest_critique import ScriptedJudge

        @pytest.fixture
        def critique_backend():
            return ScriptedJudge({"fox": lambda response: (True, "a fox")})
    """)
    pytester.makepyfile(test_v="""
        import pytest

        @pytest.mark.vcr
        def test_one(critique):
            assert critique.checklist("a fox", items=["Is there a fox?"]).passed

        @pytest.mark.vcr
        def test_two(critique):
            assert critique.checklist("a fox", items=["Is there a fox?"]).passed

        @pytest.mark.vcr(match_on=["method", "path", "body"])
        def test_matched_on_the_body(critique):
            assert critique.checklist("a fox", items=["Is there a fox?"]).passed

        def test_no_cassette(critique):
            assert critique.checklist("a fox", items=["Is there a fox?"]).passed
    """)
    result = pytester.runpytest("-p", "no:cacheprovider", "-W", "always")
    result.assert_outcomes(passed=4)
    assert result.stdout.str().count("replays this run's judge requests matched without their body") == 1
    result.stdout.fnmatch_lines(["*Add \"body\" to match_on in vcr_config*"])

    for selection, mode in (("matched_on_the_body or no_cassette", "none"), ("one", "all")):
        quiet = pytester.runpytest("-p", "no:cacheprovider", "-k", selection, f"--record-mode={mode}")
        quiet.assert_outcomes(passed=2 if mode == "none" else 1)
        assert "without their body" not in quiet.stdout.str(), "matched on the body, no cassette, or recording"
