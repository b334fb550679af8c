"""A broken judge never turns into a pass: faults of the judge model, scripted on the loopback
OpenAI-compatible server and met by both real clients (plain HTTP, the default for such a server,
and litellm's).

Each case of ``fault_cases.CASES`` is either retried to a verdict or ends UNSCORED with its
cause named, and nothing UNSCORED is cached.  Cases that tests/integration/test_litellm_judge.py
already asserts are listed there (``covered_by``) and left out here; bench/fault_table.py runs
all of them for the table in docs/reliability.md.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from fault_cases import API_KEY, CASES, MODEL, RESPONSE, YES, FaultCase, recorded_sleeps, run_case, verdict_json
from loopback import LoopbackServer, Reply
from reliability_support import cache_entries

from pytest_critique import Critic, UnscoredError
from pytest_critique.runtime import Runtime
from pytest_critique.backends import litellm_backend

pytestmark = pytest.mark.usefixtures("judge_client")  # each test against plain HTTP and litellm

pytest.importorskip("litellm")

OWN_CASES = [pytest.param(case, id=case.id) for case in CASES if case.covered_by is None]


def _backoff_bounds(attempt: int) -> tuple[float, float]:
    """The delay the backend may choose before retry ``attempt`` (0-based) with no Retry-After."""
    full = min(litellm_backend._BACKOFF_CAP, litellm_backend._BACKOFF_BASE * 2 ** attempt)
    return full / 2, full


@pytest.mark.parametrize("case", OWN_CASES)
def test_fault(case: FaultCase, tmp_path: Path) -> None:
    observed = run_case(case, tmp_path)
    assert observed.outcome == case.expect, observed.message
    if case.expect == "UNSCORED":
        assert observed.answer is None
        assert observed.cache_entries == 0, "an UNSCORED verdict must never be cached"
        if case.message:
            assert re.search(case.message, observed.message), observed.message
    else:
        assert observed.cache_entries == 1
    if case.requests is not None:
        assert observed.requests == case.requests
    if case.retries is not None:
        assert observed.retries == case.retries
    if case.sleeps is not None:
        assert observed.sleeps == case.sleeps
    elif observed.retries:
        # no Retry-After: exponential backoff with jitter, one delay per retry
        assert len(observed.sleeps) == observed.retries
        for attempt, delay in enumerate(observed.sleeps):
            low, high = _backoff_bounds(attempt)
            assert low - 0.001 <= delay <= high + 0.001, (attempt, delay)


def test_every_case_has_a_unique_id_and_a_known_outcome() -> None:
    assert len({case.id for case in CASES}) == len(CASES)
    assert {case.expect for case in CASES} <= {"YES", "NO", "UNSCORED"}
    assert all(case.message for case in CASES if case.expect == "UNSCORED" and case.id not in
               ("garbage-body", "no-choices")), "an UNSCORED case should say what its reason names"


# ---------------------------------------------------------------- samples, batches, steps


def make_critic(server: LoopbackServer, tmp_path: Path, **settings: Any) -> Critic:
    settings = {"retries": 0, "timeout": 5.0, **settings}
    return Critic(model=MODEL, api_base=server.url, api_key=API_KEY, cache_dir=str(tmp_path / "cache"),
                  runtime=Runtime(tmp_path), **settings)


def test_a_failed_sample_makes_the_item_unscored_not_a_majority(tmp_path: Path) -> None:
    """Two YES votes out of three samples are no verdict when the third sample failed."""
    with LoopbackServer(handler=lambda request: Reply(status=500)) as server:
        server.enqueue(YES, YES)
        with pytest.raises(UnscoredError, match="judge server error") as caught:
            make_critic(server, tmp_path, samples=3, concurrency=1).checklist(RESPONSE, items=["Is it a haiku?"])
    item = caught.value.verdict.items[0]
    assert item.answer is None and not caught.value.verdict.passed
    assert server.calls == 3
    # the two good samples were cached; the failed one was not
    assert len(cache_entries(tmp_path / "cache")) == 2


def test_a_batch_with_one_unusable_answer_scores_no_item(tmp_path: Path) -> None:
    half = json.dumps({"answers": [{"question": 1, "reasoning": "fine", "answer": "YES"},
                                   {"question": 2, "reasoning": "hmm", "answer": "MAYBE"}]})
    with LoopbackServer(handler=lambda request: half) as server:
        with pytest.raises(UnscoredError, match="unusable judge reply, twice") as caught:
            make_critic(server, tmp_path, batch=True).checklist(RESPONSE, items=["Is it a haiku?", "Is it sad?"])
    assert [item.answer for item in caught.value.verdict.items] == [None, None]
    assert server.calls == 2
    assert cache_entries(tmp_path / "cache") == {}


@pytest.mark.parametrize("reply", [
    pytest.param('{"reasoning": "every step checks out", "first_wrong_step": null', id="malformed"),
    pytest.param(Reply(content='{"reasoning": "ok", "first_wrong_step": null}', finish_reason="length"),
                 id="truncated"),
    pytest.param('{"reasoning": "ok", "first_wrong_step": 9}', id="out-of-range"),
    pytest.param('{"reasoning": "all fine"}', id="no-field"),
])
def test_step_critic_faults_are_unscored_never_all_correct(tmp_path: Path, reply: Reply | str) -> None:
    with LoopbackServer(handler=lambda request: reply) as server:
        with pytest.raises(UnscoredError) as caught:
            make_critic(server, tmp_path).steps(["2 + 2 = 4", "4 x 3 = 13", "The answer is 13."])
    verdict = caught.value.verdict
    assert not verdict.passed
    assert {step.status for step in verdict.steps} == {"unscored"}
    assert server.calls == (1 if "truncated" in str(caught.value) else 2)  # one repair request, unless cut off
    assert cache_entries(tmp_path / "cache") == {}


def test_per_step_critic_stops_unscored_at_a_failed_step(tmp_path: Path) -> None:
    step_ok = json.dumps({"reasoning": "right", "verdict": "correct"})
    with LoopbackServer(handler=lambda request: Reply(status=503)) as server:
        server.enqueue(step_ok)
        with pytest.raises(UnscoredError, match="step 2: judge server error") as caught:
            make_critic(server, tmp_path).steps(["2 + 2 = 4", "4 x 3 = 12", "The answer is 12."],
                                                mode="per_step")
    assert [step.status for step in caught.value.verdict.steps] == ["correct", "unscored", "not_judged"]
    assert not caught.value.verdict.passed


@pytest.mark.parametrize("reply", [
    pytest.param(json.dumps({"analysis": "asks for a haiku", "questions": [f"Q{n}?" for n in range(13)]}),
                 id="thirteen-questions"),
    pytest.param('{"analysis": "asks for a haiku"}', id="no-questions"),
    pytest.param("1. Is it a haiku?\n2. Does it mention a fox?", id="prose-list"),
])
def test_checklist_generation_faults_are_unscored(tmp_path: Path, reply: str) -> None:
    with LoopbackServer(handler=lambda request: reply) as server:
        with pytest.raises(UnscoredError, match="could not obtain a checklist"):
            make_critic(server, tmp_path).checklist(RESPONSE, instruction="Write a haiku about a fox.")
    assert server.calls == 2
    assert cache_entries(tmp_path / "cache") == {}


# ---------------------------------------------------------------- through pytest


FAULTY_SUITE = """
def test_rate_limited_once(critique):
    assert critique.checklist("a haiku", items=["Is it rate limited once?"]).passed

