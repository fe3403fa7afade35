"""The kind of answer a question asks for, read from its question word and the noun it asks about, and the
tests that tell whether a text holds one. Questions here are not in the gold set."""

from __future__ import annotations

import pytest

from kb_api.retrieval.answer_kinds import asked_kinds, has_contact, has_duration, head_kind, holds_kind


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Wat is het telefoonnummer van het Dorpsteam?", "contact"),
        ("Wat is het bezoekadres van de GGD?", "contact"),
        ("Hoe groot is het jaarbudget voor preventie?", "money"),
        ("Wat is de jaarlijkse vergoeding voor de werkgroepleden?", "money"),
        ("Van welke organisatie komt de procesbegeleider?", "organisation"),
        ("Welke zorgaanbieders doen mee aan de pilot?", "organisation"),
        ("In welke gemeenten start het project?", "place"),
        ("Wat is de looptijd van het uitvoeringsplan?", "duration"),
        ("Wie is de projectleider van de pilot?", "person"),
        ("Who is the chairman of the steering group?", "person"),
        ("What is the annual budget for prevention?", "money"),
        ("What is the phone number of Veilig Thuis?", "contact"),
        # Past an English possessive when the owner names no kind; a Dutch "'s" is a plural.
        ("What is the GGD director's email address?", "contact"),
        ("What is J. de Vries's phone number?", "contact"),
        ("Which organisation runs the women's shelter?", "organisation"),
        ("What is Veilig Thuis' email address?", "contact"),
        # Right after the question word the owner is what is asked; after "who" and its verb it is not.
        ("Which municipality's contribution is the largest?", "place"),
        ("Who chairs the region's steering group?", "person"),
        ("Welke regio's werken samen?", "place"),
    ],
)
def test_the_noun_a_question_asks_about_names_the_kind_of_answer(question: str, kind: str) -> None:
    assert head_kind(question) == kind
    assert kind in asked_kinds(question)


def test_only_the_phrase_after_the_question_word_counts() -> None:
    # The noun after a preposition is not what is asked: "de rol van de burgemeester" asks for a role.
    assert head_kind("Wat is de rol van de burgemeester?") is None
    # A place noun inside a compound names no place.
    assert "place" not in asked_kinds("Hoeveel opvangplaatsen zijn er in de regio?")
    # No question word, no head.
    assert head_kind("budget preventie 2025") is None


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Binnen welke termijn reageert het wijkteam?", "duration"),
        ("Within what period must the report be sent?", "duration"),
        ("Tegen welk tarief werkt de aanbieder?", "money"),
        ("Onder welke organisatie valt het meldpunt?", "organisation"),
        ("Vanaf welke datum geldt de regeling?", "date"),
        ("Namens wie spreekt de woordvoerder?", "person"),
    ],
)
def test_a_preposition_may_open_the_question(question: str, kind: str) -> None:
    # The preposition before the question word is read past, as "Van welke …" always was.
    assert kind in asked_kinds(question)


def test_who_asks_for_a_person_only_when_it_names_a_role() -> None:
    assert "person" in asked_kinds("Wie is de wethouder van Oss?")
    kinds = asked_kinds("Wie betaalt de kosten van de pilot?")
    assert "agent" in kinds and "person" not in kinds and "money" not in kinds
    # An organisation, a person or a municipality answers "wie betaalt"; a sentence without any does not.
    assert holds_kind("agent", "De kosten worden gedragen door de gemeente Oss.")
    assert holds_kind("agent", "Dit wordt betaald door Veilig Thuis.")
    assert not holds_kind("agent", "de kosten worden gedeeld naar rato van het aantal inwoners.")


def test_contact_details_and_durations_are_recognised() -> None:
    assert has_contact("E-mail gemeente@oss.nl")
    assert has_contact("Bel 0800-2000, gratis en anoniem")
    assert has_contact("Postbus 5, 5400 AA Uden")
    assert has_contact("Kijk op www.veiligthuis.nl")
    assert not has_contact("In 2023 waren er 6.251 meldingen bij Veilig Thuis.")
    assert has_duration("Het onderzoek duurt gemiddeld tien weken.")
    assert has_duration("Een huisverbod geldt voor 10 dagen.")
    assert has_duration("Veilig Thuis reageert binnen vijf werkdagen.")
    for written_out in (
        "binnen dertig dagen",
        "een halfjaar",
        "anderhalf jaar",
        "in acht weken",
        "within two weeks",
    ):
        assert has_duration(written_out), written_out
    assert not has_duration("Het plan loopt tot 2026.")
    # Being available around the clock, or something within a place, is not a length of time.
    assert not has_duration("Veilig Thuis is 24/7 bereikbaar.")
    assert not has_duration("Binnen Noordoost-Brabant werken tien gemeenten samen.")
