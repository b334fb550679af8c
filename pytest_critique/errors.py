"""Exceptions raised by pytest-critique (standard library only)."""

from __future__ import annotations

from typing import Any


TRANSPORT_KINDS = frozenset({"timeout", "rate_limit", "server_error", "connection", "too_large", "not_completion",
                             "quota"})
"""Failure kinds that say the judge, or the way to it, is down (what the run's breaker counts)."""


PREFIX = "critique: "


def prefixed(message: str) -> str:
    """A message as the user sees it: every message the plugin gives begins ``critique:``."""
    return message if message.startswith(PREFIX) else PREFIX + message


class CritiqueError(Exception):
    """Base class of every pytest-critique error."""


class CritiqueUsageError(CritiqueError, ValueError):
    """A setting or argument has a value the plugin cannot use (the message begins ``critique:``)."""

    def __init__(self, message: str):
        super().__init__(prefixed(message))


class JudgeFailure(CritiqueError):
    """One judge request produced no usable answer (timeout, HTTP error, unparseable reply...).

    ``kind`` is a short machine-readable cause: ``timeout``, ``rate_limit``, ``server_error``,
    ``connection``, ``too_large``, ``not_completion``, ``unparseable``, ``truncated``, ``refused``,
    ``missing``, ``config``, ``unavailable`` (the breaker is open), ``interrupted``, ``budget``, ``backend``.
    """

    def __init__(self, reason: str, kind: str = "backend", *, calls: int = 0, retries: int = 0):
        super().__init__(reason)
        self.reason = reason
        self.kind = kind
        self.calls = calls
        self.retries = retries


class CacheMissError(JudgeFailure):
    """Cache mode ``read`` forbids judge calls and the verdict is not in the cache."""

    def __init__(self, reason: str):
        super().__init__(reason, "cache_miss")


class UnscoredError(CritiqueError):
    """A verdict could not be obtained, so the test is neither passed nor failed: UNSCORED.

    ``verdict`` holds whatever was judged (its unscored items carry their reasons).
    """

    def __init__(self, message: str, verdict: Any = None):
        super().__init__(prefixed(message))
        self.verdict = verdict


class CritiqueTypeError(CritiqueUsageError, TypeError):
    """An argument has a type the plugin cannot use (a ``TypeError`` as well as a usage error)."""


class CritiqueWarning(UserWarning):
    """Base of the plugin's warnings (the message begins ``critique:``)."""

    def __init__(self, message: str):
        super().__init__(prefixed(message))


class CritiqueFailed(AssertionError):
    """Raised by ``verdict.check()`` when the verdict did not pass."""


_PLAIN_WORDS = (
    ("Input should be a valid string", "must be text"),
    ("Input should be a valid integer", "must be a whole number"),
    ("Input should be a valid number", "must be a number"),
    ("Input should be a valid boolean", "must be true or false"),
    ("Input should be a valid list", "must be a list"),
    ("Input should be a valid dictionary", "must be a mapping"),
    ("Field required", "is missing"),
    ("Extra inputs are not permitted", "is not a known field"),
    ("Input should be ", "must be "),
    ("Value error, ", ""),
    ("Assertion failed, ", ""),
)


def plain_problems(errors: list[Any], whole: str, most: int = 3) -> str:
    """A validation error (pydantic's ``errors()`` list) in the plugin's words: ``where: what`` for the
    first ``most`` problems, ``whole`` naming a problem with the whole value."""
    parts = []
    for error in errors[:most]:
        message = str(error.get("msg", ""))
        for said, meant in _PLAIN_WORDS:
            message = message.replace(said, meant)
        location = ".".join(str(part) for part in error.get("loc", ())) or whole
        parts.append(f"{location}: {message}")
    return "; ".join(parts)
