"""What the critics of one session share: the judge engine, backends and frozen checklists."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, Callable

from .backends import builtin_backend
from .backends.base import Backend
from .budget import Budget
from .cache.stores import SharedStore
from .engine import JudgeEngine
from .freeze import FrozenChecklists
from .settings import Settings
from .files import resolve


class Runtime:
    """What the critics of one session share: the engine, backends and frozen checklists."""

    def __init__(self, root: Path | str = ".",
                 make_backend: Callable[[Settings], Backend] | None = None, budget: Budget | None = None,
                 breaker: int = Settings.breaker, in_flight: int = Settings.concurrency,
                 shared_store: SharedStore | None = None):
        self.root = Path(root).resolve()
        self.engine = JudgeEngine(self.root, budget, breaker, in_flight, shared_store)
        self._make_backend = make_backend or (lambda settings: builtin_backend(settings, self.root))
        self._backends: dict[tuple[Any, ...], Backend] = {}
        self._frozen: dict[Path, FrozenChecklists] = {}
        self._lock = threading.Lock()
        self.warned: set[str] = set()
        """Warnings already given in this run (each is given once)."""

    def backend(self, settings: Settings) -> Backend:
        __tracebackhide__ = True
        key = (settings.model, settings.api_base, settings.api_key, settings.client)
        with self._lock:
            if key not in self._backends:
                self._backends[key] = self._make_backend(settings)
            return self._backends[key]

    def frozen(self, settings: Settings) -> FrozenChecklists:
        path = resolve(settings.checklists, self.root)
        with self._lock:
            if path not in self._frozen:
                self._frozen[path] = FrozenChecklists(path)
            return self._frozen[path]

    def close(self) -> None:
        self.engine.close()
        with self._lock:
            backends, self._backends = list(self._backends.values()), {}
        for backend in backends:
            close = getattr(backend, "close", None)
            if callable(close):
                close()
