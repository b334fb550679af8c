"""Tests for tests/loopback.py, driven through litellm's real OpenAI client."""

from __future__ import annotations

import http.client
import json
import os
import sys
import threading
import time
from pathlib import Path

os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx  # noqa: E402
import litellm  # noqa: E402
import pytest  # noqa: E402

from loopback import LoopbackServer, Reply  # noqa: E402

litellm.suppress_debug_info = True

MESSAGES = [
    {"role": "system", "content": "You are a judge."},
    {"role": "user", "content": "Does the test check the edge case?"},
]


@pytest.fixture
def server():
    with LoopbackServer() as srv:
        yield srv


def complete(srv: LoopbackServer, timeout: float = 5.0, **kwargs):
    return litellm.completion(
        model="openai/loopback-test",
        api_base=srv.url,
        api_key="sk-test",
        messages=kwargs.pop("messages", MESSAGES),
        num_retries=0,
        max_retries=0,
        timeout=timeout,
        **kwargs,
    )


# --------------------------------------------------------------- happy path
def test_url_is_loopback_with_free_port(server):
    assert server.url.startswith("http://127.0.0.1:")
    assert server.url.endswith("/v1")
    assert server.port > 0
    assert server.calls == 0


def test_normal_reply(server):
    server.enqueue(Reply(content="YES: covered", prompt_tokens=42, completion_tokens=7))
    resp = complete(server)
    choice = resp.choices[0]
    assert choice.message.content == "YES: covered"
    assert choice.message.role == "assistant"
    assert choice.finish_reason == "stop"
    assert resp.usage.prompt_tokens == 42
    assert resp.usage.completion_tokens == 7
    assert resp.usage.total_tokens == 49
    assert server.calls == 1


def test_default_handler_answers_ok(server):
    assert complete(server).choices[0].message.content == "OK"
    assert complete(server).choices[0].message.content == "OK"
    assert server.calls == 2


def test_request_body_and_headers_recorded(server):
    complete(server, temperature=0.0)
    assert len(server.requests) == len(server.request_headers) == 1
    body = server.requests[0]
    assert body["messages"] == MESSAGES
    assert body["model"] == "loopback-test"
    assert body["temperature"] == 0.0
    headers = {k.lower(): v for k, v in server.request_headers[0].items()}
    assert headers["authorization"] == "Bearer sk-test"


def test_enqueue_is_fifo_then_handler():
    seen = []

    def handler(request):
        seen.append(request["messages"][-1]["content"])
        return "from handler"

    with LoopbackServer(handler=handler) as srv:
        srv.enqueue("first", Reply(content="second"))
        out = [
            complete(srv, messages=[{"role": "user", "content": f"q{i}"}]).choices[0].message.content
            for i in range(3)
        ]
        assert out == ["first", "second", "from handler"]
        assert seen == ["q2"]  # handler only consulted once the queue is empty
        assert srv.calls == 3
        assert srv.pending == 0


def test_handler_exception_becomes_500():
    def handler(request):
        raise RuntimeError("boom")

    with LoopbackServer(handler=handler) as srv:
        with pytest.raises(litellm.InternalServerError):
            complete(srv)
        assert len(srv.errors) == 1 and isinstance(srv.errors[0], RuntimeError)


def test_finish_reason_length(server):
    server.enqueue(Reply(content="truncated answ", finish_reason="length"))
    resp = complete(server)
    assert resp.choices[0].finish_reason == "length"
    assert resp.choices[0].message.content == "truncated answ"


@pytest.mark.parametrize("content", ["", None])
def test_empty_content_does_not_raise(server, content):
    server.enqueue(Reply(content=content))
    resp = complete(server)
    assert resp.choices[0].message.content == content
    assert server.calls == 1


def test_streaming(server):
    server.enqueue(Reply(content="streamed text", finish_reason="length"))
    chunks = list(complete(server, stream=True, stream_options={"include_usage": True}))
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "streamed text"
    assert "length" in [c.choices[0].finish_reason for c in chunks if c.choices]
    assert server.requests[0]["stream"] is True


# --------------------------------------------------------------- faults
def test_rate_limit_with_retry_after(server):
    server.enqueue(Reply(status=429, content="slow down", headers={"Retry-After": "1"}))
    with pytest.raises(litellm.RateLimitError) as info:
        complete(server)
    assert info.value.status_code == 429
    assert "slow down" in str(info.value)
    assert info.value.litellm_response_headers.get("retry-after") == "1"
    assert server.calls == 1


@pytest.mark.parametrize(
    ("status", "exc_type"),
    [
        (400, litellm.BadRequestError),
        (401, litellm.AuthenticationError),
        (500, litellm.InternalServerError),
        (502, litellm.BadGatewayError),
        (503, litellm.ServiceUnavailableError),
    ],
)
def test_http_errors(server, status, exc_type):
    server.enqueue(Reply(status=status))
    with pytest.raises(exc_type) as info:
        complete(server)
    assert type(info.value) is exc_type
    assert info.value.status_code == status
    assert server.calls == 1


def test_exception_hierarchy():
    # NB: none of litellm's per-status exceptions subclass litellm.APIError;
    # their common base is openai.APIError (5xx/429 via openai.APIStatusError,
    # Timeout via openai.APIConnectionError).
    import openai

    for exc in (litellm.InternalServerError, litellm.BadGatewayError,
                litellm.ServiceUnavailableError, litellm.RateLimitError):
        assert issubclass(exc, openai.APIStatusError)
        assert not issubclass(exc, litellm.APIError)
    assert issubclass(litellm.Timeout, openai.APIConnectionError)
    assert not issubclass(litellm.InternalServerError, litellm.APIConnectionError)
    for exc in (litellm.Timeout, litellm.APIConnectionError, litellm.InternalServerError):
        assert issubclass(exc, openai.APIError)


