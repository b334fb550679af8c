"""The run's verdicts as one self-contained HTML page (``--critique-html``, ``merge --html``).

:func:`render` is a pure function of the JSON report's document (what ``--critique-report`` writes and
``merge`` produces), so a page can be made from either.  The page needs no network: its CSS, script and
SVG charts are inline, and its Content-Security-Policy allows nothing else (not even another script: the
page's own is allowed by its hash).  Every text from the run is escaped (see :mod:`html_parts`); each
judge kind draws its own verdicts (``JudgeKind.html``) and charts (``Figures.plots``).
"""

from __future__ import annotations

import base64
import functools
import hashlib
from importlib import resources
from typing import Any, Mapping, Sequence

from .html_parts import Html, badge, bar_rows, collapsible, element, figure, join
from .judges import known_kind
from .report_text import judge_label, plural
from .summary import Totals

MAX_PASS_RATE_BARS = 40
STATUS_WORDS = {"passed": "PASSED", "failed": "FAILED", "unscored": "UNSCORED", "skipped": "SKIPPED",
                "rerun": "RERUN", "error": "ERROR"}


def _template_text(name: str) -> str:
    return resources.files("pytest_critique").joinpath("templates").joinpath(name).read_text(encoding="utf-8")


@functools.lru_cache(maxsize=None)
def _page() -> Any:
    import jinja2

    environment = jinja2.Environment(loader=jinja2.FunctionLoader(_template_text), autoescape=True,
                                     undefined=jinja2.StrictUndefined)
    return environment.get_template("report_page.html.j2")


def status(result: Mapping[str, Any]) -> str:
    """passed, failed, unscored, skipped, rerun or error: what the card and the filters call a test result."""
    outcome = str(result.get("outcome"))
    if outcome == "failed" and result.get("unscored"):
        return "unscored"
    if outcome == "failed" and result.get("when") not in (None, "call"):
        return "error"
    return outcome if outcome in STATUS_WORDS else "failed"


def _usage(usage: Mapping[str, Any]) -> str:
    tokens = int(usage.get("prompt_tokens", 0) + usage.get("completion_tokens", 0))
    cost = f" · ${usage['cost']:.4f}" if usage.get("cost") else ""
    return (f"{plural(int(usage.get('calls', 0)), 'judge call')}, {usage.get('cached', 0)} cached"
            f"{f' · {tokens:,} tokens' if tokens else ''}{cost}")


def _drift(verdict: Mapping[str, Any]) -> Html:
    changes = verdict.get("drift") or []
    if not changes:
        return Html("")
    said = {True: "YES", False: "NO"}
    return element("div", element("h5", f"changed since the cached verdict ({plural(len(changes), 'change')})"),
                   element("ul", *[element("li", f"{change.get('what')}: "
                                                 f"{said.get(change.get('before'), change.get('before'))} "
                                                 f"({change.get('judge_before')}) → "
                                                 f"{said.get(change.get('after'), change.get('after'))} "
                                                 f"({change.get('judge_after')})") for change in changes]),
                   cls="drift")


def _verdict(verdict: Mapping[str, Any]) -> Html:
    kind = known_kind(verdict)
    body = kind.html(verdict) if kind is not None else element("p", "(a judge kind this pytest-critique does not "
                                                                    "know: shown by its headline only)", cls="muted")
    passed = verdict.get("passed")
    return element("section", element("header", badge(verdict.get("kind"), "kind"), " ",
                                      element("span", verdict.get("headline"), cls="good" if passed else "bad"),
                                      element("span", f"judge {judge_label(verdict)} · "
                                                      f"{_usage(verdict.get('usage') or {})}", cls="meta")),
                   body, _response(verdict), _drift(verdict), cls="verdict")


def _response(verdict: Mapping[str, Any]) -> Html:
    text = verdict.get("response")
    if not isinstance(text, str):
        return Html("")
    return collapsible(f"response under test ({len(text):,} characters)", text)


def _unstable(data: Mapping[str, Any] | Sequence[Any]) -> bool:
    """Whether anything in verdicts is marked unstable (a verdict, items, steps, orders, questions...)."""
    if isinstance(data, Mapping):
        return data.get("unstable") is True or any(_unstable(value) for value in data.values()
                                                   if isinstance(value, (list, Mapping)))
    return any(_unstable(value) for value in data if isinstance(value, (list, Mapping)))


