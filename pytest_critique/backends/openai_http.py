"""The model judge for OpenAI-compatible servers over plain HTTP: no litellm import on the way.

litellm costs seconds to import, about 250 MB per process and a few milliseconds of CPU per call;
for an ``openai/...`` model at an ``api_base`` (vLLM, Ollama, LM Studio, llama.cpp, a LiteLLM
proxy...) it only sends a chat-completions request.  This backend sends the same request with
httpx and keeps everything else of :class:`LiteLLMBackend`: the retry loop, Retry-After and the
wait budget, the deadline and size bounds, the failure kinds, redaction, structured output, usage
and cost (from the price table litellm ships, read as a file).
"""

from __future__ import annotations

import json
import os
import threading
import weakref
from types import SimpleNamespace
from typing import Any

from . import transport
from .base import JudgeCall, Reply
from .litellm_backend import COMPLETION_RESERVE, PROXY_CACHE_HEADER, LiteLLMBackend, bounds_failure, quota_used_up
from .model_table import listed_with_schema, prices

_NAMES = {400: "BadRequestError", 401: "AuthenticationError", 403: "PermissionDeniedError", 404: "NotFoundError",
          408: "Timeout", 409: "ConflictError", 413: "BadRequestError", 422: "UnprocessableEntityError",
          429: "RateLimitError", 500: "InternalServerError", 502: "BadGatewayError", 503: "ServiceUnavailableError",
          504: "Timeout"}


def base_url(api_base: str | None) -> str | None:
    """The server a model string's ``openai/`` prefix is sent to: ``api_base``, else the environment's."""
    return api_base or os.environ.get("OPENAI_BASE_URL") or os.environ.get("OPENAI_API_BASE") or None


class HTTPStatusFailure(Exception):
    """The server answered with an error status."""

    def __init__(self, status: int, message: str, code: str, headers: Any):
        super().__init__(message)
        self.status_code = status
        self.code = code
        self.response = SimpleNamespace(headers=headers)
        """Where :func:`_retry_after` looks for the Retry-After header."""


_FAILURES: dict[str, type[HTTPStatusFailure]] = {name: type(name, (HTTPStatusFailure,), {})
                                                  for name in {*_NAMES.values(), "APIError"}}
"""Failures named as the OpenAI client names them, so a message reads the same on either path."""


class NotACompletion(Exception):
    """An HTTP 200 whose body is not a chat completion."""


def _error(status: int, body: bytes, headers: Any) -> HTTPStatusFailure:
    text = body.decode("utf-8", "replace")
    message, code = text.strip()[:500], ""
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    error = data.get("error") if isinstance(data, dict) else None
    if isinstance(error, dict):
        message = str(error.get("message") or message)
        code = str(error.get("code") or error.get("type") or "")
    elif isinstance(error, str):
        message = error
    name = _NAMES.get(status, "APIError" if status >= 500 else "BadRequestError")
    return _FAILURES[name](status, message or f"HTTP {status}", code, headers)


def _namespace(value: Any) -> Any:
    if isinstance(value, dict):
        return SimpleNamespace(**{str(key): _namespace(item) for key, item in value.items()})
    if isinstance(value, list):
        return [_namespace(item) for item in value]
    return value


