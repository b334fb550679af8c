"""The plugin is registered through its entry point: options in --help, the report header,
and ``-p no:critique`` turning it off."""

from __future__ import annotations

import json

import pytest

CLI_OPTIONS = [
    "--critique-model=MODEL",
    "--critique-api-base=URL",
    "--critique-cache=MODE",
    "--critique-cache-dir=DIR",
    "--critique-concurrency=N",
    "--critique-samples=K",
    "--critique-threshold=RATE",
    "--critique-timeout=SECONDS",
    "--critique-retries=N",
    "--critique-temperature=T",
    "--critique-batch",
    "--critique-report=PATH",
    "--critique-html=PATH",
    "--critique-checklists=PATH",
    "--critique-freeze",
]


def test_help_lists_every_critique_option(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--help")
    assert result.ret == 0
    result.stdout.fnmatch_lines(["LLM judges (pytest-critique):"])
    for option in CLI_OPTIONS:
        result.stdout.fnmatch_lines([f"*{option}*"])
    # the environment variable of each option is named in its help
    result.stdout.fnmatch_lines(["*(default: none; env CRITIQUE_MODEL)*"])
    # api_key is read from the environment only: never a command-line option
    assert "--critique-api-key" not in result.stdout.str()


def test_help_lists_the_ini_keys(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--help")
    for key in ("critique_model", "critique_cache", "critique_threshold", "critique_batch",
                "critique_checklists"):
        result.stdout.fnmatch_lines([f"  {key} (*"])
    # freeze is a per-run action: it has no ini key
    result.stdout.no_fnmatch_line("  critique_freeze (*")


def test_marker_is_registered(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--markers")
    result.stdout.fnmatch_lines(["@pytest.mark.critique(**settings): judge settings for this test*"])


def test_report_header_shows_the_effective_settings(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_nothing(): pass")
    result = pytester.runpytest("--critique-model=recorded:verdicts.jsonl", "--critique-samples=3",
                                "--critique-threshold=0.75", "--critique-cache=read")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines([
        "critique: judge=recorded:verdicts.jsonl cache=read cache_dir=.critique_cache samples=3 "
        "threshold=0.75 concurrency=32",
    ])


def test_report_header_without_a_model(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_nothing(): pass")
    result = pytester.runpytest()
    result.stdout.fnmatch_lines(["critique: judge=none configured cache=rw *"])


def test_no_critique_disables_the_plugin(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_judged(critique):
            pass

        def test_plain():
            pass
        """
    )
    result = pytester.runpytest("-p", "no:critique")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*fixture 'critique' not found*"])
    result.stdout.no_fnmatch_line("critique: judge=*")


def test_no_critique_rejects_its_options(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_plain(): pass")
    result = pytester.runpytest("-p", "no:critique", "--critique-model=x")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*unrecognized arguments: --critique-model=x*"])


def test_plugin_costs_nothing_when_no_test_judges(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_plain(): pass")
    result = pytester.runpytest()
    result.assert_outcomes(passed=1)
    # no critique heading in the terminal summary, and no cache directory
    result.stdout.no_fnmatch_line("*= critique =*")
    assert not (pytester.path / ".critique_cache").exists()


def test_report_header_says_how_answers_are_asked_of_each_model(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_nothing(): pass")
    result = pytester.runpytest("--critique-model=openai/gpt-4o-mini,openai/loopback-judge")
    result.stdout.fnmatch_lines(["critique: structured output: openai/gpt-4o-mini schema (auto), "
                                 "openai/loopback-judge JSON mode where its provider has it, else the prompt alone "
                                 "(auto)"])
    result = pytester.runpytest("--critique-model=openai/gpt-4o-mini", "--critique-structured-output=off")
    result.stdout.fnmatch_lines(["critique: structured output: openai/gpt-4o-mini off (the prompt alone)"])
    result = pytester.runpytest("--critique-model=recorded:x.jsonl")
    result.stdout.no_fnmatch_line("*structured output*")


def test_help_states_each_options_default_and_environment_variable(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--help")
    text = " ".join(result.stdout.str().split())
    assert "(default: 32; env CRITIQUE_CONCURRENCY)" in text
    assert "(default: 60; env CRITIQUE_TIMEOUT)" in text
    assert "one call (env CRITIQUE_BATCH=1)" in text
    assert "relative to the directory pytest runs in (default: none; env CRITIQUE_REPORT)" in text
    assert "rw (default), read, refresh, off (env CRITIQUE_CACHE)" in text  # said once when the help says it


def test_fixtures_are_listed_with_their_docs(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--fixtures")
    result.stdout.fnmatch_lines(["critique -- *", "*Critic* bound to this test*"])
    result.stdout.fnmatch_lines(["critique_backend -- *", "*judge backend for tests in scope*"])


CONFTEST = """
import pytest
from pytest_critique import ScriptedJudge


@pytest.fixture
def critique_backend():
    return ScriptedJudge({"fox": lambda response: "fox" in response})


@pytest.fixture
def judged(critique):
    return critique.checklist("a fox", items=["Does it mention a fox?"])
"""

INNER = """
def test_inner(critique):
    assert critique.checklist("a dog", items=["Does it mention a fox?"]).passed
"""


def test_the_critic_is_bound_to_the_test_that_asks_for_it(pytester: pytest.Pytester) -> None:
    # Asked for in a test's body, in another fixture, and after a whole pytest run nested in a test:
    # each critic reports on its own test.
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_outer=f'''
CONFTEST = {CONFTEST!r}
INNER = {INNER!r}


def test_in_the_body(request):
    critic = request.getfixturevalue("critique")
    assert critic.checklist("a fox", items=["Does it mention a fox?"]).passed


def test_through_a_fixture(judged):
    assert judged.passed


def test_after_a_nested_run(request, pytester):
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_inner=INNER)
    pytester.runpytest_inprocess("-p", "no:cacheprovider").assert_outcomes(failed=1)
    critic = request.getfixturevalue("critique")
    assert critic.checklist("a fox", items=["Does it mention a fox?"]).passed
''')
    result = pytester.runpytest("-p", "pytester", "-p", "no:cacheprovider", "--critique-report=report.json")
    result.assert_outcomes(passed=3)
    tests = json.loads((pytester.path / "report.json").read_text(encoding="utf-8"))["tests"]
    # each test's own verdict is on its own report; the nested run's failing verdict stays in its own run
    assert sorted((test["nodeid"], [verdict["passed"] for verdict in test["verdicts"]]) for test in tests) == [
        ("test_outer.py::test_after_a_nested_run", [True]),
        ("test_outer.py::test_in_the_body", [True]),
        ("test_outer.py::test_through_a_fixture", [True]),
    ]


def test_each_test_gets_the_critique_backend_in_its_scope(pytester: pytest.Pytester) -> None:
    # The critic asks pytest for critique_backend only where something overrides the plugin's default:
    # a class, a module, a test's own parametrization or a conftest in a sub-directory each still give
    # their backend to their tests, a yield fixture's teardown still runs after the test, and tests with
    # no override judge with the configured model (here none: their judging is a usage error).
    pytester.makepyfile(test_default="""
def test_no_override(critique):
    assert critique.backend is None
""")
    pytester.makepyfile(test_overrides="""
import pytest
from pytest_critique import ScriptedJudge

ORDER = []


class TestWithItsOwn:
    @pytest.fixture
    def critique_backend(self):
        ORDER.append("set up")
        yield ScriptedJudge({"class": lambda response: True}, name="class-judge")
        ORDER.append("torn down")

    def test_class(self, critique):
        assert critique.backend.name == "class-judge"
        assert critique.checklist("x", items=["class"]).passed
        ORDER.append("test")


class TestWithout:
    def test_plain(self, critique):
        assert critique.backend is None


@pytest.mark.parametrize("critique_backend", [ScriptedJudge({"p": lambda response: False}, name="param-judge")])
def test_parametrized(critique, critique_backend):
    assert critique.backend is critique_backend
    assert not critique.checklist("x", items=["p"]).passed


def test_order_after_the_class():
    assert ORDER == ["set up", "test", "torn down"]
""")
    sub = pytester.mkpydir("sub")
    (sub / "conftest.py").write_text("""
import pytest
from pytest_critique import ScriptedJudge


@pytest.fixture
def critique_backend():
    return ScriptedJudge({"sub": lambda response: True}, name="sub-judge")
""", encoding="utf-8")
    (sub / "test_sub.py").write_text("""
def test_sub(critique):
    assert critique.backend.name == "sub-judge"
    assert critique.checklist("x", items=["sub"]).passed
""", encoding="utf-8")
    result = pytester.runpytest("-p", "no:cacheprovider", "-p", "no:randomly", "--setup-show")
    result.assert_outcomes(passed=6)
    # set up (before critique, torn down after it) where overridden: the class's, the parametrized and
    # the sub-directory's; not where the plugin's default would give None
    lines = [" ".join(line.split()) for line in result.stdout.lines]
    assert sum(line.startswith("SETUP F critique_backend") for line in lines) == 3, result.stdout.str()
    for test in ("sub/test_sub.py::test_sub", "test_overrides.py::TestWithItsOwn::test_class"):
        at = next(index for index, line in enumerate(lines) if line.startswith(test))
        assert lines[at - 2:at] == ["SETUP F critique_backend", "SETUP F critique"], lines[at - 2:at]
        assert lines[at + 1:at + 3] == ["TEARDOWN F critique", "TEARDOWN F critique_backend"], lines[at + 1:at + 3]
