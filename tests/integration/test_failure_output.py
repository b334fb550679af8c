"""The ``critique`` section of a test report and the short summary line of a failed checklist."""

from __future__ import annotations

import re

import pytest

FOX_HAIKU_TESTS = """
def test_two_lines(critique):
    verdict = critique.checklist("a fox\\nin the snow", items=["Does it mention a fox?", "Is it three lines long?"])
    assert verdict.passed

def test_three_lines(critique):
    verdict = critique.checklist("a fox\\nin the snow\\nsleeps", items=["Does it mention a fox?",
                                                                      "Is it three lines long?"])
    assert verdict.passed
"""


def test_failing_checklist_shows_items_and_reasons(scripted_conftest: pytest.Pytester,
                                                   plugin_args: list[str]) -> None:
    scripted_conftest.makepyfile(test_haiku=FOX_HAIKU_TESTS)
    result = scripted_conftest.runpytest(*plugin_args)
    result.assert_outcomes(passed=1, failed=1)
    assert result.ret == 1
    result.stdout.fnmatch_lines([
        "*_ test_two_lines _*",
        "*- critique -*",
        "checklist · judge scripted (offline) · 2 items · pass rate 0.50 (threshold 1.00) · 2 judge calls, 0 cached",
        "  ✓  1  Does it mention a fox?",
        "  ✗  2  Is it three lines long?",
        "       the response has 2 lines",
    ])
    result.stdout.fnmatch_lines(["FAILED test_haiku.py::test_two_lines - critique: 1 of 2 checklist items failed"])
    # a passing test shows no section without -rA / -rP
    result.stdout.no_fnmatch_line("*_ test_three_lines _*")
    # the reason of a passed item is not shown
    assert "looked for the word fox" not in result.stdout.str()


def test_passing_tests_show_the_section_with_rA(scripted_conftest: pytest.Pytester) -> None:
    scripted_conftest.makepyfile(test_haiku=FOX_HAIKU_TESTS)
    result = scripted_conftest.runpytest("-rA")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines([
        "*= PASSES =*",
        "*_ test_three_lines _*",
        "*- critique -*",
        "checklist · judge scripted (offline) · 2 items · pass rate 1.00 (threshold 1.00) · 2 judge calls, 0 cached",
        "  ✓  1  Does it mention a fox?",
        "  ✓  2  Is it three lines long?",
    ])


def test_passing_tests_show_the_section_with_rP(scripted_conftest: pytest.Pytester) -> None:
    scripted_conftest.makepyfile(test_haiku=FOX_HAIKU_TESTS)
    result = scripted_conftest.runpytest("-rP", "-k", "three")
    result.assert_outcomes(passed=1, deselected=1)
    result.stdout.fnmatch_lines(["*= PASSES =*", "*- critique -*", "  ✓  2  Is it three lines long?"])


def test_check_raises_with_the_headline(scripted_conftest: pytest.Pytester) -> None:
    scripted_conftest.makepyfile(
        test_checked="""
        def test_checked(critique):
            critique.checklist("a fox", items=["Does it mention a fox?", "Is it three lines long?",
                                               "Does it mention autumn?"]).check()
        """
    )
    result = scripted_conftest.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "E *CritiqueFailed: critique: 2 of 3 checklist items failed",
        "FAILED test_checked.py::test_checked - *critique: 2 of 3 checklist items failed",
    ])


def test_headline_names_the_threshold_when_below_one(scripted_conftest: pytest.Pytester) -> None:
    scripted_conftest.makepyfile(
        test_third="""
        import pytest

        @pytest.mark.critique(threshold=0.5)
        def test_third(critique):
            verdict = critique.checklist("a fox", items=["Does it mention a fox?", "Is it three lines long?",
                                                         "Does it mention autumn?"])
            assert verdict.passed
        """
    )
    result = scripted_conftest.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "checklist · judge scripted (offline) · 3 items · pass rate 0.33 (threshold 0.50) · 3 judge calls, 0 cached",
        "FAILED test_third.py::test_third - critique: 2 of 3 checklist items failed (pass rate 0.33 < threshold 0.50)",
    ])