def _card(number: int, result: Mapping[str, Any]) -> Html:
    shown = status(result)
    verdicts = [verdict for verdict in result.get("verdicts") or [] if isinstance(verdict, Mapping)]
    kinds = " ".join(dict.fromkeys(str(verdict.get("kind")) for verdict in verdicts))
    headlines = [verdict.get("headline") for verdict in verdicts if not verdict.get("passed")]
    reason = (element("p", element("strong", "UNSCORED: "), result["unscored"], cls="unscored-reason")
              if result.get("unscored") else "")
    when = f" (in {result.get('when')})" if result.get("when") not in (None, "call") else ""
    return element("details", element("summary", badge(STATUS_WORDS[shown], shown), " ",
                                      element("code", result.get("nodeid"), cls="nodeid"), when,
                                      element("span", headlines[0] if headlines else "", cls="headline")),
                   element("div", reason, *[_verdict(verdict) for verdict in verdicts], cls="card-body"),
                   cls=f"card {shown}", id=f"t{number}", data_status=shown, data_kinds=kinds,
                   data_unstable="1" if _unstable(verdicts) else "0", open=shown in ("failed", "unscored", "error"))


def _pass_rates(results: Sequence[Mapping[str, Any]]) -> Html:
    rates = []
    for result in results:
        if status(result) in ("rerun", "skipped"):
            continue
        parts = [ok for verdict in result.get("verdicts") or [] if (kind := known_kind(verdict)) is not None
                 for _, ok in kind.parts(verdict) if ok is not None]
        if parts:
            rates.append((str(result.get("nodeid")), sum(parts) / len(parts)))
    if not rates:
        return Html("")
    rates.sort(key=lambda entry: (entry[1], entry[0]))
    bars = [(nodeid.rpartition("::")[2] or nodeid, rate, "good" if rate == 1 else "warn" if rate >= 0.5 else "bad")
            for nodeid, rate in rates[:MAX_PASS_RATE_BARS]]
    more = f"; the {len(rates) - MAX_PASS_RATE_BARS} highest not shown" if len(rates) > MAX_PASS_RATE_BARS else ""
    return figure("Pass rate per test", bar_rows(bars, "pass rate per test"),
                  f"share of each test's judged parts (items, steps, dimensions...) that are good, lowest "
                  f"first{more}")


def _tile(label: str, value: Any, note: str = "", tone: str = "") -> Html:
    return element("div", element("div", value, cls="value"), element("div", label, cls="label"),
                   element("div", note, cls="note") if note else "", cls=f"tile {tone}".strip())


def _link(index: Mapping[str, int], nodeid: str, *rest: Any) -> Html:
    target = index.get(nodeid)
    shown = element("code", nodeid)
    return element("li", element("a", shown, href=f"#t{target}") if target is not None else shown, " ", *rest)


def _listing(title: str, entries: list[Html], cls: str = "") -> Html:
    if not entries:
        return Html("")
    return element("div", element("h3", title), element("ul", *entries), cls=f"listing {cls}".strip())


def _baseline(baseline: Mapping[str, Any] | None, index: Mapping[str, int]) -> Html:
    if not isinstance(baseline, Mapping):
        return Html("")
    groups = [("regressions", "regressed", "bad"), ("improvements", "improved", "good"),
              ("unscored", "scored on one side only", "unscored"), ("new", "new", ""), ("removed", "removed", "")]
    counts = ", ".join(f"{len(baseline.get(name) or [])} {word}" for name, word, _ in groups)
    entries = [_link(index, str(change.get("nodeid")), badge(word, tone), " ", change.get("what") or "(the verdict)",
                     f" · {change.get('before', '—')} → {change.get('after', '—')}")
               for name, word, tone in groups for change in baseline.get(name) or [] if isinstance(change, Mapping)]
    return element("div", element("h3", f"Compared with the baseline {baseline.get('path')}"),
                   element("p", f"{counts}, {baseline.get('unchanged', 0)} unchanged"
                                + (f" · {plural(int(baseline.get('not_run') or 0), 'test')} of the baseline not run"
                                   if baseline.get("not_run") else "")),
                   element("ul", *entries) if entries else "", cls="listing baseline")


