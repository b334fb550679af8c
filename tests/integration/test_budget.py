"""Budgets: --critique-max-calls and --critique-max-cost stop judge calls; cached verdicts still serve."""

from __future__ import annotations

import json

import pytest
from loopback import LoopbackServer

ONE_QUESTION_TESTS = """
import pytest

@pytest.mark.parametrize("n", range({count}))
def test_judged(critique, n):
    assert critique.checklist(f"answer number {{n}}", items=["Is it an answer?"]).passed
"""


@pytest.fixture
def server():
    with LoopbackServer(handler=lambda request: json.dumps({"reasoning": "ok", "answer": "YES"})) as running:
        yield running


def run(pytester, server, *args):
    return pytester.runpytest_subprocess("--critique-model=openai/gpt-4o-mini", f"--critique-api-base={server.url}",
                                         "--critique-retries=0", "-p", "no:cacheprovider", *args)


def test_max_calls_stops_judging_and_cached_verdicts_still_serve(pytester, server, monkeypatch):
    monkeypatch.setenv("CRITIQUE_API_KEY", "sk-test")
    pytester.makepyfile(ONE_QUESTION_TESTS.format(count=3))
    first = run(pytester, server, "--critique-max-calls=2")
    assert first.parseoutcomes() == {"passed": 2, "unscored": 1}
    assert first.ret == pytest.ExitCode.TESTS_FAILED
    assert server.calls == 2
    first.stdout.fnmatch_lines([
        "*judge budget reached: 2 of --critique-max-calls=2 calls made; cached verdicts still serve*",
        "budget: 1 test unscored because the judge budget was reached (--critique-max-calls / --critique-max-cost)",
    ])
    # With no calls allowed at all, the two cached verdicts still pass; the third is still unscored.
    second = run(pytester, server, "--critique-max-calls=0")
    assert second.parseoutcomes() == {"passed": 2, "unscored": 1}
    assert server.calls == 2


def test_budget_is_shared_by_xdist_workers(pytester, server, monkeypatch, tmp_path):
    monkeypatch.setenv("CRITIQUE_API_KEY", "sk-test")
    monkeypatch.setenv("TMPDIR", str(tmp_path))  # where the workers' shared counters go
    pytester.makepyfile(ONE_QUESTION_TESTS.format(count=6))
    result = run(pytester, server, "--critique-max-calls=3", "-n", "2")
    assert result.parseoutcomes() == {"passed": 3, "unscored": 3}
    assert server.calls == 3
    assert not list(tmp_path.glob("pytest-critique-budget-*")), "the run removes its shared counters"


def test_max_cost_stops_judging_once_spent(pytester, server, monkeypatch):
    monkeypatch.setenv("CRITIQUE_API_KEY", "sk-test")
    pytester.makepyfile(ONE_QUESTION_TESTS.format(count=3))
    # Each reply costs gpt-4o-mini's price of 10 prompt + 5 completion tokens: a few millionths of a dollar.
    result = run(pytester, server, "--critique-max-cost=0.000001")
    assert result.parseoutcomes() == {"passed": 1, "unscored": 2}
    assert server.calls == 1
    result.stdout.fnmatch_lines(["*judge budget reached: $* of --critique-max-cost=1e-06 spent*"])


def test_offline_judges_are_not_limited(scripted_conftest):
    scripted_conftest.makepyfile(
        "def test_many(critique):\n"
        "    for _ in range(3):\n"
        "        assert critique.checklist('a fox', items=['Does it mention a fox?']).passed\n")
    scripted_conftest.runpytest("--critique-max-calls=0").assert_outcomes(passed=1)


def test_bad_budget_values_are_usage_errors(pytester):
    result = pytester.runpytest("--critique-max-calls=-1")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*invalid value '-1' for --critique-max-calls*expected a number >= 0*"])


def test_max_cost_under_four_workers_stays_within_the_documented_bound(pytester, server, monkeypatch):
    """Spend is reserved before a call, so four workers cannot all slip under the limit at once."""
    # The prices from litellm's packaged table, read as the plugin reads them: importing litellm inside a
    # test that uses pytester would leave importlib_metadata's finder behind without its modules, and
    # every later in-process pytest run in this worker would find no installed package (not even pluggy).
    from pytest_critique.backends.model_table import prices

    monkeypatch.setenv("CRITIQUE_API_KEY", "sk-test")
    pytester.makepyfile(ONE_QUESTION_TESTS.format(count=40))
    per_prompt_token, per_completion_token = prices("openai/gpt-4o-mini")
    assert per_prompt_token > 0 and per_completion_token > 0
    per_call = 10 * per_prompt_token + 5 * per_completion_token  # what each loopback reply reports using
    budget = 9.5 * per_call
    result = run(pytester, server, f"--critique-max-cost={budget!r}", "-n", "4")
    outcomes = result.parseoutcomes()
    # docs/configuration.md: at most budget / cost-per-call + 1 calls (here 10 + 1), never one per worker more
    assert 10 <= server.calls <= 11, server.calls
    assert outcomes["passed"] == server.calls and outcomes["unscored"] == 40 - server.calls
