"""``critique.expect``: verdicts judged in the background while later tests run.

What a user sees: the test fails at the line that asked, with the verdict's headline and the
usual critique section; reports keep collection order; UNSCORED stays UNSCORED; -x stops the
run; xdist works; and the run-wide limit on requests in flight holds, seen from the server.
"""

from __future__ import annotations

import json
import threading
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from loopback import LoopbackServer

from pytest_critique import Critic, ScriptedJudge

from conftest import read_json

# A judge that answers YES when the question's last word is in the response.  "Is it first?"
# waits (up to 20 s) until "Is it second?" has been asked: a run that judged one test after the
# other would answer NO after the wait, so a pass proves the second test's call was made while
# the first test's verdict was still open.
ORDERED_CONFTEST = '''
import threading
import pytest
from pytest_critique import OfflineJudge

second_asked = threading.Event()


class OrderedJudge(OfflineJudge):
    name = "ordered"

    def answer(self, *, question, response, instruction, input):
        if question == "Is it second?":
            second_asked.set()
            return True, "asked"
        if question == "Is it first?":
            return second_asked.wait(20), "waited for the second test's question"
        if question.endswith("??"):
            return None
        word = question.rstrip("?").split()[-1].lower()
        return word in response.lower(), f"looked for {word!r}"


@pytest.fixture(scope="session")
def critique_backend():
    return OrderedJudge()
'''


