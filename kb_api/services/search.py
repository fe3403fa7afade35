"""Search: cited passages for a query with filters, facets and notes (the API, the CLI and the evaluation)."""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

from haystack import Document, Pipeline

from ingest.store import PassageStore
from kb_api.retrieval.pipeline import MODES, Mode, QueryPipeline, build_query_pipeline
from kb_api.services.catalogue import CatalogueService
from kb_api.services.timing import collect_timings
from kb_core.domain import FACET_FIELDS, FILTER_FIELDS, SearchFilters, date_int
from kb_core.errors import InvalidQueryError, Note
from kb_core.lang.regions import canonical_region
from kb_core.settings import Settings
from kb_core.text.analysis import terms


@dataclass
class SearchOutcome:
    """Ranked passages with facets, notes for the user and where the time went."""

    results: list[Document]
    facets: dict[str, dict[str, int]]
    notes: list[Note]
    language: str
    query_terms: list[str]
    timings_ms: dict[str, float]
    query_embedding: list[float] | None = None


def clean_query(query: str, max_chars: int) -> str:
    """The query with its whitespace collapsed; InvalidQueryError when it is empty or too long."""
    cleaned = " ".join(query.split())
    if not cleaned:
        raise InvalidQueryError("query_empty")
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

    def pipeline(self, mode: Mode = "hybrid") -> QueryPipeline:
        """The warmed query pipeline for a retrieval mode (built on first use)."""
        with self._lock:
            if mode not in self._pipelines:
                query_pipeline = build_query_pipeline(self.settings, self.store, mode)
                query_pipeline.pipeline.warm_up()
                self._pipelines[mode] = query_pipeline
            return self._pipelines[mode]

    def warm_up(self) -> None:
        """Load the embedder and build the hybrid pipeline."""
        self.pipeline("hybrid")

    @property
    def haystack_pipeline(self) -> Pipeline:
        """The hybrid Haystack pipeline (its components are shared with answering)."""
        return self.pipeline("hybrid").pipeline

    def filter_conditions(
        self, filters: SearchFilters | None
    ) -> tuple[dict[str, Any] | None, list[Note], bool]:
        """Haystack filters, notes on unknown values, and whether the filters can match at all."""
        if filters is None:
            return None, [], True
        if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
            raise InvalidQueryError(
                "dates_reversed", date_from=filters.date_from.isoformat(), date_to=filters.date_to.isoformat()
            )
        conditions: list[dict[str, Any]] = []
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
            conditions.append({"field": f"meta.{f.name}", "operator": "in", "value": values or ["__none__"]})
        if filters.date_from:
            conditions.append(
                {"field": "meta.date_int", "operator": ">=", "value": date_int(filters.date_from)}
            )
        if filters.date_to:
            conditions.append(
                {"field": "meta.date_int", "operator": "<=", "value": date_int(filters.date_to)}
            )
        if not conditions:
            return None, notes, satisfiable
        return {"operator": "AND", "conditions": conditions}, notes, satisfiable

    def search(
        self,
        query: str,
        *,
        top_k: int = 10,
        filters: SearchFilters | None = None,
        sort: str = "relevance",
        mode: Mode = "hybrid",
    ) -> SearchOutcome:
        """Ranked (or date-ordered) cited passages for a query, with facets and notes."""
        if mode not in MODES:
            raise InvalidQueryError("unknown_mode", mode=mode)
        query = clean_query(query, self.settings.api.max_query_chars)
        started = time.perf_counter()
        self.catalogue.refresh_if_changed()
        haystack_filters, notes, satisfiable = self.filter_conditions(filters)
        query_terms = sorted(set(terms(query)))
        language = "nl"
        pool: list[Document] = []
        query_embedding = None
        with collect_timings() as times:
            if satisfiable:
                result = self.pipeline(mode).run(
                    query, haystack_filters, max(top_k, self.settings.search.facet_pool)
                )
                pool = result.documents
                language = result.language
                query_terms = sorted(set(terms(result.lexical_query)))
                query_embedding = result.query_embedding
            timings = dict(times)
        results = pool[:top_k]
        if sort == "date":
            results = sorted(results, key=lambda d: (d.meta.get("date") or "9999", d.meta.get("position", 0)))
        if not results and not notes:
            notes.append(Note("no_results"))
        timings["total"] = (time.perf_counter() - started) * 1000
        return SearchOutcome(results, facets_of(pool), notes, language, query_terms, timings, query_embedding)


def facets_of(pool: list[Document]) -> dict[str, dict[str, int]]:
    """Counts per value of every facet field among ``pool``."""
    facets: dict[str, dict[str, int]] = {}
    for f in FACET_FIELDS:
        counter: Counter[str] = Counter(str(d.meta[f]) for d in pool if d.meta.get(f) is not None)
        facets[f] = dict(counter.most_common())
    return facets
