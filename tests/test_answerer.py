"""The extractive answerer with the shipped learned scorer, on the real e5 model: what it quotes, how a quote
reads, when it abstains. Passages are written here, so each test knows where the answer is; the questions
are not in the gold set."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from haystack import Document
from helpers import ask_passages as _ask

from kb_api.retrieval.answer_features import (
    QUESTION_FEATURES,
    UNIT_FEATURES,
    analyse_question,
    candidates_of,
    leave_one_out,
    question_features,
    term_drops,
    unit_features,
)
from kb_api.retrieval.answer_model import AnswerModel, default_model
from kb_api.retrieval.answerer import ExtractiveAnswerer, key_entities

FILLER = (
    "De gemeente werkt samen met de partners in de regio aan een veilige thuissituatie voor iedereen.",
    "Het college informeert de raad jaarlijks over de voortgang van de regionale aanpak.",
    "In de werkgroep zitten beleidsmedewerkers van alle deelnemende gemeenten.",
    "De monitor laat zien hoe de aanpak zich in de loop van de jaren ontwikkelt.",
    "Inwoners kunnen met vragen over huiselijk geweld terecht bij het lokale team.",
)


def test_the_shipped_model_matches_the_code_and_says_how_it_was_fitted() -> None:
    model = default_model()
    assert model.unit.features == UNIT_FEATURES and model.answerable.features == QUESTION_FEATURES
    assert 0 < model.threshold < 1 and 0 < model.quote_ratio <= 1.01
    assert model.info["dev_questions"] > 100 and "test" in model.info


def test_a_model_file_round_trips(tmp_path: Any) -> None:
    path = tmp_path / "model.json"
    default_model().save(path)
    again = AnswerModel.load(path)
    rows = np.ones((2, len(UNIT_FEATURES)))
    assert np.allclose(again.unit.probability(rows), default_model().unit.probability(rows), atol=1e-5)


def test_a_sentence_that_introduces_a_list_is_quoted_with_the_list() -> None:
    passage = (
        "Het college heeft het plan besproken met de partners in de regio.\n"
        "We gaan eerst aan de slag met een stevige basisstructuur. Deze bestaat uit:\n"
        "- Een goed functionerende meldstructuur.\n"
        "- Een goede netwerksamenwerking met Veilig Thuis.\n"
        "Daarna volgt de evaluatie in 2027."
    )
    doc = Document(id="d#0", content=passage, meta={"document_id": "d"})
    quotes = {c.unit.text: " ".join(c.quote.split()) for c in candidates_of([doc]) if not c.window}
    intro = (
        quotes["Deze bestaat uit:"]
        if "Deze bestaat uit:" in quotes
        else quotes["We gaan eerst aan de slag met een stevige basisstructuur."]
    )
    assert "Een goed functionerende meldstructuur." in intro and "netwerksamenwerking" in intro
    assert "evaluatie" not in intro
    items = [c for c in candidates_of([doc]) if c.unit.text.startswith("- ")]
    assert items and all(c.lead == "Deze bestaat uit:" for c in items)


def test_quotes_have_no_raw_line_breaks_and_offsets_point_into_the_passage(embedder: Any) -> None:
    passage = (
        "Het totale jaarbudget voor de aanpak van huiselijk geweld in de regio betreft €\n6,8 mln. per jaar."
    )
    result = _ask(
        embedder, "Hoe groot is het jaarbudget voor de aanpak van huiselijk geweld?", [passage, *FILLER]
    )
    assert result["answerable"]
    first = result["citations"][0]
    assert (
        first["quote"]
        == "Het totale jaarbudget voor de aanpak van huiselijk geweld in de regio betreft € 6,8 mln. per jaar."
    )
    assert "\n" not in first["quote"]
    assert " ".join(passage[first["start"] : first["end"]].split()) == first["quote"]


TABLE = (
    "Verdeling van de kosten per gemeente\n"
    "Gemeente Inwoners % bijdrage 2023 2024\n"
    "Heeswijk 12040 2,10% € 0,00 € 6.020,00\n"
    "Dinther 33100 5,70% € 0,00 € 16.550,00\n"
    "Nistelrode 9020 1,60% € 0,00 € 4.510,00"
)


def _answering_everything(tmp_path: Path) -> Path:
    """The shipped scorer with a threshold that answers everything, written to ``tmp_path``: for tests of which
    unit is quoted, whatever the decision."""
    path = tmp_path / "model.json"
    replace(default_model(), threshold=0.0).save(path)
    return path


def test_a_table_row_is_quoted_with_its_header(embedder: Any, tmp_path: Any) -> None:
    # How the row is quoted, whatever the decision.
    result = _ask(
        embedder,
        "Welke bijdrage levert Dinther in 2024?",
        [*FILLER[:2], TABLE, *FILLER[2:]],
        model_path=_answering_everything(tmp_path),
    )
    assert result["answerable"]
    first = result["citations"][0]
    assert first["quote"].startswith("Dinther 33100")
    assert first["context"] == "Gemeente Inwoners % bijdrage 2023 2024"


EVALUATION = (
    "De evaluatie van het meldpunt is gepland voor het voorjaar van 2027 en wordt door de GGD uitgevoerd."
)


def test_the_answer_can_come_from_a_passage_ranked_low(embedder: Any, tmp_path: Any) -> None:
    """The answer units are read from the best 15 passages, not only the first few (which unit is quoted, with
    a threshold that answers everything: whether it is answered is the next test's)."""
    passages = [*FILLER, *FILLER, EVALUATION, *FILLER[:3]]
    assert passages.index(EVALUATION) == 10
    result = _ask(
        embedder,
        "Wanneer wordt het meldpunt geëvalueerd?",
        passages,
        model_path=_answering_everything(tmp_path),
    )
    assert result["answerable"]
    assert result["citations"][0]["quote"] == EVALUATION
    # At the shipped threshold the question in the unit's own words is answered (the next test: one is not).
    restated = _ask(embedder, "Wanneer is de evaluatie van het meldpunt?", passages)
    assert restated["answerable"] and restated["citations"][0]["quote"] == EVALUATION


# Made-up answers the shipped scorer refuses, expected to fail so that the day they pass is noticed. Both have a
# best unit that the term drops read as "lacks the fact": a row of bare figures is no closer to the question for
# the word only its header holds ("bijdrage"); a unit that holds every word of a short question has a large mean
# drop, which the answerability model weighs against answering (eval/README.md, eighteenth session).
@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason="refused at the shipped threshold since the term drops (eighteenth session)",
)
@pytest.mark.parametrize(
    ("question", "passages"),
    [
        ("Welke bijdrage levert Dinther in 2024?", [*FILLER[:2], TABLE, *FILLER[2:]]),
        ("Wanneer wordt het meldpunt geëvalueerd?", [*FILLER, *FILLER, EVALUATION, *FILLER[:3]]),
    ],
)
def test_made_up_answers_the_shipped_scorer_refuses(
    embedder: Any, question: str, passages: list[str]
) -> None:
    result = _ask(embedder, question, passages)
    assert result["answerable"]


