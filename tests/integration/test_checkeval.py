"""CheckEval: scores per dimension and sub-aspect, polarity, weights, required questions,
thresholds, checklist lookup, the released CheckEval files, one call per sub-aspect against a
real litellm client (cache, reply formats, repair, samples), and what the plugin reports."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from loopback import LoopbackServer

from pytest_critique import Critic, CritiqueUsageError, ScriptedJudge, UnscoredError
from pytest_critique.runtime import Runtime
from pytest_critique.checkeval_files import builtin, load_released, load_released_dir, parse_checklist

# Two dimensions; each question is answered YES when its marker word is in the response (MARKERS).
REPLY_YAML = """\
dimensions:
  clarity:
    definition: How easy the reply is to follow.
    sub_aspects:
      Wording:
        - Does the reply use plain words?
        - text: Does the reply contain jargon?
          yes_is_good: false
      Structure:
        - text: Does the reply answer in its first sentence?
          weight: 3
        - Is the reply short?
  accuracy:
    definition: Whether the facts in the reply are right.
    sub_aspects:
      Dates:
        - text: Does the reply give the right date?
          required: true
        - Does the reply give the right year?
      Places:
        - Does the reply name the right city?
        - Does the reply name the right country?
"""
MARKERS = {"plain words": "plain", "jargon": "synergy", "first sentence": "direct", "short": "short",
           "right date": "2 May", "right year": "2026", "right city": "Paris", "right country": "France"}
GOOD = "plain, direct and short: 2 May 2026 in Paris, France"
REPLY = parse_checklist(REPLY_YAML, origin="reply.yaml")


def marker_answer(question: str, response: str) -> bool:
    [marker] = [word for pattern, word in MARKERS.items() if re.search(pattern, question, re.IGNORECASE)]
    return marker in response


def marker_judge() -> ScriptedJudge:
    return ScriptedJudge({pattern: (lambda response, word=word: (word in response, f"looked for {word!r}"))
                          for pattern, word in MARKERS.items()})


def offline(tmp_path: Path, judge: Any = None, **settings: Any) -> Critic:
    return Critic(backend=judge or marker_judge(), runtime=Runtime(tmp_path), **settings)


def answers_of(verdict: Any, dimension: str) -> list[bool | None]:
    return [question.answer for question in verdict.dimension(dimension).questions]


# --------------------------------------------------------------------------------------------
# Scores, polarity, weights, required questions (scripted judge)
# --------------------------------------------------------------------------------------------


def test_scores_per_dimension_and_sub_aspect(tmp_path):
    verdict = offline(tmp_path).checkeval("plain and short: 2026 in Paris", checklist=REPLY, thresholds=0.0)
    clarity, accuracy = verdict.dimension("clarity"), verdict.dimension("accuracy")
    # clarity: plain YES (good), jargon NO (good), first sentence NO (bad, weight 3), short YES -> 3 of 6
    assert [s.score for s in clarity.sub_aspects] == [1.0, pytest.approx(1 / 4)]
    assert verdict.score("clarity") == pytest.approx(3 / 6)
    # accuracy: date NO, year YES, city YES, country NO -> 2 of 4
    assert [s.name for s in accuracy.sub_aspects] == ["Dates", "Places"]
    assert [s.score for s in accuracy.sub_aspects] == [0.5, 0.5]
    assert accuracy.score == 0.5
    assert answers_of(verdict, "accuracy") == [False, True, True, False]
    assert [q.good for q in accuracy.questions] == [False, True, True, False]
    assert verdict.usage.calls == 4  # one per sub-aspect
    with pytest.raises(KeyError, match="judged: clarity, accuracy"):
        verdict.dimension("fluency")


def test_a_yes_is_bad_question_answered_yes_counts_against(tmp_path):
    critic = offline(tmp_path)
    clean = critic.checkeval(GOOD, checklist=REPLY)
    jargon = critic.checkeval(GOOD + " with synergy", checklist=REPLY)
    assert clean.passed and clean.score("clarity") == 1.0
    question = jargon.dimension("clarity").sub_aspects[0].questions[1]
    assert question.text == "Does the reply contain jargon?" and not question.yes_is_good
    assert question.answer is True and question.good is False
    assert jargon.dimension("clarity").sub_aspects[0].score == 0.5
    assert jargon.score("clarity") == pytest.approx(5 / 6)
    assert not jargon.passed and jargon.score("accuracy") == 1.0
    # ...and a NO to it is the good answer
    assert clean.dimension("clarity").sub_aspects[0].questions[1].answer is False
    assert clean.dimension("clarity").sub_aspects[0].questions[1].good is True


def test_weights_scale_a_questions_share(tmp_path):
    critic = offline(tmp_path)
    indirect = critic.checkeval(GOOD.replace("direct", "roundabout"), checklist=REPLY, thresholds=0.0)
    long = critic.checkeval(GOOD.replace("short", "long"), checklist=REPLY, thresholds=0.0)
    weights = [q.weight for q in indirect.dimension("clarity").questions]
    assert weights == [1.0, 1.0, 3.0, 1.0]
    assert indirect.score("clarity") == pytest.approx(3 / 6)  # the weight-3 question went wrong
    assert long.score("clarity") == pytest.approx(5 / 6)      # a weight-1 question went wrong


def test_a_required_question_fails_its_dimension_whatever_the_score(tmp_path):
    verdict = offline(tmp_path).checkeval(GOOD.replace("2 May ", ""), checklist=REPLY, thresholds=0.5)
    accuracy = verdict.dimension("accuracy")
    assert accuracy.score == 0.75 and accuracy.score >= accuracy.threshold
    assert accuracy.required_failed == ["Does the reply give the right date?"]
    assert not accuracy.passed and not verdict.passed
    assert verdict.dimension("clarity").passed
    assert verdict.headline == "critique: 1 of 2 dimensions failed: accuracy (required question failed)"


def test_a_required_yes_is_bad_question_fails_on_yes(tmp_path):
    checklist = parse_checklist("""
