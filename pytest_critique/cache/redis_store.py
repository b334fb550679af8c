"""Verdicts in Redis, shared by every worker and machine pointed at one server.

Keys are ``NAMESPACE:verdict:KEY`` (and ``NAMESPACE:drift:KEY``, ``NAMESPACE:lease:KEY``), so
teams sharing a server keep apart by namespace.  Values are JSON text: anything else found at a
key (a pickle, binary data, a Redis list) is refused and never loaded.  A server that is down or
refuses raises :class:`StoreUnavailable`, whose message names the URL without its password.
redis-py is imported only here, when a Redis URL is configured.
"""

from __future__ import annotations

import functools
import json
import re
import secrets
import threading
import time
import warnings
from typing import Any, Callable, TypeVar

from ..errors import CritiqueUsageError
from .base import StoreUnavailable
from .files import CacheWarning
from ..store_urls import redact_url, url_secrets

INSTALL_HINT = "pip install 'pytest-critique[redis]'"
MAX_ENTRY_BYTES = 64 * 1024 * 1024
"""The largest value read back (a verdict with its judge's raw reply is a few kilobytes)."""
BATCH_KEYS = 500
BATCH_BYTES = 16 * 1024 * 1024
"""Reading many keys (``cache export``, ``stats``, ``prune``): keys per round trip, and about the most value
bytes one round trip brings back (sizes are asked first, so an oversized value is refused unread)."""
QUIET_SECONDS = (2.0, 60.0)
"""After a failed request, how long further requests fail at once instead of waiting on the server again:
2 seconds, doubled after each failure in a row up to a minute (a server that hangs costs a timeout per
quiet spell, not one per verdict)."""
_KEY = re.compile(r"[0-9a-f]{64}")
_RENEW = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end return 0"
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"

Result = TypeVar("Result")


def require_client() -> None:
    """Raise a usage error naming the extra to install when redis-py is missing."""
    try:
        import redis  # noqa: F401 - only to see that it is installed
    except ImportError as exc:
        raise CritiqueUsageError(f"--critique-cache-url needs the Redis client: {INSTALL_HINT} ({exc})") from None


class _Connection:
    """One client for a store and the stores beside it, and what the last failure said."""

    def __init__(self, url: str):
        self.url = url
        self.shown = redact_url(url)
        self._client: Any = None
        self._lock = threading.Lock()
        self._quiet_until = 0.0
        self._quiet = QUIET_SECONDS[0]
        self._last_problem = ""

    def client(self) -> Any:
        with self._lock:
            if self._client is None:
                require_client()
                import redis

                try:
                    self._client = redis.Redis.from_url(self.url, socket_timeout=10, socket_connect_timeout=5)
                except (ValueError, redis.RedisError) as exc:
                    raise StoreUnavailable(self.unavailable(exc)) from None
            return self._client

    def unavailable(self, exc: BaseException) -> str:
        problem = str(exc) or type(exc).__name__
        for secret in url_secrets(self.url):
            problem = problem.replace(secret, "***")
        if "CERTIFICATE_VERIFY_FAILED" in problem and "ssl_ca_certs=" not in self.url:
            problem = problem.rstrip(".") + "; to trust a private CA, add ?ssl_ca_certs=/path/to/ca.pem to the URL"
        return f"the shared verdict store {self.shown} is unavailable ({problem})"

    def run(self, request: Callable[[Any], Result], wrong_type: bool = False) -> Result:
        """``request(client)``; any failure of the server or the way to it raises :class:`StoreUnavailable`
        (with ``wrong_type``, Redis's WRONGTYPE answer about one key is raised as it is)."""
        if time.monotonic() < self._quiet_until:
            raise StoreUnavailable(self._last_problem)
        client = self.client()
        import redis

        try:
            answer = request(client)
        except redis.ResponseError as exc:
            if wrong_type and str(exc).startswith("WRONGTYPE"):
                raise
            raise StoreUnavailable(self.unavailable(exc)) from None  # refusing: no permission, read-only, ...
        except (redis.RedisError, OSError) as exc:
            self._last_problem = self.unavailable(exc)
            self._quiet_until = time.monotonic() + self._quiet
            self._quiet = min(self._quiet * 2, QUIET_SECONDS[1])
            raise StoreUnavailable(self._last_problem) from None
        self._quiet = QUIET_SECONDS[0]
        return answer

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                try:
                    self._client.close()
                except Exception:  # noqa: BLE001 - closing a broken connection
                    pass
                self._client = None



