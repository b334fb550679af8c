"""--junitxml: every judged test carries its verdict as properties and its critique section in system-out
(as junit_logging asks), and an UNSCORED test is an <error>, not a <failure>, with or without xdist."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree

import pytest

TESTS = """
def test_pass(critique):
    assert critique.checklist("a fox in autumn", items=["Does it mention a fox?", "Does it mention autumn?"]).passed

def test_fail(critique):
    assert critique.checklist("a fox", items=["Does it mention a fox?", "Does it mention autumn?"]).passed

def test_unscored(critique):
    critique.checklist("a fox", items=["Is it blue?"])

def test_plain():
    assert False
"""


def cases(pytester: pytest.Pytester) -> dict[str, ElementTree.Element]:
    tree = ElementTree.parse(pytester.path / "junit.xml")
    return {case.get("name", ""): case for case in tree.iter("testcase")}


def props(case: ElementTree.Element) -> dict[str, str]:
    return {prop.get("name", ""): prop.get("value", "") for prop in case.iter("property")}


def test_junit_xml_carries_the_verdicts(scripted_conftest: pytest.Pytester, plugin_args: list[str]) -> None:
    scripted_conftest.makepyfile(test_j=TESTS)
    result = scripted_conftest.runpytest("--junitxml=junit.xml", "-o", "junit_logging=system-out", *plugin_args)
    assert result.parseoutcomes() == {"passed": 1, "failed": 2, "unscored": 1}
    found = cases(scripted_conftest)
    passing = props(found["test_pass"])
    assert passing["critique.kind"] == "checklist" and passing["critique.passed"] == "true"
    assert (passing["critique.pass_rate"], passing["critique.threshold"]) == ("1", "1")
    assert passing["critique.judge"] == "scripted" and passing["critique.calls"] == "2"
    failing = props(found["test_fail"])
    assert failing["critique.passed"] == "false" and failing["critique.failed.2"] == "Does it mention autumn?"
    assert found["test_fail"].find("failure") is not None
    out = found["test_fail"].findtext("system-out") or ""
    assert "checklist · judge scripted (offline) · 2 items" in out and "✗  2  Does it mention autumn?" in out
    unscored = found["test_unscored"]
    assert unscored.find("failure") is None
    error = unscored.find("error")
    assert error is not None and error.get("message", "").startswith("UNSCORED: critique: 1 of 1 checklist items "
                                                                       "unscored")
    plain = found["test_plain"]
    assert plain.find("failure") is not None and not props(plain)


def test_without_junit_logging_the_section_stays_out(scripted_conftest: pytest.Pytester) -> None:
    scripted_conftest.makepyfile(test_j=TESTS)
    scripted_conftest.runpytest("--junitxml=junit.xml")
    found = cases(scripted_conftest)
    assert "critique ·" not in (found["test_fail"].findtext("system-out") or "")
    assert props(found["test_fail"])["critique.failed.2"] == "Does it mention autumn?"
    assert found["test_unscored"].find("error") is not None


def test_a_github_job_summary_is_appended(scripted_conftest: pytest.Pytester, plugin_args: list[str],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    summary = scripted_conftest.path / "step_summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    scripted_conftest.makepyfile(test_j=TESTS)
    scripted_conftest.runpytest(*plugin_args)
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("earlier step\n## pytest-critique\n")
    assert "| tests judged | verdicts | cached | judge calls | tokens | cost |" in text
    assert "| 3 | 5 | 0 | 5 | 0 | $0.0000 |" in text
    assert "### Failing (1 test)\n\n- `test_j.py::test_fail`\n  - \\#2 Does it mention autumn?" in text
    assert "### Unscored (1 test): no verdict could be obtained" in text
    assert "- `test_j.py::test_unscored`: critique: 1 of 1 checklist items unscored" in text


def test_the_github_summary_can_be_turned_off(scripted_conftest: pytest.Pytester,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    summary = scripted_conftest.path / "step_summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    scripted_conftest.makepyfile(test_j=TESTS)
    scripted_conftest.runpytest("--critique-github-summary=off")
    assert not summary.exists()
