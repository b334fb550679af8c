"""The verdict cache seen from pytest runs: modes rw/read/refresh/off, its directory, and
which changes re-judge.  The counting judge (see conftest.py) logs every backend call."""

from __future__ import annotations

import pytest

FOX_TEST = """
def test_fox(critique):
    verdict = critique.checklist("a fox in autumn", items=["Does it mention a fox?", "Does it mention autumn?"])
    print("CACHED", [item.cached for item in verdict.items], "CALLS", verdict.usage.calls,
          "ANSWERS", [item.answer for item in verdict.items])
    assert verdict.passed
"""


def test_rw_writes_then_serves_everything_from_the_cache(counting, pytester: pytest.Pytester,
                                                         plugin_args: list[str]) -> None:
    pytester.makepyfile(test_fox=FOX_TEST)
    first = pytester.runpytest("-rA", *plugin_args)
    first.assert_outcomes(passed=1)
    assert len(counting.calls()) == 2
    first.stdout.fnmatch_lines(["checklist · judge counting (offline) · 2 items · * · 2 judge calls, 0 cached"])
    assert (pytester.path / ".critique_cache").is_dir()

    second = pytester.runpytest("-rA", *plugin_args)
    second.assert_outcomes(passed=1)
    assert len(counting.calls()) == 2  # no new call
    second.stdout.fnmatch_lines([
        "checklist · judge counting (offline) · 2 items · * · 0 judge calls, 2 cached",
        "judge counting (offline) · 1 test · 2 verdicts (2 cached) · 0 judge calls · 0 tokens",
    ])


def test_read_with_an_empty_cache_is_unscored_and_says_how_to_record(counting, pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_fox=FOX_TEST)
    result = pytester.runpytest("--critique-cache=read")
    assert result.ret == 1
    assert result.parseoutcomes() == {"unscored": 1}
    assert counting.calls() == []
    result.stdout.fnmatch_lines([
        "unscored (1): *",
        "  test_fox.py::test_fox  critique: 2 of 2 checklist items unscored: item 1: no cached verdict for question "
        "'Does it*--critique-cache=rw and a judge model configured.",
        "hint: cache mode 'read' found no verdict for some questions; record them with --critique-cache=rw and a "
        "judge model, then commit or share the cache",
    ])


def test_read_miss_message_names_the_question_and_the_remedy(counting, pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_fox="""
        from pytest_critique import UnscoredError

        def test_fox(critique):
            try:
                critique.checklist("a fox", items=["Does it mention a fox?"])
            except UnscoredError as error:
                print("ERROR", error.verdict.items[0].error)
        """
    )
    result = pytester.runpytest("-s", "--critique-cache=read")
    result.assert_outcomes(passed=1)
    cache_dir = pytester.path / ".critique_cache"
    result.stdout.fnmatch_lines([
        f"*ERROR no cached verdict for question 'Does it mention a fox?' in {cache_dir} (cache mode 'read' makes "
        "no judge calls; key *). Record it by running once with --critique-cache=rw and a judge model configured.",
    ])


def test_read_with_a_warm_cache_passes_without_calls(counting, pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_fox=FOX_TEST)
    pytester.runpytest().assert_outcomes(passed=1)
    counting.reset()
    result = pytester.runpytest("-s", "--critique-cache=read")
    result.assert_outcomes(passed=1)
    assert counting.calls() == []
    result.stdout.fnmatch_lines(["*CACHED [[]True, True] CALLS 0 ANSWERS [[]True, True]*"])
    result.stdout.no_fnmatch_line("hint: *")


