"""The extractive answerer on the real e5 model: which sentences it quotes, how far a quote runs, and when
it abstains. Passages are written here, so each test knows where the answer is."""

from __future__ import annotations

from typing import Any

import pytest
from haystack import Document
from helpers import ask_passages as _ask

from kb_api.retrieval.answer_kinds import asks_for_money, has_amount
from kb_api.retrieval.answerer import (
    ExtractiveAnswerer,
    _answer_kind,
    _entity_bonuses,
    _local_idf,
    _names_a_person,
    lower_case_words,
    split_units,
)


def test_units_keep_numbers_and_initials_together_and_mark_headings_and_captions() -> None:
    text = (
        "6.4 Besluitvormingscyclus van de werkgroep\n"
        "Veilig Thuis ontving 6.251 meldingen. Dit meldde D. Goutier aan de raad.\n"
        "Afbeelding 5: Besluitvormingscyclus ViA\n"
        "Deze bestaat uit:"
    )
    units = split_units(text, 0)
    assert [u.text for u in units if u.scorable] == [
        "Veilig Thuis ontving 6.251 meldingen.",
        "Dit meldde D. Goutier aan de raad.",
    ]
    assert {u.text for u in units if not u.scorable} == {
        "6.4 Besluitvormingscyclus van de werkgroep",
        "Afbeelding 5: Besluitvormingscyclus ViA",
        "Deze bestaat uit:",
    }
    assert all(text[u.start : u.end] == u.text for u in units)
    assert [u.line for u in units] == [0, 1, 1, 2, 3]


def test_a_sentence_that_introduces_a_list_is_quoted_with_the_list(embedder: Any) -> None:
    passage = (
        "Het college heeft het plan besproken met de partners in de regio.\n"
        "We gaan eerst aan de slag met een stevige basisstructuur. Deze bestaat uit:\n"
        "- Een goed functionerende meldstructuur.\n"
        "- Een goede netwerksamenwerking met Veilig Thuis.\n"
        "Daarna volgt de evaluatie in 2027."
    )
    result = _ask(embedder, "Waaruit bestaat de basisstructuur?", [passage], max_sentences=1)
    assert result["answerable"]
    quote = result["citations"][0]["quote"]
    assert quote.startswith("We gaan eerst aan de slag")
    assert "Een goed functionerende meldstructuur." in quote and "netwerksamenwerking" in quote
    assert "evaluatie" not in quote
    assert quote in passage


def test_a_sentence_ending_its_line_before_bullets_takes_them(embedder: Any) -> None:
    passage = (
        "De stuurgroep bestaat uit gemeenten en partners uit zorg en veiligheid.\n"
        "• Gemeente Oss, Boxtel en Vught\n"
        "• GGD Hart voor Brabant\n"
    )
    result = _ask(embedder, "Wie zitten er in de stuurgroep?", [passage], max_sentences=1)
    assert "Gemeente Oss, Boxtel en Vught" in result["citations"][0]["quote"]


def test_no_sentence_is_quoted_twice(embedder: Any) -> None:
    passage = (
        "Vooralsnog krijgen een aantal acties uit het koersplan geen prioriteit. "
        "Het betreft activiteiten gericht op preventie en ervaringsdeskundigheid. "
        "De werkgroep vergadert elke vier weken."
    )
    result = _ask(embedder, "Welke acties krijgen geen prioriteit?", [passage], margin=1.0)
    quotes = [c["quote"] for c in result["citations"]]
    assert quotes[0].startswith("Vooralsnog") and "Het betreft activiteiten" in quotes[0]
    assert not any(q.startswith("Het betreft") for q in quotes[1:])


def test_a_query_term_in_every_candidate_sentence_weighs_less_than_a_rare_one() -> None:
    sentences = [{"koersplan", "vastgesteld"}, {"koersplan", "vergader", "werkgroep"}, {"koersplan", "2028"}]
    weights = _local_idf({"koersplan", "vergader"}, sentences)
    assert weights["vergader"] > weights["koersplan"] > 0


