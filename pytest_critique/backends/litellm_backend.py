"""The model judge: any litellm model string, imported only when a call misses the cache."""

from __future__ import annotations

import json
import os
import random
import re
from typing import Any

from ..errors import JudgeFailure
from . import transport
from .base import JudgeCall, Reply

_BACKOFF_BASE = 0.5
_BACKOFF_CAP = 8.0
COMPLETION_RESERVE = 1024

def import_litellm() -> Any:
    """Import litellm without letting it fetch its price table over the network."""
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    try:
        import litellm
    except ImportError as exc:  # pragma: no cover - litellm is a dependency
        raise JudgeFailure(f"litellm is not installed ({exc}); pip install litellm", "config") from None
    litellm.suppress_debug_info = True
    return litellm


def _status(exc: BaseException) -> int | None:
    status = getattr(exc, "status_code", None)
    return status if isinstance(status, int) else None


def _retry_after(exc: BaseException) -> float | None:
    """Seconds the server asked us to wait (Retry-After); None when it did not say."""
    candidates = [getattr(exc, "litellm_response_headers", None),
                  getattr(getattr(exc, "response", None), "headers", None)]
    for headers in candidates:
        if not headers:
            continue
        try:
            value = headers.get("retry-after")
            if value is not None:
                return max(float(value), 0.0)
        except (AttributeError, TypeError, ValueError):
            continue
    return None


def _encodable(text: str) -> str:
    """Text that encodes as UTF-8: lone surrogates (invalid in any request body) are escaped."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


_BEARER = re.compile(r"(?i)\b(bearer\s+)\S+")
_SECRET_NAMES = ("_API_KEY", "_TOKEN", "_SECRET", "_SECRET_KEY", "_ACCESS_KEY")


def redact(text: str, key: str | None) -> str:
    """Remove API keys from text a server sent back (some servers and proxies echo the key they got)."""
    secrets = {value for name, value in os.environ.items()
               if name.upper().endswith(_SECRET_NAMES) and len(value) >= 8}
    if key:
        secrets.add(key)
    for secret in sorted(secrets, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, "[redacted]")
    return _BEARER.sub(r"\1[redacted]", text)


_EXCEPTION_PREFIX = re.compile(r"^\s*(?:(?:litellm\.)?[A-Za-z]*(?:Error|Exception|Timeout)\s*(?::|-)\s*)+")


def _detail(exc: BaseException) -> str:
    """An exception's message without the exception names litellm and the provider SDK repeat before it."""
    text = _EXCEPTION_PREFIX.sub("", str(exc)).strip()
    text = re.sub(r"^Error_str:\s*", "", text)
    return text


_FALLBACK_FAILURE = re.compile(r"^Available Model Group Fallbacks=(.*)\nError doing the fallback: (.*)$", re.MULTILINE)
_ROUTER_NOTES = re.compile(r"No fallback model group found|\. Received Model Group=")


def _fallback_failure(detail: str) -> str:
    """What a LiteLLM proxy's router adds to a failure when the fallback it tried failed as well, as
    "; its fallback to GROUP failed too: WHY"; "" when it tried none.  The router writes both on the
    lines after the first (which is all a message shows of a failure otherwise)."""
    found = _FALLBACK_FAILURE.search(detail)
    if found is None:
        return ""
    groups = ", ".join(re.findall(r"['\"]([^'\"]+)['\"]", found.group(1))) or found.group(1).strip()
    # The router appends its own notes to the fallback's message without a separator.
    why = _ROUTER_NOTES.split(_EXCEPTION_PREFIX.sub("", found.group(2)), maxsplit=1)[0].strip()
    return f"; its fallback to {groups[:100]} failed too: {why[:200]}"


def bounds_failure(exc: BaseException, limits: transport.CallLimits | None) -> tuple[str, bool] | None:
    """(kind, retryable) when a bound of the call ended it (deadline, size, encoding, interrupt) or the
    request could not be encoded; None when the client's own failure decides."""
    tripped = limits.tripped if limits is not None else None
    if tripped is None and isinstance(exc, transport.LimitExceeded):
        tripped = str(exc)
    if tripped is not None:
        return {"deadline": ("timeout", True), "size": ("too_large", False),
                "encoding": ("not_completion", False)}.get(tripped, ("interrupted", False))
    if isinstance(exc, UnicodeError):
        return "config", False
    return None


_QUOTA_USED_UP = re.compile(r"insufficient_quota|exceeded your current quota|budget_exceeded|budget has been exceeded"
                            r"|max budget limit reached", re.IGNORECASE)
