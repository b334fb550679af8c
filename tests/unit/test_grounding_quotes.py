"""Looking up a judge's quote in the sources (a quote they do not hold is no evidence), and the passage
closest to a claim the judge did not find."""

from __future__ import annotations

import pytest

from pytest_critique.judges.grounding import ClaimCheck, closest_passage, locate

SOURCES = ["The Eiffel Tower stands in Paris.\nIt was finished in 1889 and is built of wrought iron.",
           "About 7 million people visit it each year; it has two restaurants."]


@pytest.mark.parametrize(("quote", "source"), [
    ("stands in Paris", 1),
    ("The Eiffel Tower stands in Paris. It was finished", 1),  # a line break in the source, a space in the quote
    ("\u201cbuilt of wrought iron.\u201d", 1),  # typographic quote marks and a full stop around it
    ("finished in 1889 ... wrought iron", 1),  # a gap, pieces in order
    ("visit it each year\u2026two restaurants", 2),
    ("  7   million  ", 2),
])
def test_a_quote_the_sources_hold_is_found_in_its_source(quote: str, source: int) -> None:
    assert locate(quote, SOURCES) == source


@pytest.mark.parametrize("quote", [
    "stands in Rome",
    "the eiffel tower stands in paris",  # case is part of the words
    "wrought iron ... finished in 1889",  # pieces out of order
    "built of wrought iron. About 7 million",  # runs across two sources
    "", "   ", "...", "\"\"", ". . .",
    "stands in Paris ... Rome",
])
def test_a_quote_the_sources_do_not_hold_word_for_word_is_found_nowhere(quote: str) -> None:
    assert locate(quote, SOURCES) is None


@pytest.mark.parametrize(("said", "read"), [
    ("Supported", "supported"), ("NOT FOUND", "not found"), ("not_found", "not found"), ("unsupported", "not found"),
    ("Not supported.", "not found"), ("**contradicted**", "contradicted"), ("refuted", "contradicted"),
])
def test_verdict_words_are_read_the_ways_models_write_them(said: str, read: str) -> None:
    assert ClaimCheck.model_validate({"verdict": said}).verdict == read


@pytest.mark.parametrize("said", ["partially supported", "mostly supported", "yes", "true", "", "supported?!"])
def test_hedged_or_foreign_verdicts_are_refused(said: str) -> None:
    with pytest.raises(ValueError):
        ClaimCheck.model_validate({"verdict": said})


def test_the_closest_passage_weighs_rare_shared_words_more() -> None:
    # one shared word each; "tower" is in two sentences, "1889" in one only
    sources = ["The tower stands in Paris. The tower is tall.", "It was finished in 1889."]
    assert closest_passage("The tower opened in 1889.", sources) == (2, "It was finished in 1889.")
    assert closest_passage("It serves food in two restaurants.", SOURCES) == (
        2, "About 7 million people visit it each year; it has two restaurants.")
    assert closest_passage("Nothing alike here.", SOURCES) is None
