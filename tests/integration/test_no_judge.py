"""No judge configured: the first judge call fails the test and says how to configure one.

The error is a CritiqueUsageError raised by the test's own checklist() call, so the test is
reported FAILED (a configuration mistake, not an UNSCORED verdict), and tests that do not
judge still pass.
"""

from __future__ import annotations

import pytest

TESTS = """
def test_items(critique):
    critique.checklist("a fox", items=["Does it mention a fox?"])

def test_instruction(critique):
    critique.checklist("a fox", instruction="Write a haiku about a fox.")

def test_not_judging(critique):
    assert critique.settings.model is None
"""

NO_JUDGE = ("critique: no judge configured. Set critique_model in your ini file, CRITIQUE_MODEL in the "
            "environment, or --critique-model (any litellm model string such as openai/gpt-4o-mini, or "
            "recorded:PATH for recorded verdicts), or override the critique_backend fixture with an offline "
            "judge such as pytest_critique.ScriptedJudge.")


def test_no_model_fails_the_judging_tests_with_a_remedy(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_nj=TESTS)
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert result.parseoutcomes() == {"failed": 2, "passed": 1}
    result.stdout.fnmatch_lines(["critique: judge=none configured *"])
    assert sum(NO_JUDGE in line for line in result.stdout.lines if line.startswith("E ")) == 2
    result.stdout.fnmatch_lines([
        "FAILED test_nj.py::test_items - pytest_critique.errors.CritiqueUsageError: critique: no judge configured.*",
        "FAILED test_nj.py::test_instruction - pytest_critique.errors.CritiqueUsageError: critique: no judge*",
    ])
    # nothing was judged, so there is nothing to summarise
    result.stdout.no_fnmatch_line("*=== critique ===*")


@pytest.mark.parametrize("how", ["ini", "env", "cli"])
def test_configuring_a_model_fixes_it(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, how: str) -> None:
    pytester.makefile(".jsonl", verdicts=(
        '{"question": "Does it mention a fox?", "response": "a fox", "verdict": "YES"}\n'
        '{"instruction": "Write a haiku about a fox.", "questions": ["Does it mention a fox?", "Is it short?"]}\n'
        '{"question": "Is it short?", "response": "a fox", "verdict": "YES"}\n'))
    pytester.makepyfile(test_nj=TESTS.replace("assert critique.settings.model is None", "pass"))
    args = []
    if how == "ini":
        pytester.makeini("[pytest]\ncritique_model = recorded:verdicts.jsonl\n")
    elif how == "env":
        monkeypatch.setenv("CRITIQUE_MODEL", "recorded:verdicts.jsonl")
    else:
        args = ["--critique-model=recorded:verdicts.jsonl"]
    result = pytester.runpytest(*args)
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(["critique: judge=recorded:verdicts.jsonl *"])


def test_scripted_is_not_a_model_string(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_nj="def test_items(critique):\n    critique.checklist('a fox', items=['Is it?'])\n")
    result = pytester.runpytest("--critique-model=scripted")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "E * critique: a scripted judge needs rules, so it cannot be named by a model string; override the "
        "critique_backend fixture with pytest_critique.ScriptedJudge(...)",
    ])


def test_missing_recorded_file_names_the_path(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_nj="def test_items(critique):\n    critique.checklist('a fox', items=['Is it?'])\n")
    result = pytester.runpytest("--critique-model=recorded:nowhere.jsonl")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([f"E * critique: cannot read recorded verdicts {pytester.path / 'nowhere.jsonl'}: *"])


def test_bad_recorded_file_names_the_line(pytester: pytest.Pytester) -> None:
    pytester.makefile(".jsonl", verdicts='{"question": "Is it?", "response": "a fox", "verdict": "YES"}\nnot json\n')
    pytester.makepyfile(test_nj="def test_items(critique):\n    critique.checklist('a fox', items=['Is it?'])\n")
    result = pytester.runpytest("--critique-model=recorded:verdicts.jsonl")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([f"E * critique: {pytester.path / 'verdicts.jsonl'}:2: not valid JSON (*)"])