@pytest.mark.parametrize("body", [b"{not json", b"", b"<html>oops</html>", b"{}"])
def test_malformed_body(server, body):
    server.enqueue(Reply(body=body))
    with pytest.raises(litellm.InternalServerError) as info:
        complete(server)
    assert type(info.value) is litellm.InternalServerError
    assert server.calls == 1


def test_delay_longer_than_timeout(server):
    server.enqueue(Reply(delay=3.0))
    start = time.monotonic()
    with pytest.raises(litellm.Timeout):
        complete(server, timeout=0.3)
    assert time.monotonic() - start < 2.0
    assert server.calls == 1
    # server keeps serving after the client gave up
    assert complete(server).choices[0].message.content == "OK"


def test_dropped_connection(server):
    server.enqueue(Reply(drop=True))
    with pytest.raises(litellm.InternalServerError) as info:
        complete(server)
    # litellm wraps openai.APIConnectionError("Connection error.") for the
    # openai provider as InternalServerError (status 500), not APIConnectionError.
    assert type(info.value) is litellm.InternalServerError
    assert "Connection error" in str(info.value)
    assert server.calls == 1
    assert complete(server).choices[0].message.content == "OK"


# --------------------------------------------------------------- server mechanics
def test_concurrent_requests_are_parallel():
    with LoopbackServer(latency=0.3) as srv:
        results: list[str] = []
        errors: list[BaseException] = []

        def worker():
            try:
                results.append(complete(srv).choices[0].message.content)
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=worker) for _ in range(8)]
        start = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join(10)
        elapsed = time.monotonic() - start
        assert not errors
        assert results == ["OK"] * 8
        assert srv.calls == 8
        assert elapsed < 1.0, f"8 requests at 0.3 s latency took {elapsed:.2f} s"


def test_models_and_unknown_paths(server):
    with httpx.Client() as client:
        models = client.get(f"{server.url}/models")
        assert models.status_code == 200
        assert models.json()["object"] == "list" and models.json()["data"]
        missing = client.get(f"{server.url}/nope")
        assert missing.status_code == 404
        assert "error" in missing.json()
        not_chat = client.post(f"{server.url}/embeddings", json={"input": "x"})
        assert not_chat.status_code == 404
        bad_json = client.post(f"{server.url}/chat/completions", content=b"{oops",
                               headers={"Content-Type": "application/json"})
        assert bad_json.status_code == 400
    assert server.calls == 1  # only the chat-completions POST counts


def test_both_chat_paths_and_completion_shape(server):
    root = server.url[: -len("/v1")]
    with httpx.Client() as client:
        for url in (f"{server.url}/chat/completions", f"{root}/chat/completions"):
            data = client.post(url, json={"model": "m1", "messages": MESSAGES}).json()
            assert data["object"] == "chat.completion"
            assert data["model"] == "m1"
            assert data["id"] and isinstance(data["created"], int)
            assert data["choices"][0]["message"] == {"role": "assistant", "content": "OK"}
            assert data["choices"][0]["finish_reason"] == "stop"
            assert data["usage"] == {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}
    assert server.calls == 2


def test_error_body_shape(server):
    server.enqueue(Reply(status=429, headers={"Retry-After": "2"}))
    resp = httpx.post(f"{server.url}/chat/completions", json={"model": "m", "messages": []})
    assert resp.status_code == 429
    assert resp.headers["retry-after"] == "2"
    err = resp.json()["error"]
    assert set(err) >= {"message", "type", "code"}
    assert err["type"] == "rate_limit_error"


def test_keep_alive_reuses_connection(server):
    host, port = "127.0.0.1", server.port
    conn = http.client.HTTPConnection(host, port, timeout=5)
    try:
        body = json.dumps({"model": "m", "messages": MESSAGES})
        socks = []
        for _ in range(3):
            conn.request("POST", "/v1/chat/completions", body=body,
                         headers={"Content-Type": "application/json"})
            resp = conn.getresponse()
            assert resp.status == 200
            assert json.loads(resp.read())["choices"][0]["message"]["content"] == "OK"
            assert resp.getheader("Connection", "").lower() != "close"
            socks.append(conn.sock)
        assert socks[0] is not None and all(s is socks[0] for s in socks)
    finally:
        conn.close()
    assert server.calls == 3


def test_stop_is_prompt_during_long_delay():
    srv = LoopbackServer().start()
    srv.enqueue(Reply(delay=30))
    outcome: dict = {}

    def client():
        try:
            outcome["resp"] = httpx.post(f"{srv.url}/chat/completions",
                                         json={"model": "m", "messages": []}, timeout=10)
        except httpx.HTTPError as exc:
            outcome["exc"] = exc

    t = threading.Thread(target=client)
    t.start()
    deadline = time.monotonic() + 2
    while srv.calls == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    start = time.monotonic()
    srv.stop()
    assert time.monotonic() - start < 1.0
    t.join(2)
    assert not t.is_alive()
    assert "exc" in outcome  # connection closed without a response
    srv.stop()  # idempotent


def test_stop_with_idle_keep_alive_connection():
    srv = LoopbackServer().start()
    client = httpx.Client()
    try:
        assert client.post(f"{srv.url}/chat/completions",
                           json={"model": "m", "messages": []}).status_code == 200
        start = time.monotonic()
        srv.stop()
        assert time.monotonic() - start < 1.0
    finally:
        client.close()
