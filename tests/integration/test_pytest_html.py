"""pytest-html (when installed): a Critique column with each judged test's headline, the critique section
as a coloured table among the test's extras, UNSCORED said as such; escaped; also under xdist."""

from __future__ import annotations

import html
import json
import re
from typing import Any

import pytest

pytest.importorskip("pytest_html", reason="pytest-html is not installed (it is in the test extras)")

TESTS = """
def test_pass(critique):
    assert critique.checklist("a fox in autumn", items=["Does it mention a fox?", "Does it mention autumn?"]).passed

def test_fail(critique):
    assert critique.checklist("a fox <script>alert(1)</script>",
                              items=["Does it mention a fox?", "Does it mention <b>autumn</b>?"]).passed

def test_unscored(critique):
    critique.checklist("a fox", items=["Is it blue?"])

def test_plain():
    assert False
"""


def report_data(pytester: pytest.Pytester) -> tuple[str, dict[str, Any]]:
    """pytest-html's page, and the data it renders its rows from (a JSON blob in an attribute of the page)."""
    page = (pytester.path / "report.html").read_text(encoding="utf-8")
    found = re.search(r'data-jsonblob="([^"]*)"', page)
    assert found, "pytest-html's page has no data blob"
    return page, json.loads(html.unescape(found.group(1)))


def row(data: dict[str, Any], name: str) -> dict[str, Any]:
    [entry] = data["tests"][f"test_h.py::{name}"]
    return entry


def test_pytest_html_gets_a_critique_column_and_a_coloured_table(scripted_conftest: pytest.Pytester,
                                                                 plugin_args: list[str]) -> None:
    scripted_conftest.makepyfile(test_h=TESTS)
    result = scripted_conftest.runpytest("--html=report.html", "--self-contained-html", *plugin_args)
    assert result.ret == 1
    page, data = report_data(scripted_conftest)
    assert re.search(r'<th class="sortable" data-column-type="testId">Test</th>\s*'
                     r'<th class="sortable" data-column-type="critique">Critique</th>', page)

    failing = row(data, "test_fail")
    cells = failing["resultsTableRow"]
    assert '<td class="col-critique">✗ 1 of 2 checklist items failed</td>' in cells
    [table] = [extra["content"] for extra in failing["extras"] if extra["name"] == "critique"]
    assert "#b3261e" in table and "Does it mention &lt;b&gt;autumn&lt;/b&gt;?" in table, "the ✗ row, in red"
    assert "#1a7f37" in table and "Does it mention a fox?" in table, "the ✓ row, in green"
    assert "looked for the word autumn" in table, "the judge's reason"
    assert "<b>autumn" not in table and "<script>" not in json.dumps(data), "every text escaped"

    unscored = row(data, "test_unscored")
    critique_cell = next(cell for cell in unscored["resultsTableRow"] if "col-critique" in cell)
    assert "UNSCORED: 1 of 1 checklist items unscored" in critique_cell and "UnscoredError" not in critique_cell
    [table] = [extra["content"] for extra in unscored["extras"] if extra["name"] == "critique"]
    assert "#8a5a00" in table and "Is it blue?" in table

    assert "✓ all 2 checklist items passed" in "".join(row(data, "test_pass")["resultsTableRow"])
    plain = row(data, "test_plain")
    assert '<td class="col-critique"></td>' in plain["resultsTableRow"]
    assert not [extra for extra in plain["extras"] if extra["name"] == "critique"]


def test_without_pytest_html_nothing_changes(scripted_conftest: pytest.Pytester) -> None:
    scripted_conftest.makepyfile(test_h=TESTS)
    result = scripted_conftest.runpytest("-p", "no:html")
    result.assert_outcomes(passed=1, failed=2)
    assert "critique-pytest-html" not in result.stdout.str()
