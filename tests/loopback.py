"""Loopback OpenAI-compatible chat-completions server for tests and benchmarks.

Starts a stdlib ``ThreadingHTTPServer`` on ``127.0.0.1:<free port>`` in a daemon
thread so that litellm's *real* client can be driven end to end without any
network access::

    from loopback import LoopbackServer, Reply

    with LoopbackServer(latency=0.05) as server:
        server.enqueue(Reply(status=429, headers={"Retry-After": "1"}), "second answer")
        litellm.completion(
            model="openai/anything",
            api_base=server.url,
            api_key="sk-test",
            messages=[{"role": "user", "content": "hi"}],
            num_retries=0,
            max_retries=0,
        )

Replies are taken FIFO from the scripted queue (:meth:`LoopbackServer.enqueue`);
once it is empty the ``handler`` callable is asked (default: ``Reply("OK")``).

Only the standard library is used.
"""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Union

__all__ = ["Reply", "LoopbackServer"]

CHAT_PATHS = frozenset({"/v1/chat/completions", "/chat/completions"})
MODEL_PATHS = frozenset({"/v1/models", "/models"})
MODEL_IDS = ("loopback-model", "gpt-4o-mini", "gpt-4o")


# OpenAI-style error "type"/"code" per HTTP status.
_ERROR_KINDS: dict[int, tuple[str, str]] = {
    400: ("invalid_request_error", "invalid_request"),
    401: ("authentication_error", "invalid_api_key"),
    403: ("permission_error", "permission_denied"),
    404: ("invalid_request_error", "not_found"),
    408: ("timeout_error", "timeout"),
    409: ("conflict_error", "conflict"),
    413: ("invalid_request_error", "request_too_large"),
    422: ("invalid_request_error", "unprocessable_entity"),
    429: ("rate_limit_error", "rate_limit_exceeded"),
    500: ("server_error", "internal_server_error"),
    502: ("server_error", "bad_gateway"),
    503: ("server_error", "service_unavailable"),
    504: ("server_error", "gateway_timeout"),
}


@dataclass
class Reply:
    """One scripted response of the loopback server.

    For ``status != 200`` an OpenAI-style error body
    ``{"error": {"message", "type", "code"}}`` is sent; ``content`` becomes the
    error message unless it is ``None`` or the default ``"OK"``.
    """

    content: str | None = "OK"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    finish_reason: str = "stop"
    body: bytes | None = None
    drop: bool = False
    prompt_tokens: int = 10
    completion_tokens: int = 5
    drip: float = 0.0
    """Seconds between the bytes of the body (headers go at once): a reply that arrives byte by byte."""
    drip_headers: float = 0.0
    """Seconds between the bytes of the status line and headers (then the body at once)."""
    endless: bool = False
    """Answer 200 with a chunked body of garbage that never ends (until the client leaves, or 60 s)."""


ReplyLike = Union[Reply, str]
Handler = Callable[[dict], ReplyLike]


def _default_handler(request: dict) -> ReplyLike:
    return Reply(content="OK")


def _as_reply(value: Any) -> Reply:
    if isinstance(value, Reply):
        return value
    if isinstance(value, str):
        return Reply(content=value)
    raise TypeError(f"loopback handler must return Reply or str, not {type(value).__name__}")


def _error_payload(status: int, message: str | None = None) -> dict:
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    err_type, code = _ERROR_KINDS.get(
        status, ("server_error" if status >= 500 else "invalid_request_error", str(status))
    )
    return {
        "error": {
            "message": message or f"Loopback error: HTTP {status} {phrase}",
            "type": err_type,
            "code": code,
            "param": None,
        }
    }


