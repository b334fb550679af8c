"""The CheckEval checklist loaders under their first public module name (they live in
``pytest_critique.judges.checkeval.files``; ``from pytest_critique import load_checklist`` is the
documented way to reach them)."""

from __future__ import annotations

from .judges.checkeval.files import *  # noqa: F403
from .judges.checkeval.files import __all__  # noqa: F401