def test_a_later_tests_judge_calls_run_while_an_earlier_verdict_is_open(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(ORDERED_CONFTEST)
    pytester.makepyfile(test_order="""
        def test_a(critique):
            critique.expect.checklist("anything", items=["Is it first?"])

        def test_b():
            pass

        def test_c(critique):
            critique.expect.checklist("a fox", items=["Is it second?", "Is it a fox?"])
    """)
    result = pytester.runpytest("-p", "no:cacheprovider", "-v", "--critique-report=report.json")
    result.assert_outcomes(passed=3)
    # Reports come in collection order although test_c was judged before test_a's verdict was in.
    result.stdout.re_match_lines([r"test_order.py::test_a PASSED", r"test_order.py::test_b PASSED",
                                  r"test_order.py::test_c PASSED"])
    tests = {test["nodeid"].split("::")[1]: test for test in read_json(pytester.path / "report.json")["tests"]}
    assert sorted(tests) == ["test_a", "test_c"]
    assert [item["question"] for item in tests["test_c"]["verdicts"][0]["items"]] == ["Is it second?",
                                                                                      "Is it a fox?"]


FAILING = """
    def test_fails(critique):
        critique.expect.checklist("a fox in autumn", items=["Is there a fox?", "Is there snow?"])
        print("the test went on")

    def test_unscored(critique):
        critique.expect.checklist("a fox", items=["Is there a fox?", "Is it blue??"])

    def test_body_fails_too(critique):
        critique.expect.checklist("a fox", items=["Is there a fox?"])
        assert 1 == 2, "the app broke"

    def test_passes(critique):
        first = critique.expect.checklist("a fox", items=["Is there a fox?"])
        second = critique.expect.rubric("a fox", rubric={"criteria": "foxes", "scores": {
            1: "none", 2: "few", 3: "some", 4: "many", 5: "all"}}, min_score=3)
        assert first.verdict().passed and second.verdict().score == 5
"""


@pytest.fixture
def scripted(pytester: pytest.Pytester) -> None:
    pytester.makeconftest('''
import pytest
from pytest_critique import ScriptedJudge


class Judge(ScriptedJudge):
    def answer(self, *, question, response, instruction=None, input=None):
        if question.endswith("??"):
            return None
        word = question.rstrip("?").split()[-1].lower()
        return word in response.lower(), f"looked for {word!r}"

    def grade(self, *, response, criteria, scores, reference, instruction):
        return 5, "all foxes"


@pytest.fixture(scope="session")
def critique_backend():
    return Judge()
''')


def test_an_unmet_expectation_fails_its_test_at_the_line_that_asked(pytester: pytest.Pytester, scripted: None) -> None:
    pytester.makepyfile(test_expected=FAILING)
    result = pytester.runpytest("-p", "no:cacheprovider", "-rA", "--critique-report=report.json",
                                "--junitxml=junit.xml")
    assert result.ret == 1
    result.assert_outcomes(passed=1, failed=2)
    output = result.stdout.str()
    result.stdout.fnmatch_lines([
        "*_ test_fails _*",
        '>       critique.expect.checklist("a fox in autumn", items=["Is there a fox?", "Is there snow?"])',
        "E       critique: 1 of 2 checklist items failed",
        "test_expected.py:2: CritiqueFailed",
        "*Captured stdout call*",
        "the test went on",
        "*- critique -*",
        "checklist * 2 items * pass rate 0.50*",
        "*looked for 'snow'",
    ])
    result.stdout.fnmatch_lines([
        "*UNSCORED: no verdict could be obtained*",
        "*test_unscored*",
        "*Is it blue??*",
    ])
    result.stdout.fnmatch_lines([
        "FAILED test_expected.py::test_fails - critique: 1 of 2 checklist items failed",
        "FAILED test_expected.py::test_body_fails_too - AssertionError: the app broke*",
    ])
    assert "1 unscored" in output.splitlines()[-1]
    tests = {test["nodeid"].split("::")[1]: test for test in read_json(pytester.path / "report.json")["tests"]}
    assert tests["test_unscored"]["unscored"].startswith("critique: 1 of 2 checklist items unscored")
    assert tests["test_body_fails_too"]["verdicts"][0]["passed"] is True
    assert [verdict["kind"] for verdict in tests["test_passes"]["verdicts"]] == ["checklist", "rubric"]
    cases = {case.get("name"): case for case in ET.parse(pytester.path / "junit.xml").getroot().iter("testcase")}
    properties = {prop.get("name"): prop.get("value") for prop in cases["test_fails"].iter("property")}
    assert properties["critique.kind"] == "checklist" and properties["critique.failed.2"] == "Is there snow?"
    assert cases["test_unscored"].find("error") is not None


def test_expectations_under_xdist_keep_every_report(pytester: pytest.Pytester, scripted: None) -> None:
    pytester.makepyfile(test_expected=FAILING, test_many="""
        import pytest

        @pytest.mark.parametrize("n", range(30))
        def test_many(critique, n):
            critique.expect.checklist(f"fox number {n}", items=["Is there a fox?", f"Is it {n}?"])
    """)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2", "--critique-report=report.json")
    result.assert_outcomes(passed=31, failed=2)
    assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()
    tests = read_json(pytester.path / "report.json")["tests"]
    assert len(tests) == 34 and sum(len(test["verdicts"]) for test in tests) == 35


def test_a_usage_error_is_raised_at_once_in_the_test(pytester: pytest.Pytester, scripted: None) -> None:
    pytester.makepyfile("""
        from pytest_critique import CritiqueUsageError
        import pytest

        def test_no_items(critique):
            with pytest.raises(CritiqueUsageError, match="needs instruction"):
                critique.expect.checklist("a fox")
    """)
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_x_stops_the_run_after_an_unmet_expectation(pytester: pytest.Pytester, scripted: None) -> None:
    pytester.makepyfile("""
        import time
        import pytest

        def test_fails_first(critique):
            critique.expect.checklist("a fox", items=["Is there snow?"])

        @pytest.mark.parametrize("n", range(200))
        def test_later(critique, n):
            time.sleep(0.02)
    """)
    result = pytester.runpytest("-p", "no:cacheprovider", "-x")
    assert result.ret == 1
    outcomes = result.parseoutcomes()
    assert outcomes["failed"] == 1 and outcomes.get("passed", 0) < 200
    result.stdout.fnmatch_lines(["*stopping after 1 failures*"])


def test_the_run_wide_limit_holds_across_tests_and_workers(pytester: pytest.Pytester) -> None:
    """Many tests at once, each asking 4 questions: the server never sees more requests at once than
    --critique-concurrency allows, in one process or shared out among xdist workers."""
    lock = threading.Lock()
    state = {"now": 0, "peak": 0}

    def slow(request: dict[str, Any]) -> str:
        with lock:
            state["now"] += 1
            state["peak"] = max(state["peak"], state["now"])
        threading.Event().wait(0.05)
        with lock:
            state["now"] -= 1
        return json.dumps({"reasoning": "checked", "answer": "YES"})

    pytester.makepyfile(test_many="""
        import pytest

        @pytest.mark.parametrize("n", range(24))
        def test_many(critique, n):
            critique.expect.checklist(f"reply {n}", items=[f"Is {n} fine?", "Is it short?", "Is it kind?",
                                                           "Is it clear?"])
    """)
    with LoopbackServer(handler=slow) as server:
        common = ("-p", "no:cacheprovider", "--critique-model=openai/loopback-judge",
                  f"--critique-api-base={server.url}", "--critique-cache=off")
        result = pytester.runpytest_subprocess(*common, "--critique-concurrency=6")
        result.assert_outcomes(passed=24)
        assert len(server.requests) == 96
        assert 4 < state["peak"] <= 6  # more than one test's questions at once, never past the limit
        state["peak"] = 0
        result = pytester.runpytest_subprocess(*common, "--critique-concurrency=6", "-n", "2")
        result.assert_outcomes(passed=24)
        assert len(server.requests) == 192
        assert state["peak"] <= 6


def test_a_critic_outside_pytest_settles_its_expectations() -> None:
    class Judge(ScriptedJudge):
        def answer(self, *, question: str, response: str, instruction: Any = None, input: Any = None) -> Any:
            return "fox" in response, "looked for a fox"

    critic = Critic(backend=Judge())
    good = critic.expect.checklist("a fox", items=["Is there a fox?"])
    bad = critic.expect.checklist("a dog", items=["Is there a fox?"])
    assert critic.verdicts == []
    unmet = critic.settle()
    assert [entry.expectation for entry in unmet] == [bad]
    assert str(unmet[0].error) == "critique: 1 of 1 checklist items failed"
    assert [verdict.passed for verdict in critic.verdicts] == [True, False] and good.verdict().passed
    assert critic.settle() == []


def test_an_expected_failure_is_an_xfail_and_an_unexpected_pass_is_reported(pytester: pytest.Pytester,
                                                                            scripted: None) -> None:
    pytester.makepyfile("""
        import pytest

        @pytest.mark.xfail(reason="the app does not mention snow yet")
        def test_known_gap(critique):
            critique.expect.checklist("a fox", items=["Is there snow?"])

        @pytest.mark.xfail(reason="the judge has no answer yet", strict=True)
        def test_known_unscored(critique):
            critique.expect.checklist("a fox", items=["Is it blue??"])

        @pytest.mark.xfail(reason="fixed now?")
        def test_fixed(critique):
            critique.expect.checklist("a fox", items=["Is there a fox?"])

        @pytest.mark.xfail(reason="only a value error is expected", raises=ValueError)
        def test_other_failure(critique):
            critique.expect.checklist("a fox", items=["Is there snow?"])
    """)
    result = pytester.runpytest("-p", "no:cacheprovider", "-rxX")
    result.assert_outcomes(xfailed=2, xpassed=1, failed=1)
    result.stdout.fnmatch_lines(["*XFAIL*test_known_gap - the app does not mention snow yet*"])
    result.stdout.fnmatch_lines(["*_ test_other_failure _*", "E       critique: 1 of 1 checklist items failed"])


def test_the_breaker_names_the_test_whose_expectation_found_the_judge_down(pytester: pytest.Pytester) -> None:
    """test_a's request hangs until the timeout while test_b (which judges nothing) runs: the breaker
    opens in test_a's call and says so; test_c, after it, is refused at once with that reason."""
    pytester.makepyfile(test_down="""
        import time

        def test_a(critique):
            critique.expect.checklist("a reply", items=["Is it a reply?"])

        def test_b(critique):
            time.sleep(2.5)

        def test_c(critique):
            critique.expect.checklist("another reply", items=["Is it another reply?"])
    """)
    with LoopbackServer(handler=lambda request: json.dumps({"answer": "YES"}) if threading.Event().wait(30)
                        else "") as server:
        result = pytester.runpytest_subprocess(
            "-p", "no:cacheprovider", "--critique-model=openai/loopback-judge", f"--critique-api-base={server.url}",
            "--critique-timeout=1", "--critique-retries=0", "--critique-breaker=1", "--critique-cache=off", "-rA")
    outcomes = {name: count for name, count in result.parseoutcomes().items() if "warning" not in name}
    assert outcomes == {"passed": 1, "unscored": 2}, result.stdout.str()[-2000:]
    result.stdout.fnmatch_lines(["*unavailable since test_down.py::test_a: 1 requests in a row failed*"])


def test_an_expectation_the_cache_can_answer_is_settled_at_once(pytester: pytest.Pytester, counting: Any,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Warm: every answer is in the cache, so the verdict is worked out on the spot (no hop to a verdict
    thread); cold: the judging happens in the background and the same verdicts come out."""
    pytester.makepyfile(test_warm="""
        import os

        def test_fox(critique):
            expectation = critique.expect.checklist("a fox in autumn", items=["Is there a fox?", "Is it autumn?"])
            if os.environ.get("CRITIQUE_CACHE") == "read":
                assert expectation.done() and expectation.verdict().passed
    """)
    first = pytester.runpytest("-p", "no:cacheprovider")
    first.assert_outcomes(passed=1)
    assert len(counting.calls()) == 2
    counting.reset()
    monkeypatch.setenv("CRITIQUE_CACHE", "read")
    second = pytester.runpytest("-p", "no:cacheprovider", "--critique-report=report.json")
    second.assert_outcomes(passed=1)
    assert counting.calls() == []
    [test] = read_json(pytester.path / "report.json")["tests"]
    assert test["verdicts"][0]["usage"]["cached"] == 2


def test_a_plugin_that_runs_tests_itself_is_not_bypassed(pytester: pytest.Pytester, scripted: None) -> None:
    """A rerun plugin implements pytest_runtest_protocol (loaded with -p before the critique plugin, so
    pytest would ask the critique plugin first); the critique plugin steps aside for it, and an
    expectation is then settled at the end of its test's call (correct, without the overlap)."""
    pytester.makepyfile(fake_rerun='''
import pytest
from _pytest.runner import runtestprotocol

RUNS = []


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item, nextitem):
    RUNS.append(item.name)
    item.ihook.pytest_runtest_logstart(nodeid=item.nodeid, location=item.location)
    runtestprotocol(item, nextitem=nextitem)
    item.ihook.pytest_runtest_logfinish(nodeid=item.nodeid, location=item.location)
    return True


def pytest_sessionfinish(session):
    (session.config.rootpath / "runs.txt").write_text(" ".join(RUNS))
''')
    pytester.makepyfile(test_own=FAILING)
    pytester.syspathinsert()
    result = pytester.runpytest("-p", "fake_rerun", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=2)
    result.stdout.fnmatch_lines(["*1 unscored*"])
    assert (pytester.path / "runs.txt").read_text() == "test_fails test_unscored test_body_fails_too test_passes"