def test_abstains_when_the_best_passage_is_not_similar_enough(embedder: Any) -> None:
    answerer = ExtractiveAnswerer(embedder=embedder, min_similarity=0.95)
    question = "Hoeveel parkeervergunningen zijn er uitgegeven?"
    doc = Document(
        id="doc#0000",
        content="De werkgroep vergadert elke vier weken over de aanpak van huiselijk geweld.",
        meta={"document_id": "doc", "dense_score": 0.81},
    )
    result = answerer.run(
        query=question, documents=[doc], query_embedding=embedder.run(text=question)["embedding"]
    )
    assert result["answerable"] is False and result["citations"] == []


def test_a_figure_for_another_year_does_not_answer_a_how_many_question(embedder: Any) -> None:
    # 2022 occurs in the passage (so the question's year is not unknown), but no figure is of 2022.
    passage = (
        "In 2022 startte de regionale werkgroep met de aanpak.\n"
        "Cijfers 2023:\n"
        "• Veilig Thuis ontving uit de regio 6.251 meldingen van huiselijk geweld.\n"
        "• Moviera rondde 127 crisisopvangtrajecten af."
    )
    asked_2023 = _ask(embedder, "Hoeveel meldingen ontving Veilig Thuis in 2023?", [passage])
    assert asked_2023["answerable"] and "6.251 meldingen" in asked_2023["citations"][0]["quote"]
    # The second item of the list has the same lead-in year as the first.
    second_item = _ask(embedder, "Hoeveel crisisopvangtrajecten rondde Moviera in 2023 af?", [passage])
    assert second_item["answerable"] and any("127" in c["quote"] for c in second_item["citations"])
    asked_2022 = _ask(embedder, "Hoeveel meldingen ontving Veilig Thuis in 2022?", [passage])
    assert asked_2022["answerable"] is False


def test_letterhead_lines_and_footnote_references_are_never_quoted() -> None:
    text = (
        "Fax [0412] 64 26 05\nTel. 0412 123 456 of via de website\n"
        "6 Nederlands Jeugdinstituut, 2023; In Nederland wordt iedere 8 dagen een vrouw vermoord\n"
        "E-mail is het meest gebruikte kanaal voor meldingen.\n"
        "De werkgroep vergadert elke vier weken."
    )
    units = split_units(text, 0)
    assert [u.text for u in units if u.scorable] == [
        "E-mail is het meest gebruikte kanaal voor meldingen.",
        "De werkgroep vergadert elke vier weken.",
    ]


def test_a_quote_does_not_run_on_into_a_heading(embedder: Any) -> None:
    passage = (
        "De werkgroep heeft drie taken benoemd voor dit jaar:\n6.4 Besluitvorming\nDe raad besluit in mei."
    )
    result = _ask(embedder, "Welke taken heeft de werkgroep benoemd?", [passage], max_sentences=1)
    assert result["citations"][0]["quote"] == "De werkgroep heeft drie taken benoemd voor dit jaar:"


def test_dates_years_list_numbers_and_references_are_not_amounts_but_written_numbers_are() -> None:
    assert not has_amount("10 februari 2026 D. Goutier")
    assert not has_amount("Per 1-1-2026 in 2024 en 2025, of tot 1 januari")
    assert not has_amount("1. Zie hoofdstuk 3 van het koersplan")
    assert not has_amount("We nemen dit ten aanzien van de raad in acht.")
    assert has_amount("In 2023 waren er 6.251 meldingen")
    assert has_amount("Totaal € 310.620,00")
    assert has_amount("samen met de tien gemeenten in de regio")


def test_a_comparison_quotes_each_region_it_names(embedder: Any) -> None:
    brabant = "In Noordoost-Brabant werken de tien gemeenten samen in een regionale werkgroep ViA met een koersplan."
    arnhem = "In Arnhem-Achterhoek werken zeventien gemeenten samen volgens de regiovisie Samen Veilig."
    documents = [
        Document(
            id=f"nob#{i:04d}",
            content=brabant,
            meta={"document_id": f"nob{i}", "region": "Noordoost-Brabant", "dense_score": 0.9},
        )
        for i in range(4)
    ] + [
        Document(
            id="aa#0000",
            content=arnhem,
            meta={"document_id": "aa", "region": "Arnhem-Achterhoek", "dense_score": 0.85},
        )
    ]
    question = "Hoe werken de gemeenten samen in Noordoost-Brabant en Arnhem-Achterhoek?"
    answerer = ExtractiveAnswerer(embedder=embedder, min_similarity=0.0)
    embedding = embedder.run(text=question)["embedding"]
    compared = answerer.run(
        query=question,
        documents=documents,
        query_embedding=embedding,
        regions=["Arnhem-Achterhoek", "Noordoost-Brabant"],
    )
    assert {c["region"] for c in compared["citations"]} == {"Noordoost-Brabant", "Arnhem-Achterhoek"}


