"""Split a solution into the steps a step-level critic judges.

``split_steps(solution, split="auto")`` returns a :class:`Split`: the step texts and how they
were found.  ``solution`` is one of

* a list (or tuple) of strings: already split, one step each (method ``"list"``);
* a chat transcript or agent trajectory: a list of message dicts with ``"role"`` and
  ``"content"``.  Each assistant text, each tool call (``call search(query="fox")``) and each
  tool result (``result of search: ...``) is a step; system, developer and user messages are
  context, not steps (method ``"trajectory"``);
* a string, split by ``split``: ``"numbered"``, ``"paragraphs"``, ``"lines"``, a callable
  ``str -> list[str]`` (method ``"callable"``), or ``"auto"`` (below).

Step labels.  A label is a line start such as ``1.``, ``1)``, ``Step 1:``, ``Step 1.``,
``**Step 1**``, ``**Step 1:** text``, ``### Step 1: Title`` or ``## 2. Title``.  Labels that
say "Step" give method ``"step-labels"``, bare numbers ``"numbered"``.  Only labels that count
up by one (from any start) are steps; the longest such run is used, so "3.5 km" or a nested
"1. 2. 3." list inside step 4 stay inside their step.  "Step k" labels win over bare numbers,
and less indented labels over more indented ones.  Each step runs from its label to the next
one, blank lines, equations and code blocks included; the label itself is dropped when it is
only a marker, and a title after it is kept with its markdown (``**Step 1: Find x**`` becomes
``**Find x**``, ``### Step 2: Check`` becomes ``### Check``).  A label with nothing after it
and nothing before the next label ("Step 2:" alone) stays as its own text, so the count of
steps matches the labels.  Text before the first label gives one step per paragraph, unless
all of it is a lead-in: one short line with no digits or formulas that ends with a colon
("Here is the solution:") or is a heading ("## Solution").

``"auto"`` on text picks the first that fits:

1. step labels, when at least two count up and the text's blank-line paragraphs do not say
   otherwise (below);
2. paragraphs, when there are at least two blocks separated by blank lines;
3. lines, when there are at least two non-empty lines;
4. the whole text as one step (method ``"single"``).

Labels and paragraphs disagree only when some paragraph after the first label has no label of
its own and is not indented under a list item (a "loose" paragraph: a continuation or a
conclusion).  Then:

* if every label opens a paragraph, the paragraphs are the steps (labels kept), as in
  ProcessBench's segmentation, unless some label paragraph is only a heading ("### Step 1:
  Setup", "**Step 1: Setup**", "1. **Setup**", a title ending with a colon) over the
  paragraphs below it: then the labels are the steps;
* if labels also sit inside paragraphs, "Step k" labels are the steps, and so is a bare
  numbered list with at most two unlabelled paragraphs around it (an introduction before it,
  loose paragraphs after it: "Intro.", the list, "So the answer is 7."); with three or more
  it is a list inside prose, and the paragraphs are the steps.

Fenced code blocks (```` ``` ```` or ``~~~``) are never split, in any mode.  Only the
standard library is used.
"""

from __future__ import annotations

from .errors import CritiqueTypeError, CritiqueUsageError

import re
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from .trajectory import EMPTY_MESSAGE, trajectory_steps

__all__ = ["Split", "split_steps", "SPLITS", "EMPTY_MESSAGE"]

SPLITS = ("auto", "numbered", "paragraphs", "lines")


@dataclass(frozen=True)
class Split:
    """The steps of a solution, in order, and the method that found them.

    ``method`` is one of "list", "numbered", "step-labels", "paragraphs", "lines",
    "callable", "trajectory", "single".
    """

    steps: list[str]
    method: str


def split_steps(solution: Any, split: str | Callable[[str], Sequence[str]] = "auto") -> Split:
    """Split ``solution`` (text, a list of step strings, or a list of messages) into steps.

    ``split`` applies to text; a list must be split with "auto" (it is already split).  A
    callable's pieces are stripped and empty ones dropped.  Raises ValueError for an empty
    solution, an empty step in a list, an unknown ``split`` or a "numbered" split without
    labels; TypeError for values of the wrong type.
    """
    if not callable(split) and split not in SPLITS:
        raise CritiqueUsageError(f"unknown split {split!r}; expected one of "
                         f"{', '.join(SPLITS)} or a callable str -> list[str]")
    if isinstance(solution, str):
        return _split_text(solution, split)
    if isinstance(solution, (list, tuple)):
        if split != "auto":
            raise CritiqueUsageError("split= applies to text only; a list is already split into steps")
        if not solution:
            raise CritiqueUsageError(EMPTY_MESSAGE)
        if all(isinstance(item, str) for item in solution):
            return Split(_given_steps(solution), "list")
        if all(isinstance(item, dict) for item in solution):
            return Split(trajectory_steps(solution), "trajectory")
        raise CritiqueTypeError("a solution list must hold only strings (steps) or only dicts "
                        "(chat messages with 'role' and 'content')")
    if isinstance(solution, (bytes, bytearray)):
        raise CritiqueTypeError("the solution is bytes; decode it to str first")
    raise CritiqueTypeError(f"the solution must be a str, a list of step strings or a list of "
                    f"messages, not {type(solution).__name__}")


