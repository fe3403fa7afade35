"""The matching passages of a query: every passage above the relevance floor, not only the fused top.

A passage matches a query (under its filters) when it is among the first ``limit`` passages of the lexical
leg with a sparse score above 0 (it shares at least one lexical query term), or among the first ``limit`` of
the dense leg with a similarity of at least ``min_similarity``. Both legs carry the same filters, so the
matches of a filtered search are exactly the matches of the unfiltered search that pass the filter (as long
as ``limit`` is not reached): that is what makes facet counts equal the totals their selection gives.

Each leg is one store query (``store.dense`` / ``store.sparse`` with the same filter) that reads only the ids,
scores and facet fields of up to ``limit`` passages (no text, no vectors); the passages a page shows are
fetched by :func:`fetch_passages`.
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Any

from haystack import Document
from haystack.dataclasses import SparseEmbedding

from ingest.sparse import sparse_text
from ingest.store import PassageStore, StoreFilter, to_document
from kb_core.domain import FACET_FIELDS
from kb_core.text.analysis import terms


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


def is_match(passage: Document, query_terms: AbstractSet[str], min_similarity: float) -> bool:
    """Whether a passage the ranking returned matches its query as :func:`find_matches` counts it: its dense
    similarity (``meta['dense_score']``) reaches ``min_similarity``, or it shares a lexical query term with
    what its sparse vector counts."""
    if float(passage.meta.get("dense_score") or 0.0) >= min_similarity:
        return True
    return not query_terms.isdisjoint(terms(sparse_text(passage)))


def find_matches(
    store: PassageStore,
    *,
    query_embedding: list[float],
    sparse_embedding: SparseEmbedding | None,
    filters: StoreFilter | None,
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
    sparse_weight, dense_weight = (weights or [1.0, 1.0])[:2]
    dense = [
        p
        for p in store.dense(query_embedding, flt=filters, limit=limit, fields=FACET_FIELDS)
        if (p.score or 0.0) >= min_similarity
    ]
    sparse = []
    if sparse_embedding is not None and sparse_embedding.indices:
        sparse = store.sparse(
            sparse_embedding.indices, sparse_embedding.values, flt=filters, limit=limit, fields=FACET_FIELDS
        )

    seen: dict[str, Match] = {}

    def entry(passage: Any) -> Match:
        if passage.id not in seen:
            meta = {f: passage.meta[f] for f in FACET_FIELDS if f in passage.meta}
            seen[passage.id] = Match(passage.id, passage.id, meta)
        return seen[passage.id]

    for rank, passage in enumerate(dense):
        m = entry(passage)
        m.dense_score, m.dense_rank = float(passage.score or 0.0), rank
        m.rrf += rrf_vote(rank, dense_weight, rrf_k)
    for rank, passage in enumerate(p for p in sparse if (p.score or 0.0) > 0):
        m = entry(passage)
        m.sparse_score, m.sparse_rank = float(passage.score or 0.0), rank
        m.rrf += rrf_vote(rank, sparse_weight, rrf_k)
    return seen


def fetch_passages(store: PassageStore, matches: list[Match]) -> dict[str, Document]:
    """The stored passages (text and metadata, no vectors) of some matches, by passage id."""
    if not matches:
        return {}
    return {p.id: to_document(p) for p in store.passages_by_id([m.passage_id for m in matches])}