def test_refresh_calls_again_and_overwrites(counting, pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_fox=FOX_TEST)
    pytester.runpytest().assert_outcomes(passed=1)
    assert len(counting.calls()) == 2

    counting.set_answers({"Does it mention autumn?": False})  # the judge changed its mind
    stale = pytester.runpytest("-s")
    stale.assert_outcomes(passed=1)  # rw still serves the old verdicts
    assert len(counting.calls()) == 2

    refreshed = pytester.runpytest("-s", "--critique-cache=refresh")
    refreshed.assert_outcomes(failed=1)
    assert len(counting.calls()) == 4
    refreshed.stdout.fnmatch_lines(["*CACHED [[]False, False] CALLS 2 ANSWERS [[]True, False]*"])

    replay = pytester.runpytest("-s", "--critique-cache=read")
    replay.assert_outcomes(failed=1)
    assert len(counting.calls()) == 4
    replay.stdout.fnmatch_lines(["*CACHED [[]True, True] CALLS 0 ANSWERS [[]True, False]*"])


def test_off_never_reads_nor_writes(counting, pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_fox=FOX_TEST)
    pytester.runpytest("--critique-cache=off").assert_outcomes(passed=1)
    pytester.runpytest("--critique-cache=off").assert_outcomes(passed=1)
    assert len(counting.calls()) == 4
    assert not (pytester.path / ".critique_cache").exists()
    result = pytester.runpytest("--critique-cache=read")
    assert result.parseoutcomes() == {"unscored": 1}


def test_off_ignores_a_warm_cache(counting, pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_fox=FOX_TEST)
    pytester.runpytest().assert_outcomes(passed=1)
    result = pytester.runpytest("-s", "--critique-cache=off")
    result.assert_outcomes(passed=1)
    assert len(counting.calls()) == 4
    result.stdout.fnmatch_lines(["*CACHED [[]False, False] CALLS 2*"])


def test_marker_sets_the_cache_mode_of_one_test(counting, pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_fox="""
        import pytest

        @pytest.mark.critique(cache="off")
        def test_uncached(critique):
            assert critique.checklist("a fox", items=["Does it mention a fox?"]).passed

        def test_cached(critique):
            assert critique.checklist("an autumn fox", items=["Does it mention autumn?"]).passed
        """
    )
    pytester.runpytest().assert_outcomes(passed=2)
    pytester.runpytest().assert_outcomes(passed=2)
    asked = [call["question"] for call in counting.calls()]
    assert sorted(asked) == ["Does it mention a fox?", "Does it mention a fox?", "Does it mention autumn?"]


def test_cache_dir_option_relocates_the_cache(counting, pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_fox=FOX_TEST)
    pytester.runpytest("--critique-cache-dir=caches/verdicts").assert_outcomes(passed=1)
    cache = pytester.path / "caches" / "verdicts"
    assert cache.is_dir()
    assert not (pytester.path / ".critique_cache").exists()
    gitignore = (cache / ".gitignore").read_text(encoding="utf-8")
    assert gitignore.splitlines()[-1] == "*"

    pytester.runpytest("--critique-cache-dir=caches/verdicts").assert_outcomes(passed=1)
    assert len(counting.calls()) == 2  # the relocated cache served the second run
    pytester.runpytest("--critique-cache-dir=caches/other").assert_outcomes(passed=1)
    assert len(counting.calls()) == 4  # a different directory is a different cache


