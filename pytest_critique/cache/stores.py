"""Which verdict store a run uses: the cache directory, a shared store, or a shared store read
through a local copy (so a warm laptop does not ask the network)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..settings import Settings
from .base import VerdictStore
from .store import DiskStore


@dataclass(frozen=True)
class SharedStore:
    """Where the shared verdict store is (``--critique-cache-url``) and how this suite uses it."""

    url: str
    namespace: str = "pytest-critique"
    local: bool = False
    """Keep a copy in the cache directory, read first."""

    @classmethod
    def of(cls, settings: Settings) -> "SharedStore | None":
        """The shared store the settings name, or None for the cache directory alone."""
        if not settings.cache_url:
            return None
        return cls(settings.cache_url, settings.cache_namespace, settings.cache_local)


class LayeredStore:
    """A local directory in front of a shared store: hits are answered locally, verdicts found in
    the shared store are copied there, and writes go to both (the shared store first)."""

    def __init__(self, local: DiskStore, shared: VerdictStore):
        self.local = local
        self.shared = shared

    @property
    def refused(self) -> dict[str, str]:
        return {**self.local.refused, **self.shared.refused}

    @property
    def location(self) -> str:
        return f"{self.shared.location}, with a local copy in {self.local.location}"

    def get_many(self, keys: list[str]) -> dict[str, dict[str, Any] | None]:
        found = self.local.get_many(keys)
        missing = [key for key, value in found.items() if value is None]
        if missing:
            for key, value in self.shared.get_many(missing).items():
                if value is not None:
                    self.local.set(key, value)
                found[key] = value
        return found

    def get(self, key: str) -> dict[str, Any] | None:
        value = self.local.get(key)
        if value is None:
            value = self.shared.get(key)
            if value is not None:
                self.local.set(key, value)
        return value

    def set(self, key: str, value: dict[str, Any]) -> bool:
        stored = self.shared.set(key, value)
        self.local.set(key, value)
        return stored

    def set_many(self, entries: dict[str, dict[str, Any]]) -> bool:
        stored = self.shared.set_many(entries)
        self.local.set_many(entries)
        return stored

    def merge_many(self, entries: dict[str, dict[str, Any]]) -> None:
        self.shared.merge_many(entries)
        self.local.merge_many(entries)

    def delete(self, key: str) -> bool:
        deleted = self.shared.delete(key)
        return self.local.delete(key) or deleted

    def delete_many(self, keys: list[str]) -> int:
        deleted = self.shared.delete_many(keys)
        return max(self.local.delete_many(keys), deleted)

    def keys(self) -> list[str]:
        return self.shared.keys()

    def sub(self, name: str) -> VerdictStore:
        return self.shared.sub(name)

    def try_lease(self, key: str, seconds: float) -> str | None:
        return self.shared.try_lease(key, seconds)

    def renew_lease(self, key: str, token: str, seconds: float) -> bool:
        return self.shared.renew_lease(key, token, seconds)

    def end_lease(self, key: str, token: str) -> None:
        self.shared.end_lease(key, token)

    def lease_held(self, key: str) -> bool:
        return self.shared.lease_held(key)

    def close(self) -> None:
        self.shared.close()
        self.local.close()


def open_store(directory: Path, shared: SharedStore | None) -> VerdictStore:
    """The store a run keeps its verdicts in (nothing is connected before the first read or write)."""
    if shared is None:
        return DiskStore(directory)
    from .redis_store import RedisStore

    remote = RedisStore(shared.url, shared.namespace)
    return LayeredStore(DiskStore(directory), remote) if shared.local else remote
