"""UNSCORED: a test whose verdict could not be obtained is its own outcome, never a pass."""

from __future__ import annotations

import pytest

UNSCORED_TESTS = """
def test_pass(critique):
    assert critique.checklist("a fox", items=["Does it mention a fox?"]).passed

def test_unknown_question(critique):
    verdict = critique.checklist("a fox", items=["Does it mention a fox?", "Is it blue?"])
    assert verdict.passed

def test_fail(critique):
    assert critique.checklist("an owl", items=["Does it mention a fox?"]).passed
"""


def test_unanswered_question_is_unscored(scripted_conftest: pytest.Pytester) -> None:
    scripted_conftest.makepyfile(test_u=UNSCORED_TESTS)
    result = scripted_conftest.runpytest()
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert result.parseoutcomes() == {"passed": 1, "failed": 1, "unscored": 1}
    result.stdout.re_match_lines([r".*=+ 1 failed, 1 passed, 1 unscored in [\d.]+s.* =+"])
    result.stdout.fnmatch_lines([
        "*= critique =*",
        "judge scripted (offline) · 3 tests · 4 verdicts (0 cached) · 4 judge calls · 0 tokens",
        "pooled pass rate 2/3 = 0.667 (1 unscored not counted)",
        "failing items (1):",
        "  test_u.py::test_fail  #1 Does it mention a fox?",
        "unscored (1): no verdict could be obtained; these tests count as failures",
        "  test_u.py::test_unknown_question  critique: 1 of 2 checklist items unscored: item 2: scripted has no "
        "answer for question 'Is it blue?'",
    ])
    # an unscored test is not listed as a failure or a pass
    result.stdout.no_fnmatch_line("FAILED test_u.py::test_unknown_question*")
    # ...but shown in detail in its own UNSCORED block
    result.stdout.fnmatch_lines(["*= UNSCORED: no verdict could be obtained =*", "*_ test_unknown_question _*"])


def test_progress_letter_and_verbose_word(scripted_conftest: pytest.Pytester) -> None:
    scripted_conftest.makepyfile(test_u=UNSCORED_TESTS)
    result = scripted_conftest.runpytest()
    result.stdout.fnmatch_lines(["test_u.py .UF *"])
    result = scripted_conftest.runpytest("-v")
    result.stdout.fnmatch_lines([
        "test_u.py::test_pass PASSED*",
        "test_u.py::test_unknown_question UNSCORED*",
        "test_u.py::test_fail FAILED*",
    ])


def test_only_unscored_still_fails_the_run(scripted_conftest: pytest.Pytester) -> None:
    scripted_conftest.makepyfile(
        test_u="""
        def test_unknown_question(critique):
            critique.checklist("a fox", items=["Is it blue?"])
        """
    )
    result = scripted_conftest.runpytest()
    assert result.ret == 1
    assert result.parseoutcomes() == {"unscored": 1}


def test_maxfail_counts_unscored_tests(scripted_conftest: pytest.Pytester) -> None:
    scripted_conftest.makepyfile(
        test_u="""
        def test_unknown_question(critique):
            critique.checklist("a fox", items=["Is it blue?"])

        def test_never_run():
            pass
        """
    )
    result = scripted_conftest.runpytest("-x")
    assert result.ret == 1
    assert result.parseoutcomes() == {"unscored": 1}
    result.stdout.fnmatch_lines(["*stopping after 1 failures*"])


def test_judge_exception_is_unscored_not_a_crash(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
        import pytest
        from pytest_critique import OfflineJudge

        class Broken(OfflineJudge):
            name = "broken"

            def answer(self, **kwargs):
                raise RuntimeError("the judge fell over")

        @pytest.fixture
        def critique_backend():
            return Broken()
        """
    )
    pytester.makepyfile(
        test_u="""
        def test_broken(critique):
            critique.checklist("a fox", items=["Does it mention a fox?"])
        """
    )
    result = pytester.runpytest()
    assert result.ret == 1
    assert result.parseoutcomes() == {"unscored": 1}
    result.stdout.fnmatch_lines([
        "  test_u.py::test_broken  critique: 1 of 1 checklist items unscored: item 1: broken raised "
        "RuntimeError: the judge fell over",
    ])


def test_missing_generated_checklist_is_unscored(scripted_conftest: pytest.Pytester) -> None:
    scripted_conftest.makepyfile(
        test_u="""
        def test_unknown_instruction(critique):
            critique.checklist("a fox", instruction="Write a limerick about an owl.")
        """
    )
    result = scripted_conftest.runpytest()
    assert result.ret == 1
    assert result.parseoutcomes() == {"unscored": 1}
    result.stdout.fnmatch_lines([
        "  test_u.py::test_unknown_instruction  critique: could not obtain a checklist for the instruction: "
        "scripted has no checklist for this instruction; pass items=[[]...] or freeze a checklist",
    ])


def test_unscored_item_lines_when_the_error_is_caught(scripted_conftest: pytest.Pytester) -> None:
    """A test may catch UnscoredError; the verdict it carries is reported with a ? line."""
    scripted_conftest.makepyfile(
        test_u="""
        import pytest
        from pytest_critique import UnscoredError

        def test_caught(critique):
            with pytest.raises(UnscoredError) as caught:
                critique.checklist("a fox", items=["Does it mention a fox?", "Is it blue?"])
            verdict = caught.value.verdict
            assert [item.answer for item in verdict.items] == [True, None]
            assert not verdict.passed
            assert verdict.headline == "critique: 1 of 2 checklist items unscored"
        """
    )
    result = scripted_conftest.runpytest("-rA")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines([
        "*- critique -*",
        "checklist · judge scripted (offline) · 2 items · pass rate 0.50 (threshold 1.00) · 2 judge calls, 0 cached",
        "  ✓  1  Does it mention a fox?",
        "  ?  2  Is it blue?",
        "       UNSCORED: scripted has no answer for question 'Is it blue?'",
    ])


def test_unscored_test_shows_its_critique_section(scripted_conftest: pytest.Pytester) -> None:
    scripted_conftest.makepyfile(test_u=UNSCORED_TESTS)
    result = scripted_conftest.runpytest("-rA")
    result.stdout.fnmatch_lines([
        "*test_unknown_question*",
        "*- critique -*",
        "  ✓  1  Does it mention a fox?",
        "  ?  2  Is it blue?",
        "       UNSCORED: scripted has no answer for question 'Is it blue?'",
    ])
