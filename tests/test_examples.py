"""The example suite (examples/) runs as the README says: offline on its scripted judge, with
eighteen tests passing and eight failing on purpose (two checklist tests, a worked solution with a
wrong step, an agent run with a wrong tool call, a refinement whose app ignores its feedback, an
app choosing a draft the checklist ranks lower, an answer its product page does not back up and
answers that disagree with each other), with and without xdist workers."""

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
MATH = "test_math_tutor.py"
AGENT = "test_booking_agent.py"
QUALITY = "test_reply_quality.py"
DRAFTS = "test_reply_drafts.py"
PRODUCT = "test_product_answers.py"
EXAMPLE_FILES = ["booking_agent.py", "conftest.py", "math_tutor.py", "product_answers.py", "pytest.ini",
                 "reply_drafts.py", "support_replies.py", AGENT, MATH, PRODUCT, DRAFTS, QUALITY, MODULE]

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
MATH_PASSING = [
    "test_worked_solution_has_no_wrong_step[bake-sale]",
    "test_worked_solution_has_no_wrong_step[bike-ride]",
    "test_every_step_of_the_bike_ride_is_right",
    "test_per_step_critic_points_at_the_known_slip",
]
MATH_FAILING_ON_PURPOSE = "test_school_trip_solution_has_no_wrong_step__fails_on_purpose"
AGENT_PASSING = "test_lakeside_booking_follows_the_request"
AGENT_FAILING_ON_PURPOSE = "test_fernhollow_booking_follows_the_request__fails_on_purpose"
QUALITY_PASSING = ["test_new_reply_beats_the_old_one", "test_refund_reply_grade"]
DRAFTS_PASSING = ["test_the_writer_fixes_what_the_feedback_names", "test_the_app_picks_the_best_refund_draft"]
DRAFTS_FAILING_ON_PURPOSE = ["test_a_writer_that_ignores_feedback__fails_on_purpose",
                             "test_the_app_picks_the_best_late_delivery_draft__fails_on_purpose"]
PRODUCT_PASSING = ["test_tent_answer_rests_on_the_product_page", "test_tent_answers_agree_with_each_other"]
PRODUCT_FAILING_ON_PURPOSE = ["test_stove_answer_rests_on_the_product_page__fails_on_purpose",
                              "test_stove_answers_agree_with_each_other__fails_on_purpose"]