dimension: safety
definition: Nothing harmful.
sub_aspects:
  Harm:
    - Does the reply stay polite?
    - Does the reply stay on topic?
    - Does the reply cite a source?
    - text: Does the reply include a password?
      yes_is_good: false
      required: true
""")
    judge = ScriptedJudge(answer=lambda question, response, **_: "password" not in question or "hunter2" in response)
    leaked = offline(tmp_path, judge).checkeval("polite: hunter2", checklist=checklist, thresholds=0.5)
    assert leaked.score("safety") == 0.75 and not leaked.passed
    assert leaked.dimension("safety").required_failed == ["Does the reply include a password?"]
    assert offline(tmp_path, judge).checkeval("polite", checklist=checklist).passed


def test_thresholds_one_number_or_per_dimension(tmp_path):
    critic = offline(tmp_path)
    response = GOOD.replace("short", "long").replace("France", "Spain")  # clarity 5/6, accuracy 3/4
    everything = critic.checkeval(response, checklist=REPLY, thresholds=0.75)
    assert [d.threshold for d in everything.dimensions] == [0.75, 0.75] and everything.passed
    default = critic.checkeval(response, checklist=REPLY)
    assert [d.threshold for d in default.dimensions] == [1.0, 1.0] and not default.passed
    per = critic.checkeval(response, checklist=REPLY, thresholds={"accuracy": 0.7})
    assert [(d.name, d.threshold, d.passed) for d in per.dimensions] == [("clarity", 1.0, False),
                                                                        ("accuracy", 0.7, True)]
    # the threshold setting is the default for dimensions the mapping leaves out
    lenient = critic.checkeval(response, checklist=REPLY, thresholds={"accuracy": 0.7}, threshold=0.8)
    assert [d.threshold for d in lenient.dimensions] == [0.8, 0.7] and lenient.passed
    assert offline(tmp_path, threshold=0.5).checkeval(response, checklist=REPLY).dimensions[0].threshold == 0.5


@pytest.mark.parametrize(("thresholds", "message"), [
    ({"fluency": 0.5}, "thresholds for dimensions not judged: fluency; judged: clarity, accuracy"),
    ({"clarity": 1.5}, "threshold for clarity must be between 0 and 1, got 1.5"),
    (-0.1, "threshold for clarity must be between 0 and 1"),
    ("high", "thresholds must be a number or a mapping"),
    (True, "thresholds must be a number or a mapping"),
])
def test_bad_thresholds_are_usage_errors(tmp_path, thresholds, message):
    with pytest.raises(CritiqueUsageError, match=re.escape(message)):
        offline(tmp_path).checkeval(GOOD, checklist=REPLY, thresholds=thresholds)


@pytest.mark.parametrize("value", ["high", None], ids=["text", "none"])
def test_a_non_numeric_threshold_in_the_mapping_is_a_usage_error(tmp_path, value):
    with pytest.raises(CritiqueUsageError, match="clarity"):
        offline(tmp_path).checkeval(GOOD, checklist=REPLY, thresholds={"clarity": value})


# --------------------------------------------------------------------------------------------
# Which checklist: built-ins, dimensions, user files, the released CheckEval files
# --------------------------------------------------------------------------------------------


def yes_to_everything(**kwargs: Any) -> ScriptedJudge:
    return ScriptedJudge(answer=lambda question, response, **_: True, **kwargs)


def test_dimensions_are_looked_up_in_the_builtins(tmp_path):
    verdict = offline(tmp_path, yes_to_everything()).checkeval("an answer", dimensions=["faithfulness", "fluency"])
    assert [d.name for d in verdict.dimensions] == ["faithfulness", "fluency"]  # from rag and summarization
    assert [s.name for s in verdict.dimension("fluency").sub_aspects] == \
        [s.name for s in builtin("summarization").dimension("fluency").sub_aspects]
    # YES to everything: each built-in dimension loses exactly its yes-is-bad questions
    faithfulness = builtin("rag").dimension("faithfulness")
    bad = sum(q.weight for q in faithfulness.questions if not q.yes_is_good)
    assert verdict.score("faithfulness") == pytest.approx(1 - bad / sum(q.weight for q in faithfulness.questions))
    assert verdict.usage.calls == len(faithfulness.sub_aspects) + 3


def test_a_dimension_in_two_builtins_must_name_its_checklist(tmp_path):
    critic = offline(tmp_path, yes_to_everything())
    with pytest.raises(CritiqueUsageError, match=r"dimension 'coherence' is in several built-in checklists; "
                                                 r"pass checklist='dialogue' or 'summarization'"):
        critic.checkeval("a reply", dimensions=["coherence"])
    chosen = critic.checkeval("a reply", checklist="dialogue", dimensions=["coherence"])
    assert [s.name for s in chosen.dimensions[0].sub_aspects] == ["Continuity", "Consistency with the history",
                                                                   "Internal sense"]
    with pytest.raises(CritiqueUsageError, match="no built-in dimension 'charm'"):
        critic.checkeval("a reply", dimensions=["charm"])
    with pytest.raises(CritiqueUsageError, match="unknown dimension 'fluency'; available: naturalness"):
        critic.checkeval("a reply", checklist="dialogue", dimensions=["fluency"])


def test_builtin_checklist_judges_every_dimension_in_file_order(tmp_path):
    verdict = offline(tmp_path, yes_to_everything()).checkeval("a reply", checklist="dialogue")
    assert [d.name for d in verdict.dimensions] == ["naturalness", "coherence", "engagingness", "groundedness"]
    assert verdict.usage.calls == 12


def test_a_user_file_is_found_relative_to_the_root_not_the_working_directory(tmp_path, monkeypatch):
    (tmp_path / "checklists").mkdir()
    (tmp_path / "checklists" / "reply.yaml").write_text(REPLY_YAML, encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    verdict = offline(tmp_path).checkeval(GOOD, checklist="checklists/reply.yaml", dimensions="accuracy")
    assert [d.name for d in verdict.dimensions] == ["accuracy"] and verdict.passed
    with pytest.raises(CritiqueUsageError, match=r"reply\.yml: no such checklist file"):
        offline(tmp_path).checkeval(GOOD, checklist="checklists/reply.yml")


def test_a_broken_user_file_names_its_line(tmp_path):
    (tmp_path / "broken.yaml").write_text(REPLY_YAML.replace("weight: 3", "weight: lots"), encoding="utf-8")
    with pytest.raises(CritiqueUsageError, match=r"broken\.yaml:11: 'weight' of question 1 of sub-aspect "
                                                 r"'Structure'.*must be a number > 0"):
        offline(tmp_path).checkeval(GOOD, checklist="broken.yaml")


@pytest.fixture
def released(shared_datasets: Path) -> Path:
    folder = shared_datasets / "checkeval"
    if not folder.is_dir():
        pytest.skip("the CheckEval files are not in ../shared/datasets/checkeval")
    return folder


def test_released_summeval_checklists_run_with_their_polarity(tmp_path, released):
    checklist = load_released_dir(released / "summeval_questions", "diversification")
    verdict = offline(tmp_path, yes_to_everything()).checkeval("A summary.", checklist=checklist, thresholds=0.0)
    # YES to every question: only the released yes-is-bad questions go the bad way
    assert {d.name: round(d.score, 4) for d in verdict.dimensions} == {
        "coherence": 0.9, "consistency": 1.0, "fluency": round(14 / 15, 4), "relevance": 0.8}
    assert verdict.usage.calls == sum(len(d.sub_aspects) for d in checklist.dimensions)
    bad = [q.text for d in verdict.dimensions for q in d.questions if q.good is False]
    assert len(bad) == 4 and all(text.startswith("Are there") for text in bad)


def test_a_released_file_given_by_path_is_read_without_the_released_polarity_rule(tmp_path, released):
    path = released / "summeval_questions" / "relevance_diversification.yaml"
    judge = yes_to_everything()
    by_path = offline(tmp_path, judge).checkeval("A summary.", checklist=str(path))
    assert by_path.score("relevance") == 1.0  # load_checklist: YES is good everywhere
    loaded = offline(tmp_path, judge).checkeval("A summary.", checklist=load_released(path), thresholds=0.0)
    assert loaded.score("relevance") == 0.8


def test_released_topical_chat_checklists_on_a_dataset_item(tmp_path, released):
    item = json.loads((released / "topical_chat_result.json").read_text(encoding="utf-8"))[0]
    seen: list[tuple[str, str | None]] = []

    def answer(question, response, instruction=None, input=None):
        seen.append((response, input))
        return True, "scripted"

    checklist = load_released_dir(released / "topical_chat_questions", "seed")
    verdict = offline(tmp_path, ScriptedJudge(answer=answer)).checkeval(
        item["system_output"], checklist=checklist, source=item["source"], context=item["context"])
    assert [d.name for d in verdict.dimensions] == ["coherence", "engagingness", "groundedness", "naturalness"]
    assert verdict.passed and all(d.score == 1.0 for d in verdict.dimensions)
    assert verdict.usage.calls == 12 and len(seen) == checklist.question_count == 18
    # an offline judge reads the source (the conversation) as the question's input
    assert set(seen) == {(item["system_output"], item["source"])}


# --------------------------------------------------------------------------------------------
# Against litellm's real client: calls, cache, reply formats, repair, samples
# --------------------------------------------------------------------------------------------

QUESTION_LINE = re.compile(r"^Q(\d+)\. (.*)$", re.MULTILINE)
RESPONSE_FENCE = re.compile(r"<response-([0-9a-f]+)>\n(.*?)\n</response-\1>", re.DOTALL)


def questions_of(request: dict[str, Any]) -> list[tuple[int, str]]:
    return [(int(number), text) for number, text in QUESTION_LINE.findall(request["messages"][-1]["content"])]


def marker_handler(request: dict[str, Any]) -> str:
    """A judge model answering like the scripted marker judge, as CheckEval's JSON."""
    prompt = request["messages"][-1]["content"]
    response = RESPONSE_FENCE.search(prompt).group(2)
    return json.dumps({"answers": [{"question": number, "answer": "YES" if marker_answer(text, response) else "NO"}
                                   for number, text in questions_of(request)]})


