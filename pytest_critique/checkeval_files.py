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

import math
import os
import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, overload

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .errors import CritiqueUsageError

if TYPE_CHECKING:  # pragma: no cover
    import yaml

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

_SUFFIXES = (".yaml", ".yml")


# --------------------------------------------------------------------------------------------
# Models
# --------------------------------------------------------------------------------------------

_MODEL_CONFIG = ConfigDict(extra="forbid", strict=True, use_attribute_docstrings=True)


def _name(value: str, what: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError(f"{what} must not be empty")
    return value


class Question(BaseModel):
    """One boolean question of a sub-aspect."""

    model_config = _MODEL_CONFIG

    text: str
    """The question put to the judge, answered YES or NO."""
    yes_is_good: bool = True
    """Whether YES is the good answer (False for questions that ask whether a defect is present)."""
    weight: float = Field(1.0, gt=0, allow_inf_nan=False)
    """The question's share in its dimension's score, relative to the other questions (> 0)."""
    required: bool = False
    """When True, the dimension fails if this question goes the bad way, whatever its score."""

    @field_validator("text")
    @classmethod
    def _text_not_empty(cls, value: str) -> str:
        return _name(value, "question text")


class SubAspect(BaseModel):
    """A named facet of a dimension; all its questions are answered in one judge call."""

    model_config = _MODEL_CONFIG

    name: str
    """The sub-aspect's name, shown to the judge (e.g. "Factual Consistency")."""
    questions: list[Question] = Field(min_length=1)
    """The sub-aspect's questions, in the order the judge answers them (at least one)."""

    @field_validator("name")
    @classmethod
    def _name_not_empty(cls, value: str) -> str:
        return _name(value, "sub-aspect name")


class Dimension(BaseModel):
    """A quality dimension, scored as the weighted share of good answers over its questions."""

    model_config = _MODEL_CONFIG

    name: str
    """The dimension's name (e.g. "consistency"), unique within a checklist."""
    definition: str
    """What the dimension means, shown to the judge with every sub-aspect."""
    sub_aspects: list[SubAspect] = Field(min_length=1)
    """The dimension's sub-aspects (at least one), names unique."""

    @field_validator("name")
    @classmethod
    def _name_not_empty(cls, value: str) -> str:
        return _name(value, "dimension name")

    @field_validator("definition")
    @classmethod
    def _strip_definition(cls, value: str) -> str:
        return value.strip()

    @model_validator(mode="after")
    def _unique_sub_aspects(self) -> "Dimension":
        names = [sub_aspect.name for sub_aspect in self.sub_aspects]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ValueError(f"dimension {self.name!r} repeats sub-aspect {', '.join(map(repr, repeated))}")
        return self

    @property
    def questions(self) -> list[Question]:
        """Every question of every sub-aspect, in order."""
        return [question for sub_aspect in self.sub_aspects for question in sub_aspect.questions]

    @property
    def question_count(self) -> int:
        return sum(len(sub_aspect.questions) for sub_aspect in self.sub_aspects)

    def sub_aspect(self, name: str) -> SubAspect:
        for sub_aspect in self.sub_aspects:
            if sub_aspect.name == name:
                return sub_aspect
        raise KeyError(f"dimension {self.name!r} has no sub-aspect {name!r}; it has: "
                       f"{', '.join(s.name for s in self.sub_aspects)}")


class CheckEvalChecklist(BaseModel):
    """Dimensions to judge a response on, each with its sub-aspects and questions."""

    model_config = _MODEL_CONFIG

    dimensions: list[Dimension]
    """The dimensions, names unique, in the order they are judged and reported."""

    @model_validator(mode="after")
    def _unique_dimensions(self) -> "CheckEvalChecklist":
        names = self.dimension_names
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ValueError(f"dimension {', '.join(map(repr, repeated))} defined more than once")
        return self

    @property
    def dimension_names(self) -> list[str]:
        return [dimension.name for dimension in self.dimensions]

    def dimension(self, name: str) -> Dimension:
        """The dimension called ``name``; KeyError (listing the available names) if absent."""
        for dimension in self.dimensions:
            if dimension.name == name:
                return dimension
        raise KeyError(f"no dimension {name!r}; the checklist has: {', '.join(self.dimension_names) or 'none'}")

    @property
    def question_count(self) -> int:
        """Questions over all dimensions."""
        return sum(dimension.question_count for dimension in self.dimensions)

    def question_counts(self) -> dict[str, int]:
        """Questions per dimension, in the checklist's order."""
        return {dimension.name: dimension.question_count for dimension in self.dimensions}

    def select(self, names: Iterable[str]) -> "CheckEvalChecklist":
        """A checklist with only the named dimensions, in the order given."""
        chosen = list(names)
        unknown = [name for name in chosen if name not in self.dimension_names]
        if unknown:
            raise CritiqueUsageError(
                f"unknown dimension {', '.join(map(repr, unknown))}; available: {', '.join(self.dimension_names)}")
        return CheckEvalChecklist(dimensions=[self.dimension(name) for name in chosen])

    def to_yaml(self) -> str:
        """The checklist in the file format (the several-dimensions form); see :func:`dump_checklist`."""
        return dump_checklist(self)


# --------------------------------------------------------------------------------------------
# Errors and helpers
# --------------------------------------------------------------------------------------------


class ChecklistFileError(CritiqueUsageError):
    """A checklist file cannot be used.  The message starts with ``FILE:LINE:`` (or ``FILE:``)."""

    def __init__(self, path: str | os.PathLike[str], line: int | None, problem: str):
        self.path = str(path)
        self.line = line
        self.problem = problem
        where = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{where}: {problem}")


def split_questions(text: str) -> list[str]:
    """Split a folded string of questions after every ``?`` (kept), stripping and dropping empties."""
    parts = text.split("?")
    questions = []
    for position, part in enumerate(parts):
        piece = " ".join(part.split())
        if piece:
            questions.append(piece + "?" if position < len(parts) - 1 else piece)
    return questions


_EXISTENTIAL = re.compile(r"^\s*(?:are|is)\s+there\s+(?!no\b|not\b)", re.IGNORECASE)
_DEFECT = re.compile(
    r"\b(?:irrelevan\w*|redundan\w*|unnecessar\w*|inconsisten\w*|contradict\w*|errors?|mistakes?|"
    r"run-on|fragments?|repetit\w*|off-topic|filler|awkward\w*|ambigu\w*|confusing|unsupported|"
    r"hallucinat\w*|jargon)\b",
    re.IGNORECASE)


def released_yes_is_bad(text: str) -> bool:
    """The rule :func:`load_released` uses to find questions whose YES reports a defect.

    True when the question asks whether something exists ("Are there ...", "Is there ...", not
    followed by "no"/"not") and the question names a defect (see the module docstring).
    """
    return bool(_EXISTENTIAL.match(text)) and bool(_DEFECT.search(text))


def _stem_name(path: Path) -> str:
    return path.stem.split("_", 1)[0].strip()


# --------------------------------------------------------------------------------------------
# Reading files: YAML nodes -> models, with the line of every problem
# --------------------------------------------------------------------------------------------

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"

_QUESTION_OPTIONS = ("yes_is_good", "weight", "required")
_QUESTION_KEYS = ("text", *_QUESTION_OPTIONS)
_SINGLE_KEYS = ("dimension", "definition", "sub_aspects", "sub_aspect")
_DIMENSION_KEYS = ("definition", "sub_aspects", "sub_aspect")


class _Pending:
    """A question read from a file whose polarity may still be open (``yes_is_good`` None)."""

    __slots__ = ("text", "yes_is_good", "weight", "required")

    def __init__(self, text: str, yes_is_good: bool | None = None, weight: float = 1.0, required: bool = False):
        self.text = text
        self.yes_is_good = yes_is_good
        self.weight = weight
        self.required = required


Polarity = Callable[[str], bool]
"""Decides ``yes_is_good`` for a question whose file does not say."""


def _always_good(text: str) -> bool:
    return True


class _Reader:
    """Turns the node tree of one file into dimensions, raising ChecklistFileError with lines."""

    def __init__(self, origin: str, benchmark: str | None, polarity: Polarity):
        import yaml

        self.yaml = yaml
        self.origin = origin
        self.benchmark = benchmark
        self.polarity = polarity
        self.constructor = yaml.SafeLoader("")

    # -- generic node handling ---------------------------------------------------------------

    def fail(self, node: "yaml.Node", problem: str) -> ChecklistFileError:
        return ChecklistFileError(self.origin, node.start_mark.line + 1, problem)

    def kind(self, node: "yaml.Node") -> str:
        if isinstance(node, self.yaml.MappingNode):
            return "a mapping"
        if isinstance(node, self.yaml.SequenceNode):
            return "a list"
        return {
            _STR: f"text ({node.value!r})",
            _INT: f"a number ({node.value})",
            _FLOAT: f"a number ({node.value})",
            _BOOL: f"a boolean ({node.value}; quote it to use it as text)",
            _NULL: "nothing",
        }.get(node.tag, f"a value tagged {node.tag} ({node.value!r})")

    def entries(self, node: "yaml.Node", what: str) -> list[tuple[str, "yaml.Node", "yaml.Node"]]:
        """The (key, key node, value node) triples of a mapping node; keys must be text and unique."""
        if not isinstance(node, self.yaml.MappingNode):
            raise self.fail(node, f"{what} must be a mapping, got {self.kind(node)}")
        own = {id(key_node) for key_node, _ in node.value}
        try:
            self.constructor.flatten_mapping(node)  # resolve "<<" merge keys (merged entries come first)
        except self.yaml.MarkedYAMLError as exc:
            raise self.fail(node, f"{what}: {exc.problem}") from None
        found: dict[str, tuple[str, Any, Any]] = {}
        first_line: dict[str, int] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, self.yaml.ScalarNode):
                raise self.fail(key_node, f"{what}: a key must be plain text, got {self.kind(key_node)}")
            key = key_node.value.strip()
            if id(key_node) in own:
                if key in first_line:
                    raise self.fail(key_node, f"{what}: duplicate key {key!r} (first at line {first_line[key]})")
                first_line[key] = key_node.start_mark.line + 1
            found[key] = (key, key_node, value_node)  # a key written here overrides a merged one
        return list(found.values())

    def text(self, node: "yaml.Node", what: str) -> str:
        if not isinstance(node, self.yaml.ScalarNode) or node.tag != _STR:
            raise self.fail(node, f"{what} must be text, got {self.kind(node)}")
        value = " ".join(node.value.split())
        if not value:
            raise self.fail(node, f"{what} is empty")
        return value

    def boolean(self, node: "yaml.Node", what: str) -> bool:
        if not isinstance(node, self.yaml.ScalarNode) or node.tag != _BOOL:
            raise self.fail(node, f"{what} must be true or false, got {self.kind(node)}")
        return bool(self.constructor.construct_object(node))

    def weight(self, node: "yaml.Node", what: str) -> float:
        if not isinstance(node, self.yaml.ScalarNode) or node.tag not in (_INT, _FLOAT):
            raise self.fail(node, f"{what} must be a number > 0, got {self.kind(node)}")
        value = float(self.constructor.construct_object(node))
        if not math.isfinite(value) or value <= 0:
            raise self.fail(node, f"{what} must be a number > 0, got {node.value}")
        return value

    # -- the format -----------------------------------------------------------------------------

    def read(self, root: "yaml.Node | None", default_name: str | None) -> list[tuple[Dimension, int]]:
        """The file's dimensions, each with the line where it starts."""
        if root is None:
            raise ChecklistFileError(self.origin, 1, "the file is empty; expected 'sub_aspects' (one dimension) "
                                                     "or 'dimensions' (several)")
        top = self.entries(root, "the checklist file")
        keys = {key: (key_node, value_node) for key, key_node, value_node in top}
        if "dimensions" in keys:
            for key, key_node, _ in top:
                if key != "dimensions":
                    raise self.fail(key_node, f"unexpected key {key!r} beside 'dimensions' (a file holds one "
                                              "dimension with 'sub_aspects', or several under 'dimensions')")
            key_node, value_node = keys["dimensions"]
            listed = self.entries(value_node, "'dimensions'")
            if not listed:
                raise self.fail(key_node, "'dimensions' is empty")
            found = []
            for name, name_node, body in listed:
                if not name:
                    raise self.fail(name_node, "a dimension name is empty")
                if isinstance(body, self.yaml.ScalarNode) and body.tag == _NULL:
                    raise self.fail(name_node, f"dimension {name!r} is empty; give it a definition and sub_aspects")
                found.append((self.dimension(body, name, _DIMENSION_KEYS), name_node.start_mark.line + 1))
            return found
        if "dimension" in keys:
            name = self.text(keys["dimension"][1], "'dimension'")
        elif default_name:
            name = default_name
        else:
            raise self.fail(root, "missing 'dimension' (there is no file name to take it from)")
        return [(self.dimension(root, name, _SINGLE_KEYS), root.start_mark.line + 1)]

    def dimension(self, node: "yaml.Node", name: str, allowed: tuple[str, ...]) -> Dimension:
        where = f"dimension {name!r}"
        fields = self.entries(node, where)
        keys: dict[str, tuple[Any, Any]] = {}
        for key, key_node, value_node in fields:
            if key not in allowed:
                raise self.fail(key_node, f"unknown key {key!r} in {where}; expected {', '.join(allowed)}")
            keys[key] = (key_node, value_node)
        if "sub_aspects" in keys and "sub_aspect" in keys:
            raise self.fail(keys["sub_aspect"][0], f"{where} has both 'sub_aspects' and 'sub_aspect'; keep one")
        if "definition" not in keys:
            raise self.fail(node, f"{where}: missing 'definition'")
        definition = self.definition(keys["definition"][1], where)
        sub_key = "sub_aspects" if "sub_aspects" in keys else "sub_aspect"
        if sub_key not in keys:
            raise self.fail(node, f"{where}: missing 'sub_aspects'")
        key_node, value_node = keys[sub_key]
        if isinstance(value_node, self.yaml.ScalarNode) and value_node.tag == _NULL:
            raise self.fail(key_node, f"{where} has no sub-aspects")
        listed = self.entries(value_node, f"'{sub_key}' of {where}")
        if not listed:
            raise self.fail(key_node, f"{where} has no sub-aspects")
        sub_aspects = [self.sub_aspect(sub_name, sub_node, body, where) for sub_name, sub_node, body in listed]
        try:
            return Dimension(name=name, definition=definition, sub_aspects=sub_aspects)
        except ValidationError as exc:  # pragma: no cover - the checks above come first
            raise self.fail(node, f"{where}: {exc.errors()[0]['msg']}") from None

    def definition(self, node: "yaml.Node", where: str) -> str:
        if isinstance(node, self.yaml.MappingNode):
            per_benchmark = {key: (key_node, value_node)
                             for key, key_node, value_node in self.entries(node, f"the definition of {where}")}
            if not per_benchmark:
                raise self.fail(node, f"the definition of {where} is empty")
            if self.benchmark is not None:
                if self.benchmark not in per_benchmark:
                    raise self.fail(node, f"the definition of {where} has no entry for benchmark "
                                          f"{self.benchmark!r}; it has: {', '.join(per_benchmark)}")
                chosen = self.benchmark
            elif len(per_benchmark) == 1:
                chosen = next(iter(per_benchmark))
            else:
                raise self.fail(node, f"the definition of {where} has several benchmarks "
                                      f"({', '.join(per_benchmark)}); name one with benchmark=")
            return self.text(per_benchmark[chosen][1], f"the {chosen!r} definition of {where}")
        return self.text(node, f"the definition of {where}")

    def sub_aspect(self, name: str, name_node: "yaml.Node", node: "yaml.Node", dimension: str) -> SubAspect:
        if not name:
            raise self.fail(name_node, f"a sub-aspect name of {dimension} is empty")
        where = f"sub-aspect {name!r} of {dimension}"
        pending: list[_Pending] = []
        if isinstance(node, self.yaml.ScalarNode):
            if node.tag == _NULL or (node.tag == _STR and not node.value.strip()):
                raise self.fail(name_node, f"{where} has no questions")
            if node.tag != _STR:
                raise self.fail(node, f"the questions of {where} must be text, a list or a mapping, "
                                      f"got {self.kind(node)}")
            pending = [_Pending(text) for text in split_questions(node.value)]
        elif isinstance(node, self.yaml.SequenceNode):
            if not node.value:
                raise self.fail(name_node, f"{where} has no questions")
            pending = [self.question(item, f"question {index} of {where}")
                       for index, item in enumerate(node.value, 1)]
        else:
            listed = self.entries(node, where)
            if not listed:
                raise self.fail(name_node, f"{where} has no questions")
            for index, (text, text_node, options) in enumerate(listed, 1):
                what = f"question {index} of {where}"
                if not text:
                    raise self.fail(text_node, f"{what} is empty")
                pending.append(_Pending(" ".join(text.split())))
                if isinstance(options, self.yaml.ScalarNode) and options.tag == _NULL:
                    continue
                if not isinstance(options, self.yaml.MappingNode):
                    raise self.fail(options, f"the options of {what} must be a mapping of "
                                             f"{', '.join(_QUESTION_OPTIONS)}, got {self.kind(options)}")
                self.options(pending[-1], self.entries(options, what), what, _QUESTION_OPTIONS)
        questions = []
        for item in pending:
            yes_is_good = item.yes_is_good if item.yes_is_good is not None else bool(self.polarity(item.text))
            questions.append(Question(text=item.text, yes_is_good=yes_is_good, weight=item.weight,
                                      required=item.required))
        return SubAspect(name=name, questions=questions)

    def question(self, node: "yaml.Node", what: str) -> _Pending:
        if isinstance(node, self.yaml.ScalarNode):
            if node.tag != _STR:
                raise self.fail(node, f"{what} must be text or a mapping with 'text', got {self.kind(node)}")
            return _Pending(self.text(node, what))
        if not isinstance(node, self.yaml.MappingNode):
            raise self.fail(node, f"{what} must be text or a mapping with 'text', got {self.kind(node)}")
        fields = self.entries(node, what)
        texts = [value_node for key, _, value_node in fields if key == "text"]
        if not texts:
            raise self.fail(node, f"{what}: missing 'text'")
        item = _Pending(self.text(texts[0], f"the text of {what}"))
        self.options(item, [entry for entry in fields if entry[0] != "text"], what, _QUESTION_KEYS)
        return item

    def options(self, item: _Pending, fields: list[tuple[str, Any, Any]], what: str, allowed: tuple[str, ...]) -> None:
        for key, key_node, value_node in fields:
            if key == "yes_is_good":
                item.yes_is_good = self.boolean(value_node, f"'yes_is_good' of {what}")
            elif key == "required":
                item.required = self.boolean(value_node, f"'required' of {what}")
            elif key == "weight":
                item.weight = self.weight(value_node, f"'weight' of {what}")
            else:
                raise self.fail(key_node, f"unknown key {key!r} in {what}; expected {', '.join(allowed)}")


