"""Building blocks of the HTML report: escaped text, elements, and small SVG charts.

Every string from a run (responses, questions, reasons, node ids) is untrusted.  It reaches the page
only through :func:`escape` or :func:`element`, which escape whatever is not already :class:`Html`; an
``Html`` value is made only here, from escaped parts and the report's own fixed markup.  Attribute
names are always the code's own; no URL is ever built from data.

Standard library only, like everything the report builds from verdicts' JSON form.
"""

from __future__ import annotations

import html
import re
from typing import Any, Iterable, Mapping, Sequence

Part = Any
"""Anything shown on the page: :class:`Html` as it is, any other value as escaped text."""


VOID = frozenset({"br", "hr", "img", "input", "meta", "wbr"})
"""Elements with no end tag (a ``</br>`` would be read as a second line break)."""


class Html(str):
    """Markup that is already safe to put in the page (jinja2's autoescape leaves it alone too)."""

    def __html__(self) -> str:
        return str(self)


_INVISIBLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
"""Control characters, bidi overrides (which could make a reason read backwards) and lone surrogates."""


def escape(value: Part) -> Html:
    """Text for the page: markup characters escaped, invisible and direction-changing ones shown as ``\\uXXXX``."""
    if isinstance(value, Html):
        return value
    text = _INVISIBLE.sub(lambda match: f"\\u{ord(match.group()):04x}", "" if value is None else str(value))
    return Html(html.escape(text, quote=True))


def join(parts: Iterable[Part], separator: str = "") -> Html:
    return Html(separator.join(escape(part) for part in parts))


def element(tag: str, *children: Part, cls: str | None = None, **attributes: Any) -> Html:
    """``<tag class=... attr=...>children</tag>``; attribute values are escaped, ``None`` and ``False`` left out,
    ``True`` written bare; ``data_x`` is written ``data-x``."""
    shown = [f' class="{escape(cls)}"'] if cls else []
    for name, value in attributes.items():
        if value is None or value is False:
            continue
        name = name.rstrip("_").replace("_", "-")
        shown.append(f" {name}" if value is True else f' {name}="{escape(value)}"')
    if tag in VOID:
        return Html(f"<{tag}{''.join(shown)}>")
    return Html(f"<{tag}{''.join(shown)}>{join(children)}</{tag}>")


MARKS = {True: ("✓", "good"), False: ("✗", "bad"), None: ("?", "unscored")}


def mark(ok: bool | None, symbol: str | None = None) -> Html:
    """The ✓ ✗ ? of an item, step or dimension (``symbol`` replaces the sign, e.g. · for not judged)."""
    sign, tone = MARKS[ok]
    return element("span", symbol or sign, cls=f"mark {tone if symbol is None else 'muted'}",
                   title={True: "good", False: "bad", None: "unscored"}[ok] if symbol is None else None)


def badge(text: Part, tone: str = "muted") -> Html:
    return element("span", text, cls=f"badge {tone}")


def row(ok: bool | None, number: Part, text: Part, *details: Part, symbol: str | None = None,
        tags: Sequence[Html] = ()) -> Html:
    """One judged part: its mark, number and text, then what the judge said (reasons, votes...)."""
    tone = {True: "good", False: "bad", None: "unscored"}[ok] if symbol is None else "muted"
    shown = [element("div", *[element("div", detail) for detail in details if detail], cls="detail")]
    return element("li", mark(ok, symbol), element("span", number, cls="number"),
                   element("div", element("div", *tags, text, cls="text"), *shown, cls="body"), cls=f"part {tone}")


def rows(parts: Iterable[Html]) -> Html:
    return element("ol", *parts, cls="parts")


def line(label: Part, value: Part) -> Html:
    """A labelled line of a card (``instruction: ...``), the value shortened by CSS, whole on hover."""
    return element("div", element("span", label, cls="label"), " ", value, cls="line")


def collapsible(summary: Part, text: Part, open_: bool = False) -> Html:
    """Long text (a response, a prompt) folded under its summary, shown whitespace and all."""
    return element("details", element("summary", summary), element("pre", text), open=open_)


def exchange(data: Mapping[str, Any] | None) -> Html:
    """The request sent and the reply received behind a verdict (--critique-show-prompt), folded."""
    if not data:
        return Html("")
    messages = [f"[{message.get('role', '?')}]\n{message.get('content', '')}" for message in data.get("request") or []]
    reply = data.get("reply")
    cached = " (rendered again: the reply came from the cache)" if data.get("cached") else ""
    return join([collapsible("request sent" + cached, "\n\n".join(messages)),
                 collapsible("reply received", reply if isinstance(reply, str) else "(no reply text)")])


def mark_table(columns: Sequence[Part], entries: Sequence[tuple[Part, Sequence[bool | None], Part]]) -> Html:
    """Items down, rounds or candidates across: (number, a mark per column, the item's text) for each
    item, under a header naming the columns."""
    head = element("tr", element("th", "#"), *[element("th", column) for column in columns], element("th", "item"))
    body = [element("tr", element("td", number), *[element("td", mark(ok)) for ok in marks], element("td", text))
            for number, marks, text in entries]
    return element("table", head, *body, cls="figures")