def _passage(
    passage_id: str, text: str, *, dense_score: float, score: float, region: str | None = None
) -> Document:
    """A passage as the retriever gives it (fused ``score``, e5 ``dense_score``, page 1) of the document its id
    names ("a#0" -> "a"), in ``region`` when given."""
    meta: dict[str, Any] = {"document_id": passage_id.split("#")[0], "page": 1, "dense_score": dense_score}
    if region is not None:
        meta["region"] = region
    return Document(id=passage_id, content=text, meta=meta, score=score)


def test_leave_one_out_drops_each_content_word_in_turn() -> None:
    variants = leave_one_out("Hoe lang is de wachttijd bij Veilig Thuis?")
    assert variants == [
        "Hoe is de wachttijd bij Veilig Thuis?",
        "Hoe lang is de bij Veilig Thuis?",
        "Hoe lang is de wachttijd bij Thuis?",
        "Hoe lang is de wachttijd bij Veilig",
    ]
    # Every word of the stem leaves, with its punctuation; a hyphenated name leaves once per stem it holds.
    assert leave_one_out("Welke teams en welk team?") == ["Welke en welk"]
    assert leave_one_out("Wat doen de teams met het team van Oss?") == [
        "Wat doen de met het van Oss?",
        "Wat doen de teams met het team van",
    ]
    assert leave_one_out("Hoeveel uur levert Sint-Michielsgestel?") == [
        "Hoeveel levert Sint-Michielsgestel?",
        "Hoeveel uur Sint-Michielsgestel?",
        "Hoeveel uur levert",
        "Hoeveel uur levert",
    ]
    # Every question is compared with something: with one content word, or none, the empty question.
    assert leave_one_out("Zwembad?") == [""]
    assert leave_one_out("Wat is dat?") == [""]


