"""The atomic writer behind the files users keep (whole or not at all, with ordinary permissions), and the
line-per-entry JSON of reports."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from pytest_critique.files import report_json, write_atomically


@pytest.fixture
def umask_022():
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_a_new_file_gets_the_umask_permissions_not_mkstemps(tmp_path: Path, umask_022: None) -> None:
    path = tmp_path / "out" / "checklists.json"
    write_atomically(path, "{}\n")
    assert path.read_text() == "{}\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert [p.name for p in path.parent.iterdir()] == ["checklists.json"], "no temporary file left"


def test_a_replaced_file_keeps_its_mode(tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    path.write_text("old")
    path.chmod(0o640)
    write_atomically(path, "new")
    assert path.read_text() == "new" and stat.S_IMODE(path.stat().st_mode) == 0o640


def test_a_link_is_replaced_not_written_through(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere.txt"
    target.write_text("keep me")
    link = tmp_path / "report.json"
    link.symlink_to(target)
    write_atomically(link, "new")
    assert target.read_text() == "keep me" and not link.is_symlink() and link.read_text() == "new"


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    path.write_text("old")
    with pytest.raises(UnicodeEncodeError):
        write_atomically(path, "\udcff")  # a lone surrogate cannot be encoded strictly
    assert path.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["report.json"]


def test_frozen_checklists_are_readable_like_any_committed_file(scripted_conftest: pytest.Pytester,
                                                               umask_022: None) -> None:
    scripted_conftest.makepyfile(
        "def test_fox(critique):\n"
        "    assert critique.checklist('a fox\\nin the\\nsnow', instruction='Write a haiku about a fox.').passed\n")
    scripted_conftest.runpytest("--critique-freeze").assert_outcomes(passed=1)
    frozen = scripted_conftest.path / "critique_checklists.json"
    assert stat.S_IMODE(frozen.stat().st_mode) == 0o644  # mkstemp's 0600 before


def test_report_json_reads_back_equal_with_one_line_per_test() -> None:
    tests = [{"nodeid": f"t.py::test_{n}", "verdicts": [{"items": [{"question": "line\nbreak </script> \u2028",
                                                                   "answer": "NO", "votes": []}]}],
              "response": "caf\u00e9 \"quoted\" \\ tab\t", "usage": {}} for n in range(3)]
    document = {"version": 1, "settings": {"model": None, "threshold": 1.0}, "empty": {}, "none": [],
                "totals": {"usage": {"calls": 2, "cost": 0.5}, "failing_items": [{"index": 1}, {"index": 2}]},
                "tests": tests}
    text = report_json(document)
    assert json.loads(text) == document
    lines = text.splitlines()
    assert len(lines) == len(text.split("\n")) - 1, "no other line breaks (U+2028 is escaped)"
    on_lines = [json.loads(line.strip().rstrip(",")) for line in lines if "t.py::test_" in line]
    assert on_lines == tests, "each test on one line"
    assert '    "failing_items": [' in lines and '      {"index": 1},' in lines, "sections indented"
    assert text.endswith("}\n") and '"empty": {}' in text and '"none": []' in text
