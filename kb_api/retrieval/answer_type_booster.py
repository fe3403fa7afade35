"""Passages that hold the kind of answer a question asks for move up the fused ranking."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import partial

from haystack import Document, component

from kb_api.retrieval.answer_kinds import figure_kind
from kb_api.retrieval.definitions import defined_term, defines


@component
class AnswerTypeBooster:
    """Adds a fixed amount to the fused score of passages that can answer the question by their kind:

    - a definition question ("Wat wordt bedoeld met X?", "Wat is X?"): passages that say what X means;
    - a figure question: passages with a share for "welk deel / what percentage", a sum of money for "wat is
      de bijdrage / how much does … contribute", an amount for "hoeveel / how many".

    Boosts are in units of one top-ranked RRF vote (``1 / (rrf_k + 1)``), so they lift a passage over others
    a few ranks ahead of it, not over a clearly better one. Other questions keep the fused order.
    """

    def __init__(self, *, definition_boost: float = 0.5, figure_boost: float = 0.25, rrf_k: int = 60) -> None:
        self.definition_boost = definition_boost
        self.figure_boost = figure_boost
        self.rrf_k = rrf_k

    @component.output_types(documents=list[Document])
    def run(self, documents: list[Document], query: str) -> dict[str, list[Document]]:
        """``documents`` re-sorted by score, with the passages that fit the question's answer type boosted."""
        # A figure question is never a definition question ("Wat is de bijdrage van Boekel?": defined_term is None).
        fits: Callable[[str], bool] | None = figure_kind(query)
        boost = self.figure_boost
        if fits is None and (term := defined_term(query)) is not None:
            fits, boost = partial(defines, term=term), self.definition_boost
        if fits is None or boost == 0:
            return {"documents": documents}
        extra = boost / (self.rrf_k + 1)
        boosted = [
            replace(doc, score=(doc.score or 0.0) + extra) if fits(doc.content or "") else doc
            for doc in documents
        ]
        return {"documents": sorted(boosted, key=lambda d: -(d.score or 0.0))}
