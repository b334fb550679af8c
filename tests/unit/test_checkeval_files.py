"""CheckEval checklist files: the released CheckEval files, the file format, errors, built-ins."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from pytest_critique.checkeval_files import (
    BUILTIN_DIR,
    CheckEvalChecklist,
    ChecklistFileError,
    Dimension,
    Question,
    SubAspect,
    builtin,
    builtin_names,
    dump_checklist,
    load_checklist,
    load_released,
    load_released_dir,
    parse_checklist,
    released_yes_is_bad,
    resolve_checklist,
    split_questions,
)
from pytest_critique.errors import CritiqueUsageError

# Questions per released file, measured once and checked by hand for several files (counting the
# question lines, and the "?" after "sub_aspect:"); the paper's pipeline grows seed ->
# diversification -> elaboration.
RELEASED_COUNTS = {
    "summeval_questions/coherence_seed.yaml": 3,
    "summeval_questions/coherence_diversification.yaml": 10,
    "summeval_questions/coherence_elaboration.yaml": 16,
    "summeval_questions/consistency_seed.yaml": 3,
    "summeval_questions/consistency_diversification.yaml": 15,
    "summeval_questions/consistency_elaboration.yaml": 17,
    "summeval_questions/fluency_seed.yaml": 4,
    "summeval_questions/fluency_diversification.yaml": 15,
    "summeval_questions/fluency_elaboration.yaml": 28,
    "summeval_questions/relevance_seed.yaml": 5,
    "summeval_questions/relevance_diversification.yaml": 10,
    "summeval_questions/relevance_elaboration.yaml": 26,
    "topical_chat_questions/coherence_seed.yaml": 4,
    "topical_chat_questions/coherence_diversification.yaml": 10,
    "topical_chat_questions/coherence_elaboration.yaml": 15,
    "topical_chat_questions/engagingness_seed.yaml": 4,
    "topical_chat_questions/engagingness_diversification.yaml": 14,
    "topical_chat_questions/engagingness_elaboration.yaml": 21,
    "topical_chat_questions/groundedness_seed.yaml": 5,
    "topical_chat_questions/groundedness_diversification.yaml": 11,
    "topical_chat_questions/groundedness_elaboration.yaml": 20,
    "topical_chat_questions/naturalness_seed.yaml": 5,
    "topical_chat_questions/naturalness_diversification.yaml": 14,
    "topical_chat_questions/naturalness_elaboration.yaml": 20,
}

# The released questions whose YES reports a defect (file, question).  The dataset README speaks
# of three; reading all 295 questions finds a fourth of the same kind (inconsistent terminology).
YES_IS_BAD = {
    ("summeval_questions/coherence_diversification.yaml",
     "Are there any sentences in the summary that introduce irrelevant information that detracts from the "
     "central topic?"),
    ("summeval_questions/fluency_diversification.yaml",
     "Are there any run-on sentences that should be split for clarity?"),
    ("summeval_questions/relevance_diversification.yaml",
     "Are there any irrelevant details included in the summary that were not present in the source document?"),
    ("summeval_questions/relevance_diversification.yaml",
     "Are there inconsistencies in the terminology used between the summary and the source that could "
     "confuse the reader?"),
}


@pytest.fixture
def released(shared_datasets: Path) -> Path:
    folder = shared_datasets / "checkeval"
    if not folder.is_dir():
        pytest.skip(f"CheckEval files not found in {folder}")
    return folder


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# ------------------------------------------------------------------------------------------------
# The 24 released files
# ------------------------------------------------------------------------------------------------


def test_the_released_folder_holds_exactly_the_24_counted_files(released: Path) -> None:
    found = {path.relative_to(released).as_posix() for path in released.glob("*/*.yaml")}
    assert found == set(RELEASED_COUNTS)


@pytest.mark.parametrize("relative", sorted(RELEASED_COUNTS))
def test_every_released_file_loads_with_its_question_count(released: Path, relative: str) -> None:
    path = released / relative
    checklist = load_released(path)
    (dimension,) = checklist.dimensions
    assert dimension.name == path.stem.split("_")[0]
    assert dimension.question_count == RELEASED_COUNTS[relative]
    assert checklist.question_count == RELEASED_COUNTS[relative]
    # An independent count: every question ends with the one "?" it brings; the definition
    # (before "sub_aspect:") may hold a "?" of its own.
    raw = path.read_text(encoding="utf-8")
    assert raw[raw.index("sub_aspect:"):].count("?") == RELEASED_COUNTS[relative]
    benchmark = "summeval" if relative.startswith("summeval") else "topical_chat"
    assert dimension.definition and not dimension.definition.startswith(benchmark)
    for question in dimension.questions:
        assert question.text.endswith("?") and question.text.count("?") == 1
        assert question.text == question.text.strip() and "  " not in question.text
        assert question.weight == 1.0 and not question.required


def test_released_consistency_counts_per_sub_aspect(released: Path) -> None:
    def per_sub_aspect(stage: str) -> list[int]:
        dimension = load_released(released / f"summeval_questions/consistency_{stage}.yaml").dimensions[0]
        return [len(sub.questions) for sub in dimension.sub_aspects]

    per_stage = {stage: per_sub_aspect(stage) for stage in ("seed", "diversification", "elaboration")}
    assert per_stage == {"seed": [1, 1, 1], "diversification": [5, 5, 5], "elaboration": [6, 5, 6]}
    elaboration = load_released(released / "summeval_questions/consistency_elaboration.yaml").dimensions[0]
    assert [sub.name for sub in elaboration.sub_aspects] == [
        "Factual Consistency", "No New Information", "Contextual Accuracy"]
    first = elaboration.sub_aspects[0].questions[0]
    assert first.text == "Does the summary accurately represent the facts from the source?"


def test_two_questions_folded_on_one_line_are_split(released: Path) -> None:
    dimension = load_released(released / "topical_chat_questions/naturalness_elaboration.yaml").dimensions[0]
    texts = [question.text for question in dimension.sub_aspect("Word choice and tone").questions]
    assert texts[:2] == ["Is the tone consistent throughout?", "Are there no major grammatical errors?"]
    assert len(texts) == 6


def test_exactly_the_yes_is_bad_questions_are_marked(released: Path) -> None:
    marked = {(relative, question.text)
              for relative in RELEASED_COUNTS
              for question in load_released(released / relative).dimensions[0].questions
              if not question.yes_is_good}
    assert marked == YES_IS_BAD
    assert sum(text.startswith("Are there any") for _, text in marked) == 3


def test_load_checklist_does_not_apply_the_released_rule(released: Path) -> None:
    path = released / "summeval_questions/relevance_diversification.yaml"
    assert all(question.yes_is_good for question in load_checklist(path).dimensions[0].questions)
    assert sum(not question.yes_is_good for question in load_released(path).dimensions[0].questions) == 2


def test_load_released_takes_another_polarity_rule(released: Path) -> None:
    path = released / "summeval_questions/relevance_diversification.yaml"
    only = "Are there any irrelevant details included in the summary that were not present in the source document?"
    by_text = load_released(path, yes_is_bad=[only]).dimensions[0]
    assert [q.text for q in by_text.questions if not q.yes_is_good] == [only]
    by_rule = load_released(path, yes_is_bad=lambda text: text.startswith("Does")).dimensions[0]
    assert {q.yes_is_good for q in by_rule.questions if q.text.startswith("Does")} == {False}
    assert {q.yes_is_good for q in by_rule.questions if not q.text.startswith("Does")} == {True}


@pytest.mark.parametrize("text", [
    "Are there any run-on sentences that should be split for clarity?",
    "Is there any irrelevant chatter in the response?",
    "Are there inconsistencies in the terminology?",
    "are there spelling errors?",
])
def test_rule_yes_is_bad(text: str) -> None:
    assert released_yes_is_bad(text)


@pytest.mark.parametrize("text", [
    "Are there no major grammatical errors?",                          # negated: YES is good
    "Are there no off-topic sentences that diverge from the main subject of discussion?",
    "Is there a logical flow from one sentence to the next, maintaining coherence and cohesion?",
    "Is there continuity between the assertions made in the response and previously provided information?",
    "Does the response avoid irrelevant information that detracts from the main topic?",
    "Are all sentences grammatically correct and free from errors?",
    "Are there examples that support the main claim?",                 # existential, but no defect
])
def test_rule_yes_is_good(text: str) -> None:
    assert not released_yes_is_bad(text)


def test_load_released_dir_by_stage(released: Path) -> None:
    stages = load_released_dir(released / "topical_chat_questions")
    assert set(stages) == {"seed", "diversification", "elaboration"}
    assert stages["elaboration"].question_counts() == {
        "coherence": 15, "engagingness": 21, "groundedness": 20, "naturalness": 20}
    summeval = load_released_dir(released / "summeval_questions", "diversification")
    assert summeval.dimension_names == ["coherence", "consistency", "fluency", "relevance"]
    assert summeval.question_count == 10 + 15 + 15 + 10
    assert sum(not q.yes_is_good for d in summeval.dimensions for q in d.questions) == 4
    with pytest.raises(CritiqueUsageError, match=r"no files for stage 'final'.*diversification, elaboration, seed"):
        load_released_dir(released / "summeval_questions", "final")


def test_a_released_stage_folder_cannot_be_loaded_as_one_checklist(released: Path) -> None:
    with pytest.raises(ChecklistFileError, match=r"coherence_elaboration\.yaml:1: dimension 'coherence' is "
                                                 r"already defined \(at .*coherence_diversification\.yaml:1\)"):
        load_checklist(released / "summeval_questions")


def test_released_file_round_trips_with_its_polarity(released: Path) -> None:
    checklist = load_released(released / "summeval_questions/relevance_diversification.yaml")
    again = parse_checklist(dump_checklist(checklist))
    assert again == checklist
    assert sum(not q.yes_is_good for q in again.dimensions[0].questions) == 2


# ------------------------------------------------------------------------------------------------
# The file format
# ------------------------------------------------------------------------------------------------

ONE_DIMENSION = """\
definition: "Whether the summary sticks to the source."
sub_aspects:
  Facts:
    - Does the summary state only facts from the source?
    - text: Does the summary invent a quotation?
      yes_is_good: false
      weight: 2
      required: true
  Numbers: Are the figures right? Are the dates right?
  Names:
    Are people named correctly?:
    Is an organisation misnamed?: {yes_is_good: false, weight: 0.5}
