"""Trust features beyond tests/integration/test_trust.py: unstable verdicts of every judge (checklist
with markers and keywords, per-step votes, CheckEval questions, rubric scores, pairwise orders),
jurors that waver or give no verdict, drift around juries and judges used side by side, and the
settings' usage errors.  They run in process; the drift tests also with two xdist workers
(``plugin_args``: workers share the drift index), and tests/integration/test_xdist.py checks that
every kind of verdict crosses to the xdist controller intact.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pytest_critique import Critic, CritiqueUsageError, ScriptedJudge
from pytest_critique.runtime import Runtime

# Every scripted judge below answers from a counter held by its fixture (function scope: a fresh
# counter per test, in any worker); critique_concurrency = 1 keeps the sampled calls in order.
SEQUENTIAL = "[pytest]\ncritique_concurrency = 1\n"


def read_report(pytester: pytest.Pytester) -> dict[str, Any]:
    return json.loads((pytester.path / "report.json").read_text(encoding="utf-8"))


def progress_letters(stdout: list[str]) -> str:
    """The outcome letters pytest printed for test_votes.py, in process or under xdist."""
    for line in stdout:
        text = line.split("[")[0].strip()
        if text.startswith("test_votes.py "):
            return text.split()[1]
        if text and set(text) <= set(".FUsxX") and len(text) == 3:
            return text
    raise AssertionError("no progress line in:\n" + "\n".join(stdout))


WAVERING = '''
import itertools
import pytest
from pytest_critique import ScriptedJudge

@pytest.fixture
def critique_backend():
    answers = itertools.cycle([True, False, True, False, True])   # YES 3/5 for every question
    return ScriptedJudge(answer=lambda question, response, **context: (next(answers), "as it comes"))
'''

VOTE_TESTS = '''
import pytest

def test_reported(critique):
    verdict = critique.checklist("x", items=["Is it good?"], samples=5)
    assert verdict.passed and verdict.items[0].unstable and verdict.items[0].agreement == 0.6

@pytest.mark.critique(min_agreement=0.5)
def test_relaxed_by_marker(critique):
    verdict = critique.checklist("x", items=["Is it good?"], samples=5)
    assert verdict.passed and not verdict.items[0].unstable

def test_refused_by_keyword(critique):
    critique.checklist("x", items=["Is it good?"], samples=5, on_unstable="error")
'''


def test_unstable_votes_by_marker_and_keyword(pytester: pytest.Pytester) -> None:
    pytester.makeini(SEQUENTIAL)
    pytester.makeconftest(WAVERING)
    pytester.makepyfile(test_votes=VOTE_TESTS)
    result = pytester.runpytest("--critique-report=report.json")
    assert result.parseoutcomes() == {"passed": 2, "unscored": 1}
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert sorted(progress_letters(result.stdout.lines)) == [".", ".", "U"]
    result.stdout.fnmatch_lines(["unstable verdicts (2): sampled votes agreed less than min_agreement"])
    result.stdout.fnmatch_lines(["unscored (1): no verdict could be obtained; these tests count as failures",
                                 "  test_votes.py::test_refused_by_keyword  critique: 1 of 1 checklist items unscored: "
                                 "item 1: unstable verdict: YES 3/5 (agreement 0.60 < min_agreement 0.70)*"])
    unstable = sorted((entry["nodeid"], entry["what"]) for entry in read_report(pytester)["totals"]["unstable"])
    assert unstable == [("test_votes.py::test_refused_by_keyword", "#1 Is it good? [YES 3/5]"),
                        ("test_votes.py::test_reported", "#1 Is it good? [YES 3/5]")]


def test_unstable_votes_from_the_ini_file(pytester: pytest.Pytester) -> None:
    pytester.makeini(SEQUENTIAL + "critique_samples = 5\ncritique_min_agreement = 0.5\ncritique_on_unstable = error\n")
    pytester.makeconftest(WAVERING)
    pytester.makepyfile(test_votes="def test_vote(critique):\n    critique.checklist('x', items=['Is it good?'])\n")
    assert pytester.runpytest().parseoutcomes() == {"passed": 1}  # 0.6 >= 0.5: stable
    strict = pytester.runpytest("--critique-min-agreement=0.61")   # the command line beats the ini file
    assert strict.parseoutcomes() == {"unscored": 1}
    strict.stdout.fnmatch_lines(["*unstable verdict: YES 3/5 (agreement 0.60 < min_agreement 0.61)*"])


@pytest.mark.parametrize(("value", "message"), [
    ("--critique-min-agreement=1.5", "expected a number between 0 and 1"),
    ("--critique-on-unstable=maybe", "expected one of report, error"),
    ("--critique-jury-rule=quorum:0", "expected majority, unanimous or quorum:K"),
    ("--critique-model=a,,b", "empty model name"),
    ("--critique-model=a,b,a", "a jury lists each model once"),
])
def test_settings_of_trust_are_checked(pytester: pytest.Pytester, value: str, message: str) -> None:
    pytester.makepyfile(test_x="def test_x():\n    pass\n")
    result = pytester.runpytest(value)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    option, raw = value.split("=")
    setting = option.removeprefix("--critique-").replace("-", "_")
    result.stderr.fnmatch_lines([f"ERROR: critique: invalid value '{raw}' for {option} (setting '{setting}'): "
                                 f"{message}"])


STEPS = '''
import itertools
import pytest
from pytest_critique import ScriptedJudge

@pytest.fixture
def critique_backend():
    first = itertools.cycle([True, False, True])   # step "add" is correct 2 of 3 times

    def step(text, previous, problem):
        return (next(first) if text == "add" else True), f"judged {text}"

    return ScriptedJudge(step=step, name="wavering-steps")

def test_steps(critique):
    critique.steps(["add", "carry", "done"], mode="per_step", samples=3)
'''


def test_unstable_step_votes_per_step(pytester: pytest.Pytester) -> None:
    pytester.makeini(SEQUENTIAL)
    pytester.makepyfile(test_per_step_votes=STEPS)
    reported = pytester.runpytest("-rA", "--critique-report=report.json")
    reported.assert_outcomes(passed=1)
    reported.stdout.fnmatch_lines(["  ✓  1  [[]correct 2/3 · unstable] add", "  ✓  2  [[]correct 3/3] carry"])
    reported.stdout.fnmatch_lines(["unstable verdicts (1): *",
                                   "  test_per_step_votes.py::test_steps  step 1 [[]correct 2/3]"])
    [step] = [s for s in read_report(pytester)["tests"][0]["verdicts"][0]["steps"] if s["unstable"]]
    assert step["index"] == 1 and step["agreement"] == pytest.approx(2 / 3)
    refused = pytester.runpytest("-rA", "--critique-on-unstable=error")
    assert refused.parseoutcomes() == {"unscored": 1}
    refused.stdout.fnmatch_lines(["  ?  1  [[]correct 2/3 · unstable] add",
                                  "       UNSCORED: unstable verdict: correct 2/3 (agreement 0.67 < "
                                  "min_agreement 0.70)*"])


CHECKEVAL_YAML = """\
dimensions:
  clarity:
    definition: How easy the reply is to follow.
    sub_aspects:
      Wording:
        - Does the reply use plain words?
        - Is the reply free of typos?
      Structure:
        - Is the reply short?