def test_section_is_shown_when_the_test_fails_for_another_reason(scripted_conftest: pytest.Pytester) -> None:
    scripted_conftest.makepyfile(
        test_other="""
        def test_other_failure_after_a_passing_verdict(critique):
            verdict = critique.checklist("a fox", items=["Does it mention a fox?"])
            assert verdict.passed
            assert 1 == 2
        """
    )
    result = scripted_conftest.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "*_ test_other_failure_after_a_passing_verdict _*",
        "*- critique -*",
        "checklist · judge scripted (offline) · 1 item · pass rate 1.00 *",
        "  ✓  1  Does it mention a fox?",
    ])
    # the short summary keeps the real failure
    result.stdout.fnmatch_lines(["FAILED test_other.py::test_other_failure_after_a_passing_verdict - assert 1 == 2"])


def test_own_assertion_message_is_kept(scripted_conftest: pytest.Pytester) -> None:
    scripted_conftest.makepyfile(
        test_own="""
        def test_mine(critique):
            verdict = critique.checklist("a fox", items=["Is it three lines long?"])
            assert verdict.passed, "the haiku is malformed"
        """
    )
    result = scripted_conftest.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["FAILED test_own.py::test_mine - AssertionError: the haiku is malformed*"])


def test_each_checklist_of_a_test_gets_its_block(scripted_conftest: pytest.Pytester) -> None:
    scripted_conftest.makepyfile(
        """
        def test_two_checklists(critique):
            first = critique.checklist("a fox", items=["Does it mention a fox?"])
            second = critique.checklist("an owl", items=["Does it mention a fox?"])
            assert first.passed and second.passed
        """
    )
    result = scripted_conftest.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "*- critique -*",
        "checklist · judge scripted (offline) · 1 item · pass rate 1.00 *",
        "  ✓  1  Does it mention a fox?",
        "",
        "checklist · judge scripted (offline) · 1 item · pass rate 0.00 *",
        "  ✗  1  Does it mention a fox?",
        "       looked for the word fox",
    ])


LONG_TEXT_CONFTEST = """
import pytest
from pytest_critique import ScriptedJudge

REASON = "START " + "because " * 200 + "FINISH"

@pytest.fixture
def critique_backend():
    return ScriptedJudge(answer=lambda question, response, **context: (False, REASON))
"""