def votes(tally_text: str, unstable: bool = False) -> Html:
    """``[YES 2/3]`` and an unstable badge, before an item's text."""
    shown = [badge(tally_text, "votes")] if tally_text else []
    if unstable:
        shown.append(badge("unstable", "warn"))
    return join(shown)


# Charts: inline SVG drawn here, sized in CSS pixels; every label is escaped text.

_WIDTH = 560


def _text(x: float, y: float, value: Part, anchor: str = "start", cls: str = "axis") -> Html:
    return element("text", value, x=f"{x:.1f}", y=f"{y:.1f}", text_anchor=anchor, cls=cls)


def _rect(x: float, y: float, width: float, height: float, cls: str, title: Part = None) -> Html:
    return element("rect", element("title", title) if title is not None else "", x=f"{x:.1f}", y=f"{y:.1f}",
                   width=f"{max(width, 0):.1f}", height=f"{max(height, 0):.1f}", cls=cls, rx="2")


def _svg(height: float, *children: Html, label: str) -> Html:
    return element("svg", *children, xmlns="http://www.w3.org/2000/svg", viewBox=f"0 0 {_WIDTH} {height:.0f}",
                   width=str(_WIDTH), height=f"{height:.0f}", role="img", aria_label=label)


def bar_rows(entries: Sequence[tuple[str, float, str]], label: str, maximum: float = 1.0) -> Html:
    """Horizontal bars, one per entry (name, value, tone), the value written after each bar."""
    height, left, right = 18, 250, 60
    room = _WIDTH - left - right
    shapes: list[Html] = []
    for number, (name, value, tone) in enumerate(entries):
        y = 8 + number * (height + 6)
        shown = name if len(name) <= 40 else name[:17] + "…" + name[-22:]
        shapes += [_text(left - 8, y + 13, shown, "end"), _rect(left, y, room, height, "track"),
                   _rect(left, y, room * min(value, maximum) / maximum if maximum else 0, height, f"bar {tone}",
                         f"{name}: {value:.2f}"),
                   _text(left + room + 6, y + 13, f"{value:.2f}")]
    return _svg(16 + len(entries) * (height + 6), *shapes, label=label)


def columns(entries: Sequence[tuple[str, int, str]], label: str, axis: str = "") -> Html:
    """Vertical bars of counts (a histogram): (label under the bar, count, tone)."""
    top, bottom, left = 18, 40, 36
    height = 150
    most = max([count for _, count, _ in entries] + [1])
    room = (_WIDTH - left - 10) / max(len(entries), 1)
    shapes: list[Html] = [element("line", x1=str(left), x2=str(_WIDTH - 10), y1=str(top + height),
                                  y2=str(top + height), cls="baseline")]
    for number, (name, count, tone) in enumerate(entries):
        x = left + number * room
        tall = height * count / most
        shapes += [_rect(x + room * 0.15, top + height - tall, room * 0.7, tall, f"bar {tone}", f"{name}: {count}"),
                   _text(x + room / 2, top + height + 16, name, "middle")]
        if count:
            shapes.append(_text(x + room / 2, top + height - tall - 4, count, "middle", "count"))
    if axis:
        shapes.append(_text(left + (_WIDTH - left) / 2, top + height + 34, axis, "middle"))
    return _svg(top + height + bottom, *shapes, label=label)


def matrix(cells: Sequence[Sequence[int]], rows_: Sequence[str], columns_: Sequence[str], label: str,
           good: Sequence[tuple[int, int]] = ()) -> Html:
    """A confusion matrix: counts in a grid, shaded by count; ``good`` cells (agreement) in green."""
    size, left, top = 70, 120, 28
    most = max([count for line_ in cells for count in line_] + [1])
    shapes: list[Html] = []
    for c, name in enumerate(columns_):
        shapes.append(_text(left + c * size + size / 2, top - 10, name, "middle"))
    for r, name in enumerate(rows_):
        shapes.append(_text(left - 10, top + r * size + size / 2 + 4, name, "end"))
        for c, count in enumerate(cells[r]):
            tone = "good" if (r, c) in good else "bad"
            opacity = 0.15 + 0.85 * count / most
            shapes += [element("rect", element("title", f"{name}, {columns_[c]}: {count}"), x=str(left + c * size),
                               y=str(top + r * size), width=str(size - 4), height=str(size - 4), rx="3",
                               cls=f"cell {tone}", fill_opacity=f"{opacity:.2f}"),
                       _text(left + c * size + size / 2 - 2, top + r * size + size / 2 + 3, count, "middle", "count")]
    return _svg(top + len(rows_) * size + 8, *shapes, label=label)


def figure(title: Part, chart: Html, note: Part = None) -> Html:
    return element("figure", element("figcaption", title), chart,
                   element("p", note, cls="note") if note else "", cls="plot")
