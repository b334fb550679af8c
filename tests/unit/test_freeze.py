"""The frozen checklists file: keys, reading, validation, and adding entries without overwriting."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from pytest_critique.errors import CritiqueUsageError
from pytest_critique.freeze import FILE_VERSION, FrozenChecklists, checklist_key, read_entries, write_entries


def entry(instruction: str = "Write a haiku about a fox.", questions: list[str] | None = None,
          input: str | None = None, generator: str | None = "openai/gpt-4o-mini") -> dict:
    return {"instruction": instruction, "input": input,
            "questions": questions or ["Does it mention a fox?", "Is it three lines long?"], "generator": generator}


def test_key_is_a_digest_of_instruction_and_input() -> None:
    expected = hashlib.sha256("Write a haiku.\x00foxes".encode()).hexdigest()[:16]
    assert checklist_key("Write a haiku.", "foxes") == expected
    assert checklist_key("  Write a haiku.\n", " foxes ") == expected  # surrounding whitespace is ignored
    assert checklist_key("Write a haiku.", None) == checklist_key("Write a haiku.", "")
    assert checklist_key("Write a haiku.", None) != checklist_key("Write a haiku.", "foxes")
    assert checklist_key("Write a haiku", None) != checklist_key("Write a haiku.", None)
    assert len(checklist_key("x", None)) == 16


def test_write_creates_the_file(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "critique_checklists.json"
    assert write_entries(path, [entry()]) == 1
    text = path.read_text(encoding="utf-8")
    assert text.endswith("}\n")
    assert json.loads(text) == {
        "version": FILE_VERSION,
        "checklists": {checklist_key("Write a haiku about a fox.", None): {
            "instruction": "Write a haiku about a fox.",
            "questions": ["Does it mention a fox?", "Is it three lines long?"],
            "generator": "openai/gpt-4o-mini",
        }},
    }
    assert FILE_VERSION == 1
    assert [p.name for p in path.parent.iterdir()] == ["critique_checklists.json"]  # no temporary file left


def test_written_file_is_readable_by_people(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    write_entries(path, [entry(instruction="Écris un haïku.", questions=["Parle-t-il d'un renard ?", "Court ?"])])
    text = path.read_text(encoding="utf-8")
    assert "Écris un haïku." in text  # not \\u-escaped
    assert "\n  " in text  # indented


def test_entries_are_sorted_by_key_and_keep_their_input(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    entries = [entry(instruction=f"Task {n}.", input="data" if n % 2 else None) for n in range(5)]
    assert write_entries(path, entries) == 5
    document = json.loads(path.read_text(encoding="utf-8"))
    keys = list(document["checklists"])
    assert keys == sorted(keys)
    stored = document["checklists"][checklist_key("Task 1.", "data")]
    assert stored["input"] == "data"
    assert "input" not in document["checklists"][checklist_key("Task 0.", None)]


def test_existing_entries_win(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    write_entries(path, [entry(questions=["Is it committed?", "Is it reviewed?"])])
    added = write_entries(path, [entry(questions=["Is it new?", "Is it different?"]),
                                 entry(instruction="Another task.")])
    assert added == 1
    frozen = FrozenChecklists(path)
    assert frozen.lookup("Write a haiku about a fox.", None) == ["Is it committed?", "Is it reviewed?"]
    assert frozen.lookup("Another task.", None) == ["Does it mention a fox?", "Is it three lines long?"]


def test_duplicates_within_one_write_count_once(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    assert write_entries(path, [entry(), entry(questions=["Other?", "Questions?"])]) == 1
    assert FrozenChecklists(path).lookup("Write a haiku about a fox.", None) == [
        "Does it mention a fox?", "Is it three lines long?"]


def test_nothing_new_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    assert write_entries(path, []) == 0
    assert not path.exists()
    write_entries(path, [entry()])
    before = path.read_bytes()
    path.write_bytes(before.replace(b"\n", b"\r\n"))  # a hand-edited file stays as it is
    assert write_entries(path, [entry()]) == 0
    assert path.read_bytes() == before.replace(b"\n", b"\r\n")


def test_no_generator_is_left_out(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    write_entries(path, [entry(generator=None)])
    [stored] = json.loads(path.read_text(encoding="utf-8"))["checklists"].values()
    assert "generator" not in stored


def test_lookup(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    write_entries(path, [entry(input="foxes")])
    frozen = FrozenChecklists(path)
    assert frozen.lookup("Write a haiku about a fox.", "foxes") == ["Does it mention a fox?", "Is it three lines long?"]
    assert frozen.lookup(" Write a haiku about a fox. ", "foxes ") is not None
    assert frozen.lookup("Write a haiku about a fox.", None) is None
    # a copy: callers cannot change the loaded entry
    frozen.lookup("Write a haiku about a fox.", "foxes").append("Extra?")
    assert len(frozen.lookup("Write a haiku about a fox.", "foxes")) == 2


def test_lookup_without_a_file(tmp_path: Path) -> None:
    assert FrozenChecklists(tmp_path / "absent.json").lookup("Anything.", None) is None
    assert read_entries(tmp_path / "absent.json") == {}


def test_file_is_read_once(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    write_entries(path, [entry()])
    frozen = FrozenChecklists(path)
    assert frozen.lookup("Write a haiku about a fox.", None) is not None
    path.unlink()
    assert frozen.lookup("Write a haiku about a fox.", None) is not None


def test_hand_written_keys_are_used_as_is(tmp_path: Path) -> None:
    """Entries are found by their key; the key must match the instruction's digest."""
    path = tmp_path / "c.json"
    key = checklist_key("Summarise.", None)
    path.write_text(json.dumps({"version": 1, "checklists": {key: {"questions": ["Is it short?"]}}}))
    assert FrozenChecklists(path).lookup("Summarise.", None) == ["Is it short?"]


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        pytest.param("{not json", "cannot read checklists file {path}: Expecting property name", id="invalid-json"),
        pytest.param("[]", "{path} is not a checklists file (no 'checklists' object)", id="list"),
        pytest.param('{"version": 1}', "{path} is not a checklists file (no 'checklists' object)", id="no-checklists"),
        pytest.param('{"checklists": []}', "{path} is not a checklists file (no 'checklists' object)",
                     id="checklists-list"),
        pytest.param('{"checklists": {"abc": {"questions": []}}}',
                     "{path}: checklist 'abc' needs a non-empty list of string 'questions'", id="empty-questions"),
        pytest.param('{"checklists": {"abc": {"questions": "Is it?"}}}',
                     "{path}: checklist 'abc' needs a non-empty list of string 'questions'", id="questions-string"),
        pytest.param('{"checklists": {"abc": {"questions": ["Is it?", 2]}}}',
                     "{path}: checklist 'abc' needs a non-empty list of string 'questions'", id="question-number"),
        pytest.param('{"checklists": {"abc": ["Is it?"]}}',
                     "{path}: checklist 'abc' needs a non-empty list of string 'questions'", id="entry-list"),
    ],
)
def test_bad_files_are_usage_errors(tmp_path: Path, content: str, problem: str) -> None:
    path = tmp_path / "c.json"
    path.write_text(content, encoding="utf-8")
    expected = "critique: " + problem.format(path=path)
    with pytest.raises(CritiqueUsageError) as caught:
        FrozenChecklists(path).lookup("Anything.", None)
    assert str(caught.value).startswith(expected)
    with pytest.raises(CritiqueUsageError):
        write_entries(path, [entry()])
    assert path.read_text(encoding="utf-8") == content  # a broken file is never overwritten