def test_term_drops_are_the_least_and_mean_fall_of_similarity() -> None:
    units = np.asarray([[1.0, 0.0], [0.6, 0.8]], dtype=np.float32)
    question = np.asarray([0.8, 0.6], dtype=np.float32)
    variants = np.asarray([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32)
    drops = term_drops(units @ question, units, variants)
    # unit 0: .8 - 1.0 = -.2 and .8 - 0 = .8; unit 1: .96 - .6 = .36 and .96 - .8 = .16
    np.testing.assert_allclose(drops, [[-0.2, 0.3], [0.16, 0.26]], atol=1e-6)
    assert term_drops(np.zeros(0), np.zeros((0, 2)), variants).shape == (0, 2)


@pytest.mark.parametrize(
    ("question", "answers", "on_subject"),
    [
        (
            "Hoe lang is de wachttijd bij Veilig Thuis?",
            "De wachttijd bij Veilig Thuis is gemiddeld zes weken.",
            "Veilig Thuis is dag en nacht bereikbaar voor advies en meldingen.",
        ),
        (
            "Hoeveel fte heeft het lokale team van Oss?",
            "Het lokale team van Oss heeft 12 fte voor jeugd en gezin.",
            "Het lokale team van Oss is het vaste aanspreekpunt voor inwoners.",
        ),
        (
            "Wanneer is het koersplan vastgesteld?",
            "Het koersplan is op 12 maart 2024 door de raad vastgesteld.",
            "Het koersplan beschrijft de ambities van de regio voor veiligheid thuis.",
        ),
    ],
)
def test_a_unit_that_lacks_the_fact_asked_for_gets_closer_without_its_word(
    embedder: Any, question: str, answers: str, on_subject: str
) -> None:
    """The term drops on the real model: leaving out any word of the question makes the unit that answers less
    similar; the unit on the same subject without the fact is as close or closer without one of them (the mean
    drop need not tell them apart: in the third case it does not)."""
    docs = [
        _passage(f"d#{i}", text, dense_score=0.85, score=0.03) for i, text in enumerate((answers, on_subject))
    ]
    answerer = ExtractiveAnswerer(embedder=embedder)
    scored = answerer.add_drops(answerer.prepare(question, docs, embedder.run(text=question)["embedding"]))
    assert scored.drops is not None and scored.drops.shape == (2, 2)
    drop = {c.quote: scored.drops[i] for i, c in enumerate(scored.candidates)}
    assert drop[answers][0] > 0 > drop[on_subject][0]


def test_candidates_come_from_every_passage_given() -> None:
    docs = [Document(id=f"d#{i}", content=text, meta={"document_id": "d"}) for i, text in enumerate(FILLER)]
    assert {c.rank for c in candidates_of(docs)} == set(range(len(FILLER)))


@pytest.mark.parametrize(
    ("question", "unit", "other"),
    [
        (
            "Hoeveel uur levert Sint-Michielsgestel?",
            "De gemeente Boekel levert 18 uur personele inzet.",
            True,
        ),
        ("Hoeveel uur levert Boekel?", "De gemeente Boekel levert 18 uur personele inzet.", False),
        ("Hoeveel uur levert Boekel?", "Elke gemeente levert uren naar rato van het aantal inwoners.", False),
        (
            "Wanneer deed Arnhem de zelfscan?",
            "In 2025 deden alle gemeenten in Noordoost-Brabant de zelfscan.",
            True,
        ),
        ("Wanneer deed Arnhem de zelfscan?", "De regio Arnhem-Achterhoek deed de zelfscan in 2024.", False),
        (
            "How many hours does Uden provide?",
            "Maashorst levert 20 uur.",
            False,
        ),  # Uden merged into Maashorst
        (
            "Wanneer start de werkgroep?",
            "De gemeente Oss start in maart.",
            False,
        ),  # the question names no place
        # "Arnhem Achterhoek" names the region, not the municipality Arnhem; "duiven" are birds, not Duiven.
        ("Hoeveel uur levert Renkum?", "In de regio Arnhem Achterhoek levert elke gemeente 10 uur.", False),
        ("Hoeveel uur levert Renkum?", "De duiven op het stadhuis kosten 10 uur per jaar.", False),
        ("Hoeveel uur levert Renkum?", "Duiven levert 10 uur.", True),
    ],
)
def test_a_unit_that_names_only_other_places_is_marked(question: str, unit: str, other: bool) -> None:
    asked = analyse_question(question, "nl", None, [], [])
    [candidate] = candidates_of([Document(id="d#0", content=unit, meta={"document_id": "d"})])
    row = unit_features(asked, [candidate], np.zeros(1), np.zeros(1))[0]
    assert row[UNIT_FEATURES.index("names_other_place")] == (1.0 if other else 0.0)


def test_abstains_when_nothing_answers_and_says_what_it_looked_for(embedder: Any) -> None:
    result = _ask(embedder, "Hoeveel kost een abonnement op het zwembad?", list(FILLER))
    assert not result["answerable"] and result["citations"] == []
    assert result["answer"].startswith("De kennisbank bevat geen passage die deze vraag beantwoordt.")
    assert "Gezocht naar een bedrag." in result["answer"]


def test_a_name_the_corpus_never_mentions_is_said_plainly(embedder: Any) -> None:
    result = _ask(embedder, "Wat doet Heusden aan preventie?", list(FILLER), missing_entities=["Heusden"])
    assert not result["answerable"]
    assert "De documenten noemen 'Heusden' nergens." in result["answer"]


VEILIG_THUIS_BRABANT = "Veilig Thuis Brabant Noordoost voert in onze regio het advies- en meldpunt uit."


def test_each_region_of_a_comparison_gets_its_own_decision(embedder: Any, tmp_path: Any) -> None:
    # Two one-sentence passages score below the shipped threshold (.52; fitted on real passages): the model is
    # given a threshold between what the two regions get (about .36 and .10) to test the per-region decision.
    shipped = default_model()
    path = tmp_path / "model.json"
    AnswerModel(shipped.unit, shipped.answerable, 0.2, shipped.quote_ratio, shipped.info).save(path)
    answerer = ExtractiveAnswerer(embedder=embedder, model_path=path)
    question = "Welke organisatie voert in beide regio's Veilig Thuis uit?"
    docs = [
        _passage("a#0", VEILIG_THUIS_BRABANT, dense_score=0.86, score=0.03, region="Noordoost-Brabant"),
        _passage("b#0", "De parkeervergunning kost in het centrum van de stad veertig euro per jaar.",
                 dense_score=0.74, score=0.02, region="Arnhem-Achterhoek"),
    ]  # fmt: skip
    result = answerer.run(
        query=question,
        documents=docs,
        query_embedding=embedder.run(text=question)["embedding"],
        regions=["Arnhem-Achterhoek", "Noordoost-Brabant"],
    )
    assert result["answerable"]
    assert {c["region"] for c in result["citations"]} == {"Noordoost-Brabant"}
    assert result["notes"] == ["Geen passage uit Arnhem-Achterhoek beantwoordt deze vraag."]


def test_within_one_region_the_region_model_decides(embedder: Any, tmp_path: Any) -> None:
    # A region model that differs from the corpus model (its intercept lowered by 5), both with threshold .2: over
    # the whole corpus the question is answered; narrowed by a filter, or as one region of a comparison, the
    # region model's probability decides and refuses.
    shipped = default_model()
    region = replace(shipped.answerable, intercept=shipped.answerable.intercept - 5.0)
    path = tmp_path / "model.json"
    AnswerModel(shipped.unit, shipped.answerable, 0.2, shipped.quote_ratio, shipped.info, region, 0.2).save(
        path
    )
    answerer = ExtractiveAnswerer(embedder=embedder, model_path=path)
    model = AnswerModel.load(path)
    question = "Welke organisatie voert Veilig Thuis uit?"
    docs = [_passage("a#0", VEILIG_THUIS_BRABANT, dense_score=0.86, score=0.03, region="Noordoost-Brabant")]
    embedding = embedder.run(text=question)["embedding"]
    scored = answerer.score(question, docs, embedding)
    with pytest.raises(ValueError, match="term drops"):
        scored.answerable_probability(model)
    answerer.add_drops(scored)
    assert scored.drops is not None
    row = question_features(scored.question, scored.probabilities, scored.features, scored.drops)[None, :]
    assert scored.answerable_probability(model, narrowed=True) == pytest.approx(region.probability(row)[0])
    assert scored.answerable_probability(model) == pytest.approx(shipped.answerable.probability(row)[0])
    corpus = answerer.run(query=question, documents=docs, query_embedding=embedding)
    narrowed = answerer.run(query=question, documents=docs, query_embedding=embedding, narrowed=True)
    compared = answerer.run(
        query=question, documents=docs, query_embedding=embedding, regions=["Noordoost-Brabant"]
    )
    assert corpus["answerable"]
    assert not narrowed["answerable"] and not compared["answerable"]


def test_a_decision_over_some_candidates_reads_their_own_term_drops(embedder: Any) -> None:
    # Each region of a comparison is decided on its own candidates: their probabilities, features and drops.
    question = "Hoe lang is de wachttijd bij Veilig Thuis?"
    docs = [
        _passage("a#0", "De wachttijd bij Veilig Thuis is gemiddeld zes weken.",
                 dense_score=0.88, score=0.03, region="Noordoost-Brabant"),
        _passage("b#0", "Veilig Thuis is dag en nacht bereikbaar voor advies en meldingen.",
                 dense_score=0.84, score=0.02, region="Arnhem-Achterhoek"),
    ]  # fmt: skip
    answerer = ExtractiveAnswerer(embedder=embedder)
    scored = answerer.add_drops(answerer.score(question, docs, embedder.run(text=question)["embedding"]))
    assert scored.drops is not None and len(scored.candidates) == 2
    model = default_model()
    region = model.region
    assert region is not None
    for keep in ([0], [1]):
        row = question_features(
            scored.question, scored.probabilities[keep], scored.features[keep], scored.drops[keep]
        )
        assert scored.answerable_probability(model, keep, narrowed=True) == pytest.approx(
            region.probability(row[None, :])[0]
        )
    # The other candidate's drops would give another decision: they are read, and read per candidate.
    swapped = question_features(
        scored.question, scored.probabilities[[1]], scored.features[[1]], scored.drops[[0]]
    )
    assert region.probability(swapped[None, :])[0] != pytest.approx(
        scored.answerable_probability(model, [1], narrowed=True)
    )


def test_a_region_model_without_its_threshold_is_refused(tmp_path: Any) -> None:
    shipped = default_model()
    with pytest.raises(ValueError):
        AnswerModel(shipped.unit, shipped.answerable, 0.5, shipped.quote_ratio, {}, shipped.answerable, None)
    path = tmp_path / "model.json"
    shipped.save(path)
    data = json.loads(path.read_text(encoding="utf-8"))
    del data["region_threshold"]
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ValueError, match="region model needs its threshold"):
        AnswerModel.load(path)


def test_a_model_file_without_a_region_model_decides_within_a_region_as_over_the_corpus() -> None:
    shipped = default_model()
    old = AnswerModel(shipped.unit, shipped.answerable, 0.4, shipped.quote_ratio, {})
    assert old.decision(narrowed=True) == (shipped.answerable, 0.4)
    assert shipped.region is not None and shipped.decision(narrowed=True)[0] is shipped.region


@pytest.mark.parametrize(
    ("question", "entities"),
    [("Wat draagt Boekel bij in 2026?", ["Boekel", "2026"]), ("Who is the mayor of Zevenaar?", ["Zevenaar"])],
)
def test_key_entities(question: str, entities: list[str]) -> None:
    assert key_entities(question) == entities
