"""Text helpers for the report: untrusted text made safe for a terminal, shortened and wrapped.

Standard library only, like everything the report builds from verdicts' JSON form.
"""

from __future__ import annotations

import re
import textwrap
from typing import Any, Mapping, Sequence

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_BIDI = re.compile(r"[\u202a-\u202e\u2066-\u2069]")


_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")
"""Any character :func:`clean` escapes (the three classes above in one)."""


def clean(text: str) -> str:
    """Untrusted text made safe for a terminal: control, escape and bidi-override characters escaped."""
    if text.isascii():  # ASCII is unsafe only in its control characters, which isprintable() finds faster
        if text.replace("\n", " ").replace("\t", " ").isprintable():
            return text
    elif _UNSAFE.search(text) is None:
        return text  # the usual case: one scan instead of three substitutions
    text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    text = _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    return _BIDI.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


_QUOTED = re.compile(r"'([^'\n]{2,80})'|\"([^\"\n]{2,80})\"|(\d[\d.,:/-]*\d)")


def _wanted_at(text: str, keep: str) -> tuple[int, int] | None:
    """Where in ``text`` the first value that ``keep`` quotes (or a number it names) occurs."""
    found = [(text.find(value), len(value)) for match in _QUOTED.finditer(keep)
             for value in match.groups() if value and value in text]
    return min(found) if found else None


def shorten(text: str, width: int, keep: str = "") -> str:
    """One line of at most ``width`` characters, cut in the middle when too long.

    ``keep``: a text about this one (a judge's reason): the first value it quotes that occurs here
    (``arrival='2026-06-13'`` in a reason about a tool call) is kept, and the parts around it are
    cut instead, so a shortened line still shows what differs.
    """
    room = width - 5
    if not keep and width >= 20 and len(text) > 4 * width + 128:
        # A long text (a response): only its two ends are shown, and escaping and folding spaces work
        # character by character, so the ends are made from the ends alone, the same as from the whole.
        window = 2 * width + 64
        opening = " ".join(clean(text[:window]).split())
        closing = " ".join(clean(text[-window:]).split())
        if len(opening) > width and len(closing) >= room // 3:
            return f"{opening[:room - room // 3]} ... {closing[len(closing) - room // 3:]}"
    text = " ".join(clean(text).split())
    if len(text) <= width:
        return text
    head_end, tail_start = room - room // 3, len(text) - room // 3
    at = _wanted_at(text, keep) if keep else None
    if at is None or at[0] + at[1] <= head_end or at[0] >= tail_start or at[1] > room - 20:
        return f"{text[:head_end]} ... {text[tail_start:]}"
    start, length = at
    room -= 5  # a second " ... "
    head = min(start, room // 4)
    tail = min(len(text) - start - length, room // 4)
    around = room - head - tail - length
    before = min(start - head, around // 2)
    after = min(len(text) - tail - start - length, around - before)
    end = start + length + after
    return (text[:head] + (" ... " if start - before > head else "") + text[start - before:end]
            + (" ... " if end < len(text) - tail else "") + text[len(text) - tail:])


def judge_label(verdict: Mapping[str, Any]) -> str:
    label = str(verdict.get("judge", "?"))
    return f"{label} (offline)" if verdict.get("offline") else label


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def wrapped(detail: str, width: int) -> list[str]:
    text = shorten(detail, (width - 7) * 5)
    if len(text) <= width - 7:  # one line already (shorten leaves single spaces only)
        return [f"       {text}"] if text else []
    wrapper = textwrap.TextWrapper(width=width - 7, max_lines=6, placeholder=" ...")
    return [f"       {line}" for line in wrapper.wrap(text)]


def tally(answers: list[bool]) -> str:
    """``YES 3/5``: the majority (a tie is NO) and its share of the votes."""
    yes = sum(1 for answer in answers if answer)
    majority = yes * 2 > len(answers)
    return f"{'YES' if majority else 'NO'} {yes if majority else len(answers) - yes}/{len(answers)}"


def escape_surrogates(text: str) -> str:
    """Lone surrogates as ``\\udcff`` text, so the string survives UTF-8 (xdist's channel, JSON files)."""
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def verdict_word(value: Any) -> str:
    """A drifted verdict as the summary says it: YES/NO for answers, the value otherwise."""
    if isinstance(value, bool):
        return "YES" if value else "NO"
    return str(value)


def listed(entries: Sequence[str | list[str]], max_listed: int, more: str = "", indent: str = "  ",
           total: int | None = None) -> list[str]:
    """The lines of at most ``max_listed`` entries (a line, or a list of lines each), then
    ``... and N more`` (``more`` after it) for the rest: every list the report shortens ends so.

    ``total``: how many entries there are, when only the first ones were made into lines."""
    lines: list[str] = []
    for entry in entries[:max_listed]:
        lines.extend([entry] if isinstance(entry, str) else entry)
    total = len(entries) if total is None else total
    if total > max_listed:
        lines.append(f"{indent}... and {total - max_listed} more{more}")
    return lines


def exchange_lines(exchange: Mapping[str, Any] | None, width: int = 100) -> list[str]:
    """The request and the reply behind a verdict (--critique-show-prompt), escaped and cut short."""
    if not exchange:
        return []
    wrapper = textwrap.TextWrapper(width=width - 12, max_lines=8, placeholder=" ...")
    lines = ["       request sent" + (" (rendered again: the reply came from the cache):" if exchange.get("cached")
                                     else ":")]
    for message in exchange.get("request") or []:
        text = " ".join(clean(str(message.get("content", ""))).split())
        body = wrapper.wrap(text[:4000]) or [""]
        lines.append(f"         [{clean(str(message.get('role', '?')))}] {body[0]}")
        lines.extend(f"           {line}" for line in body[1:])
    reply = exchange.get("reply")
    text = " ".join(clean(reply).split()) if isinstance(reply, str) else ""
    body = wrapper.wrap(text[:4000]) or ["(no reply text)"]
    lines.append(f"       reply received: {body[0]}")
    lines.extend(f"         {line}" for line in body[1:])
    return lines
