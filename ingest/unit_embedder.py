"""Embeds the answer units of each passage at ingestion, so answering reads their vectors from the store.

The units are :func:`kb_core.text.units.quotable_units` of the passage in their fixed order; for each, its
quote is embedded (id ``<passage id>:<n>``) and, when it has a lead-in, lead-in and quote (``…+``), with the
same e5 model and "passage: " prompt as the answerer uses when a vector is not stored.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
from haystack import Document, component

from ingest.embedder import PASSAGE_PREFIX, document_embedder
from kb_core.settings import Settings
from kb_core.text.units import quotable_units, unit_id, unit_texts

# The private meta key the writer pops: [(unit id, vector), ...] of the passage.
UNITS_KEY = "_unit_vectors"


def passage_unit_texts(passage: Document) -> list[tuple[str, str]]:
    """(unit id, text to embed) of every answer unit of a passage, in order."""
    content = passage.content or ""
    out: list[tuple[str, str]] = []
    for index, q in enumerate(quotable_units(content, 0, passage.meta.get("table_header"))):
        quote, with_lead = unit_texts(content, q)
        out.append((unit_id(passage.id, index), quote))
        if with_lead:
            out.append((unit_id(passage.id, index, True), with_lead))
    return out


@component
class UnitEmbedder:
    """Adds the answer units' vectors to each passage (``meta['_unit_vectors']``, popped by the writer)."""

    def __init__(self, *, embedder: Any, batch_size: int = 32) -> None:
        self.embedder = embedder  # a SentenceTransformersDocumentEmbedder: its backend embeds the units
        self.batch_size = batch_size

    @classmethod
    def from_settings(cls, settings: Settings) -> UnitEmbedder:
        """The unit embedder on the settings' prepared e5 model."""
        return cls(
            embedder=document_embedder(settings, progress_bar=False), batch_size=settings.model.batch_size
        )

    def warm_up(self) -> None:
        """Load the model (the backend is shared with the passage embedder of the same settings)."""
        if self.embedder.embedding_backend is None:
            self.embedder.warm_up()

    def embed(self, texts: list[str]) -> np.ndarray:
        """Unit-length vectors of some unit texts ("passage: " prompt)."""
        if not texts:
            return np.zeros((0, 1), dtype=np.float32)
        self.warm_up()
        vectors = self.embedder.embedding_backend.embed(
            [PASSAGE_PREFIX + t for t in texts], batch_size=self.batch_size, normalize_embeddings=True
        )
        return np.asarray(vectors, dtype=np.float32)

    @component.output_types(documents=list[Document])
    def run(self, documents: list[Document]) -> dict[str, list[Document]]:
        """The passages with their unit vectors in ``meta['_unit_vectors']``."""
        per_passage = [passage_unit_texts(d) for d in documents]
        texts = list(dict.fromkeys(text for units in per_passage for _, text in units))
        vectors = dict(zip(texts, self.embed(texts), strict=True)) if texts else {}
        out = []
        for doc, units in zip(documents, per_passage, strict=True):
            meta = {**doc.meta, UNITS_KEY: [(uid, vectors[text]) for uid, text in units]}
            out.append(replace(doc, meta=meta))
        return {"documents": out}
