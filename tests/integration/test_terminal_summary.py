"""The ``critique`` part of the terminal summary: counts, pooled pass rate, failing items."""

from __future__ import annotations

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
