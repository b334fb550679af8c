"""Rubric grades, pairwise comparisons and juries through litellm's real client and a loopback server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from loopback import LoopbackServer

from pytest_critique import Critic, UnscoredError
from pytest_critique.report import verdict_lines
from pytest_critique.runtime import Runtime

RUBRIC = {"criteria": "Is the answer complete?",
          "scores": {1: "Nothing useful.", 2: "A hint.", 3: "Half of it.", 4: "Nearly all.", 5: "All of it."}}


def make_critic(server: LoopbackServer, root: Path, **settings: Any) -> Critic:
    settings.setdefault("model", "openai/loopback-judge")
    return Critic(api_base=server.url, api_key="sk-loopback-test", cache_dir=str(root / "cache"),
                  runtime=Runtime(root), retries=0, timeout=5.0, **settings)


def test_an_out_of_range_score_is_repaired(tmp_path: Path) -> None:
    with LoopbackServer() as server:
        server.enqueue(json.dumps({"feedback": "very good", "score": 7}),
                       json.dumps({"feedback": "nearly all of it", "score": 4}))
        verdict = make_critic(server, tmp_path).rubric("an answer", rubric=RUBRIC)
        assert (verdict.score, verdict.feedback, verdict.passed) == (4, "nearly all of it", True)
        assert verdict.usage.calls == 2 and server.calls == 2
        repair = server.requests[-1]["messages"][-1]["content"]
        assert "score" in repair and "less than or equal to 5" in repair


def test_a_score_out_of_range_twice_is_unscored_and_not_cached(tmp_path: Path) -> None:
    with LoopbackServer() as server:
        server.enqueue(json.dumps({"feedback": "x", "score": 0}), json.dumps({"feedback": "x", "score": 6}))
        with pytest.raises(UnscoredError, match="rubric grade unscored: unusable judge reply, twice"):
            make_critic(server, tmp_path).rubric("an answer", rubric=RUBRIC)
        server.enqueue(json.dumps({"feedback": "fine", "score": 5}))
        assert make_critic(server, tmp_path).rubric("an answer", rubric=RUBRIC).score == 5
        assert server.calls == 3


def test_a_result_line_is_read_and_the_grade_is_cached(tmp_path: Path) -> None:
    with LoopbackServer() as server:
        server.enqueue("The answer covers half of the points.\n[RESULT] 3")
        verdict = make_critic(server, tmp_path).rubric("an answer", rubric=RUBRIC, reference="the full answer")
        assert verdict.score == 3 and not verdict.passed
        assert verdict.feedback == "The answer covers half of the points."
        prompt = server.requests[0]["messages"][-1]["content"]
        assert "the full answer" in prompt and "Score 3: Half of it." in prompt
        again = make_critic(server, tmp_path).rubric("an answer", rubric=RUBRIC, reference="the full answer")
        assert again.score == 3 and again.usage.cached == 1 and server.calls == 1


def test_a_model_preferring_the_first_response_gives_a_tie(tmp_path: Path) -> None:
    with LoopbackServer(handler=lambda request: json.dumps({"reasoning": "the first is better", "winner": "1"})) \
            as server:
        verdict = make_critic(server, tmp_path).compare("answer A", "answer B", instruction="Answer.")
        assert (verdict.winner, verdict.consistent) == ("tie", False)
        assert [(order.first, order.preferred) for order in verdict.orders] == [("a", "a"), ("b", "b")]
        shown = [request["messages"][-1]["content"] for request in server.requests]
        assert shown[0].index("answer A") < shown[0].index("answer B")
        assert shown[1].index("answer B") < shown[1].index("answer A")


def test_a_model_naming_the_better_response_in_both_orders_picks_it(tmp_path: Path) -> None:
    def better(request: dict[str, Any]) -> str:
        content = request["messages"][-1]["content"]
        first_is_b = content.index("answer B") < content.index("answer A")
        return f"B is more complete.\nWINNER: {1 if first_is_b else 2}"

    with LoopbackServer(handler=better) as server:
        verdict = make_critic(server, tmp_path).compare("answer A", "answer B")
        assert (verdict.winner, verdict.consistent, verdict.passed) == ("b", True, False)


def test_a_jury_of_two_models_is_cached_per_juror(tmp_path: Path) -> None:
    def by_model(request: dict[str, Any]) -> str:
        strict = request["model"].endswith("strict")
        return json.dumps({"reasoning": request["model"], "answer": "NO" if strict else "YES"})

    with LoopbackServer(handler=by_model) as server:
        jury = ["openai/judge-strict", "openai/judge-lenient"]
        verdict = make_critic(server, tmp_path, model=",".join(jury)).checklist(
            "a fox", items=["Does it mention a fox?", "Is it short?"], jury_rule="quorum:1")
        assert [item.answer for item in verdict.items] == [True, True]
        assert [[juror.answer for juror in item.jurors] for item in verdict.items] == [[False, True]] * 2
        assert verdict.judge == "jury (quorum:1): openai/judge-strict, openai/judge-lenient"
        assert server.calls == 4
        again = make_critic(server, tmp_path, model=",".join(jury)).checklist(
            "a fox", items=["Does it mention a fox?", "Is it short?"], jury_rule="unanimous")
        assert [item.answer for item in again.items] == [False, False]
        assert server.calls == 4 and again.usage.cached == 4
        # a third juror is judged alone; the others come from the cache
        third = make_critic(server, tmp_path, model=",".join([*jury, "openai/judge-third"])).checklist(
            "a fox", items=["Does it mention a fox?", "Is it short?"])
        assert server.calls == 6
        header = verdict_lines(third.model_dump(mode="json"))[0]
        assert header.endswith("· 2 judge calls, 4 cached"), "the header counts the jurors' cached answers"


def test_a_critic_never_closed_closes_its_connections_when_collected(tmp_path: Path) -> None:
    import gc
    import warnings

    with LoopbackServer(handler=lambda request: json.dumps({"reasoning": "r", "answer": "YES"})) as server:
        critic = make_critic(server, tmp_path, cache="off")
        assert critic.checklist("a fox", items=["Does it mention a fox?"]).passed
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            del critic
            gc.collect()
    assert not [warning for warning in caught if issubclass(warning.category, ResourceWarning)], \
        "the kept-alive connection was closed, not left to the garbage collector's warning"
