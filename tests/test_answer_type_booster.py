"""Passages that hold the kind of answer a question asks for (a definition, a share, a sum of money, an
amount) move up the fused ranking, and only over passages close to them."""

from __future__ import annotations

import pytest
from haystack import Document

from kb_api.retrieval.answer_kinds import asks_for_share, figure_kind, has_amount, has_money, has_share
from kb_api.retrieval.answer_type_booster import AnswerTypeBooster


def _scored(*pairs: tuple[str, float]) -> list[Document]:
    return [Document(id=f"doc#{i:04d}", content=text, score=score) for i, (text, score) in enumerate(pairs)]


def _ranked(query: str, documents: list[Document]) -> list[str]:
    booster = AnswerTypeBooster(definition_boost=0.5, figure_boost=0.25, rrf_k=60)
    return [d.id for d in booster.run(documents=documents, query=query)["documents"]]


def test_a_defining_passage_moves_over_close_ones_only() -> None:
    documents = _scored(
        ("De regio werkt aan ketenregie in de aanpak van huiselijk geweld.", 2.0 / 62),
        ("Ketenregie in de aanpak speelt overal een rol.", 2.0 / 63),
        ("Ketenregie betekent dat één partij de hulp rond een gezin coördineert.", 2.0 / 64),
    )
    boosted = AnswerTypeBooster().run(documents=documents, query="Wat wordt bedoeld met ketenregie?")[
        "documents"
    ]
    assert boosted[0].id == "doc#0002"
    assert boosted[0].score == pytest.approx(2.0 / 64 + 0.5 / 61)
    far = _scored(
        ("De regio werkt aan ketenregie.", 2.0 / 61), ("Ketenregie betekent coördinatie.", 1.0 / 90)
    )
    assert _ranked("Wat wordt bedoeld met ketenregie?", far)[0] == "doc#0000"


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        # A share: the passage with a percentage, not the one that only describes the organisation.
        (
            "Welk deel van de meldingen betreft gezinnen die al eerder gemeld waren?",
            "Ongeveer 30% van alle meldingen gaat over gezinnen die al bekend zijn.",
        ),
        (
            "What percentage of the reports concerns known families?",
            "Drie van de tien meldingen gaan over bekende gezinnen.",
        ),
        # A sum of money for a contribution, not any figure.
        ("Wat is de bijdrage van Boekel in 2026?", "Boekel 11030 1,78% € 0,00 € 5.518,00 € 11.036,00"),
        # An amount for "hoeveel".
        (
            "Hoeveel trajecten rondde de vrouwenopvang af?",
            "De vrouwenopvang rondde 127 crisisopvangtrajecten af.",
        ),
    ],
)
def test_a_passage_with_the_asked_figure_moves_up(question: str, answer: str) -> None:
    documents = _scored(
        (
            "De vrouwenopvang en Veilig Thuis werken samen met de gemeente Boekel aan meldingen van gezinnen.",
            2.0 / 61,
        ),
        (answer, 2.0 / 62),
    )
    assert _ranked(question, documents) == ["doc#0001", "doc#0000"]


@pytest.mark.parametrize(
    "question",
    ["Welk deel van de meldingen betreft bekende gezinnen?", "Wat is de bijdrage van Boekel in 2026?"],
)
def test_a_bare_count_does_not_answer_a_share_or_money_question(question: str) -> None:
    documents = _scored(
        ("De regio werkt aan de aanpak van meldingen en de bijdrage van de gemeenten.", 2.0 / 61),
        ("Veilig Thuis ontving 6.251 meldingen in 2023.", 2.0 / 62),
    )
    assert _ranked(question, documents) == ["doc#0000", "doc#0001"]


def test_other_questions_keep_the_fused_order() -> None:
    documents = _scored(
        ("De gemeente heeft 12 medewerkers.", 2.0 / 61),
        ("Onder preventie verstaan we voorlichting.", 2.0 / 62),
    )
    assert _ranked("Welke acties kregen geen prioriteit?", documents) == ["doc#0000", "doc#0001"]
    # Time or effort is no figure: the passage with a count is not lifted.
    assert (
        _ranked("Hoeveel tijd kost het werk van de medewerkers?", list(reversed(documents)))[0] == "doc#0001"
    )


@pytest.mark.parametrize(
    ("question", "share"),
    [
        ("Welk deel van de meldingen betreft bekende gezinnen?", True),
        ("Bij welk deel van de gezinnen stopt het geweld niet?", True),
        ("Hoeveel procent van de bevolking krijgt ermee te maken?", True),
        ("What proportion of families is reported again?", True),
        ("Hoeveel meldingen kreeg Veilig Thuis?", False),
        ("Welke delen van het plan vervallen?", False),
        ("Wat is het percentage herhaalde meldingen?", True),
        ("What is Boekel's share of the costs?", True),
        ("In welk deel van de regio werkt Veilig Thuis Gelderland Midden?", False),
    ],
)
def test_share_questions(question: str, share: bool) -> None:
    assert asks_for_share(question) is share


def test_figure_kinds() -> None:
    assert has_share("bij 70% blijkt") and has_share("in drie van de tien gezinnen") and has_share("de helft")
    assert has_share("één op de drie gezinnen") and has_share("een derde") and has_share("50 pct")
    assert not has_share("in 2023 waren er 6.251 meldingen") and not has_share("stap 3 van de 10")
    assert has_money("€ 6,8 mln") and not has_money("6.251 meldingen in 2023")
    assert figure_kind("Welk deel van de Kampsingel wordt vergunninghoudersgebied?", shares=False) is None
    assert figure_kind("Hoeveel meldingen kwamen er?") is has_amount
    assert figure_kind("Welk deel van de meldingen?") is has_share
    assert figure_kind("Wat kost het programmateam per jaar?") is has_money
    assert figure_kind("Wat kost de meeste tijd?") is None
    assert figure_kind("Welke acties kregen geen prioriteit?") is None