def test_a_sentence_that_refers_back_is_quoted_with_the_one_before(embedder: Any) -> None:
    passage = (
        "De afgelopen jaren is landelijk gewerkt aan regionale veiligheidsteams. "
        "Deze ontwikkeling is echter stil komen te liggen door verschillen van inzicht tussen de partijen. "
        "De werkgroep vergadert elke vier weken in het gemeentehuis."
    )
    result = _ask(
        embedder, "Wat is er met de regionale veiligheidsteams gebeurd?", [passage], max_sentences=1
    )
    quote = result["citations"][0]["quote"]
    assert quote.startswith("De afgelopen jaren") and "stil komen te liggen" in quote
    assert "vergadert" not in quote


def test_region_names_do_not_choose_the_sentence_of_a_comparison(embedder: Any) -> None:
    documents = [
        Document(
            id="aa#0000",
            content=(
                "In de regio Arnhem-Achterhoek zijn Arnhem en Doetinchem centrumgemeente voor Arnhem en de Achterhoek. "
                "Preventie krijgt een grote plek door signalen eerder in beeld te brengen."
            ),
            meta={"document_id": "aa", "region": "Arnhem-Achterhoek", "dense_score": 0.9},
        ),
        Document(
            id="nob#0000",
            content="Preventie komt later aan bod, na de basisstructuur.",
            meta={"document_id": "nob", "region": "Noordoost-Brabant", "dense_score": 0.9},
        ),
    ]
    question = "Welke plek krijgt preventie in Noordoost-Brabant en in Arnhem-Achterhoek?"
    answerer = ExtractiveAnswerer(embedder=embedder, min_similarity=0.0, max_sentences=1)
    result = answerer.run(
        query=question,
        documents=documents,
        query_embedding=embedder.run(text=question)["embedding"],
        regions=["Arnhem-Achterhoek", "Noordoost-Brabant"],
    )
    quotes = [c["quote"] for c in result["citations"]]
    assert any(q.startswith("Preventie krijgt een grote plek") for q in quotes)
    assert not any("centrumgemeente" in q for q in quotes)


def test_a_sentence_cut_by_a_page_break_is_one_unit() -> None:
    text = (
        "Moviera biedt een veilig onderdak aan wie door acute\n"
        "geweldsdreiging veiligheidsrisico's loopt.\n"
        "- opvang in Arnhem\n"
        "Veilig Thuis adviseert."
    )
    units = split_units(text, 0)
    assert [u.text for u in units] == [
        "Moviera biedt een veilig onderdak aan wie door acute\ngeweldsdreiging veiligheidsrisico's loopt.",
        "- opvang in Arnhem",
        "Veilig Thuis adviseert.",
    ]
    assert all(text[u.start : u.end] == u.text for u in units)
    money = split_units("Het totale jaarbudget betreft €\n6,8 mln. per jaar.", 0)
    assert [u.text for u in money] == ["Het totale jaarbudget betreft €\n6,8 mln. per jaar."]
    # A name cut at the line end ("Samen" / "Veilig") goes on too; a letterhead label or a table row does not.
    name = split_units(
        "Het plan komt in 2024. De gemeente Zevenaar is bezig met het opstellen van een lokaal uitvoeringsplan Samen\nVeilig 2024-2026. Dat komt.",
        0,
    )
    assert [u.text for u in name][1:] == [
        "De gemeente Zevenaar is bezig met het opstellen van een lokaal uitvoeringsplan Samen\nVeilig 2024-2026.",
        "Dat komt.",
    ]
    letterhead = split_units("Van : College van Burgemeester en Wethouders\nBetreft: Raadsmemo Koersplan", 0)
    assert len(letterhead) == 2
    rows = split_units("Boekel 11030 1,78% € 0,00 € 5.518,00\nMaashorst 58362 9,43% € 0,00 € 29.233,00", 0)
    assert len(rows) == 2


