"""A run pays only for what it uses: the plugin loads in every pytest run of an environment that has it, so
a run that judges nothing loads no judge kind and no pydantic (not even for its end-of-run summary), and a
checklist run loads no other kind unless a JSON report names them all."""

from __future__ import annotations

import json

import pytest

RECORDER = """
import json, sys
import pytest

@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config):
    kinds = sorted(name.rsplit(".", 1)[1] for name in sys.modules
                   if name.startswith("pytest_critique.judges.") and name.count(".") == 2
                   and name.rsplit(".", 1)[1] not in ("kind", "context", "votes"))
    with open("loaded.json", "w") as handle:
        json.dump({"kinds": kinds, "pydantic": "pydantic" in sys.modules}, handle)
"""

SCRIPTED = """
@pytest.fixture
def critique_backend():
    from pytest_critique import ScriptedJudge
    return ScriptedJudge({"fox": lambda response: "fox" in response})
"""


def loaded(pytester: pytest.Pytester, *args: str) -> dict[str, object]:
    pytester.runpytest_subprocess("-p", "no:cacheprovider", *args)
    return dict(json.loads((pytester.path / "loaded.json").read_text(encoding="utf-8")))


def test_a_run_that_judges_nothing_loads_no_judge_kind_and_no_pydantic(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(RECORDER)
    pytester.makepyfile(test_plain="def test_nothing_judged():\n    assert True\n")
    assert loaded(pytester) == {"kinds": [], "pydantic": False}


def test_a_checklist_run_loads_the_checklist_kind_alone(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(RECORDER + SCRIPTED)
    pytester.makepyfile(test_checklist="""
def test_judged(critique):
    assert critique.checklist("a fox", items=["Does it mention a fox?"]).passed
""")
    assert loaded(pytester) == {"kinds": ["checklist"], "pydantic": True}
    # the JSON report's totals name every kind, so writing one loads them all
    kinds = loaded(pytester, "--critique-report=report.json")["kinds"]
    assert {"grounding", "steps", "checkeval", "checklist"} <= set(kinds)  # type: ignore[arg-type]
    assert "grounding" in json.loads((pytester.path / "report.json").read_text(encoding="utf-8"))["totals"]
