"""Group passages that say the same thing word for word in several documents (one result, "also in")."""

from __future__ import annotations

from collections import Counter
from functools import lru_cache
from typing import Any

from haystack import Document, component

from kb_core.domain import REFERENCE_FIELDS
from kb_core.text.analysis import tokenize


@lru_cache(maxsize=16384)
def shingles(text: str, size: int = 4) -> frozenset[tuple[str, ...]]:
    """Word n-grams of the accent-folded text (cached: the same passages come back query after query)."""
    words = tokenize(text)
    if len(words) < size:
        return frozenset({tuple(words)}) if words else frozenset()
    return frozenset(tuple(words[i : i + size]) for i in range(len(words) - size + 1))


def overlap(a: frozenset[tuple[str, ...]], b: frozenset[tuple[str, ...]]) -> float:
    """Share of the smaller passage's n-grams that the other one also has."""
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


@component
class DuplicateGrouper:
    """Keeps the best-ranked passage of each group of near-identical passages from different documents.

    The kept passage gets ``meta['also_in']``: the other documents (id, title, municipality, date, page)
    where the same text stands.
    """

    def __init__(self, *, threshold: float = 0.6) -> None:
        self.threshold = threshold

    @component.output_types(documents=list[Document])
    def run(self, documents: list[Document]) -> dict[str, list[Document]]:
        """Return the documents with duplicates folded into ``also_in`` of the first of their group."""
        kept: list[tuple[Document, frozenset[tuple[str, ...]]]] = []
        for doc in documents:
            grams = shingles(doc.content or "")
            for leader, leader_grams in kept:
                if leader.meta.get("document_id") != doc.meta.get("document_id") and (
                    overlap(grams, leader_grams) >= self.threshold
                ):
                    also = leader.meta.setdefault("also_in", [])
                    if all(a["document_id"] != doc.meta.get("document_id") for a in also):
                        also.append(
                            {
                                k: doc.meta.get(k)
                                for k in ("document_id", "title", "municipality", "region", "date", "page")
                            }
                            | {"passage_id": doc.id}
                        )
                    break
            else:
                kept.append((doc, grams))
        return {"documents": [doc for doc, _ in kept]}


def same_text_elsewhere(
    documents: list[Document], candidates: list[Document], *, threshold: float = 0.6
) -> dict[str, list[dict[str, Any]]]:
    """For each of ``documents``, the passages of *other* documents among ``candidates`` that say the same
    thing word for word (references as in ``also_in``, one per document, best overlap first), by passage id.

    Unlike :class:`DuplicateGrouper` nothing is folded: both passages of a pair keep their place and each
    names the other (the listing counts every matching passage). Pairs are found through the n-grams they
    share, so an export of a thousand passages does not compare every pair.
    """
    grams = [shingles(c.content or "") for c in candidates]
    index: dict[tuple[str, ...], list[int]] = {}
    for i, gram_set in enumerate(grams):
        for gram in gram_set:
            index.setdefault(gram, []).append(i)
    out: dict[str, list[dict[str, Any]]] = {}
    for doc in documents:
        own = shingles(doc.content or "")
        shared: Counter[int] = Counter(i for gram in own for i in index.get(gram, ()))
        refs: list[dict[str, Any]] = []
        seen_documents = {doc.meta.get("document_id")}
        for i, count in sorted(shared.items(), key=lambda item: -item[1]):
            other = candidates[i]
            if other.meta.get("document_id") in seen_documents or count < threshold * min(
                len(own), len(grams[i])
            ):
                continue
            seen_documents.add(other.meta.get("document_id"))
            refs.append({k: other.meta.get(k) for k in REFERENCE_FIELDS} | {"passage_id": other.id})
        out[doc.id] = refs
    return out
