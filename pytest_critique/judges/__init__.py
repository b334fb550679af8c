"""The judge kinds, one unit each, and their registry.

Adding a kind is one new module (its tasks, judging, verdict lines and run figures; see
``docs/judge-kinds.md``) and one line in ``_KINDS`` below.
"""

from __future__ import annotations

from typing import Mapping

from .best_of import KIND as BEST_OF
from .calibration import KIND as CALIBRATION
from .checkeval import KIND as CHECKEVAL
from .checklist import KIND as CHECKLIST
from .consistency import KIND as CONSISTENCY
from .grounding import KIND as GROUNDING
from .kind import JudgeKind
from .pairwise import KIND as PAIRWISE
from .refine import KIND as REFINE
from .rubric import KIND as RUBRIC
from .steps import KIND as STEPS

_KINDS: dict[str, JudgeKind] = {}


def _identity(kind: JudgeKind) -> str:
    return f"{type(kind).__module__}.{type(kind).__qualname__}"


def register(kind: JudgeKind) -> JudgeKind:
    """Make a kind known to the report (by its verdicts' ``kind``); returns it.

    Registering the same kind class again (its module imported anew) replaces it; another kind
    under a name already taken is refused.
    """
    if not kind.name:
        raise ValueError(f"{type(kind).__name__} has no name")
    taken = _KINDS.get(kind.name)
    if taken is not None and _identity(taken) != _identity(kind):
        raise ValueError(f"a judge kind named {kind.name!r} is already registered ({_identity(taken)})")
    _KINDS[kind.name] = kind
    return kind


for _kind in (CHECKLIST, CHECKEVAL, STEPS, CALIBRATION, PAIRWISE, RUBRIC, REFINE, BEST_OF, CONSISTENCY,
              GROUNDING):
    register(_kind)


def kinds() -> list[JudgeKind]:
    """Every registered kind, in the order the run summary shows them."""
    return list(_KINDS.values())


def known_kind(verdict: object) -> JudgeKind | None:
    """The kind of a verdict (a model, or its JSON form: a mapping with ``kind``); None when this process
    has no such kind registered (the report then shows the verdict by its headline)."""
    name = verdict.get("kind") if isinstance(verdict, Mapping) else getattr(verdict, "kind", None)
    return _KINDS.get(str(name))


def kind_of(verdict: object) -> JudgeKind:
    """The kind of a verdict; an unregistered kind is a LookupError."""
    kind = known_kind(verdict)
    if kind is None:
        name = verdict.get("kind") if isinstance(verdict, Mapping) else getattr(verdict, "kind", None)
        raise LookupError(f"no judge kind named {name!r} is registered")
    return kind