# --- lists ------------------------------------------------------------------------


def _given_steps(items: Sequence[str]) -> list[str]:
    steps = [item.strip() for item in items]
    for number, step in enumerate(steps, start=1):
        if not step:
            raise CritiqueUsageError(f"step {number} of {len(steps)} is empty")
    return steps


# --- text --------------------------------------------------------------------------------------------

# A step label at a line start: optional heading hashes, optional emphasis, then "Step 12" with
# optional punctuation, or a bare "12." / "12)".  _label() checks what follows.
_LABEL = re.compile(
    r"""(?P<indent>[ \t]*)
        (?P<head>\#{1,6}[ \t]+)?
        (?P<open>\*\*|__|\*)?
        (?: (?P<word>step)[ \t]*(?P<n>\d{1,3})[ \t]*(?P<punct>[:.)]|[-\u2013\u2014](?=\s))?
          | (?P<m>\d{1,3})[.)] )
        (?P<close>\*\*|__|\*)?
        (?P<colon>[ \t]*:)?
    """, re.IGNORECASE | re.VERBOSE)
_FENCE = re.compile(r"[ \t]{0,3}(`{3,}|~{3,})")
_FORMULA = re.compile(r"[\d=<>+^\\$]")


@dataclass(frozen=True)
class _Label:
    line: int      # index into the text's lines
    number: int
    word: bool     # "Step k" rather than a bare "k."
    indent: int
    rest: str      # the label line without the label, markdown kept


def _split_text(text: str, split: str | Callable[[str], Sequence[str]]) -> Split:
    if not text.strip():
        raise CritiqueUsageError(EMPTY_MESSAGE)
    if callable(split):
        return Split(_called_steps(split, text), "callable")
    lines = text.split("\n")
    code = _code_lines(lines)
    if split == "paragraphs":
        return Split(_paragraphs(lines, code), "paragraphs")
    if split == "lines":
        return Split(_lines(lines, code), "lines")
    labels = _best_labels(lines, code)
    if split == "numbered":
        if not labels:
            raise CritiqueUsageError("split='numbered' found no step labels ('1.', 'Step 1:', ...) "
                             "at line starts; try split='paragraphs' or 'lines'")
        return _labelled(lines, labels)
    paragraphs = _paragraph_ranges(lines, code)
    if len(labels) >= 2 and _labels_fit(lines, labels, paragraphs):
        return _labelled(lines, labels)
    if len(paragraphs) >= 2:
        return Split(_paragraphs(lines, code), "paragraphs")
    units = _lines(lines, code)
    if len(units) >= 2:
        return Split(units, "lines")
    return Split([text.strip()], "single")


def _called_steps(split: Callable[[str], Sequence[str]], text: str) -> list[str]:
    pieces = split(text)
    if isinstance(pieces, str) or not isinstance(pieces, (list, tuple)):
        raise CritiqueTypeError(f"the split callable must return a list of str, "
                        f"not {type(pieces).__name__}")
    for piece in pieces:
        if not isinstance(piece, str):
            raise CritiqueTypeError(f"the split callable returned a {type(piece).__name__} "
                            f"among its steps; expected str")
    steps = [piece.strip() for piece in pieces if piece.strip()]  # re.split leaves empty pieces
    if not steps:
        raise CritiqueUsageError(EMPTY_MESSAGE + " (the split callable returned no non-empty steps)")
    return steps


def _code_lines(lines: list[str]) -> list[bool]:
    """Which lines belong to a fenced code block, fences included (an unclosed fence runs to the end)."""
    inside: list[bool] = []
    fence = ""
    for line in lines:
        match = _FENCE.match(line)
        if fence:
            inside.append(True)
            if match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence) \
                    and not line[match.end():].strip():
                fence = ""
        else:
            inside.append(bool(match))
            if match:
                fence = match.group(1)
    return inside


def _paragraph_ranges(lines: list[str], code: list[bool]) -> list[tuple[int, int]]:
    """(start, end) line ranges of the blocks separated by blank lines outside code blocks."""
    ranges: list[tuple[int, int]] = []
    start: int | None = None
    for index, line in enumerate(lines):
        if line.strip() or code[index]:
            if start is None:
                start = index
        elif start is not None:
            ranges.append((start, index))
            start = None
    if start is not None:
        ranges.append((start, len(lines)))
    return ranges


def _paragraphs(lines: list[str], code: list[bool]) -> list[str]:
    return [_join(lines[start:end]) for start, end in _paragraph_ranges(lines, code)]


def _lines(lines: list[str], code: list[bool]) -> list[str]:
    """Non-empty lines, each a step; a fenced code block is one step."""
    units: list[str] = []
    block: list[str] = []
    for index, line in enumerate(lines):
        if code[index]:
            block.append(line)
            continue
        if block:
            units.append(_join(block))
            block = []
        if line.strip():
            units.append(line.strip())
    if block:
        units.append(_join(block))
    return units


