"""RecordedJudge: loading a JSONL file of verdicts (errors name file:line) and replaying it."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

from pytest_critique import RecordedJudge
from pytest_critique.backends import builtin_backend
from pytest_critique.judges import checklist as tick
from pytest_critique.backends.base import JudgeCall
from pytest_critique.errors import CritiqueUsageError, JudgeFailure
from pytest_critique.settings import Settings


def write(tmp_path: Path, *lines: object, name: str = "verdicts.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines),
                    encoding="utf-8")
    return path


def verdict(question: str = "Is it a fox?", response: str = "a fox", value: object = "YES", **extra: object) -> dict:
    return {"question": question, "response": response, "verdict": value, **extra}


# --- loading errors -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bad_line", "problem"),
    [
        pytest.param("{not json", "not valid JSON (Expecting property name enclosed in double quotes)", id="json"),
        pytest.param('["a list"]', "expected a JSON object", id="list"),
        pytest.param('"text"', "expected a JSON object", id="string"),
        pytest.param({"response": "a fox", "verdict": "YES"}, "missing string field 'question'", id="no-question"),
        pytest.param({"question": "Q?", "verdict": "YES"}, "missing string field 'response'", id="no-response"),
        pytest.param({"question": 3, "response": "a fox", "verdict": "YES"}, "missing string field 'question'",
                     id="question-not-string"),
        pytest.param(verdict(value="maybe"), "'verdict' must be true/false or YES/NO, got 'maybe'", id="maybe"),
        pytest.param(verdict(value=None), "'verdict' must be true/false or YES/NO, got None", id="null"),
        pytest.param({"question": "Q?", "response": "r"}, "'verdict' must be true/false or YES/NO, got None",
                     id="no-verdict"),
        pytest.param(verdict(value=2), "'verdict' must be true/false or YES/NO, got 2", id="two"),
        pytest.param({"instruction": "Do it.", "questions": "Is it done?"},
                     "a checklist line needs 'instruction' (string) and 'questions' (list of strings)",
                     id="questions-not-list"),
        pytest.param({"questions": ["Is it done?"]},
                     "a checklist line needs 'instruction' (string) and 'questions' (list of strings)",
                     id="checklist-without-instruction"),
        pytest.param({"instruction": "Do it.", "questions": ["ok?", 3]},
                     "a checklist line needs 'instruction' (string) and 'questions' (list of strings)",
                     id="question-not-string-in-checklist"),
    ],
)
def test_bad_line_is_reported_with_file_and_line(tmp_path: Path, bad_line: object, problem: str) -> None:
    # line 1 is fine, line 2 is blank (still counted), line 3 is bad
    path = write(tmp_path, verdict(), "", bad_line)
    with pytest.raises(CritiqueUsageError) as caught:
        RecordedJudge(path)
    assert str(caught.value) == f"critique: {path}:3: {problem}"


def test_first_bad_line_is_the_one_reported(tmp_path: Path) -> None:
    path = write(tmp_path, "oops", "also bad")
    with pytest.raises(CritiqueUsageError, match=r"verdicts\.jsonl:1: not valid JSON"):
        RecordedJudge(path)


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "absent.jsonl"
    with pytest.raises(CritiqueUsageError) as caught:
        RecordedJudge(path)
    assert str(caught.value).startswith(f"critique: cannot read recorded verdicts {path}: ")


def test_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = write(tmp_path, verdict())
    with path.open("ab") as handle:
        handle.write(json.dumps(verdict(response="caf\u00e9"), ensure_ascii=False).encode("latin-1") + b"\n")
    with pytest.raises(CritiqueUsageError, match=re.escape(f"critique: {path}:2: ")):
        RecordedJudge(path)


# --- replaying ------------------------------------------------------------------------------------


def ask(judge: RecordedJudge, question: str = "Is it a fox?", response: str = "a fox",
        instruction: str | None = None, input: str | None = None):
    return judge.answer(question=question, response=response, instruction=instruction, input=input)


@pytest.mark.parametrize(("value", "expected"), [
    (True, True), (False, False), ("YES", True), ("no", False), (" Yes ", True), ("TRUE", True), ("false", False),
    (1, True), (0, False),
])
def test_verdict_values(tmp_path: Path, value: object, expected: bool) -> None:
    judge = RecordedJudge(write(tmp_path, verdict(value=value)))
    assert ask(judge) == (expected, "recorded verdict")


def test_reason_is_replayed_and_whitespace_is_ignored(tmp_path: Path) -> None:
    judge = RecordedJudge(write(tmp_path, verdict(question=" Is it a fox? ", response="a fox\n", reason="saw it")))
    assert ask(judge, question="Is it a fox?", response="  a fox") == (True, "saw it")
    assert len(judge) == 1


def test_unknown_question_or_response_has_no_answer(tmp_path: Path) -> None:
    judge = RecordedJudge(write(tmp_path, verdict()))
    assert ask(judge, question="Is it an owl?") is None
    assert ask(judge, response="an owl") is None


def test_records_are_told_apart_by_instruction_and_input(tmp_path: Path) -> None:
    judge = RecordedJudge(write(
        tmp_path,
        verdict(value="YES", instruction="Write about foxes.", input="short"),
        verdict(value="NO", instruction="Write about owls.", input="short"),
        verdict(value="YES", instruction="Write about owls.", input="long"),
    ))
    assert ask(judge, instruction="Write about foxes.") == (True, "recorded verdict")
    assert ask(judge, instruction="Write about owls.", input="short") == (False, "recorded verdict")
    assert ask(judge, instruction="Write about owls.", input="long") == (True, "recorded verdict")


def test_conflicting_records_fail_and_name_their_lines(tmp_path: Path) -> None:
    judge = RecordedJudge(write(tmp_path, verdict(value="YES"), verdict(value="NO")))
    with pytest.raises(JudgeFailure) as caught:
        ask(judge)
    assert caught.value.kind == "missing"
    assert str(caught.value) == ("verdicts.jsonl records conflicting verdicts for question 'Is it a fox?' "
                                 "(lines 1, 2)")


def test_agreeing_duplicates_are_fine(tmp_path: Path) -> None:
    judge = RecordedJudge(write(tmp_path, verdict(value="YES", reason="first"), verdict(value=True)))
    assert ask(judge) == (True, "first")


def test_checklist_lines(tmp_path: Path) -> None:
    judge = RecordedJudge(write(
        tmp_path,
        {"instruction": "Write a haiku.", "questions": ["Is it three lines?", "Is it about nature?"]},
        {"instruction": "Write a haiku.", "input": "foxes", "questions": ["Does it mention foxes?", "Is it short?"]},
    ))
    assert judge.checklist(instruction=" Write a haiku. ", input=None) == ["Is it three lines?", "Is it about nature?"]
    assert judge.checklist(instruction="Write a haiku.", input="foxes") == ["Does it mention foxes?", "Is it short?"]
    assert judge.checklist(instruction="Write a limerick.", input=None) is None
    assert len(judge) == 0  # checklist lines are not verdicts


def test_identity_includes_a_digest_of_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, verdict())
    judge = RecordedJudge(path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:8]
    assert judge.name == f"recorded:verdicts.jsonl@{digest}"
    assert (judge.offline, judge.cacheable) == (True, True)
    write(tmp_path, verdict(value="NO"))
    assert RecordedJudge(path).name != judge.name


def test_complete_answers_item_batch_and_generate_calls(tmp_path: Path) -> None:
    judge = RecordedJudge(write(
        tmp_path, verdict(reason="seen"), verdict(question="Is it red?", value=False),
        {"instruction": "Describe it.", "questions": ["Is it a fox?", "Is it red?"]}))
    context = {"instruction": "", "input": "", "response": "a fox"}
    item = judge.complete(JudgeCall(
        task="tick.item", template="tick_item.j2", answer_offline=tick.ITEM.offline,
                                    fields={**context, "question": "Is it a fox?"}))
    assert item.data == {"answer": "YES", "reasoning": "seen"}
    batch = judge.complete(JudgeCall(
        task="tick.batch", template="tick_batch.j2", answer_offline=tick.BATCH.offline,
                                     fields={**context, "questions": ["Is it a fox?", "Is it red?"]}))
    assert batch.data == {"answers": [{"question": 1, "answer": "YES", "reasoning": "seen"},
                                      {"question": 2, "answer": "NO", "reasoning": "recorded verdict"}]}
    generated = judge.complete(JudgeCall(
        task="tick.generate", template="tick_generate.j2", answer_offline=tick.GENERATE.offline,
                                         fields={"instruction": "Describe it.", "input": ""}))
    assert generated.data == {"analysis": "", "questions": ["Is it a fox?", "Is it red?"]}


def test_complete_without_a_record_is_a_missing_failure(tmp_path: Path) -> None:
    judge = RecordedJudge(write(tmp_path, verdict()))
    with pytest.raises(JudgeFailure) as caught:
        judge.complete(JudgeCall(
            task="tick.item", template="tick_item.j2", answer_offline=tick.ITEM.offline,
                                 fields={"instruction": "", "input": "", "response": "an owl",
                                         "question": "Is it a fox?"}))
    assert caught.value.kind == "missing"
    assert str(caught.value) == f"{judge.name} has no answer for question 'Is it a fox?'"
    with pytest.raises(JudgeFailure, match="has no checklist for this instruction"):
        judge.complete(JudgeCall(
            task="tick.generate", template="tick_generate.j2", answer_offline=tick.GENERATE.offline,
                                 fields={"instruction": "Unknown.", "input": ""}))
    with pytest.raises(JudgeFailure, match="cannot answer 'tick.other' requests"):
        judge.complete(JudgeCall(task="tick.other", template="tick_item.j2", fields={}))


def test_model_string_selects_it_relative_to_the_root(tmp_path: Path) -> None:
    write(tmp_path, verdict(), name="rec.jsonl")
    judge = builtin_backend(Settings(model="recorded:rec.jsonl"), tmp_path)
    assert isinstance(judge, RecordedJudge)
    assert judge.path == tmp_path / "rec.jsonl"
    absolute = builtin_backend(Settings(model=f"recorded:{tmp_path / 'rec.jsonl'}"), Path("/nonexistent"))
    assert absolute.path == tmp_path / "rec.jsonl"
