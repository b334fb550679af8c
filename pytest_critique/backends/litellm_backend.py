"""The model judge: any litellm model string, imported only when a call misses the cache."""

from __future__ import annotations

import os
import random
import re
import time
from typing import Any

from ..errors import JudgeFailure
from .base import JudgeCall, Reply

_BACKOFF_BASE = 0.5
_BACKOFF_CAP = 8.0
_RETRY_AFTER_CAP = 30.0


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
    """Seconds the server asked us to wait (Retry-After), capped; None when it did not say."""
    candidates = [getattr(exc, "litellm_response_headers", None),
                  getattr(getattr(exc, "response", None), "headers", None)]
    for headers in candidates:
        if not headers:
            continue
        try:
            value = headers.get("retry-after")
            if value is not None:
                return min(max(float(value), 0.0), _RETRY_AFTER_CAP)
        except (AttributeError, TypeError, ValueError):
            continue
    return None


def _encodable(text: str) -> str:
    """Text that encodes as UTF-8: lone surrogates (invalid in any request body) are escaped."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


_BEARER = re.compile(r"(?i)\b(bearer\s+)\S+")


def redact(text: str, key: str | None) -> str:
    """Remove API keys from a message a server sent back (some servers quote the key they got)."""
    secrets = {value for name, value in os.environ.items() if name.endswith("_API_KEY") and len(value) >= 8}
    if key:
        secrets.add(key)
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, "[redacted]")
    return _BEARER.sub(r"\1[redacted]", text)


def classify(exc: BaseException, litellm: Any) -> tuple[str, bool]:
    """(kind, retryable) for an exception raised by litellm.completion."""
    if isinstance(exc, UnicodeError):
        return "config", False
    if isinstance(exc, litellm.Timeout):
        return "timeout", True
    status = _status(exc)
    message = str(exc).lower()
    if "api_key" in message and "must be set" in message:
        return "config", False  # no API key: retrying cannot help
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


class LiteLLMBackend:
    """Judge with a model through litellm (OpenAI, Anthropic, a local server, ...)."""

    offline = False
    cacheable = True

    def __init__(self, model: str, *, api_base: str | None = None, api_key: str | None = None):
        self.name = model
        self.api_base = api_base
        self._api_key = api_key

    def __repr__(self) -> str:
        return f"LiteLLMBackend({self.name!r}, api_base={self.api_base!r})"

    def complete(self, call: JudgeCall) -> Reply:
        litellm = import_litellm()
        kwargs: dict[str, Any] = {
            "model": self.name,
            "messages": [{**message, "content": _encodable(message["content"])} for message in call.messages()],
            "timeout": call.timeout,
            "num_retries": 0,
            "max_retries": 0,
            "drop_params": True,
            **call.params,
        }
        if self.api_base:
            kwargs["api_base"] = self.api_base
        if self._api_key:
            kwargs["api_key"] = self._api_key
        elif self.api_base and self.name.startswith("openai/") and not os.environ.get("OPENAI_API_KEY"):
            # Local OpenAI-compatible servers rarely check keys, but the client insists on one.
            kwargs["api_key"] = "no-key"
        retries = 0
        while True:
            try:
                response = litellm.completion(**kwargs)
                break
            except Exception as exc:  # noqa: BLE001 - every failure is classified below
                kind, retryable = classify(exc, litellm)
                if not retryable or retries >= call.retries:
                    raise JudgeFailure(self._describe(exc, kind, retries), kind, calls=1 + retries,
                                       retries=retries) from None
                delay = _retry_after(exc)
                if delay is None:
                    delay = min(_BACKOFF_CAP, _BACKOFF_BASE * 2**retries) * (0.5 + random.random() / 2)
                time.sleep(delay)
                retries += 1
        return self._reply(response, litellm, retries)

    def _describe(self, exc: BaseException, kind: str, retries: int) -> str:
        detail = redact(str(exc), self._api_key).strip()
        detail = detail.splitlines()[0] if detail else type(exc).__name__
        if len(detail) > 300:
            detail = detail[:300] + "..."
        after = f" after {retries} retr{'y' if retries == 1 else 'ies'}" if retries else ""
        labels = {"timeout": f"judge timed out{after}", "rate_limit": f"judge rate-limited{after}",
                  "server_error": f"judge server error{after}", "connection": f"could not reach judge{after}",
                  "refused": "judge refused the request", "config": "judge call not possible"}
        return f"{labels.get(kind, 'judge call failed' + after)}: {type(exc).__name__}: {detail}"

    def _reply(self, response: Any, litellm: Any, retries: int) -> Reply:
        try:
            choice = response.choices[0]
            text = choice.message.content
            finish_reason = choice.finish_reason
        except (AttributeError, IndexError, TypeError):
            raise JudgeFailure("judge reply has no message", "unparseable", calls=1 + retries,
                               retries=retries) from None
        # litellm keeps OpenAI's `refusal` field on the message or among its provider-specific fields
        refusal = getattr(choice.message, "refusal", None) or (
            getattr(choice.message, "provider_specific_fields", None) or {}).get("refusal")
        if not text and isinstance(refusal, str) and refusal.strip():
            shown = redact(" ".join(refusal.split()), self._api_key)[:300]
            raise JudgeFailure(f"the judge refused to answer: {shown!r}", "refused", calls=1 + retries,
                               retries=retries)
        usage = getattr(response, "usage", None)
        cost = 0.0
        try:
            cost = float(litellm.completion_cost(completion_response=response) or 0.0)
        except Exception:  # noqa: BLE001 - models without a known price cost 0
            cost = 0.0
        return Reply(
            text=text,
            finish_reason=finish_reason,
            prompt_tokens=int(getattr(usage, "prompt_tokens", 0) or 0),
            completion_tokens=int(getattr(usage, "completion_tokens", 0) or 0),
            cost=cost,
            retries=retries,
        )
