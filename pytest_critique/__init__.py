"""pytest-critique: test LLM applications with checklist judges, cached verdicts and per-item reports.

Importing this package is cheap: the names below load their modules (pydantic, jinja2,
diskcache, litellm) only when first used.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "Critic": "critic",
    "Runtime": "runtime",
    "Settings": "settings",
    "Checklist": "models",
    "ChecklistVerdict": "models",
    "ItemVerdict": "models",
    "Usage": "models",
    "Vote": "models",
    "StepVerdict": "models",
    "StepsVerdict": "models",
    "CheckEvalVerdict": "models",
    "DimensionVerdict": "models",
    "JurorVote": "models",
    "CompareVerdict": "trust_models",
    "OrderJudgement": "trust_models",
    "Rubric": "trust_models",
    "RubricVerdict": "trust_models",
    "Drift": "models",
    "CalibrationVerdict": "trust_models",
    "CacheMode": "cache.modes",
    "ScriptedJudge": "backends.scripted",
    "RecordedJudge": "backends.recorded",
    "LiteLLMBackend": "backends.litellm_backend",
    "OfflineJudge": "backends.base",
    "JudgeCall": "backends.base",
    "Reply": "backends.base",
    "CritiqueError": "errors",
    "CritiqueUsageError": "errors",
    "CritiqueFailed": "errors",
    "UnscoredError": "errors",
    "JudgeFailure": "errors",
    "CacheMissError": "errors",
}

__all__ = ["__version__", *_EXPORTS]

if TYPE_CHECKING:
    from .backends.base import JudgeCall, OfflineJudge, Reply
    from .backends.litellm_backend import LiteLLMBackend
    from .backends.recorded import RecordedJudge
    from .backends.scripted import ScriptedJudge
    from .cache.modes import CacheMode
    from .critic import Critic
    from .runtime import Runtime
    from .errors import (CacheMissError, CritiqueError, CritiqueFailed, CritiqueUsageError, JudgeFailure,
                         UnscoredError)
    from .models import (CheckEvalVerdict, Checklist, ChecklistVerdict, DimensionVerdict, Drift, ItemVerdict,
                         JurorVote, StepsVerdict, StepVerdict, Usage, Vote)
    from .trust_models import CalibrationVerdict, CompareVerdict, OrderJudgement, Rubric, RubricVerdict
    from .settings import Settings


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'pytest_critique' has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value
