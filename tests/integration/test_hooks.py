"""The plugin's hooks: pytest_critique_make_backend and pytest_critique_verdict."""

from __future__ import annotations

import json

import pytest

HOUSE_CONFTEST = """
import json
import pathlib

from pytest_critique import OfflineJudge

HERE = pathlib.Path(__file__).parent


class HouseRules(OfflineJudge):
    name = "house-rules"

    def answer(self, *, question, response, instruction, input):
        return ("fox" in response, "house rule: foxes only")


def pytest_critique_make_backend(settings, config):
    with (HERE / "make_backend.log").open("a") as handle:
        handle.write(json.dumps({"model": settings.model, "config": config.rootpath.name}) + "\\n")
    if settings.model == "house":
        return HouseRules()
    return None


def pytest_critique_verdict(verdict, item):
    with (HERE / "verdicts.log").open("a") as handle:
        handle.write(json.dumps({"nodeid": item.nodeid, "kind": verdict.kind, "judge": verdict.judge,
                                 "passed": verdict.passed, "answers": [i.answer for i in verdict.items]}) + "\\n")
"""


def read_log(pytester: pytest.Pytester, name: str) -> list[dict]:
    path = pytester.path / name
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line]


def test_make_backend_hook_supplies_a_judge_for_a_model_name(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(HOUSE_CONFTEST)
    pytester.makepyfile(
        test_h="""
        def test_fox(critique):
            assert critique.checklist("a fox", items=["Is it on topic?"]).passed

        def test_owl(critique):
            assert critique.checklist("an owl", items=["Is it on topic?"]).passed
        """
    )
    result = pytester.runpytest("--critique-model=house")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines([
        "checklist · judge house-rules (offline) · 1 item · pass rate 0.00 *",
        "  ✗  1  Is it on topic?",
        "       house rule: foxes only",
        "judge house-rules (offline) · 2 tests · 2 verdicts (0 cached) · 2 judge calls · 0 tokens",
    ])
    # the backend is made once per model for the session, with the session's config
    assert read_log(pytester, "make_backend.log") == [{"model": "house", "config": pytester.path.name}]


def test_make_backend_hook_returning_none_falls_back_to_the_builtin_rules(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(HOUSE_CONFTEST)
    pytester.makefile(".jsonl", verdicts='{"question": "Is it on topic?", "response": "an owl", "verdict": "YES"}\n')
    pytester.makepyfile(
        test_h="""
        import pytest

        def test_recorded(critique):
            assert critique.checklist("an owl", items=["Is it on topic?"]).passed

        @pytest.mark.critique(model="house")
        def test_house(critique):
            assert critique.checklist("an owl", items=["Is it on topic?"]).passed
        """
    )
    result = pytester.runpytest("--critique-model=recorded:verdicts.jsonl")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["FAILED test_h.py::test_house - critique: 1 of 1 checklist items failed"])
    result.stdout.fnmatch_lines(["judge house-rules (offline), recorded:verdicts.jsonl@* (offline) · 2 tests *"])
    assert sorted(entry["model"] for entry in read_log(pytester, "make_backend.log")) == [
        "house", "recorded:verdicts.jsonl"]


def test_fixture_override_bypasses_the_make_backend_hook(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(HOUSE_CONFTEST + """
import pytest
from pytest_critique import ScriptedJudge

@pytest.fixture
def critique_backend():
    return ScriptedJudge(answer=lambda question, response, **context: True)
""")
    pytester.makepyfile(test_h="def test_fox(critique):\n    critique.checklist('an owl', items=['Is it ok?'])\n")
    result = pytester.runpytest("--critique-model=house")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["judge scripted (offline) · 1 test *"])
    assert read_log(pytester, "make_backend.log") == []


def test_verdict_hook_receives_every_verdict(pytester: pytest.Pytester, plugin_args: list[str]) -> None:
    pytester.makeconftest(HOUSE_CONFTEST)
    pytester.makepyfile(
        test_h="""
        def test_two(critique):
            critique.checklist("a fox", items=["Is it on topic?"])
            critique.checklist("an owl", items=["Is it on topic?", "Is it short?"])

        def test_none(critique):
            pass
        """
    )
    result = pytester.runpytest("--critique-model=house", *plugin_args)
    result.assert_outcomes(passed=2)
    assert read_log(pytester, "verdicts.log") == [
        {"nodeid": "test_h.py::test_two", "kind": "checklist", "judge": "house-rules", "passed": True,
         "answers": [True]},
        {"nodeid": "test_h.py::test_two", "kind": "checklist", "judge": "house-rules", "passed": False,
         "answers": [False, False]},
    ]


def test_verdict_hook_sees_unscored_verdicts(scripted_conftest: pytest.Pytester) -> None:
    scripted_conftest.makeconftest(
        scripted_conftest.path.joinpath("conftest.py").read_text()
        + """
def pytest_critique_verdict(verdict, item):
    print("HOOK", item.name, [i.answer for i in verdict.items], [i.error for i in verdict.unscored_items])
"""
    )
    scripted_conftest.makepyfile(
        test_h="""
        def test_u(critique):
            critique.checklist("a fox", items=["Does it mention a fox?", "Is it blue?"])
        """
    )
    result = scripted_conftest.runpytest("-s")
    assert result.parseoutcomes() == {"unscored": 1}
    result.stdout.fnmatch_lines([
        "*HOOK test_u [[]True, None] [[]\"scripted has no answer for question 'Is it blue?'\"]*",
    ])
