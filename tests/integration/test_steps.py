"""The step-level critic: first-error and per-step modes, caching by prefix, and the report."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from loopback import LoopbackServer

from pytest_critique import Critic, ScriptedJudge, UnscoredError
from pytest_critique.runtime import Runtime

FLAMINGOS = [
    "She starts with 18 flamingos.",
    "One third are taken back: 18 / 3 = 6, leaving 12.",
    "Then 4 bags of 12 are added: 12 x 4 = 46.",
    "So she now has 46 + 12 = 58 flamingos.",
    "She gives away 8, leaving 50.",
    "The answer is 50.",
]
PROBLEM = "Sue has 18 flamingos; a third are taken back, then 4 bags of 12 are added..."
STEP_RE = re.compile(r"The step to judge \(step (\d+)\):\n<step-\d+-[0-9a-f]+>\n(.*?)\n</step", re.DOTALL)


def arithmetic_is_right(step: str, previous=None, problem=None):
    """A scripted critic that recomputes every `a x b = c` / `a + b = c` in the step."""
    for a, op, b, c in re.findall(r"(\d+)\s*([x+/-])\s*(\d+)\s*=\s*(\d+)", step):
        value = {"x": int(a) * int(b), "+": int(a) + int(b), "-": int(a) - int(b), "/": int(a) // int(b)}[op]
        if value != int(c):
            return False, f"{a} {op} {b} is {value}, not {c}"
    return True, "the arithmetic checks out"


def offline_critic(tmp_path: Path, **settings: Any) -> Critic:
    return Critic(backend=ScriptedJudge(step=arithmetic_is_right), runtime=Runtime(tmp_path),
                  cache_dir=str(tmp_path / "cache"), **settings)


@pytest.mark.parametrize("mode", ["first_error", "per_step"])
def test_first_wrong_step_is_found(tmp_path, mode):
    verdict = offline_critic(tmp_path).steps(FLAMINGOS, problem=PROBLEM, mode=mode)
    assert not verdict.passed
    assert verdict.first_error == 3 and verdict.first_error_index == 2
    assert [step.status for step in verdict.steps] == ["correct", "correct", "wrong"] + ["not_judged"] * 3
    assert verdict.steps[2].reason == "12 x 4 is 48, not 46"
    assert verdict.headline == "critique: step 3 of 6 is wrong"


def test_per_step_without_stopping_judges_every_step(tmp_path):
    verdict = offline_critic(tmp_path).steps(FLAMINGOS, problem=PROBLEM, mode="per_step", stop_at_first=False)
    assert [step.status for step in verdict.steps] == ["correct", "correct", "wrong", "correct", "correct",
                                                       "correct"]
    assert verdict.first_error == 3


def test_a_correct_solution_passes(tmp_path):
    verdict = offline_critic(tmp_path).steps("1. 2 + 2 = 4\n2. 4 x 3 = 12\n3. The answer is 12.")
    assert verdict.passed and verdict.first_error is None and verdict.first_error_index == -1
    assert verdict.split == "numbered" and len(verdict.steps) == 3


def test_bad_arguments_are_usage_errors(tmp_path):
    from pytest_critique import CritiqueUsageError

    critic = offline_critic(tmp_path)
    with pytest.raises(CritiqueUsageError, match="empty"):
        critic.steps("   ")
    with pytest.raises(CritiqueUsageError, match="unknown steps mode"):
        critic.steps(FLAMINGOS, mode="every")


def test_a_critic_without_step_rules_is_unscored(tmp_path):
    critic = Critic(backend=ScriptedJudge(), runtime=Runtime(tmp_path))
    with pytest.raises(UnscoredError, match="no verdict"):
        critic.steps(FLAMINGOS)


def test_recorded_oracle_replays_first_errors(tmp_path):
    records = tmp_path / "labels.jsonl"
    records.write_text("\n".join(json.dumps(line) for line in [
        {"problem": PROBLEM, "steps": FLAMINGOS, "first_error": 3, "reason": "labelled wrong"},
        {"problem": "p2", "steps": ["a", "b"], "first_error": None},
    ]))
    critic = Critic(model=f"recorded:{records}", runtime=Runtime(tmp_path), cache_dir=str(tmp_path / "c"))
    assert critic.steps(FLAMINGOS, problem=PROBLEM).first_error == 3
    assert critic.steps(["a", "b"], problem="p2").passed
    per_step = critic.steps(FLAMINGOS, problem=PROBLEM, mode="per_step")
    assert per_step.first_error == 3 and per_step.steps[2].reason == "labelled wrong"


STEPS_TEST = '''
import re
import pytest
from pytest_critique import ScriptedJudge

def arithmetic(step, previous=None, problem=None):
    for a, b, c in re.findall(r"(\\d+) x (\\d+) = (\\d+)", step):
        if int(a) * int(b) != int(c):
            return False, f"{a} x {b} is {int(a) * int(b)}, not {c}"
    return True, "ok"

@pytest.fixture
def critique_backend():
    return ScriptedJudge(step=arithmetic)

def test_solution(critique):
    solution = """Step 1: She starts with 18 flamingos.
