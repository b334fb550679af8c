"""The judge kinds, one unit each, and their registry.

Adding a kind is one new module (its tasks, judging, verdict lines and run figures; see
``docs/judge-kinds.md``) and one line in ``_BUILT_IN`` below.  A kind's module is imported the
first time a verdict of that kind is judged or reported, so a run pays only for the kinds it uses.
"""

from __future__ import annotations

from importlib import import_module
from collections.abc import Mapping

from .kind import JudgeKind

_BUILT_IN: dict[str, str] = {
    # verdict kind -> module (its KIND), in the order the run summary shows them
    "checklist": "checklist", "checkeval": "checkeval", "steps": "steps", "calibration": "calibration",
    "compare": "pairwise", "rubric": "rubric", "refine": "refine", "best_of": "best_of",
    "consistency": "consistency", "grounding": "grounding",
}
_KINDS: dict[str, JudgeKind] = {}


def _identity(kind: JudgeKind) -> str:
    return f"{type(kind).__module__}.{type(kind).__qualname__}"


def _built_in(name: str) -> JudgeKind | None:
    """The built-in kind of this name, its module imported now if it was not yet (None: no such kind)."""
    module = _BUILT_IN.get(name)
    if module is None:
        return None
    kind: JudgeKind = import_module(f"{__name__}.{module}").KIND
    return _KINDS.setdefault(name, kind)


def register(kind: JudgeKind) -> JudgeKind:
    """Make a kind known to the report (by its verdicts' ``kind``); returns it.

    Registering the same kind class again (its module imported anew) replaces it; another kind
    under a name already taken (by a built-in kind too) is refused.
    """
    if not kind.name:
        raise ValueError(f"{type(kind).__name__} has no name")
    taken = _KINDS.get(kind.name)
    if taken is None and kind.name in _BUILT_IN:
        own = f"{__name__}.{_BUILT_IN[kind.name]}"
        taken = _built_in(kind.name) if type(kind).__module__ != own else None
    if taken is not None and _identity(taken) != _identity(kind):
        raise ValueError(f"a judge kind named {kind.name!r} is already registered ({_identity(taken)})")
    _KINDS[kind.name] = kind
    return kind


def kind_names() -> list[str]:
    """The names of every kind, built-in or registered, in the order the run summary shows them (nothing
    is imported)."""
    return [*_BUILT_IN, *(name for name in _KINDS if name not in _BUILT_IN)]


def kinds() -> list[JudgeKind]:
    """Every kind, in the order the run summary shows them (the built-in kinds' modules are imported)."""
    found = (_KINDS.get(name) or _built_in(name) for name in kind_names())
    return [kind for kind in found if kind is not None]


def _named(name: object) -> JudgeKind | None:
    return _KINDS.get(str(name)) or _built_in(str(name))


def known_kind(verdict: object) -> JudgeKind | None:
    """The kind of a verdict (a model, or its JSON form: a mapping with ``kind``); None when this process
    has no such kind registered (the report then shows the verdict by its headline)."""
    return _named(verdict.get("kind") if isinstance(verdict, Mapping) else getattr(verdict, "kind", None))


def kind_of(verdict: object) -> JudgeKind:
    """The kind of a verdict; an unregistered kind is a LookupError."""
    kind = known_kind(verdict)
    if kind is None:
        name = verdict.get("kind") if isinstance(verdict, Mapping) else getattr(verdict, "kind", None)
        raise LookupError(f"no judge kind named {name!r} is registered")
    return kind