class _Dropped(Exception):
    """Internal: the connection was (or must be) closed without a response."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive with Content-Length
    server_version = "LoopbackOpenAI/1.0"
    sys_version = ""
    # Headers and body go out in separate writes: without this the body waits for a delayed ACK.
    disable_nagle_algorithm = True
    server: "_Server"

    # ------------------------------------------------------------ plumbing
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass  # silence the default stderr request log

    def setup(self) -> None:
        super().setup()
        self.server.owner._track(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        except OSError:
            pass
        finally:
            self.server.owner._untrack(self.connection)

    def handle_one_request(self) -> None:
        try:
            super().handle_one_request()
        except _Dropped:
            self.close_connection = True
        except (ConnectionError, BrokenPipeError, TimeoutError, OSError):
            # Client went away (e.g. its timeout fired during our delay).
            self.close_connection = True

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                size_line = self.rfile.readline(65537)
                if not size_line:
                    break
                size = int(size_line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    # trailers until blank line
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline(65537)  # CRLF after chunk
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None,
              content_type: str = "application/json", drip: float = 0.0) -> None:
        self.send_response(status)
        extra = dict(headers or {})
        lower = {k.lower() for k in extra}
        if "content-type" not in lower:
            self.send_header("Content-Type", content_type)
        for key, value in extra.items():
            if key.lower() != "content-length":
                self.send_header(key, str(value))
        self.send_header("Content-Length", str(len(body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if drip <= 0:
            self.wfile.write(body)
            self.wfile.flush()
            return
        self.wfile.flush()
        for index in range(len(body)):
            if not self.server.owner._sleep(drip):
                self._drop()
            self.wfile.write(body[index:index + 1])
            self.wfile.flush()

    def _send_json(self, status: int, obj: Any, headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(obj).encode("utf-8"), headers)

    def _drop(self) -> None:
        """Close the socket abruptly (RST) without sending anything."""
        sock = self.connection
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        try:
            sock.close()
        except OSError:
            pass
        raise _Dropped()

    def _path(self) -> str:
        path = self.path.split("?", 1)[0]
        if "://" in path:  # absolute-form request target
            path = "/" + path.split("://", 1)[1].partition("/")[2]
        return path.rstrip("/") or "/"

    # ------------------------------------------------------------ routes
    def do_GET(self) -> None:  # noqa: N802
        path = self._path()
        if path in MODEL_PATHS:
            created = int(time.time())
            self._send_json(200, {
                "object": "list",
                "data": [
                    {"id": mid, "object": "model", "created": created, "owned_by": "loopback"}
                    for mid in MODEL_IDS
                ],
            })
        else:
            self._not_found()

    def do_POST(self) -> None:  # noqa: N802
        raw = self._read_body()
        path = self._path()
        if path not in CHAT_PATHS:
            self._not_found()
            return
        owner = self.server.owner
        try:
            request = json.loads(raw.decode("utf-8")) if raw else {}
            if not isinstance(request, dict):
                raise ValueError("request body is not a JSON object")
        except (ValueError, UnicodeDecodeError) as exc:
            owner._record({"_invalid_body": raw.decode("utf-8", "replace")}, dict(self.headers.items()))
            self._send_json(400, _error_payload(400, f"Invalid JSON body: {exc}"))
            return
        owner._record(request, dict(self.headers.items()))

        try:
            reply = owner._next_reply(request)
        except Exception as exc:  # handler bug -> visible 500
            owner.errors.append(exc)
            reply = Reply(status=500, content=f"loopback handler raised {type(exc).__name__}: {exc}")

        if not owner._sleep(owner.latency + max(0.0, reply.delay)):
            self._drop()  # server is stopping
        if reply.drop:
            self._drop()

        if reply.endless:
            self._send_endless(reply)
            return
        if reply.drip_headers > 0:
            self._send_dripping_headers(reply, request.get("model") or "loopback-model")
            return
        if reply.body is not None:
            self._send(reply.status, reply.body, reply.headers, drip=reply.drip)
            return
        if reply.status != 200:
            message = reply.content if reply.content not in (None, "OK") else None
            self._send_json(reply.status, _error_payload(reply.status, message), reply.headers)
            return
        model = request.get("model") or "loopback-model"
        if request.get("stream"):
            self._send_stream(request, reply, model)
        else:
            body = json.dumps(owner._completion(reply, model)).encode("utf-8")
            self._send(200, body, reply.headers, drip=reply.drip)

    def _send_dripping_headers(self, reply: Reply, model: str) -> None:
        owner = self.server.owner
        body = json.dumps(owner._completion(reply, model)).encode("utf-8")
        head = (f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Padding: {'p' * 200}\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode("ascii")
        for index in range(len(head)):
            if not owner._sleep(reply.drip_headers):
                self._drop()
            self.wfile.write(head[index:index + 1])
        self.wfile.write(body)

    def _send_endless(self, reply: Reply) -> None:
        owner = self.server.owner
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        chunk = b"%x\r\n%s\r\n" % (65536, b"x" * 65536)
        stop = time.monotonic() + 60
        while time.monotonic() < stop and not owner._stop.is_set():
            self.wfile.write(chunk)
            with owner._lock:
                owner.bytes_sent += 65536
        self.close_connection = True

    def _send_stream(self, request: dict, reply: Reply, model: str) -> None:
        owner = self.server.owner
        cid, created = owner._new_id(), int(time.time())

        def chunk(delta: dict, finish: str | None, usage: dict | None = None) -> bytes:
            obj: dict[str, Any] = {
                "id": cid, "object": "chat.completion.chunk", "created": created, "model": model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            }
            if usage is not None:
                obj["choices"] = []
                obj["usage"] = usage
            return b"data: " + json.dumps(obj).encode("utf-8") + b"\n\n"

        parts = [chunk({"role": "assistant", "content": ""}, None)]
        if reply.content:
            parts.append(chunk({"content": reply.content}, None))
        parts.append(chunk({}, reply.finish_reason))
        if (request.get("stream_options") or {}).get("include_usage"):
            parts.append(chunk({}, None, owner._usage(reply)))
        parts.append(b"data: [DONE]\n\n")
        self._send(200, b"".join(parts), reply.headers, content_type="text/event-stream")

    def _not_found(self) -> None:
        self._send_json(404, _error_payload(404, f"Unknown path {self.command} {self.path}"))


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128
    owner: "LoopbackServer"

    def server_bind(self) -> None:
        # Skip HTTPServer.server_bind's socket.getfqdn() (slow without DNS).
        import socketserver

        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = host, port

    def handle_error(self, request: Any, client_address: Any) -> None:
        import sys

        exc = sys.exc_info()[1]
        if exc is not None and not isinstance(exc, (OSError, _Dropped)):
            self.owner.errors.append(exc)


class LoopbackServer:
    """Loopback OpenAI-compatible ``/v1/chat/completions`` server.

    Attributes:
        url: ``http://127.0.0.1:<port>/v1`` once started.
        requests: parsed JSON body of every chat-completion POST, arrival order.
        request_headers: headers of each of those POSTs, same order.
        errors: exceptions raised inside the server (e.g. by ``handler``).
    """

    def __init__(self, handler: Handler | None = None, latency: float = 0.0) -> None:
        self.handler: Handler = handler or _default_handler
        self.latency = float(latency)
        self.url = ""
        self.host = "127.0.0.1"
        self.port = 0
        self.requests: list[dict] = []
        self.request_headers: list[dict[str, str]] = []
        self.errors: list[BaseException] = []
        self.bytes_sent = 0
        """Body bytes an endless reply sent before the client left."""
        self._queue: deque[ReplyLike] = deque()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._conns: set[socket.socket] = set()
        self._counter = 0

    # ------------------------------------------------------------ public API
    def enqueue(self, *replies: ReplyLike) -> None:
        """Script replies, consumed FIFO before ``handler`` is consulted."""
        for reply in replies:
            _as_reply(reply)  # validate early
        with self._lock:
            self._queue.extend(replies)

    @property
    def calls(self) -> int:
        """Number of chat-completion POSTs received."""
        with self._lock:
            return len(self.requests)

    @property
    def pending(self) -> int:
        """Number of scripted replies not yet consumed."""
        with self._lock:
            return len(self._queue)

    def start(self) -> "LoopbackServer":
        if self._server is not None:
            return self
        self._stop.clear()
        server = _Server(("127.0.0.1", 0), _Handler)
        server.owner = self
        self._server = server
        self.port = server.server_address[1]
        self.url = f"http://{self.host}:{self.port}/v1"
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05},
            name=f"loopback-openai-{self.port}", daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        self._stop.set()  # wakes handlers sleeping in delay/latency
        server.shutdown()
        server.server_close()
        # Unblock handler threads parked on idle keep-alive connections.
        with self._lock:
            conns = list(self._conns)
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> "LoopbackServer":
        return self.start()

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<LoopbackServer url={self.url!r} calls={self.calls}>"

    # ------------------------------------------------------------ internals
    def _track(self, conn: socket.socket) -> None:
        with self._lock:
            self._conns.add(conn)

    def _untrack(self, conn: socket.socket) -> None:
        with self._lock:
            self._conns.discard(conn)

    def _record(self, request: dict, headers: dict[str, str]) -> None:
        with self._lock:
            self.requests.append(request)
            self.request_headers.append(headers)

    def _next_reply(self, request: dict) -> Reply:
        with self._lock:
            scripted = self._queue.popleft() if self._queue else None
        if scripted is not None:
            return _as_reply(scripted)
        return _as_reply(self.handler(request))

    def _sleep(self, seconds: float) -> bool:
        """Sleep interruptibly; False if the server is stopping."""
        if seconds <= 0:
            return not self._stop.is_set()
        return not self._stop.wait(seconds)

    def _new_id(self) -> str:
        with self._lock:
            self._counter += 1
            return f"chatcmpl-loopback-{self._counter}"

    @staticmethod
    def _usage(reply: Reply) -> dict:
        return {
            "prompt_tokens": reply.prompt_tokens,
            "completion_tokens": reply.completion_tokens,
            "total_tokens": reply.prompt_tokens + reply.completion_tokens,
        }

    def _completion(self, reply: Reply, model: str) -> dict:
        return {
            "id": self._new_id(),
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "system_fingerprint": "fp_loopback",
            "choices": [{
                "index": 0,
                "message": {"role": "assistant", "content": reply.content},
                "logprobs": None,
                "finish_reason": reply.finish_reason,
            }],
            "usage": self._usage(reply),
        }
