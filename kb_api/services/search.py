"""Search: cited passages for a query with filters, facets and notes (the API, the CLI and the evaluation).

Two views of one retrieval:

- :meth:`SearchService.search` - the ranking: the best distinct passages (duplicates across documents
  folded into ``also_in``), which answering and the evaluation read;
- :meth:`SearchService.matches` - the listing: every passage that matches the query above the relevance
  floor (:mod:`kb_api.retrieval.matching`), in ranking order, with its total, facet counts of that same set
  and one page of it. The API's /search, the web pages, the export and ``kb search`` show this.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

from haystack import Document, Pipeline

from ingest.store import PassageStore, StoreFilter
from kb_api.retrieval.answer_reranker import AnswerReranker
from kb_api.retrieval.answerer import ExtractiveAnswerer, Scored
from kb_api.retrieval.grouping import same_text_elsewhere
from kb_api.retrieval.matching import Match, fetch_passages, find_matches
from kb_api.retrieval.pipeline import (
    MODES,
    Mode,
    QueryPipeline,
    QueryResult,
    build_query_pipeline,
    in_order_of,
)
from kb_api.services.catalogue import CatalogueService
from kb_api.services.timing import collect_timings, timed
from kb_core.domain import FACET_FIELDS, FILTER_FIELDS, SearchFilters, date_int
from kb_core.errors import InvalidQueryError, Note
from kb_core.lang.regions import REGION_ALIASES, canonical_municipality, canonical_region
from kb_core.settings import Settings
from kb_core.text.analysis import distinct_terms
from kb_core.text.language import ENGLISH_MARKERS, detect_language

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_BOTH_REGIONS = re.compile(r"\b(?:beide regio|de twee regio|both regions|the two regions)", re.IGNORECASE)
_COMPARE = re.compile(
    r"\b(?:vergelijk|vergelijken|vergeleken|verschil|verschillen|verschilt|compare|compared|comparison|differ"
    r"|differs|difference)\b",
    re.IGNORECASE,
)


@dataclass
class SearchOutcome:
    """Ranked passages with notes for the user and where the time went."""

    results: list[Document]
    notes: list[Note]
    language: str
    query_terms: list[str]
    timings_ms: dict[str, float]
    query_embedding: list[float] | None = None
    # The answer scorer's candidates of the best passages (hybrid mode), so an answer need not score again.
    scored: Scored | None = None
    # The query with its typing errors mended from the corpus's words ("Bedoelde u …?"), if any.
    suggestion: str | None = None


@dataclass
class MatchPage:
    """One page of the passages that match a query, with the total and the facet counts of all of them.

    ``facets[field][value]`` counts the matching passages with that value, so per field the counts and
    ``missing[field]`` (matching passages without a value, e.g. regional documents have no municipality)
    add up to ``total``, and selecting a value gives exactly that many matches. ``ranking`` is the
    relevance ranking of the same retrieval (the best ``answer_top_k`` distinct passages) with the answer
    scorer's candidates of the best ``answer.passages``: an answer from it is the one ``/ask`` gives.
    """

    results: list[Document]
    total: int
    offset: int
    limit: int
    facets: dict[str, dict[str, int]]
    missing: dict[str, int]
    notes: list[Note]
    language: str
    query_terms: list[str]
    timings_ms: dict[str, float]
    ranking: SearchOutcome

    @property
    def suggestion(self) -> str | None:
        """The query with its typing errors mended (:attr:`SearchOutcome.suggestion`)."""
        return self.ranking.suggestion


def clearly_english(language: str, query: str) -> bool:
    """Guessed English and holding English words, not only the suffixes that tip the guess: a Dutch keyword
    such as 'parkeervergunning' or 'samenwerking' is guessed English too."""
    return language == "en" and bool({w.lower() for w in _WORD.findall(query)} & ENGLISH_MARKERS)


def clean_query(query: str, max_chars: int) -> str:
    """The query with its whitespace collapsed; InvalidQueryError when it is empty, holds no letter or digit,
    or is too long."""
    cleaned = " ".join(query.split())
    if not cleaned:
        raise InvalidQueryError("query_empty")
    if not any(ch.isalnum() for ch in cleaned):
        # Punctuation alone ("???") matches every passage a little in the dense leg; there is nothing to find.
        raise InvalidQueryError("query_no_words")
    if len(cleaned) > max_chars:
        raise InvalidQueryError("query_too_long", length=len(cleaned), limit=max_chars)
    return cleaned


class SearchService:
    """Owns the query pipelines over one store. Construct cheaply; :meth:`warm_up` loads the model once."""

    def __init__(self, settings: Settings, store: PassageStore, catalogue: CatalogueService) -> None:
        self.settings = settings
        self.store = store
        self.catalogue = catalogue
        self._pipelines: dict[Mode, QueryPipeline] = {}
        self._lock = threading.Lock()
        slots = settings.api.max_concurrent_searches or os.cpu_count() or 1
        # Retrievals beyond this many wait here (blocked, not competing for the cores and the GIL).
        self._slots = threading.BoundedSemaphore(slots)

    def pipeline(self, mode: Mode = "hybrid") -> QueryPipeline:
        """The warmed query pipeline for a retrieval mode (built on first use)."""
        with self._lock:
            if mode not in self._pipelines:
                query_pipeline = build_query_pipeline(self.settings, self.store, mode, self._vocabulary)
                query_pipeline.pipeline.warm_up()
                self._pipelines[mode] = query_pipeline
            return self._pipelines[mode]

    def _vocabulary(self) -> tuple[frozenset[str], set[str]]:
        return self.catalogue.common_words(), self.catalogue.corpus_terms()

    def warm_up(self) -> None:
        """Load the embedder and build the hybrid pipeline."""
        self.pipeline("hybrid")

    @property
    def haystack_pipeline(self) -> Pipeline:
        """The hybrid Haystack pipeline (its components are shared with answering)."""
        return self.pipeline("hybrid").pipeline

    @property
    def answerer(self) -> ExtractiveAnswerer:
        """The hybrid pipeline's answer scorer (it re-ranks the best passages; answers reuse its scores)."""
        reranker = self.haystack_pipeline.get_component("reranker")
        assert isinstance(reranker, AnswerReranker)
        return reranker.scorer

    def filter_conditions(self, filters: SearchFilters | None) -> tuple[StoreFilter | None, list[Note], bool]:
        """The store filter, notes on unknown values, and whether the filters can match at all."""
        if filters is None:
            return None, [], True
        if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
            raise InvalidQueryError(
                "dates_reversed", date_from=filters.date_from.isoformat(), date_to=filters.date_to.isoformat()
            )
        keywords: dict[str, list[str]] = {}
        notes: list[Note] = []
        satisfiable = True
        known = self.catalogue.known_values()
        for f in FILTER_FIELDS:
            wanted = [v for v in filters.values[f.name] if v and v.strip()]
            if not wanted:
                continue
            values = []
            for value in wanted:
                key = value.strip().lower()
                if f.name == "region":
                    key = (canonical_region(value) or value).lower()
                elif f.name == "municipality":
                    # A former municipality ("Uden") is filed under the one it merged into, as at ingestion.
                    key = (canonical_municipality(value) or value).strip().lower()
                if key in known[f.name]:
                    values.append(known[f.name][key])
                else:
                    options = ", ".join(sorted(known[f.name].values())) or "-"
                    notes.append(
                        Note(
                            "unknown_filter_value",
                            {
                                "field_nl": f.label_nl,
                                "field_en": f.label_en,
                                "value": value[:80],
                                "known": options,
                            },
                        )
                    )
            if not values:
                satisfiable = False
            keywords[f.name] = values or ["__none__"]
        ranges: dict[str, tuple[int | None, int | None]] = {}
        if filters.date_from or filters.date_to:
            ranges["date_int"] = (
                date_int(filters.date_from) if filters.date_from else None,
                date_int(filters.date_to) if filters.date_to else None,
            )
        flt = StoreFilter(keywords=keywords, ranges=ranges)
        return (flt if flt else None), notes, satisfiable

    def search(
        self,
        query: str,
        *,
        top_k: int = 10,
        filters: SearchFilters | None = None,
        sort: str = "relevance",
        mode: Mode = "hybrid",
    ) -> SearchOutcome:
        """The best distinct passages for a query (or those in date order), with notes: what answers read."""
        if mode not in MODES:
            raise InvalidQueryError("unknown_mode", mode=mode)
        query = clean_query(query, self.settings.api.max_query_chars)
        started = time.perf_counter()
        self.catalogue.refresh_if_changed()
        store_filter, notes, satisfiable = self.filter_conditions(filters)
        with collect_timings() as times:
            result = self._retrieve(query, store_filter, top_k, mode) if satisfiable else None
            timings = dict(times)
        outcome = self._outcome(query, result, top_k, notes, timings)
        if sort == "date":
            outcome.results = by_date(outcome.results)
        outcome.timings_ms["total"] = (time.perf_counter() - started) * 1000
        return outcome

    def matches(
        self,
        query: str,
        *,
        offset: int = 0,
        limit: int = 10,
        filters: SearchFilters | None = None,
        sort: str = "relevance",
        answer_top_k: int = 10,
    ) -> MatchPage:
        """One page (``offset``, ``limit``) of the passages that match ``query`` under ``filters``.

        Order: the passages of the fused ranking first, in its order, then the further matches by their
        fused vote over the deeper legs. ``sort="date"`` shows each page in date order (a page holds the next
        ``limit`` passages by relevance). Every matching passage is listed, also when another document has
        the same text; both name each other in ``also_in``.
        """
        query = clean_query(query, self.settings.api.max_query_chars)
        started = time.perf_counter()
        self.catalogue.refresh_if_changed()
        store_filter, notes, satisfiable = self.filter_conditions(filters)
        search = self.settings.search
        ordered: list[Match] = []
        page: list[Document] = []
        with collect_timings() as times:
            result = self._retrieve(query, store_filter, answer_top_k, "hybrid") if satisfiable else None
            if result is not None and result.query_embedding is not None:
                with timed(times, "matches"):
                    found = find_matches(
                        self.store,
                        query_embedding=result.query_embedding,
                        sparse_embedding=result.sparse_embedding,
                        filters=store_filter,
                        min_similarity=self.match_floor(result.language, query),
                        limit=search.max_matches,
                        weights=result.weights,
                        rrf_k=search.rrf_k,
                    )
                    ordered = ranked_matches(result.fused, found)
                    page = self._page(result.fused, ordered[offset : offset + limit])
            timings = dict(times)
        ranking = self._outcome(query, result, answer_top_k, list(notes), dict(timings))
        if sort == "date":
            page = by_date(page)
        if not ordered and not notes:
            notes.append(Note("no_results"))
        elif ordered and offset >= len(ordered):
            notes.append(Note("offset_beyond_total", {"offset": offset, "total": len(ordered)}))
        notes += [n for n in ranking.notes if n.code == "did_you_mean"]
        facets, missing = facets_of([m.meta for m in ordered])
        timings["total"] = (time.perf_counter() - started) * 1000
        return MatchPage(
            results=page,
            total=len(ordered),
            offset=offset,
            limit=limit,
            facets=facets,
            missing=missing,
            notes=notes,
            language=ranking.language,
            query_terms=ranking.query_terms,
            timings_ms=timings,
            ranking=ranking,
        )

    def match_floor(self, language: str, query: str) -> float:
        """The dense similarity from which a passage without shared terms still matches.

        The English floor needs English words in the query, not only the suffixes that tip the language
        guess: a Dutch keyword such as 'parkeervergunning' or 'samenwerking' is guessed English, and at
        the English floor it would count most of the corpus.
        """
        search = self.settings.search
        if clearly_english(language, query):
            return search.match_min_similarity_english
        return search.match_min_similarity

    def regions_compared(self, question: str) -> list[str]:
        """The regions a comparison question is about: the two or more it names; every stored region when it
        asks about "beide regio's" / "both regions"; or, when it names one region and asks to compare
        ("vergelijk Arnhem-Achterhoek met …"), that region and the others. Empty when it is not a comparison."""
        named = {
            region
            for alias, region in REGION_ALIASES.items()
            if re.search(rf"\b{re.escape(alias)}\b", question, re.I)
        }
        if _BOTH_REGIONS.search(question) or (len(named) == 1 and _COMPARE.search(question)):
            named |= set(self.catalogue.known_values()["region"].values())
        return sorted(named) if len(named) >= 2 else []

    def _retrieve(self, query: str, store_filter: StoreFilter | None, top_k: int, mode: Mode) -> QueryResult:
        pipeline = self.pipeline(mode)
        with self._slots:
            result = pipeline.run(query, store_filter, max(top_k, self.settings.search.grouping_pool))
        regions = self.regions_compared(query) if result.scored is not None else []
        if regions:
            result.documents = regions_first(result.documents, regions)
            result.fused = in_order_of(result.fused, result.documents)
        return result

    def _outcome(
        self,
        query: str,
        result: QueryResult | None,
        top_k: int,
        notes: list[Note],
        timings: dict[str, float],
    ) -> SearchOutcome:
        """The ranking outcome of a retrieval (none when the filters cannot match)."""
        scored = None
        if result is None:
            results: list[Document] = []
            language, query_terms, embedding = detect_language(query), distinct_terms(query), None
        else:
            results = result.documents[:top_k]
            language, embedding, scored = result.language, result.query_embedding, result.scored
            query_terms = distinct_terms(result.lexical_query)
        if not results and not notes:
            notes.append(Note("no_results"))
        # English words are all unknown to a Dutch corpus: a query with English words is not spell-checked. A
        # Dutch word guessed English by its suffix ("kindermishandling") is, as match_floor reads it.
        with timed(timings, "spelling"):
            english = clearly_english(language, query)
            suggestion = None if english else self.catalogue.spelling_suggestion(query)
        if suggestion:
            notes.append(Note("did_you_mean", {"suggestion": suggestion}))
        return SearchOutcome(results, notes, language, query_terms, timings, embedding, scored, suggestion)

    def _page(self, fused: list[Document], chosen: list[Match]) -> list[Document]:
        """The passages of one page: text from the fused ranking or the store, ``also_in`` in both directions."""
        known = {d.id: d for d in fused}
        stored = fetch_passages(self.store, [m for m in chosen if m.passage_id not in known])
        page = []
        for m in chosen:
            source = known.get(m.passage_id) or stored.get(m.passage_id)
            if source is None:  # removed between the two reads
                continue
            meta = {k: v for k, v in source.meta.items() if k != "also_in"}
            if m.dense_score is not None:
                meta["dense_score"] = m.dense_score
            score = source.score if m.passage_id in known else m.rrf
            page.append(Document(id=m.passage_id, content=source.content, meta=meta, score=score))
        twins = same_text_elsewhere(
            page,
            [*page, *(d for d in fused if d.id not in {p.id for p in page})],
            threshold=self.settings.search.duplicate_threshold,
        )
        for doc in page:
            doc.meta["also_in"] = twins.get(doc.id, [])
        return page


