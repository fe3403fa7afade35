"""Search, ask and browse: the one code path used by the API, the CLI and the evaluation."""

from __future__ import annotations

import logging
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from haystack import Document, Pipeline
from haystack_integrations.document_stores.qdrant import QdrantDocumentStore

from ingest.analysis import terms
from ingest.regions import REGION_ALIASES, canonical_region
from ingest.store import count_passages, iter_passages, stored_documents
from kb_api.config import Settings
from kb_api.errors import DocumentNotFoundError, InvalidQueryError
from kb_api.retrieval.answerer import (
    ExtractiveAnswerer,
    key_entities,
    lower_case_words,
    missing_from,
    text_with_context,
)
from kb_api.retrieval.pipeline import MODES, Mode, build_query_pipeline, pipeline_inputs

logger = logging.getLogger(__name__)

FACET_FIELDS = ("region", "municipality", "doc_type", "year")
FILTER_FIELDS = ("region", "municipality", "doc_type")
FACET_POOL = 50
_BOTH_REGIONS = re.compile(r"\b(?:beide regio|de twee regio|both regions|the two regions)", re.IGNORECASE)
_COMPARE = re.compile(
    r"\b(?:vergelijk|vergelijken|vergeleken|verschil|verschillen|verschilt|compare|compared|comparison|differ"
    r"|differs|difference)\b",
    re.IGNORECASE,
)


@dataclass
class SearchFilters:
    """What the user narrowed the search to; empty lists and None mean 'any'."""

    region: list[str] = field(default_factory=list)
    municipality: list[str] = field(default_factory=list)
    doc_type: list[str] = field(default_factory=list)
    date_from: date | None = None
    date_to: date | None = None


@dataclass
class SearchOutcome:
    """Ranked passages with facets, notes for the user and where the time went."""

    results: list[Document]
    facets: dict[str, dict[str, int]]
    notes: list[str]
    language: str
    query_terms: list[str]
    timings_ms: dict[str, float]
    query_embedding: list[float] | None = None


@dataclass
class AnswerOutcome:
    """An extractive answer with exact quotes, or an abstention."""

    answer: str
    answerable: bool
    citations: list[dict[str, Any]]
    passages: list[Document]
    language: str
    timings_ms: dict[str, float]
    notes: list[str] = field(default_factory=list)


