"""Agreement statistics between raters: accuracy, Cohen's kappa, Fleiss' kappa, confusion counts.

Standard library only: the terminal summary computes these from the JSON form of verdicts.
"""

from __future__ import annotations

from collections import Counter
from typing import Hashable, Iterable, Sequence


def confusion(pairs: Iterable[tuple[Hashable, Hashable]]) -> Counter[tuple[Hashable, Hashable]]:
    """Counts of (reference, judged) label pairs."""
    return Counter(pairs)


def accuracy(pairs: Sequence[tuple[Hashable, Hashable]]) -> float | None:
    """Share of pairs whose two labels agree; None for no pairs."""
    if not pairs:
        return None
    return sum(1 for reference, judged in pairs if reference == judged) / len(pairs)


def cohen_kappa(pairs: Sequence[tuple[Hashable, Hashable]]) -> float | None:
    """Cohen's kappa of two raters over the same items; None for no pairs.

    When both raters give one and the same label to every item, chance agreement is 1 and the
    ratio is undefined: the raters agree perfectly, so the result is 1.0.
    """
    if not pairs:
        return None
    total = len(pairs)
    observed = sum(1 for reference, judged in pairs if reference == judged) / total
    first = Counter(reference for reference, _ in pairs)
    second = Counter(judged for _, judged in pairs)
    expected = sum(first[label] * second[label] for label in first) / (total * total)
    if expected == 1.0:
        return 1.0
    return (observed - expected) / (1.0 - expected)


def fleiss_kappa(ratings: Sequence[Sequence[Hashable]]) -> float | None:
    """Fleiss' kappa for items each rated by the same number of raters (at least two).

    ``ratings`` holds one sequence of labels per item.  None when there are no items, fewer
    than two raters, or the raters' counts differ between items.  When every rating uses the
    same single label, agreement is perfect and the result is 1.0.
    """
    if not ratings:
        return None
    raters = len(ratings[0])
    if raters < 2 or any(len(item) != raters for item in ratings):
        return None
    items = len(ratings)
    totals: Counter[Hashable] = Counter()
    per_item_agreement = 0.0
    for item in ratings:
        counts = Counter(item)
        totals.update(counts)
        per_item_agreement += (sum(n * n for n in counts.values()) - raters) / (raters * (raters - 1))
    observed = per_item_agreement / items
    expected = sum((count / (items * raters)) ** 2 for count in totals.values())
    if expected == 1.0:
        return 1.0
    return (observed - expected) / (1.0 - expected)