"""A 429 that is not a rate limit: the account's credit (OpenAI's ``insufficient_quota``) or a LiteLLM proxy
key's budget is used up.  Waiting does not bring it back, so it is not retried.  (A provider's quota per
minute, such as Gemini's ``RESOURCE_EXHAUSTED``, is a rate limit and is retried.)"""


def quota_used_up(status: int | None, text: str) -> bool:
    return status == 429 and _QUOTA_USED_UP.search(text) is not None


def classify(exc: BaseException, litellm: Any, limits: transport.CallLimits | None = None) -> tuple[str, bool]:
    """(kind, retryable) for an exception raised by litellm.completion."""
    found = bounds_failure(exc, limits)
    if found is not None:
        return found
    if isinstance(exc, litellm.Timeout):
        return "timeout", True
    if limits is not None and limits.status == 200 and (limits.complete or not _is_json(limits)):
        # The whole 200 reply came and litellm could not take it as a chat completion (an HTML page,
        # an event stream, JSON of another shape): asking again gets the same.
        return "not_completion", False
    status = _status(exc)
    message = str(exc).lower()
    if "api_key" in message and "must be set" in message:
        return "config", False  # no API key: retrying cannot help
    if quota_used_up(429 if isinstance(exc, litellm.RateLimitError) else status, str(exc)):
        return "quota", False
    if isinstance(exc, litellm.RateLimitError) or status == 429:
        return "rate_limit", True
    if isinstance(exc, litellm.ContentPolicyViolationError):
        return "refused", False
    if isinstance(exc, (litellm.AuthenticationError, litellm.PermissionDeniedError, litellm.NotFoundError,
                        litellm.BadRequestError)) or (status is not None and 400 <= status < 500):
        return "config", False
    if isinstance(exc, litellm.APIConnectionError) and status is None or "connection error" in str(exc).lower():
        # litellm reports a refused or reset connection as a 500 whose message says so.
        return "connection", True
    if status is not None and status >= 500 or isinstance(
            exc, (litellm.InternalServerError, litellm.ServiceUnavailableError)):
        return "server_error", True
    return "backend", True


def _is_json(limits: transport.CallLimits) -> bool:
    """Whether a reply says it is JSON and (when short enough to have been kept whole) parses."""
    if "json" not in limits.content_type.lower():
        return False
    if len(limits.head) >= 200:
        return True  # only its first bytes were kept: the content type has to do
    try:
        json.loads(limits.head.decode("utf-8"))
    except ValueError:
        return False
    return True


def _auto_mode(litellm: Any, model: str) -> str:
    try:
        if litellm.supports_response_schema(model=model):
            return "schema"
    except Exception:  # noqa: BLE001 - a model litellm does not know: no schema
        pass
    provider, _, name = model.partition("/") if "/" in model else ("", "", model)
    try:
        params = litellm.get_supported_openai_params(model=name, custom_llm_provider=provider or None)
    except Exception:  # noqa: BLE001 - an unknown provider: the prompt alone
        params = None
    return "json" if params and "response_format" in params else "off"


def explicit_prompt_cache(model: str) -> bool:
    """Whether the model's provider caches a prompt prefix only where the request marks it (Anthropic's
    Claude, directly or through Bedrock or Vertex AI); others cache prefixes by themselves."""
    provider, _, name = model.partition("/")
    return provider == "anthropic" or (provider in ("bedrock", "vertex_ai") and "claude" in name)


PROXY_CACHE_HEADER = "x-litellm-cache-key"
"""A LiteLLM proxy names the cache entry it answered from in this header, and sends it only then."""


def served_from_cache(response: Any) -> bool:
    """Whether litellm's reply came from a LiteLLM proxy's response cache (its cache header, which litellm
    keeps among the provider's headers)."""
    hidden = getattr(response, "_hidden_params", None)
    if not isinstance(hidden, dict):
        return False
    headers = hidden.get("additional_headers")
    return isinstance(headers, dict) and bool(headers.get(f"llm_provider-{PROXY_CACHE_HEADER}"))


def _after(retries: int) -> str:
    return f" after {retries} retr{'y' if retries == 1 else 'ies'}" if retries else ""


def pause(seconds: float) -> bool:
    """Wait between retries; False when the run was interrupted meanwhile."""
    return transport.pause(seconds)