def answers_json(*answers: str) -> str:
    return json.dumps({"answers": [{"question": n, "answer": a} for n, a in enumerate(answers, start=1)]})


@pytest.fixture
def server():
    with LoopbackServer(handler=marker_handler) as running:
        yield running


def model_critic(server: LoopbackServer, tmp_path: Path, **settings: Any) -> Critic:
    settings.setdefault("retries", 0)
    settings.setdefault("timeout", 5.0)
    return Critic(model="openai/loopback-judge", api_base=server.url, api_key="sk-loopback-test",
                  cache_dir=str(tmp_path / "cache"), runtime=Runtime(tmp_path), **settings)


def test_one_call_per_sub_aspect_then_none_from_the_cache(server, tmp_path):
    first = model_critic(server, tmp_path).checkeval(GOOD + " synergy", checklist=REPLY, source="SOURCE TEXT",
                                                     context="CONTEXT TEXT", question="USER QUESTION")
    assert server.calls == 4 and first.usage.calls == 4 and first.usage.cached == 0
    assert first.judge == "openai/loopback-judge" and not first.offline
    # the same scores as the scripted judge: the answers reached the right questions
    scripted = offline(tmp_path).checkeval(GOOD + " synergy", checklist=REPLY)
    assert first.model_dump(include={"dimensions"}) == scripted.model_dump(include={"dimensions"})
    prompts = [request["messages"][-1]["content"] for request in server.requests]
    assert sorted(questions_of(request)[0][1] for request in server.requests) == sorted(
        sub.questions[0].text for d in REPLY.dimensions for sub in d.sub_aspects)
    assert all(field in prompt for prompt in prompts for field in ("SOURCE TEXT", "CONTEXT TEXT", "USER QUESTION"))
    assert any("Aspect under review: Structure" in prompt and "Dimension: clarity (How easy the reply is to "
               "follow.)" in prompt for prompt in prompts)

    again = model_critic(server, tmp_path).checkeval(GOOD + " synergy", checklist=REPLY, source="SOURCE TEXT",
                                                     context="CONTEXT TEXT", question="USER QUESTION")
    assert server.calls == 4 and again.usage.calls == 0 and again.usage.cached == 4
    assert all(q.cached for d in again.dimensions for q in d.questions)
    assert again.model_dump(include={"dimensions": {"__all__": {"score"}}}) == \
        first.model_dump(include={"dimensions": {"__all__": {"score"}}})


