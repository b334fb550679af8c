"""Cache modes: what a run may read from, and write to, the verdict cache."""

from __future__ import annotations

from enum import Enum

from ..errors import CritiqueUsageError


class CacheMode(str, Enum):
    RW = "rw"
    """Read cached verdicts, call the judge on a miss, write what it answers (default)."""
    READ = "read"
    """Read only; a miss is UNSCORED instead of a judge call (for CI without a model)."""
    REFRESH = "refresh"
    """Call the judge for every verdict and overwrite the cache."""
    OFF = "off"
    """Neither read nor write; always call the judge."""

    @classmethod
    def parse(cls, value: "str | CacheMode") -> "CacheMode":
        try:
            return cls(value)
        except ValueError:
            allowed = ", ".join(mode.value for mode in cls)
            raise CritiqueUsageError(f"unknown cache mode {value!r}; expected one of {allowed}") from None

    @property
    def reads(self) -> bool:
        return self in (CacheMode.RW, CacheMode.READ)

    @property
    def writes(self) -> bool:
        return self in (CacheMode.RW, CacheMode.REFRESH)

    @property
    def may_call(self) -> bool:
        return self is not CacheMode.READ
