"""The answer scorer re-ranks the best passages (issue "Answers that hold on questions nobody tuned for",
"read deeper"), on the real model and a real store holding the corpus. None of these questions is in the
gold set."""

from __future__ import annotations

from typing import Any

import pytest

from kb_api.services import Services

QUESTIONS = (
    "Welke partijen werken samen in het Zorg- en Veiligheidshuis?",
    "Hoeveel inwoners heeft Boekel?",
    "What does the region do about elder abuse?",
    "Wanneer is de regiovisie vastgesteld?",
)


@pytest.fixture(scope="module")
def fused_services(corpus_services: Any) -> Services:
    """The same store and model with re-ranking off: the fused order."""
    settings = corpus_services.settings.with_changes(search={"rerank": False})
    services = Services.build(settings, corpus_services.store)
    services.warm_up()
    return services


def _best_per_passage(outcome: Any) -> dict[str, float]:
    best: dict[str, float] = {}
    for c, p in zip(outcome.scored.candidates, outcome.scored.probabilities, strict=True):
        best[str(c.passage.id)] = max(best.get(str(c.passage.id), 0.0), float(p))
    return best


@pytest.mark.parametrize("question", QUESTIONS)
def test_the_best_passages_are_ordered_by_their_best_answer_unit(
    corpus_services: Any, fused_services: Services, question: str
) -> None:
    depth = corpus_services.settings.answer.passages
    reranked = corpus_services.search.search(question, top_k=depth)
    fused = fused_services.search.search(question, top_k=depth)
    best = _best_per_passage(reranked)
    order = [best.get(str(d.id), 0.0) for d in reranked.results]
    assert order == sorted(order, reverse=True)
    # A permutation of the same passages: re-ranking reorders what the answer reads, it adds nothing.
    assert sorted(d.id for d in reranked.results) == sorted(d.id for d in fused.results)
    assert [d.id for d in fused.results] == [d.id for d in reranked.scored.passages]


@pytest.mark.parametrize("question", QUESTIONS)
def test_answers_are_the_same_with_and_without_reranking(
    corpus_services: Any, fused_services: Services, question: str
) -> None:
    with_rerank = corpus_services.ask.answer(question)
    without = fused_services.ask.answer(question)
    assert with_rerank.answerable == without.answerable
    assert [c["quote"] for c in with_rerank.citations] == [c["quote"] for c in without.citations]


def test_the_listing_starts_with_the_reranked_passages(corpus_services: Any) -> None:
    question = QUESTIONS[1]
    page = corpus_services.search.matches(question, limit=10)
    ranking = [d.id for d in corpus_services.search.search(question, top_k=10).results]
    assert page.results[0].id == ranking[0]
    listed = [d.id for d in page.results if d.id in ranking]  # the listing also shows each duplicate
    assert listed == [i for i in ranking if i in listed]


def test_a_comparison_shows_both_regions_on_the_first_page(corpus_services: Any) -> None:
    question = "Hoe pakken Noordoost-Brabant en Arnhem-Achterhoek huiselijk geweld bij ouderen aan?"
    results = corpus_services.search.search(question, top_k=10).results
    assert {d.meta.get("region") for d in results} >= {"Noordoost-Brabant", "Arnhem-Achterhoek"}


def test_regions_first_brings_a_missing_region_onto_the_first_page() -> None:
    from haystack import Document

    from kb_api.services.search import regions_first

    docs = [Document(id=f"p{i}", content=str(i), meta={"region": r}) for i, r in enumerate("AAAAB")]
    assert [d.id for d in regions_first(docs, ["A", "B"], page=3)] == ["p0", "p1", "p4", "p2", "p3"]
    assert [d.id for d in regions_first(docs, ["A", "B"], page=5)] == ["p0", "p1", "p2", "p3", "p4"]
    assert [d.id for d in regions_first(docs, ["A", "C"], page=3)] == ["p0", "p1", "p2", "p3", "p4"]


def test_the_web_pages_answer_is_the_one_ask_gives(corpus_services: Any) -> None:
    from kb_core.domain import SearchFilters

    question = "Welke partijen werken samen in het Zorg- en Veiligheidshuis?"
    for filters, top_k in ((None, 10), (SearchFilters(region=["Noordoost-Brabant"]), 5)):
        page = corpus_services.search.matches(question, limit=top_k, filters=filters, answer_top_k=top_k)
        from_page = corpus_services.ask.answer(question, filters=filters, search_outcome=page.ranking)
        direct = corpus_services.ask.answer(question, filters=filters)
        assert from_page.answer == direct.answer
        assert [c["passage_id"] for c in from_page.citations] == [c["passage_id"] for c in direct.citations]
