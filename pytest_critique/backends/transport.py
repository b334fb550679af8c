"""Bounds on one judge request at the HTTP layer: a wall-clock deadline and a reply size cap.

httpx's timeouts bound each socket operation, not a reply: a server sending one byte every
0.2 s never trips a 3-second read timeout, and one streaming garbage without end fills memory.
litellm talks HTTP through httpx's ``HTTPTransport`` for every provider it serves synchronously,
so the judge's thread marks its request with :func:`bounded` and a wrapper around
``HTTPTransport.handle_request`` applies the bounds to requests made under that mark only
(other httpx clients in the process, the application's included, are left exactly as they are):

- every phase's timeout is cut to the time left before the deadline;
- the sockets the request uses are closed when the deadline passes or the run is interrupted,
  which ends a read that is still receiving bytes;
- the reply body is counted as it arrives, decoded (gzip and deflate are the only encodings
  asked for, and counted as they inflate), and cut off past the size cap.

:func:`run_bounded` also runs each request on a thread of its own, so the caller waits no longer
than the deadline even where these bounds cannot reach (headers dripped on a kept-alive connection).
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
import zlib
from typing import Any, Callable, Iterator


class _State:
    """What the installed wrapper and this module share; kept on the wrapper, so a second import of
    this module (pytester's in-process runs re-import plugins) adopts it instead of wrapping twice."""

    def __init__(self) -> None:
        self.local = threading.local()
        self.active: set[CallLimits] = set()
        self.lock = threading.Lock()
        self.interrupted = threading.Event()


_state = _State()
_install_lock = threading.Lock()


class LimitExceeded(Exception):
    """The reply passed the deadline or the size cap (the limits object says which)."""


class CallLimits:
    """The bounds of one judge request and what was observed of it."""

    def __init__(self, seconds: float, max_bytes: int):
        self.seconds = seconds
        self.max_bytes = max_bytes
        self.deadline = time.monotonic() + seconds
        self.received = 0
        self.tripped: str | None = None
        """``deadline``, ``size``, ``encoding`` or ``interrupted`` once a bound ended the request."""
        self.status: int | None = None
        self.content_type = ""
        self.head = b""
        """The first bytes of the reply body, decoded (to say what a reply that is not JSON was)."""
        self.encoding = ""
        self.complete = False
        """The whole reply body arrived (a failure after that is about what it says, not how it came)."""
        self._inflate: Any = None
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def check(self) -> None:
        if self.tripped is None and self.remaining() <= 0:
            self.tripped = "deadline"
        if self.tripped is not None:
            raise LimitExceeded(self.tripped)

    def expect_encoding(self, encoding: str) -> None:
        """Count the reply as it will be decoded: a small compressed body may inflate without bound."""
        encoding = encoding.strip().lower()
        if encoding in ("gzip", "x-gzip"):
            self._inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            self._inflate = zlib.decompressobj()
        elif encoding not in ("", "identity"):
            self.tripped = self.tripped or "encoding"
            self.encoding = encoding

    def count(self, chunk: bytes) -> None:
        size, decoded = (len(chunk), chunk) if self._inflate is None else self._inflated(chunk)
        self.received += size
        if len(self.head) < 200:
            self.head += decoded[: 200 - len(self.head)]
        if self.received > self.max_bytes and self.tripped is None:
            self.tripped = "size"
        self.check()

    def _inflated(self, chunk: bytes) -> tuple[int, bytes]:
        """How many bytes ``chunk`` inflates to (counted 64 KiB at a time, stopping past the cap), and the first."""
        try:
            first = self._inflate.decompress(chunk, 65536)
            total = len(first)
            while self._inflate.unconsumed_tail and self.received + total <= self.max_bytes:
                total += len(self._inflate.decompress(self._inflate.unconsumed_tail, 65536))
            return total, first
        except zlib.error:
            self._inflate = None  # not valid compressed data: httpx says so when it decodes
            return len(chunk), b""

    def watch(self, stream: Any) -> None:
        """Remember the socket under an httpcore network stream, to close it at the deadline."""
        try:
            sock = stream.get_extra_info("socket")
        except Exception:  # noqa: BLE001 - an unknown stream: the other bounds still apply
            return
        if not isinstance(sock, socket.socket):
            return
        with self._lock:
            self._sockets.append(sock)
            tripped = self.tripped is not None
        if tripped:
            _shut(sock)

    def expire(self, why: str = "deadline") -> None:
        with self._lock:
            if self.tripped is None:
                self.tripped = why
            sockets = list(self._sockets)
        for sock in sockets:
            _shut(sock)



def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


def _install() -> None:
    global _state
    import httpx

    with _install_lock:
        installed = getattr(httpx.HTTPTransport.handle_request, "_critique_state", None)
        if installed is not None:
            _state = installed
            return
        state = _state

        class BoundedStream(httpx.SyncByteStream):
            """A response body stream that counts bytes and watches the clock."""

            def __init__(self, inner: Any, limits: CallLimits):
                self._inner = inner
                self._limits = limits

            def __iter__(self) -> Iterator[bytes]:
                for chunk in self._inner:
                    self._limits.count(chunk)
                    yield chunk
                self._limits.complete = True

            def close(self) -> None:
                self._inner.close()

        original = httpx.HTTPTransport.handle_request

        def handle_request(self: Any, request: Any) -> Any:
            limits: CallLimits | None = getattr(state.local, "limits", None)
            if limits is None:
                return original(self, request)
            limits.check()
            left = max(limits.remaining(), 0.001)
            timeout = dict(request.extensions.get("timeout") or {})
            for phase in ("connect", "read", "write", "pool"):
                given = timeout.get(phase)
                timeout[phase] = left if given is None else min(given, left)
            request.extensions["timeout"] = timeout
            request.headers["Accept-Encoding"] = "gzip, deflate"  # encodings whose decoded size is counted
            user_trace = request.extensions.get("trace")

            def trace(event: str, info: dict[str, Any]) -> None:
                if event.endswith(("connect_tcp.complete", "start_tls.complete")) and "return_value" in info:
                    limits.watch(info["return_value"])
                if user_trace is not None:
                    user_trace(event, info)

            request.extensions["trace"] = trace
            response = original(self, request)
            stream = response.extensions.get("network_stream")
            if stream is not None:
                limits.watch(stream)
            limits.status = response.status_code
            limits.content_type = response.headers.get("content-type", "")
            limits.expect_encoding(response.headers.get("content-encoding", ""))
            response.stream = BoundedStream(response.stream, limits)
            return response

        handle_request._critique_state = state  # type: ignore[attr-defined]
        httpx.HTTPTransport.handle_request = handle_request  # type: ignore[method-assign]


@contextlib.contextmanager
def bounded(seconds: float, max_bytes: int) -> Iterator[CallLimits]:
    """Apply a deadline and a size cap to the HTTP requests this thread makes inside the block."""
    _install()
    state = _state
    limits = CallLimits(seconds, max_bytes)
    with state.lock:
        state.active.add(limits)
        # Checked once registered: an interrupt either finds these limits in the active set or was
        # already signalled here (checked before registering, one could slip between the two).
        if state.interrupted.is_set():
            limits.tripped = "interrupted"
    previous = getattr(state.local, "limits", None)
    state.local.limits = limits
    try:
        yield limits
    finally:
        state.local.limits = previous
        with state.lock:
            state.active.discard(limits)


_GRACE = 1.0
"""Seconds past the deadline the caller waits for a request whose sockets were closed to end."""


def run_bounded(request: Callable[[], Any], seconds: float, max_bytes: int) -> tuple[Any, CallLimits | None]:
    """Run ``request`` on its own thread under :func:`bounded`; the caller waits no longer than the deadline.

    The bounds end the request itself in every case but one: a server dripping the headers of a
    reply on a connection kept alive from an earlier request (the socket is not known until the
    headers are in).  The caller then leaves the request behind, marked as expired, and goes on;
    its daemon thread ends when the connection does.  Raises what the request raised, with the
    limits attached as ``exc.critique_limits``.
    """
    outcome: dict[str, Any] = {}
    finished = threading.Event()

    def attempt() -> None:
        try:
            with bounded(seconds, max_bytes) as limits:
                outcome["limits"] = limits
                outcome["value"] = request()
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting thread
            outcome["error"] = exc
        finally:
            finished.set()

    thread = threading.Thread(target=attempt, name="critique-request", daemon=True)
    thread.start()
    try:
        if not finished.wait(seconds):
            # The deadline: close the request's sockets, which ends a read still receiving bytes, and
            # give it a moment to come back with that; past it the request is left behind.
            limits = outcome.get("limits")
            if limits is not None:
                limits.expire("deadline")
            if not finished.wait(_GRACE):
                error = LimitExceeded("deadline")
                error.critique_limits = limits  # type: ignore[attr-defined]
                raise error
    except KeyboardInterrupt:
        interrupt_all()
        raise
    if "error" in outcome:
        error = outcome["error"]
        try:
            error.critique_limits = outcome.get("limits")
        except AttributeError:
            pass
        raise error
    return outcome["value"], outcome.get("limits")


def pause(seconds: float) -> bool:
    """Wait between retries; False at once when the run is interrupted."""
    return not _state.interrupted.wait(seconds)


def interrupted() -> bool:
    return _state.interrupted.is_set()


def reset() -> None:
    """A new run starts: requests may go out again."""
    _state.interrupted.clear()


def interrupt_all() -> None:
    """End every judge request in flight now, and every wait between retries (the run was interrupted)."""
    _state.interrupted.set()
    with _state.lock:
        active = list(_state.active)
    for limits in active:
        limits.expire("interrupted")


def _adopt_installed() -> None:
    """After a re-import: share the state of the wrapper already installed, if any."""
    global _state
    import sys

    httpx = sys.modules.get("httpx")
    installed = getattr(getattr(httpx, "HTTPTransport", None), "handle_request", None)
    state = getattr(installed, "_critique_state", None)
    if state is not None:  # not isinstance: after a re-import _State is another class
        _state = state


_adopt_installed()
