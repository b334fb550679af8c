"""The judge's API key reaches the judge's Authorization header and nowhere else: not the cache,
the JSON report, the JUnit XML, pytest's output, nor the messages of a failing judge.

tests/integration/test_litellm_judge.py::test_api_key_never_reaches_cache_report_or_output covers
one in-process-worker run with a healthy judge; this file adds xdist workers, failing and
UNSCORED judges, verbose and local-variable output, and servers that echo the key back.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from fault_cases import MODEL, verdict_json
from loopback import LoopbackServer, Reply
from reliability_support import cache_entries

from pytest_critique import Critic, UnscoredError
from pytest_critique.runtime import Runtime

pytestmark = pytest.mark.usefixtures("judge_client")  # each test against plain HTTP and litellm

litellm = pytest.importorskip("litellm")  # imported once here, not by each in-process run

PLANTED = "sk-PLANTED-" + "5e1f0a7c" * 4
SUITE = """
import pytest


def test_pass(critique):
    assert critique.checklist("a fox haiku", items=["Does it mention a fox?"]).passed

def test_fail(critique):
    secret_looking_local = critique.settings
    assert critique.checklist("a fox haiku", items=["Does it rhyme?"]).passed

def test_unscored(critique):
    assert critique.checklist("a fox haiku", items=["Is the server down?"]).passed

def test_babble(critique):
    assert critique.checklist("a fox haiku", items=["Does the judge babble?"]).passed
"""


def judge(request: dict[str, Any]) -> Reply | str:
    prompt = request["messages"][1]["content"]
    if "server down" in prompt:
        return Reply(status=503, headers={"Retry-After": "0"})
    if "babble" in prompt:
        return "What a lovely haiku."
    return verdict_json("YES" if "fox?" in prompt else "NO", "judged")


def authorization(server: LoopbackServer) -> set[str]:
    return {value for headers in server.request_headers for name, value in headers.items()
            if name.lower() == "authorization"}


def files_holding(root: Path, secret: str) -> list[str]:
    return [str(path.relative_to(root)) for path in root.rglob("*")
            if path.is_file() and secret.encode() in path.read_bytes()]


def test_key_stays_out_of_everything_under_xdist_with_failing_judges(
        pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRITIQUE_API_KEY", PLANTED)
    pytester.makepyfile(test_secret=SUITE)
    with LoopbackServer(handler=judge) as server:
        result = pytester.runpytest_subprocess(
            "-n", "2", f"--critique-model={MODEL}", f"--critique-api-base={server.url}", "--critique-retries=1",
            "--critique-report=report.json", "--junitxml=junit.xml", "-rA", "-vv", "-l", "--tb=long",
            "-p", "no:cacheprovider")
    assert result.parseoutcomes() == {"passed": 1, "failed": 1, "unscored": 2}
    assert authorization(server) == {f"Bearer {PLANTED}"}  # the key was really used
    output = result.stdout.str() + result.stderr.str()
    assert PLANTED not in output
    assert "Bearer" not in output
    assert files_holding(pytester.path, PLANTED) == []
    assert len(cache_entries(pytester.path / ".critique_cache")) == 2
    report = json.loads((pytester.path / "report.json").read_text(encoding="utf-8"))
    assert {entry["nodeid"].split("::")[1] for entry in report["totals"]["unscored"]} == {"test_unscored",
                                                                                          "test_babble"}


# ---------------------------------------------------------------- failing judges, in process

FAILURES = {
    "401": Reply(status=401),
    "500": Reply(status=500),
    "timeout": Reply(content=verdict_json("YES"), delay=1.0),
    "unparseable": Reply(content="Sure."),
    "truncated": Reply(content='{"reasoning": "', finish_reason="length"),
}
ECHOES = {
    "401-echo": Reply(status=401, content=f"Incorrect API key provided: {PLANTED}"),
    "500-echo-header": Reply(status=500, content=f"upstream rejected headers {{'Authorization': 'Bearer {PLANTED}'}}"),
    "400-echo": Reply(status=400, content=f"invalid request: api_key={PLANTED} is not allowed here"),
}
ECHO_BUG = ("bug: backends/litellm_backend.py LiteLLMBackend._describe copies the first line of the exception "
            "(the server's error message) into the UNSCORED reason; a server that echoes the key leaks it into "
            "the reason, the report and pytest's output")


def unscored_with(reply: Reply, tmp_path: Path) -> tuple[UnscoredError, LoopbackServer]:
    with LoopbackServer(handler=lambda request: reply) as server:
        critic = Critic(model=MODEL, api_base=server.url, api_key=PLANTED, retries=1, timeout=0.3,
                        cache_dir=str(tmp_path / "cache"), runtime=Runtime(tmp_path))
        with pytest.raises(UnscoredError) as caught:
            critic.checklist("a fox haiku", items=["Does it rhyme?"])
    return caught.value, server


def leaks(error: UnscoredError, tmp_path: Path) -> list[str]:
    found = []
    if PLANTED in str(error):
        found.append("message")
    if PLANTED in error.verdict.model_dump_json():
        found.append("verdict")
    if files_holding(tmp_path, PLANTED):
        found.append("files")
    return found


@pytest.mark.parametrize("name", list(FAILURES))
def test_a_failing_judge_does_not_put_the_key_in_its_reason(tmp_path: Path, name: str) -> None:
    error, server = unscored_with(FAILURES[name], tmp_path)
    assert authorization(server) == {f"Bearer {PLANTED}"}
    assert leaks(error, tmp_path) == []


@pytest.mark.parametrize("name", [name
                                  for name in ECHOES])
def test_a_server_echoing_the_key_does_not_leak_it(tmp_path: Path, name: str) -> None:
    error, _ = unscored_with(ECHOES[name], tmp_path)
    assert leaks(error, tmp_path) == []


def test_unreachable_judge_message_holds_no_key(tmp_path: Path) -> None:
    with LoopbackServer() as gone:
        url = gone.url
    critic = Critic(model=MODEL, api_base=url, api_key=PLANTED, retries=0, timeout=2.0,
                    cache_dir=str(tmp_path / "cache"), runtime=Runtime(tmp_path))
    with pytest.raises(UnscoredError, match="could not reach judge") as caught:
        critic.checklist("a fox haiku", items=["Does it rhyme?"])
    assert leaks(caught.value, tmp_path) == []


def test_the_key_is_not_in_reprs_users_may_print(tmp_path: Path) -> None:
    critic = Critic(model=MODEL, api_base="http://127.0.0.1:9/v1", api_key=PLANTED, cache_dir=str(tmp_path),
                    runtime=Runtime(tmp_path))
    backend = critic.runtime.backend(critic.settings)
    shown = [repr(critic.settings), str(critic.settings), repr(backend), repr(critic)]
    assert not [text for text in shown if PLANTED in text]


def test_a_server_echoing_the_key_does_not_leak_it_through_pytest(
        pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRITIQUE_API_KEY", PLANTED)
    pytester.makepyfile(test_echo="""
def test_echo(critique):
    assert critique.checklist("a fox haiku", items=["Does it rhyme?"]).passed
""")
    with LoopbackServer(handler=lambda request: ECHOES["401-echo"]) as server:
        result = pytester.runpytest(f"--critique-model={MODEL}", f"--critique-api-base={server.url}",
                                    "--critique-report=report.json", "-rA", "-p", "no:cacheprovider")
    assert result.parseoutcomes() == {"unscored": 1}
    assert re.search("judge call not possible", result.stdout.str())
    assert PLANTED not in result.stdout.str() + result.stderr.str()
    assert files_holding(pytester.path, PLANTED) == []