Step 2: One third are taken back, leaving 12.
Step 3: Then 4 bags of 12 are added: 12 x 4 = 46.
Step 4: So she has 58.
Step 5: She gives away 8.
Step 6: The answer is 50."""
    assert critique.steps(solution, problem="flamingos").passed

def test_good(critique):
    assert critique.steps(["2 x 3 = 6", "6 x 2 = 12"], mode="per_step").passed
'''


def test_report_names_the_wrong_step(pytester):
    pytester.makepyfile(test_math=STEPS_TEST)
    result = pytester.runpytest("-rA", "--critique-report=report.json")
    result.assert_outcomes(failed=1, passed=1)
    result.stdout.fnmatch_lines([
        "*- critique -*",
        "steps · judge scripted (offline) · first error · 6 steps (split: step-labels) · 1 judge call, 0 cached",
        "  problem: flamingos",
        "  ✓  1  She starts with 18 flamingos.",
        "  ✓  2  One third are taken back, leaving 12.",
        "  ✗  3  Then 4 bags of 12 are added: 12 x 4 = 46.",
        "       12 x 4 is 48, not 46",
        "  · 4–6  not judged (after the first wrong step)",
    ])
    result.stdout.fnmatch_lines([
        "step critic: 2 solutions judged, 1 with a wrong step",
        "failing items (1):",
        "  test_math.py::test_solution  #3 step 3: Then 4 bags of 12 are added: 12 x 4 = 46.",
        "FAILED test_math.py::test_solution - critique: step 3 of 6 is wrong",
    ])
    report = json.loads((pytester.path / "report.json").read_text())
    verdicts = {test["nodeid"]: test["verdicts"][0] for test in report["tests"]}
    wrong = verdicts["test_math.py::test_solution"]
    assert (wrong["kind"], wrong["first_error"], wrong["first_error_index"]) == ("steps", 3, 2)
    assert report["totals"]["solutions_with_wrong_step"] == 1


def step_handler(request: dict[str, Any]) -> str:
    content = request["messages"][-1]["content"]
    found = STEP_RE.search(content)
    assert found, content
    wrong = "= 46" in found.group(2)
    return json.dumps({"reasoning": f"checked step {found.group(1)}", "verdict": "wrong" if wrong else "correct"})


def test_per_step_caches_each_step_by_its_prefix(tmp_path):
    """6 steps, the third wrong: 3 calls; a re-run: 0; a 7th step appended: at most 1."""
    with LoopbackServer(handler=step_handler) as server:
        def critic() -> Critic:
            return Critic(model="openai/step-critic", api_base=server.url, api_key="sk-test", retries=0,
                          cache_dir=str(tmp_path / "cache"), runtime=Runtime(tmp_path))

        first = critic().steps(FLAMINGOS, problem=PROBLEM, mode="per_step")
        assert first.first_error == 3 and server.calls == 3
        again = critic().steps(FLAMINGOS, problem=PROBLEM, mode="per_step")
        assert again.first_error == 3 and server.calls == 3 and again.usage.cached == 3
        critic().steps([*FLAMINGOS, "Check: 50 flamingos."], problem=PROBLEM, mode="per_step")
        assert server.calls == 3  # the first error is still step 3, so nothing new is judged
        everything = critic().steps([*FLAMINGOS, "Check: 50 flamingos."], problem=PROBLEM, mode="per_step",
                                    stop_at_first=False)
        assert server.calls == 3 + 4  # steps 4 to 7 are new; 1 to 3 come from the cache
        critic().steps([*FLAMINGOS, "Check: 50 flamingos.", "Done."], problem=PROBLEM, mode="per_step",
                       stop_at_first=False)
        assert server.calls == 3 + 4 + 1
        assert everything.first_error == 3


def test_first_error_mode_against_a_model(tmp_path):
    with LoopbackServer(handler=lambda request: json.dumps(
            {"reasoning": "checked", "first_wrong_step": 3, "explanation": "12 x 4 is 48"})) as server:
        critic = Critic(model="openai/step-critic", api_base=server.url, api_key="sk-test", retries=0,
                        cache_dir=str(tmp_path / "cache"), runtime=Runtime(tmp_path))
        verdict = critic.steps(FLAMINGOS, problem=PROBLEM)
        assert verdict.first_error == 3 and verdict.steps[2].reason == "12 x 4 is 48" and server.calls == 1
        prompt = server.requests[0]["messages"][-1]["content"]
        assert all(step in prompt for step in FLAMINGOS)
        server.enqueue(json.dumps({"reasoning": "", "first_wrong_step": 9}), json.dumps({"first_wrong_step": 9}))
        with pytest.raises(UnscoredError, match="1 to 2"):
            critic.steps(["a", "b"], problem=PROBLEM)


def test_samples_vote_on_the_located_step(tmp_path):
    answers = iter([3, None, 3])
    with LoopbackServer(handler=lambda request: json.dumps(
            {"reasoning": "", "first_wrong_step": next(answers), "explanation": "why"})) as server:
        critic = Critic(model="openai/step-critic", api_base=server.url, api_key="sk-test", retries=0,
                        cache_dir=str(tmp_path / "cache"), runtime=Runtime(tmp_path), concurrency=1)
        verdict = critic.steps(FLAMINGOS, problem=PROBLEM, samples=3)
    assert verdict.located_votes == [3, None, 3]
    assert verdict.first_error == 3 and verdict.agreement == pytest.approx(2 / 3)


def test_per_step_samples_vote_per_step(tmp_path):
    verdicts = iter(["correct", "wrong", "correct",   # step 1: 2 of 3 correct
                     "wrong", "wrong", "correct"])    # step 2: 2 of 3 wrong
    with LoopbackServer(handler=lambda request: json.dumps(
            {"reasoning": "r", "verdict": next(verdicts)})) as server:
        critic = Critic(model="openai/step-critic", api_base=server.url, api_key="sk-test", retries=0,
                        cache_dir=str(tmp_path / "cache"), runtime=Runtime(tmp_path), concurrency=1)
        verdict = critic.steps(["2 + 2 = 4", "4 + 4 = 9", "done"], mode="per_step", samples=3)
    assert [step.status for step in verdict.steps] == ["correct", "wrong", "not_judged"]
    assert [vote.answer for vote in verdict.steps[1].votes] == [False, False, True]
    assert verdict.steps[0].agreement == pytest.approx(2 / 3)
    assert server.calls == 6


def test_a_single_step_is_judged_as_a_whole(tmp_path):
    from pytest_critique.judges.steps import KIND as STEPS_KIND

    verdict = offline_critic(tmp_path).steps("2 x 2 = 5")
    assert verdict.split == "single" and verdict.first_error == 1
    lines = STEPS_KIND.lines(verdict.model_dump(mode="json"))
    assert "  the solution is one step (it could not be split further): judged as a whole" in lines


def test_an_agent_trajectory_is_a_list_of_steps(tmp_path):
    def right_date(step, previous, problem):
        if step.startswith("call book_table("):
            return '"2026-05-02"' in step, "the user asked for 2 May"
        return True, "fine"

    trajectory = [
        {"role": "user", "content": "Book a table for two on 2 May."},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "c1", "type": "function", "function": {"name": "book_table",
                                                          "arguments": '{"date": "2026-05-03", "people": 2}'}}]},
        {"role": "tool", "tool_call_id": "c1", "content": "booked"},
        {"role": "assistant", "content": "Your table is booked."},
    ]
    critic = Critic(backend=ScriptedJudge(step=right_date), runtime=Runtime(tmp_path))
    verdict = critic.steps(trajectory, mode="per_step")
    assert verdict.split == "trajectory" and verdict.first_error == 1
    assert verdict.steps[0].text.startswith("call book_table(")
    assert verdict.steps[0].reason == "the user asked for 2 May"
