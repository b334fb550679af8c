"""With pytest-rerunfailures (``--reruns``, ``@pytest.mark.flaky``): the last attempt's verdicts are the
test's, and every attempt's judge calls are counted."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import read_json

pytest.importorskip("pytest_rerunfailures")

FLAKY_JUDGE = '''
import pathlib
import pytest
from pytest_critique import ScriptedJudge


class SecondThoughts(ScriptedJudge):
    """Answers NO twice, then YES: an app that gets it right on its third attempt."""

    def answer(self, *, question, response, instruction=None, input=None):
        counter = pathlib.Path(__file__).parent / "attempts.txt"
        attempt = int(counter.read_text()) if counter.exists() else 0
        counter.write_text(str(attempt + 1))
        return attempt >= 2, f"attempt {attempt + 1}"


@pytest.fixture(scope="session")
def critique_backend():
    return SecondThoughts()
'''


@pytest.mark.parametrize("check", [
    'assert critique.checklist("a reply", items=["Is it right?"]).passed',
    'critique.expect.checklist("a reply", items=["Is it right?"])',
])
def test_the_last_attempt_is_reported_and_every_attempt_counted(pytester: pytest.Pytester, check: str) -> None:
    pytester.makeconftest(FLAKY_JUDGE)
    pytester.makepyfile(test_flaky=f"""
        import pytest

        @pytest.mark.flaky(reruns=3)
        def test_flaky(critique):
            {check}
    """)
    result = pytester.runpytest("-p", "no:cacheprovider", "-rA", "--critique-report=report.json")
    assert {name: count for name, count in result.parseoutcomes().items() if "warning" not in name} == {
        "passed": 1, "rerun": 2}
    result.stdout.fnmatch_lines([
        "*_ test_flaky _*", "*- critique -*", "checklist · * · 1 item · pass rate 1.00*", "  ✓  1  Is it right?",
        "*= critique =*", "judge scripted (offline) · 1 test · 1 verdict (0 cached) · 3 judge calls · 0 tokens",
        "pooled pass rate 1/1 = 1.000",
    ])
    result.stdout.no_fnmatch_line("failing items*")
    report = read_json(pytester.path / "report.json")
    assert [test["outcome"] for test in report["tests"]] == ["rerun", "rerun", "passed"]
    assert (report["totals"]["tests"], report["totals"]["usage"]["calls"]) == (1, 3)
    assert report["tests"][-1]["verdicts"][0]["items"][0]["reason"] == "attempt 3"


def test_a_baseline_compares_the_last_attempt(pytester: pytest.Pytester, counting: Any) -> None:
    pytester.makepyfile(test_fox="""
        def test_fox(critique):
            assert critique.checklist("a fox", items=["Does it mention a fox?"]).passed
    """)
    pytester.runpytest("-p", "no:cacheprovider", "--critique-report=main.json").assert_outcomes(passed=1)
    result = pytester.runpytest("-p", "no:cacheprovider", "--reruns=2", "--critique-baseline=main.json")
    result.stdout.fnmatch_lines(["baseline main.json: 0 regressions, 0 improvements, 0 new, 0 removed, 1 unchanged"])
