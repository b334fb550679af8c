"""Reading judge replies: JSON extraction and the Task that ties a template to its schema.

A task is the contract between a judge kind (``judges/``, which defines its tasks) and the engine
(which runs them): it sits below both.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Generic, Mapping, TypeVar

from pydantic import BaseModel, ValidationError

from .backends.base import JudgeCall, Reply
from .errors import plain_problems
from .settings import Settings


class ReplyProblem(Exception):
    """A reply could not be read; the message says why (it is shown to the judge on repair)."""

    def __init__(self, message: str, kind: str = "unparseable"):
        super().__init__(message)
        self.kind = kind


_UNTRUSTED_FIELDS = ("response", "steps", "step", "previous", "source", "context", "first", "second", "question",
                     "questions", "candidates", "passage", "sentence", "claim", "sources")


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


_SHORT = 12


class _Quotes:
    """Tells whether a piece of a reply also occurs in the text under test (after normalising both).

    A short line without a label (``Yes.``, ``**Correct**``) is a quote only when the text under test
    holds it as a line of its own: such a word occurs inside almost any text, and a judge that
    answers with it is not quoting a sentence that happens to contain it.  Anything longer, or with
    a label (``ANSWER: YES``), is a quote wherever it occurs in the text under test.
    """

    def __init__(self, untrusted: str):
        self.untrusted = normalise(untrusted) if untrusted else ""
        self.lines = {normalise(line).rstrip(".!") for line in untrusted.splitlines()} if untrusted else set()

    def __call__(self, fragment: str) -> bool:
        if not self.untrusted:
            return False
        wanted = normalise(fragment)
        if not wanted:
            return False
        if len(wanted) < _SHORT and not re.search(r"[:=]", wanted):
            return wanted.rstrip(".!") in self.lines
        return wanted in self.untrusted


_MAX_OBJECT_STARTS = 200
_MAX_LENIENT = 20_000
"""Longest text read as an almost-JSON object (answers are short; ast.literal_eval is not run on more)."""
_MAX_LENIENT_TRIES = 20
"""Objects a reply may hold that strict JSON refuses and are tried leniently (each try scans ahead)."""
_TRAILING_COMMA = re.compile(r",(\s*[}\]])")
_JSON_WORDS = re.compile(r"\b(true|false|null)\b")


def _balanced_end(text: str, start: int) -> int | None:
    """The end of the brace-balanced object starting at ``start`` (strings in either quote kept whole)."""
    depth, quote, escaped = 0, "", False
    for index in range(start, min(len(text), start + _MAX_LENIENT)):
        char = text[index]
        if quote:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return index + 1
    return None


def _python_words(source: str) -> str:
    """JSON's true/false/null as Python's, outside quoted strings."""
    parts = re.split(r"(\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*')", source)
    return "".join(part if index % 2 else _JSON_WORDS.sub(
        lambda m: {"true": "True", "false": "False", "null": "None"}[m.group(1)], part)
        for index, part in enumerate(parts))


def _lenient_object(source: str) -> dict[str, Any] | None:
    """An object written the way models write almost-JSON: trailing commas, single quotes, Python's
    True/False/None.  None when it is not one."""
    try:
        value = json.loads(_TRAILING_COMMA.sub(r"\1", source))
    except (json.JSONDecodeError, ValueError, RecursionError):
        try:
            value = ast.literal_eval(_python_words(source))
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            return None
    return value if isinstance(value, dict) and all(isinstance(key, str) for key in value) else None


def json_objects(text: str) -> list[tuple[str, dict[str, Any]]]:
    """Every top-level object in ``text`` (fenced or not, strict JSON or the almost-JSON models
    write), with its source text, in order."""
    decoder = json.JSONDecoder()
    found: list[tuple[str, dict[str, Any]]] = []
    position, tried, lenient_tries = 0, 0, 0
    while tried < _MAX_OBJECT_STARTS:
        start = text.find("{", position)
        if start < 0:
            break
        tried += 1
        try:
            value, end = decoder.raw_decode(text, start)
        except (json.JSONDecodeError, ValueError, RecursionError):
            lenient_tries += 1
            end_of_object = _balanced_end(text, start) if lenient_tries <= _MAX_LENIENT_TRIES else None
            lenient = _lenient_object(text[start:end_of_object]) if end_of_object else None
            if lenient is None or end_of_object is None:
                position = start + 1
                continue
            value, end = lenient, end_of_object
        if isinstance(value, dict):
            found.append((text[start:end], value))
        position = end
    return found


_THINK_END = re.compile(r"(?i)</think(?:ing)?>")
_THINK_START = re.compile(r"(?i)<think(?:ing)?>")


def without_thinking(text: str) -> str:
    """The part of a reasoning model's reply after its last ``</think>`` (the reasoning before it may
    weigh both answers); a ``<think>`` never closed leaves nothing after it."""
    ends = list(_THINK_END.finditer(text))
    if ends:
        return text[ends[-1].end():]
    start = _THINK_START.search(text)
    return text[: start.start()] if start else text


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


_MARKUP = "*_`#>\"'\u201c\u201d\u2018\u2019 \t-\u2022\u2705\u2714\u274c\u2717\u2611\u2713\ufe0f"
ANSWER_END = r"(?=[\s*_`'\"\u201d]*(?:$|[.,;:!?()\[\]\u2014\u2013-]))"
"""What may follow an answer word: the end of the line, punctuation or markup (not "yes for A, no for B")."""
NOT_EITHER = r"(?![\s*_]*(?:or|/|and)\s*[*_]*\w)"
"""An answer word not offered as one of two (``YES or NO``, ``yes/no``)."""


def plain(line: str) -> str:
    """A line without markdown emphasis, heading and quote marks around it, nor a final full stop."""
    return line.strip().strip(_MARKUP).rstrip(".!").strip(_MARKUP).lower()


@dataclass(frozen=True)
class Statements:
    """Reads the answer a prose reply states, the ways models state it.

    ``patterns`` are regular expressions whose first group is the answer (a label such as
    ``Answer: YES``, a sentence such as ``the first wrong step is step 2``); ``bare`` maps a line
    that is nothing but an answer (``Yes.``, ``**Correct**``) to the answer.  Every statement found
    must agree: a reply that states two answers is a problem (repaired, then UNSCORED), one that
    states none gives None.  ``convert`` turns a matched group into the answer value.
    """

    key: str
    """The answer's field in the data read (``answer``, ``verdict``...)."""
    patterns: tuple[re.Pattern[str], ...] = ()
    bare: Mapping[str, Any] = field(default_factory=dict)
    convert: Callable[[str], Any] = lambda found: found
    leading: Mapping[str, Any] = field(default_factory=dict)
    """Answer words that state the answer when a line begins with one and punctuation (``No, it does
    not.``); only plain words such as YES/NO, never a label-like one (``Met: no`` begins with ``Met:``)."""
    final: tuple[re.Pattern[str], ...] = ()
    """Patterns read on the last line only (``... so I give it 4 out of 5.``)."""
    before: str = "reasoning"

    def found(self, text: str) -> tuple[list[Any], list[str]]:
        """The answers stated, and the lines that are reasoning (not only an answer)."""
        values: list[Any] = []
        reasoning: list[str] = []
        lines = [line for line in text.splitlines() if line.strip()]
        for number, line in enumerate(lines, start=1):
            short = plain(line)
            if short in self.bare:
                values.append(self.bare[short])
                continue
            if self.leading:
                match = _LEADING.match(line)
                if match and match.group(1).lower() in self.leading:
                    if not HEDGE.match(line[match.end():]):
                        values.append(self.leading[match.group(1).lower()])
                    reasoning.append(line)
                    continue
            patterns = self.patterns + (self.final if number == len(lines) else ())
            matches = [match for pattern in patterns for match in pattern.finditer(line)
                       if not _CONDITIONAL.search(line[: match.start()]) and not HEDGE.match(line[match.end():])]
            values.extend(self.convert(match.group(1)) for match in matches)
            rest = line
            for match in matches:
                rest = rest.replace(match.group(0), " ")
            if not matches or re.search(r"\w{3}", rest):
                reasoning.append(line)
        return values, reasoning

    def __call__(self, text: str) -> dict[str, Any] | None:
        values, reasoning = self.found(text)
        distinct = list(dict.fromkeys(json.dumps(value) for value in values))
        if len(distinct) > 1:
            shown = ", ".join(distinct[:4])
            raise ReplyProblem(f"the reply states more than one answer ({shown}); state exactly one")
        if not distinct:
            return None
        return {self.before: "\n".join(reasoning).strip(), self.key: values[0]}