"""


def test_one_dimension_file_in_every_sub_aspect_form(tmp_path: Path) -> None:
    checklist = load_checklist(write(tmp_path, "faithful_v2.yaml", ONE_DIMENSION))
    dimension = checklist.dimension("faithful")  # the file stem up to the first "_"
    assert dimension.definition == "Whether the summary sticks to the source."
    assert [sub.name for sub in dimension.sub_aspects] == ["Facts", "Numbers", "Names"]
    assert dimension.sub_aspect("Facts").questions == [
        Question(text="Does the summary state only facts from the source?"),
        Question(text="Does the summary invent a quotation?", yes_is_good=False, weight=2.0, required=True),
    ]
    assert [q.text for q in dimension.sub_aspect("Numbers").questions] == [
        "Are the figures right?", "Are the dates right?"]
    assert dimension.sub_aspect("Names").questions == [
        Question(text="Are people named correctly?"),
        Question(text="Is an organisation misnamed?", yes_is_good=False, weight=0.5),
    ]
    assert checklist.question_counts() == {"faithful": 6}


def test_dimension_key_overrides_the_file_name_and_sub_aspect_is_accepted(tmp_path: Path) -> None:
    path = write(tmp_path, "x_y.yaml", "dimension: tone\ndefinition: d\nsub_aspect:\n  Warmth: Is it warm?\n")
    assert load_checklist(path).dimension_names == ["tone"]


def test_several_dimensions_in_one_file(tmp_path: Path) -> None:
    path = write(tmp_path, "mine.yaml", """\
