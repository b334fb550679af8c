"""Fallbacks of a real LiteLLM proxy (docs/proxy.md): a model group whose deployment fails is answered
by the group it falls back to, and the plugin sees only that answer.

The proxy (tests/proxy_gateway.py) serves model groups whose deployment answers 500, or sits at a
port where nothing listens, each falling back to a backup judge; and one whose fallback fails as
well. Each suite runs on both clients (plain HTTP and litellm's) with the plugin's cache off, so
every verdict is asked for.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from gateway_settings import MASTER_KEY, OPEN_KEY, UPSTREAM_KEY
from proxy_gateway import (BACKUP_DOWN, BACKUP_MODEL, BROKEN_BACKUP_MODEL, DOOMED_MODEL, FAILING_MODEL,
                           PRIMARY_DOWN, UNREACHABLE_MODEL, ProxyGateway, questions_at)

CLIENTS = ("auto", "litellm")


def report_of(pytester: pytest.Pytester) -> dict[str, Any]:
    return json.loads((pytester.path / "report.json").read_text(encoding="utf-8"))


def files_holding(root: Path, secret: str) -> list[str]:
    return [str(path.relative_to(root)) for path in root.rglob("*")
            if path.is_file() and secret.encode() in path.read_bytes()]


def run(pytester: pytest.Pytester, gateway: ProxyGateway, client: str, *more: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess(
        f"--critique-client={client}", f"--critique-model=openai/{FAILING_MODEL}",
        f"--critique-api-base={gateway.url}", "--critique-cache=off", "--critique-report=report.json",
        "-p", "no:cacheprovider", *more)


def assert_no_key_shown(pytester: pytest.Pytester, result: pytest.RunResult) -> None:
    output = result.stdout.str() + result.stderr.str()
    for secret in (OPEN_KEY, UPSTREAM_KEY, MASTER_KEY):
        assert secret not in output
        assert files_holding(pytester.path, secret) == []


def test_when_the_fallback_fails_too_the_test_is_unscored_naming_both_failures(
        gateway: ProxyGateway, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRITIQUE_API_KEY", OPEN_KEY)
    for client in CLIENTS:
        question = f"Is the doomed question of {client} answered?"
        pytester.makepyfile(test_doomed=f"""
def test_reply(critique):
    assert critique.checklist("Reply", items=[{question!r}], model="openai/{DOOMED_MODEL}").passed
""")
        result = run(pytester, gateway, client, "--critique-retries=1")

        assert result.parseoutcomes() == {"unscored": 1}, result.stdout.str()
        assert result.ret != 0
        why = (f"judge server error after 1 retry (InternalServerError): {PRIMARY_DOWN}. Received Model Group="
               f"{DOOMED_MODEL}; its fallback to {BROKEN_BACKUP_MODEL} failed too: {BACKUP_DOWN}")
        result.stdout.fnmatch_lines([f"test_doomed.py:*: critique: 1 of 1 checklist items unscored: item 1: {why}"])
        assert report_of(pytester)["tests"][0]["verdicts"][0]["items"][0]["error"] == why, client
        # Each of the plugin's two tries went to the primary and then to its fallback; no other judge answered.
        assert questions_at(gateway.primary, question) == [question] * 2, client
        assert questions_at(gateway.broken_backup, question) == [question] * 2, client
        assert questions_at(gateway.backup, question) == [], client
        usage = report_of(pytester)["totals"]["usage"]
        assert (usage["calls"], usage["retries"], usage["cached"]) == (2, 1, 0), client
        assert_no_key_shown(pytester, result)


SUITE = """
def test_right(critique):
    assert critique.checklist("Reply", items=["Is the right answer of {client} given?"]).passed


def test_wrong(critique):
    assert not critique.checklist("Reply", items=["Is the wrong answer of {client} given?"]).passed


def test_unreachable(critique):
    verdict = critique.checklist("Reply", items=["Is the unreachable answer of {client} given?"],
                                 model="openai/{unreachable}")
    assert verdict.passed
"""


def test_a_deployment_that_fails_is_answered_by_its_fallback_and_each_verdict_counted_once(
        gateway: ProxyGateway, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRITIQUE_API_KEY", OPEN_KEY)
    for client in CLIENTS:
        pytester.makepyfile(test_fallback=SUITE.format(client=client, unreachable=UNREACHABLE_MODEL))
        result = run(pytester, gateway, client)

        # The suite passes on the backup's verdicts: YES to the right answer, NO to the wrong one.
        assert result.parseoutcomes() == {"passed": 3}, result.stdout.str()
        report = report_of(pytester)
        reasons = {test["nodeid"].split("::test_")[1]: [item["reason"] for item in test["verdicts"][0]["items"]]
                   for test in report["tests"]}
        assert reasons == {name: [f"backup judged: Is the {name} answer of {client} given?"]
                           for name in ("right", "wrong", "unreachable")}
        # One call a verdict, none retried: the failures stayed inside the proxy.
        usage = report["totals"]["usage"]
        assert (usage["calls"], usage["retries"], usage["cached"]) == (3, 0, 0), client
        assert [test["verdicts"][0]["usage"]["calls"] for test in report["tests"]] == [1, 1, 1]

        # The failing deployment got each of its questions once, the backup each question once: nothing
        # lost, nothing asked twice.
        failing = [f"Is the {name} answer of {client} given?" for name in ("right", "wrong")]
        unreachable = f"Is the unreachable answer of {client} given?"
        assert sorted(questions_at(gateway.primary, f"answer of {client} given")) == failing
        assert sorted(questions_at(gateway.backup, f"answer of {client} given")) == sorted([*failing, unreachable])
        assert questions_at(gateway.broken_backup, f"answer of {client} given") == []
        assert_no_key_shown(pytester, result)
    # The backup was asked under its own model name, with the proxy's provider key.
    sent = [(request["model"], value)
            for request, headers in zip(list(gateway.backup.requests), list(gateway.backup.request_headers))
            if "answer of" in json.dumps(request)
            for name, value in headers.items() if name.lower() == "authorization"]
    assert len(sent) == 3 * len(CLIENTS) and set(sent) == {(BACKUP_MODEL, f"Bearer {UPSTREAM_KEY}")}
