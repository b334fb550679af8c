"""pytest-critique: test LLM applications with checklist judges, cached verdicts and per-item reports.

Importing this package is cheap: the names below load their modules (pydantic, jinja2,
diskcache, litellm) only when first used.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    # what tests call, and its settings
    "Critic": "critic",
    "Case": "cases",
    "critique_cases": "cases",
    "load_cases": "cases",
    "Settings": "settings",
    "CacheMode": "cache.modes",
    # verdicts, with every sub-verdict that appears in their fields
    "Checklist": "models",
    "ChecklistVerdict": "models",
    "ItemVerdict": "models",
    "JurorVote": "models",
    "Vote": "models",
    "Usage": "models",
    "Drift": "models",
    "StepsVerdict": "judges.steps_verdicts",
    "StepVerdict": "judges.steps_verdicts",
    "CheckEvalVerdict": "judges.checkeval.verdicts",
    "DimensionVerdict": "judges.checkeval.verdicts",
    "SubAspectVerdict": "judges.checkeval.verdicts",
    "QuestionVerdict": "judges.checkeval.verdicts",
    "CompareVerdict": "trust_models",
    "OrderJudgement": "trust_models",
    "ComparedItem": "trust_models",
    "Rubric": "trust_models",
    "RubricVerdict": "trust_models",
    "RefineVerdict": "judges.refine",
    "RefineRound": "judges.refine",
    "BestOfVerdict": "judges.best_of",
    "BestOfCandidate": "judges.best_of",
    "ConsistencyVerdict": "judges.consistency",
    "SentenceVerdict": "judges.consistency",
    "GroundingVerdict": "judges.grounding",
    "ClaimVerdict": "judges.grounding",
    "CalibrationVerdict": "trust_models",
    "CalibrationItem": "trust_models",
    "CategoryFigures": "trust_models",
    "StepCalibration": "trust_models",
    "StepDisagreement": "trust_models",
    # judges: the protocol a backend implements, what it returns, and the judges that ship
    "Backend": "backends.base",
    "Reply": "backends.base",
    "OfflineJudge": "backends.base",
    "ScriptedJudge": "backends.scripted",
    "RecordedJudge": "backends.recorded",
    "LiteLLMBackend": "backends.litellm_backend",
    # errors
    "CritiqueError": "errors",
    "CritiqueUsageError": "errors",
    "CritiqueFailed": "errors",
    "UnscoredError": "errors",
    "JudgeFailure": "errors",
    "CacheMissError": "errors",
    # CheckEval checklists and their loaders
    "load_checklist": "judges.checkeval.files",
    "load_released": "judges.checkeval.files",
    "load_released_dir": "judges.checkeval.files",
    "parse_checklist": "judges.checkeval.files",
    "builtin": "judges.checkeval.files",
    "builtin_names": "judges.checkeval.files",
    "CheckEvalChecklist": "judges.checkeval.files",
    "Dimension": "judges.checkeval.files",
    "Question": "judges.checkeval.files",
    "SubAspect": "judges.checkeval.files",
    "ChecklistFileError": "judges.checkeval.files",
    "dump_checklist": "judges.checkeval.files",
}

__all__ = ["__version__", *_EXPORTS]

if TYPE_CHECKING:
    from .backends.base import Backend, OfflineJudge, Reply
    from .backends.litellm_backend import LiteLLMBackend
    from .backends.recorded import RecordedJudge
    from .backends.scripted import ScriptedJudge
    from .cache.modes import CacheMode
    from .cases import Case, critique_cases, load_cases
    from .critic import Critic
    from .errors import (CacheMissError, CritiqueError, CritiqueFailed, CritiqueUsageError, JudgeFailure,
                         UnscoredError)
    from .judges.best_of import BestOfCandidate, BestOfVerdict
    from .judges.consistency import ConsistencyVerdict, SentenceVerdict
    from .judges.grounding import ClaimVerdict, GroundingVerdict
    from .judges.refine import RefineRound, RefineVerdict
    from .judges.checkeval.files import (CheckEvalChecklist, ChecklistFileError, Dimension, Question, SubAspect,
                                         builtin, builtin_names, dump_checklist, load_checklist, load_released,
                                         load_released_dir, parse_checklist)
    from .judges.checkeval.verdicts import CheckEvalVerdict, DimensionVerdict, QuestionVerdict, SubAspectVerdict
    from .judges.steps_verdicts import StepsVerdict, StepVerdict
    from .models import Checklist, ChecklistVerdict, Drift, ItemVerdict, JurorVote, Usage, Vote
    from .settings import Settings
    from .trust_models import (CalibrationItem, CalibrationVerdict, CategoryFigures, ComparedItem, CompareVerdict,
                               OrderJudgement, Rubric, RubricVerdict, StepCalibration, StepDisagreement)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'pytest_critique' has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value