def _compose(text: str, origin: str) -> Any:
    import yaml

    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "malformed YAML"
        if exc.context and exc.problem:
            context_line = f" at line {exc.context_mark.line + 1}" if exc.context_mark else ""
            problem = f"{exc.problem} ({exc.context}{context_line})"
        raise ChecklistFileError(origin, mark.line + 1 if mark else None, f"invalid YAML: {problem}") from None
    except yaml.YAMLError as exc:  # ReaderError: a character YAML does not allow
        position = getattr(exc, "position", None)
        line = text[:position].count("\n") + 1 if isinstance(position, int) else None
        raise ChecklistFileError(origin, line, f"invalid YAML: {exc}") from None


def _read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ChecklistFileError(path, None, "no such checklist file") from None
    except OSError as exc:
        raise ChecklistFileError(path, None, f"cannot read the checklist file: {exc.strerror or exc}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise ChecklistFileError(path, line, f"not UTF-8 text (byte 0x{data[exc.start]:02x})") from None


def _read_file(path: Path, benchmark: str | None, polarity: Polarity) -> list[tuple[Dimension, int]]:
    text = _read_text(path)
    reader = _Reader(str(path), benchmark, polarity)
    return reader.read(_compose(text, str(path)), _stem_name(path))


def _merge(found: Iterable[tuple[Dimension, str, int | None]]) -> CheckEvalChecklist:
    seen: dict[str, str] = {}
    dimensions = []
    for dimension, origin, line in found:
        where = f"{origin}:{line}" if line is not None else origin
        if dimension.name in seen:
            raise ChecklistFileError(origin, line, f"dimension {dimension.name!r} is already defined "
                                                   f"(at {seen[dimension.name]})")
        seen[dimension.name] = where
        dimensions.append(dimension)
    return CheckEvalChecklist(dimensions=dimensions)


def _expand(paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]]) -> list[Path]:
    given = [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)
    if not given:
        raise CritiqueUsageError("no checklist file given")
    files: list[Path] = []
    for entry in given:
        path = Path(entry)
        if path.is_dir():
            inside = sorted(p for p in path.iterdir() if p.suffix in _SUFFIXES and p.is_file())
            if not inside:
                raise ChecklistFileError(path, None, "the folder holds no .yaml or .yml checklist file")
            files.extend(inside)
        else:
            files.append(path)
    return files


