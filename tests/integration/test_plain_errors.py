"""Usage errors speak the plugin's words, never pydantic's ("Input should be a valid string")."""

from __future__ import annotations

import pytest

TESTS = """
def test_rubric_with_a_number_for_criteria(critique):
    critique.rubric("x", rubric={"criteria": 3, "scores": {1: "a", 2: "b", 3: "c", 4: "d", 5: "e"},
                                 "colour": "blue"})
"""


def test_a_bad_rubric_is_described_plainly(scripted_conftest: pytest.Pytester) -> None:
    scripted_conftest.makepyfile(test_e=TESTS)
    result = scripted_conftest.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*CritiqueUsageError: critique: invalid rubric: criteria: must be text; "
                                 "colour: is not a known field"])
    out = result.stdout.str()
    assert "Input should" not in out and "pydantic" not in out.lower() and "errors.pydantic.dev" not in out
