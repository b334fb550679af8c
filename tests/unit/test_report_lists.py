"""Every list the report shortens says how many it left out (one helper, report_text.listed)."""

from __future__ import annotations

from pytest_critique.judges.calibration import calibration_lines
from pytest_critique.report_text import listed


def test_listed_counts_entries_not_lines() -> None:
    entries = [["a1", "a2"], "b", ["c1"]]
    assert listed(entries, 3) == ["a1", "a2", "b", "c1"]
    assert listed(entries, 2, " (see the report)", "    ") == ["a1", "a2", "b", "    ... and 1 more (see the report)"]
    # only the entries shown were made into lines; the count of the rest is given
    assert listed(["a", "b"], 2, total=335) == ["a", "b", "  ... and 333 more"]


def test_unscored_calibration_items_past_the_limit_are_counted() -> None:
    unscored = [{"line": number, "question": f"Q{number}?", "label": True, "judged": None, "reason": "timeout"}
                for number in range(1, 26)]
    verdict = {"kind": "calibration", "judge": "j", "reference": "labels.jsonl", "compared": 0, "unscored": unscored,
               "usage": {}}
    lines = calibration_lines(verdict, max_listed=20)
    assert "  UNSCORED, left out of the figures: 25 items" in lines
    assert sum(line.startswith("    ✗ line ") for line in lines) == 20
    assert lines[-1] == "    ... and 5 more (--critique-report=PATH lists all)"


def test_shortening_keeps_the_value_the_reason_quotes() -> None:
    from pytest_critique.report_text import shorten

    call = 'call book_pitch(site="fernhollow", pitch="F4", arrival="2026-06-13", nights=2, guests=3, notes="none")'
    reason = "book_pitch has arrival='2026-06-13', but the customer asked for '2026-06-12'"
    for width in (40, 60, 80):
        shown = shorten(call, width, keep=reason)
        assert len(shown) <= width and '2026-06-13"' in shown, shown
        assert shown.startswith("call") and shown.endswith(")")
    assert "2026-06-13" not in shorten(call, 60), "without a reason the middle is cut"
    assert shorten(call, 60, keep="'not in the text'") == shorten(call, 60)
    assert shorten(call, 200, keep=reason) == call, "short enough: unchanged"
    for text in ("TARGET" + "b" * 100, "b" * 100 + "TARGET", "a" * 50 + "TARGET" + "b" * 50):
        shown = shorten(text, 40, keep="it was 'TARGET'")
        assert "TARGET" in shown and len(shown) <= 40


def test_clean_and_wrapped_take_their_shortcuts_without_changing_the_text() -> None:
    # clean() scans once before escaping and wrapped() skips textwrap for a line that fits: on random
    # text full of what they escape or fold, both give what the long way gives.
    import random
    import textwrap

    from pytest_critique import report_text

    def cleaned_the_long_way(text: str) -> str:
        text = report_text._CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
        text = report_text._SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
        return report_text._BIDI.sub(lambda m: f"\\u{ord(m.group()):04x}", text)

    chance = random.Random(3)
    alphabets = ["ab \t\n\r\x00\x1b\x7f\x9f\u202e\u2066\ud800é.-", "ab \t\n\r\x00\x1b\x7f\x0b\x0c\x1f.-"]
    for number in range(5000):  # the second alphabet is ASCII, which clean() checks its own way
        alphabet = alphabets[number % 2]
        text = "".join(chance.choice(alphabet) for _ in range(chance.randint(0, 120)))
        width = chance.choice([20, 40, 100])
        assert report_text.clean(text) == cleaned_the_long_way(text)
        folded = textwrap.TextWrapper(width=width - 7, max_lines=6, placeholder=" ...").wrap(
            report_text.shorten(text, (width - 7) * 5))
        assert report_text.wrapped(text, width) == [f"       {line}" for line in folded]


def test_a_long_text_is_shortened_from_its_ends_as_from_the_whole() -> None:
    # shorten() makes a long text's line from its two ends only: on long random text full of what it
    # escapes and folds (runs of spaces at the cut, escapes that lengthen it), the line is the long way's.
    import random

    from pytest_critique import report_text

    def shortened_the_long_way(text: str, width: int) -> str:
        text = " ".join(report_text.clean(text).split())
        if len(text) <= width:
            return text
        room = width - 5
        return f"{text[:room - room // 3]} ... {text[len(text) - room // 3:]}"

    chance = random.Random(5)
    pieces = ["word", "é", " ", "  \t\n ", "\x00", "\x1b[31m", "\u202e", "\ud800", "-", "." * 3, " " * 300]
    for _ in range(3000):
        text = "".join(chance.choice(pieces) for _ in range(chance.randint(0, 900)))
        width = chance.choice([20, 37, 60, 92, 100, 200])
        assert report_text.shorten(text, width) == shortened_the_long_way(text, width), (text, width)
