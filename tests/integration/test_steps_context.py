"""per_step judging of long solutions: the quadratic-growth warning and context="window:K"."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from loopback import LoopbackServer

from pytest_critique import Critic, CritiqueUsageError, ScriptedJudge
from pytest_critique.runtime import Runtime
from pytest_critique.judges.steps import prompt_characters

SHOWN = re.compile(r"<step-(\d+)-[0-9a-f]+>")


def test_a_window_sends_only_the_k_steps_before_each_step(tmp_path: Path) -> None:
    steps = [f"Step text number {n}." for n in range(1, 8)]
    with LoopbackServer(handler=lambda request: json.dumps({"reasoning": "ok", "verdict": "correct"})) as server:
        critic = Critic(model="openai/loopback", api_base=server.url, api_key="sk-test", runtime=Runtime(tmp_path),
                        cache_dir=str(tmp_path / "cache"), retries=0)
        verdict = critic.steps(steps=steps, mode="per_step", context="window:2")
        prompts = [request["messages"][-1]["content"] for request in server.requests]
        again = critic.steps(steps=steps, mode="per_step", context="window:2")
        assert server.calls == 7, "the windowed verdicts are cached like any other"
    assert verdict.passed and again.passed
    numbers = [[int(n) for n in SHOWN.findall(prompt)] for prompt in prompts]
    assert numbers == [[1], [1, 2], [1, 2, 3], [2, 3, 4], [3, 4, 5], [4, 5, 6], [5, 6, 7]]
    assert "steps 1 to 2 are not shown" in prompts[4] and "Step text number 2." not in prompts[4]
    assert "The step to judge (step 5)" in prompts[4]


def test_a_window_with_an_offline_judge_gives_only_the_window(tmp_path: Path) -> None:
    seen = []

    def judge(step, previous=None, problem=None):
        seen.append(list(previous or []))
        return True, "fine"

    critic = Critic(backend=ScriptedJudge(step=judge), runtime=Runtime(tmp_path))
    critic.steps(steps=["a", "b", "c", "d"], mode="per_step", context="window:1")
    assert seen == [[], ["a"], ["b"], ["c"]]


@pytest.mark.parametrize("context, mode, message", [
    ("window:0", "per_step", "context must be 'all' or 'window:K' with K >= 1"),
    ("last 3", "per_step", "context must be 'all' or 'window:K'"),
    ("window:3", "first_error", "applies to mode='per_step'"),
])
def test_bad_contexts_are_usage_errors(tmp_path: Path, context: str, mode: str, message: str) -> None:
    critic = Critic(backend=ScriptedJudge(step=lambda step, previous=None, problem=None: (True, "")),
                    runtime=Runtime(tmp_path))
    with pytest.raises(CritiqueUsageError, match=re.escape(message)):
        critic.steps(steps=["a", "b"], mode=mode, context=context)


def test_prompt_characters_grow_quadratically_without_a_window() -> None:
    steps = ["x" * 100] * 2000
    assert prompt_characters(steps, "", None) == 100 * 2000 * 2001 // 2
    assert prompt_characters(steps, "", 3) == 100 * (1 + 2 + 3 + 4 * 1997)


LONG_SOLUTION_TESTS = """
import pytest
from pytest_critique import ScriptedJudge

STEPS = [f"Step {n}: add one more pebble to the pile of pebbles." for n in range(1, 301)]

@pytest.fixture
def critique_backend():
    return ScriptedJudge(step=lambda step, previous=None, problem=None: (True, "fine"))

@pytest.mark.parametrize("n", range(2))
def test_long(critique, n):
    assert critique.steps(steps=STEPS, mode="per_step").passed

def test_windowed(critique):
    assert critique.steps(steps=STEPS, mode="per_step", context="window:5").passed
"""


@pytest.mark.filterwarnings("always::pytest_critique.judges.steps.StepContextWarning")
def test_a_long_per_step_solution_warns_once(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(LONG_SOLUTION_TESTS)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)
    warned = [line for line in result.stdout.lines if "StepContextWarning" in line]
    assert len(warned) == 1, result.stdout.str()
    assert re.search(r"per_step judging of this 300-step solution sends [\d,]+ prompt characters, since every "
                     r"step goes with all the steps before it \(the growth is quadratic\); "
                     r"steps\(\.\.\., context='window:K'\)", warned[0])