HEDGE = re.compile(r"^[\s*_,.;:\u2014\u2013-]*(?:mostly|partially|partly|somewhat|sort\s+of|kind\s+of|arguably|"
                    r"probably|possibly|maybe|perhaps|but|though|although|except|in\s+part|not\s+entirely|"
                    r"not\s+fully|to\s+some\s+extent|more\s+or\s+less|largely|mainly|almost|nearly|roughly|"
                    r"in\s+a\s+way|with\s+reservations|with\s+caveats)\b", re.IGNORECASE)
"""Words after an answer that take part of it back (``YES, mostly``): such an answer is a hedge, not read."""
_CONDITIONAL = re.compile(r"\b(?:if|whether|unless|suppose|assuming)\b", re.IGNORECASE)
"""Words before an answer that make it a supposition, not a statement (``if the answer is YES, ...``)."""
_LEADING = re.compile(r"^[\s*_>#\-\u2705\u2714\u274c\u2717\u2611\u2713\ufe0f]*([A-Za-z]+)[*_]*"
                      r"(?:[.,;:!]|\s*[\u2014\u2013]|\s+-\s)")


_NUMBERED = (
    # "Q1: YES", "1. **No** - ...", "Question 2) yes", "Q1 \u2014 Yes", "Answer 3: NO"
    re.compile(r"^[\s*_>#-]*(?:q|question\s*|answer\s*)?(\d{1,3})[*_]*\s*[.):=\u2014\u2013-]+[\s*_]*(yes|no)"
               + ANSWER_END + NOT_EITHER, re.IGNORECASE),
    # a Markdown table row: "| 1 | Does it mention a fox? | Yes |"
    re.compile(r"^\s*\|\s*(?:q)?(\d{1,3})\s*\|.*\|[\s*_]*(yes|no)[\s*_]*\|\s*$", re.IGNORECASE),
    # "1. Does it mention a fox? Yes", "Q2 (Is it short?): **NO**"
    re.compile(r"^[\s*_>#-]*(?:q|question\s*)?(\d{1,3})[*_]*\s*[.):]\s.*?[?:\u2014\u2013\u2192-][\s*_]*(yes|no)[*_]*[.!]?\s*$",
               re.IGNORECASE),
)


