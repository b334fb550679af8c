"""Reading judge replies: JSON extraction, the ANSWER line fallback, schemas, repair."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pytest_critique.backends.base import JudgeCall, Reply
from pytest_critique.engine import JudgeEngine
from pytest_critique.judges import checklist as tick
from pytest_critique.tasks import ReplyProblem, extract_json_object


def item_call() -> JudgeCall:
    return JudgeCall(task="tick.item", template="tick_item.j2",
                     fields={"instruction": "", "input": "", "response": "a fox", "question": "Is it a fox?"})


def batch_call(count: int = 3) -> JudgeCall:
    return JudgeCall(task="tick.batch", template="tick_batch.j2",
                     fields={"instruction": "", "input": "", "response": "a fox",
                             "questions": [f"Question {n}?" for n in range(1, count + 1)]})


def generate_call() -> JudgeCall:
    return JudgeCall(task="tick.generate", template="tick_generate.j2",
                     fields={"instruction": "Write a haiku.", "input": ""})


def read_item(text: str, finish_reason: str | None = "stop") -> dict[str, Any]:
    return tick.ITEM.read(Reply(text=text, finish_reason=finish_reason), item_call())


# --- extract_json_object --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param('{"answer": "YES"}', {"answer": "YES"}, id="bare"),
        pytest.param('  \n{"answer": "YES"}\n ', {"answer": "YES"}, id="whitespace"),
        pytest.param('```json\n{"answer": "NO"}\n```', {"answer": "NO"}, id="fenced-json"),
        pytest.param('```\n{"answer": "NO"}\n```', {"answer": "NO"}, id="fenced-plain"),
        pytest.param('```JSON\n{"answer": "NO"}```', {"answer": "NO"}, id="fenced-no-newline-before-close"),
        pytest.param('Here is my verdict:\n{"answer": "YES", "reasoning": "a {nested} brace"}\nThanks!',
                     {"answer": "YES", "reasoning": "a {nested} brace"}, id="prose-around"),
        pytest.param('{"a": {"b": [1, {"c": 2}]}}', {"a": {"b": [1, {"c": 2}]}}, id="nested"),
    ],
)
def test_extract_json_object(text: str, expected: dict[str, Any]) -> None:
    assert extract_json_object(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("", id="empty"),
        pytest.param("YES", id="no-braces"),
        pytest.param('["YES"]', id="list"),
        pytest.param('"YES"', id="string"),
        pytest.param('{"answer": YES}', id="invalid"),
        pytest.param("} {", id="reversed-braces"),
        pytest.param('```json\n[1, 2]\n```', id="fenced-list"),
    ],
)
def test_extract_json_object_finds_nothing(text: str) -> None:
    assert extract_json_object(text) is None


# --- ITEM replies ---------------------------------------------------------------------------------


def test_item_json_reply() -> None:
    assert read_item('{"reasoning": "it names a fox", "answer": "YES"}') == {
        "reasoning": "it names a fox", "answer": "YES"}


def test_item_fenced_json_reply() -> None:
    assert read_item('```json\n{"reasoning": "no fox", "answer": "NO"}\n```') == {
        "reasoning": "no fox", "answer": "NO"}


@pytest.mark.parametrize(("raw", "expected"), [
    ("yes", "YES"), ("No", "NO"), ("YES.", "YES"), ("**NO**", "NO"), (" yes ", "YES"), (True, "YES"), (False, "NO"),
])
def test_item_answers_are_normalised(raw: Any, expected: str) -> None:
    assert read_item(json.dumps({"reasoning": "r", "answer": raw}))["answer"] == expected


def test_item_reasoning_is_optional() -> None:
    assert read_item('{"answer": "NO"}') == {"reasoning": "", "answer": "NO"}


def test_answer_field_wins_over_yes_inside_the_reasoning() -> None:
    text = json.dumps({"reasoning": "One might say YES, and ANSWER: YES looks tempting, but the fox is absent.",
                       "answer": "NO"})
    assert read_item(text)["answer"] == "NO"


def test_a_json_answer_and_an_answer_line_that_disagree_are_a_problem() -> None:
    # Two answers in one reply: neither is trusted; the engine asks for a repair, then UNSCORED.
    text = 'At first I thought\nANSWER: YES\nbut on reflection:\n{"reasoning": "no fox", "answer": "NO"}'
    with pytest.raises(ReplyProblem, match="two different answers"):
        read_item(text)


def test_a_json_answer_and_an_answer_line_that_agree_are_fine() -> None:
    text = 'No fox here.\nANSWER: NO\n{"reasoning": "no fox", "answer": "NO"}'
    assert read_item(text) == {"reasoning": "no fox", "answer": "NO"}


ANSWER_LINES = [
    pytest.param("The response names a fox.\nANSWER: YES", "YES", "The response names a fox.", id="plain"),
    pytest.param("No fox anywhere.\nAnswer: no", "NO", "No fox anywhere.", id="lowercase"),
    pytest.param("Reasoning here.\n**Answer:** YES", "YES", "Reasoning here.", id="markdown"),
    pytest.param("Thinking.\nFinal answer = NO.", "NO", "Thinking.", id="final-equals"),
    pytest.param("No fox.\nANSWER: NO\nNOTE: short reply", "NO", "No fox.\nNOTE: short reply",
                 id="text-after-the-line"),
]


@pytest.mark.parametrize(("text", "answer", "reasoning"), ANSWER_LINES)
def test_answer_line_fallback(text: str, answer: str, reasoning: str) -> None:
    assert read_item(text)["answer"] == answer


@pytest.mark.parametrize(("text", "answer", "reasoning"), ANSWER_LINES)
def test_answer_line_reasoning_is_the_text_before_the_line(text: str, answer: str, reasoning: str) -> None:
    assert read_item(text)["reasoning"] == reasoning


def test_an_answer_taken_back_on_a_later_line_is_two_answers() -> None:
    with pytest.raises(ReplyProblem, match=r"states more than one answer \("):
        read_item("ANSWER: YES\nHmm, wait, the fox is a dog.\nANSWER: NO")


def test_answer_word_inside_a_sentence_is_not_an_answer_line() -> None:
    with pytest.raises(ReplyProblem, match="holds no JSON object"):
        read_item("I cannot answer: YES or NO would both be wrong here.")


@pytest.mark.parametrize(
    ("reply", "kind", "message"),
    [
        pytest.param(Reply(text="", finish_reason="stop"), "unparseable", "the reply was empty", id="empty"),
        pytest.param(Reply(text=None), "unparseable", "the reply was empty", id="none"),
        pytest.param(Reply(text="   \n", finish_reason="stop"), "unparseable", "the reply was empty", id="blank"),
        pytest.param(Reply(text='{"reasoning": "long', finish_reason="length"), "truncated",
                     "the reply was truncated at the provider's token limit (finish_reason=length); raise "
                     "--critique-max-tokens", id="truncated"),
        pytest.param(Reply(text="It is a fox, clearly."), "unparseable",
                     "the reply holds no JSON object (it begins: 'It is a fox, clearly.')", id="prose"),
        pytest.param(Reply(text='{"reasoning": "r", "answer": "MAYBE"}'), "unparseable",
                     "the reply does not have the expected shape (answer:", id="maybe"),
        pytest.param(Reply(text='{"reasoning": "r"}'), "unparseable",
                     "the reply does not have the expected shape (answer: is missing)", id="missing-answer"),
    ],
)
def test_item_reply_problems(reply: Reply, kind: str, message: str) -> None:
    with pytest.raises(ReplyProblem) as caught:
        tick.ITEM.read(reply, item_call())
    assert caught.value.kind == kind
    assert str(caught.value).startswith(message)


def test_problem_snippet_is_one_short_line() -> None:
    with pytest.raises(ReplyProblem) as caught:
        read_item("word\n" * 100)
    snippet = str(caught.value).split("(it begins: ")[1]
    assert "\n" not in snippet and len(snippet) <= 125


def test_structured_data_from_offline_judges_skips_text_parsing() -> None:
    reply = Reply(data={"answer": "YES", "reasoning": "rule"}, text="ignored", finish_reason="length")
    assert tick.ITEM.read(reply, item_call()) == {"reasoning": "rule", "answer": "YES"}
    with pytest.raises(ReplyProblem):
        tick.ITEM.read(Reply(data={"answer": "perhaps"}), item_call())


# --- BATCH replies --------------------------------------------------------------------------------


def batch_reply(answers: list[dict[str, Any]]) -> Reply:
    return Reply(text=json.dumps({"answers": answers}))


def test_batch_reply() -> None:
    answers = [{"question": n, "reasoning": f"r{n}", "answer": "YES" if n != 2 else "no"} for n in (1, 2, 3)]
    data = tick.BATCH.read(batch_reply(answers), batch_call())
    assert [a["answer"] for a in data["answers"]] == ["YES", "NO", "YES"]
    assert [a["question"] for a in data["answers"]] == [1, 2, 3]


def test_batch_question_numbers_are_optional() -> None:
    data = tick.BATCH.read(batch_reply([{"answer": "YES"}] * 3), batch_call())
    assert [a["question"] for a in data["answers"]] == [None, None, None]


@pytest.mark.parametrize("count", [2, 4, 0])
def test_batch_count_mismatch(count: int) -> None:
    answers = [{"answer": "YES"} for n in range(1, count + 1)]
    with pytest.raises(ReplyProblem) as caught:
        tick.BATCH.read(batch_reply(answers), batch_call(3))
    assert str(caught.value) == f"expected 3 answers, one per question in order, got {count}"


def test_a_batch_may_leave_out_questions_it_numbers_the_others_of() -> None:
    data = tick.BATCH.read(batch_reply([{"question": 3, "answer": "NO"}, {"question": 1, "answer": "YES"}]),
                           batch_call(3))
    assert [(a["question"], a["answer"]) for a in data["answers"]] == [(3, "NO"), (1, "YES")]
    with pytest.raises(ReplyProblem, match="expected 3 answers"):  # a number twice places nothing for sure
        tick.BATCH.read(batch_reply([{"question": 1, "answer": "YES"}, {"question": 1, "answer": "NO"}]),
                        batch_call(3))


def test_batch_order_must_follow_the_checklist() -> None:
    answers = [{"question": n, "answer": "YES"} for n in (2, 1, 3)]
    with pytest.raises(ReplyProblem) as caught:
        tick.BATCH.read(batch_reply(answers), batch_call(3))
    assert str(caught.value) == "answers must follow the questions' order 1..3, got [2, 1, 3]"


def test_batch_has_no_answer_line_fallback() -> None:
    with pytest.raises(ReplyProblem, match="holds no JSON object"):
        tick.BATCH.read(Reply(text="Q1 fine.\nANSWER: YES"), batch_call(1))


def test_batch_without_answers_list() -> None:
    with pytest.raises(ReplyProblem, match=r"expected shape \(answers: is missing\)"):
        tick.BATCH.read(Reply(text='{"answer": "YES"}'), batch_call(1))


# --- GENERATE replies -----------------------------------------------------------------------------


def generate(questions: Any) -> dict[str, Any]:
    return tick.GENERATE.read(Reply(text=json.dumps({"analysis": "a", "questions": questions})), generate_call())


@pytest.mark.parametrize("count", [2, 5, 8])
def test_generated_checklist_of_two_to_eight_questions(count: int) -> None:
    questions = [f"Is requirement {n} met?" for n in range(count)]
    assert generate(questions) == {"analysis": "a", "questions": questions}


@pytest.mark.parametrize(("count", "message"), [
    (0, "List should have at least 1 item after validation, not 0"),
    (13, "write at most 12 questions; the reply has 13"),
])
def test_generated_checklist_size_limits(count: int, message: str) -> None:
    with pytest.raises(ReplyProblem, match=message):
        generate([f"Question {n}?" for n in range(count)])


def test_one_to_twelve_generated_questions_are_a_checklist() -> None:
    assert len(generate(["Is it short?"])["questions"]) == 1
    assert len(generate([f"Question {n}?" for n in range(12)])["questions"]) == 12


def test_a_line_break_inside_a_generated_question_is_a_space() -> None:
    assert generate(["Does it rhyme\nQ2. and scan?"])["questions"] == ["Does it rhyme Q2. and scan?"]


def test_generated_questions_lose_their_numbering() -> None:
    assert generate(["1. Is it short?", "2) Is it funny?", "- Is it kind?", "* Is it true?", "Q5: Is it new?",
                     "• Is it clear?"])["questions"] == [
        "Is it short?", "Is it funny?", "Is it kind?", "Is it true?", "Is it new?", "Is it clear?"]


@pytest.mark.parametrize(("questions", "message"), [
    (["Is it short?", "  "], "every question must be non-empty"),
    (["Is it short?", "2. "], "every question must be non-empty"),
    (["Is it short?", "Is it short?"], "questions must not repeat"),
    (["1. Is it short?", "2. Is it short?"], "questions must not repeat"),
    (["Is it short?", 3], "questions.1: must be text"),
])
def test_bad_generated_questions(questions: list[Any], message: str) -> None:
    with pytest.raises(ReplyProblem, match=message):
        generate(questions)


def test_generated_analysis_is_optional() -> None:
    reply = Reply(text='```json\n{"questions": ["Is it short?", "Is it kind?"]}\n```')
    assert tick.GENERATE.read(reply, generate_call())["analysis"] == ""


# --- repair through the engine --------------------------------------------------------------------


class ModelLike:
    """A backend that replies with text (a model, not an offline judge), from a script."""

    name = "model-like"
    offline = False
    cacheable = False

    def __init__(self, *texts: str):
        self.texts = list(texts)
        self.calls: list[JudgeCall] = []

    def complete(self, call: JudgeCall) -> Reply:
        self.calls.append(call)
        return Reply(text=self.texts.pop(0), prompt_tokens=10, completion_tokens=5)


@pytest.fixture
def engine(tmp_path: Path):
    engine = JudgeEngine(tmp_path)
    yield engine
    engine.close()


def run_one(engine: JudgeEngine, backend: Any, task: Any = tick.ITEM, call: JudgeCall | None = None) -> Any:
    [outcome] = engine.run(backend, task, [call or item_call()], cache="off", cache_dir="c", concurrency=1)
    return outcome


def test_an_unreadable_reply_is_repaired_once(engine: JudgeEngine) -> None:
    backend = ModelLike("I think it is a fox.", '{"reasoning": "fox", "answer": "YES"}')
    outcome = run_one(engine, backend)
    assert outcome.data == {"reasoning": "fox", "answer": "YES"}
    assert outcome.usage.calls == 2 and outcome.usage.prompt_tokens == 20
    previous, problem = backend.calls[1].repair
    assert previous == "I think it is a fox."
    assert problem.startswith("the reply holds no JSON object")
    messages = backend.calls[1].messages()
    assert messages[-2] == {"role": "assistant", "content": "I think it is a fox."}
    assert "could not be used: the reply holds no JSON object" in messages[-1]["content"]


def test_unreadable_twice_is_a_failure(engine: JudgeEngine) -> None:
    outcome = run_one(engine, ModelLike("nope", "still nope"))
    assert outcome.data is None
    assert outcome.failure.kind == "unparseable"
    assert outcome.failure.reason.startswith("unusable judge reply, twice: the reply holds no JSON object")
    assert "after a repair request: the reply holds no JSON object (it begins: 'still nope')" in outcome.failure.reason


def test_unreadable_twice_counts_two_calls(engine: JudgeEngine) -> None:
    outcome = run_one(engine, ModelLike("nope", "still nope"))
    assert outcome.usage.calls == 2
    assert outcome.usage.prompt_tokens == 20


def test_unusable_offline_reply_counts_one_call(engine: JudgeEngine) -> None:
    backend = ModelLike('{"answer": "MAYBE"}')
    backend.offline = True
    assert run_one(engine, backend).usage.calls == 1


def test_batch_count_mismatch_is_repaired(engine: JudgeEngine) -> None:
    short = json.dumps({"answers": [{"answer": "YES"}]})
    full = json.dumps({"answers": [{"answer": "YES"}, {"answer": "NO"}]})
    backend = ModelLike(short, full)
    outcome = run_one(engine, backend, tick.BATCH, batch_call(2))
    assert [a["answer"] for a in outcome.data["answers"]] == ["YES", "NO"]
    assert backend.calls[1].repair[1] == "expected 2 answers, one per question in order, got 1"


def test_a_truncated_reply_is_not_repaired_when_there_is_no_text(engine: JudgeEngine) -> None:
    class Empty(ModelLike):
        def complete(self, call: JudgeCall) -> Reply:
            self.calls.append(call)
            return Reply(text=None)

    backend = Empty()
    outcome = run_one(engine, backend)
    assert outcome.failure is not None and len(backend.calls) == 1
    assert outcome.failure.reason == "model-like answered tick.item with unusable data: the reply was empty"


def test_offline_judges_are_never_asked_to_repair(engine: JudgeEngine) -> None:
    backend = ModelLike('{"answer": "MAYBE"}', '{"answer": "YES"}')
    backend.offline = True
    outcome = run_one(engine, backend)
    assert outcome.failure is not None and len(backend.calls) == 1
    assert outcome.failure.reason.startswith("model-like answered tick.item with unusable data: the reply does not "
                                             "have the expected shape")
