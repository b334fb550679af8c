"""CheckEval checklist files: the file format, loading with line-accurate errors, built-ins.

A CheckEval checklist (Lee et al.) splits each quality *dimension* (coherence, consistency...)
into *sub-aspects*, and each sub-aspect into boolean questions.  The judge answers all questions
of one sub-aspect in one call; a dimension's score is the weighted share of its questions answered
in the good direction.

File format (YAML)
------------------
One dimension per file::

    dimension: consistency        # optional; defaults to the file name's stem up to the first "_"
                                  # ("consistency_seed.yaml" -> "consistency")
    definition: "..."             # a string, or a mapping benchmark -> string (see below)
    sub_aspects:                  # "sub_aspect" (the released CheckEval files' key) is accepted too
      Factual Consistency:
        - Does the summary ...?   # a plain string: one question, yes_is_good true, weight 1
        - text: Are there any irrelevant details ...?
          yes_is_good: false      # YES is the bad answer for this question
          weight: 2               # a number > 0 (default 1)
          required: true          # the dimension fails when this question goes the bad way

or several dimensions in one file, under a top-level ``dimensions`` mapping::

    dimensions:
      consistency:
        definition: "..."
        sub_aspects: {...}        # as above
      fluency: {...}

A sub-aspect's value may be

* a **list**, one question per item: a string, or a mapping with ``text`` and optionally
  ``yes_is_good`` (bool), ``weight`` (number > 0) and ``required`` (bool);
* a **string** holding one or more questions folded together, as in the released CheckEval files:
  it is split after every ``?`` (each question keeps its ``?``; pieces are stripped, empty ones
  dropped; text after the last ``?`` is kept as a final question);
* a **mapping** from question text to that question's options (``yes_is_good``, ``weight``,
  ``required``), or to nothing for the defaults.

``definition`` may be a mapping from benchmark name to definition (the released files use
``{summeval: ...}`` or ``{topical_chat: ...}``): a single entry is taken as is; with several
entries, name one with ``benchmark=``.

YAML note: inside flow collections (``[...]``, ``{...}``) PyYAML does not accept a ``?`` in an
unquoted question; quote such questions there, or use the block style shown above.

Names: dimension names are unique within a checklist (also across merged files), sub-aspect names
within a dimension; keys may not repeat in any mapping.  Every problem found while loading raises
:class:`ChecklistFileError` (a ``CritiqueUsageError``) whose message starts with ``FILE:LINE:``.

Polarity of the released files
------------------------------
The released CheckEval files carry no polarity: every question is meant to be answered YES by a
good text, but a few are phrased so that YES reports a defect.  :func:`load_released` applies one
explicit rule, :func:`released_yes_is_bad`, to questions without an explicit ``yes_is_good``:
YES is bad when the question **asks whether something exists** ("Are there ...", "Is there ...",
not followed by "no"/"not") **and names a defect** (irrelevant, redundant, unnecessary,
inconsistent, contradictory, error, mistake, run-on, fragment, repetition, off-topic, filler,
awkward, ambiguous, confusing, unsupported, hallucinated, jargon).  In the 24 released files this
marks four distinct questions (listed in the tests).

Built-ins
---------
:func:`builtin` loads the team's own checklists (``summarization``, ``dialogue``, ``rag``) from
the ``checklists/`` folder next to this module.  PyYAML is imported only when a file is read or
written.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, overload

from pydantic import ValidationError

from ...errors import CritiqueUsageError, plain_problems


from .models import CheckEvalChecklist, Dimension, Question, SubAspect, dump_checklist
from .yaml_text import (ChecklistFileError, Polarity, compose, expand_paths, merge_dimensions, read_file,
                             SUFFIXES, Reader, always_good, released_yes_is_bad, split_questions)
from ...files import resolve

__all__ = [
    "BUILTIN_DIR",
    "CheckEvalChecklist",
    "ChecklistFileError",
    "Dimension",
    "Question",
    "SubAspect",
    "builtin",
    "builtin_names",
    "dump_checklist",
    "load_checklist",
    "load_released",
    "load_released_dir",
    "parse_checklist",
    "released_yes_is_bad",
    "resolve_checklist",
    "split_questions",
]

BUILTIN_DIR = Path(__file__).resolve().parent / "checklists"
"""The folder holding the built-in checklist files (``<name>.yaml``)."""



# --------------------------------------------------------------------------------------------
# Public loaders
# --------------------------------------------------------------------------------------------


def parse_checklist(text: str, *, origin: str = "<string>", name: str | None = None,
                    benchmark: str | None = None) -> CheckEvalChecklist:
    """Read checklist YAML from a string.  ``origin`` names it in error messages; ``name`` is the
    dimension name when a one-dimension text has no ``dimension`` key."""
    reader = Reader(origin, benchmark, always_good)
    return merge_dimensions((dimension, origin, line) for dimension, line in reader.read(compose(text, origin), name))


def load_checklist(paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]], *,
                   benchmark: str | None = None) -> CheckEvalChecklist:
    """Load one checklist file, a folder of them (``*.yaml``/``*.yml``), or a list of either, merged
    in order; dimension names must be unique across all of them.  Questions without
    ``yes_is_good`` count YES as good."""
    found: list[tuple[Any, str, int]] = []
    for path in expand_paths(paths):
        found.extend((dimension, str(path), line) for dimension, line in read_file(path, benchmark, always_good))
    return merge_dimensions(found)


def _polarity(yes_is_bad: Polarity | Iterable[str] | None) -> Polarity:
    if yes_is_bad is None:
        return lambda text: not released_yes_is_bad(text)
    if callable(yes_is_bad):
        rule = yes_is_bad
        return lambda text: not rule(text)
    listed = {" ".join(text.split()) for text in yes_is_bad}
    return lambda text: text not in listed


def load_released(path: str | os.PathLike[str], *, benchmark: str | None = None,
                  yes_is_bad: Polarity | Iterable[str] | None = None) -> CheckEvalChecklist:
    """Load one released CheckEval file (``<dimension>_<stage>.yaml``) as a one-dimension checklist.

    Questions the file gives no ``yes_is_good`` get it from ``yes_is_bad``: by default the rule
    :func:`released_yes_is_bad`; or a function text -> bool (True: YES is bad); or the exact texts
    of the yes-is-bad questions.
    """
    path = Path(path)
    found = read_file(path, benchmark, _polarity(yes_is_bad))
    return merge_dimensions((dimension, str(path), line) for dimension, line in found)


def _stage(path: Path) -> str:
    return path.stem.split("_", 1)[1] if "_" in path.stem else ""


@overload
def load_released_dir(directory: str | os.PathLike[str], stage: None = None, *, benchmark: str | None = None,
                      yes_is_bad: Polarity | Iterable[str] | None = None) -> dict[str, CheckEvalChecklist]: ...
@overload
def load_released_dir(directory: str | os.PathLike[str], stage: str, *, benchmark: str | None = None,
                      yes_is_bad: Polarity | Iterable[str] | None = None) -> CheckEvalChecklist: ...
def load_released_dir(directory: str | os.PathLike[str], stage: str | None = None, *,
                      benchmark: str | None = None,
                      yes_is_bad: Polarity | Iterable[str] | None = None,
                      ) -> CheckEvalChecklist | dict[str, CheckEvalChecklist]:
    """Load a folder of released files named ``<dimension>_<stage>.yaml``.

    With ``stage`` ("seed", "diversification", "elaboration"): one checklist with that stage's
    dimensions (sorted by file name).  Without: a mapping stage -> checklist, stages sorted.
    Polarity as in :func:`load_released`.
    """
    folder = Path(directory)
    if not folder.is_dir():
        raise ChecklistFileError(folder, None, "not a folder of checklist files")
    by_stage: dict[str, list[Path]] = {}
    for path in sorted(p for p in folder.iterdir() if p.suffix in SUFFIXES and p.is_file()):
        by_stage.setdefault(_stage(path), []).append(path)
    if not by_stage:
        raise ChecklistFileError(folder, None, "the folder holds no .yaml or .yml checklist file")
    polarity = _polarity(yes_is_bad)

    def load_stage(files: list[Path]) -> CheckEvalChecklist:
        return merge_dimensions((dimension, str(path), line) for path in files
                      for dimension, line in read_file(path, benchmark, polarity))

    if stage is not None:
        if stage not in by_stage:
            raise ChecklistFileError(folder, None, f"no files for stage {stage!r}; stages found: "
                                                   f"{', '.join(sorted(by_stage))}")
        return load_stage(by_stage[stage])
    return {name: load_stage(by_stage[name]) for name in sorted(by_stage)}


def builtin_names() -> list[str]:
    """The names :func:`builtin` accepts (the ``.yaml`` files of the built-in folder), sorted."""
    if not BUILTIN_DIR.is_dir():
        return []
    return sorted(path.stem for path in BUILTIN_DIR.iterdir() if path.suffix == ".yaml")


def builtin(name: str) -> CheckEvalChecklist:
    """A built-in checklist: "summarization", "dialogue" or "rag" (see :func:`builtin_names`)."""
    names = builtin_names()
    if name not in names:
        raise CritiqueUsageError(f"no built-in checklist {name!r}; available: {', '.join(names) or 'none'}")
    return load_checklist(BUILTIN_DIR / f"{name}.yaml")


# --------------------------------------------------------------------------------------------
# What checkeval() accepts
# --------------------------------------------------------------------------------------------


def _builtin_dimension(name: str) -> Dimension:
    holders = [(source, checklist.dimension(name)) for source in builtin_names()
               for checklist in [builtin(source)] if name in checklist.dimension_names]
    if not holders:
        available = sorted({d for source in builtin_names() for d in builtin(source).dimension_names})
        raise CritiqueUsageError(f"no built-in dimension {name!r}; built-in dimensions: {', '.join(available)} "
                                 "(or pass checklist= with your own file)")
    if len(holders) > 1:
        sources = " or ".join(repr(source) for source, _ in holders)
        raise CritiqueUsageError(f"dimension {name!r} is in several built-in checklists; "
                                 f"pass checklist={sources}")
    return holders[0][1]


def _path(entry: str | os.PathLike[str], root: Path | None) -> Path:
    return resolve(entry, root)


def _as_checklist(checklist: Any, root: Path | None) -> CheckEvalChecklist:
    if isinstance(checklist, CheckEvalChecklist):
        return checklist
    if isinstance(checklist, Dimension):
        return CheckEvalChecklist(dimensions=[checklist])
    if isinstance(checklist, str) and checklist in builtin_names():
        return builtin(checklist)
    if isinstance(checklist, (str, os.PathLike)):
        path = _path(checklist, root)
        looks_like_file = path.suffix in SUFFIXES or os.sep in str(checklist) or "/" in str(checklist)
        if not path.exists() and not looks_like_file:
            raise CritiqueUsageError(f"unknown checklist {str(checklist)!r}: not a built-in "
                                     f"({', '.join(builtin_names())}) and no such file")
        return load_checklist(path)
    if isinstance(checklist, Sequence) and not isinstance(checklist, (str, bytes)):
        if checklist and all(isinstance(entry, (str, os.PathLike)) and str(entry) not in builtin_names()
                             for entry in checklist):
            return load_checklist([_path(entry, root) for entry in checklist])
        parts = [_as_checklist(entry, root) for entry in checklist]
        if not parts:
            raise CritiqueUsageError("checklist= is an empty list")
        dimensions = [dimension for part in parts for dimension in part.dimensions]
        try:
            return CheckEvalChecklist(dimensions=dimensions)
        except ValidationError as exc:
            raise CritiqueUsageError(f"checklist=: {plain_problems(exc.errors(), 'checklist', most=1)}") from None
    raise CritiqueUsageError(f"checklist= must be a built-in name ({', '.join(builtin_names())}), a YAML file, "
                             f"a list of them, or a CheckEvalChecklist; got {type(checklist).__name__}")


def resolve_checklist(checklist: Any = None, dimensions: str | Sequence[str] | None = None,
                      root: str | os.PathLike[str] | None = None) -> list[Dimension]:
    """The dimensions ``checkeval()`` judges.

    ``checklist``: a built-in name, a YAML file or folder (relative to ``root`` unless absolute),
    a list of those, a :class:`CheckEvalChecklist` or a :class:`Dimension`.  Without it, each of
    ``dimensions`` is looked up among the built-ins (it must be in exactly one).  ``dimensions``
    restricts and orders the result.  Problems raise :class:`CritiqueUsageError`.
    """
    names = [dimensions] if isinstance(dimensions, str) else (list(dimensions) if dimensions is not None else None)
    if names is not None and not names:
        raise CritiqueUsageError("dimensions= is empty")
    base = Path(root) if root is not None else None
    if checklist is None:
        if names is None:
            raise CritiqueUsageError(f"name a checklist (built-in: {', '.join(builtin_names())}; or a YAML file) "
                                     "or built-in dimensions=")
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise CritiqueUsageError(f"dimensions= repeats {', '.join(map(repr, repeated))}")
        return [_builtin_dimension(name) for name in names]
    loaded = _as_checklist(checklist, base)
    if names is None:
        return list(loaded.dimensions)
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise CritiqueUsageError(f"dimensions= repeats {', '.join(map(repr, repeated))}")
    return list(loaded.select(names).dimensions)
