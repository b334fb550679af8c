"""How well does ``split_steps(text)`` recover the steps of real step-by-step solutions?

What it measures
  1. ProcessBench (gsm8k 400, math 1,000, olympiadbench 1,000, omnimath 1,000 solutions): each
     solution's ``steps`` are joined with a blank line ("\\n\\n") and split again with the default
     ``split="auto"``.  Reported per split and overall:
       - exact: ``split_steps(text).steps == [s.strip() for s in steps]``;
       - same steps: exact, or the same steps once a leading step label ("Step 3:", "3.",
         "## Step 3:") is removed from the expected step too (auto removes labels when it splits
         at them);
       - the methods auto chose, the solutions whose steps contain a blank line inside one step
         (no blank-line split can recover those) and the exact share among the rest;
       - the misses by kind: labels removed only; fewer steps (label headings merged with the
         paragraphs below them); a step boundary inside a fenced code block; other.
  2. MR-GSM8K (1,418 solutions whose steps start with "Step k:"): steps joined with "\\n" and
     with "\\n\\n"; recovered when the split equals the steps with their "Step k:" removed.

How to run
  python bench/step_splitting.py             (from the repository root, plugin installed)
  python bench/step_splitting.py --examples 5  (list up to 5 miss ids per kind; default 3)

Needs ../shared/datasets/processbench/ beside the repository; without it the script exits with
a message.  It reads the data in place and writes nothing.  Nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

from pytest_critique.steps_split import split_steps

REPO_ROOT = Path(__file__).resolve().parent.parent
DATA = REPO_ROOT.parent / "shared" / "datasets" / "processbench"
SPLITS = ("gsm8k", "math", "olympiadbench", "omnimath")

# A leading step label, with the markdown around it, as ProcessBench solutions write them.
LEADING_LABEL = re.compile(r"[#*_ \t]*(?:step[ \t]*)?\d+[ \t]*[.):]?[ \t]*(?:\*\*|__)?[ \t]*:?[ \t]*", re.I)
MR_LABEL = re.compile(r"^\s*step\s*\d+\s*:", re.I)


def same_but_label(got: str, expected: str) -> bool:
    """Whether ``got`` is ``expected`` without its leading label (heading marks and emphasis aside)."""
    if got == expected:
        return True
    match = LEADING_LABEL.match(expected)
    if not match or not re.search(r"\d", match.group()):
        return False
    return got.lstrip("#*_ \t") == expected[match.end():].lstrip("#*_ \t")


def kind_of_miss(got: list[str], expected: list[str]) -> str:
    if len(got) == len(expected) and all(map(same_but_label, got, expected)):
        return "labels removed only"
    if any(step.count("```") % 2 for step in expected):
        return "boundary inside a code block"
    if len(got) < len(expected):
        return "fewer steps (headings merged)"
    return "other"


def processbench(examples: int) -> None:
    print("1. ProcessBench: steps joined with a blank line, split with split='auto'")
    print(f"   {'split':<14}{'solutions':>10}{'exact':>16}{'same steps':>16}{'blank inside':>14}"
          f"{'exact among rest':>19}")
    totals: Counter[str] = Counter()
    misses: dict[str, list[str]] = defaultdict(list)
    methods: dict[str, Counter[str]] = {}
    for name in SPLITS:
        records = json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))
        counts: Counter[str] = Counter()
        methods[name] = Counter()
        for record in records:
            expected = [step.strip() for step in record["steps"]]
            blank_inside = any(re.search(r"\n[ \t]*\n", step) for step in expected)
            result = split_steps("\n\n".join(record["steps"]))
            methods[name][result.method] += 1
            exact = result.steps == expected
            same = exact or (len(result.steps) == len(expected)
                             and all(map(same_but_label, result.steps, expected)))
            counts.update(solutions=1, exact=exact, same=same, blank=blank_inside,
                          rest=not blank_inside, rest_exact=exact and not blank_inside)
            if not exact:
                misses[kind_of_miss(result.steps, expected)].append(str(record["id"]))
        totals.update(counts)
        print_row(name, counts)
    print_row("overall", totals)
    print("   methods chosen by auto:")
    for name in SPLITS:
        print(f"     {name:<14}" + ", ".join(f"{method} {count}" for method, count in methods[name].most_common()))
    print(f"   misses ({sum(map(len, misses.values()))}):")
    for kind, ids in sorted(misses.items(), key=lambda item: -len(item[1])):
        print(f"     {kind:<32}{len(ids):>4}  e.g. {', '.join(ids[:examples])}")


def print_row(name: str, counts: Counter[str]) -> None:
    def share(part: str, whole: str) -> str:
        return f"{counts[part]:>5} {counts[part] / counts[whole]:7.2%}" if counts[whole] else "      -"
    print(f"   {name:<14}{counts['solutions']:>10}{share('exact', 'solutions'):>16}"
          f"{share('same', 'solutions'):>16}{counts['blank']:>14}{share('rest_exact', 'rest'):>19}")


def mr_gsm8k(examples: int) -> None:
    records = json.loads((DATA / "mr_gsm8k.json").read_text(encoding="utf-8"))
    print(f"\n2. MR-GSM8K ({len(records)} solutions, steps labelled 'Step k:'), split with split='auto'")
    for joiner, label in (("\n", "joined with '\\n'"), ("\n\n", "joined with '\\n\\n'")):
        recovered, methods, missed = 0, Counter(), []
        for record in records:
            expected = [MR_LABEL.sub("", step.strip()).strip() for step in record["steps"]]
            result = split_steps(joiner.join(record["steps"]))
            methods[result.method] += 1
            if result.steps == expected:
                recovered += 1
            else:
                missed.append(str(record["id"]))
        print(f"   {label:<22}{recovered:>5} / {len(records)} = {recovered / len(records):.2%}   methods: "
              + ", ".join(f"{method} {count}" for method, count in methods.most_common())
              + (f"   misses: {', '.join(missed[:examples])}" if missed else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--examples", type=int, default=3, help="miss ids to list per kind")
    args = parser.parse_args()
    if not DATA.is_dir():
        sys.exit(f"ProcessBench data not found at {DATA} (expected ../shared/datasets/processbench "
                 f"beside the repository); nothing to measure")
    started = time.perf_counter()
    processbench(args.examples)
    mr_gsm8k(args.examples)
    print(f"\n{time.perf_counter() - started:.2f} s in all (reading the JSON included)")


if __name__ == "__main__":
    main()
