"""The words that name the document a Dutch question asks about are left out of the lexical query."""

from __future__ import annotations

import pytest

from kb_api.retrieval.document_reference import without_document_references
from kb_api.retrieval.query_analyzer import QueryAnalyzer


@pytest.mark.parametrize(
    ("question", "lexical"),
    [
        ("Wat is huiselijk geweld volgens de regiovisie Samen Veilig?", "Wat is huiselijk geweld volgens ?"),
        (
            "Waarom is de ambitie uit het koersplan van 2023 bijgesteld?",
            "Waarom is de ambitie uit bijgesteld?",
        ),
        ("Welke onderdelen van het Koersplan 2023 vervallen?", "Welke onderdelen van 2023 vervallen?"),
        ("Wat staat in het lokale plan Samen Veilig over preventie?", "Wat staat in over preventie?"),
        ("Wat zegt de raadsinformatiebrief over de kosten?", "Wat zegt over de kosten?"),
    ],
)
def test_document_reference_is_left_out(question: str, lexical: str) -> None:
    assert without_document_references(question) == lexical


@pytest.mark.parametrize(
    "question",
    [
        # A generic word names a document only with a title, and a title starts with a capital.
        "Welk plan heeft de gemeente voor preventie?",
        "Wat is de visie op preventie?",
        # Nothing but the reference: the question stays as it is.
        "Wat is het koersplan?",
        "welke acties kregen geen prioriteit?",
    ],
)
def test_other_questions_are_unchanged(question: str) -> None:
    assert without_document_references(question) == question


def test_only_dutch_questions_lose_the_reference() -> None:
    analyzer = QueryAnalyzer()
    dutch = analyzer.run("Wat is huiselijk geweld volgens de regiovisie Samen Veilig?")
    assert dutch["language"] == "nl" and "regiovisie" not in dutch["lexical_query"]
    english = analyzer.run("What does the regiovisie Samen Veilig say about domestic violence?")
    assert english["language"] == "en" and "Samen Veilig" in english["lexical_query"]
