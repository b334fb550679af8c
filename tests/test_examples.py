"""The example suite (examples/) runs as the README says: offline on its scripted judge, with
seven tests passing and two failing on purpose, with and without xdist workers."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

# In-process pytester runs drop the modules they imported; import the plugin's heavy parts once.
import pytest_critique.backends.scripted  # noqa: F401
import pytest_critique.critic  # noqa: F401
import pytest_critique.report  # noqa: F401

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
MODULE = "test_support_replies.py"

PASSING = [
    "test_refund_reply_follows_the_refund_policy",
    "test_every_reply_follows_the_app_instruction[refund-damaged-stove]",
    "test_every_reply_follows_the_app_instruction[refund-returned-boots]",
    "test_every_reply_follows_the_app_instruction[password-reset]",
    "test_every_reply_follows_the_app_instruction[tent-question]",
    "test_every_reply_follows_the_app_instruction[late-sleeping-bag]",
    "test_tent_answer_is_good_enough",
]
FAILING_ON_PURPOSE = [
    "test_refund_reply_mentions_order_number__fails_on_purpose",
    "test_late_delivery_reply_apologises__fails_on_purpose",
]


@pytest.fixture
def examples(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """A copy of examples/ inside the pytester directory, run from its parent like the README does."""
    for name in ("CRITIQUE_MODEL", "CRITIQUE_CACHE", "CRITIQUE_THRESHOLD", "CRITIQUE_SAMPLES", "CRITIQUE_BATCH"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COLUMNS", "250")  # keep short-summary lines whole
    target = pytester.path / "examples"
    target.mkdir()
    files = sorted(path for path in EXAMPLES.iterdir() if path.suffix in (".py", ".ini"))
    assert [path.name for path in files] == ["conftest.py", "pytest.ini", "support_replies.py", MODULE]
    for path in files:
        shutil.copyfile(path, target / path.name)
    return pytester


def outcomes_by_test(result: pytest.RunResult) -> dict[str, str]:
    """{test name: PASSED/FAILED/...} from the -rA short test summary."""
    found = {}
    for line in result.stdout.lines:
        match = re.match(rf"^(PASSED|FAILED|ERROR|UNSCORED) examples/{MODULE}::(\S+)", line)
        if match:
            found[match.group(2)] = match.group(1)
    return found


def critique_summary(result: pytest.RunResult) -> list[str]:
    lines = result.stdout.lines
    start = next(i for i, line in enumerate(lines) if re.fullmatch(r"=+ critique =+", line))
    end = next(i for i in range(start + 1, len(lines)) if lines[i].startswith("="))
    return lines[start + 1:end]


def test_examples_run_offline_and_two_fail_on_purpose(examples: pytest.Pytester, plugin_args: list[str]) -> None:
    result = examples.runpytest("examples", "-rA", *plugin_args)

    assert result.ret == 1
    assert result.parseoutcomes() == {"passed": 7, "failed": 2}
    expected = {name: "PASSED" for name in PASSING} | {name: "FAILED" for name in FAILING_ON_PURPOSE}
    assert outcomes_by_test(result) == expected
    result.stdout.fnmatch_lines(["rootdir: */examples", "configfile: pytest.ini"])

    # each failure names its reason (checked line by line: xdist reports them in either order),
    # and its section lists every item with the judge's reason (a block of consecutive lines)
    assert f"FAILED examples/{MODULE}::{FAILING_ON_PURPOSE[0]} - critique: 1 of 5 checklist items failed" \
        in result.stdout.lines
    assert (f"FAILED examples/{MODULE}::{FAILING_ON_PURPOSE[1]} - critique: 2 of 4 checklist items failed "
            "(pass rate 0.50 < threshold 0.75)") in result.stdout.lines
    result.stdout.fnmatch_lines([f"*_ {FAILING_ON_PURPOSE[0]} _*", "*- critique -*"])
    result.stdout.fnmatch_lines(consecutive=True, lines2=[
        "checklist · judge scripted (offline) · 5 items · pass rate 0.80 (threshold 1.00) · 5 judge calls, 0 cached",
        "  ✗  1  Does the reply mention the order number?",
        "       no order number like PP-12345 in the reply",
        "  ✓  2  Does the reply state the refund amount?",
        "  ✓  3  Does the reply say how many business days the refund takes?",
        "  ✓  4  Is the reply under 120 words?",
        "  ✓  5  Does the reply avoid blaming the customer?",
    ])
    result.stdout.fnmatch_lines([f"*_ {FAILING_ON_PURPOSE[1]} _*", "*- critique -*"])
    result.stdout.fnmatch_lines(consecutive=True, lines2=[
        "checklist · judge scripted (offline) · 4 items · pass rate 0.50 (threshold 0.75) · 4 judge calls, 0 cached",
        "  ✓  1  Does the reply mention the order number?",
        "  ✓  2  Does the reply give a new delivery date?",
        "  ✗  3  Does the reply apologise for the delay?",
        "       no 'sorry' or 'apologise' in the reply",
        "  ✗  4  Does the reply avoid blaming the customer?",
        "       blaming phrases: you should have, as stated",
    ])
    # the threshold test passes with one item failing; the generated (TICK) checklist is shown as such
    result.stdout.fnmatch_lines(["*_ test_tent_answer_is_good_enough _*", "*- critique -*"])
    result.stdout.fnmatch_lines(consecutive=True, lines2=[
        "checklist · judge scripted (offline) · 4 items · pass rate 0.75 (threshold 0.75) · 4 judge calls, 0 cached",
        "  ✓  1  Does the reply say whether the tent fits two adults?",
        "  ✓  2  Does the reply give the tent's packed weight?",
        "  ✓  3  Does the reply link to the product page?",
        "  ✗  4  Does the reply use at most one exclamation mark?",
        "       3 exclamation marks",
    ])
    result.stdout.fnmatch_lines(["*_ test_every_reply_follows_the_app_instruction?password-reset? _*",
                                 "*- critique -*"])
    result.stdout.fnmatch_lines(consecutive=True, lines2=[
        "checklist · judge scripted (offline) · 4 items · pass rate 1.00 (threshold 1.00) · 5 judge calls, 0 cached",
        "  checklist generated by scripted; not frozen*",
        "  instruction: You are the support assistant of Pebble & Pine*",
        "  ✓  1  Does the reply greet the customer by name?",
        "  ✓  2  Is the reply under 150 words?",
        "  ✓  3  Does the reply avoid asking for passwords or card numbers?",
        "  ✓  4  Does the reply sign off as 'The Pebble & Pine support team'?",
    ])

    assert critique_summary(result) == [
        "judge scripted (offline) · 9 tests · 38 verdicts (0 cached) · 43 judge calls · 0 tokens",
        "pooled pass rate 34/38 = 0.895",
        "failing items (4):",
        f"  examples/{MODULE}::{FAILING_ON_PURPOSE[1]}  #3 Does the reply apologise for the delay?",
        f"  examples/{MODULE}::{FAILING_ON_PURPOSE[1]}  #4 Does the reply avoid blaming the customer?",
        f"  examples/{MODULE}::{FAILING_ON_PURPOSE[0]}  #1 Does the reply mention the order number?",
        f"  examples/{MODULE}::test_tent_answer_is_good_enough  #4 Does the reply use at most one exclamation mark?"
        "  (test passed at its threshold)",
    ]
    # the scripted judge is not cached and the generated checklists are not frozen unasked
    assert not (examples.path / "examples" / ".critique_cache").exists()
    assert not (examples.path / "examples" / "critique_checklists.json").exists()


@pytest.mark.parametrize("how", ["env", "cli"])
def test_a_configured_model_replaces_the_scripted_judge(examples: pytest.Pytester, monkeypatch: pytest.MonkeyPatch,
                                                         how: str) -> None:
    # Cache mode 'read' makes no judge calls: every verdict is a cache miss, so nothing reaches a model.
    args = ["examples", "--critique-cache=read"]
    if how == "env":
        monkeypatch.setenv("CRITIQUE_MODEL", "openai/gpt-4o-mini")
    else:
        args.append("--critique-model=openai/gpt-4o-mini")
    result = examples.runpytest(*args)

    assert result.ret == 1
    assert result.parseoutcomes() == {"unscored": 9}
    summary = critique_summary(result)
    assert summary[0].startswith("judge openai/gpt-4o-mini · ")
    assert summary[1] == "unscored (9): no verdict could be obtained; these tests count as failures"
    assert "judge scripted" not in result.stdout.str()
    assert "(offline)" not in result.stdout.str()


def test_the_frozen_checklist_of_the_instruction_is_what_the_scripted_judge_generates(
        examples: pytest.Pytester) -> None:
    result = examples.runpytest("examples", "-k", "follows_the_app_instruction", "--critique-freeze")
    assert result.parseoutcomes() == {"passed": 5, "deselected": 4}
    result.stdout.fnmatch_lines(["critique: froze 5 new checklists into *critique_checklists.json"])
    frozen = (examples.path / "examples" / "critique_checklists.json").read_text(encoding="utf-8")
    assert frozen.count('"generator": "scripted"') == 5
    assert "Does the reply greet the customer by name?" in frozen

    again = examples.runpytest("examples", "-k", "follows_the_app_instruction", "-rA")
    assert again.parseoutcomes() == {"passed": 5, "deselected": 4}
    again.stdout.fnmatch_lines(["  checklist read from the frozen checklists file"])
    again.stdout.no_fnmatch_line("*checklist generated by*")