def numbered_answers(text: str) -> dict[str, Any] | None:
    """Answers given as numbered lines (``Q1: YES``, ``2. No``, ``3. Is it short? Yes``), in number order;
    one number answered twice differently is a problem."""
    answers: dict[int, str] = {}
    for line in text.splitlines():
        for pattern in _NUMBERED:
            match = pattern.match(line)
            if match:
                number, answer = int(match.group(1)), match.group(2).upper()
                if answers.get(number, answer) != answer:
                    raise ReplyProblem(f"the reply answers question {number} both YES and NO")
                answers[number] = answer
                break
    if not answers:
        return None
    return {"answers": [{"question": number, "answer": answers[number]} for number in sorted(answers)]}


def _summarise(error: ValidationError) -> str:
    return plain_problems(error.errors(), "reply")


AnswerT = TypeVar("AnswerT", bound=BaseModel)
MAX_TOKENS_CAP = 4096


def tokens_per(fixed: int, each: int, name: str) -> Callable[[dict[str, Any]], int]:
    """A ``max_tokens`` default of ``fixed`` plus ``each`` per entry of the request's field ``name``."""
    return lambda fields: min(MAX_TOKENS_CAP, fixed + each * len(fields.get(name) or ()))


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
    tokens: Callable[[dict[str, Any]], int] = lambda fields: 1024
    """The default ``max_tokens`` of a request (room for the reasoning the prompt asks for)."""

    def call(self, fields: dict[str, Any], settings: Settings, sample: int = 0,
             temperature: float = 0.0) -> JudgeCall:
        """One request of this task with these inputs, limited as ``settings`` say."""
        return JudgeCall(task=self.name, template=self.template, fields=fields, params={"temperature": temperature},
                         sample=sample, timeout=settings.timeout, retries=settings.retries,
                         max_retry_wait=settings.max_retry_wait,
                         max_reply_bytes=settings.max_reply_bytes, answer_offline=self.offline,
                         max_tokens=settings.max_tokens or self.tokens(fields),
                         answer_model=self.schema, structured_output=settings.structured_output,
                         show_prompt=settings.show_prompt)

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
        if reply.finish_reason == "length":
            # Never read: whatever answer it holds may have been taken back in the part that was cut.
            limit = f"max_tokens={call.max_tokens}" if call.max_tokens else "the provider's token limit"
            raise ReplyProblem(f"the reply was truncated at {limit} (finish_reason=length); raise "
                               "--critique-max-tokens", "truncated")
        return self._read_text(reply.text or "", call)

    def _decision(self, value: dict[str, Any]) -> Any:
        """What an answer decides, compared after the schema's own normalising (``"4/5"`` is 4)."""
        try:
            value = self.schema.model_validate(value).model_dump(mode="json")
        except ValidationError:
            pass
        return _answers(value)

    def _read_text(self, text: str, call: JudgeCall) -> dict[str, Any]:
        if not text.strip():
            raise ReplyProblem("the reply was empty")
        text = without_thinking(text)
        if not text.strip():
            raise ReplyProblem("the reply holds reasoning (<think>) and no answer after it")
        quoted = _Quotes(untrusted_text(call.fields))
        fields = set(self.schema.model_fields)
        own_objects, quoted_answers = [], []
        for source, value in json_objects(text):
            if not quoted(source):
                own_objects.append(value)
            elif self._decision(value) is not None:
                quoted_answers.append(self._decision(value))
        own_lines, quoted_lines = [], []
        for line in text.splitlines():
            if line.strip() and quoted(line):
                quoted_lines.append(line)
                own_lines.append("")  # keeps the reasoning before an answer line in place
            else:
                own_lines.append(line)
        for line in quoted_lines:
            try:
                found = self.text_fallback(line)
            except ReplyProblem:
                continue
            if found is not None and self._decision(found) is not None:
                quoted_answers.append(self._decision(found))
        fallback = self.text_fallback("\n".join(own_lines))
        answering = [value for value in own_objects if fields & set(value)]
        if len({json.dumps(self._decision(value)) for value in answering}) > 1:
            raise ReplyProblem("the reply gives two different answers (two JSON objects disagree)")
        data = answering[-1] if answering else (own_objects[-1] if own_objects else None)
        if data is None:
            data = fallback
        elif (fallback is not None and self._decision(fallback) is not None
              and self._decision(fallback) != self._decision(data)):
            raise ReplyProblem("the reply gives two different answers (its JSON and an answer line disagree)")
        if data is None:
            if quoted_answers:
                raise ReplyProblem("the only answers in the reply are copied from the text under test; "
                                   "give your own answer in the requested format")
            snippet = " ".join(text.split())[:120]
            raise ReplyProblem(f"the reply holds no JSON object (it begins: {snippet!r})")
        own = self._decision(data)
        if own is not None and any(answer != own for answer in quoted_answers) and not self.failing(own):
            raise ReplyProblem("the reply gives two different answers (one of them is also in the text under "
                               "test, so it may be a quote); give one answer of your own")
        return self.validate(data, call)
