"""steps(): the solution or steps=[...], never both, and split= only for a solution."""

from __future__ import annotations

import pytest

from pytest_critique import Critic, CritiqueUsageError, ScriptedJudge

JUDGE = ScriptedJudge(step=lambda step, previous, problem: not step.endswith("8"))


@pytest.fixture
def critic(tmp_path) -> Critic:
    return Critic(backend=JUDGE, cache="off", cache_dir=str(tmp_path))


def test_steps_given_explicitly_are_judged(critic: Critic) -> None:
    verdict = critic.steps(steps=["2 + 2 = 4", "4 + 3 = 8"], mode="per_step")
    assert verdict.first_error == 2 and verdict.split == "list"


@pytest.mark.parametrize(("args", "kwargs", "message"), [
    (("1. a\n2. b",), {"steps": ["a", "b"]}, "not both"),
    ((), {}, "needs a solution"),
    ((), {"steps": ["a", "b"], "split": "lines"}, r"steps=\[\.\.\.\] is already split"),
])
def test_conflicting_step_arguments_are_usage_errors(critic: Critic, args, kwargs, message) -> None:
    with pytest.raises(CritiqueUsageError, match=message):
        critic.steps(*args, **kwargs)