def _join(lines: list[str]) -> str:
    return "\n".join(lines).strip()


def _label(line: str) -> tuple[re.Match[str], str] | None:
    """The label match and the rest of the line (markdown kept), or None when ``line`` has no label."""
    match = _LABEL.match(line)
    if not match:
        return None
    opened, closed = match.group("open"), match.group("close")
    if closed and closed != opened:
        return None
    after = line[match.end():]
    if after and not after[0].isspace() and not line[match.end() - 1].isspace():
        return None  # "3.5 km", "1.2.3"
    if match.group("word") and not (match.group("punct") or closed or match.group("colon")
                                    or match.group("head") or not after.strip()):
        return None  # "Step 1 is to ..." is prose, not a label
    rest = after.strip()
    if opened and not closed:  # the emphasis wraps a title: "**Step 1: Find x**" -> "**Find x**"
        rest = opened + rest if rest and rest != opened else ""
    if rest and match.group("head"):
        rest = match.group("head") + rest
    return match, rest


def _candidates(lines: list[str], code: list[bool]) -> list[_Label]:
    found = []
    for index, line in enumerate(lines):
        if code[index]:
            continue
        parsed = _label(line)
        if parsed:
            match, rest = parsed
            number = match.group("n") or match.group("m")
            found.append(_Label(index, int(number), bool(match.group("word")),
                                len(match.group("indent").expandtabs(4)), rest))
    return found


def _best_labels(lines: list[str], code: list[bool]) -> list[_Label]:
    """The labels that are the steps: the longest run counting up by one, "Step k" first,
    then the least indented; an empty list when there are none."""
    found = _candidates(lines, code)
    best: list[_Label] = []
    for word in (True, False):
        for indent in sorted({label.indent for label in found if label.word == word}):
            chain = _longest_run([label for label in found if label.word == word and label.indent == indent])
            if len(chain) >= 2:
                return chain
            if not best:
                best = chain
    return best


def _longest_run(labels: list[_Label]) -> list[_Label]:
    """The longest k, k+1, k+2, ... subsequence, each taking the next label with that number;
    ties go to the earliest start."""
    best: list[_Label] = []
    for start, first in enumerate(labels):
        run = [first]
        for label in labels[start + 1:]:
            if label.number == run[-1].number + 1:
                run.append(label)
        if len(run) > len(best):
            best = run
    return best


def _labels_fit(lines: list[str], labels: list[_Label], paragraphs: list[tuple[int, int]]) -> bool:
    """Whether auto should split at the labels rather than at blank lines (the module doc says when)."""
    if len(paragraphs) < 2:
        return True
    starts = {start: end for start, end in paragraphs}
    labelled = {label.line for label in labels}
    aligned = labelled <= starts.keys()
    # Unlabelled paragraphs after the first label, not indented under a list item: continuations
    # or conclusions written as paragraphs of their own.
    loose = sum(1 for start in starts
                if start > labels[0].line and start not in labelled and not lines[start][:1].isspace())
    if not loose:
        return True  # the labels split the text at least as finely as the blank lines do
    if aligned:
        # Every label opens a paragraph: the paragraphs are the steps, unless a label stands
        # alone as a heading over the paragraphs below it.
        return any(_heading_only(label.rest) and not any(line.strip() for line in
                                                         lines[label.line + 1:starts[label.line]])
                   for label in labels)
    # Labels inside paragraphs, and loose paragraphs too.  "Step k" labels are meant as steps; a
    # bare numbered list with three or more unlabelled paragraphs around it is a list inside prose.
    before = sum(1 for start in starts if start < labels[0].line)
    return labels[0].word or before + loose < 3


def _heading_only(rest: str) -> bool:
    """Whether a label line's remaining text is only a title (or nothing)."""
    bare = rest.strip()
    if not bare or bare.startswith("#"):
        return True
    if len(bare) > 4 and bare[:2] in ("**", "__") and bare.endswith(bare[:2]):
        return True
    return bare.endswith(":")


def _labelled(lines: list[str], labels: list[_Label]) -> Split:
    """Steps at the labels; text before the first label gives one step per paragraph, unless it
    is only a lead-in."""
    before = lines[:labels[0].line]
    preamble = _paragraphs(before, _code_lines(before))
    steps = [] if len(preamble) == 1 and _lead_in(preamble[0]) else preamble
    for label, following in zip(labels, labels[1:] + [None]):
        end = following.line if following else len(lines)
        text = _join([label.rest] + lines[label.line + 1:end])
        steps.append(text or lines[label.line].strip())  # a bare "Step 2:" line stays as itself
    return Split(steps, "step-labels" if labels[0].word else "numbered")


def _lead_in(text: str) -> bool:
    """Whether text before the first label only introduces the steps ("Here is how:")."""
    if "\n" in text or len(text) > 120 or _FORMULA.search(text):
        return False
    plain = text.strip("*_ \t")
    return plain.endswith(":") or text.startswith("#")
