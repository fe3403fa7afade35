"""Query pipelines: the product's hybrid search, and dense-only / lexical-only baselines for evaluation."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from haystack import Document, Pipeline
from haystack.dataclasses import SparseEmbedding

from ingest.embedder import text_embedder
from ingest.sparse import DutchSparseTextEmbedder
from ingest.store import PassageStore, StoreFilter
from kb_api.retrieval.answer_type_booster import AnswerTypeBooster
from kb_api.retrieval.grouping import DuplicateGrouper
from kb_api.retrieval.hybrid_retriever import DenseRetriever, SparseRetriever, WeightedHybridRetriever
from kb_api.retrieval.query_analyzer import QueryAnalyzer
from kb_core.settings import Settings

Mode = Literal["hybrid", "dense", "lexical"]
MODES: tuple[Mode, ...] = ("hybrid", "dense", "lexical")


def build_query_pipeline(settings: Settings, store: PassageStore, mode: Mode = "hybrid") -> QueryPipeline:
    """Build the query pipeline of a retrieval mode (not warmed up)."""
    pipe = Pipeline()
    if mode in ("hybrid", "dense"):
        pipe.add_component("dense", text_embedder(settings))
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
    return QueryPipeline(pipe, mode)


@dataclass
class QueryResult:
    """What a query pipeline run gives: the ranked passages and what the query analysis found.

    ``documents`` is the final ranking (duplicates folded into ``also_in``); ``fused`` the same passages
    before grouping (hybrid mode), with the query's sparse vector and RRF weights, from which the search
    service finds every matching passage.
    """

    documents: list[Document]
    language: str
    lexical_query: str
    query_embedding: list[float] | None
    fused: list[Document] = field(default_factory=list)
    sparse_embedding: SparseEmbedding | None = None
    weights: list[float] | None = None


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
            data |= {"analyzer": {"query": query}, "dense": {"text": query}, "answer_type": {"query": query}}
            outputs = {"analyzer", "dense", "sparse", "answer_type"}
        elif self.mode == "dense":
            data["dense"] = {"text": query}
            outputs = {"dense"}
        else:
            data["sparse"] = {"text": query}
        out = self.pipeline.run(data, include_outputs_from=outputs)
        analysis = out.get("analyzer", {})
        return QueryResult(
            documents=out["grouper"]["documents"],
            language=analysis.get("language", "nl"),
            lexical_query=analysis.get("lexical_query", query),
            query_embedding=out.get("dense", {}).get("embedding"),
            fused=list(out.get("answer_type", {}).get("documents", [])),
            sparse_embedding=out.get("sparse", {}).get("sparse_embedding"),
            weights=analysis.get("weights"),
        )