class _Timer:
    """Accumulates the time spent in wrapped component run() calls, per request thread."""

    def __init__(self) -> None:
        self.local = threading.local()

    def reset(self) -> dict[str, float]:
        self.local.times = {}
        return self.local.times

    def wrap(self, name: str, instance: Any) -> None:
        original = instance.run

        def timed_run(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                times = getattr(self.local, "times", None)
                if times is not None:
                    times[name] = times.get(name, 0.0) + (time.perf_counter() - started) * 1000

        instance.run = timed_run


class SearchService:
    """Owns the query pipelines over one store. Construct cheaply; :meth:`warm_up` loads the model once."""

    def __init__(self, settings: Settings, store: QdrantDocumentStore) -> None:
        self.settings = settings
        self.store = store
        self._pipelines: dict[str, Pipeline] = {}
        self._answerer: ExtractiveAnswerer | None = None
        self._known: dict[str, dict[str, str]] | None = None
        self._corpus_terms: set[str] | None = None
        self._common_words: frozenset[str] | None = None
        self._cached_count: int | None = None
        self._timer = _Timer()
        self._lock = threading.Lock()

    # --- set-up -------------------------------------------------------------------------------
    def pipeline(self, mode: Mode = "hybrid") -> Pipeline:
        """The warmed query pipeline for a retrieval mode (built on first use)."""
        with self._lock:
            if mode not in self._pipelines:
                pipe = build_query_pipeline(self.settings, self.store, mode)
                pipe.warm_up()
                for name in ("dense", "retriever"):
                    if name in pipe.graph.nodes:
                        self._timer.wrap(name, pipe.get_component(name))
                self._pipelines[mode] = pipe
            return self._pipelines[mode]

    def warm_up(self) -> None:
        """Load the embedder and build the hybrid pipeline and the answerer."""
        pipe = self.pipeline("hybrid")
        if self._answerer is None:
            self._answerer = ExtractiveAnswerer(
                embedder=pipe.get_component("dense"),
                min_similarity=self.settings.answer_min_similarity,
                min_similarity_english=self.settings.answer_min_similarity_english,
                definition_bonus=self.settings.answer_definition_bonus,
            )
        self.corpus_terms()

    def refresh(self) -> None:
        """Forget cached document metadata and vocabulary (call after ingestion)."""
        self._known = None
        self._corpus_terms = None
        self._common_words = None

    def _refresh_if_changed(self) -> None:
        """Drop the caches when the store changed underneath (another process ingested into a Qdrant server)."""
        count = count_passages(self.store)
        if count != self._cached_count:
            self.refresh()
            self._cached_count = count

    def corpus_terms(self) -> set[str]:
        """Every term (stem) that occurs in a stored passage or its metadata, to recognise unknown names."""
        if self._corpus_terms is None:
            self._read_vocabulary()
        assert self._corpus_terms is not None
        return self._corpus_terms

    def corpus_common_words(self) -> frozenset[str]:
        """Every word a stored passage writes in lower case, to tell titles ("Samen Veilig") from names."""
        if self._common_words is None:
            self._read_vocabulary()
        assert self._common_words is not None
        return self._common_words

    def _read_vocabulary(self) -> None:
        """Read the corpus vocabulary in one pass over the stored passages."""
        vocabulary: set[str] = set()
        contents: list[str] = []
        for passage in iter_passages(self.store):
            vocabulary.update(terms(text_with_context(passage)))
            contents.append(passage.content or "")
        self._corpus_terms = vocabulary
        self._common_words = lower_case_words(contents)

    def known_values(self) -> dict[str, dict[str, str]]:
        """Stored values per filter field, keyed by their lower-case form (for case-insensitive filters)."""
        if self._known is None:
            known: dict[str, dict[str, str]] = {f: {} for f in FILTER_FIELDS}
            for doc in stored_documents(self.store).values():
                for f in FILTER_FIELDS:
                    if doc.get(f):
                        known[f][str(doc[f]).lower()] = str(doc[f])
            self._known = known
        return self._known

    # --- filters ------------------------------------------------------------------------------
    def _filter_conditions(
        self, filters: SearchFilters | None
    ) -> tuple[dict[str, Any] | None, list[str], bool]:
        """Haystack filters, notes on unknown values, and whether the filters can match at all."""
        if filters is None:
            return None, [], True
        if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
            raise InvalidQueryError(
                f"date_from ({filters.date_from}) ligt na date_to ({filters.date_to}) / is after date_to"
            )
        conditions: list[dict[str, Any]] = []
        notes: list[str] = []
        satisfiable = True
        known = self.known_values()
        for f in FILTER_FIELDS:
            wanted = [v for v in getattr(filters, f) if v and v.strip()]
            if not wanted:
                continue
            values = []
            for value in wanted:
                key = value.strip().lower()
                if f == "region":
                    key = (canonical_region(value) or value).lower()
                if key in known[f]:
                    values.append(known[f][key])
                else:
                    options = ", ".join(sorted(known[f].values())) or "-"
                    notes.append(
                        f"Onbekende waarde voor {f}: '{value}' (unknown value). Bekend/known: {options}"
                    )
            if not values:
                satisfiable = False
            conditions.append({"field": f"meta.{f}", "operator": "in", "value": values or ["__none__"]})
        if filters.date_from:
            conditions.append(
                {"field": "meta.date_int", "operator": ">=", "value": _date_int(filters.date_from)}
            )
        if filters.date_to:
            conditions.append(
                {"field": "meta.date_int", "operator": "<=", "value": _date_int(filters.date_to)}
            )
        if not conditions:
            return None, notes, satisfiable
        return {"operator": "AND", "conditions": conditions}, notes, satisfiable

    def _check_query(self, query: str) -> str:
        cleaned = " ".join(query.split())
        if not cleaned:
            raise InvalidQueryError("De zoekvraag is leeg / the query is empty")
        if len(cleaned) > self.settings.max_query_chars:
            raise InvalidQueryError(
                f"De zoekvraag is te lang ({len(cleaned)} tekens, max {self.settings.max_query_chars}) / query too long"
            )
        return cleaned

    # --- search -------------------------------------------------------------------------------
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
            raise InvalidQueryError(f"unknown mode '{mode}'")
        query = self._check_query(query)
        started = time.perf_counter()
        self._refresh_if_changed()
        haystack_filters, notes, satisfiable = self._filter_conditions(filters)
        query_terms = sorted(set(terms(query)))
        times = self._timer.reset()
        language = "nl"
        pool: list[Document] = []
        query_embedding = None
        if satisfiable:
            pipe = self.pipeline(mode)
            names = set(pipe.graph.nodes) & {"analyzer", "dense"}
            out = pipe.run(
                pipeline_inputs(pipe, query, haystack_filters, max(top_k, FACET_POOL)),
                include_outputs_from=names,
            )
            pool = out["grouper"]["documents"]
            language = out.get("analyzer", {}).get("language", "nl")
            lexical_query = out.get("analyzer", {}).get("lexical_query", query)
            query_terms = sorted(set(terms(lexical_query)))
            query_embedding = out.get("dense", {}).get("embedding")
        facets = _facets(pool)
        results = pool[:top_k]
        if sort == "date":
            results = sorted(results, key=lambda d: (d.meta.get("date") or "9999", d.meta.get("position", 0)))
        if not results and not notes:
            notes.append("Geen resultaten / no results")
        timings = dict(times)
        timings["total"] = (time.perf_counter() - started) * 1000
        return SearchOutcome(results, facets, notes, language, query_terms, timings, query_embedding)

    def ask(
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
        self.warm_up()
        assert self._answerer is not None
        started = time.perf_counter()
        regions = self.regions_compared(question)
        outcome = search_outcome
        if outcome is None or outcome.query_embedding is None:
            # A comparison looks further down the ranking, for the passages of the region ranked lower.
            top_k = self._answerer.passages * (3 if regions else 1)
            outcome = self.search(question, top_k=top_k, filters=filters)
        answer_start = time.perf_counter()
        query = " ".join(question.split())
        result = self._answerer.run(
            query=query,
            documents=outcome.results,
            query_embedding=outcome.query_embedding or [],
            language=outcome.language,
            missing_entities=missing_from(key_entities(query), self.corpus_terms()),
            query_terms=outcome.query_terms,
            regions=regions,
            common_words=self.corpus_common_words(),
        )
        timings = dict(outcome.timings_ms)
        timings["answer"] = (time.perf_counter() - answer_start) * 1000
        timings["total"] = (time.perf_counter() - started) * 1000
        return AnswerOutcome(
            result["answer"],
            result["answerable"],
            result["citations"],
            outcome.results,
            outcome.language,
            timings,
        )

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
            named |= set(self.known_values()["region"].values())
        return sorted(named) if len(named) >= 2 else []

    # --- browse -------------------------------------------------------------------------------
    def documents(self) -> list[dict[str, Any]]:
        """Every stored document's metadata and passage count, newest first."""
        docs = list(stored_documents(self.store).values())
        return sorted(docs, key=lambda d: (d.get("date") or "", d["document_id"]), reverse=True)

    def document(self, document_id: str) -> tuple[dict[str, Any], list[Document]]:
        """A document's metadata and its passages in reading order."""
        passages = sorted(
            iter_passages(self.store, document_id=document_id), key=lambda d: d.meta.get("position", 0)
        )
        if not passages:
            raise DocumentNotFoundError(document_id)
        meta = passages[0].meta
        info = {
            k: meta.get(k)
            for k in (
                "document_id",
                "title",
                "municipality",
                "region",
                "doc_type",
                "date",
                "file_name",
                "page_count",
                "source_format",
            )
        }
        info["passages"] = len(passages)
        return info, passages

    def health(self) -> dict[str, Any]:
        """Store reachability, document and passage counts."""
        docs = stored_documents(self.store)
        return {
            "store": "qdrant-server" if self.settings.qdrant_url else "qdrant-embedded",
            "collection": self.settings.collection,
            "documents": len(docs),
            "passages": count_passages(self.store),
        }


def _date_int(value: date) -> int:
    return value.year * 10000 + value.month * 100 + value.day


def _facets(pool: list[Document]) -> dict[str, dict[str, int]]:
    facets: dict[str, dict[str, int]] = {}
    for f in FACET_FIELDS:
        counter: Counter[str] = Counter(str(d.meta[f]) for d in pool if d.meta.get(f) is not None)
        facets[f] = dict(counter.most_common())
    return facets