def test_long_questions_and_reasons_are_shortened(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(LONG_TEXT_CONFTEST)
    pytester.makepyfile(
        test_long="""
        def test_long(critique):
            question = "Does it BEGIN " + "and go on " * 40 + "to the END?"
            assert critique.checklist("x", items=[question]).passed
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    lines = result.stdout.lines
    [item_line] = [line for line in lines if line.startswith("  ✗  1  ")]
    assert len(item_line) <= 100
    assert item_line.startswith("  ✗  1  Does it BEGIN and go on")
    assert item_line.endswith("to the END?")
    assert " ... " in item_line
    start = lines.index(item_line) + 1
    reason_lines = []
    for line in lines[start:]:
        if not line.startswith("       "):
            break
        reason_lines.append(line)
    assert reason_lines[0].startswith("       START because")
    assert 2 <= len(reason_lines) <= 6
    assert all(len(line) <= 100 for line in reason_lines)
    assert any(" ... " in line for line in reason_lines)
    # the failing items list of the terminal summary shortens the question too
    [summary_line] = [line for line in lines if "test_long.py::test_long  #1" in line]
    assert " ... " in summary_line and summary_line.endswith("to the END?")


def test_long_reason_keeps_its_end(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(LONG_TEXT_CONFTEST)
    pytester.makepyfile(
        """
        def test_long(critique):
            assert critique.checklist("x", items=["Is it long?"]).passed
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["       *FINISH"])


def test_escape_sequences_do_not_reach_the_terminal(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
        import pytest
        from pytest_critique import ScriptedJudge

        @pytest.fixture
        def critique_backend():
            return ScriptedJudge(answer=lambda question, response, **context: (
                False, "\\x1b[31mRED\\x1b[0m \\x1b]0;pwned\\x07 \\u202egnp.exe"))
        """
    )
    pytester.makepyfile(
        test_hostile="""
        def test_hostile(critique):
            assert critique.checklist("x", items=["Is it \\x1b[2Jclean?"]).passed
        """
    )
    result = pytester.runpytest("-rA")
    result.assert_outcomes(failed=1)
    output = result.stdout.str()
    assert "\x1b" not in output
    assert "\x07" not in output
    assert "\u202e" not in output
    result.stdout.fnmatch_lines([
        r"  ✗  1  Is it \x1b[[]2Jclean?",
        r"       \x1b[[]31mRED\x1b[[]0m \x1b]0;pwned\x07 \u202egnp.exe",
    ])
    result.stdout.fnmatch_lines([r"  test_hostile.py::test_hostile  #1 Is it \x1b[[]2Jclean?"])


def test_multiline_question_is_one_line(scripted_conftest: pytest.Pytester) -> None:
    scripted_conftest.makepyfile(
        """
        def test_multiline(critique):
            assert critique.checklist("an owl", items=["Does it\\n   mention\\ta fox?"]).passed
        """
    )
    result = scripted_conftest.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["  ✗  1  Does it mention a fox?"])


def test_report_carries_the_verdicts_as_data(scripted_conftest: pytest.Pytester) -> None:
    """report.critique is what other plugins (and xdist's controller) read."""
    scripted_conftest.makeconftest(
        scripted_conftest.path.joinpath("conftest.py").read_text()
        + """
def pytest_runtest_logreport(report):
    payload = getattr(report, "critique", None)
    if payload is not None:
        verdict = payload["verdicts"][0]
        print("PAYLOAD", report.when, verdict["kind"], verdict["judge"], verdict["pass_rate"],
              [item["answer"] for item in verdict["items"]], verdict["headline"])
"""
    )
    scripted_conftest.makepyfile(test_haiku=FOX_HAIKU_TESTS)
    result = scripted_conftest.runpytest("-s", "-p", "no:xdist")
    result.assert_outcomes(passed=1, failed=1)
    output = result.stdout.str()
    assert re.findall(r"PAYLOAD (\w+) checklist scripted ([\d.]+) (\[.*?\]) (.*)", output) == [
        ("call", "0.5", "[True, False]", "critique: 1 of 2 checklist items failed"),
        ("call", "1.0", "[True, True]", "critique: all 2 checklist items passed"),
    ]


def test_a_reason_many_items_share_is_said_once(pytester: pytest.Pytester) -> None:
    """Three questions unanswerable for one reason, a fourth for another: the shared reason is said once,
    after the items, the other stays under its item, and the header does not claim a pass rate of 0.00."""
    pytester.makeconftest("""
        import pytest
        from pytest_critique import JudgeFailure, OfflineJudge

        class Asleep(OfflineJudge):
            name = "asleep"

            def answer(self, *, question, response, instruction, input):
                if question == "Is it odd?":
                    raise JudgeFailure("the judge found it odd")
                raise JudgeFailure("the judge is asleep")

        @pytest.fixture
        def critique_backend():
            return Asleep()
    """)
    pytester.makepyfile(test_reasons="""
        def test_same(critique):
            critique.checklist("a fox", items=["Is it blue?", "Is it red?", "Is it odd?", "Is it green?"])
    """)
    result = pytester.runpytest("-p", "no:cacheprovider", "-rA")
    result.stdout.fnmatch_lines([
        "test_reasons.py:2: critique: 4 of 4 checklist items unscored: items 1, 2, 4: the judge is asleep; "
        "item 3: the judge found it odd",
        "checklist · judge asleep (offline) · 4 items · no item scored (threshold 1.00) · *",
        "  ?  1  Is it blue?", "  ?  2  Is it red?", "  ?  3  Is it odd?", "       UNSCORED: the judge found it odd",
        "  ?  4  Is it green?", "       UNSCORED (items 1, 2, 4): the judge is asleep",
    ])
    assert "pass rate 0.00" not in result.stdout.str()
