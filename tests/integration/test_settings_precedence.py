"""Settings precedence, observed from a test session: marker > CLI > env > ini > default.

The test under test judges a response that meets one of two checklist items (pass rate 0.5
with the scripted judge of ``scripted_conftest``), so it passes with threshold 0.5 and fails
with threshold 1.0; it also prints the settings its ``critique`` fixture resolved.
"""

from __future__ import annotations

import pytest

HALF_TEST = """
import pytest
{decorator}
def test_half(critique):
    s = critique.settings
    print(f"EFFECTIVE threshold={{s.threshold:g}} samples={{s.samples}} cache={{s.cache}} "
          f"batch={{s.batch}} concurrency={{s.concurrency}} timeout={{s.timeout:g}} "
          f"retries={{s.retries}} model={{s.model}} cache_dir={{s.cache_dir}}")
    verdict = critique.checklist("a red fox", items=["Does it mention a fox?", "Does it mention autumn?"])
    assert verdict.pass_rate == 0.5
    assert verdict.passed
"""


def write_half_test(pytester: pytest.Pytester, marker: str | None = None) -> None:
    decorator = f"@pytest.mark.critique({marker})" if marker else ""
    pytester.makepyfile(test_half=HALF_TEST.format(decorator=decorator))


@pytest.mark.parametrize(
    ("ini", "env", "cli", "marker", "threshold"),
    [
        pytest.param(None, None, None, None, "1", id="default"),
        pytest.param("0.5", None, None, None, "0.5", id="ini"),
        pytest.param("1.0", "0.5", None, None, "0.5", id="env-over-ini"),
        pytest.param("0.5", "1.0", None, None, "1", id="env-over-ini-strict"),
        pytest.param("1.0", "1.0", "0.5", None, "0.5", id="cli-over-env"),
        pytest.param("0.5", "0.5", "1.0", None, "1", id="cli-over-env-strict"),
        pytest.param("1.0", "1.0", "1.0", "threshold=0.5", "0.5", id="marker-over-cli"),
        pytest.param("0.5", "0.5", "0.5", "threshold=1.0", "1", id="marker-over-cli-strict"),
    ],
)
def test_threshold_precedence(scripted_conftest: pytest.Pytester, monkeypatch: pytest.MonkeyPatch,
                              ini: str | None, env: str | None, cli: str | None, marker: str | None,
                              threshold: str) -> None:
    pytester = scripted_conftest
    if ini is not None:
        pytester.makeini(f"[pytest]\ncritique_threshold = {ini}\n")
    if env is not None:
        monkeypatch.setenv("CRITIQUE_THRESHOLD", env)
    args = ["-s"] + ([f"--critique-threshold={cli}"] if cli is not None else [])
    write_half_test(pytester, marker)
    result = pytester.runpytest(*args)
    result.stdout.fnmatch_lines([f"*EFFECTIVE threshold={threshold} *"])
    if threshold == "0.5":
        result.assert_outcomes(passed=1)
        assert result.ret == 0
    else:
        result.assert_outcomes(failed=1)
        assert result.ret == 1
        result.stdout.fnmatch_lines(["FAILED test_half.py::test_half - critique: 1 of 2 checklist items failed"])


def test_checklist_keyword_beats_the_marker(scripted_conftest: pytest.Pytester) -> None:
    scripted_conftest.makepyfile(
        """
        import pytest

        @pytest.mark.critique(threshold=1.0)
        def test_half(critique):
            verdict = critique.checklist("a fox", items=["Does it mention a fox?", "Does it mention autumn?"],
                                         threshold=0.5)
            assert verdict.threshold == 0.5
            assert verdict.passed
        """
    )
    scripted_conftest.runpytest("--critique-threshold=1.0").assert_outcomes(passed=1)


