"""The ``critique`` part of the terminal summary: counts, pooled pass rate, failing items."""

from __future__ import annotations

from typing import Any

import pytest

TWO_TESTS = """
def test_a(critique):
    assert critique.checklist("a fox in autumn", items=["Does it mention a fox?", "Does it mention autumn?"]).passed

def test_b(critique):
    assert critique.checklist("a fox", items=["Does it mention a fox?", "Does it mention autumn?"]).passed
"""


def test_summary_counts_and_failing_items(scripted_conftest: pytest.Pytester, plugin_args: list[str]) -> None:
    scripted_conftest.makepyfile(test_s=TWO_TESTS)
    result = scripted_conftest.runpytest(*plugin_args)
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines([
        "*=== critique ===*",
        "judge scripted (offline) · 2 tests · 4 verdicts (0 cached) · 4 judge calls · 0 tokens",
        "pooled pass rate 3/4 = 0.750",
        "failing items (1):",
        "  test_s.py::test_b  #2 Does it mention autumn?",
        "*= short test summary info =*",
    ])
    # printed once, by the controller only
    assert result.stdout.str().count("pooled pass rate") == 1
    result.stdout.no_fnmatch_line("unscored (*")


def test_summary_counts_cached_verdicts(counting, pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_s=TWO_TESTS)
    first = pytester.runpytest()
    first.stdout.fnmatch_lines([
        "judge counting (offline) · 2 tests · 4 verdicts (0 cached) · 4 judge calls · 0 tokens",
    ])
    second = pytester.runpytest()
    second.assert_outcomes(passed=1, failed=1)
    second.stdout.fnmatch_lines([
        "judge counting (offline) · 2 tests · 4 verdicts (4 cached) · 0 judge calls · 0 tokens",
        "pooled pass rate 3/4 = 0.750",
        "failing items (1):",
        "  test_s.py::test_b  #2 Does it mention autumn?",
    ])


@pytest.mark.parametrize("body", [
    pytest.param("def test_plain():\n    pass\n", id="no-fixture"),
    pytest.param("def test_unused(critique):\n    assert critique.settings.cache == 'rw'\n", id="fixture-unused"),
])
def test_summary_is_silent_when_nothing_was_judged(scripted_conftest: pytest.Pytester, body: str) -> None:
    scripted_conftest.makepyfile(test_s=body)
    result = scripted_conftest.runpytest()
    result.assert_outcomes(passed=1)
    result.stdout.no_fnmatch_line("*=== critique ===*")
    result.stdout.no_fnmatch_line("pooled pass rate*")
    result.stdout.no_fnmatch_line("judge *")


def test_report_note_alone_when_nothing_was_judged(scripted_conftest: pytest.Pytester) -> None:
    scripted_conftest.makepyfile(test_s="def test_plain(): pass")
    result = scripted_conftest.runpytest("--critique-report=report.json")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*=== critique ===*", "critique: wrote 0 test results to *report.json"])
    result.stdout.no_fnmatch_line("judge *")
    result.stdout.no_fnmatch_line("pooled pass rate*")


def test_summary_without_any_test_run_is_silent(scripted_conftest: pytest.Pytester) -> None:
    scripted_conftest.makepyfile(test_s="def test_plain(): pass")
    result = scripted_conftest.runpytest("--collect-only")
    assert result.ret == 0
    result.stdout.no_fnmatch_line("*critique ==*")


def test_summary_lists_at_most_twenty_failing_items(scripted_conftest: pytest.Pytester) -> None:
    scripted_conftest.makepyfile(
        test_s="""
        import pytest

        @pytest.mark.parametrize("number", range(25))
        def test_many(critique, number):
            assert critique.checklist("an owl", items=["Does it mention a fox?"]).passed
        """
    )
    result = scripted_conftest.runpytest()
    result.assert_outcomes(failed=25)
    result.stdout.fnmatch_lines([
        "pooled pass rate 0/25 = 0.000",
        "failing items (25):",
        "  test_s.py::test_many[[]0]  #1 Does it mention a fox?",
        "*",
        "  ... and 5 more (--critique-report=PATH lists all)",
    ])
    listed = [line for line in result.stdout.lines if line.startswith("  test_s.py::test_many[")]
    assert len(listed) == 20


