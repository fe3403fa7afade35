"""Query pipelines: the product's hybrid search, and dense-only / lexical-only baselines for evaluation."""

from __future__ import annotations

from typing import Literal

from haystack import Pipeline
from haystack_integrations.components.retrievers.qdrant import (
    QdrantEmbeddingRetriever,
    QdrantSparseEmbeddingRetriever,
)
from haystack_integrations.document_stores.qdrant import QdrantDocumentStore

from ingest.embedder import text_embedder
from ingest.sparse import DutchSparseTextEmbedder
from kb_api.config import Settings
from kb_api.retrieval.answer_type_booster import AnswerTypeBooster
from kb_api.retrieval.grouping import DuplicateGrouper
from kb_api.retrieval.hybrid_retriever import WeightedHybridRetriever
from kb_api.retrieval.query_analyzer import QueryAnalyzer

Mode = Literal["hybrid", "dense", "lexical"]
MODES: tuple[Mode, ...] = ("hybrid", "dense", "lexical")


def build_query_pipeline(settings: Settings, store: QdrantDocumentStore, mode: Mode = "hybrid") -> Pipeline:
    """Build the query pipeline; inputs go to ``analyzer.query`` / ``dense.text`` / ``sparse.text`` and ``retriever``."""
    pipe = Pipeline()
    if mode in ("hybrid", "dense"):
        pipe.add_component("dense", text_embedder(settings))
    if mode in ("hybrid", "lexical"):
        pipe.add_component("sparse", DutchSparseTextEmbedder())
    if mode == "hybrid":
        pipe.add_component("analyzer", QueryAnalyzer())
        pipe.add_component(
            "retriever",
            WeightedHybridRetriever(
                document_store=store, candidates=settings.candidates_per_leg, rrf_k=settings.rrf_k
            ),
        )
        pipe.connect("analyzer.weights", "retriever.weights")
        pipe.connect("analyzer.lexical_query", "sparse.text")
        pipe.connect("dense.embedding", "retriever.query_embedding")
        pipe.connect("sparse.sparse_embedding", "retriever.query_sparse_embedding")
        pipe.add_component(
            "answer_type",
            AnswerTypeBooster(
                definition_boost=settings.definition_boost,
                figure_boost=settings.figure_boost,
                rrf_k=settings.rrf_k,
            ),
        )
        pipe.connect("retriever.documents", "answer_type.documents")
    elif mode == "dense":
        pipe.add_component("retriever", QdrantEmbeddingRetriever(document_store=store))
        pipe.connect("dense.embedding", "retriever.query_embedding")
    else:
        pipe.add_component("retriever", QdrantSparseEmbeddingRetriever(document_store=store))
        pipe.connect("sparse.sparse_embedding", "retriever.query_sparse_embedding")
    pipe.add_component("grouper", DuplicateGrouper())
    pipe.connect("answer_type.documents" if mode == "hybrid" else "retriever.documents", "grouper.documents")
    return pipe


def pipeline_inputs(pipe: Pipeline, query: str, filters: dict | None, top_k: int) -> dict[str, dict]:
    """The run() inputs of a query pipeline built by :func:`build_query_pipeline`."""
    data: dict[str, dict] = {"retriever": {"filters": filters, "top_k": top_k}}
    names = set(pipe.graph.nodes)
    if "dense" in names:
        data["dense"] = {"text": query}
    if "sparse" in names and "analyzer" not in names:
        data["sparse"] = {"text": query}
    if "analyzer" in names:
        data["analyzer"] = {"query": query}
    if "answer_type" in names:
        data["answer_type"] = {"query": query}
    return data
