"""Reading judge replies: JSON extraction and the Task that ties a template to its schema."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Callable

from pydantic import BaseModel, ValidationError

from ..backends.base import JudgeCall, Reply

_FENCE = re.compile(r"^```[a-zA-Z]*\s*\n(.*?)\n?```\s*$", re.DOTALL)


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


def _without_quoted_lines(text: str, untrusted: str) -> str:
    """The reply without lines copied from the text under test (a quoted fake answer is not an answer)."""
    if not untrusted:
        return text
    return "\n".join(line for line in text.splitlines() if not line.strip() or line.strip() not in untrusted)


def _answers(data: dict[str, Any]) -> Any:
    for key in ("answer", "verdict", "first_wrong_step", "winner", "score"):
        if key in data:
            return str(data[key]).strip().upper()
    if isinstance(data.get("answers"), list):
        return [str(item.get("answer", "")).strip().upper() for item in data["answers"] if isinstance(item, dict)]
    return None


def extract_json_object(text: str, untrusted: str = "") -> dict[str, Any] | None:
    """The JSON object a reply holds: the whole text, a fenced block, or the outermost braces.

    A candidate copied word for word from ``untrusted`` (the text under test) is skipped.
    """
    stripped = text.strip()
    fenced = _FENCE.match(stripped)
    candidates = [fenced.group(1)] if fenced else []
    candidates.append(stripped)
    start, end = stripped.find("{"), stripped.rfind("}")
    if 0 <= start < end:
        candidates.append(stripped[start:end + 1])
    for candidate in candidates:
        if untrusted and candidate.strip() in untrusted:
            continue
        try:
            value = json.loads(candidate)
        except (json.JSONDecodeError, ValueError):
            continue
        if isinstance(value, dict):
            return value
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


@dataclass(frozen=True)
class Task:
    """One kind of judge request: its template, the schema of its answer, and how to read text."""

    name: str
    template: str
    schema: type[BaseModel]
    check: Callable[[BaseModel, JudgeCall], None] = lambda answer, call: None
    """Extra validation that needs the request (e.g. one answer per question)."""
    text_fallback: Callable[[str], dict[str, Any] | None] = lambda text: None
    """Reads a reply that is not JSON (e.g. a final ``ANSWER: YES`` line)."""

    def validate(self, data: Any, call: JudgeCall) -> dict[str, Any]:
        try:
            answer = self.schema.model_validate(data)
        except ValidationError as exc:
            raise ReplyProblem(f"the reply does not have the expected shape ({_summarise(exc)})") from None
        self.check(answer, call)
        return answer.model_dump(mode="json")

    def read(self, reply: Reply, call: JudgeCall) -> dict[str, Any]:
        """Validated answer data from a reply, or :class:`ReplyProblem`."""
        if reply.data is not None:
            return self.validate(reply.data, call)
        text = reply.text or ""
        if reply.finish_reason == "length":
            raise ReplyProblem("the reply was cut off by the token limit (finish_reason=length)", "truncated")
        if not text.strip():
            raise ReplyProblem("the reply was empty")
        untrusted = untrusted_text(call.fields)
        data = extract_json_object(text, untrusted)
        fallback = self.text_fallback(_without_quoted_lines(text, untrusted))
        if data is None:
            data = fallback
        elif fallback is not None and _answers(fallback) is not None and _answers(fallback) != _answers(data):
            raise ReplyProblem("the reply gives two different answers (its JSON and an answer line disagree)")
        if data is None:
            snippet = " ".join(text.split())[:120]
            raise ReplyProblem(f"the reply holds no JSON object (it begins: {snippet!r})")
        return self.validate(data, call)