def regions_first(documents: list[Document], regions: list[str], page: int = 10) -> list[Document]:
    """For a comparison: every compared region on the first ``page`` results. A region with no passage there
    gets its best one moved to the end of that page; the rest keep their order. Re-ranking by the answer
    scorer can fill the first page with one region's passages, and a comparison needs both in view."""
    ordered = list(documents)
    for region in regions:
        if any(d.meta.get("region") == region for d in ordered[:page]):
            continue
        best = next((d for d in ordered[page:] if d.meta.get("region") == region), None)
        if best is not None:
            ordered.remove(best)
            ordered.insert(page - 1, best)
    return ordered


def ranked_matches(fused: list[Document], found: dict[str, Match]) -> list[Match]:
    """The matches in listing order: those in the fused ranking in its order, then the rest by deep vote."""
    head = [found[d.id] for d in fused if d.id in found]
    in_head = {m.passage_id for m in head}
    tail = sorted((m for pid, m in found.items() if pid not in in_head), key=lambda m: (-m.rrf, m.passage_id))
    return head + tail


def by_date(documents: list[Document]) -> list[Document]:
    """Passages ordered by document date (undated last), then by their place in the document."""
    return sorted(documents, key=lambda d: (d.meta.get("date") or "9999", d.meta.get("position", 0)))


def facets_of(metas: list[dict[str, Any]]) -> tuple[dict[str, dict[str, int]], dict[str, int]]:
    """Counts per value of every facet field among ``metas``, and per field how many have no value."""
    facets: dict[str, dict[str, int]] = {}
    missing: dict[str, int] = {}
    for f in FACET_FIELDS:
        counter: Counter[str] = Counter(str(m[f]) for m in metas if m.get(f) is not None)
        facets[f] = dict(sorted(counter.items(), key=lambda item: (-item[1], item[0])))
        missing[f] = len(metas) - sum(counter.values())
    return facets, missing
