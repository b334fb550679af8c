"""Cases from a file: ``@pytest.mark.critique_cases(PATH)`` and ``critique_cases(PATH)`` turn the rows of a
JSON Lines or CSV file into parametrized tests with the rows' ids; a bad row stops collection at FILE:LINE."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pytest_critique import load_cases

ROWS = [
    {"id": "fox", "instruction": "Write about a fox.", "items": ["Does it mention a fox?"], "output": "a red fox"},
    {"id": "owl", "instruction": "Write about a fox.", "items": ["Does it mention a fox?"], "output": "an owl",
     "tags": ["night"]},
    {"instruction": "Write about autumn and a fox.", "items": ["Does it mention a fox?", "Does it mention autumn?"],
     "output": "a fox in autumn"},
]

TEST_MODULE = """
import pytest

@pytest.mark.critique_cases("data/cases.jsonl")
def test_case(critique, case):
    assert critique.checklist(case.output, instruction=case.instruction, items=case.items).passed
"""


def write_jsonl(path: Path, rows: list[object]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(json.dumps(row) for row in rows) + "\n", encoding="utf-8")


def test_each_row_is_a_test_named_by_its_id(scripted_conftest: pytest.Pytester, plugin_args: list[str]) -> None:
    write_jsonl(scripted_conftest.path / "data" / "cases.jsonl", ROWS)
    scripted_conftest.makepyfile(test_cases=TEST_MODULE)
    result = scripted_conftest.runpytest("-rA", *plugin_args)
    result.assert_outcomes(passed=2, failed=1)
    for line in ("PASSED test_cases.py::test_case?fox?", "FAILED test_cases.py::test_case?owl? - *",
                 "PASSED test_cases.py::test_case?line3?"):
        result.stdout.fnmatch_lines([line])


def test_a_csv_file_and_the_parametrize_helper_with_other_column_names(scripted_conftest: pytest.Pytester) -> None:
    (scripted_conftest.path / "cases.csv").write_text(
        'name,task,questions,reply\n'
        'fox,"Write about a fox.","Does it mention a fox?\nDoes it mention autumn?","a fox in autumn"\n'
        'owl,"Write about a fox.","[""Does it mention a fox?""]",an owl\n', encoding="utf-8")
    scripted_conftest.makepyfile(test_csv="""
        import pytest
        from pytest_critique import critique_cases

        FIELDS = {"id": "name", "instruction": "task", "items": "questions", "output": "reply"}

        @pytest.mark.parametrize("case", critique_cases("cases.csv", fields=FIELDS))
        def test_row(critique, case):
            assert case["task"] == case.instruction == "Write about a fox."
            assert critique.checklist(case.output, items=case.items).passed
    """)
    result = scripted_conftest.runpytest("-rA")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["PASSED test_csv.py::test_row?fox?"])
    result.stdout.fnmatch_lines(["FAILED test_csv.py::test_row?owl? - *"])


@pytest.mark.parametrize(("content", "message"), [
    ('{"id": "a", "items": ["Q?"]}\n{"id": "b", "items": [\n', "*data/cases.jsonl:2: not a JSON object*"),
    ('{"id": "a", "items": ["Q?"]}\n["a list"]\n', "*data/cases.jsonl:2: not a JSON object (a list)*"),
    ('{"id": "a", "items": ["Q?"]}\n\n{"id": "a", "items": ["Q?"]}\n',
     "*data/cases.jsonl:3: the id 'a' is already used at *data/cases.jsonl:1*"),
    ('{"id": "a", "items": {"Q?": 1}}\n', "*data/cases.jsonl:1: items must be a non-empty list of questions*"),
    ('{"id": "a", "items": [1, 2]}\n', "*data/cases.jsonl:1: items must be a non-empty list of questions*"),
    ('{"id": "a", "output": 7}\n', "*data/cases.jsonl:1: output must be text, got int*"),
    ('{"id": {"x": 1}}\n', "*data/cases.jsonl:1: id must be text or a number, got dict*"),
    ('{"id": "a", "rubric": [1]}\n', "*data/cases.jsonl:1: rubric must be an object*"),
    ("\n\n", "*critique_cases: *data/cases.jsonl has no rows*"),
    (None, "*critique_cases: no such file *data/cases.jsonl*"),
    ("\udcff", "*data/cases.jsonl: not UTF-8 text*"),
])
def test_a_bad_file_stops_collection_at_its_line(scripted_conftest: pytest.Pytester, content: str | None,
                                                  message: str) -> None:
    path = scripted_conftest.path / "data" / "cases.jsonl"
    if content is not None:
        path.parent.mkdir()
        path.write_bytes(content.encode("utf-8", "surrogateescape"))
    scripted_conftest.makepyfile(test_cases=TEST_MODULE)
    result = scripted_conftest.runpytest()
    assert result.ret == pytest.ExitCode.INTERRUPTED  # a collection error stops the run before any test
    result.stdout.fnmatch_lines(["*ERROR collecting test_cases.py*", message])
    assert "Traceback" not in result.stdout.str(), "the row's place and problem, not the plugin's internals"


@pytest.mark.parametrize(("module", "message"), [
    ("@pytest.mark.critique_cases('cases.jsonl')\ndef test_x(critique):\n    pass\n",
     "*critique_cases gives each row as the argument 'case', which the test does not take*"),
    ("@pytest.mark.critique_cases('cases.jsonl', colour='red')\ndef test_x(case):\n    pass\n",
     "*critique_cases got unknown keyword arguments ?'colour'?*"),
    ("@pytest.mark.critique_cases()\ndef test_x(case):\n    pass\n",
     "*critique_cases takes the path of one cases file*"),
    ("@pytest.mark.critique_cases('cases.txt')\ndef test_x(case):\n    pass\n",
     "*must be a .jsonl (one JSON object per line) or .csv file*"),
    ("@pytest.mark.critique_cases('cases.jsonl', fields={'question': 'q'})\ndef test_x(case):\n    pass\n",
     "*fields= maps 'question', which is not one of id, input, instruction, items, rubric, output*"),
])
def test_a_misused_marker_is_a_clear_collection_error(pytester: pytest.Pytester, module: str, message: str) -> None:
    write_jsonl(pytester.path / "cases.jsonl", ROWS)
    (pytester.path / "cases.txt").write_text("x", encoding="utf-8")
    pytester.makepyfile(test_m="import pytest\n\n" + module)
    result = pytester.runpytest()
    result.stdout.fnmatch_lines([message])
    assert result.ret == pytest.ExitCode.INTERRUPTED


def test_the_infobench_file_reads_as_cases(shared_datasets: Path) -> None:
    path = shared_datasets / "infobench" / "gpt4_outputs_gpt4_judgments.jsonl"
    if not path.is_file():
        pytest.skip(f"InFoBench file not found at {path}")
    cases = load_cases(path, fields={"items": "decomposed_questions"})
    assert len(cases) == 500 and len({case.id for case in cases}) == 500
    assert sum(len(case.items or []) for case in cases) == 2250
    first = cases[0]
    assert first.instruction and first.output and first.items and first.source.endswith(":1")
    assert first["eval"] == json.loads(path.read_text(encoding="utf-8").splitlines()[0])["eval"]


def test_a_csv_row_with_more_cells_than_the_header_stops_collection(pytester: pytest.Pytester) -> None:
    (pytester.path / "cases.csv").write_text("id,items\na,Is it short?\nb,Is it long?,extra\n", encoding="utf-8")
    pytester.makepyfile(test_c="import pytest\n\n@pytest.mark.critique_cases('cases.csv')\n"
                               "def test_x(case):\n    pass\n")
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(["*cases.csv:3: more cells than the header has columns*"])