def test_summary_shows_tokens_cost_retries_and_every_judge(pytester: pytest.Pytester) -> None:
    """A model-like backend (text replies, token counts, cost) next to an offline judge."""
    pytester.makeconftest(
        """
        import pytest
        from pytest_critique import Reply, ScriptedJudge

        class Metered:
            name = "metered-model"
            offline = False
            cacheable = False

            def complete(self, call):
                return Reply(text='{"reasoning": "it does", "answer": "YES"}', prompt_tokens=1000,
                             completion_tokens=234, cost=0.0015, retries=1)

        @pytest.fixture
        def critique_backend(request):
            if "scripted" in request.node.name:
                return ScriptedJudge({"fox": lambda response: "fox" in response})
            return Metered()
        """
    )
    pytester.makepyfile(
        test_s="""
        def test_metered(critique):
            verdict = critique.checklist("a fox", items=["Does it mention a fox?", "Is it short?"])
            assert verdict.passed
            assert verdict.usage.calls == 2 and verdict.usage.retries == 2

        def test_scripted(critique):
            assert critique.checklist("a fox", items=["Does it mention a fox?"]).passed
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines([
        "judge metered-model, scripted (offline) · 2 tests · 3 verdicts (0 cached) · 3 judge calls (2 retried) · "
        "2,468 tokens · $0.0030",
        "pooled pass rate 3/3 = 1.000",
    ])
    result.stdout.no_fnmatch_line("failing items*")


UNSCORED_AND_FAILED = """
def test_unscored(critique):
    assert critique.checklist("a fox", items=["Does it mention a fox?", "Is it blue??"]).passed

def test_failed(critique):
    assert critique.checklist("a fox", items=["Does it mention autumn?"]).passed

def test_passed(critique):
    assert critique.checklist("a fox", items=["Does it mention a fox?"]).passed
"""


@pytest.mark.parametrize("flags", [(), ("-ra",), ("-rA",), ("-rf",)])
def test_unscored_tests_are_in_the_short_test_summary(pytester: pytest.Pytester, counting: Any,
                                                      flags: tuple[str, ...]) -> None:
    pytester.makepyfile(test_short=UNSCORED_AND_FAILED)
    result = pytester.runpytest("-p", "no:cacheprovider", *flags)
    result.stdout.fnmatch_lines([
        "*short test summary info*",
        "FAILED test_short.py::test_failed - critique: 1 of 1 checklist items failed",
        "UNSCORED test_short.py::test_unscored - critique: 1 of 2 checklist items unscored: item 2: *",
        "*1 failed, 1 passed, 1 unscored*",
    ])
    assert result.stdout.str().count("short test summary info") == 1


def test_an_unscored_test_alone_gets_the_short_summary_heading(pytester: pytest.Pytester, counting: Any) -> None:
    pytester.makepyfile(test_short="""
        def test_unscored(critique):
            critique.checklist("a fox", items=["Is it blue??"])
    """)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(["*short test summary info*", "UNSCORED test_short.py::test_unscored - *",
                                 "*1 unscored*"])
    quiet = pytester.runpytest("-p", "no:cacheprovider", "-rN")
    quiet.stdout.no_fnmatch_line("*short test summary info*")
    quiet.stdout.no_fnmatch_line("UNSCORED test_short.py*")


def test_q_shortens_the_critique_summary_and_qq_drops_it(pytester: pytest.Pytester, counting: Any) -> None:
    pytester.makepyfile(test_short=UNSCORED_AND_FAILED)
    full = pytester.runpytest("-p", "no:cacheprovider")
    full.stdout.fnmatch_lines(["*= critique =*", "judge counting*", "failing items (1):",
                               "  test_short.py::test_failed  #1 Does it mention autumn?"])
    quiet = pytester.runpytest("-p", "no:cacheprovider", "-q")
    quiet.stdout.fnmatch_lines(["*= critique =*", "judge counting*", "failing items (1)", "unscored (1):*"])
    quiet.stdout.no_fnmatch_line("  test_short.py::test_failed  #1*")
    very_quiet = pytester.runpytest("-p", "no:cacheprovider", "-qq")
    very_quiet.stdout.no_fnmatch_line("*= critique =*")
    very_quiet.stdout.no_fnmatch_line("judge counting*")
