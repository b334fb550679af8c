"""OpenTelemetry: with a tracer provider set up, a judged test is a span with one gen_ai.evaluation.result
event per verdict and a child span per judge request (model, tokens, cost); without one, or without
OpenTelemetry imported, nothing is emitted or imported.  Seen through the SDK's in-memory exporter."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from loopback import LoopbackServer, Reply

pytest.importorskip("opentelemetry.sdk", reason="opentelemetry-sdk is not installed (it is in the test extras)")

QUESTION = re.compile(r"<question-[0-9a-f]+>\n(.*?)\n</question-", re.DOTALL)

# The user's set-up: a tracer provider whose spans go to memory, written to a file per process at the end.
CONFTEST = """
import json, os
import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

EXPORTER = InMemorySpanExporter()

def pytest_configure(config):
    if os.environ.get("WITH_PROVIDER"):
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(EXPORTER))
        trace.set_tracer_provider(provider)

@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session):
    # Before an xdist worker says it has finished: the controller may end it before pytest_unconfigure.
    spans = [{"name": s.name, "id": s.context.span_id, "parent": s.parent.span_id if s.parent else None,
              "attributes": dict(s.attributes), "status": s.status.status_code.name,
              "events": [{"name": e.name, "attributes": dict(e.attributes)} for e in s.events]}
             for s in EXPORTER.get_finished_spans()]
    # One file per process (an xdist worker's name can be inherited from an outer run's worker).
    with open(f"spans-{os.getpid()}.json", "w") as handle:
        json.dump(spans, handle)
"""

TESTS = """
def test_good(critique):
    assert critique.checklist("a fox in autumn", items=["Does it mention a fox?", "Does it mention autumn?"]).passed

def test_bad(critique):
    critique.expect.checklist("a fox", items=["Does it mention a fox?", "Does it mention winter?"])

def test_judge_down(critique):
    critique.checklist("a fox", items=["Is the judge down?"])

def test_not_judged():
    pass
"""


def answer(request: dict[str, Any]) -> Reply:
    found = QUESTION.search(request["messages"][-1]["content"])
    question = found.group(1) if found else ""
    if "judge down" in question:
        return Reply(status=503)
    verdict = "NO" if "winter" in question else "YES"
    return Reply(content=json.dumps({"reasoning": "looked", "answer": verdict}), prompt_tokens=120,
                 completion_tokens=9)


def spans(pytester: pytest.Pytester) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for path in pytester.path.glob("spans-*.json"):
        found.extend(json.loads(path.read_text()))
    return found


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["inprocess", "xdist2"])
def test_judged_tests_become_spans_with_evaluation_events(pytester: pytest.Pytester, workers: list[str],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_t=TESTS)
    monkeypatch.setenv("WITH_PROVIDER", "1")
    with LoopbackServer(handler=answer) as server:
        result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--critique-model=openai/loopback-judge",
                                               f"--critique-api-base={server.url}", "--critique-cache=off",
                                               "--critique-retries=0", *workers)
    result.stdout.fnmatch_lines(["*1 failed, 2 passed, 1 unscored*"])
    found = spans(pytester)
    tests = {span["name"]: span for span in found if span["name"].startswith("critique ")}
    assert set(tests) == {"critique test_t.py::test_good", "critique test_t.py::test_bad",
                          "critique test_t.py::test_judge_down"}, "no span for a test that does not judge"

    bad = tests["critique test_t.py::test_bad"]
    assert bad["attributes"]["test.case.result.status"] == "failed"
    [event] = bad["events"]
    assert event["name"] == "gen_ai.evaluation.result"
    assert event["attributes"]["gen_ai.evaluation.name"] == "critique.checklist"
    assert event["attributes"]["gen_ai.evaluation.score.value"] == 0.5
    assert event["attributes"]["gen_ai.evaluation.score.label"] == "fail"
    assert event["attributes"]["gen_ai.evaluation.explanation"] == "1 of 2 checklist items failed"
    good = tests["critique test_t.py::test_good"]
    assert good["attributes"]["test.case.result.status"] == "passed"
    assert good["events"][0]["attributes"]["gen_ai.evaluation.score.label"] == "pass"

    down = tests["critique test_t.py::test_judge_down"]
    assert down["attributes"]["test.case.result.status"] == "unscored"
    assert down["events"][0]["attributes"]["gen_ai.evaluation.score.label"] == "unscored"

    calls = [span for span in found if span["name"] == "chat loopback-judge"]
    assert len(calls) == 5 == len(server.requests), "one span per judge request"
    assert sorted(span["parent"] for span in calls) == sorted([good["id"]] * 2 + [bad["id"]] * 2 + [down["id"]]), \
        "each request's span is a child of the asking test's span (also when judged after the test ended)"
    [failed] = [span for span in calls if span["parent"] == down["id"]]
    assert failed["status"] == "ERROR" and failed["attributes"]["error.type"] == "server_error"
    attributes = next(span for span in calls if span["parent"] == good["id"])["attributes"]
    assert attributes["gen_ai.operation.name"] == "chat" and attributes["gen_ai.provider.name"] == "openai"
    assert attributes["gen_ai.request.model"] == "loopback-judge"
    assert attributes["gen_ai.usage.input_tokens"] == 120 and attributes["gen_ai.usage.output_tokens"] == 9
    assert "critique.cost" in attributes


def test_without_a_tracer_provider_nothing_is_emitted(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_t=TESTS)
    with LoopbackServer(handler=answer) as server:
        result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--critique-model=openai/loopback-judge",
                                               f"--critique-api-base={server.url}", "--critique-cache=off",
                                               "--critique-retries=0")
    result.stdout.fnmatch_lines(["*1 failed, 2 passed, 1 unscored*"])
    assert spans(pytester) == []


def test_without_opentelemetry_imported_the_plugin_never_imports_it(pytester: pytest.Pytester) -> None:
    pytester.makeconftest("""
        import sys

        def pytest_unconfigure(config):
            loaded = sorted(name for name in sys.modules if name.startswith("opentelemetry"))
            open("loaded.txt", "w").write(repr(loaded))
    """)
    pytester.makepyfile(test_t=TESTS)
    with LoopbackServer(handler=answer) as server:
        result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--critique-model=openai/loopback-judge",
                                               f"--critique-api-base={server.url}", "--critique-cache=off",
                                               "--critique-retries=0")
    result.stdout.fnmatch_lines(["*1 failed, 2 passed, 1 unscored*"])
    assert (pytester.path / "loaded.txt").read_text() == "[]"