def _delete(names: list[str], client: Any) -> int:
    return int(client.delete(*names))

class RedisStore:
    """Verdicts (or, through :meth:`sub`, other records) kept as JSON text under one namespace."""

    def __init__(self, url: str, namespace: str, kind: str = "verdict", connection: _Connection | None = None):
        self._connection = connection or _Connection(url)
        self._owner = connection is None
        self.namespace = namespace
        self.kind = kind
        self._prefix = f"{namespace}:{kind}:"
        self._lease_prefix = f"{namespace}:lease:"
        self.refused: dict[str, str] = {}

    @property
    def location(self) -> str:
        return f"{self._connection.shown} (namespace {self.namespace})"

    def sub(self, name: str) -> "RedisStore":
        return RedisStore(self._connection.url, self.namespace, name, self._connection)

    def _refuse(self, key: str, why: str) -> None:
        self.refused[key] = f"foreign entry refused: {why}; only JSON text is ever loaded"
        try:
            warnings.warn(CacheWarning(
                f"foreign entry refused in the shared verdict store {self.location} (key {key[:12]}, {why}): "
                "pytest-critique stores JSON text only and never unpickles; the entry counts as not cached"),
                stacklevel=4)
        except Warning:
            pass

    def get(self, key: str) -> dict[str, Any] | None:
        import redis

        try:
            raw = self._connection.run(lambda client: client.get(self._prefix + key), wrong_type=True)
        except redis.ResponseError as exc:
            raw = exc
        return self._loaded(key, raw)

    def get_many(self, keys: list[str]) -> dict[str, dict[str, Any] | None]:
        """What :meth:`get` gives for each key, in round trips of up to :data:`BATCH_KEYS` keys."""
        found: dict[str, dict[str, Any] | None] = {}
        for start in range(0, len(keys), BATCH_KEYS):
            chunk = keys[start:start + BATCH_KEYS]
            group: list[str] = []
            group_bytes = 0
            for key, size in zip(chunk, self._pipelined("strlen", chunk)):
                if isinstance(size, Exception) or size > MAX_ENTRY_BYTES:
                    found[key] = self._loaded(key, size)
                    continue
                if group and group_bytes + size > BATCH_BYTES:
                    found.update(self._read(group))
                    group, group_bytes = [], 0
                group.append(key)
                group_bytes += size
            found.update(self._read(group))
        return found

    def _read(self, keys: list[str]) -> dict[str, dict[str, Any] | None]:
        return {key: self._loaded(key, raw) for key, raw in zip(keys, self._pipelined("get", keys))}

    def _pipelined(self, command: str, keys: list[str]) -> list[Any]:
        """``command`` on every key in one round trip; Redis's WRONGTYPE answer about a key is in the list
        as it is, and any other refusal raises :class:`StoreUnavailable` as it does for one key."""
        if not keys:
            return []

        def send(client: Any) -> list[Any]:
            pipe = client.pipeline(transaction=False)
            for key in keys:
                getattr(pipe, command)(self._prefix + key)
            return list(pipe.execute(raise_on_error=False))

        answers = self._connection.run(send)
        for answer in answers:
            if isinstance(answer, Exception) and not str(answer).startswith("WRONGTYPE"):
                raise StoreUnavailable(self._connection.unavailable(answer))
        return answers

    def _loaded(self, key: str, raw: Any) -> dict[str, Any] | None:
        """The entry a value read from ``key`` holds (``raw``: its bytes, None when there is no value, Redis's
        WRONGTYPE error, or from :meth:`get_many` a size too large to read); anything but JSON is refused."""
        if raw is None:
            return None
        if isinstance(raw, Exception):
            self._refuse(key, f"not a string value ({raw})")
            return None
        if isinstance(raw, int) or not isinstance(raw, bytes) or len(raw) > MAX_ENTRY_BYTES:
            size = raw if isinstance(raw, int) else len(raw) if isinstance(raw, bytes) else None
            self._refuse(key, "not bytes" if size is None else f"a value of {size} bytes")
            return None
        try:
            value = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError:
            self._refuse(key, "binary data (a pickle?), not UTF-8 text")
            return None
        except ValueError:
            self._refuse(key, "text that is not JSON")
            return None
        if not isinstance(value, dict):
            self._refuse(key, "JSON that is not an object")
            return None
        self.refused.pop(key, None)
        return value

    def set(self, key: str, value: dict[str, Any]) -> bool:
        text = json.dumps(value, ensure_ascii=False)
        self._connection.run(lambda client: client.set(self._prefix + key, text.encode("utf-8")))
        self.refused.pop(key, None)
        return True

    def set_many(self, entries: dict[str, dict[str, Any]]) -> bool:
        self._write_many({key: json.dumps(value, ensure_ascii=False).encode("utf-8") for key, value in entries.items()})
        return True

    def merge_many(self, entries: dict[str, dict[str, Any]]) -> None:
        """Read, add and write in two round trips per batch (not atomic: two workers adding to one key at
        the same moment may lose one's fields, which costs a drift report, never a verdict)."""
        if not entries:
            return
        held = self.get_many(list(entries))
        self._write_many({key: json.dumps({**(held[key] or {}), **fields}, ensure_ascii=False).encode("utf-8")
                          for key, fields in entries.items()})

    def _write_many(self, texts: dict[str, bytes]) -> None:
        """SET every key, in one round trip per :data:`BATCH_KEYS` keys."""
        names = list(texts)
        for start in range(0, len(names), BATCH_KEYS):
            chunk = names[start:start + BATCH_KEYS]

            def write(client: Any, chunk: list[str] = chunk) -> None:
                pipe = client.pipeline(transaction=False)
                for key in chunk:
                    pipe.set(self._prefix + key, texts[key])
                pipe.execute()

            self._connection.run(write)
        for key in names:
            self.refused.pop(key, None)

    def delete(self, key: str) -> bool:
        return bool(self._connection.run(lambda client: client.delete(self._prefix + key)))

    def delete_many(self, keys: list[str]) -> int:
        deleted = 0
        for start in range(0, len(keys), BATCH_KEYS):
            names = [self._prefix + key for key in keys[start:start + BATCH_KEYS]]
            deleted += self._connection.run(functools.partial(_delete, names))
        return deleted

    def keys(self) -> list[str]:
        def scan(client: Any) -> list[str]:
            found = []
            for name in client.scan_iter(match=self._prefix + "*", count=1000):
                key = name[len(self._prefix):].decode("ascii", "replace")
                if _KEY.fullmatch(key):
                    found.append(key)
            return found

        return self._connection.run(scan)

    def try_lease(self, key: str, seconds: float) -> str | None:
        token = secrets.token_hex(8)
        taken = self._connection.run(lambda client: client.set(self._lease_prefix + key, token, nx=True,
                                                               px=max(1, int(seconds * 1000))))
        return token if taken else None

    def renew_lease(self, key: str, token: str, seconds: float) -> bool:
        return bool(self._connection.run(lambda client: client.eval(
            _RENEW, 1, self._lease_prefix + key, token, max(1, int(seconds * 1000)))))

    def end_lease(self, key: str, token: str) -> None:
        self._connection.run(lambda client: client.eval(_RELEASE, 1, self._lease_prefix + key, token))

    def lease_held(self, key: str) -> bool:
        return bool(self._connection.run(lambda client: client.exists(self._lease_prefix + key)))

    def close(self) -> None:
        if self._owner:
            self._connection.close()
