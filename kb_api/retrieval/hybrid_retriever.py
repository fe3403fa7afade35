"""Hybrid retrieval inside Qdrant: dense and Dutch-sparse legs, both filtered, fused by weighted RRF."""

from __future__ import annotations

from typing import Any

import numpy as np
from haystack import Document, component, default_to_dict
from haystack.dataclasses import SparseEmbedding
from haystack_integrations.document_stores.qdrant import QdrantDocumentStore
from haystack_integrations.document_stores.qdrant.converters import (
    DENSE_VECTORS_NAME,
    SPARSE_VECTORS_NAME,
)
from haystack_integrations.document_stores.qdrant.filters import convert_filters_to_qdrant
from qdrant_client.http import models as rest

from ingest.store import STORE_LOCK, StoreUnavailableError, open_client


@component
class WeightedHybridRetriever:
    """Qdrant ``query_points`` with two prefetches (sparse, dense) and an RRF query with per-query weights.

    Unlike the integration's QdrantHybridRetriever it sets how deep each leg goes (``candidates``), so
    fusion sees more than Qdrant's default of 10 per leg. Each result also gets ``meta['dense_score']``,
    its cosine similarity to the query, which answering uses to decide whether anything answers at all.
    """

    def __init__(
        self, *, document_store: QdrantDocumentStore, top_k: int = 10, candidates: int = 50, rrf_k: int = 60
    ) -> None:
        self.document_store = document_store
        self.top_k = top_k
        self.candidates = candidates
        self.rrf_k = rrf_k

    def to_dict(self) -> dict[str, Any]:
        """Serialise the component."""
        return default_to_dict(
            self,
            document_store=self.document_store.to_dict(),
            top_k=self.top_k,
            candidates=self.candidates,
            rrf_k=self.rrf_k,
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> WeightedHybridRetriever:
        """Deserialise the component."""
        params = dict(data["init_parameters"])
        params["document_store"] = QdrantDocumentStore.from_dict(params["document_store"])
        return cls(**params)

    @component.output_types(documents=list[Document])
    def run(
        self,
        query_embedding: list[float],
        query_sparse_embedding: SparseEmbedding,
        weights: list[float] | None = None,
        filters: dict[str, Any] | None = None,
        top_k: int | None = None,
    ) -> dict[str, list[Document]]:
        """Fused passages, best first; ``weights`` is ``[sparse, dense]``."""
        client = open_client(self.document_store)
        limit = top_k or self.top_k
        qfilter = convert_filters_to_qdrant(filters) if filters else None
        prefetch = [
            rest.Prefetch(
                query=rest.SparseVector(
                    indices=query_sparse_embedding.indices, values=query_sparse_embedding.values
                ),
                using=SPARSE_VECTORS_NAME,
                filter=qfilter,
                limit=max(self.candidates, limit),
            ),
            rest.Prefetch(
                query=query_embedding,
                using=DENSE_VECTORS_NAME,
                filter=qfilter,
                limit=max(self.candidates, limit),
            ),
        ]
        if not query_sparse_embedding.indices:
            prefetch = prefetch[1:]
            weights = weights[1:] if weights else None
        try:
            with STORE_LOCK:
                points = client.query_points(
                    self.document_store.index,
                    prefetch=prefetch,
                    query=rest.RrfQuery(rrf=rest.Rrf(k=self.rrf_k, weights=weights)),
                    limit=limit,
                    with_payload=True,
                    with_vectors=[DENSE_VECTORS_NAME],
                ).points
        except Exception as exc:
            raise StoreUnavailableError(f"search in the Qdrant store failed: {exc}") from exc
        query = np.asarray(query_embedding, dtype=np.float32)
        documents = []
        for point in points:
            payload = dict(point.payload or {})
            meta = dict(payload.get("meta", {}))
            vectors = point.vector if isinstance(point.vector, dict) else {}
            dense = vectors.get(DENSE_VECTORS_NAME)
            if dense is not None:
                meta["dense_score"] = float(np.dot(query, np.asarray(dense, dtype=np.float32)))
            documents.append(
                Document(
                    id=payload.get("id", str(point.id)),
                    content=payload.get("content"),
                    meta=meta,
                    score=point.score,
                )
            )
        return {"documents": documents}
