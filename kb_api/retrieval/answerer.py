"""Extractive answers: the sentences of the retrieved passages that answer the question, each quoted exactly.

No generative model: the answer is made of source sentences, so every word of it can be checked against
the cited document and page. When the best passage is not similar enough to the question, the answerer
abstains and says so, rather than quoting something loosely related.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
from haystack import Document, component, default_to_dict

from ingest.analysis import terms

_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+(?=\s|$)|$)")
_ABBREVIATION_END = re.compile(
    r"\b(?:o\.a|t\.b\.v|m\.b\.t|bv|d\.w\.z|i\.s\.m|z\.s\.m|e\.d|nl|ca|incl|excl)\.$", re.I
)


@dataclass
class Unit:
    """A sentence, list item or table row inside a passage, with its offsets in the passage text."""

    passage_rank: int
    start: int
    end: int
    text: str


def split_units(text: str, rank: int) -> list[Unit]:
    """Sentences (not cut after common Dutch abbreviations), one list item or table row each."""
    units: list[Unit] = []
    line_start = 0
    for line in text.split("\n"):
        pieces: list[tuple[int, int]] = []
        for m in _SENTENCE.finditer(line):
            s, e = m.start(), m.end()
            if pieces and _ABBREVIATION_END.search(line[pieces[-1][0] : pieces[-1][1]]):
                pieces[-1] = (pieces[-1][0], e)
            else:
                pieces.append((s, e))
        for s, e in pieces:
            chunk = line[s:e]
            lead = len(chunk) - len(chunk.lstrip())
            stripped = chunk.strip()
            if len(stripped.split()) >= 3:
                start = line_start + s + lead
                units.append(Unit(rank, start, start + len(stripped), stripped))
        line_start += len(line) + 1
    return units


def _no_answer(language: str) -> str:
    if language == "en":
        return "The knowledge base contains no passage that answers this question."
    return "De kennisbank bevat geen passage die deze vraag beantwoordt."


@component
class ExtractiveAnswerer:
    """Builds an answer from the best sentences of the top passages, or abstains.

    Sentences are scored by their dense similarity to the question (the same e5 model, through the
    query pipeline's warmed text embedder) plus the share of the question's terms they contain.
    """

    def __init__(
        self,
        *,
        embedder: Any,
        min_similarity: float = 0.82,
        passages: int = 5,
        max_sentences: int = 3,
        margin: float = 0.03,
    ) -> None:
        self.embedder = embedder
        self.min_similarity = min_similarity
        self.passages = passages
        self.max_sentences = max_sentences
        self.margin = margin

    def to_dict(self) -> dict[str, Any]:
        """Serialise the component."""
        return default_to_dict(
            self,
            embedder=self.embedder.to_dict(),
            min_similarity=self.min_similarity,
            passages=self.passages,
            max_sentences=self.max_sentences,
            margin=self.margin,
        )

    def _embed(self, texts: list[str]) -> np.ndarray:
        backend = self.embedder.embedding_backend
        if backend is None:
            self.embedder.warm_up()
            backend = self.embedder.embedding_backend
        vectors = backend.embed(["passage: " + t for t in texts], batch_size=32, normalize_embeddings=True)
        return np.asarray(vectors, dtype=np.float32)

    @component.output_types(answer=str, answerable=bool, citations=list[dict[str, Any]])
    def run(
        self, query: str, documents: list[Document], query_embedding: list[float], language: str = "nl"
    ) -> dict[str, Any]:
        """Answer ``query`` from ``documents`` (ranked passages) or abstain."""
        top = documents[: self.passages]
        best = max((d.meta.get("dense_score", 0.0) for d in top), default=0.0)
        if not top or best < self.min_similarity:
            return {"answer": _no_answer(language), "answerable": False, "citations": []}
        units = [u for rank, doc in enumerate(top) for u in split_units(doc.content or "", rank)]
        if not units:
            return {"answer": _no_answer(language), "answerable": False, "citations": []}
        query_terms = set(terms(query))
        sims = self._embed([u.text for u in units]) @ np.asarray(query_embedding, dtype=np.float32)
        scores = []
        for unit, sim in zip(units, sims, strict=True):
            coverage = len(query_terms & set(terms(unit.text))) / len(query_terms) if query_terms else 0.0
            scores.append(float(sim) + 0.15 * coverage - 0.01 * unit.passage_rank)
        order = sorted(range(len(units)), key=lambda i: -scores[i])
        chosen = [i for i in order[: self.max_sentences] if scores[i] >= scores[order[0]] - self.margin]
        chosen.sort(key=lambda i: (units[i].passage_rank, units[i].start))
        citations = []
        parts = []
        for n, i in enumerate(chosen, start=1):
            unit = units[i]
            doc = top[unit.passage_rank]
            meta = doc.meta
            citations.append(
                {
                    "number": n,
                    "document_id": meta.get("document_id"),
                    "passage_id": doc.id,
                    "title": meta.get("title"),
                    "municipality": meta.get("municipality"),
                    "region": meta.get("region"),
                    "date": meta.get("date"),
                    "page": meta.get("page"),
                    "quote": unit.text,
                    "also_in": meta.get("also_in", []),
                }
            )
            parts.append(f"“{unit.text}” [{n}]")
        return {"answer": " ".join(parts), "answerable": True, "citations": citations}