class LiteLLMBackend:
    """Judge with a model through litellm (OpenAI, Anthropic, a local server, ...)."""

    offline = False
    cacheable = True

    def __init__(self, model: str, *, api_base: str | None = None, api_key: str | None = None):
        self.name = model
        self.api_base = api_base
        self._api_key = api_key
        self._structured: dict[str, str] = {}

    def structured_mode(self, setting: str) -> str:
        """How this model is asked for an answer's shape: ``schema`` (a JSON schema as
        ``response_format``) where litellm says the model takes one, else ``json`` (JSON mode) where
        its provider takes ``response_format``, else ``off`` (the prompt alone); a setting other than
        ``auto`` decides by itself."""
        if setting != "auto":
            return setting
        if setting not in self._structured:
            self._structured[setting] = _auto_mode(import_litellm(), self.name)
        return self._structured[setting]
    def __repr__(self) -> str:
        return f"LiteLLMBackend({self.name!r}, api_base={self.api_base!r})"

    def _request(self, call: JudgeCall) -> dict[str, Any]:
        """The arguments of ``litellm.completion`` for ``call``."""
        kwargs: dict[str, Any] = {
            "model": self.name,
            "messages": self._messages(call),
            "timeout": call.timeout,
            "num_retries": 0,
            "max_retries": 0,
            "drop_params": True,
            **call.params,
        }
        if call.max_tokens:
            kwargs["max_tokens"] = call.max_tokens
        mode = self.structured_mode(call.structured_output) if call.response_schema is not None else "off"
        if mode == "schema":
            kwargs["response_format"] = {"type": "json_schema", "json_schema": {
                "name": re.sub(r"[^A-Za-z0-9_-]", "_", call.task), "schema": call.response_schema, "strict": False}}
        elif mode == "json":
            kwargs["response_format"] = {"type": "json_object"}
        if self.api_base:
            kwargs["api_base"] = self.api_base
        if self._api_key:
            kwargs["api_key"] = self._api_key
        elif self.api_base and self.name.startswith("openai/") and not os.environ.get("OPENAI_API_KEY"):
            # Local OpenAI-compatible servers rarely check keys, but the client insists on one.
            kwargs["api_key"] = "no-key"
        return kwargs

    def _messages(self, call: JudgeCall) -> list[dict[str, Any]]:
        """The call's messages as sent; for a model with explicit prompt caching (Anthropic's), the part
        of the first user message that the requests about one response share is marked for the cache."""
        messages: list[dict[str, Any]] = [{**message, "content": _encodable(message["content"])}
                                          for message in call.messages()]
        shared = call.shared_prefix()
        if shared and explicit_prompt_cache(self.name):
            index = next(number for number, message in enumerate(messages) if message["role"] == "user")
            text = call.messages()[index]["content"]
            messages[index] = {"role": "user", "content": [
                {"type": "text", "text": _encodable(text[:shared]), "cache_control": {"type": "ephemeral"}},
                {"type": "text", "text": _encodable(text[shared:])}]}
        return messages

    def _send(self, request: dict[str, Any]) -> Any:
        """One request (on a thread of its own, under the call's bounds); raises what the client raised."""
        return import_litellm().completion(**request)

    def _classify(self, exc: BaseException, limits: transport.CallLimits | None) -> tuple[str, bool]:
        return classify(exc, import_litellm(), limits)

    def complete(self, call: JudgeCall) -> Reply:
        request = self._request(call)
        retries, waited = 0, 0.0
        while True:
            limits: transport.CallLimits | None = None
            try:
                response, limits = transport.run_bounded(lambda: self._send(request), call.timeout,
                                                         call.max_reply_bytes)
                break
            except Exception as exc:  # noqa: BLE001 - every failure is classified below
                limits = getattr(exc, "critique_limits", None)
                kind, retryable = self._classify(exc, limits)
                if not retryable or retries >= call.retries:
                    raise JudgeFailure(self._describe(exc, kind, retries, call, limits), kind, calls=1 + retries,
                                       retries=retries) from None
                delay = _retry_after(exc)
                most = call.max_retry_wait
                if delay is not None and waited + delay > most:
                    raise JudgeFailure(
                        f"judge rate-limited{_after(retries)}: the server asked to wait {delay:g} s (Retry-After), "
                        f"more than the {most - waited:g} s left of the {most:g} s a judge call may wait between "
                        "retries (--critique-max-retry-wait); not retried", kind, calls=1 + retries,
                        retries=retries) from None
                if delay is None:
                    delay = min(_BACKOFF_CAP, _BACKOFF_BASE * 2**retries) * (0.5 + random.random() / 2)
                    delay = min(delay, max(most - waited, 0.0))
                waited += delay
                if not pause(delay):
                    raise JudgeFailure("the run was interrupted", "interrupted", calls=1 + retries,
                                       retries=retries) from None
                retries += 1
        return self._reply(response, retries)

    def estimate_cost(self, call: JudgeCall) -> float:
        """An upper estimate of a call's price, reserved from --critique-max-cost before it goes out.

        Prompt tokens are taken as characters / 3 (English runs near 4), the completion as
        ``max_tokens`` or 1,024 tokens; 0 when litellm does not know the model's price.
        """
        litellm = import_litellm()
        prompt_tokens = sum(len(message["content"]) for message in call.messages()) // 3 + 16
        completion_tokens = int(call.max_tokens or COMPLETION_RESERVE)
        try:
            prompt_cost, completion_cost = litellm.cost_per_token(
                model=self.name, prompt_tokens=prompt_tokens, completion_tokens=completion_tokens)
        except Exception:  # noqa: BLE001 - a model without a known price costs nothing to reserve
            return 0.0
        return float(prompt_cost) + float(completion_cost)

    def _describe(self, exc: BaseException, kind: str, retries: int, call: JudgeCall,
                  limits: transport.CallLimits | None) -> str:
        after = _after(retries)
        if kind == "timeout":
            return (f"judge timed out{after}: no complete reply within {call.timeout:g} s "
                    f"(--critique-timeout={call.timeout:g})")
        if kind == "too_large":
            return (f"judge reply too large: more than {call.max_reply_bytes:,} bytes "
                    f"(--critique-max-reply-bytes={call.max_reply_bytes}); not retried")
        if kind == "interrupted":
            return "the run was interrupted"
        if kind == "not_completion" and limits is not None and limits.tripped == "encoding":
            return (f"the judge's reply is encoded as {limits.encoding!r}, which was not asked for "
                    "(only gzip and deflate are); not read, not retried")
        if kind == "not_completion" and limits is not None:
            head = redact(limits.head.decode("utf-8", "replace"), self._api_key)
            shown = " ".join(head.split())[:80]
            return (f"the judge's reply is not a chat completion (HTTP 200, "
                    f"{limits.content_type or 'no content type'}, begins {shown!r}); not retried")
        detail = redact(_detail(exc), self._api_key).strip()
        fallback = _fallback_failure(detail)
        detail = detail.splitlines()[0] if detail else ""
        if len(detail) > 300:
            detail = detail[:300] + "..."
        detail += fallback
        labels = {"rate_limit": f"judge rate-limited{after}", "server_error": f"judge server error{after}",
                  "connection": f"could not reach judge{after}", "refused": "judge refused the request",
                  "config": "judge call not possible", "quota": "judge quota used up (not retried)"}
        label = labels.get(kind, "judge call failed" + after)
        return f"{label} ({type(exc).__name__}): {detail}" if detail else f"{label} ({type(exc).__name__})"

    def _cost(self, response: Any) -> float:
        try:
            return float(import_litellm().completion_cost(completion_response=response) or 0.0)
        except Exception:  # noqa: BLE001 - models without a known price cost 0
            return 0.0

    def _reply(self, response: Any, retries: int, cached: bool | None = None) -> Reply:
        """The reply read from a completion; ``cached`` (found from the response when None) says a
        response cache answered, so no tokens or cost were spent on it."""
        try:
            choice = response.choices[0]
            text = choice.message.content
            finish_reason = choice.finish_reason
        except (AttributeError, IndexError, TypeError):
            raise JudgeFailure("judge reply has no message", "unparseable", calls=1 + retries,
                               retries=retries) from None
        # litellm keeps OpenAI's `refusal` field on the message or among its provider-specific fields, which
        # a LiteLLM proxy also sends (read over plain HTTP they are an object, not a dict)
        extra = getattr(choice.message, "provider_specific_fields", None)
        refusal = getattr(choice.message, "refusal", None) or (
            extra.get("refusal") if isinstance(extra, dict) else getattr(extra, "refusal", None))
        if not text and isinstance(refusal, str) and refusal.strip():
            shown = redact(" ".join(refusal.split()), self._api_key)[:300]
            raise JudgeFailure(f"the judge refused to answer: {shown!r}", "refused", calls=1 + retries,
                               retries=retries)
        if isinstance(text, str):
            text = redact(text, self._api_key)
        if cached is None:
            cached = served_from_cache(response)
        if cached:
            return Reply(text=text, finish_reason=finish_reason, retries=retries, cached=True)
        usage = getattr(response, "usage", None)
        cost = self._cost(response)
        return Reply(
            text=text,
            finish_reason=finish_reason,
            prompt_tokens=int(getattr(usage, "prompt_tokens", 0) or 0),
            completion_tokens=int(getattr(usage, "completion_tokens", 0) or 0),
            cost=cost,
            retries=retries,
        )
