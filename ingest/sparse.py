"""Dutch lexical sparse vectors, so BM25-style matching runs inside Qdrant next to the dense leg.

A passage's vector holds, per stemmed content word, the BM25 term-frequency part
``tf * (k1 + 1) / (tf + k1 * (1 - b + b * len / avg_len))``; Qdrant's IDF modifier supplies the
inverse document frequency at query time, so the score of a query (each of its terms with weight 1)
is the BM25 score, kept up to date by Qdrant as documents come and go.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from haystack import Document, component
from haystack.dataclasses import SparseEmbedding

from kb_core.text.analysis import term_counts, term_id, terms


def bm25_sparse_vector(
    text: str, *, k1: float = 1.2, b: float = 0.75, avg_len: float = 90.0
) -> SparseEmbedding:
    """BM25 term-frequency weights of the terms of ``text`` (see module docstring)."""
    counts = term_counts(text)
    length = sum(counts.values()) or 1
    norm = k1 * (1 - b + b * length / avg_len)
    weights: dict[int, float] = {}
    for term, tf in counts.items():
        idx = term_id(term)
        weights[idx] = weights.get(idx, 0.0) + tf * (k1 + 1) / (tf + norm)
    indices = sorted(weights)
    return SparseEmbedding(indices=indices, values=[weights[i] for i in indices])


# The metadata counted with a passage's text in its sparse vector (what it matches lexically).
SPARSE_META_FIELDS = ("section",)


def sparse_text(doc: Document, meta_fields: Sequence[str] = SPARSE_META_FIELDS) -> str:
    """What a passage's sparse vector counts: its ``meta_fields`` and its text."""
    extra = [str(doc.meta[f]) for f in meta_fields if doc.meta.get(f)]
    return "\n".join([*extra, doc.content or ""])


def query_sparse_vector(text: str) -> SparseEmbedding:
    """Each distinct query term once, weight 1 (Qdrant multiplies in the IDF)."""
    indices = sorted({term_id(t) for t in terms(text)})
    return SparseEmbedding(indices=indices, values=[1.0] * len(indices))


@component
class DutchSparseDocumentEmbedder:
    """Adds a Dutch BM25 sparse vector to each passage (its ``meta_fields``, by default the section, counted
    with the text)."""

    def __init__(
        self, *, k1: float = 1.2, b: float = 0.75, avg_len: float = 90.0, meta_fields: list[str] | None = None
    ):
        self.k1 = k1
        self.b = b
        self.avg_len = avg_len
        self.meta_fields = meta_fields if meta_fields is not None else list(SPARSE_META_FIELDS)

    @component.output_types(documents=list[Document])
    def run(self, documents: list[Document]) -> dict[str, list[Document]]:
        """Return the passages with ``sparse_embedding`` set."""
        embedded = []
        for doc in documents:
            vector = bm25_sparse_vector(
                sparse_text(doc, self.meta_fields), k1=self.k1, b=self.b, avg_len=self.avg_len
            )
            embedded.append(replace(doc, sparse_embedding=vector))
        return {"documents": embedded}


@component
class DutchSparseTextEmbedder:
    """Turns a query into its Dutch sparse vector."""

    def __init__(self) -> None:
        pass

    @component.output_types(sparse_embedding=SparseEmbedding)
    def run(self, text: str) -> dict[str, SparseEmbedding]:
        """Return the query's sparse vector."""
        return {"sparse_embedding": query_sparse_vector(text)}
