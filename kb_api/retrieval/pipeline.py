"""Query pipelines: the product's hybrid search, and dense-only / lexical-only baselines for evaluation."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from haystack import Document, Pipeline
from haystack.dataclasses import SparseEmbedding

from ingest.embedder import text_embedder
from ingest.sparse import DutchSparseTextEmbedder
from ingest.store import PassageStore, StoreFilter
from kb_api.retrieval.answer_reranker import AnswerReranker
from kb_api.retrieval.answer_type_booster import AnswerTypeBooster
from kb_api.retrieval.answerer import ExtractiveAnswerer, Scored
from kb_api.retrieval.grouping import DuplicateGrouper
from kb_api.retrieval.hybrid_retriever import DenseRetriever, SparseRetriever, WeightedHybridRetriever
from kb_api.retrieval.query_analyzer import QueryAnalyzer
from kb_core.settings import Settings

Mode = Literal["hybrid", "dense", "lexical"]
MODES: tuple[Mode, ...] = ("hybrid", "dense", "lexical")


def build_query_pipeline(
    settings: Settings,
    store: PassageStore,
    mode: Mode = "hybrid",
    vocabulary: Callable[[], tuple[frozenset[str], set[str]]] | None = None,
) -> QueryPipeline:
    """Build the query pipeline of a retrieval mode (not warmed up). ``vocabulary``: the corpus's lower-case
    words and its stems, for the answer scorer's features (read from the passages when absent)."""
    pipe = Pipeline()
    dense = text_embedder(settings) if mode in ("hybrid", "dense") else None
    if dense is not None:
        pipe.add_component("dense", dense)
    if mode in ("hybrid", "lexical"):
        pipe.add_component("sparse", DutchSparseTextEmbedder())
    if mode == "hybrid":
        pipe.add_component(
            "analyzer",
            QueryAnalyzer(
                dutch_weights=settings.search.dutch_weights,
                english_weights=settings.search.english_weights,
                exact_boost=settings.search.exact_boost,
            ),
        )
        pipe.add_component(
            "retriever",
            WeightedHybridRetriever(
                store=store,
                candidates=settings.search.candidates_per_leg,
                rrf_k=settings.search.rrf_k,
            ),
        )
        pipe.connect("analyzer.weights", "retriever.weights")
        pipe.connect("analyzer.lexical_query", "sparse.text")
        pipe.connect("dense.embedding", "retriever.query_embedding")
        pipe.connect("sparse.sparse_embedding", "retriever.query_sparse_embedding")
        pipe.add_component(
            "answer_type",
            AnswerTypeBooster(
                definition_boost=settings.search.definition_boost,
                figure_boost=settings.search.figure_boost,
                rrf_k=settings.search.rrf_k,
            ),
        )
        pipe.connect("retriever.documents", "answer_type.documents")
    elif mode == "dense":
        pipe.add_component("retriever", DenseRetriever(store=store))
        pipe.connect("dense.embedding", "retriever.query_embedding")
    else:
        pipe.add_component("retriever", SparseRetriever(store=store))
        pipe.connect("sparse.sparse_embedding", "retriever.query_sparse_embedding")
    pipe.add_component("grouper", DuplicateGrouper(threshold=settings.search.duplicate_threshold))
    pipe.connect("answer_type.documents" if mode == "hybrid" else "retriever.documents", "grouper.documents")
    if mode == "hybrid":
        pipe.add_component(
            "reranker",
            AnswerReranker(
                scorer=answer_scorer(settings, store, dense),
                enabled=settings.search.rerank,
                vocabulary=vocabulary,
            ),
        )
        pipe.connect("grouper.documents", "reranker.documents")
        pipe.connect("dense.embedding", "reranker.query_embedding")
        pipe.connect("analyzer.language", "reranker.language")
        pipe.connect("analyzer.lexical_query", "reranker.lexical_query")
    return QueryPipeline(pipe, mode)


def answer_scorer(settings: Settings, store: PassageStore, embedder: Any) -> ExtractiveAnswerer:
    """The answer component: it scores the passages for re-ranking and answers from the same scores; it
    shares the pipeline's ``embedder`` (for units ingestion did not store) and reads stored unit vectors."""
    a = settings.answer

    def stored_vectors(unit_ids: list[str]) -> dict[str, Any]:
        return {k: v for k, (v, _) in store.unit_vectors(unit_ids).items()}

    return ExtractiveAnswerer(
        embedder=embedder,
        model_path=a.model_path,
        passages=a.passages,
        max_quotes=a.max_quotes,
        cache_size=a.cache_size,
        max_unknown_share=a.max_unknown_share,
        vector_lookup=stored_vectors,
    )


@dataclass
class QueryResult:
    """What a query pipeline run gives: the ranked passages and what the query analysis found.

    ``documents`` is the final ranking (duplicates folded into ``also_in``; in hybrid mode the best ones
    re-ranked by the answer scorer, whose candidates and probabilities are ``scored``); ``fused`` the same
    passages before grouping, in the same order, with the query's sparse vector and RRF weights, from which
    the search service finds every matching passage.
    """

    documents: list[Document]
    language: str
    lexical_query: str
    query_embedding: list[float] | None
    fused: list[Document] = field(default_factory=list)
    sparse_embedding: SparseEmbedding | None = None
    weights: list[float] | None = None
    scored: Scored | None = None


class QueryPipeline:
    """A built query pipeline with the inputs and outputs of its mode spelled out."""

    def __init__(self, pipeline: Pipeline, mode: Mode) -> None:
        self.pipeline = pipeline
        self.mode = mode

    def run(self, query: str, filters: StoreFilter | None, top_k: int) -> QueryResult:
        """Retrieve ``top_k`` passages for ``query`` under the store filter."""
        data: dict[str, dict[str, Any]] = {"retriever": {"filters": filters, "top_k": top_k}}
        outputs: set[str] = set()
        if self.mode == "hybrid":
            data |= {
                "analyzer": {"query": query},
                "dense": {"text": query},
                "answer_type": {"query": query},
                "reranker": {"query": query},
            }
            outputs = {"analyzer", "dense", "sparse", "answer_type"}
        elif self.mode == "dense":
            data["dense"] = {"text": query}
            outputs = {"dense"}
        else:
            data["sparse"] = {"text": query}
        out = self.pipeline.run(data, include_outputs_from=outputs)
        analysis = out.get("analyzer", {})
        reranked = out.get("reranker")
        documents = reranked["documents"] if reranked else out["grouper"]["documents"]
        scored = reranked.get("scored") if reranked else None
        fused = list(out.get("answer_type", {}).get("documents", []))
        return QueryResult(
            documents=documents,
            language=analysis.get("language", "nl"),
            lexical_query=analysis.get("lexical_query", query),
            query_embedding=out.get("dense", {}).get("embedding"),
            fused=in_order_of(fused, documents) if scored is not None else fused,
            sparse_embedding=out.get("sparse", {}).get("sparse_embedding"),
            weights=analysis.get("weights"),
            scored=scored,
        )


def in_order_of(fused: list[Document], ranking: list[Document]) -> list[Document]:
    """``fused`` with the passages of ``ranking`` first, in its order, each followed by the duplicates it
    stands for (its ``also_in``), then the rest in fused order."""
    by_id = {d.id: d for d in fused}
    ordered: list[Document] = []
    seen: set[str] = set()
    for doc in ranking:
        for pid in (doc.id, *(str(a.get("passage_id")) for a in doc.meta.get("also_in", []))):
            if pid in by_id and pid not in seen:
                ordered.append(by_id[pid])
                seen.add(pid)
    return ordered + [d for d in fused if d.id not in seen]