# --------------------------------------------------------------------------------------------
# Public loaders
# --------------------------------------------------------------------------------------------


def parse_checklist(text: str, *, origin: str = "<string>", name: str | None = None,
                    benchmark: str | None = None) -> CheckEvalChecklist:
    """Read checklist YAML from a string.  ``origin`` names it in error messages; ``name`` is the
    dimension name when a one-dimension text has no ``dimension`` key."""
    reader = _Reader(origin, benchmark, _always_good)
    return _merge((dimension, origin, line) for dimension, line in reader.read(_compose(text, origin), name))


def load_checklist(paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]], *,
                   benchmark: str | None = None) -> CheckEvalChecklist:
    """Load one checklist file, a folder of them (``*.yaml``/``*.yml``), or a list of either, merged
    in order; dimension names must be unique across all of them.  Questions without
    ``yes_is_good`` count YES as good."""
    found = []
    for path in _expand(paths):
        found.extend((dimension, str(path), line) for dimension, line in _read_file(path, benchmark, _always_good))
    return _merge(found)


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
    found = _read_file(path, benchmark, _polarity(yes_is_bad))
    return _merge((dimension, str(path), line) for dimension, line in found)


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
    for path in sorted(p for p in folder.iterdir() if p.suffix in _SUFFIXES and p.is_file()):
        by_stage.setdefault(_stage(path), []).append(path)
    if not by_stage:
        raise ChecklistFileError(folder, None, "the folder holds no .yaml or .yml checklist file")
    polarity = _polarity(yes_is_bad)

    def load_stage(files: list[Path]) -> CheckEvalChecklist:
        return _merge((dimension, str(path), line) for path in files
                      for dimension, line in _read_file(path, benchmark, polarity))

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