"""

CHECKEVAL = '''
import itertools
import pytest
from pytest_critique import ScriptedJudge

@pytest.fixture
def critique_backend():
    typos = itertools.cycle([True, False, True])   # YES 2/3 for the typo question

    def answer(question, response, **context):
        return (next(typos) if "typos" in question else True), "scripted"

    return ScriptedJudge(answer=answer, name="ce")

def test_ce(critique):
    verdict = critique.checkeval("a plain short reply", checklist="clarity.yaml", samples=3, thresholds=0.5)
    assert verdict.score("clarity") == 1.0 and verdict.passed
'''


def test_unstable_checkeval_questions(pytester: pytest.Pytester) -> None:
    pytester.makeini(SEQUENTIAL)
    (pytester.path / "clarity.yaml").write_text(CHECKEVAL_YAML, encoding="utf-8")
    pytester.makepyfile(test_ce=CHECKEVAL)
    reported = pytester.runpytest("-rA")
    reported.assert_outcomes(passed=1)
    reported.stdout.fnmatch_lines(["  ✓ clarity  1.00 (threshold 0.50)",
                                   "      ~ Wording · Is the reply free of typos?: unstable, votes YES 2/3"])
    reported.stdout.fnmatch_lines(["unstable verdicts (1): *",
                                   "  test_ce.py::test_ce  clarity · Is the reply free of typos? [[]YES 2/3]"])
    refused = pytester.runpytest("-rA", "--critique-on-unstable=error")
    assert refused.parseoutcomes() == {"unscored": 1}
    refused.stdout.fnmatch_lines(["  ? clarity  unscored (threshold 0.50)",
                                  "       Wording: UNSCORED: unstable verdict: Q2 YES 2/3 (agreement 0.67 < "
                                  "min_agreement 0.70)*"])
    refused.stdout.no_fnmatch_line("*Structure: UNSCORED*")  # only the wavering sub-aspect refuses


RUBRIC = '''
import itertools
import pytest
from pytest_critique import ScriptedJudge

RUBRIC = {"criteria": "Complete?", "scores": {1: "No.", 2: "Barely.", 3: "Half.", 4: "Mostly.", 5: "Fully."}}

@pytest.fixture
def critique_backend():
    scores = itertools.cycle([4, 4, 4, 5, 5])
    return ScriptedJudge(grade=lambda response, **context: (next(scores), "scripted"), name="grader")

def test_graded(critique):
    verdict = critique.rubric("an answer", rubric=RUBRIC, samples=5)
    assert (verdict.score, verdict.votes, verdict.unstable) == (4, [4, 4, 4, 5, 5], True)
'''


def test_an_unstable_rubric_score_is_shown_and_can_refuse(pytester: pytest.Pytester) -> None:
    pytester.makeini(SEQUENTIAL)
    pytester.makepyfile(test_rubric=RUBRIC)
    reported = pytester.runpytest("-rA")
    reported.assert_outcomes(passed=1)
    reported.stdout.fnmatch_lines(["rubric · judge grader (offline) · score 4/5 (min 4) · 5 judge calls, 0 cached",
                                   "  criteria: Complete?",
                                   "  scores by sample: 4, 4, 4, 5, 5 (agreement 0.60, unstable)"])
    refused = pytester.runpytest("-rA", "--critique-on-unstable=error")
    assert refused.parseoutcomes() == {"unscored": 1}
    refused.stdout.fnmatch_lines(["*UNSCORED: unstable verdict: scores 4, 4, 4, 5, 5 (agreement 0.60 < "
                                  "min_agreement 0.70)*"])


def test_an_unstable_rubric_score_is_listed_with_the_unstable_verdicts(pytester: pytest.Pytester) -> None:
    pytester.makeini(SEQUENTIAL)
    pytester.makepyfile(test_rubric=RUBRIC)
    result = pytester.runpytest("--critique-report=report.json")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["unstable verdicts (1): sampled votes agreed less than min_agreement",
                                 "  test_rubric.py::test_graded  *4, 4, 4, 5, 5*"])
    assert [entry["nodeid"] for entry in read_report(pytester)["totals"]["unstable"]] == ["test_rubric.py::test_graded"]


# Each order is judged 5 times; the 4th and 5th sample of each order pick the worse answer, so
# both orders prefer "thorough" by 3 to 2: a consistent winner whose every order is unstable.
NOISY_COMPARE = '''
import itertools
import pytest
from pytest_critique import ScriptedJudge

@pytest.fixture
def critique_backend():
    calls = itertools.count()

    def prefer(first, second, **context):
        better = "first" if "thorough" in first else "second"
        worse = "second" if better == "first" else "first"
        return (worse if next(calls) % 5 in (3, 4) else better), "scripted"

    return ScriptedJudge(prefer=prefer, name="noisy")

def test_compare(critique):
    verdict = critique.compare("thorough", "lazy", samples=5)
    assert verdict.winner == "a" and verdict.consistent
    assert [order.votes for order in verdict.orders] == [["a", "a", "a", "b", "b"]] * 2
'''


def test_an_unstable_order_of_a_comparison_can_refuse(pytester: pytest.Pytester) -> None:
    pytester.makeini(SEQUENTIAL)
    pytester.makepyfile(test_compare=NOISY_COMPARE)
    reported = pytester.runpytest("-rA")
    reported.assert_outcomes(passed=1)
    reported.stdout.fnmatch_lines(["compare · judge noisy (offline) · both orders · winner a · 10 judge calls, "
                                   "0 cached",
                                   "  a shown first, b second: prefers a (samples: a, a, a, b, b, unstable)",
                                   "*",
                                   "  b shown first, a second: prefers a (samples: a, a, a, b, b, unstable)"])
    refused = pytester.runpytest("-rA", "--critique-on-unstable=error")
    assert refused.parseoutcomes() == {"unscored": 1}
    refused.stdout.fnmatch_lines(["*compare · judge noisy (offline) · both orders · winner no verdict *",
                                  "  a shown first, b second: prefers no verdict (samples: a, a, a, b, b, unstable)",
                                  "       unstable verdict: a first: a, a, a, b, b (agreement 0.60 < min_agreement "
                                  "0.70)*"])
    relaxed = pytester.runpytest("--critique-on-unstable=error", "--critique-min-agreement=0.6")
    relaxed.assert_outcomes(passed=1)


def test_an_unstable_order_of_a_comparison_is_reported(pytester: pytest.Pytester) -> None:
    pytester.makeini(SEQUENTIAL)
    pytester.makepyfile(test_compare=NOISY_COMPARE)
    result = pytester.runpytest("-rA", "--critique-report=report.json")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["  a shown first, b second: prefers a (samples: a, a, a, b, b*unstable*"])
    result.stdout.fnmatch_lines(["unstable verdicts (2): sampled votes agreed less than min_agreement"])
    assert len(read_report(pytester)["totals"]["unstable"]) == 2


JURORS = '''
import itertools
import pytest
from pytest_critique import ScriptedJudge

def steady(name, answer):
    return ScriptedJudge(answer=lambda question, response, **context: (answer, f"{name} is sure"), name=name)

def wavering():
    answers = itertools.cycle([True, False, True])
    return ScriptedJudge(answer=lambda question, response, **context: (next(answers), "it depends"), name="w")

def test_a_wavering_juror(critique):
    verdict = critique.checklist("x", items=["Is it good?"], samples=3,
                                 jury=[wavering(), steady("s1", True), steady("s2", False)])
    assert verdict.items[0].answer is True and verdict.items[0].unstable

def test_a_silent_juror(critique):
    silent = ScriptedJudge({"never matches": lambda response: True}, name="silent")
    critique.checklist("x", items=["Is it good?"], jury=[steady("s1", True), steady("s2", True), silent],
                       jury_rule="quorum:1")
'''


def test_jurors_that_waver_or_say_nothing(pytester: pytest.Pytester) -> None:
    pytester.makeini(SEQUENTIAL)
    pytester.makepyfile(test_jurors=JURORS)
    result = pytester.runpytest("-rA", "--critique-report=report.json")
    assert result.parseoutcomes() == {"passed": 1, "unscored": 1}
    result.stdout.fnmatch_lines(["  ✓  1  [[]unstable] Is it good?",
                                 "       jurors: w YES (YES 2/3, unstable) · s1 YES (YES 3/3) · s2 NO (NO 3/3) "
                                 "(split)"])
    result.stdout.fnmatch_lines(["  ?  1  Is it good?",
                                 "       jurors: s1 YES · s2 YES · silent no verdict (split)",
                                 "       UNSCORED: juror silent: silent has no answer for question 'Is it good?'"])
    result.stdout.fnmatch_lines(["unstable verdicts (1): *",
                                 "  test_jurors.py::test_a_wavering_juror  #1 Is it good? (a juror's votes)"])
    juries = {tuple(jury["jurors"]): jury for jury in read_report(pytester)["totals"]["juries"]}
    # the item a juror did not answer is left out of the agreement; one item cannot give a kappa
    assert juries[("s1", "s2", "silent")]["items"] == 0 and juries[("s1", "s2", "silent")]["fleiss_kappa"] is None
    assert juries[("w", "s1", "s2")]["items"] == 1


def write_recorded(pytester: pytest.Pytester, name: str, short: str) -> None:
    rows = [{"question": "Mentions a fox?", "response": "a fox", "verdict": "YES"},
            {"question": "Is it short?", "response": "a fox", "verdict": short}]
    (pytester.path / name).write_text("\n".join(json.dumps(row) for row in rows), encoding="utf-8")


FOX = '''
def test_fox(critique):
    critique.checklist("a fox", items=["Mentions a fox?", "Is it short?"], threshold=0)
'''


def test_a_jury_after_a_single_judge_lists_no_drift(pytester: pytest.Pytester, plugin_args: list[str]) -> None:
    write_recorded(pytester, "old.jsonl", "YES")
    write_recorded(pytester, "new.jsonl", "NO")
    pytester.makepyfile(test_fox=FOX)
    pytester.runpytest("--critique-model=recorded:old.jsonl", *plugin_args).assert_outcomes(passed=1)
    jury = ["--critique-model=recorded:old.jsonl,recorded:new.jsonl", "--critique-jury-rule=quorum:1"]
    # the new juror is judged afresh while old's verdicts are cached: jurors are not drift of each other
    for cache in ("rw", "refresh"):
        result = pytester.runpytest(*jury, f"--critique-cache={cache}", "-rA", "--critique-report=report.json",
                                    *plugin_args)
        result.assert_outcomes(passed=1)
        result.stdout.fnmatch_lines(["       jurors: recorded:old.jsonl@* YES · recorded:new.jsonl@* NO (split)"])
        result.stdout.no_fnmatch_line("drift (*")
        result.stdout.no_fnmatch_line("*changed since the cached verdict*")
        assert read_report(pytester)["totals"]["drift"] == [], cache
    # the old judge re-judged after the new one last answered is compared with itself, not with new
    back = pytester.runpytest("--critique-model=recorded:old.jsonl", "--critique-cache=refresh", *plugin_args)
    back.stdout.no_fnmatch_line("drift (*")


SIDE_BY_SIDE = '''
import pytest

@pytest.mark.critique(model="recorded:old.jsonl")
def test_a_old(critique):
    critique.checklist("a fox", items=["Mentions a fox?", "Is it short?"], threshold=0)

@pytest.mark.critique(model="recorded:new.jsonl")
def test_b_new(critique):
    critique.checklist("a fox", items=["Mentions a fox?", "Is it short?"], threshold=0)
'''


def test_two_models_used_side_by_side_are_not_drift(pytester: pytest.Pytester, plugin_args: list[str]) -> None:
    write_recorded(pytester, "old.jsonl", "YES")
    write_recorded(pytester, "new.jsonl", "NO")
    pytester.makepyfile(test_side=SIDE_BY_SIDE)
    pytester.runpytest("-k", "old", *plugin_args).assert_outcomes(passed=1)
    # both models are used in this run: old (from the cache) in one test, new (afresh) in the other
    result = pytester.runpytest(*plugin_args)
    result.assert_outcomes(passed=2)
    result.stdout.no_fnmatch_line("drift (*")


# --------------------------------------------------------------------------------------------
# Usage errors of juries and rubrics, on a Critic built directly (no pytest session needed)
# --------------------------------------------------------------------------------------------

FULL_RUBRIC = {"criteria": "Complete?", "scores": {1: "No.", 2: "Barely.", 3: "Half.", 4: "Mostly.", 5: "Fully."}}


def direct_critic(tmp_path: Path) -> Critic:
    judge = ScriptedJudge(answer=lambda question, response, **context: True, grade=lambda response, **context: 4)
    return Critic(backend=judge, runtime=Runtime(tmp_path), cache="off")


def juror(name: str) -> ScriptedJudge:
    return ScriptedJudge(answer=lambda question, response, **context: True, name=name)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"jury": [juror("a")]}, "critique: jury must be a list of at least two judges (model strings or backends)"),
    ({"jury": "ab"}, "critique: jury must be a list of at least two judges (model strings or backends)"),
    ({"jury": [juror("a"), juror("a")]}, "critique: jurors need distinct names, got a, a"),
    ({"jury": [juror("a"), 3]}, "critique: a juror must be a model string or a backend, got int"),
    ({"jury": [juror("a"), juror("b")], "jury_rule": "bogus"},
     "critique: invalid value 'bogus' for checklist() setting 'jury_rule': expected majority, unanimous or quorum:K"),
    ({"jury": [juror("a"), juror("b")], "jury_rule": "quorum:3"},
     "critique: jury rule quorum:3 needs at least 3 jurors, the jury has 2"),
])
def test_jury_usage_errors(tmp_path: Path, kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(CritiqueUsageError) as raised:
        direct_critic(tmp_path).checklist("x", items=["q?"], **kwargs)
    assert str(raised.value) == message


@pytest.mark.parametrize(("rubric", "min_score", "message"), [
    ("text", 4, "rubric must be a mapping like {'criteria': '...', 'scores': {1: '...', ..., 5: '...'}} or a Rubric, "
                "got str"),
    ({"criteria": "c", "scores": {"one": "a"}}, 4, "rubric scores must be keyed 1 to 5, got ['one']"),
    (FULL_RUBRIC, 0, "min_score must be a whole number from 1 to 5, got 0"),
    (FULL_RUBRIC, 6, "min_score must be a whole number from 1 to 5, got 6"),
    (FULL_RUBRIC, True, "min_score must be a whole number from 1 to 5, got True"),
])
def test_rubric_usage_errors(tmp_path: Path, rubric: Any, min_score: Any, message: str) -> None:
    with pytest.raises(CritiqueUsageError) as raised:
        direct_critic(tmp_path).rubric("x", rubric=rubric, min_score=min_score)
    assert str(raised.value) == f"critique: {message}"


def test_a_rubric_may_list_its_scores_beside_the_criteria(tmp_path: Path) -> None:
    flat = {"criteria": "Complete?", **FULL_RUBRIC["scores"]}  # type: ignore[dict-item]
    verdict = direct_critic(tmp_path).rubric("x", rubric=flat)
    assert verdict.score == 4 and verdict.rubric.scores[5] == "Fully."


@pytest.mark.parametrize(("rubric", "message"), [
    ({"criteria": "c", "scores": {1: "a", 2: "b", 3: "c", 4: "d", 5: "e", 6: "f"}},
     "critique: invalid rubric: scores: scores must describe each of 1, 2, 3, 4 and 5, got [1, 2, 3, 4, 5, 6]"),
    ({"criteria": " ", "scores": FULL_RUBRIC["scores"]},
     "critique: invalid rubric: criteria: criteria must say what is graded"),
])
def test_invalid_rubric_messages_read_plainly(tmp_path: Path, rubric: Any, message: str) -> None:
    with pytest.raises(CritiqueUsageError) as raised:
        direct_critic(tmp_path).rubric("x", rubric=rubric)
    assert str(raised.value) == message


def test_a_quorum_larger_than_the_jury_is_refused_before_any_judge_call(tmp_path: Path) -> None:
    asked: list[str] = []

    def checklists(instruction: str, input: str | None) -> list[str]:
        asked.append(instruction)
        return ["q1?", "q2?"]

    writer = ScriptedJudge(answer=lambda question, response, **context: True, checklists=checklists, name="a")
    with pytest.raises(CritiqueUsageError, match="jury rule quorum:3 needs at least 3 jurors"):
        direct_critic(tmp_path).checklist("x", instruction="Write.", jury=[writer, juror("b")], jury_rule="quorum:3")
    assert asked == []
