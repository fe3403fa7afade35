"""Retrieval from the passage store: hybrid (dense and Dutch-sparse legs, both filtered, fused by weighted RRF),
and the dense-only / lexical-only legs the evaluation's baselines use."""

from __future__ import annotations

from haystack import Document, component
from haystack.dataclasses import SparseEmbedding

from ingest.store import PassageStore, StoreFilter, to_document


@component
class WeightedHybridRetriever:
    """``store.hybrid``: a sparse and a dense prefetch (``candidates`` deep each) fused by RRF with per-query weights.

    Each result also gets ``meta['dense_score']``, its cosine similarity to the query, which answering uses
    to decide whether anything answers at all.
    """

    def __init__(
        self, *, store: PassageStore, top_k: int = 10, candidates: int = 50, rrf_k: int = 60
    ) -> None:
        self.store = store
        self.top_k = top_k
        self.candidates = candidates
        self.rrf_k = rrf_k

    @component.output_types(documents=list[Document])
    def run(
        self,
        query_embedding: list[float],
        query_sparse_embedding: SparseEmbedding,
        weights: list[float] | None = None,
        filters: StoreFilter | None = None,
        top_k: int | None = None,
    ) -> dict[str, list[Document]]:
        """Fused passages, best first; ``weights`` is ``[sparse, dense]``."""
        sparse_weight, dense_weight = (weights or [1.0, 1.0])[:2]
        passages = self.store.hybrid(
            query_embedding,
            query_sparse_embedding.indices,
            query_sparse_embedding.values,
            weights=(sparse_weight, dense_weight),
            flt=filters,
            limit=top_k or self.top_k,
            candidates=self.candidates,
            rrf_k=self.rrf_k,
        )
        return {"documents": [to_document(p) for p in passages]}


@component
class DenseRetriever:
    """``store.dense``: the nearest passages by cosine (the dense-only baseline)."""

    def __init__(self, *, store: PassageStore, top_k: int = 10) -> None:
        self.store = store
        self.top_k = top_k

    @component.output_types(documents=list[Document])
    def run(
        self, query_embedding: list[float], filters: StoreFilter | None = None, top_k: int | None = None
    ) -> dict[str, list[Document]]:
        """Passages best first, ``meta['dense_score']`` set."""
        passages = self.store.dense(query_embedding, flt=filters, limit=top_k or self.top_k)
        return {"documents": [to_document(p) for p in passages]}


@component
class SparseRetriever:
    """``store.sparse``: the best passages by the Dutch BM25 sparse vector (the lexical-only baseline)."""

    def __init__(self, *, store: PassageStore, top_k: int = 10) -> None:
        self.store = store
        self.top_k = top_k

    @component.output_types(documents=list[Document])
    def run(
        self,
        query_sparse_embedding: SparseEmbedding,
        filters: StoreFilter | None = None,
        top_k: int | None = None,
    ) -> dict[str, list[Document]]:
        """Passages best first (none when the query has no lexical term)."""
        passages = self.store.sparse(
            query_sparse_embedding.indices,
            query_sparse_embedding.values,
            flt=filters,
            limit=top_k or self.top_k,
        )
        return {"documents": [to_document(p) for p in passages]}
