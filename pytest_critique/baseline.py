"""What changed since an earlier run: its JSON report (``--critique-baseline``) against this run's results.

Every verdict is taken apart into the parts its kind judges (a checklist's questions, a solution's
steps, a CheckEval dimension; a whole verdict for the other kinds), each identified by the test's
node id, the kind and what the part is (its question, step text or dimension name), never by its
position; a part asked twice in one test is told apart by its occurrence.  A part that was good and
is now bad is a regression; bad and now good, an improvement; a part the judge could not score on
either side is neither, and is counted on its own.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

from .errors import CritiqueUsageError
from .judges import known_kind
from .report_text import listed, plural, shorten

Identity = tuple[str, str, str, int]
"""(node id, kind, what the part is, its occurrence among parts alike in that test)"""


@dataclass
class Change:
    nodeid: str
    kind: str
    what: str
    before: bool | None
    after: bool | None

    present: tuple[bool, bool] = (True, True)
    """Whether the part exists in the baseline and in this run."""

    def as_dict(self) -> dict[str, Any]:
        sides = {"before": self.before, "after": self.after}
        return {"nodeid": self.nodeid, "kind": self.kind, "what": self.what,
                **{side: _word(ok) for (side, ok), here in zip(sides.items(), self.present) if here}}

    def shown(self) -> str:
        if not self.present[0]:
            return f"now {_word(self.after)}"
        if not self.present[1]:
            return f"was {_word(self.before)}"
        return f"{_word(self.before)} -> {_word(self.after)}"


@dataclass
class Comparison:
    path: str
    regressions: list[Change] = field(default_factory=list)
    improvements: list[Change] = field(default_factory=list)
    unscored: list[Change] = field(default_factory=list)
    """Parts scored in one run and not in the other (neither a regression nor an improvement)."""
    new: list[Change] = field(default_factory=list)
    removed: list[Change] = field(default_factory=list)
    """Parts of tests this run judged that the test no longer has."""
    not_run: int = 0
    """Tests of the baseline this run did not judge (deselected, or in another shard)."""
    unchanged: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"path": self.path, "unchanged": self.unchanged, "not_run": self.not_run,
                **{name: [change.as_dict() for change in getattr(self, name)]
                   for name in ("regressions", "improvements", "unscored", "new", "removed")}}

    def lines(self, show_nodeid: Any, max_listed: int = 20) -> list[str]:
        counts = [plural(len(self.regressions), "regression"), plural(len(self.improvements), "improvement"),
                  f"{len(self.new)} new", f"{len(self.removed)} removed", f"{self.unchanged} unchanged"]
        if self.unscored:
            counts.append(f"{len(self.unscored)} scored on one side only")
        head = f"baseline {self.path}: " + ", ".join(counts)
        if self.not_run:
            head += f" ({plural(self.not_run, 'test')} of the baseline not run)"
        lines = [head]
        for label, changes in (("regressed", self.regressions), ("improved", self.improvements),
                               ("unscored", self.unscored), ("new", self.new), ("removed", self.removed)):
            lines.extend(listed([f"  {label:9} {show_nodeid(change.nodeid)}  {shorten(change.what, 70)}  "
                                 f"{change.shown()}" for change in changes], max_listed))
        return lines


def _word(ok: bool | None) -> str:
    return {True: "good", False: "bad", None: "unscored"}[ok]


def load(path: Path) -> dict[str, list[Mapping[str, Any]]]:
    """The verdicts of each test in a JSON report (``--critique-report``); a usage error when it is not one."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CritiqueUsageError(f"--critique-baseline: no such file {path} (a JSON report written by "
                                 "--critique-report in an earlier run)") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise CritiqueUsageError(f"--critique-baseline: {path} is not a readable JSON report: {exc}") from None
    tests = document.get("tests") if isinstance(document, dict) else None
    if not isinstance(tests, list) or not all(isinstance(test, dict) and isinstance(test.get("nodeid"), str)
                                               for test in tests):
        raise CritiqueUsageError(f"--critique-baseline: {path} is not a pytest-critique JSON report "
                                 "(no list of tests with node ids)")
    found: dict[str, list[Mapping[str, Any]]] = {}
    for test in tests:
        verdicts = test.get("verdicts") or []
        found.setdefault(test["nodeid"], []).extend(verdict for verdict in verdicts if isinstance(verdict, dict))
    return found


def parts(nodeid: str, verdicts: Iterable[Mapping[str, Any]]) -> dict[Identity, bool | None]:
    """Each judged part of a test's verdicts, by identity: True good, False bad, None unscored."""
    found: dict[Identity, bool | None] = {}
    seen: Counter[tuple[str, str]] = Counter()
    for verdict in verdicts:
        kind = known_kind(verdict)
        name = str(verdict.get("kind"))
        for what, ok in (kind.parts(verdict) if kind is not None else [("", verdict.get("passed"))]):
            seen[(name, what)] += 1
            found[(nodeid, name, what, seen[(name, what)])] = ok if ok is None else bool(ok)
    return found


def compare(path: str, baseline: Mapping[str, list[Mapping[str, Any]]],
            results: Iterable[Mapping[str, Any]]) -> Comparison:
    """This run's results (as gathered from its reports) against the baseline's tests."""
    now: dict[str, list[Mapping[str, Any]]] = {}
    for result in results:
        if result.get("outcome") != "rerun":  # an attempt a rerun plugin repeated: replaced by the last one
            now.setdefault(str(result["nodeid"]), []).extend(result.get("verdicts") or [])
    comparison = Comparison(path, not_run=len(set(baseline) - set(now)))
    for nodeid in sorted(now):
        before, after = parts(nodeid, baseline.get(nodeid, [])), parts(nodeid, now[nodeid])
        for identity in [*before, *(key for key in after if key not in before)]:
            change = Change(identity[0], identity[1], _shown(identity), before.get(identity), after.get(identity),
                            (identity in before, identity in after))
            if identity not in before:
                comparison.new.append(change)
            elif identity not in after:
                comparison.removed.append(change)
            elif change.before is True and change.after is False:
                comparison.regressions.append(change)
            elif change.before is False and change.after is True:
                comparison.improvements.append(change)
            elif change.before != change.after:
                comparison.unscored.append(change)
            else:
                comparison.unchanged += 1
    return comparison


def _shown(identity: Identity) -> str:
    _, kind, what, occurrence = identity
    shown = f"{kind}: {what}" if what else kind
    return shown if occurrence == 1 else f"{shown} (#{occurrence})"