def test_an_entity_named_in_every_candidate_sentence_earns_no_bonus() -> None:
    via, year = {"via"}, {"2030"}
    sentences = [{"ambitie", "via"}, {"via", "advies"}, {"via", "2030", "meld"}, {"via", "werkgroep"}]
    assert _entity_bonuses([via, year], sentences) == [0.0, 0.0, 0.75, 0.0]


def test_a_question_about_money_needs_a_sum_of_money(embedder: Any) -> None:
    question = "Wat is het jaarlijkse budget van Moviera?"
    counts = (
        "Moviera heeft in 2023 in de regio 127 crisisopvang trajecten en 230 ambulante trajecten afgerond."
    )
    assert not _ask(embedder, question, [counts])["answerable"]
    budget = "Moviera ontvangt van de centrumgemeenten een jaarlijks budget van € 2,1 miljoen."
    answered = _ask(embedder, question, [counts, budget])
    assert answered["answerable"] and "€ 2,1 miljoen" in answered["citations"][0]["quote"]


@pytest.mark.parametrize(
    ("question", "money"),
    [
        ("Wat is de bijdrage van Boekel in 2026?", True),
        ("How much does Oss contribute?", True),
        ("What is Moviera's annual budget?", True),
        ("What percentage of the costs does Sint-Michielsgestel pay?", False),
        ("Will the new approach cost more?", False),
        ("Hoeveel gemeenten dragen bij aan de kosten van de werkgroep?", False),
        ("Wie betaalt de personele kosten?", False),
        # The verb asks for the price itself.
        ("Wat kost het nieuwe programmateam per jaar?", True),
        ("How much does the shelter cost per year?", True),
        ("Wat kost de meeste tijd?", False),
    ],
)
def test_which_questions_ask_for_money(question: str, money: bool) -> None:
    assert asks_for_money(question) is money


@pytest.mark.parametrize(
    ("question", "quote", "municipality", "fits"),
    [
        ("Wie is de burgemeester van Zevenaar?", "Caroline van den Elsen - Burgemeester (Boekel)", "", False),
        (
            "Wie is de burgemeester van Zevenaar?",
            "Burgemeester J. de Vries opende de vergadering.",
            "Zevenaar",
            True,
        ),
        (
            "Wie is de burgemeester van Den Bosch?",
            "Burgemeester J. de Vries opende de vergadering.",
            "’s-Hertogenbosch",
            True,
        ),
        ("Wie is de wethouder Jeugd?", "Wethouder Menno Roozendaal (Meierijstad) is lid.", "", True),
        ("Wie is de secretaris?", "Secretaris K. van der Meer tekende de brief.", "", True),
        (
            "Wie is de programmamanager ViA?",
            "Het Programmateam ViA werkt met een programmamanager.",
            "",
            False,
        ),
        ("Welke gemeenten doen mee aan de pilot?", "De pilot loopt in Oss en Vught.", "", True),
        (
            "Welke gemeenten doen mee aan de pilot?",
            "De pilot wordt in tien gemeenten ingericht.",
            "Boekel",
            False,
        ),
        ("Welke gemeenten werken samen met Oss?", "Oss werkt samen in de regio.", "", False),
        (
            "Welke andere gemeenten werken samen met 's-Hertogenbosch?",
            "’s-Hertogenbosch is centrumgemeente.",
            "",
            False,
        ),
        ("Wat is de bijdrage van Boekel in 2026?", "Boekel draagt € 11.036,00 bij.", "", True),
        ("Wat is de bijdrage van Boekel in 2026?", "Het totale jaarbudget betreft €", "", False),
        ("Wat is de bijdrage van Boekel in 2026?", "Boekel levert 18 uur personele inzet.", "", False),
    ],
)
def test_a_quote_must_hold_the_kind_of_answer_asked_for(
    question: str, quote: str, municipality: str, fits: bool
) -> None:
    # The ordinary words of the passages around the quote: here those a policy text would use in lower case.
    passages = [Document(content="het programmateam werkt via de burgemeester en de wethouder")]
    kind = _answer_kind(question, passages)
    assert kind is not None and kind(quote, municipality) is fits