def test_every_source_sets_every_kind_of_value(scripted_conftest: pytest.Pytester,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Ints, floats, strings and flags each come from a different layer."""
    pytester = scripted_conftest
    pytester.makeini(
        """
        [pytest]
        critique_concurrency = 3
        critique_timeout = 12.5
        critique_cache_dir = from_ini
        """
    )
    monkeypatch.setenv("CRITIQUE_SAMPLES", "3")
    monkeypatch.setenv("CRITIQUE_BATCH", "yes")
    monkeypatch.setenv("CRITIQUE_RETRIES", "7")
    write_half_test(pytester, "threshold=0.5")
    result = pytester.runpytest("-s", "--critique-cache=off", "--critique-retries=0",
                                "--critique-model=recorded:none.jsonl")
    result.stdout.fnmatch_lines([
        "*EFFECTIVE threshold=0.5 samples=3 cache=off batch=True concurrency=3 timeout=12.5 retries=0 "
        "model=recorded:none.jsonl cache_dir=from_ini",
    ])
    result.assert_outcomes(passed=1)


def test_pyproject_ini_options_are_read(scripted_conftest: pytest.Pytester) -> None:
    scripted_conftest.makepyprojecttoml(
        """
        [tool.pytest.ini_options]
        critique_threshold = 0.5
        critique_samples = 3
        critique_batch = true
        """
    )
    write_half_test(scripted_conftest)
    result = scripted_conftest.runpytest("-s")
    result.stdout.fnmatch_lines(["*EFFECTIVE threshold=0.5 samples=3 cache=rw batch=True *"])
    result.assert_outcomes(passed=1)


def test_native_toml_numbers_are_accepted(scripted_conftest: pytest.Pytester) -> None:
    scripted_conftest.makepyprojecttoml(
        """
        [tool.pytest]
        critique_threshold = 0.5
        critique_samples = 3
        critique_batch = true
        """
    )
    write_half_test(scripted_conftest)
    result = scripted_conftest.runpytest("-s")
    result.stdout.fnmatch_lines(["*EFFECTIVE threshold=0.5 samples=3 cache=rw batch=True *"])
    result.assert_outcomes(passed=1)


def test_closest_marker_wins_and_markers_merge(scripted_conftest: pytest.Pytester) -> None:
    scripted_conftest.makepyfile(
        """
        import pytest

        pytestmark = pytest.mark.critique(threshold=1.0, samples=2)

        @pytest.mark.critique(cache="off")
        class TestGroup:
            @pytest.mark.critique(threshold=0.5)
            def test_inner(self, critique):
                s = critique.settings
                print(f"EFFECTIVE threshold={s.threshold:g} samples={s.samples} cache={s.cache}")

        def test_module_level(critique):
            s = critique.settings
            print(f"EFFECTIVE threshold={s.threshold:g} samples={s.samples} cache={s.cache}")
        """
    )
    result = scripted_conftest.runpytest("-s", "-v", "--critique-samples=5")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines([
        "*test_inner EFFECTIVE threshold=0.5 samples=2 cache=off*",
        "*test_module_level EFFECTIVE threshold=1 samples=2 cache=rw*",
    ])


def test_marker_settings_change_the_judging(scripted_conftest: pytest.Pytester) -> None:
    """A marker is not only visible in critique.settings: the verdict uses it."""
    scripted_conftest.makepyfile(
        """
        import pytest

        @pytest.mark.critique(samples=3, batch=True)
        def test_marked(critique):
            verdict = critique.checklist("a fox", items=["Does it mention a fox?"])
            assert verdict.samples == 3
            assert verdict.batch is True
            assert len(verdict.items[0].votes) == 3
            assert verdict.usage.calls == 3  # one batched call per sample

        def test_unmarked(critique):
            verdict = critique.checklist("a fox", items=["Does it mention a fox?"])
            assert (verdict.samples, verdict.batch, verdict.usage.calls) == (1, False, 1)
        """
    )
    scripted_conftest.runpytest().assert_outcomes(passed=2)
