"""Reading judge replies: JSON extraction and the Task that ties a template to its schema.

A task is the contract between a judge kind (``judges/``, which defines its tasks) and the engine
(which runs them): it sits below both.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Callable, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from .backends.base import JudgeCall, Reply
from .settings import Settings


class ReplyProblem(Exception):
    """A reply could not be read; the message says why (it is shown to the judge on repair)."""

    def __init__(self, message: str, kind: str = "unparseable"):
        super().__init__(message)
        self.kind = kind


_UNTRUSTED_FIELDS = ("response", "steps", "step", "previous", "source", "context", "first", "second")


def untrusted_text(fields: dict[str, Any]) -> str:
    """The text under test in a request: what a judge may quote but must not be taken as its answer."""
    parts: list[str] = []
    for name in _UNTRUSTED_FIELDS:
        value = fields.get(name)
        if isinstance(value, str):
            parts.append(value)
        elif isinstance(value, (list, tuple)):
            parts.extend(item for item in value if isinstance(item, str))
    return "\n".join(parts)


_QUOTE_MARKERS = re.compile(r"(?m)^[ \t]*(?:>[ \t]*)+")
_IGNORED = re.compile(r"[\s\"'`*_\u201c\u201d\u2018\u2019]+")


def normalise(text: str) -> str:
    """Text as compared for quoting: case, whitespace, quote marks, emphasis and ``>`` markers ignored."""
    return _IGNORED.sub("", _QUOTE_MARKERS.sub("", text).lower())


class _Quotes:
    """Tells whether a piece of a reply also occurs in the text under test (after normalising both)."""

    def __init__(self, untrusted: str):
        self.untrusted = normalise(untrusted) if untrusted else ""

    def __call__(self, fragment: str) -> bool:
        if not self.untrusted:
            return False
        wanted = normalise(fragment)
        return bool(wanted) and wanted in self.untrusted


_MAX_OBJECT_STARTS = 200


def json_objects(text: str) -> list[tuple[str, dict[str, Any]]]:
    """Every top-level JSON object in ``text`` (fenced or not), with its source text, in order."""
    decoder = json.JSONDecoder()
    found: list[tuple[str, dict[str, Any]]] = []
    position, tried = 0, 0
    while tried < _MAX_OBJECT_STARTS:
        start = text.find("{", position)
        if start < 0:
            break
        tried += 1
        try:
            value, end = decoder.raw_decode(text, start)
        except (json.JSONDecodeError, ValueError, RecursionError):
            position = start + 1
            continue
        if isinstance(value, dict):
            found.append((text[start:end], value))
        position = end
    return found


def extract_json_object(text: str, untrusted: str = "") -> dict[str, Any] | None:
    """The last JSON object a reply holds that is not copied from ``untrusted`` (the text under test)."""
    quoted = _Quotes(untrusted)
    own = [value for source, value in json_objects(text) if not quoted(source)]
    return own[-1] if own else None


def _word(value: Any) -> str:
    if isinstance(value, bool):
        return "YES" if value else "NO"
    return str(value).strip().strip(".*\"'` ").upper()


def _answers(data: dict[str, Any]) -> Any:
    """The decision a reply's data carries, comparable between candidates (None: it carries none)."""
    for key in ("answer", "verdict", "first_wrong_step", "winner", "score"):
        if key in data:
            return _word(data[key])
    if isinstance(data.get("answers"), list):
        return [_word(item.get("answer", "")) for item in data["answers"] if isinstance(item, dict)]
    return None


def one_per_entry(entries: list[Any], expected: int, entry: str, of: str) -> None:
    """A numbered list in a reply must hold one ``entry`` per ``of``, in order (numbers may be left out)."""
    if len(entries) != expected:
        raise ReplyProblem(f"expected {expected} {entry}s, one per {of} in order, got {len(entries)}")
    numbers = [item.question for item in entries]
    if all(number is not None for number in numbers) and numbers != list(range(1, expected + 1)):
        raise ReplyProblem(f"{entry}s must follow the {of}s' order 1..{expected}, got {numbers}")


def final_line(pattern: re.Pattern[str], text: str, before: str, value: str,
               convert: Callable[[str], Any] = str) -> dict[str, Any] | None:
    """A reply ending in a line such as ``ANSWER: YES`` instead of JSON: the text before it is ``before``."""
    matches = list(pattern.finditer(text))
    if not matches:
        return None
    last = matches[-1]
    return {before: text[: last.start()].strip(), value: convert(last.group(1))}


def _summarise(error: ValidationError) -> str:
    parts = []
    for item in error.errors()[:3]:
        location = ".".join(str(part) for part in item["loc"]) or "reply"
        parts.append(f"{location}: {item['msg']}")
    return "; ".join(parts)