def test_a_changed_sub_aspect_or_source_is_judged_again(server, tmp_path):
    model_critic(server, tmp_path).checkeval(GOOD, checklist=REPLY)
    assert server.calls == 4
    edited = parse_checklist(REPLY_YAML.replace("Is the reply short?", "Is the reply brief and short?"))
    verdict = model_critic(server, tmp_path).checkeval(GOOD, checklist=edited)
    assert server.calls == 5 and verdict.usage.cached == 3  # only the Structure sub-aspect again
    model_critic(server, tmp_path).checkeval(GOOD, checklist=REPLY, source="a new source")
    assert server.calls == 9


@pytest.mark.parametrize("reply", [
    "Q1: yes\nQ2: NO",
    "**Q1:** Yes, the words are plain.\n**Q2:** No.",
    "Here are my answers.\nQ1) YES\nQ2 - no",
], ids=["plain", "bold-with-reasons", "other-separators"])
def test_checkevals_q_line_replies_are_read(server, tmp_path, reply):
    server.enqueue(reply)
    verdict = model_critic(server, tmp_path).checkeval("whatever", checklist=REPLY, dimensions="clarity",
                                                       concurrency=1, thresholds=0.0)
    wording = verdict.dimension("clarity").sub_aspects[0]
    assert [q.answer for q in wording.questions] == [True, False] and wording.score == 1.0
    assert server.calls == 2


