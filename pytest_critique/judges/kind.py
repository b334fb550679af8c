"""What a judge kind tells the rest of the plugin, so that nothing else tests a kind's name.

A kind (one module under ``judges/``, registered in ``judges/__init__.py``) judges through the
:class:`~pytest_critique.judges.context.JudgeContext` and returns its verdict model (``kind`` field
= :attr:`JudgeKind.name`).  The report asks it for the verdict's lines in a test's section and
for its figures over the run; the engine asks each of its tasks what an answer decided (drift)
and how an offline judge answers (``Task.decided``, ``Task.offline``).

The report side works on the JSON form of verdicts (what travels on test reports, also between
xdist workers and the controller), never on the models.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from ..html_parts import Html, element, join

ShowNodeid = Callable[[str], str]


@dataclass
class Failing:
    """A judged part of a test that failed (an item, a step, a dimension), for the run's list."""

    nodeid: str
    index: int
    """Its number in the verdict (0 when it has none, e.g. a dimension)."""
    what: str
    test_passed: bool
    """Whether the test passed anyway (at its threshold, or because a step verdict is only reported)."""
    note: str = "(test passed at its threshold)"
    """Shown after it when the test passed anyway."""
    keep: str = ""
    """What the judge said about it: a value this quotes stays visible when ``what`` is shortened."""


@dataclass
class RunCounts:
    """What every kind adds to the run's totals: how many verdicts, how many cached, what failed and
    which verdicts were unstable."""

    judged: int = 0
    """Questions, steps, comparisons, grades... judged (the headline's "verdicts")."""
    cached: int = 0
    failing: list[Failing] = field(default_factory=list)
    unstable: list[tuple[str, str]] = field(default_factory=list)
    """(nodeid, what was unstable and how the votes fell)"""


class Figures:
    """A kind's own figures over the run, built from its verdicts (JSON form) one at a time."""

    def add(self, counts: RunCounts, nodeid: str, verdict: Mapping[str, Any], test_passed: bool) -> None:
        """Count one verdict of this kind, in ``counts`` and in this object."""

    def as_dict(self) -> dict[str, Any]:
        """This kind's entries in the JSON report's ``totals`` (keys no other kind uses)."""
        return {}

    def lines(self, show_nodeid: ShowNodeid, max_listed: int) -> list[str]:
        """This kind's lines in the ``critique`` terminal summary (empty when there is nothing to say)."""
        return []

    def tiles(self) -> list[tuple[str, str, str]]:
        """This kind's headline figures in the HTML report's overview: (label, value, note under it)."""
        return []

    def plots(self) -> list[Html]:
        """This kind's charts in the HTML report (``html_parts.figure`` of an SVG chart), none by default."""
        return []


class JudgeKind:
    """One judge kind as the report sees it.  Subclass it in the kind's module and register an instance."""

    name: str = ""
    """The ``kind`` field of this kind's verdicts."""

    def lines(self, verdict: Mapping[str, Any], width: int = 100) -> list[str]:
        """The verdict's lines in its test's ``critique`` section."""
        raise NotImplementedError

    def html(self, verdict: Mapping[str, Any]) -> Html:
        """The verdict's card body in the HTML report (under a header with its kind, judge, headline and usage),
        built with :mod:`pytest_critique.html_parts` so every text is escaped.  By default its :meth:`lines`."""
        return element("pre", join(self.lines(verdict), "\n"), cls="lines")

    def shows_unscored(self, verdict: Mapping[str, Any]) -> bool:
        """Whether :meth:`lines` (and :meth:`html`) already say why the verdict is UNSCORED (else the reason is
        added)."""
        return False

    def unscored(self, verdict: Any) -> str | None:
        """Why the verdict (the model) has no result, as the ``UnscoredError`` the call raises says; None
        when it has one."""
        return None

    def figures(self) -> Figures:
        """A fresh accumulator of this kind's run figures."""
        return Figures()

    def parts(self, verdict: Mapping[str, Any]) -> list[tuple[str, bool | None]]:
        """The parts a run is compared by with a baseline (``--critique-baseline``): (what the part is,
        True good / False bad / None unscored).  By default the whole verdict, by ``passed``."""
        return [("", verdict.get("passed"))]

    def properties(self, verdict: Mapping[str, Any]) -> list[tuple[str, Any]]:
        """What JUnit XML shows of the verdict beyond kind, judge, passed and usage: (name, value) pairs,
        named without the ``critique.`` prefix; None values are left out."""
        return []
