"""Definition questions ("Wat wordt bedoeld met X?"): the term asked about, text that defines it, and the
answerer preferring the defining sentence (the passage boost is in test_answer_type_booster.py)."""

from __future__ import annotations

from typing import Any

import pytest
from helpers import ask_passages

from kb_api.retrieval.definitions import defined_term, defines


@pytest.mark.parametrize(
    ("question", "term"),
    [
        ("Wat wordt bedoeld met ketenregie in de aanpak van huiselijk geweld?", "ketenregie"),
        ("Wat wordt er verstaan onder een veiligheidsplan?", "veiligheidsplan"),
        ("Wat verstaat de regiovisie onder duurzame veiligheid?", "duurzame veiligheid"),
        ("Wat is het Veiligheidshuis volgens de raadsinformatiebrief?", "Veiligheidshuis"),
        ("Wat betekent ervaringsdeskundigheid?", "ervaringsdeskundigheid"),
        ("Wat houdt de Meldcode in?", "Meldcode"),
        ("What is the Centrum Seksueel Geweld?", "Centrum Seksueel Geweld"),
        ("What is meant by ketenregie in the regional plan?", "ketenregie"),
        ("Wat is de betekenis van integraliteit?", "integraliteit"),
        ("Wat betekent 'integraliteit'?", "integraliteit"),
        ("Wat is huiselijk geweld precies?", "huiselijk geweld"),
        ("What's the Meldcode?", "Meldcode"),
        ("What does MDA++ stand for?", "MDA++"),
    ],
)
def test_the_term_of_a_definition_question(question: str, term: str) -> None:
    assert defined_term(question) == term


@pytest.mark.parametrize(
    "question",
    [
        "Welke acties kregen geen prioriteit?",
        "Wat is er in 2024 met de werkgroep gebeurd?",  # "er" is no term
        "Wie is de burgemeester van Oss?",
        "Hoe werkt de TOP-3 methode?",
        "Wat is er gebeurd met de acht vertrekpunten?",
        # A property of something, not what a word means.
        "Wat is het doel van de werkgroep?",
        "Wat is het vervolg op het Toekomstscenario?",
        "What is the role of the GGD?",
        # A figure question.
        "Wat is de bijdrage van Boekel?",
    ],
)
def test_other_questions_have_no_term(question: str) -> None:
    assert defined_term(question) is None


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("Lokale integraliteit betekent samenwerking tussen Wmo, Jeugd en Veiligheid.", "integraliteit"),
        ("Wij werken samen. Veilig Thuis is het advies- en meldpunt voor iedereen.", "Veilig Thuis"),
        (
            "Het Centrum Seksueel Geweld (CSG) is een plek waar slachtoffers hulp krijgen.",
            "Centrum Seksueel Geweld",
        ),
        (
            "Onder specifieke doelgroepen worden o.a. verstaan: ouderen en mensen met een beperking.",
            "specifieke doelgroepen",
        ),
        ("Met ketenregie wordt bedoeld dat één partij de hulp coördineert.", "ketenregie"),
        ("In dit plan verstaan we onder ketenregie de sturing op samenwerking.", "ketenregie"),
        ("Onder integraliteit verstaan we de samenwerking tussen de domeinen.", "integraliteit"),
        (
            "Met de term huiselijk geweld wordt bedoeld: geweld door iemand uit de privékring.",
            "huiselijk geweld",
        ),
        ("Ketenregie wil zeggen dat één partij de hulp coördineert.", "ketenregie"),
        ("Integraliteit: samenwerking tussen Wmo, Jeugd en Veiligheid.", "integraliteit"),
        ("Huiselijk geweld is geweld dat door iemand uit de privékring wordt gepleegd.", "huiselijk geweld"),
    ],
)
def test_text_that_defines_the_term(text: str, term: str) -> None:
    assert defines(text, term)


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("De integraliteit van de aanpak staat onder druk.", "integraliteit"),
        # "is" as an auxiliary, not a definition.
        ("Dit zorgt voor continuïteit totdat duurzame veiligheid is bereikt.", "duurzame veiligheid"),
        ("In 2030 moet het landelijke toekomstscenario zijn ingevoerd.", "toekomstscenario"),
        ("Veilig Thuis is in 2015 ontstaan.", "Veilig Thuis"),
        ("Veilig Thuis is 24/7 bereikbaar.", "Veilig Thuis"),
        ("Ook Veilig Thuis is aangesloten bij het overleg.", "Veilig Thuis"),
        ("Voor ketenregie betekent dit dat de regio stuurt.", "ketenregie"),
        ("Veilig Thuis houdt toezicht op de meldingen.", "Veilig Thuis"),
        # Another word that starts with the term.
        ("Vervolgens is een tweeledig advies uitgebracht.", "vervolg"),
        ("De doelgroep is een gezin met kinderen.", "doel"),
    ],
)
def test_text_that_only_uses_the_term(text: str, term: str) -> None:
    assert not defines(text, term)


def test_answer_quotes_the_defining_sentence(embedder: Any) -> None:
    # The sentence that restates the question scores higher on similarity and terms (0.02 higher with this
    # model); the definition bonus brings the definition into the answer.
    question = "Wat wordt bedoeld met ketenregie in de aanpak van huiselijk geweld?"
    passages = [
        "De gemeente voert ketenregie in de aanpak van huiselijk geweld en kindermishandeling in de regio.",
        "Ketenregie betekent dat één partij de samenwerking tussen alle hulpverleners rond een gezin coördineert.",
    ]
    result = ask_passages(embedder, question, passages)
    quotes = [c["quote"] for c in result["citations"]]
    assert any(q.startswith("Ketenregie betekent") for q in quotes)