def test_questions_that_any_sentence_may_answer_have_no_answer_kind() -> None:
    for question in (
        "Wie betaalt de personele kosten?",
        "Who chairs the Bestuurlijk Overleg?",
        "Wie is de voorzitter van het Bestuurlijk Overleg ViA?",
        "Wie zijn de leden van de stuurgroep?",
        "Wat is MDA++?",
        "Wat is er besloten over de bijdrage van het Rijk?",
        "Wat is de verdeelsleutel voor de kosten van de werkgroep?",
    ):
        assert _answer_kind(question) is None


def test_a_person_of_another_place_does_not_answer(embedder: Any) -> None:
    passages = [
        "Caroline van den Elsen - Burgemeester (Boekel), Menno Roozendaal - Wethouder Jeugd (Meierijstad).",
        "De gemeente Zevenaar stelt een lokaal uitvoeringsplan op.",
    ]
    assert not _ask(embedder, "Wie is de burgemeester van Zevenaar?", passages)["answerable"]


@pytest.mark.parametrize(
    ("corpus_words", "answerable"), [(frozenset({"samen", "veilig"}), False), (None, True)]
)
def test_a_title_the_corpus_also_writes_in_lower_case_is_no_name(
    embedder: Any, corpus_words: frozenset[str] | None, answerable: bool
) -> None:
    # Among the candidates alone "Samen Veilig" looks like a name; the corpus writes both words in lower case.
    question = "Wie is de burgemeester van Zevenaar?"
    passage = "De gemeente Zevenaar is bezig met het opstellen van een lokaal uitvoeringsplan Samen Veilig 2024-2026."
    assert _ask(embedder, question, [passage], common_words=corpus_words)["answerable"] is answerable


def test_an_entity_most_candidate_passages_mention_is_not_required_in_the_quote() -> None:
    def doc(text: str) -> Document:
        return Document(content=text, meta={"document_id": "d"})

    names = doc("Lucie Huijs (MijnGemeenteDichtbij), Vacature (Vught).")
    others = [doc("De werkgroep ViA vergadert."), doc("ViA is een regionaal programma.")]
    assert ExtractiveAnswerer._mentions(["ViA", "Vught"], {0}, [names, *others])
    assert not ExtractiveAnswerer._mentions(["ViA", "Oss"], {0}, [names, *others])
    assert not ExtractiveAnswerer._mentions(["ViA"], {0}, [names, others[0], doc("Vught")])
    # With two passages, one mention is no majority; a municipality or a figure is always a constraint.
    assert not ExtractiveAnswerer._mentions(["ViA"], {0}, [names, others[0]])
    zevenaar = [doc("Zevenaar stelt in 2027 een plan op."), doc("De gemeente Zevenaar in 2027.")]
    assert not ExtractiveAnswerer._mentions(["Zevenaar"], {0}, [names, *zevenaar])
    assert not ExtractiveAnswerer._mentions(["2027"], {0}, [names, *zevenaar])


def test_capitalised_ordinary_words_are_not_a_name() -> None:
    passage = (
        "In de regio kreeg de Werkgroep Huiselijk Geweld de opdracht; de werkgroep pakt huiselijk geweld aan."
    )
    common = lower_case_words([passage])
    assert not _names_a_person(passage, common)
    assert _names_a_person("Paul van den Hurk (Meierijstad), Lucie Huijs (Vught).", common)
    for name in ("Mirjam Wijnen-van den Broek", "Noëlle de Kluiver-Goverde", "Özlem Yılmaz", "F.T. de Jonge"):
        assert _names_a_person(name, common), name
    for other in ("Programmamanager ViA en het Programmateam ViA.", "GGD Hart voor Brabant"):
        assert not _names_a_person(other, common | {"hart", "voor"}), other
