"""OpenTelemetry traces of judging, when the run has a tracer provider.

A judged test is a span ``critique <node id>``; each request to a judge is a child span ``chat <model>``
with the GenAI semantic conventions' attributes (operation, model, provider, tokens) and its cost
(``critique.cost``, US dollars); each verdict is one ``gen_ai.evaluation.result`` event on the test's
span (evaluation name, score, label, explanation).

Nothing is imported and nothing is emitted unless ``opentelemetry.trace`` is already imported and its
tracer provider is a real one (set up by the user's conftest, a plugin, or ``opentelemetry-instrument``):
without OpenTelemetry this module costs one dictionary look-up per test.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from typing import Any, Iterator, Mapping

_NOT_SET_UP = ("ProxyTracerProvider", "NoOpTracerProvider")
_spans: dict[str, Any] = {}
"""The open span of each judged test, by node id."""
_lock = threading.Lock()
_tracers: dict[int, Any] = {}


def _tracer() -> Any | None:
    trace = sys.modules.get("opentelemetry.trace")
    if trace is None:
        return None
    provider = trace.get_tracer_provider()
    if type(provider).__name__ in _NOT_SET_UP:
        return None
    tracer = _tracers.get(id(provider))
    if tracer is None:
        version = getattr(sys.modules.get(__package__ or ""), "__version__", None)
        tracer = _tracers[id(provider)] = provider.get_tracer("pytest-critique", version)
    return tracer


def start_test(nodeid: str) -> None:
    """Open the test's span (once per test: a second critic of the same test adds to it)."""
    tracer = _tracer()
    if tracer is None:
        return
    with _lock:
        if nodeid not in _spans:
            _spans[nodeid] = tracer.start_span(f"critique {nodeid}", attributes={"test.case.name": nodeid})


def traced(nodeid: str) -> bool:
    """Whether the test has an open span (so its verdicts' events are worth making)."""
    return nodeid in _spans


def evaluations(nodeid: str, events: list[Mapping[str, Any]]) -> None:
    """One ``gen_ai.evaluation.result`` event per verdict on the test's span (attributes as given)."""
    span = _spans.get(nodeid)
    if span is None:
        return
    for attributes in events:
        span.add_event("gen_ai.evaluation.result",
                       attributes={name: value for name, value in attributes.items() if value is not None})


def outcome(nodeid: str, status: str) -> None:
    """The test's outcome as its span tells it (passed, failed, skipped, unscored)."""
    span = _spans.get(nodeid)
    if span is not None:
        span.set_attribute("test.case.result.status", status)


def end_test(nodeid: str) -> None:
    """Close the test's span once all its reports are out."""
    with _lock:
        span = _spans.pop(nodeid, None)
    if span is not None:
        span.end()


class CallSpan:
    """What a judge call's span is told once the reply is in (nothing when tracing is off)."""

    def __init__(self, span: Any = None):
        self.span = span

    def replied(self, prompt_tokens: int, completion_tokens: int, cost: float, retries: int) -> None:
        if self.span is None:
            return
        self.span.set_attribute("gen_ai.usage.input_tokens", prompt_tokens)
        self.span.set_attribute("gen_ai.usage.output_tokens", completion_tokens)
        self.span.set_attribute("critique.cost", cost)
        self.span.set_attribute("critique.retries", retries)


@contextlib.contextmanager
def judge_call(nodeid: str | None, model: str, task: str) -> Iterator[CallSpan]:
    """A child span of the asking test's span around one judge request (made from any thread)."""
    parent = _spans.get(nodeid) if nodeid else None
    tracer = _tracer() if parent is not None else None
    if tracer is None or parent is None:
        yield CallSpan()
        return
    from opentelemetry import trace

    provider, _, model_name = model.rpartition("/")
    attributes = {"gen_ai.operation.name": "chat", "gen_ai.request.model": model_name or model,
                  "critique.task": task}
    if provider:
        attributes["gen_ai.provider.name"] = provider.split("/")[0]
    with tracer.start_as_current_span(f"chat {model_name or model}", context=trace.set_span_in_context(parent),
                                      attributes=attributes, record_exception=False,
                                      set_status_on_exception=False) as span:
        try:
            yield CallSpan(span)
        except BaseException as failure:
            kind = getattr(failure, "kind", None)
            span.set_attribute("error.type", str(kind or type(failure).__name__))
            span.set_status(trace.Status(trace.StatusCode.ERROR, str(failure)[:200]))
            raise