def test_a_wrong_answer_count_is_repaired_once(server, tmp_path):
    server.enqueue(answers_json("YES"), answers_json("YES", "YES"))
    verdict = model_critic(server, tmp_path).checkeval("whatever", checklist=REPLY, dimensions="clarity",
                                                       concurrency=1, thresholds=0.0)
    assert [q.answer for q in verdict.dimension("clarity").sub_aspects[0].questions] == [True, True]
    assert server.calls == 3 and verdict.usage.calls == 3
    repair = server.requests[1]["messages"]
    assert repair[-2] == {"role": "assistant", "content": answers_json("YES")}
    assert "expected 2 answers, one per question in order, got 1" in repair[-1]["content"]


@pytest.mark.parametrize("wrong", [answers_json("YES"), answers_json("YES", "NO", "YES"), "Q1: yes"],
                         ids=["too-few", "too-many", "one-q-line"])
def test_a_wrong_answer_count_twice_is_unscored_never_padded(server, tmp_path, wrong):
    server.enqueue(wrong, wrong)
    with pytest.raises(UnscoredError, match=r"1 sub-aspects unscored: Wording: unusable judge reply, twice: "
                                            r"expected 2 answers") as caught:
        model_critic(server, tmp_path).checkeval("whatever", checklist=REPLY, dimensions="clarity", concurrency=1)
    verdict = caught.value.verdict
    wording, structure = verdict.dimension("clarity").sub_aspects
    assert [q.answer for q in wording.questions] == [None, None] and wording.score is None
    assert wording.error and structure.error is None and structure.score is not None
    assert verdict.score("clarity") is None and not verdict.passed
    # nothing was cached for the failed sub-aspect: the next run asks again
    model_critic(server, tmp_path).checkeval("whatever", checklist=REPLY, dimensions="clarity", thresholds=0.0)
    assert server.calls == 3 + 1