dimensions:
  clarity:
    definition: Is it clear.
    sub_aspects:
      Words: ['Are the words plain?', 'Are sentences short?']
  politeness:
    definition: {support: Is it polite to the customer.}
    sub_aspect:
      Tone:
        - Is the tone polite?
""")
    checklist = load_checklist(path)
    assert checklist.dimension_names == ["clarity", "politeness"]
    assert checklist.dimension("politeness").definition == "Is it polite to the customer."
    assert checklist.question_count == 3


def test_definition_per_benchmark(tmp_path: Path) -> None:
    path = write(tmp_path, "tone.yaml", "definition:\n  news: for news\n  chat: for chat\nsub_aspects:\n  A: Q?\n")
    assert load_checklist(path, benchmark="chat").dimensions[0].definition == "for chat"
    assert load_checklist(path, benchmark="news").dimensions[0].definition == "for news"
    with pytest.raises(ChecklistFileError) as error:
        load_checklist(path)
    assert str(error.value) == (f"critique: {path}:2: the definition of dimension 'tone' has several benchmarks "
                                "(news, chat); name one with benchmark=")
    with pytest.raises(ChecklistFileError,
                       match=rf"^critique: {re.escape(str(path))}:2: .*no entry for benchmark 'qa'"):
        load_checklist(path, benchmark="qa")


@pytest.mark.parametrize(("folded", "expected"), [
    ("Is it A? Is it B?", ["Is it A?", "Is it B?"]),
    ("  Is it A?\n\n   Is it B?  ", ["Is it A?", "Is it B?"]),
    ("Is it A?? Is it B", ["Is it A?", "Is it B"]),
    ("One statement without a question mark", ["One statement without a question mark"]),
    ("?", []),
])
def test_split_questions(folded: str, expected: list[str]) -> None:
    assert split_questions(folded) == expected


def test_merging_files_and_folders(tmp_path: Path) -> None:
    first = write(tmp_path, "a.yaml", "definition: A.\nsub_aspects:\n  S: Q1?\n")
    second = write(tmp_path, "b.yml", "dimensions:\n  c: {definition: C., sub_aspects: {S: ['Q2?', 'Q3?']}}\n")
    write(tmp_path, "notes.txt", "not a checklist")
    assert load_checklist([second, first]).dimension_names == ["c", "a"]
    assert load_checklist(tmp_path).dimension_names == ["a", "c"]
    assert load_checklist(str(tmp_path)).question_counts() == {"a": 1, "c": 2}


def test_merge_keys_and_anchors_work(tmp_path: Path) -> None:
    path = write(tmp_path, "m.yaml", """\
