"""The matching passages of a query: every passage above the relevance floor, not only the fused top.

A passage matches a query (under its filters) when it is among the first ``limit`` passages of the lexical
leg with a sparse score above 0 (it shares at least one lexical query term), or among the first ``limit`` of
the dense leg with a similarity of at least ``min_similarity``. Both legs carry the same filters, so the
matches of a filtered search are exactly the matches of the unfiltered search that pass the filter (as long
as ``limit`` is not reached): that is what makes facet counts equal the totals their selection gives.

Only ids, scores and the facet fields are read here (no text, no vectors), and the dense leg only returns
passages at or above the floor, so finding the matches costs about as much as one more sparse query; the
passages a page shows are fetched by :func:`fetch_passages`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from haystack import Document
from haystack.dataclasses import SparseEmbedding
from haystack_integrations.document_stores.qdrant import QdrantDocumentStore
from haystack_integrations.document_stores.qdrant.converters import (
    DENSE_VECTORS_NAME,
    SPARSE_VECTORS_NAME,
)
from haystack_integrations.document_stores.qdrant.filters import convert_filters_to_qdrant
from qdrant_client.http import models as rest

from ingest.store import STORE_LOCK, StoreUnavailableError, open_client
from kb_core.domain import FACET_FIELDS


@dataclass
class Match:
    """One matching passage: where it stands on each leg and its metadata (no text)."""

    passage_id: str
    point_id: Any
    meta: dict[str, Any]
    dense_score: float | None = None
    dense_rank: int | None = None
    sparse_score: float | None = None
    sparse_rank: int | None = None
    rrf: float = 0.0


def rrf_vote(rank: int, weight: float, k: int) -> float:
    """One leg's weighted reciprocal-rank vote, as Qdrant computes it (``rank`` from 0)."""
    if weight <= 0:
        return 0.0
    return 1.0 / ((rank + 1.0) / weight + k - 1.0)


def find_matches(
    store: QdrantDocumentStore,
    *,
    query_embedding: list[float],
    sparse_embedding: SparseEmbedding | None,
    filters: dict[str, Any] | None,
    min_similarity: float,
    limit: int,
    weights: list[float] | None = None,
    rrf_k: int = 60,
) -> dict[str, Match]:
    """The matching passages by passage id, each with its fused vote over the deep legs (``rrf``).

    ``weights`` are the query's RRF weights ``[sparse, dense]``; the votes (a leg's vote counts where the
    passage matches on that leg) order the matches that the fused top does not hold. ``meta`` holds the
    facet fields only.
    """
    client = open_client(store)
    qfilter = convert_filters_to_qdrant(filters) if filters else None
    sparse_weight, dense_weight = (weights or [1.0, 1.0])[:2]
    payload = ["id", *(f"meta.{f}" for f in FACET_FIELDS)]
    try:
        with STORE_LOCK:
            dense = client.query_points(
                store.index,
                query=query_embedding,
                using=DENSE_VECTORS_NAME,
                query_filter=qfilter,
                limit=limit,
                score_threshold=min_similarity,
                with_payload=payload,
                with_vectors=False,
            ).points
            sparse = []
            if sparse_embedding is not None and sparse_embedding.indices:
                sparse = client.query_points(
                    store.index,
                    query=rest.SparseVector(indices=sparse_embedding.indices, values=sparse_embedding.values),
                    using=SPARSE_VECTORS_NAME,
                    query_filter=qfilter,
                    limit=limit,
                    with_payload=payload,
                    with_vectors=False,
                ).points
    except Exception as exc:
        raise StoreUnavailableError(f"search in the Qdrant store failed: {exc}") from exc

    seen: dict[str, Match] = {}

    def entry(point: Any) -> Match:
        payload = dict(point.payload or {})
        passage_id = str(payload.get("id", point.id))
        if passage_id not in seen:
            seen[passage_id] = Match(passage_id, point.id, dict(payload.get("meta", {})))
        return seen[passage_id]

    for rank, point in enumerate(p for p in dense if p.score >= min_similarity):
        m = entry(point)
        m.dense_score, m.dense_rank = float(point.score), rank
        m.rrf += rrf_vote(rank, dense_weight, rrf_k)
    for rank, point in enumerate(p for p in sparse if p.score > 0):
        m = entry(point)
        m.sparse_score, m.sparse_rank = float(point.score), rank
        m.rrf += rrf_vote(rank, sparse_weight, rrf_k)
    return seen


def fetch_passages(store: QdrantDocumentStore, matches: list[Match]) -> dict[str, Document]:
    """The stored passages (text and metadata, no vectors) of some matches, by passage id."""
    if not matches:
        return {}
    client = open_client(store)
    try:
        with STORE_LOCK:
            points = client.retrieve(
                store.index, ids=[m.point_id for m in matches], with_payload=True, with_vectors=False
            )
    except Exception as exc:
        raise StoreUnavailableError(f"cannot read from the Qdrant store: {exc}") from exc
    documents = {}
    for point in points:
        payload = dict(point.payload or {})
        passage_id = str(payload.get("id", point.id))
        documents[passage_id] = Document(
            id=passage_id, content=payload.get("content"), meta=dict(payload.get("meta", {}))
        )
    return documents
