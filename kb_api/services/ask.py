"""Ask: an extractive, cited answer to a question, or a plain statement that the documents do not answer it."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from haystack import Document

from kb_api.retrieval.answerer import ExtractiveAnswerer, key_entities, missing_from
from kb_api.retrieval.matching import is_match
from kb_api.services.catalogue import CatalogueService
from kb_api.services.search import SearchOutcome, SearchService
from kb_api.services.timing import timed
from kb_core.domain import SearchFilters
from kb_core.errors import Language, Note, render
from kb_core.settings import Settings


@dataclass
class AnswerOutcome:
    """An extractive answer with exact quotes, or an abstention."""

    answer: str
    answerable: bool
    citations: list[dict[str, Any]]
    passages: list[Document]
    language: str
    timings_ms: dict[str, float]
    notes: list[Note] = field(default_factory=list)
    # The question with its typing errors mended from the corpus's words ("Bedoelde u …?"), if any.
    suggestion: str | None = None


class AskService:
    """Answers questions from the passages the search service finds."""

    def __init__(self, settings: Settings, search: SearchService, catalogue: CatalogueService) -> None:
        self.settings = settings
        self.search = search
        self.catalogue = catalogue

    @property
    def answerer(self) -> ExtractiveAnswerer:
        """The answer component: the one the search pipeline re-ranks with, so its scores are reused."""
        return self.search.answerer

    def warm_up(self) -> None:
        """Build the answerer, read the corpus vocabulary and the word list of spelling suggestions."""
        _ = self.answerer
        self.catalogue.corpus_terms()
        self.catalogue.word_lists()

    def answer(
        self,
        question: str,
        *,
        filters: SearchFilters | None = None,
        search_outcome: SearchOutcome | None = None,
    ) -> AnswerOutcome:
        """An extractive, cited answer to a question, or a plain statement that the corpus does not answer it.

        ``search_outcome``: a relevance-ordered search for the same question and filters (the web page has one
        already), so the passages are not retrieved twice.
        """
        answerer = self.answerer
        started = time.perf_counter()
        regions = self.regions_compared(question)
        outcome = search_outcome
        if outcome is None or outcome.query_embedding is None:
            # A comparison looks further down the ranking, for the passages of the region ranked lower.
            top_k = answerer.passages * (2 if regions else 1)
            outcome = self.search.search(question, top_k=top_k, filters=filters)
        timings = dict(outcome.timings_ms)
        query = " ".join(question.split())
        # One known region and nothing else (as the compare view asks each column): the refusal names the region.
        # An unknown one ("Utrecht") is no region without an answer; the search's note says it is unknown.
        only_region = (
            self.catalogue.stored_region(filters.values["region"][0])
            if filters is not None
            and len(filters.values["region"]) == 1
            and filters == SearchFilters(region=filters.values["region"])
            else None
        )
        documents, scored = outcome.results, outcome.scored
        floor, query_terms = self.search.match_floor(outcome.language, query), set(outcome.query_terms)
        # The passages read: the scorer's when the search scored them already (the page shows fewer).
        read = scored.passages if scored is not None and scored.passages else documents
        matching = [str(d.id) for d in read if is_match(d, query_terms, floor)]
        if not matching:
            # None of the passages read shares a word with the question or comes close in meaning (as the
            # search counts matches; with none, its list says "Geen resultaten"): nothing is quoted.
            documents, scored = [], None
        with timed(timings, "answer"):
            result = answerer.run(
                query=query,
                documents=documents,
                query_embedding=outcome.query_embedding or [],
                language=outcome.language,
                missing_entities=missing_from(key_entities(query), self.catalogue.corpus_terms()),
                query_terms=outcome.query_terms,
                regions=regions,
                scored=scored,
                common_words=self.catalogue.common_words(),
                known_terms=self.catalogue.corpus_terms(),
                # Narrowed to part of the corpus by a field filter: the region model decides (eval/README.md,
                # twelfth session; a date range alone keeps the corpus model: on dev it refused more answers).
                narrowed=self._narrows(filters),
                # A refusal names as closest only documents the search lists.
                matching=matching,
            )
        timings["total"] = (time.perf_counter() - started) * 1000
        language: Language = "en" if outcome.language == "en" else "nl"
        if not result["answerable"] and only_region is not None:
            # The compare view asks each region on its own: say plainly that this region has no answer.
            result["answer"] = render("no_answer_region", {"region": only_region}, language)
        elif not result["answerable"] and filters is not None and not filters.empty:
            # What was read is what the filters let through, not the whole knowledge base.
            nothing, within = (
                render("no_answer", language=language),
                render("no_answer_filtered", language=language),
            )
            if result["answer"].startswith(nothing):
                result["answer"] = within + result["answer"][len(nothing) :]
        return AnswerOutcome(
            result["answer"],
            result["answerable"],
            result["citations"],
            outcome.results,
            outcome.language,
            timings,
            # What the search said of the request (an unknown filter value) holds for the answer too; that
            # nothing matched, the answer says itself.
            [note for note in outcome.notes if note.code != "no_results"],
            outcome.suggestion,
        )

    def _narrows(self, filters: SearchFilters | None) -> bool:
        """Whether a filter reads only part of the corpus by a field (a region list naming every region does not)."""
        if filters is None:
            return False
        every_region = set(self.catalogue.known_values()["region"].values())
        regions = set(filters.values["region"])
        return bool(regions and not every_region <= regions) or any(
            values for name, values in filters.values.items() if name != "region"
        )

    def regions_compared(self, question: str) -> list[str]:
        """The regions a comparison question is about (:meth:`SearchService.regions_compared`)."""
        return self.search.regions_compared(question)
