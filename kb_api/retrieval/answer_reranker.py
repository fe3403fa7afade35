"""The best passages re-ordered by how likely one of their units answers the question (the learned scorer).

Reading deeper pays off in the ranking too: the answer scorer reads every sentence, list item and table row
of the best ``passages`` fused passages, so a passage whose unit it finds most likely to answer is shown
first, also when the fusion ranked it tenth. Passages below that depth keep their fused order after them.
The candidates keep their fused rank as a feature, so the scores (and the answer that reuses them) are
those of the fused order: re-ranking changes what is shown first, not what the scorer sees.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from haystack import Document, component

from kb_api.retrieval.answerer import ExtractiveAnswerer, Scored
from kb_core.text.analysis import distinct_terms


@component
class AnswerReranker:
    """Orders the first ``scorer.passages`` documents by their best unit's probability (the ranker shape:
    ``run(query, documents, top_k)``, with the question's embedding and analysis the scorer needs)."""

    def __init__(
        self,
        *,
        scorer: ExtractiveAnswerer,
        enabled: bool = True,
        vocabulary: Callable[[], tuple[frozenset[str], set[str]]] | None = None,
    ) -> None:
        self.scorer = scorer
        self.enabled = enabled
        # The corpus's lower-case words and stems, read when needed: passed as pipeline inputs they would
        # be deep-copied on every run (Haystack copies component inputs), which cost more than the scoring.
        self.vocabulary = vocabulary

    def to_dict(self) -> dict[str, Any]:
        """Serialise the component (the scorer by its own serialisation)."""
        from haystack import default_to_dict

        return default_to_dict(self, scorer=self.scorer.to_dict(), enabled=self.enabled)

    @component.output_types(documents=list[Document], scored=Scored | None)
    def run(
        self,
        query: str,
        documents: list[Document],
        query_embedding: list[float],
        top_k: int | None = None,
        language: str = "nl",
        lexical_query: str | None = None,
    ) -> dict[str, Any]:
        """``documents`` with the first ``scorer.passages`` re-ordered (ties: fused order), cut to ``top_k``;
        ``scored``: the candidates and probabilities, for the answer (None when re-ranking is off)."""
        if not self.enabled:
            return {"documents": documents[:top_k] if top_k is not None else documents, "scored": None}
        common_words, known_terms = self.vocabulary() if self.vocabulary is not None else (None, None)
        query_terms = distinct_terms(lexical_query if lexical_query is not None else query)
        scored = self.scorer.score(
            query,
            documents,
            query_embedding,
            language=language,
            query_terms=query_terms,
            common_words=common_words,
            known_terms=known_terms,
        )
        ranked = list(documents)
        if scored.candidates:
            best: dict[int, float] = {}
            for c, p in zip(scored.candidates, scored.probabilities, strict=True):
                best[c.rank] = max(best.get(c.rank, 0.0), float(p))
            depth = min(len(documents), self.scorer.passages)
            head = sorted(range(depth), key=lambda r: (-best.get(r, 0.0), r))
            ranked = [documents[r] for r in head] + list(documents[depth:])
        return {"documents": ranked[:top_k] if top_k is not None else ranked, "scored": scored}
