"""Verdicts in JUnit XML (``--junitxml``): properties per judged test, the ``critique`` section in
``system-out`` (as ``junit_logging`` asks), and UNSCORED tests as ``<error>`` instead of ``<failure>``.

Properties travel on the test report (``user_properties``, so xdist workers' reach the controller);
the file pytest writes is then completed at the end of the run, on the controller.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from typing import Any, Iterable, Mapping

from .judges import known_kind
from .report_text import shorten

PREFIX = "critique"


def _text(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value).lower() if isinstance(value, bool) else str(value)


def properties(verdicts: list[Mapping[str, Any]]) -> list[tuple[str, str]]:
    """``critique.kind``, ``critique.passed``, ``critique.judge``, usage, and what the verdict's kind adds
    (pass rate, threshold, score, failing items as ``critique.failed.N``...); a test's second verdict
    and later ones are ``critique.2.*``, ``critique.3.*``."""
    found: list[tuple[str, str]] = []
    for number, verdict in enumerate(verdicts, start=1):
        prefix = PREFIX if number == 1 else f"{PREFIX}.{number}"
        usage = verdict.get("usage") or {}
        common = [("kind", verdict.get("kind")), ("passed", verdict.get("passed")), ("judge", verdict.get("judge")),
                  ("calls", usage.get("calls", 0)), ("cached", usage.get("cached", 0)),
                  ("cost", usage.get("cost", 0.0))]
        kind = known_kind(verdict)
        own = kind.properties(verdict) if kind is not None else []
        found.extend((f"{prefix}.{name}", _text(value)) for name, value in [*common, *own] if value is not None)
    return found


def _address(nodeid: str, prefix: str | None) -> tuple[str, str]:
    """The (classname, name) pytest's junitxml gives a test of this node id."""
    path, _, rest = nodeid.partition("::")
    names = [re.sub(r"\.py$", "", path.replace("/", ".")), *(rest.split("::") if rest else [])]
    classnames = ([prefix] if prefix else []) + names[:-1]
    return ".".join(classnames), names[-1]


def complete_file(path: Path, results: Iterable[Mapping[str, Any]], logging: str, prefix: str | None) -> None:
    """Add each judged test's section to its ``system-out`` (when ``junit_logging`` includes it) and turn
    the failure of an UNSCORED test into an error with the reason."""
    from .report import section_text

    try:
        tree = ElementTree.parse(path)
    except (OSError, ElementTree.ParseError):
        return  # not written, or not ours to repair
    cases = {(case.get("classname", ""), case.get("name", "")): case for case in tree.iter("testcase")}
    changed = False
    for result in results:
        case = cases.get(_address(str(result["nodeid"]), prefix))
        if case is None or result.get("when") != "call":
            continue
        unscored = result.get("unscored")
        failure = case.find("failure")
        if unscored and failure is not None:
            failure.tag = "error"
            failure.set("message", shorten(f"UNSCORED: {unscored}", 1000))
            failure.set("type", "UnscoredError")
            changed = True
        text = section_text(result)
        if text and logging in ("system-out", "out-err", "all"):
            out = case.find("system-out")
            if out is None:
                out = ElementTree.SubElement(case, "system-out")
            out.text = (out.text or "") + f"\n{' critique '.center(80, '-')}\n{text}\n"
            changed = True
    if changed:
        tree.write(path, encoding="utf-8", xml_declaration=True)
