"""Trust features through litellm's real client and the loopback server, beyond test_trust_litellm.py:
drift after a model upgrade, a juror whose replies stay unusable, sampled comparisons and rubric votes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from loopback import LoopbackServer

from pytest_critique import Critic, UnscoredError
from pytest_critique.runtime import Runtime

RUBRIC = {"criteria": "Is the answer complete?",
          "scores": {1: "Nothing useful.", 2: "A hint.", 3: "Half of it.", 4: "Nearly all.", 5: "All of it."}}
ITEMS = ["Does it mention a fox?", "Is it short?"]


def make_critic(server: LoopbackServer, root: Path, model: str, **settings: Any) -> Critic:
    """A critic of a new session (its own Runtime) sharing the cache directory under ``root``."""
    return Critic(api_base=server.url, api_key="sk-loopback-test", cache_dir=str(root / "cache"),
                  runtime=Runtime(root), retries=0, timeout=5.0, model=model, **settings)


def by_model(request: dict[str, Any]) -> str:
    """v1 finds the answer short and grades it 3, v2 disagrees on both; both like the fox."""
    content = request["messages"][-1]["content"]
    v2 = request["model"].endswith("v2")
    if "Is it short?" in content:
        return json.dumps({"reasoning": request["model"], "answer": "NO" if v2 else "YES"})
    if "Does it mention a fox?" in content:
        return json.dumps({"reasoning": request["model"], "answer": "YES"})
    return json.dumps({"feedback": request["model"], "score": 4 if v2 else 3})


def test_a_model_upgrade_lists_the_changed_verdicts_only(tmp_path: Path) -> None:
    with LoopbackServer(handler=by_model) as server:
        old = make_critic(server, tmp_path, "openai/judge-v1")
        assert old.checklist("a fox", items=ITEMS).passed and old.rubric("a fox", rubric=RUBRIC).score == 3
        old.runtime.close()  # the first session ends (a run writes its drift records by its end at the latest)
        new = make_critic(server, tmp_path, "openai/judge-v2")
        checked = new.checklist("a fox", items=ITEMS, threshold=0)
        assert [(d.what, d.before, d.after, d.judge_before, d.judge_after) for d in checked.drift] == [
            ("Is it short?", "YES", "NO", "openai/judge-v1", "openai/judge-v2")]
        graded = new.rubric("a fox", rubric=RUBRIC)
        assert [(d.what, d.before, d.after) for d in graded.drift] == [("rubric score", 3, 4)]
        assert server.calls == 6
        # the old model comes back: answered from its cache, nothing judged, nothing drifts
        again = make_critic(server, tmp_path, "openai/judge-v1").checklist("a fox", items=ITEMS)
        assert again.drift == [] and again.usage.cached == 2 and server.calls == 6


def test_a_juror_whose_replies_stay_unusable_is_named_and_nothing_of_it_is_cached(tmp_path: Path) -> None:
    def replies(request: dict[str, Any]) -> str:
        if request["model"].endswith("broken"):
            return "I would rather not say."
        return json.dumps({"reasoning": "fine", "answer": "YES"})

    jury = "openai/judge-good,openai/judge-broken"
    with LoopbackServer(handler=replies) as server:
        with pytest.raises(UnscoredError, match=r"item 1: juror openai/judge-broken: unusable judge reply, twice") \
                as raised:
            make_critic(server, tmp_path, jury).checklist("a fox", items=["Does it mention a fox?"])
        [item] = raised.value.verdict.items
        assert [(juror.judge, juror.answer) for juror in item.jurors] == [
            ("openai/judge-good", True), ("openai/judge-broken", None)]
        assert server.calls == 3  # one for the good juror, a reply and its repair for the broken one
        with pytest.raises(UnscoredError):
            make_critic(server, tmp_path, jury).checklist("a fox", items=["Does it mention a fox?"])
        assert server.calls == 5  # the good juror's verdict came from the cache


def test_sampled_comparison_orders_are_each_sample_cached(tmp_path: Path) -> None:
    calls = iter(range(100))

    def wavering(request: dict[str, Any]) -> str:
        # within each order the 3rd sample prefers the other position: 2 of 3 agree in each order
        return json.dumps({"reasoning": "r", "winner": "2" if next(calls) % 3 == 2 else "1"})

    with LoopbackServer(handler=wavering) as server:
        critic = make_critic(server, tmp_path, "openai/judge-v1", concurrency=1)
        verdict = critic.compare("answer A", "answer B", samples=3)
        assert [order.votes for order in verdict.orders] == [["a", "a", "b"], ["b", "b", "a"]]
        assert (verdict.winner, verdict.consistent) == ("tie", False)
        assert {request["temperature"] for request in server.requests} == {0.7}
        assert server.calls == 6
        cached = make_critic(server, tmp_path, "openai/judge-v1").compare("answer A", "answer B", samples=3)
        assert cached.usage.cached == 6 and server.calls == 6
        assert [order.votes for order in cached.orders] == [["a", "a", "b"], ["b", "b", "a"]]
        refused = make_critic(server, tmp_path, "openai/judge-v1", min_agreement=0.7, on_unstable="error")
        with pytest.raises(UnscoredError, match=r"a first: unstable verdict: a first: a, a, b \(agreement 0\.67"):
            refused.compare("answer A", "answer B", samples=3)
        assert server.calls == 6


def test_rubric_votes_over_samples_through_the_client(tmp_path: Path) -> None:
    scores = iter([5, 3, 3])

    with LoopbackServer(handler=lambda request: f"Feedback.\nScore: {next(scores)}") as server:
        verdict = make_critic(server, tmp_path, "openai/judge-v1", concurrency=1).rubric(
            "an answer", rubric=RUBRIC, samples=3, min_score=3)
        assert (verdict.score, verdict.votes, verdict.passed) == (3, [5, 3, 3], True)
        assert verdict.agreement == pytest.approx(2 / 3) and verdict.unstable
        assert server.calls == 3