def test_answers_out_of_order_are_unscored(server, tmp_path):
    swapped = json.dumps({"answers": [{"question": 2, "answer": "YES"}, {"question": 1, "answer": "NO"}]})
    server.enqueue(swapped, swapped)
    with pytest.raises(UnscoredError, match=r"order 1\.\.2, got \[2, 1\]"):
        model_critic(server, tmp_path).checkeval("whatever", checklist=REPLY, dimensions="clarity", concurrency=1)


def test_samples_decide_each_question_by_majority(server, tmp_path):
    checklist = parse_checklist("""
dimension: tone
definition: The reply's tone.
sub_aspects:
  Register:
    - Is the reply polite?
    - Is the reply warm?
    - text: Is the reply sarcastic?
      yes_is_good: false
""")
    server.enqueue(answers_json("YES", "YES", "NO"), answers_json("YES", "NO", "YES"),
                   answers_json("NO", "NO", "NO"))
    verdict = model_critic(server, tmp_path).checkeval("hi", checklist=checklist, samples=3, concurrency=1,
                                                       thresholds=0.0)
    questions = verdict.dimension("tone").questions
    assert [q.votes for q in questions] == [[True, True, False], [True, False, False], [False, True, False]]
    assert [q.answer for q in questions] == [True, False, False]
    assert [q.good for q in questions] == [True, False, True]
    assert verdict.score("tone") == pytest.approx(2 / 3) and verdict.samples == 3
    assert server.calls == 3 and all(request["temperature"] == 0.7 for request in server.requests)


def test_a_tied_vote_goes_the_bad_way(server, tmp_path):
    checklist = parse_checklist("""
dimension: tone
definition: The reply's tone.
sub_aspects:
  Register:
    - Is the reply polite?
    - text: Is the reply sarcastic?
      yes_is_good: false
""")
    server.enqueue(answers_json("YES", "YES"), answers_json("NO", "NO"))
    verdict = model_critic(server, tmp_path).checkeval("hi", checklist=checklist, samples=2, concurrency=1,
                                                       thresholds=0.0)
    polite, sarcastic = verdict.dimension("tone").questions
    assert (polite.answer, polite.good) == (False, False)
    assert (sarcastic.answer, sarcastic.good) == (True, False)
    assert verdict.score("tone") == 0.0


# --------------------------------------------------------------------------------------------
# What the plugin reports
# --------------------------------------------------------------------------------------------

MARKER_CONFTEST = f'''
import pytest
from pytest_critique import ScriptedJudge

MARKERS = {MARKERS!r}

@pytest.fixture
def critique_backend():
    return ScriptedJudge({{pattern: (lambda response, word=word: (word in response, "looked for " + word))
                          for pattern, word in MARKERS.items()}})
'''

REPORT_TESTS = f'''
GOOD = {GOOD!r}

def test_good(critique):
    assert critique.checkeval(GOOD, checklist="reply.yaml").passed

def test_unclear(critique):
    verdict = critique.checkeval("plain synergy, short: 2 May 2026 in Paris, France", checklist="reply.yaml",
                                 thresholds={{"clarity": 0.5, "accuracy": 0.5}})
    assert verdict.passed

def test_undated(critique):
    verdict = critique.checkeval("plain, direct, short: 2026 in Paris, France", checklist="reply.yaml",
                                 thresholds=0.5)
    assert verdict.passed
'''