@pytest.fixture
def examples(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """A copy of examples/ inside the pytester directory, run from its parent like the README does."""
    for name in ("CRITIQUE_MODEL", "CRITIQUE_CACHE", "CRITIQUE_THRESHOLD", "CRITIQUE_SAMPLES", "CRITIQUE_BATCH"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COLUMNS", "250")  # keep short-summary lines whole
    target = pytester.path / "examples"
    target.mkdir()
    files = sorted(path for path in EXAMPLES.iterdir() if path.suffix in (".py", ".ini"))
    assert [path.name for path in files] == EXAMPLE_FILES
    for path in files:
        shutil.copyfile(path, target / path.name)
    return pytester


def outcomes_by_test(result: pytest.RunResult) -> dict[str, str]:
    """{"module::test name": PASSED/FAILED/...} from the -rA short test summary."""
    found = {}
    for line in result.stdout.lines:
        match = re.match(r"^(PASSED|FAILED|ERROR|UNSCORED) examples/(\S+)", line)
        if match:
            found[match.group(2)] = match.group(1)
    return found


def critique_summary(result: pytest.RunResult) -> list[str]:
    lines = result.stdout.lines
    start = next(i for i, line in enumerate(lines) if re.fullmatch(r"=+ critique =+", line))
    end = next(i for i in range(start + 1, len(lines)) if lines[i].startswith("="))
    return lines[start + 1:end]


def test_examples_run_offline_and_eight_fail_on_purpose(examples: pytest.Pytester, plugin_args: list[str]) -> None:
    result = examples.runpytest("examples", "-rA", *plugin_args)

    assert result.ret == 1
    assert result.parseoutcomes() == {"passed": 18, "failed": 8}
    expected = ({f"{MODULE}::{name}": "PASSED" for name in PASSING}
                | {f"{MODULE}::{name}": "FAILED" for name in FAILING_ON_PURPOSE}
                | {f"{MATH}::{name}": "PASSED" for name in MATH_PASSING}
                | {f"{MATH}::{MATH_FAILING_ON_PURPOSE}": "FAILED",
                   f"{AGENT}::{AGENT_PASSING}": "PASSED", f"{AGENT}::{AGENT_FAILING_ON_PURPOSE}": "FAILED"}
                | {f"{QUALITY}::{name}": "PASSED" for name in QUALITY_PASSING}
                | {f"{DRAFTS}::{name}": "PASSED" for name in DRAFTS_PASSING}
                | {f"{DRAFTS}::{name}": "FAILED" for name in DRAFTS_FAILING_ON_PURPOSE}
                | {f"{PRODUCT}::{name}": "PASSED" for name in PRODUCT_PASSING}
                | {f"{PRODUCT}::{name}": "FAILED" for name in PRODUCT_FAILING_ON_PURPOSE})
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

    assert_step_critic_output(result)
    assert_refine_and_best_of_output(result)
    assert_grounding_and_consistency_output(result)

    summary = critique_summary(result)
    # The slip located in a passing test is listed too, with a note after it that
    # test_a_wrong_step_in_a_passing_test_is_not_said_to_pass_at_a_threshold checks.
    known_slip = (f"  examples/{MATH}::test_per_step_critic_points_at_the_known_slip  #3 step 3: "
                  "The coaches cost 3 x $350 = $1,150.")
    assert summary[11].startswith(known_slip)
    assert summary[:11] + summary[12:] == [
        # 38 checklist items + 28 steps judged (correct or wrong) + 1 comparison + 1 grade + 15 items of
        # refinements (5 + 5, and 5 for a repeated response judged once) + 27 items of best-of (3 x 5 + 3 x 4);
        # + 14 sentences checked for consistency (7 x 2 other answers) + 7 claims;
        # 43 checklist calls + 15 step-critic calls + 2 comparison calls (both orders) + 1 grading call
        # + 15 refinement calls + 27 best-of calls + 14 consistency calls + 9 grounding calls (2 claim lists, 7 claims)
        "judge scripted (offline) · 26 tests · 131 verdicts (0 cached) · 126 judge calls · 0 tokens",
        "pooled pass rate 34/38 = 0.895",
        "step critic: 7 solutions judged, 3 with a wrong step",
        "pairwise: 1 comparison, 0 position-inconsistent (0%; the preference changed when the order was swapped)",
        "rubric: 1 response graded, mean score 5.00",
        "refine: 2 refinements (4 rounds), 1 passed (1 after feedback), 2 items fixed by feedback, 0 broken",
        "best of: 2 selections from 6 candidates, 0 whose best candidate failed its checklist",
        "consistency: 2 answers checked, 7 sentences, 2 below their threshold, mean score 0.75",
        "grounding: 2 responses checked, 7 claims: 4 supported, 2 contradicted, 1 not found",
        "failing items (14):",
        # shortened around the value the critic's reason names, not through it
        f"  examples/{AGENT}::{AGENT_FAILING_ON_PURPOSE}  #4 step 4: call book_pi ... "
        '"F4", arrival="2026-06-13", nights=2, guests=3)',
        f"  examples/{MATH}::{MATH_FAILING_ON_PURPOSE}  #3 step 3: The coaches cost 3 x $350 = $1,150.",
        f"  examples/{PRODUCT}::{PRODUCT_FAILING_ON_PURPOSE[0]}  #2 claim 2 (contradicted): The Emberlite stove "
        "weighs 250 g.",
        f"  examples/{PRODUCT}::{PRODUCT_FAILING_ON_PURPOSE[0]}  #3 claim 3 (contradicted): It comes with a lifetime "
        "warranty.",
        f"  examples/{PRODUCT}::{PRODUCT_FAILING_ON_PURPOSE[0]}  #4 claim 4 (not found): It packs into its own "
        "cooking pot.",
        f"  examples/{PRODUCT}::{PRODUCT_FAILING_ON_PURPOSE[1]}  #2 sentence 2: The Emberlite stove weighs 250 g.",
        f"  examples/{PRODUCT}::{PRODUCT_FAILING_ON_PURPOSE[1]}  #3 sentence 3: It comes with a lifetime warranty.",
        f"  examples/{DRAFTS}::{DRAFTS_FAILING_ON_PURPOSE[0]}  #1 Does the reply mention the order number? (round 2)",
        f"  examples/{DRAFTS}::{DRAFTS_FAILING_ON_PURPOSE[0]}  #3 Does the reply say how many business days the "
        "refund takes? (round 2)",
        f"  examples/{MODULE}::{FAILING_ON_PURPOSE[1]}  #3 Does the reply apologise for the delay?",
        f"  examples/{MODULE}::{FAILING_ON_PURPOSE[1]}  #4 Does the reply avoid blaming the customer?",
        f"  examples/{MODULE}::{FAILING_ON_PURPOSE[0]}  #1 Does the reply mention the order number?",
        f"  examples/{MODULE}::test_tent_answer_is_good_enough  #4 Does the reply use at most one exclamation mark?"
        "  (test passed at its threshold)",
    ]
    # the scripted judge is not cached and the generated checklists are not frozen unasked
    assert not (examples.path / "examples" / ".critique_cache").exists()
    assert not (examples.path / "examples" / "critique_checklists.json").exists()


def assert_step_critic_output(result: pytest.RunResult) -> None:
    """The step critic's tests: failure lines, and each section's steps with the judge's reason."""
    # a worked solution with a slip in step 3 of 6, found in first-error mode (one judge call)
    assert f"FAILED examples/{MATH}::{MATH_FAILING_ON_PURPOSE} - critique: step 3 of 6 is wrong" in result.stdout.lines
    result.stdout.fnmatch_lines([f"*_ {MATH_FAILING_ON_PURPOSE} _*", ">       assert verdict.passed",
                                 "E        +  where False = <critique: step 3 of 6 is wrong>.passed", "*- critique -*"])
    result.stdout.fnmatch_lines(consecutive=True, lines2=[
        "steps · judge scripted (offline) · first error · 6 steps (split: numbered) · 1 judge call, 0 cached",
        "  problem: A school takes 4 classes of 27 pupils and 9 teachers on  ... rs. What does the trip cost?",
        "  ✓  1  The pupils: 4 classes of 27 is 4 x 27 = 108 pupils.",
        "  ✓  2  With the teachers, 108 + 9 = 117 people travel. Two coache ... 120, so 3 coaches are needed.",
        "  ✗  3  The coaches cost 3 x $350 = $1,150.",
        "       3 x $350 = $1,050, not $1,150",
        "  · 4–6  not judged (after the first wrong step)",
    ])
    # an agent run whose fourth step books the wrong date, found in per-step mode (4 calls, then it stops)
    assert f"FAILED examples/{AGENT}::{AGENT_FAILING_ON_PURPOSE} - critique: step 4 of 6 is wrong" \
        in result.stdout.lines
    result.stdout.fnmatch_lines([f"*_ {AGENT_FAILING_ON_PURPOSE} _*", "*- critique -*"])
    result.stdout.fnmatch_lines(consecutive=True, lines2=[
        "steps · judge scripted (offline) · per step · 6 steps (split: trajectory) · 4 judge calls, 0 cached",
        "  problem: Hello! Please book us a tent pitch at Fernhollow arrivin ... s, three of us. Thanks, Ines",
        "  ✓  1  Let me see which pitches are free that weekend.",
        '  ✓  2  call find_pitches(site="fernhollow", arrival="2026-06-12", nights=2, guests=3)',
        '  ✓  3  result of find_pitches: {"free": ["F4", "F9"], "price_per_night": 28}',
        '  ✗  4  call book_pitch(site="fernhollow", pitch="F4", arrival="2026-06-13", nights=2, guests=3)',
        "       book_pitch has arrival='2026-06-13', but the customer asked for '2026-06-12'",
        "  · 5–6  not judged (after the first wrong step)",
    ])
    # passing step tests (-rA): the known slip is located in per-step mode, the others are all correct
    result.stdout.fnmatch_lines(["*_ test_per_step_critic_points_at_the_known_slip _*", "*- critique -*"])
    result.stdout.fnmatch_lines(consecutive=True, lines2=[
        "steps · judge scripted (offline) · per step · 6 steps (split: numbered) · 3 judge calls, 0 cached",
        "  problem: A school takes *",
        "  ✓  1  The pupils: *",
        "  ✓  2  With the teachers, *",
        "  ✗  3  The coaches cost 3 x $350 = $1,150.",
        "       3 x $350 = $1,050, not $1,150",
        "  · 4–6  not judged (after the first wrong step)",
    ])
    result.stdout.fnmatch_lines(["*_ test_every_step_of_the_bike_ride_is_right _*", "*- critique -*"])
    result.stdout.fnmatch_lines(consecutive=True, lines2=[
        "steps · judge scripted (offline) · per step · 4 steps (split: paragraphs) · 4 judge calls, 0 cached",
        "  problem: Lena cycles *",
        "  ✓  1  Going there takes 18 / 12 = 1.5 hours, which is 1.5 x 60 = 90 minutes.",
        "  ✓  2  Coming back takes 18 / 15 = 1.2 hours, which is 1.2 x 60 = 72 minutes.",
        "  ✓  3  With the 45-minute rest, she is away for 90 + 45 + 72 = 207 minutes.",
        "  ✓  4  So Lena is away for 207 minutes, or 3 hours and 27 minutes (207 - 180 = 27).",
    ])
    result.stdout.fnmatch_lines(["*_ test_worked_solution_has_no_wrong_step?bake-sale? _*", "*- critique -*",
                                 "steps · judge scripted (offline) · first error · 5 steps (split: step-labels) · "
                                 "1 judge call, 0 cached"])
    result.stdout.fnmatch_lines(["*_ test_lakeside_booking_follows_the_request _*", "*- critique -*"])
    result.stdout.fnmatch_lines(consecutive=True, lines2=[
        "steps · judge scripted (offline) · first error · 5 steps (split: trajectory) · 1 judge call, 0 cached",
        "  problem: Hi, can I book a pitch at Lakeside for Saturday 4 July 2026, one night, for 2 people? Tom",
        '  ✓  1  call find_pitches(site="lakeside", arrival="2026-07-04", nights=1, guests=2)',
        '  ✓  2  result of find_pitches: {"free": ["L2", "L7"], "price_per_night": 32}',
        '  ✓  3  call book_pitch(site="lakeside", pitch="L2", arrival="2026-07-04", nights=1, guests=2)',
        '  ✓  4  result of book_pitch: {"booking": "LS-1187", "status": "confirmed"}',
        "  ✓  5  You're booked, Tom: pitch L2 at Lakeside on Saturday 4 Jul ... booking reference is LS-1187.",
    ])


def assert_refine_and_best_of_output(result: pytest.RunResult) -> None:
    """The refinement's rounds side by side, and the drafts ranked by their pass rates."""
    assert (f"FAILED examples/{DRAFTS}::{DRAFTS_FAILING_ON_PURPOSE[0]} - critique: 2 of 5 checklist items still "
            "failed after 2 rounds") in result.stdout.lines
    assert f"FAILED examples/{DRAFTS}::{DRAFTS_FAILING_ON_PURPOSE[1]} - assert 1 == 0" in result.stdout.lines
    result.stdout.fnmatch_lines([f"*_ {DRAFTS_PASSING[0]} _*", "*- critique -*"])
    result.stdout.fnmatch_lines(consecutive=True, lines2=[
        "refine · judge scripted (offline) · 5 items · 2 of at most 3 rounds · passed in round 2 (threshold 1.00) · "
        "10 judge calls, 0 cached",
        "  round 1 · pass rate 0.60 · response of 189 characters:",
        "      Hi Jonas, Thanks for sending the Talus boots back, and sorry ... he Pebble & Pine support team",
        "  round 2 · pass rate 1.00 · response of 253 characters:",
        "      Hi Jonas, Thanks for sending the Talus boots back, and sorry ... he Pebble & Pine support team",
        "  1 2  round",
        "  ✗ ✓  1  Does the reply mention the order number?  (✗→✓ in round 2)",
        "  ✓ ✓  2  Does the reply state the refund amount?",
        "  ✗ ✓  3  Does the reply say how many business days the refund takes?  (✗→✓ in round 2)",
        "  ✓ ✓  4  Is the reply under 120 words?",
        "  ✓ ✓  5  Does the reply avoid blaming the customer?",
    ])
    result.stdout.fnmatch_lines([f"*_ {DRAFTS_FAILING_ON_PURPOSE[0]} _*", "*- critique -*"])
    result.stdout.fnmatch_lines(consecutive=True, lines2=[
        "refine · judge scripted (offline) · 5 items · 2 of at most 2 rounds · not passed (threshold 1.00) · "
        "5 judge calls, 0 cached",
        "  round 1 · pass rate 0.60 · response of 189 characters:",
        "      Hi Jonas, *",
        "  round 2 · pass rate 0.60 · the same response as round 1 (not judged again)",
        "  1 2  round",
        "  ✗ ✗  1  Does the reply mention the order number?",
        "       no order number like PP-12345 in the reply",
        "  ✓ ✓  2  Does the reply state the refund amount?",
        "  ✗ ✗  3  Does the reply say how many business days the refund takes?",
        "       no 'N business days' in the reply",
        "  ✓ ✓  4  Is the reply under 120 words?",
        "  ✓ ✓  5  Does the reply avoid blaming the customer?",
        "  feedback given for round 2 (* characters):",
        "    Your last response was checked against 5 requirements and missed 2 of them:",
        "    1. Does the reply mention the order number?",
        "    Why it was missed: no order number like PP-12345 in the reply",
    ])
    result.stdout.fnmatch_lines([f"*_ {DRAFTS_FAILING_ON_PURPOSE[1]} _*", "*- critique -*"])
    result.stdout.fnmatch_lines(consecutive=True, lines2=[
        "best of · judge scripted (offline) · 3 candidates · 4 items · best [[]1] (threshold 1.00) · "
        "12 judge calls, 0 cached",
        "  ranking (pass rate, then the earlier candidate): [[]1] 1.00 · [[]0] 0.50 · [[]2] 0.50",
        "  [[]0] pass rate 0.50 · 284 characters:",
        "      Hi Dana, As stated at checkout, *",
        "  [[]1] pass rate 1.00 · 171 characters:",
        "      Hi Dana, I'm sorry your sleeping bag is late. *",
        "  [[]2] pass rate 0.50 · 88 characters:",
        "      Hi Dana, Sorry for the wait! Your parcel is on its way. The Pebble & Pine support team",
        "  [[]0] [[]1] [[]2]  candidate",
        "   ✓   ✓   ✗   1  Does the reply mention the order number?",
        "   ✓   ✓   ✗   2  Does the reply give a new delivery date?",
        "   ✗   ✓   ✓   3  Does the reply apologise for the delay?",
        "   ✗   ✓   ✓   4  Does the reply avoid blaming the customer?",
    ])


def assert_grounding_and_consistency_output(result: pytest.RunResult) -> None:
    """The grounding and self-consistency tests: each claim with what the page says of it, each sentence with
    how the other answers voted."""
    assert (f"FAILED examples/{PRODUCT}::{PRODUCT_FAILING_ON_PURPOSE[0]} - critique: 1 of 4 claims supported by the "
            "sources, score 0.25 < threshold 1.00; claim 2 contradicted: The Emberlite stove weighs 250 g.") \
        in result.stdout.lines
    result.stdout.fnmatch_lines([f"*_ {PRODUCT_FAILING_ON_PURPOSE[0]} _*", "*- critique -*"])
    result.stdout.fnmatch_lines(consecutive=True, lines2=[
        "grounding · judge scripted (offline) · 4 claims (generated) against 1 source · 1 supported, score 0.25 "
        "(threshold 1.00) · 5 judge calls, 0 cached",
        "  ✓  1  supported     The Emberlite stove boils a litre of water in 4 minutes.",
        "  ✗  2  contradicted  The Emberlite stove weighs 250 g.",
        '        source 1 says: "The Emberlite stove weighs 320 g."',
        "  ✗  3  contradicted  It comes with a lifetime warranty.",
        '        source 1 says: "The Emberlite stove comes with a 1-year warranty."',
        "  ✗  4  not found     It packs into its own cooking pot.",
        "        no passage of the sources shares a word with it",
    ])
    assert (f"FAILED examples/{PRODUCT}::{PRODUCT_FAILING_ON_PURPOSE[1]} - critique: consistency 0.50 < min 0.80 "
            "over 4 sentences; least supported: sentence 2 (0.00)") in result.stdout.lines
    result.stdout.fnmatch_lines([f"*_ {PRODUCT_FAILING_ON_PURPOSE[1]} _*", "*- critique -*"])
    result.stdout.fnmatch_lines(consecutive=True, lines2=[
        "consistency · judge scripted (offline) · 4 sentences against 2 other answers · score 0.50 (min 0.80) · "
        "8 judge calls, 0 cached",
        "  ✓  1  1.00 [[]++[]]  The Emberlite stove boils a litre of water in 4 minutes.",
        "  ✗  2  0.00 [[]--[]]  The Emberlite stove weighs 250 g.",
        "  ✗  3  0.00 [[]--[]]  It comes with a lifetime warranty.",
        "  ✓  4  1.00 [[]++[]]  It packs into its own cooking pot.",
    ])


def test_a_wrong_step_in_a_passing_test_is_not_said_to_pass_at_a_threshold(examples: pytest.Pytester) -> None:
    result = examples.runpytest("examples", "-k", "known_slip")
    assert result.parseoutcomes() == {"passed": 1, "deselected": 25}
    [listed] = [line for line in critique_summary(result) if "known_slip" in line]
    assert listed.startswith(f"  examples/{MATH}::test_per_step_critic_points_at_the_known_slip  #3 step 3: ")
    assert "threshold" not in listed and listed.endswith("  (test passed)")


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
    assert result.parseoutcomes() == {"unscored": 26}
    summary = critique_summary(result)
    assert summary[0].startswith("judge openai/gpt-4o-mini · ")
    assert summary[1] == "step critic: 7 solutions judged, 0 with a wrong step"
    assert summary[2:6] == [
        "refine: 2 refinements (2 rounds), 0 passed (0 after feedback), 2 unscored, 0 items fixed by feedback, "
        "0 broken",
        "best of: 2 selections from 6 candidates, 0 whose best candidate failed its checklist, 2 unscored",
        "consistency: 2 answers checked, 7 sentences, 0 below their threshold, 7 unscored",
        "unscored (26): no verdict could be obtained; these tests count as failures"]
    assert (f"  examples/{MATH}::{MATH_FAILING_ON_PURPOSE}  critique: 6 of 6 steps unscored: step 1: no cached "
            "verdict for steps.first_error in ") in "\n".join(summary)
    assert "judge scripted" not in result.stdout.str()
    assert "(offline)" not in result.stdout.str()


def test_the_frozen_checklist_of_the_instruction_is_what_the_scripted_judge_generates(
        examples: pytest.Pytester) -> None:
    result = examples.runpytest("examples", "-k", "follows_the_app_instruction", "--critique-freeze")
    assert result.parseoutcomes() == {"passed": 5, "deselected": 21}
    result.stdout.fnmatch_lines(["critique: froze 5 new checklists into *critique_checklists.json"])
    frozen = (examples.path / "examples" / "critique_checklists.json").read_text(encoding="utf-8")
    assert frozen.count('"generator": "scripted"') == 5
    assert "Does the reply greet the customer by name?" in frozen

    again = examples.runpytest("examples", "-k", "follows_the_app_instruction", "-rA")
    assert again.parseoutcomes() == {"passed": 5, "deselected": 21}
    again.stdout.fnmatch_lines(["  checklist read from the frozen checklists file"])
    again.stdout.no_fnmatch_line("*checklist generated by*")