dimensions:
  one: &base
    definition: Shared.
    sub_aspects: {S: ['Q?']}
  two:
    <<: *base
    definition: Own.
""")
    checklist = load_checklist(path)
    assert checklist.dimension("two").definition == "Own."
    assert checklist.dimension("two").sub_aspects == checklist.dimension("one").sub_aspects


def test_yaml_is_imported_only_when_a_file_is_read() -> None:
    code = ("import sys; import pytest_critique.checkeval_files as m; "
            "assert 'yaml' not in sys.modules, 'imported at module load'; "
            "m.builtin('rag'); assert 'yaml' in sys.modules; print('ok')")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


# ------------------------------------------------------------------------------------------------
# Errors: FILE:LINE for every malformed file
# ------------------------------------------------------------------------------------------------

GOOD_HEAD = "definition: d\nsub_aspects:\n"  # lines 1-2

BAD_FILES = {
    # name: (text, line, what the message says)
    "yaml_unclosed_quote": ('definition: "d\nsub_aspects:\n  A: Q?\n', 4,
                            "invalid YAML: found unexpected end of stream"),
    "yaml_bad_indent": (GOOD_HEAD + "  A:\n    - Q1?\n   - Q2?\n", 5, "invalid YAML: expected <block end>"),
    "yaml_unclosed_list": (GOOD_HEAD + "  A: ['Q1?', 'Q2?'\n  B: Q3?\n", 4, "invalid YAML: expected ',' or ']'"),
    "yaml_tab": (GOOD_HEAD + "\tA: Q?\n", 3, "invalid YAML: found character '\\t' that cannot start any token"),
    "yaml_two_documents": (GOOD_HEAD + "  A: Q?\n---\nx: 1\n", 4, "invalid YAML: but found another document"),
    "question_is_a_number": (GOOD_HEAD + "  A:\n    - Q1?\n    - 42\n", 5,
                             "question 2 of sub-aspect 'A' of dimension 'bad' must be text or a mapping with "
                             "'text', got a number (42)"),
    "question_is_a_boolean": (GOOD_HEAD + "  A:\n    - no\n", 4, "got a boolean (no; quote it to use it as text)"),
    "question_is_a_list": (GOOD_HEAD + "  A:\n    - ['Q1?', 'Q2?']\n", 4,
                           "question 1 of sub-aspect 'A' of dimension 'bad' must be text or a mapping"),
    "question_text_is_a_number": (GOOD_HEAD + "  A:\n    - text: 7\n", 4,
                                  "the text of question 1 of sub-aspect 'A' of dimension 'bad' must be text, "
                                  "got a number (7)"),
    "question_text_missing": (GOOD_HEAD + "  A:\n    - Q1?\n    - weight: 2\n      required: true\n", 5,
                              "question 2 of sub-aspect 'A' of dimension 'bad': missing 'text'"),
    "weight_zero": (GOOD_HEAD + "  A:\n    - text: Q?\n      weight: 0\n", 5,
                    "'weight' of question 1 of sub-aspect 'A' of dimension 'bad' must be a number > 0, got 0"),
    "weight_negative": (GOOD_HEAD + "  A:\n    - text: Q?\n\n      weight: -1.5\n", 6,
                        "must be a number > 0, got -1.5"),
    "weight_infinite": (GOOD_HEAD + "  A:\n    - text: Q?\n      weight: .inf\n", 5, "must be a number > 0, got .inf"),
    "weight_is_text": (GOOD_HEAD + "  A:\n    - text: Q?\n      weight: heavy\n", 5,
                       "must be a number > 0, got text ('heavy')"),
    "weight_is_boolean": (GOOD_HEAD + "  A:\n    - text: Q?\n      weight: true\n", 5,
                          "must be a number > 0, got a boolean"),
    "yes_is_good_is_text": (GOOD_HEAD + "  A:\n    - text: Q?\n      yes_is_good: maybe\n", 5,
                            "'yes_is_good' of question 1 of sub-aspect 'A' of dimension 'bad' must be true or false, "
                            "got text ('maybe')"),
    "required_is_a_number": (GOOD_HEAD + "  A:\n    - text: Q?\n      required: 1\n", 5,
                             "'required' of question 1 of sub-aspect 'A' of dimension 'bad' must be true or false"),
    "unknown_question_key": (GOOD_HEAD + "  A:\n    - text: Q?\n      weigth: 2\n", 5,
                             "unknown key 'weigth' in question 1 of sub-aspect 'A' of dimension 'bad'; expected text, "
                             "yes_is_good, weight, required"),
    "unknown_option_in_mapping_form": (GOOD_HEAD + "  A:\n    Q?: {polarity: bad}\n", 4,
                                       "unknown key 'polarity' in question 1 of sub-aspect 'A'"),
    "options_not_a_mapping": (GOOD_HEAD + "  A:\n    Q?: false\n", 4,
                              "the options of question 1 of sub-aspect 'A' of dimension 'bad' must be a mapping"),
    "empty_sub_aspect_null": (GOOD_HEAD + "  A: Q?\n  B:\n  C: Q?\n", 4,
                              "sub-aspect 'B' of dimension 'bad' has no questions"),
    "empty_sub_aspect_list": (GOOD_HEAD + "  A: Q?\n  B: []\n", 4,
                              "sub-aspect 'B' of dimension 'bad' has no questions"),
    "empty_sub_aspect_text": (GOOD_HEAD + "  A: Q?\n  B: '  '\n", 4,
                              "sub-aspect 'B' of dimension 'bad' has no questions"),
    "empty_sub_aspect_mapping": (GOOD_HEAD + "  A: Q?\n  B: {}\n", 4,
                                 "sub-aspect 'B' of dimension 'bad' has no questions"),
    "empty_question": (GOOD_HEAD + "  A:\n    - Q?\n    - ''\n", 5,
                       "question 2 of sub-aspect 'A' of dimension 'bad' is empty"),
    "sub_aspect_is_a_number": (GOOD_HEAD + "  A: 3\n", 3, "the questions of sub-aspect 'A' of dimension 'bad' must be "
                                                           "text, a list or a mapping, got a number (3)"),
    "duplicate_sub_aspect": (GOOD_HEAD + "  A: Q1?\n  B: Q2?\n  A: Q3?\n", 5, "duplicate key 'A' (first at line 3)"),
    "no_sub_aspects": ("definition: d\nsub_aspects:\n", 2, "dimension 'bad' has no sub-aspects"),
    "sub_aspects_is_a_list": (GOOD_HEAD + "  - Q1?\n", 3,
                              "'sub_aspects' of dimension 'bad' must be a mapping, got a list"),
    "missing_sub_aspects": ("definition: d\n", 1, "dimension 'bad': missing 'sub_aspects'"),
    "missing_definition": ("sub_aspects:\n  A: Q?\n", 1, "dimension 'bad': missing 'definition'"),
    "definition_is_a_list": ("definition: [a, b]\nsub_aspects:\n  A: Q?\n", 1,
                             "the definition of dimension 'bad' must be text, got a list"),
    "both_sub_aspect_keys": (GOOD_HEAD + "  A: Q?\nsub_aspect:\n  B: Q?\n", 4,
                             "has both 'sub_aspects' and 'sub_aspect'"),
    "unknown_top_level_key": (GOOD_HEAD + "  A: Q?\nsubaspects:\n  B: Q?\n", 4,
                              "unknown key 'subaspects' in dimension 'bad'; expected dimension, definition, "
                              "sub_aspects, sub_aspect"),
    "top_level_is_a_list": ("- definition: d\n", 1, "the checklist file must be a mapping, got a list"),
    "empty_file": ("# nothing here\n", 1, "the file is empty"),
    "dimension_name_is_a_number": ("dimension: 5\n" + GOOD_HEAD + "  A: Q?\n", 1,
                                   "'dimension' must be text, got a number"),
    "key_beside_dimensions": ("dimensions:\n  x: {definition: d, sub_aspects: {A: 'Q?'}}\ndefinition: d\n", 3,
                              "unexpected key 'definition' beside 'dimensions'"),
    "dimension_entry_empty": ("dimensions:\n  x: {definition: d, sub_aspects: {A: 'Q?'}}\n  y:\n", 3,
                              "dimension 'y' is empty"),
    "dimensions_is_empty": ("dimensions: {}\n", 1, "'dimensions' is empty"),
    "dimension_key_inside_dimensions": ("dimensions:\n  x:\n    dimension: z\n    definition: d\n", 3,
                                        "unknown key 'dimension' in dimension 'x'; expected definition, sub_aspects"),
    "duplicate_dimension_in_a_file": ("dimensions:\n  x: {definition: d, sub_aspects: {A: 'Q?'}}\n"
                                      "  x: {definition: e, sub_aspects: {A: 'Q?'}}\n", 3,
                                      "duplicate key 'x' (first at line 2)"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_malformed_files_name_file_and_line(tmp_path: Path, case: str) -> None:
    text, line, message = BAD_FILES[case]
    path = write(tmp_path, "bad.yaml", text)
    with pytest.raises(ChecklistFileError) as error:
        load_checklist(path)
    assert isinstance(error.value, CritiqueUsageError)
    assert error.value.path == str(path)
    assert error.value.line == line, str(error.value)
    assert str(error.value).startswith(f"critique: {path}:{line}: "), str(error.value)
    assert message in str(error.value)


def test_the_syntax_error_line_is_yamls_mark(tmp_path: Path) -> None:
    import yaml

    text = GOOD_HEAD + "  A: Q?\n  B: : :\n    - x\n"
    path = write(tmp_path, "bad.yaml", text)
    with pytest.raises(yaml.MarkedYAMLError) as raw:
        yaml.safe_load(text)
    with pytest.raises(ChecklistFileError) as error:
        load_checklist(path)
    assert error.value.line == raw.value.problem_mark.line + 1
    assert raw.value.problem in str(error.value)


def test_not_utf8_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "latin.yaml"
    path.write_bytes(b"definition: d\nsub_aspects:\n  A: Caf\xe9?\n")
    with pytest.raises(ChecklistFileError,
                       match=rf"^critique: {re.escape(str(path))}:3: not UTF-8 text \(byte 0xe9\)$"):
        load_checklist(path)


def test_duplicate_dimension_across_files_names_both(tmp_path: Path) -> None:
    first = write(tmp_path, "tone_a.yaml", "definition: d\nsub_aspects:\n  A: Q?\n")
    second = write(tmp_path, "more.yaml", "\ndimensions:\n  other: {definition: d, sub_aspects: {A: 'Q?'}}\n"
                                          "  tone: {definition: d, sub_aspects: {A: 'Q?'}}\n")
    with pytest.raises(ChecklistFileError) as error:
        load_checklist([first, second])
    assert str(error.value) == f"critique: {second}:4: dimension 'tone' is already defined (at {first}:1)"


def test_missing_file_and_empty_folder(tmp_path: Path) -> None:
    with pytest.raises(ChecklistFileError, match=r"nope\.yaml: no such checklist file$"):
        load_checklist(tmp_path / "nope.yaml")
    with pytest.raises(ChecklistFileError, match=r"holds no \.yaml or \.yml checklist file"):
        load_checklist(tmp_path)
    with pytest.raises(CritiqueUsageError, match="no checklist file given"):
        load_checklist([])


def test_parse_checklist_names_its_origin_and_needs_a_dimension_name() -> None:
    with pytest.raises(ChecklistFileError, match=r"^critique: <string>:1: missing 'dimension'"):
        parse_checklist("definition: d\nsub_aspects: {A: 'Q?'}\n")
    assert parse_checklist("definition: d\nsub_aspects: {A: 'Q?'}\n", name="tone").dimension_names == ["tone"]
    with pytest.raises(ChecklistFileError, match=r"^critique: inline:3: invalid YAML: found unexpected end of stream "
                                                 r"\(while scanning a quoted scalar at line 2\)"):
        parse_checklist("dimension: x\ndefinition: 'd\n", origin="inline")


def test_a_file_name_without_a_stem_needs_the_dimension_key(tmp_path: Path) -> None:
    path = write(tmp_path, "_draft.yaml", "definition: d\nsub_aspects: {A: 'Q?'}\n")
    with pytest.raises(ChecklistFileError, match=rf"^critique: {re.escape(str(path))}:1: missing 'dimension'"):
        load_checklist(path)


# ------------------------------------------------------------------------------------------------
# Models
# ------------------------------------------------------------------------------------------------


def test_models_validate() -> None:
    with pytest.raises(ValidationError, match="greater than 0"):
        Question(text="Q?", weight=0)
    with pytest.raises(ValidationError):
        Question(text="Q?", weight=float("nan"))
    with pytest.raises(ValidationError, match="must not be empty"):
        Question(text="  ")
    with pytest.raises(ValidationError):
        Question(text="Q?", yes_is_good="no")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="at least 1 item"):
        SubAspect(name="A", questions=[])
    with pytest.raises(ValidationError, match="repeats sub-aspect 'A'"):
        Dimension(name="d", definition="x", sub_aspects=[SubAspect(name="A", questions=[Question(text="Q?")])] * 2)
    dimension = Dimension(name="d", definition="x", sub_aspects=[SubAspect(name="A", questions=[Question(text="Q?")])])
    with pytest.raises(ValidationError, match="'d' defined more than once"):
        CheckEvalChecklist(dimensions=[dimension, dimension])
    checklist = CheckEvalChecklist(dimensions=[dimension])
    with pytest.raises(KeyError, match="no dimension 'e'; the checklist has: d"):
        checklist.dimension("e")
    with pytest.raises(KeyError, match="has no sub-aspect 'B'; it has: A"):
        dimension.sub_aspect("B")
    assert CheckEvalChecklist.model_validate_json(checklist.model_dump_json()) == checklist
    assert Question.model_fields["yes_is_good"].description.startswith("Whether YES is the good answer")


# ------------------------------------------------------------------------------------------------
# Built-in checklists
# ------------------------------------------------------------------------------------------------

BUILTIN_DIMENSIONS = {
    "summarization": {"coherence": 7, "consistency": 7, "fluency": 6, "relevance": 7},
    "dialogue": {"naturalness": 6, "coherence": 6, "engagingness": 6, "groundedness": 6},
    "rag": {"faithfulness": 7, "answer_relevance": 6, "completeness": 6},
}


def test_builtin_names() -> None:
    assert builtin_names() == ["dialogue", "rag", "summarization"]
    with pytest.raises(CritiqueUsageError,
                       match=r"no built-in checklist 'summary'; available: dialogue, rag, summarization"):
        builtin("summary")


@pytest.mark.parametrize("name", sorted(BUILTIN_DIMENSIONS))
def test_builtin_checklists_follow_the_house_rules(name: str) -> None:
    checklist = builtin(name)
    assert checklist.question_counts() == BUILTIN_DIMENSIONS[name]
    for dimension in checklist.dimensions:
        assert dimension.definition.endswith(".")
        assert len(re.findall(r"[.!?](\s|$)", dimension.definition)) == 1, "one sentence"
        assert 2 <= len(dimension.sub_aspects) <= 4
        for sub_aspect in dimension.sub_aspects:
            assert 2 <= len(sub_aspect.questions) <= 4, sub_aspect.name
        assert sum(question.required for question in dimension.questions) <= 1
        for question in dimension.questions:
            assert question.text.endswith("?") and question.text.count("?") == 1, question.text
        texts = [question.text for question in dimension.questions]
        assert len(set(texts)) == len(texts)
    assert any(not question.yes_is_good for dimension in checklist.dimensions for question in dimension.questions)


def test_every_builtin_dimension_has_a_yes_is_bad_question() -> None:
    for name in builtin_names():
        for dimension in builtin(name).dimensions:
            assert any(not q.yes_is_good for q in dimension.questions), f"{name}/{dimension.name}"


@pytest.mark.parametrize("name", sorted(BUILTIN_DIMENSIONS))
def test_builtins_round_trip(tmp_path: Path, name: str) -> None:
    checklist = builtin(name)
    assert parse_checklist(dump_checklist(checklist)) == checklist
    path = tmp_path / f"{name}.yaml"
    dump_checklist(checklist, path)
    assert load_checklist(path) == checklist
    # Only non-default options are written.
    assert "yes_is_good: true" not in path.read_text() and "weight: 1" not in path.read_text()


def test_round_trip_keeps_weights_and_awkward_names() -> None:
    checklist = CheckEvalChecklist(dimensions=[Dimension(name="yes", definition="Odd: name.", sub_aspects=[
        SubAspect(name="123", questions=[Question(text="Is it 'quoted': yes?", weight=2.5, required=True),
                                         Question(text="Is it bad?", yes_is_good=False, weight=3)])])])
    assert parse_checklist(dump_checklist(checklist)) == checklist


def test_builtin_wording_is_not_copied_from_the_released_files(released: Path) -> None:
    released_texts = {" ".join(q.text.lower().split()) for path in released.glob("*/*.yaml")
                      for q in load_released(path).dimensions[0].questions}
    ours = [q.text.lower() for name in builtin_names() for d in builtin(name).dimensions for q in d.questions]
    assert len(released_texts) > 200
    assert [text for text in ours if text in released_texts] == []


def test_builtin_files_live_in_the_package() -> None:
    names = sorted(path.name for path in BUILTIN_DIR.glob("*.yaml"))
    assert names == ["dialogue.yaml", "rag.yaml", "summarization.yaml"]


# ------------------------------------------------------------------------------------------------
# resolve_checklist: what checkeval(checklist=..., dimensions=...) accepts
# ------------------------------------------------------------------------------------------------


def test_resolve_builtin_name_and_restriction() -> None:
    assert [d.name for d in resolve_checklist("rag")] == ["faithfulness", "answer_relevance", "completeness"]
    chosen = resolve_checklist("summarization", ["relevance", "fluency"])
    assert [d.name for d in chosen] == ["relevance", "fluency"]
    assert chosen[0] == builtin("summarization").dimension("relevance")
    assert [d.name for d in resolve_checklist("dialogue", "coherence")] == ["coherence"]
    with pytest.raises(CritiqueUsageError, match=r"unknown dimension 'fluency'; available: naturalness, coherence"):
        resolve_checklist("dialogue", ["fluency"])


def test_resolve_dimensions_from_the_builtins() -> None:
    chosen = resolve_checklist(None, ["fluency", "groundedness", "faithfulness"])
    assert [d.name for d in chosen] == ["fluency", "groundedness", "faithfulness"]
    assert chosen[1] == builtin("dialogue").dimension("groundedness")
    with pytest.raises(CritiqueUsageError, match=r"'coherence' is in several built-in checklists; "
                                                 r"pass checklist='dialogue' or 'summarization'"):
        resolve_checklist(None, ["coherence"])
    with pytest.raises(CritiqueUsageError,
                       match=r"no built-in dimension 'wit'; built-in dimensions: answer_relevance,"):
        resolve_checklist(None, ["wit"])
    with pytest.raises(CritiqueUsageError, match="name a checklist"):
        resolve_checklist(None, None)
    with pytest.raises(CritiqueUsageError, match="dimensions= is empty"):
        resolve_checklist("rag", [])
    with pytest.raises(CritiqueUsageError, match="repeats 'fluency'"):
        resolve_checklist(None, ["fluency", "fluency"])


def test_resolve_files_relative_to_root(tmp_path: Path) -> None:
    write(tmp_path, "tone.yaml", "definition: d\nsub_aspects: {A: 'Q?'}\n")
    (tmp_path / "more").mkdir()
    write(tmp_path / "more", "style.yaml", "definition: d\nsub_aspects: {A: ['Q1?', 'Q2?']}\n")
    assert [d.name for d in resolve_checklist("tone.yaml", None, tmp_path)] == ["tone"]
    both = resolve_checklist(["tone.yaml", Path("more/style.yaml")], None, tmp_path)
    assert [d.name for d in both] == ["tone", "style"]
    assert [d.name for d in resolve_checklist("more", None, tmp_path)] == ["style"]
    mixed = resolve_checklist(["rag", "tone.yaml"], ["tone", "faithfulness"], tmp_path)
    assert [d.name for d in mixed] == ["tone", "faithfulness"]
    with pytest.raises(ChecklistFileError, match=r"missing\.yaml: no such checklist file"):
        resolve_checklist("missing.yaml", None, tmp_path)
    with pytest.raises(CritiqueUsageError, match=r"unknown checklist 'summarisation': not a built-in "
                                                 r"\(dialogue, rag, summarization\) and no such file"):
        resolve_checklist("summarisation", None, tmp_path)
    with pytest.raises(CritiqueUsageError, match="'coherence' defined more than once"):
        resolve_checklist(["dialogue", "summarization"], None, tmp_path)


def test_resolve_loaded_objects() -> None:
    checklist = builtin("rag")
    assert resolve_checklist(checklist) == checklist.dimensions
    dimension = checklist.dimension("completeness")
    assert resolve_checklist(dimension) == [dimension]
    with pytest.raises(CritiqueUsageError, match="got int"):
        resolve_checklist(3)
