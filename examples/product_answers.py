"""More of the app under test: it answers product questions from the shop's product pages.

In a real project ``answer_from_page`` would hand the page and the question to a model (and a
model's answers vary from one call to the next).  Here the team stored answers the app gave, a few
per question, so the examples run with no model.  One stored answer misstates the page and adds
what it does not say, and one question's answers disagree with each other: the tests that
catch them are named ``..._fails_on_purpose``.
"""

from __future__ import annotations

import itertools
from typing import Callable

PAGES = {
    "ridgeline-2": (
        "The Ridgeline 2 sleeps two adults. The Ridgeline 2 has a packed weight of 1.9 kg. "
        "It has two doors and two porches. The flysheet has a hydrostatic head of 3000 mm. "
        "The Ridgeline 2 comes with a 2-year warranty."
    ),
    "emberlite-stove": (
        "The Emberlite stove boils a litre of water in 4 minutes. The Emberlite stove weighs 320 g. "
        "It burns screw-on gas canisters. The Emberlite stove comes with a 1-year warranty."
    ),
}

ANSWERS = {
    "ridgeline-2": [
        "The Ridgeline 2 sleeps two adults. The Ridgeline 2 has a packed weight of 1.9 kg. "
        "It comes with a 2-year warranty.",
        "It sleeps two adults and has a packed weight of 1.9 kg. It comes with a 2-year warranty.",
        "It sleeps two adults, and its packed weight is 1.9 kg. It has a warranty of 2 years.",
    ],
    "emberlite-stove": [
        # Flawed on purpose: the page says 320 g and a 1-year warranty, and says nothing of a pot.
        "The Emberlite stove boils a litre of water in 4 minutes. The Emberlite stove weighs 250 g. "
        "It comes with a lifetime warranty. It packs into its own cooking pot.",
        "It boils a litre in 4 minutes and comes with a 5-year warranty.",
        "The Emberlite boils a litre of water in 4 minutes, with a 3-year warranty.",
    ],
}


def answer_from_page(product: str) -> str:
    """The app's stored first answer about ``product``."""
    return ANSWERS[product][0]


def sampler(product: str) -> Callable[[], str]:
    """Ask the app about ``product`` again and again: its stored answers in turn."""
    answers = itertools.cycle(ANSWERS[product])
    return lambda: next(answers)
