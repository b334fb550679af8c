"""A reply a LiteLLM proxy served from its response cache counts as cached, not as a paid judge call;
replies shaped as the proxy relays them are read on both clients.

The proxy marks such a reply with an ``x-litellm-cache-key`` header (and sends the header only
then). Here the loopback server plays that proxy, so the test runs without one; the real proxy is
in tests/proxy/. Both clients are run: plain HTTP and litellm's.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from loopback import LoopbackServer, Reply

# A model litellm's price table knows, so a paid call has a cost to compare with.
MODEL = "openai/gpt-4o-mini"

SUITE = """
def test_reply(critique):
    verdict = critique.checklist("Red fox in the snow", items=["Is the fox named?", "Is it cached upstream?"])
    assert verdict.passed
"""


def proxy_body(content: str | None, refusal: str | None = None) -> bytes:
    """A chat completion as a LiteLLM proxy (1.102.4) relays one: with its provider-specific fields."""
    return json.dumps({
        "id": "chatcmpl-gateway", "created": 1795990690, "model": "gpt-4o-mini", "object": "chat.completion",
        "choices": [{"finish_reason": "stop", "index": 0, "provider_specific_fields": {},
                     "message": {"content": content, "role": "assistant",
                                 "provider_specific_fields": {"refusal": refusal}}}],
        "usage": {"completion_tokens": 40, "prompt_tokens": 700, "total_tokens": 740}}).encode("utf-8")


def gateway(request: dict[str, Any]) -> Reply:
    """YES to everything; a question that says "cached" is answered as from the proxy's cache."""
    prompt = request["messages"][-1]["content"]
    headers = {"x-litellm-cache-key": "5f1d0c2a9e"} if "cached upstream" in prompt else {}
    return Reply(body=proxy_body(json.dumps({"reasoning": "judged", "answer": "YES"})), headers=headers)


def test_a_proxy_cache_hit_is_counted_as_cached_with_no_tokens_or_cost_on_both_clients(
        pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    pytester.makepyfile(test_gateway=SUITE)
    with LoopbackServer(handler=gateway) as server:
        for client in ("auto", "litellm"):
            monkeypatch.setenv("CRITIQUE_CLIENT", client)
            result = pytester.runpytest_subprocess(
                f"--critique-model={MODEL}", f"--critique-api-base={server.url}", "--critique-cache=off",
                "--critique-report=report.json", "-p", "no:cacheprovider")
            assert result.ret == 0, result.stdout.str()
            report = json.loads((pytester.path / "report.json").read_text(encoding="utf-8"))
            usage = report["totals"]["usage"]
            assert usage["calls"] == 1 and usage["cached"] == 1, client
            assert usage["prompt_tokens"] == 700 and usage["completion_tokens"] == 40  # the paid call's only
            assert usage["cost"] > 0
            items = report["tests"][0]["verdicts"][0]["items"]
            assert [item["cached"] for item in items] == [False, True]
            result.stdout.fnmatch_lines(
                ["judge openai/gpt-4o-mini · 1 test · 2 verdicts (1 cached) · 1 judge call · 740 tokens · $*"])
    # Both questions reached the "proxy" in each run, and both clients sent the same fields in the same
    # order: the proxy's cache keys a request by its fields in the order they come.
    assert server.calls == 4
    by_question: dict[str, list[list[tuple[str, Any]]]] = {}
    for body in server.requests:
        by_question.setdefault(body["messages"][-1]["content"], []).append(list(body.items()))
    assert [len(sent) for sent in by_question.values()] == [2, 2]
    assert all(http == through_litellm for http, through_litellm in by_question.values())


def test_a_refusal_the_proxy_relays_is_unscored_as_refused(pytester: pytest.Pytester,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Over plain HTTP the proxy's provider-specific fields are read too (litellm's client drops the
    refusal there: its item is UNSCORED as an empty reply)."""
    monkeypatch.setenv("CRITIQUE_CLIENT", "auto")
    pytester.makepyfile(test_gateway=SUITE)
    with LoopbackServer(handler=lambda request: Reply(body=proxy_body(None, "I cannot judge this."))) as server:
        result = pytester.runpytest_subprocess(
            f"--critique-model={MODEL}", f"--critique-api-base={server.url}", "--critique-cache=off",
            "-p", "no:cacheprovider")
    assert result.parseoutcomes() == {"unscored": 1}, result.stdout.str()
    result.stdout.fnmatch_lines(["*the judge refused to answer: 'I cannot judge this.'*"])

