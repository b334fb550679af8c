"""Bad settings: a usage error (exit 4) naming the option and the allowed values for the
command line, environment and ini file; a setup error for a bad marker; a failure for a bad
keyword argument of checklist()."""

from __future__ import annotations

import pytest

BAD_VALUES = [
    pytest.param("cache", "bogus", "expected one of rw, read, refresh, off", id="cache-bogus"),
    pytest.param("threshold", "1.5", "expected a number between 0 and 1", id="threshold-1.5"),
    pytest.param("threshold", "-0.1", "expected a number between 0 and 1", id="threshold-negative"),
    pytest.param("concurrency", "0", "expected a number >= 1", id="concurrency-0"),
    pytest.param("concurrency", "-1", "expected a number >= 1", id="concurrency-minus-1"),
    pytest.param("samples", "abc", "expected a whole number", id="samples-abc"),
    pytest.param("samples", "2.5", "expected a whole number", id="samples-2.5"),
    pytest.param("timeout", "0", "expected a number > 0", id="timeout-0"),
    pytest.param("retries", "-1", "expected a number >= 0", id="retries-minus-1"),
    pytest.param("temperature", "3", "expected a number between 0 and 2", id="temperature-3"),
    pytest.param("batch", "maybe", "expected true or false", id="batch-maybe"),
]


def run_with_bad_value(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, source: str,
                       name: str, value: str) -> pytest.RunResult:
    pytester.makepyfile("def test_plain(): pass")
    if source == "cli":
        return pytester.runpytest(f"--critique-{name}={value}")
    if source == "env":
        monkeypatch.setenv(f"CRITIQUE_{name.upper()}", value)
    else:
        pytester.makeini(f"[pytest]\ncritique_{name} = {value}\n")
    return pytester.runpytest()


@pytest.mark.parametrize(
    ("source", "name", "value", "expected"),
    [pytest.param(source, *case.values, id=f"{source}-{case.id}")
     for source in ("cli", "env", "ini") for case in BAD_VALUES
     if not (source == "cli" and case.values[0] == "batch")],  # --critique-batch is a flag
)
def test_bad_value_is_a_usage_error(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch,
                                    source: str, name: str, value: str, expected: str) -> None:
    result = run_with_bad_value(pytester, monkeypatch, source, name, value)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    where = {
        "cli": f"--critique-{name}",
        "env": f"environment variable CRITIQUE_{name.upper()}",
        "ini": f"ini option critique_{name}",
    }[source]
    result.stderr.fnmatch_lines([
        f"ERROR: critique: invalid value '{value}' for {where} (setting '{name}'): {expected}",
    ])
    # nothing ran
    result.stdout.no_fnmatch_line("*passed*")


def test_a_higher_layer_hides_a_bad_lower_one(pytester: pytest.Pytester,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the value in effect is read: a good CLI value wins over a bad environment value."""
    monkeypatch.setenv("CRITIQUE_CACHE", "bogus")
    pytester.makepyfile("def test_plain(): pass")
    result = pytester.runpytest("--critique-cache=off")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["critique: judge=none configured cache=off *"])


def test_empty_environment_value_means_unset(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRITIQUE_SAMPLES", "")
    pytester.makeini("[pytest]\ncritique_samples = 4\n")
    pytester.makepyfile("def test_plain(): pass")
    result = pytester.runpytest()
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["critique: judge=none configured * samples=4 *"])


@pytest.mark.parametrize(
    ("marker", "message"),
    [
        pytest.param("samples='abc'",
                     "*critique: invalid value 'abc' for @pytest.mark.critique setting 'samples': "
                     "expected a whole number*", id="samples-abc"),
        pytest.param("threshold=1.5",
                     "*critique: invalid value 1.5 for @pytest.mark.critique setting 'threshold': "
                     "expected a number between 0 and 1*", id="threshold-1.5"),
        pytest.param("cache='bogus'",
                     "*critique: invalid value 'bogus' for @pytest.mark.critique setting 'cache': "
                     "expected one of rw, read, refresh, off*", id="cache-bogus"),
        pytest.param("concurrency=0", "*expected a number >= 1*", id="concurrency-0"),
        pytest.param("colour='red'",
                     "*critique: @pytest.mark.critique got an unknown setting 'colour'; allowed: model, "
                     "api_base, cache, concurrency, samples, threshold, timeout, retries, max_retry_wait, "
                     "max_reply_bytes, temperature, batch*",
                     id="unknown-key"),
        pytest.param("cache_dir='elsewhere'",
                     "*@pytest.mark.critique got an unknown setting 'cache_dir'*", id="session-only-key"),
        pytest.param("3", "*the critique marker takes keyword arguments only*got (3,)*", id="positional"),
    ],
)
def test_bad_marker_errors_at_setup(scripted_conftest: pytest.Pytester, marker: str, message: str) -> None:
    scripted_conftest.makepyfile(
        f"""
        import pytest

        @pytest.mark.critique({marker})
        def test_marked(critique):
            critique.checklist("a fox", items=["Does it mention a fox?"])

        def test_unmarked(critique):
            critique.checklist("a fox", items=["Does it mention a fox?"])
        """
    )
    result = scripted_conftest.runpytest()
    result.assert_outcomes(passed=1, errors=1)
    assert result.ret == 1
    result.stdout.fnmatch_lines(["*ERROR at setup of test_marked*", "E *CritiqueUsageError: " + message])


def test_bad_checklist_keyword_fails_the_test(scripted_conftest: pytest.Pytester) -> None:
    scripted_conftest.makepyfile(
        """
        def test_bad_threshold(critique):
            critique.checklist("a fox", items=["Does it mention a fox?"], threshold=2)

        def test_unknown_keyword(critique):
            critique.checklist("a fox", items=["Does it mention a fox?"], colour="red")

        def test_no_questions(critique):
            critique.checklist("a fox", items=[])

        def test_neither_items_nor_instruction(critique):
            critique.checklist("a fox")
        """
    )
    result = scripted_conftest.runpytest()
    result.assert_outcomes(failed=4)
    result.stdout.fnmatch_lines_random([
        "E * critique: invalid value 2 for checklist() setting 'threshold': expected a number between 0 and 1",
        "E * critique: checklist() got an unknown setting 'colour'; allowed: *",
        "E * critique: items is empty; give at least one YES/NO question",
        "E * critique: checklist() needs instruction=... (to generate a checklist) or items=*(the questions to judge)",
    ])


def test_a_bad_keyword_fails_with_the_usage_error_alone(pytester: pytest.Pytester) -> None:
    """No traceback through the plugin's internals: the test's line and the error, for a plain call and for
    an expectation."""
    pytester.makeconftest("""
        import pytest
        from pytest_critique import ScriptedJudge

        @pytest.fixture
        def critique_backend():
            return ScriptedJudge({"x": lambda response: True})
    """)
    pytester.makepyfile(test_kw="""
        def test_call(critique):
            critique.checklist("x", items=["Is it x?"], colour="red")

        def test_expect(critique):
            critique.expect.checklist("x", items=["Is it x?"], colour="red")
    """)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(["E       pytest_critique.errors.CritiqueUsageError: critique: checklist() got an "
                                 "unknown setting 'colour'; allowed: model, *", "test_kw.py:2: CritiqueUsageError"])
    assert "pytest_critique/" not in result.stdout.str().replace("pytest_critique.errors", "")