class OpenAIHTTPBackend(LiteLLMBackend):
    """An ``openai/...`` model at an OpenAI-compatible ``api_base``, judged over plain HTTP."""

    def __init__(self, model: str, *, api_base: str | None = None, api_key: str | None = None):
        super().__init__(model, api_base=api_base, api_key=api_key)
        self._client: Any = None
        self._client_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"OpenAIHTTPBackend({self.name!r}, api_base={self.api_base!r})"

    def structured_mode(self, setting: str) -> str:
        """As litellm decides for ``openai/`` models: a schema where the price table lists one, else JSON mode."""
        if setting != "auto":
            return setting
        return "schema" if listed_with_schema(self.name) else "json"

    def _http(self) -> Any:
        import httpx

        with self._client_lock:
            if self._client is None:
                # Requests in flight are bounded by the engine; keep that many connections alive.  Proxy and
                # certificate settings of the environment (HTTPS_PROXY, SSL_CERT_FILE...) apply, as through litellm.
                self._client = httpx.Client(limits=httpx.Limits(max_connections=None, max_keepalive_connections=64),
                                            follow_redirects=False)
                # A critic used outside pytest is seldom closed: its connections close when it is collected
                # (else the interpreter warns of unclosed sockets, wherever the collection happens).
                weakref.finalize(self, self._client.close)
            return self._client

    def _request(self, call: JudgeCall) -> dict[str, Any]:
        kwargs = super()._request(call)
        options = {name: value for name, value in kwargs.items() if name in call.params}
        for name in ("max_tokens", "response_format"):
            if name in kwargs:
                options[name] = kwargs[name]
        # In the order the OpenAI client (litellm's) sends them: a LiteLLM proxy's response cache keys a
        # request by its fields in the order they come, so both clients then share its entries.
        body = {"messages": kwargs["messages"], "model": self.name.removeprefix("openai/"),
                **dict(sorted(options.items()))}
        key = kwargs.get("api_key") or os.environ.get("OPENAI_API_KEY") or "no-key"
        headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
        organization = os.environ.get("OPENAI_ORGANIZATION")
        if organization:
            headers["OpenAI-Organization"] = organization
        url = (base_url(self.api_base) or "").rstrip("/") + "/chat/completions"
        return {"url": url, "headers": headers, "timeout": call.timeout,
                "content": json.dumps(body, ensure_ascii=False).encode("utf-8")}

    def _send(self, request: dict[str, Any]) -> Any:
        response = self._http().post(request["url"], content=request["content"], headers=request["headers"],
                                     timeout=request["timeout"])
        if response.status_code >= 300:
            raise _error(response.status_code, response.content, response.headers)
        try:
            data = response.json()
        except ValueError:
            raise NotACompletion(f"HTTP {response.status_code} body is not JSON") from None
        if not isinstance(data, dict) or not isinstance(data.get("choices"), list):
            raise NotACompletion("HTTP 200 body is not a chat completion")
        return data, bool(response.headers.get(PROXY_CACHE_HEADER))

    def _classify(self, exc: BaseException, limits: transport.CallLimits | None) -> tuple[str, bool]:
        import httpx

        found = bounds_failure(exc, limits)
        if found is not None:
            return found
        if isinstance(exc, httpx.TimeoutException):
            return "timeout", True
        if isinstance(exc, (NotACompletion, httpx.DecodingError)):
            return "not_completion", False
        if isinstance(exc, HTTPStatusFailure):
            status = exc.status_code
            if status in (408, 504):
                return "timeout", True
            if quota_used_up(status, f"{exc.code} {exc}"):
                return "quota", False
            if status == 429:
                return "rate_limit", True
            said = f"{exc.code} {exc}".lower()
            if status == 400 and ("content_policy" in said or "content_filter" in said
                                  or "content management policy" in said):
                return "refused", False
            if status >= 500:
                return "server_error", True
            return "config", False
        if isinstance(exc, (httpx.TransportError, OSError)):
            return "connection", True
        return "backend", True

    def _cost(self, response: Any) -> float:
        usage = getattr(response, "usage", None)
        per_prompt, per_completion = prices(self.name)
        try:
            return (float(getattr(usage, "prompt_tokens", 0) or 0) * per_prompt
                    + float(getattr(usage, "completion_tokens", 0) or 0) * per_completion)
        except (TypeError, ValueError):
            return 0.0

    def estimate_cost(self, call: JudgeCall) -> float:
        per_prompt, per_completion = prices(self.name)
        prompt_tokens = sum(len(message["content"]) for message in call.messages()) // 3 + 16
        return prompt_tokens * per_prompt + int(call.max_tokens or COMPLETION_RESERVE) * per_completion

    def _reply(self, response: Any, retries: int, cached: bool | None = None) -> Reply:
        body, from_proxy_cache = response
        return super()._reply(_namespace(body), retries, cached=from_proxy_cache)

    def close(self) -> None:
        """Close the connections kept alive (the runtime that made this backend is done with it)."""
        with self._client_lock:
            client, self._client = self._client, None
        if client is not None:
            client.close()
