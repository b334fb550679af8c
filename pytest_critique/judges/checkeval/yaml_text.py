"""Reading checklist YAML with line numbers, so every error names its file and line.

PyYAML is imported only when a file is read.  The public loaders are in
:mod:`pytest_critique.judges.checkeval.files`.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from ...errors import CritiqueUsageError, plain_problems

if TYPE_CHECKING:  # pragma: no cover
    import yaml

from .models import CheckEvalChecklist, Dimension, Question, SubAspect

SUFFIXES = (".yaml", ".yml")


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


def always_good(text: str) -> bool:
    return True


class Reader:
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
            raise self.fail(node, f"{where}: {plain_problems(exc.errors(), 'dimension', most=1)}") from None

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


def compose(text: str, origin: str) -> Any:
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


def read_file(path: Path, benchmark: str | None, polarity: Polarity) -> list[tuple[Dimension, int]]:
    text = _read_text(path)
    reader = Reader(str(path), benchmark, polarity)
    return reader.read(compose(text, str(path)), _stem_name(path))


def merge_dimensions(found: Iterable[tuple[Dimension, str, int | None]]) -> CheckEvalChecklist:
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


def expand_paths(paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]]) -> list[Path]:
    given = [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)
    if not given:
        raise CritiqueUsageError("no checklist file given")
    files: list[Path] = []
    for entry in given:
        path = Path(entry)
        if path.is_dir():
            inside = sorted(p for p in path.iterdir() if p.suffix in SUFFIXES and p.is_file())
            if not inside:
                raise ChecklistFileError(path, None, "the folder holds no .yaml or .yml checklist file")
            files.extend(inside)
        else:
            files.append(path)
    return files