def test_default_cache_dir_is_relative_to_the_rootdir(counting, pytester: pytest.Pytester,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    pytester.makeini("[pytest]\n")
    sub = pytester.mkpydir("sub")
    sub.joinpath("test_fox.py").write_text(FOX_TEST, encoding="utf-8")
    monkeypatch.chdir(sub)
    pytester.runpytest("test_fox.py").assert_outcomes(passed=1)
    assert (pytester.path / ".critique_cache" / ".gitignore").is_file()
    assert not (sub / ".critique_cache").exists()


def test_cache_dir_from_the_environment_and_absolute(counting, pytester: pytest.Pytester,
                                                     monkeypatch: pytest.MonkeyPatch,
                                                     tmp_path_factory: pytest.TempPathFactory) -> None:
    elsewhere = tmp_path_factory.mktemp("shared") / "verdicts"
    monkeypatch.setenv("CRITIQUE_CACHE_DIR", str(elsewhere))
    pytester.makepyfile(test_fox=FOX_TEST)
    pytester.runpytest().assert_outcomes(passed=1)
    assert (elsewhere / ".gitignore").is_file()
    assert not (pytester.path / ".critique_cache").exists()


def test_editing_one_question_rejudges_only_that_question(counting, pytester: pytest.Pytester) -> None:
    test_file = """
def test_fox(critique):
    assert critique.checklist("a fox in autumn", items={items!r}).passed
"""
    pytester.makepyfile(test_fox=test_file.format(
        items=["Does it mention a fox?", "Does it mention autumn?", "Is it about a fox?"]))
    pytester.runpytest().assert_outcomes(passed=1)
    assert len(counting.calls()) == 3
    counting.reset()
    pytester.makepyfile(test_fox=test_file.format(
        items=["Does it mention a fox?", "Does it speak of autumn?", "Is it about a fox?"]))
    pytester.runpytest().assert_outcomes(passed=1)
    assert [call["question"] for call in counting.calls()] == ["Does it speak of autumn?"]


def test_response_and_sampling_changes_rejudge_but_timeouts_do_not(counting, pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_fox=FOX_TEST)
    pytester.runpytest().assert_outcomes(passed=1)
    assert len(counting.calls()) == 2
    # transport settings are not part of the key
    pytester.runpytest("--critique-timeout=5", "--critique-retries=0", "--critique-concurrency=1").assert_outcomes(
        passed=1)
    assert len(counting.calls()) == 2
    # the temperature is
    pytester.runpytest("--critique-temperature=0.3").assert_outcomes(passed=1)
    assert len(counting.calls()) == 4
    # and so is the response
    pytester.makepyfile(test_fox=FOX_TEST.replace("a fox in autumn", "a fox in late autumn"))
    pytester.runpytest().assert_outcomes(passed=1)
    assert len(counting.calls()) == 6


def test_unscored_answers_are_not_cached(counting, pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_fox="""
        def test_fox(critique):
            assert critique.checklist("a fox", items=["Is it good??"]).passed
        """
    )
    assert pytester.runpytest().parseoutcomes() == {"unscored": 1}
    counting.set_answers({"Is it good??": True})
    pytester.runpytest().assert_outcomes(passed=1)
    assert len(counting.calls()) == 2


RECORDED = """\
{"question": "Does it mention a fox?", "response": "a fox in autumn", "verdict": "YES", "reason": "fox is there"}
{"question": "Does it mention autumn?", "response": "a fox in autumn", "verdict": true}
"""


def test_recorded_judge_by_model_string_is_cached(pytester: pytest.Pytester) -> None:
    pytester.makefile(".jsonl", verdicts=RECORDED)
    pytester.makepyfile(test_fox=FOX_TEST)
    first = pytester.runpytest("--critique-model=recorded:verdicts.jsonl")
    first.assert_outcomes(passed=1)
    first.stdout.fnmatch_lines([
        "judge recorded:verdicts.jsonl@* (offline) · 1 test · 2 verdicts (0 cached) · 2 judge calls · 0 tokens"])
    second = pytester.runpytest("--critique-model=recorded:verdicts.jsonl", "--critique-cache=read")
    second.assert_outcomes(passed=1)
    second.stdout.fnmatch_lines([
        "judge recorded:verdicts.jsonl@* (offline) · 1 test · 2 verdicts (2 cached) · 0 judge calls · 0 tokens"])


def test_editing_the_recorded_file_invalidates_its_verdicts(pytester: pytest.Pytester) -> None:
    """The recorded judge's identity includes a digest of its file."""
    pytester.makefile(".jsonl", verdicts=RECORDED)
    pytester.makepyfile(test_fox=FOX_TEST)
    pytester.runpytest("--critique-model=recorded:verdicts.jsonl").assert_outcomes(passed=1)
    pytester.makefile(".jsonl", verdicts=RECORDED.replace('"verdict": true', '"verdict": false'))
    result = pytester.runpytest("--critique-model=recorded:verdicts.jsonl")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["judge recorded:verdicts.jsonl@* · 2 verdicts (0 cached) · 2 judge calls *"])