def _question_data(question: Question) -> str | dict[str, Any]:
    options: dict[str, Any] = {}
    if not question.yes_is_good:
        options["yes_is_good"] = False
    if question.weight != 1.0:
        options["weight"] = int(question.weight) if question.weight.is_integer() else question.weight
    if question.required:
        options["required"] = True
    return {"text": question.text, **options} if options else question.text


def dump_checklist(checklist: CheckEvalChecklist, path: str | os.PathLike[str] | None = None) -> str:
    """The checklist as YAML in the several-dimensions form (written to ``path`` when given).

    Questions with default options are plain strings; loading the text gives an equal checklist.
    """
    import yaml

    data = {"dimensions": {
        dimension.name: {
            "definition": dimension.definition,
            "sub_aspects": {sub_aspect.name: [_question_data(question) for question in sub_aspect.questions]
                            for sub_aspect in dimension.sub_aspects},
        } for dimension in checklist.dimensions}}
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100, default_flow_style=False)
    if path is not None:
        Path(path).write_text(text, encoding="utf-8")
    return text


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
    path = Path(entry)
    return path if path.is_absolute() or root is None else Path(root) / path


def _as_checklist(checklist: Any, root: Path | None) -> CheckEvalChecklist:
    if isinstance(checklist, CheckEvalChecklist):
        return checklist
    if isinstance(checklist, Dimension):
        return CheckEvalChecklist(dimensions=[checklist])
    if isinstance(checklist, str) and checklist in builtin_names():
        return builtin(checklist)
    if isinstance(checklist, (str, os.PathLike)):
        path = _path(checklist, root)
        looks_like_file = path.suffix in _SUFFIXES or os.sep in str(checklist) or "/" in str(checklist)
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
            raise CritiqueUsageError(f"checklist=: {exc.errors()[0]['msg']}") from None
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
