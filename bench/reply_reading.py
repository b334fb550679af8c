"""How well judge replies are read: the reply corpus of tests/replies, per task.

What it measures
  For every reply of tests/replies/corpus.jsonl (replies in the styles several model families write,
  the reader tuned on them) and tests/replies/held_out.jsonl (written after the reader was tuned, to
  see how far it carries to replies it was not tuned on), the plugin's own task reads the reply as a
  model's text.  Printed per task:
    read rate   replies that state an answer and are read as that answer / replies that state one
                (the goal: at least 98% on the corpus)
    wrong reads replies read as an answer they do not state, unreadable ones included (must be 0)
  A reply that is not read costs a repair request, then is UNSCORED; a wrong read is a wrong verdict.

How to run
  python bench/reply_reading.py      (from the repository root, with the plugin installed)

Nothing is asserted; tests/unit/test_reply_corpus.py holds the goals.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "replies"))

from reading import figures, rows  # noqa: E402


def main() -> None:
    for name in ("corpus.jsonl", "held_out.jsonl"):
        chosen = rows(name)
        print(f"{name}: {len(chosen)} replies")
        print(f"  {'task':<22}{'readable':>9}{'read':>7}{'read rate':>11}{'unreadable':>12}{'wrong reads':>13}")
        total = {"readable": 0, "read": 0, "unreadable": 0, "wrong": 0}
        for task, counts in sorted(figures(chosen).items()):
            rate = counts["read"] / counts["readable"] if counts["readable"] else 0.0
            print(f"  {task:<22}{counts['readable']:>9}{counts['read']:>7}{rate:>10.1%}{counts['unreadable']:>12}"
                  f"{counts['wrong']:>13}")
            for key in total:
                total[key] += counts[key]
        rate = total["read"] / total["readable"] if total["readable"] else 0.0
        print(f"  {'all':<22}{total['readable']:>9}{total['read']:>7}{rate:>10.1%}{total['unreadable']:>12}"
              f"{total['wrong']:>13}")


if __name__ == "__main__":
    main()
