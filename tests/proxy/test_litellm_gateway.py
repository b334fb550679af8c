"""The plugin behind a real LiteLLM proxy used as a team's gateway (docs/proxy.md).

The proxy (tests/proxy_gateway.py) serves the loopback judge as ``loopback-judge``, gives each team
key its own requests-per-window limit, and keeps a response cache. These runs go through pytest
with the plugin pointed at the proxy (``--critique-api-base``, the team key in CRITIQUE_API_KEY):
a suite on four xdist workers over its key's limit gets every verdict, once, while the judge never
sees more than the limit lets through; answers the proxy serves from its cache count as cached; no
key shows in anything the run writes or prints.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from gateway_settings import MASTER_KEY, OPEN_KEY, THROTTLED_KEY, THROTTLED_LIMIT, UPSTREAM_KEY, WINDOW
from proxy_gateway import MODEL_NAME, ProxyGateway, most_in_any_window

TESTS = 9
CACHED_TESTS = 3

THROTTLED_SUITE = f"""
import pytest


@pytest.mark.parametrize("number", range({TESTS}))
def test_reply(critique, number):
    verdict = critique.checklist(f"Reply {{number}}", items=[f"Is throttled question {{number}} answered?"])
    assert verdict.passed
"""


def run_args(gateway: ProxyGateway, *more: str) -> list[str]:
    return [f"--critique-model=openai/{MODEL_NAME}", f"--critique-api-base={gateway.url}",
            "--critique-report=report.json", "-p", "no:cacheprovider", *more]


def report_of(pytester: pytest.Pytester) -> dict:
    return json.loads((pytester.path / "report.json").read_text(encoding="utf-8"))


def files_holding(root: Path, secret: str) -> list[str]:
    return [str(path.relative_to(root)) for path in root.rglob("*")
            if path.is_file() and secret.encode() in path.read_bytes()]


def test_a_suite_over_its_keys_limit_under_four_workers_gets_every_verdict_once_within_the_limit(
        gateway: ProxyGateway, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRITIQUE_API_KEY", THROTTLED_KEY)
    pytester.makepyfile(test_throttled=THROTTLED_SUITE)
    result = pytester.runpytest_subprocess("-n", "4", *run_args(gateway, "--critique-retries=8"))

    # Every test got its verdict: the proxy's 429s were retried, none became UNSCORED.
    assert result.parseoutcomes() == {"passed": TESTS}, result.stdout.str()
    usage = report_of(pytester)["totals"]["usage"]
    assert usage["calls"] == TESTS
    assert usage["retries"] > 0  # the proxy did turn requests away (429 with Retry-After)

    # The judge behind the proxy saw each question exactly once: nothing lost, nothing repeated ...
    seen = gateway.upstream.questions("throttled question")
    assert sorted(seen) == sorted(f"Is throttled question {number} answered?" for number in range(TESTS))
    # ... and never more than the key's limit allows: the proxy counts in windows of WINDOW seconds that
    # follow each other, so no WINDOW-long stretch of time can hold more than two windows' worth.
    times = gateway.upstream.times("throttled question")
    busiest = most_in_any_window(times, WINDOW)
    print(f"judge saw {len(times)} requests in {max(times) - min(times):.2f} s; at most {busiest} in any "
          f"{WINDOW} s (limit {THROTTLED_LIMIT} per {WINDOW} s window); {usage['retries']} retries; "
          f"proxy healthy {gateway.started_in:.1f} s after launch")
    assert busiest <= 2 * THROTTLED_LIMIT

    # The team key stops at the gateway: the judge got the proxy's own key, and no key is in the output,
    # the report, the cache or any other file the run wrote.
    headers = gateway.server.request_headers
    keys_sent = {value for request, found in zip(gateway.server.requests, headers)
                 if "throttled question" in json.dumps(request)
                 for name, value in found.items() if name.lower() == "authorization"}
    assert keys_sent == {f"Bearer {UPSTREAM_KEY}"}
    output = result.stdout.str() + result.stderr.str()
    for secret in (THROTTLED_KEY, UPSTREAM_KEY, MASTER_KEY):
        assert secret not in output
        assert files_holding(pytester.path, secret) == []


def test_answers_the_proxy_serves_from_its_cache_count_as_cached_not_as_paid_calls(
        gateway: ProxyGateway, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRITIQUE_API_KEY", OPEN_KEY)
    pytester.makepyfile(test_cached=f"""
import pytest


@pytest.mark.parametrize("number", range({CACHED_TESTS}))
def test_reply(critique, number):
    assert critique.checklist("Reply", items=[f"Is cache question {{number}} answered?"]).passed
""")
    # The plugin's own cache is off in both runs: the first run's answers come from the judge ...
    first = pytester.runpytest_subprocess(*run_args(gateway, "--critique-cache=off"))
    assert first.parseoutcomes() == {"passed": CACHED_TESTS}, first.stdout.str()
    assert len(gateway.upstream.questions("cache question")) == CACHED_TESTS
    assert report_of(pytester)["totals"]["usage"]["calls"] == CACHED_TESTS

    # ... the second run's from the proxy's cache: the judge sees nothing more, and the run pays nothing.
    # (Both clients send a request's fields in the same order, so they share the proxy's entries:
    # tests/integration/test_gateway_cache_hits.py.)
    again = pytester.runpytest_subprocess(*run_args(gateway, "--critique-cache=off"))
    assert again.parseoutcomes() == {"passed": CACHED_TESTS}, again.stdout.str()
    assert len(gateway.upstream.questions("cache question")) == CACHED_TESTS
    usage = report_of(pytester)["totals"]["usage"]
    assert usage == {"calls": 0, "retries": 0, "cached": CACHED_TESTS, "prompt_tokens": 0,
                     "completion_tokens": 0, "cost": 0.0}
    again.stdout.fnmatch_lines([f"judge openai/{MODEL_NAME} · {CACHED_TESTS} tests · {CACHED_TESTS} verdicts "
                                f"({CACHED_TESTS} cached) · 0 judge calls · 0 tokens*"])


def test_the_proxys_response_cache_is_kept_in_redis(
        gateway: ProxyGateway, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    if gateway.redis is None:
        pytest.skip("redis-server is not installed: the proxy keeps its response cache in memory")
    monkeypatch.setenv("CRITIQUE_API_KEY", OPEN_KEY)
    pytester.makepyfile(test_redis="""
def test_reply(critique):
    assert critique.checklist("Reply", items=["Is the redis question answered?"]).passed
""")
    result = pytester.runpytest_subprocess(*run_args(gateway, "--critique-cache=off"))
    assert result.parseoutcomes() == {"passed": 1}, result.stdout.str()
    # The judge's answer is stored in Redis, where every proxy of the team finds it. (Counting Redis's
    # keys would not tell: the proxy's rate-limit counters come and go in the same database.)
    redis = pytest.importorskip("redis")
    client = redis.Redis(host="127.0.0.1", port=gateway.redis.port)
    try:
        stored = [client.get(key) or b"" for key in client.keys() if client.type(key) == b"string"]
    finally:
        client.close()
    assert any(b"judged: Is the redis question answered?" in value for value in stored)