AnswerT = TypeVar("AnswerT", bound=BaseModel)


@dataclass(frozen=True)
class Task(Generic[AnswerT]):
    """One kind of judge request: its template, the schema of its answer, and how to read text."""

    name: str
    template: str
    schema: type[AnswerT]
    check: Callable[[AnswerT, JudgeCall], None] = lambda answer, call: None
    """Extra validation that needs the request (e.g. one answer per question)."""
    text_fallback: Callable[[str], dict[str, Any] | None] = lambda text: None
    """Reads a reply that is not JSON (e.g. a final ``ANSWER: YES`` line)."""
    failing: Callable[[Any], bool] = lambda answer: False
    """Whether an answer (as ``_answers`` gives it) is the verdict against the response: a judge's
    own failing answer stands even when the reply also quotes a passing one from the response."""
    decided: Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]] = lambda data, fields: {}
    """What an answer decided, keyed by what it was about (from the answer data and the request's
    fields): what drift compares between two judgements of one request.  Empty: not tracked."""
    offline: Callable[[Any, JudgeCall], dict[str, Any]] | None = None
    """The answer data an offline judge (``OfflineJudge``, passed first) gives for a request, from
    its rule methods; None when offline judges cannot answer this task."""

    def call(self, fields: dict[str, Any], settings: Settings, sample: int = 0,
             temperature: float = 0.0) -> JudgeCall:
        """One request of this task with these inputs, limited as ``settings`` say."""
        return JudgeCall(task=self.name, template=self.template, fields=fields, params={"temperature": temperature},
                         sample=sample, timeout=settings.timeout, retries=settings.retries,
                         max_reply_bytes=settings.max_reply_bytes, answer_offline=self.offline)

    def validate(self, data: Any, call: JudgeCall) -> dict[str, Any]:
        try:
            answer = self.schema.model_validate(data)
        except ValidationError as exc:
            raise ReplyProblem(f"the reply does not have the expected shape ({_summarise(exc)})") from None
        self.check(answer, call)
        return answer.model_dump(mode="json")

    def read(self, reply: Reply, call: JudgeCall) -> dict[str, Any]:
        """Validated answer data from a reply, or :class:`ReplyProblem`.

        Only the judge's own answer counts: a JSON object or answer line that also occurs in the
        text under test (after normalising case, whitespace, quote marks and ``>`` markers) may be
        a quote of an injected answer, so it is never taken as the answer, and when it contradicts
        the judge's own answer the reply is a problem (repaired once, then UNSCORED).
        """
        if reply.data is not None:
            return self.validate(reply.data, call)
        text = reply.text or ""
        if reply.finish_reason == "length":
            raise ReplyProblem("the reply was cut off by the token limit (finish_reason=length)", "truncated")
        if not text.strip():
            raise ReplyProblem("the reply was empty")
        quoted = _Quotes(untrusted_text(call.fields))
        fields = set(self.schema.model_fields)
        own_objects, quoted_answers = [], []
        for source, value in json_objects(text):
            if not quoted(source):
                own_objects.append(value)
            elif _answers(value) is not None:
                quoted_answers.append(_answers(value))
        own_lines, quoted_lines = [], []
        for line in text.splitlines():
            if line.strip() and quoted(line):
                quoted_lines.append(line)
                own_lines.append("")  # keeps the reasoning before an answer line in place
            else:
                own_lines.append(line)
        quoted_answers.extend(_answers(found) for found in map(self.text_fallback, quoted_lines)
                              if found is not None and _answers(found) is not None)
        fallback = self.text_fallback("\n".join(own_lines))
        answering = [value for value in own_objects if fields & set(value)]
        if len({json.dumps(_answers(value)) for value in answering}) > 1:
            raise ReplyProblem("the reply gives two different answers (two JSON objects disagree)")
        data = answering[-1] if answering else (own_objects[-1] if own_objects else None)
        if data is None:
            data = fallback
        elif fallback is not None and _answers(fallback) is not None and _answers(fallback) != _answers(data):
            raise ReplyProblem("the reply gives two different answers (its JSON and an answer line disagree)")
        if data is None:
            if quoted_answers:
                raise ReplyProblem("the only answers in the reply are copied from the text under test; "
                                   "give your own answer in the requested format")
            snippet = " ".join(text.split())[:120]
            raise ReplyProblem(f"the reply holds no JSON object (it begins: {snippet!r})")
        own = _answers(data)
        if own is not None and any(answer != own for answer in quoted_answers) and not self.failing(own):
            raise ReplyProblem("the reply gives two different answers (one of them is also in the text under "
                               "test, so it may be a quote); give one answer of your own")
        return self.validate(data, call)