def _overview(document: Mapping[str, Any], results: Sequence[Mapping[str, Any]], totals: Totals,
              index: Mapping[str, int]) -> Html:
    statuses = [status(result) for result in results]
    counts, usage = totals.counts, totals.usage
    cached = f"{counts.cached / counts.judged:.0%}" if counts.judged else "—"
    tokens = int(usage["prompt_tokens"] + usage["completion_tokens"])
    tiles = [_tile("tests judged", totals.tests), _tile("passed", statuses.count("passed"), tone="good"),
             _tile("failed", statuses.count("failed") + statuses.count("error"), tone="bad"),
             _tile("unscored", statuses.count("unscored"), "no verdict could be obtained", "unscored"),
             _tile("verdicts", counts.judged, "items, steps, questions, grades..."),
             _tile("judge calls", int(usage["calls"]), f"{int(usage['retries'])} retried" if usage["retries"] else ""),
             _tile("cached", cached, f"{counts.cached} of {counts.judged} verdicts"),
             _tile("tokens", f"{tokens:,}"), _tile("cost", f"${usage['cost']:.4f}"),
             _tile("unstable verdicts", len(counts.unstable), "sampled votes agreed less than min_agreement",
                   "warn" if counts.unstable else ""),
             _tile("drift", len(totals.drift), "verdicts that changed since the cached ones",
                   "warn" if totals.drift else "")]
    tiles += [_tile(label, value, note) for figures in totals.figures.values()
              for label, value, note in figures.tiles()]
    kind_lines = [element("li", text) for figures in totals.figures.values()
                  for text in figures.lines(lambda nodeid: nodeid, 1000)]
    attention = [_link(index, str(result.get("nodeid")), badge(STATUS_WORDS[shown], shown), " ",
                       result.get("unscored") or next((v.get("headline") for v in result.get("verdicts") or []
                                                       if isinstance(v, Mapping) and not v.get("passed")), ""))
                 for result, shown in zip(results, statuses) if shown in ("failed", "unscored", "error")]
    settings = document.get("settings")
    settings = settings if isinstance(settings, Mapping) else {}
    shown_settings = " · ".join(f"{name} {value}" for name, value in settings.items() if value is not None)
    shards = document.get("shards") or []
    return join([
        element("p", f"judges: {', '.join(totals.judges) or 'none'}", element("br"), f"settings: {shown_settings}",
                *([element("br"), f"merged from {plural(len(shards), 'report')}: {', '.join(map(str, shards))}"]
                  if shards else []), cls="meta"),
        element("div", *tiles, cls="tiles"),
        _listing("By judge kind", kind_lines),
        _listing("Failed and unscored tests", attention),
        _listing("Unstable verdicts", [_link(index, nodeid, what) for nodeid, what in counts.unstable]),
        _listing("Drift", [_link(index, str(change["nodeid"]), f"{change.get('what')}: {change.get('before')} "
                                                              f"({change.get('judge_before')}) → {change.get('after')} "
                                                              f"({change.get('judge_after')})")
                           for change in totals.drift]),
        _baseline(document.get("baseline"), index),
    ])


def render(document: Mapping[str, Any]) -> str:
    """The HTML page of a JSON report document (as ``--critique-report`` writes it, or ``merge`` makes it)."""
    results = sorted((result for result in document.get("tests") or []
                      if isinstance(result, Mapping) and isinstance(result.get("nodeid"), str)),
                     key=lambda result: str(result["nodeid"]))
    totals = Totals(results)
    index: dict[str, int] = {}
    for number, result in enumerate(results):
        index.setdefault(str(result["nodeid"]), number)
    plots = [_pass_rates(results), *[plot for figures in totals.figures.values() for plot in figures.plots()]]
    kinds = sorted({str(verdict.get("kind")) for result in results for verdict in result.get("verdicts") or []
                    if isinstance(verdict, Mapping)})
    statuses = [status(result) for result in results]
    script = _template_text("report_page.js")
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    filters = [("all", "all", len(results)), ("failed", "failed", statuses.count("failed") + statuses.count("error")),
               ("unscored", "unscored", statuses.count("unscored")),
               ("unstable", "unstable", sum(1 for result in results if _unstable(result.get("verdicts") or []))),
               ("passed", "passed", statuses.count("passed"))]
    return str(_page().render(
        overview=_overview(document, results, totals, index), plots=join(plot for plot in plots if plot),
        cards=join(_card(number, result) for number, result in enumerate(results)), filters=filters, kinds=kinds,
        script=Html(script), script_hash=f"sha256-{digest}", empty=not results))


__all__ = ["render", "status"]