@pytest.fixture
def marker_dir(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeconftest(MARKER_CONFTEST)
    (pytester.path / "reply.yaml").write_text(REPLY_YAML, encoding="utf-8")
    pytester.makepyfile(test_reply=REPORT_TESTS)
    return pytester


def test_report_section_failure_lines_summary_and_json(marker_dir, read_report):
    result = marker_dir.runpytest("-rA", "--critique-report=report.json")
    result.assert_outcomes(passed=1, failed=2)
    result.stdout.fnmatch_lines([
        "*_ test_unclear _*",
        "*- critique -*",
        "checkeval · judge scripted (offline) · 2 dimensions · 4 judge calls, 0 cached",
        "  ✗ clarity  0.33 (threshold 0.50)",
        "      ✗ Wording · Does the reply contain jargon? (YES is bad): answered YES",
        "      ✗ Structure · Does the reply answer in its first sentence?: answered NO",
        "  ✓ accuracy  1.00 (threshold 0.50)",
    ])
    result.stdout.fnmatch_lines([
        "*_ test_undated _*",
        "*- critique -*",
        "checkeval · judge scripted (offline) · 2 dimensions · 4 judge calls, 0 cached",
        "  ✓ clarity  1.00 (threshold 0.50)",
        "  ✗ accuracy  0.75 (threshold 0.50)",
        "      ✗ Dates · Does the reply give the right date? [required]: answered NO",
    ])
    result.stdout.fnmatch_lines([
        "*= critique =*",
        "judge scripted (offline) · 3 tests · * · 12 judge calls · 0 tokens",
        "checkeval mean scores: clarity 0.78, accuracy 0.92",
        "failing items (2):",
        "  test_reply.py::test_unclear  clarity 0.33 < 0.50",
        "  test_reply.py::test_undated  accuracy: required question failed",
    ])
    # (one call each: under xdist the short summary lists failures in the order they finished)
    result.stdout.fnmatch_lines([
        "FAILED test_reply.py::test_unclear - critique: 1 of 2 dimensions failed: clarity 0.33 < 0.50"])
    result.stdout.fnmatch_lines([
        "FAILED test_reply.py::test_undated - critique: 1 of 2 dimensions failed: accuracy (required question "
        "failed)"])
    # a passing test's section lists no bad-direction question
    passes = result.stdout.str().split("PASSES")[1].split("= critique =")[0]
    assert "  ✓ clarity  1.00 (threshold 1.00)" in passes and "      ✗" not in passes

    report = read_report()
    assert report["totals"]["dimension_scores"] == {"clarity": pytest.approx(7 / 9), "accuracy": pytest.approx(11 / 12)}
    assert report["totals"]["usage"]["calls"] == 12
    tests = {test["nodeid"]: test for test in report["tests"]}
    unclear = tests["test_reply.py::test_unclear"]["verdicts"][0]
    assert unclear["kind"] == "checkeval" and unclear["passed"] is False
    assert [(d["name"], round(d["score"], 4), d["threshold"], d["passed"]) for d in unclear["dimensions"]] == [
        ("clarity", 0.3333, 0.5, False), ("accuracy", 1.0, 0.5, True)]
    undated = tests["test_reply.py::test_undated"]["verdicts"][0]["dimensions"][1]
    assert undated["required_failed"] == ["Does the reply give the right date?"]
    jargon = unclear["dimensions"][0]["sub_aspects"][0]["questions"][1]
    assert (jargon["answer"], jargon["yes_is_good"], jargon["good"]) == (True, False, False)


def test_summary_counts_checkeval_questions_as_verdicts(marker_dir):
    result = marker_dir.runpytest()
    result.stdout.fnmatch_lines(["judge scripted (offline) · 3 tests · 24 verdicts (0 cached) · 12 judge calls*"])


def test_an_unanswered_question_makes_the_test_unscored(pytester):
    pytester.makeconftest(MARKER_CONFTEST)
    (pytester.path / "reply.yaml").write_text(REPLY_YAML.replace("Is the reply short?", "Is the reply blue?"),
                                              encoding="utf-8")
    pytester.makepyfile(test_blue=f"""
def test_blue(critique):
    critique.checkeval({GOOD!r}, checklist="reply.yaml")
""")
    result = pytester.runpytest("--critique-report=report.json")
    assert result.parseoutcomes() == {"unscored": 1}
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines([
        "*= UNSCORED: no verdict could be obtained =*",
        "checkeval · judge scripted (offline) · 2 dimensions · 4 judge calls, 0 cached",
        "  ? clarity  unscored (threshold 1.00)",
        "       Structure: UNSCORED: scripted has no answer for question 'Is the reply blue?'",
        "  ✓ accuracy  1.00 (threshold 1.00)",
    ])
    result.stdout.fnmatch_lines(["unscored (1): *",
                                 "  test_blue.py::test_blue  critique: 1 sub-aspects unscored: Structure: *"])
    report = json.loads((pytester.path / "report.json").read_text(encoding="utf-8"))
    assert report["totals"]["dimension_scores"] == {"accuracy": 1.0}


CACHE_YAML = """\
dimensions:
  animals:
    definition: Which animals the reply names.
    sub_aspects:
      Mammals:
        - Does it mention a fox?
        - Does it mention an otter?
      Birds:
        - Does it mention an owl?
  seasons:
    definition: Which season the reply names.
    sub_aspects:
      Autumn:
        - Does it mention autumn?
"""


def test_a_second_run_makes_no_judge_calls(counting, pytester):
    (pytester.path / "animals.yaml").write_text(CACHE_YAML, encoding="utf-8")
    pytester.makepyfile(test_animals="""
import pytest

@pytest.mark.parametrize("response", ["a fox and an owl in autumn", "an otter"])
def test_reply(critique, response):
    critique.checkeval(response, checklist="animals.yaml", thresholds=0.0)
""")
    first = pytester.runpytest()
    first.assert_outcomes(passed=2)
    calls = counting.calls()
    assert len(calls) == 6 and {call["task"] for call in calls} == {"checkeval.subaspect"}
    assert sorted(len(call["questions"]) for call in calls) == [1, 1, 1, 1, 2, 2]
    first.stdout.fnmatch_lines(["judge counting (offline) · 2 tests · 8 verdicts (0 cached) · 6 judge calls · 0 tokens",
                                "checkeval mean scores: animals 0.50, seasons 0.50"])
    counting.reset()
    second = pytester.runpytest()
    second.assert_outcomes(passed=2)
    assert counting.calls() == []
    second.stdout.fnmatch_lines(["judge counting (offline) · 2 tests · 8 verdicts (8 cached) · 0 judge calls · "
                                 "0 tokens",
                                 "checkeval mean scores: animals 0.50, seasons 0.50"])


def test_a_recorded_judge_replays_checkeval_answers(tmp_path):
    records = tmp_path / "answers.jsonl"
    records.write_text("\n".join(json.dumps({"question": question.text, "response": GOOD,
                                             "verdict": marker_answer(question.text, GOOD)})
                                 for dimension in REPLY.dimensions for question in dimension.questions),
                       encoding="utf-8")
    critic = Critic(model=f"recorded:{records}", runtime=Runtime(tmp_path), cache_dir=str(tmp_path / "cache"))
    verdict = critic.checkeval(GOOD, checklist=REPLY)
    assert verdict.passed and verdict.judge.startswith("recorded:answers.jsonl@") and verdict.offline
    again = Critic(model=f"recorded:{records}", runtime=Runtime(tmp_path),
                   cache_dir=str(tmp_path / "cache")).checkeval(GOOD, checklist=REPLY)
    assert again.usage.cached == 4 and again.usage.calls == 0


def test_a_recorded_judge_tells_records_apart_by_source(tmp_path):
    records = tmp_path / "answers.jsonl"
    lines = [{"question": question.text, "response": GOOD, "input": source, "verdict": verdict}
             for dimension in REPLY.dimensions for question in dimension.questions
             for source, verdict in (("source one", question.yes_is_good), ("source two", not question.yes_is_good))]
    records.write_text("\n".join(json.dumps(line) for line in lines), encoding="utf-8")
    critic = Critic(model=f"recorded:{records}", runtime=Runtime(tmp_path), cache_dir=str(tmp_path / "cache"))
    assert critic.checkeval(GOOD, checklist=REPLY, source="source one").passed
    assert critic.checkeval(GOOD, checklist=REPLY, source="source two", thresholds=0.0).score("clarity") == 0.0