def test_server_always_down(critique):
    assert critique.checklist("a haiku", items=["Is the server down?"]).passed

def test_judge_babbles(critique):
    assert critique.checklist("a haiku", items=["Does the judge babble?"]).passed
"""


def test_a_pytest_run_with_a_faulty_judge_passes_nothing_it_could_not_judge(
        pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, int] = {}

    def judge(request: dict[str, Any]) -> Reply | str:
        prompt = request["messages"][1]["content"]
        topic = next(word for word in ("rate limited", "server down", "babble") if word in prompt)
        seen[topic] = seen.get(topic, 0) + 1
        if topic == "rate limited" and seen[topic] == 1:
            return Reply(status=429, headers={"Retry-After": "0"})
        if topic == "server down":
            return Reply(status=503, headers={"Retry-After": "0"})
        if topic == "babble":
            return "Lovely poem! Truly moving."
        return verdict_json("YES")

    monkeypatch.setenv("CRITIQUE_API_KEY", API_KEY)
    pytester.makepyfile(test_faulty=FAULTY_SUITE)
    with LoopbackServer(handler=judge) as server:
        result = pytester.runpytest(f"--critique-model={MODEL}", f"--critique-api-base={server.url}",
                                    "--critique-retries=2", "--critique-report=report.json", "-p", "no:cacheprovider")
    assert result.ret == 1
    assert result.parseoutcomes() == {"passed": 1, "unscored": 2}
    assert seen == {"rate limited": 2, "server down": 3, "babble": 2}
    result.stdout.fnmatch_lines([
        # 1 (rate limited) + 3 (server down: 1 + 2 retries) + 2 (babble: 1 + repair); 3 of them retries
        "judge openai/loopback-judge · 3 tests · 3 verdicts (0 cached) · 6 judge calls (3 retried) · *",
        "unscored (2): *",
        "  test_faulty.py::test_judge_babbles  * unusable judge reply, twice: *",
        "  test_faulty.py::test_server_always_down  * judge server error after 2 retries (ServiceUnavailableError): *",
    ])
    report = json.loads((pytester.path / "report.json").read_text(encoding="utf-8"))
    outcomes = {test["nodeid"].split("::")[1]: test["outcome"] for test in report["tests"]}
    assert outcomes == {"test_rate_limited_once": "passed", "test_server_always_down": "failed",
                        "test_judge_babbles": "failed"}
    assert report["totals"]["unscored_items"] == 2 and report["totals"]["yes"] == 1
    assert len(cache_entries(pytester.path / ".critique_cache")) == 1


def test_retry_sleeps_are_recorded_not_slept() -> None:
    """The helper the fault cases use really replaces the backend's sleep, and restores it."""
    original = litellm_backend.pause
    with recorded_sleeps() as slept:
        assert litellm_backend.pause(12.5)
    assert slept == [12.5]
    assert litellm_backend.pause is original


def test_an_expected_unscored_failure_is_not_announced_as_a_failure(pytester: pytest.Pytester) -> None:
    pytester.makeconftest("""
import pytest
from pytest_critique import ScriptedJudge

@pytest.fixture
def critique_backend():
    return ScriptedJudge({"fox": lambda response: True})
""")
    pytester.makepyfile(test_x="""
import pytest


@pytest.mark.xfail(reason="the judge cannot answer this yet")
def test_expected(critique):
    critique.checklist("a fox", items=["Is it blue?"])

def test_ok(critique):
    assert critique.checklist("a fox", items=["Does it mention a fox?"]).passed
""")
    result = pytester.runpytest("-p", "no:cacheprovider")
    assert result.ret == 0
    result.assert_outcomes(passed=1, xfailed=1)
    assert "count as failures" not in result.stdout.str()
