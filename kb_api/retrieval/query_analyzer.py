"""Decide, per query, how much the lexical and the dense leg count in the fusion."""

from __future__ import annotations

import re
from typing import Any

from haystack import component

from kb_api.retrieval.document_reference import without_document_references
from kb_core.lang.glossary import expand_for_lexical
from kb_core.text.language import detect_language

_FIGURE = re.compile(r"\d")
_NAME = re.compile(r"(?<!^)(?<![.?!]\s)\b[A-Z][a-zà-ÿ]+(?:\s+(?:van|de|den|der)?\s*[A-Z][a-zà-ÿ]+)*")


@component
class QueryAnalyzer:
    """Outputs the query's language and the RRF weights ``[sparse, dense]`` for it.

    The lexical leg knows Dutch words only, so it helps little for an English question; it is what finds
    exact figures and names, so it counts more when the query holds digits or proper names.
    """

    def __init__(
        self,
        *,
        dutch_weights: tuple[float, float] = (1.0, 1.0),
        english_weights: tuple[float, float] = (0.5, 1.0),
        exact_boost: float = 0.3,
    ) -> None:
        self.dutch_weights = tuple(dutch_weights)
        self.english_weights = tuple(english_weights)
        self.exact_boost = exact_boost

    @component.output_types(language=str, weights=list[float], lexical_query=str)
    def run(self, query: str) -> dict[str, Any]:
        """Language of the query, the fusion weights for it, and the text for the lexical leg.

        For an English query the lexical text adds the Dutch equivalents of its domain terms (glossary); for
        a Dutch one it leaves out the words that name the document asked about ("volgens de regiovisie Samen
        Veilig"), which say where to look rather than what to find.
        """
        language = detect_language(query)
        lexical_query = expand_for_lexical(query) if language == "en" else without_document_references(query)
        sparse, dense = self.dutch_weights if language == "nl" else self.english_weights
        if _FIGURE.search(query) or _NAME.search(query):
            sparse += self.exact_boost
        return {
            "language": language,
            "weights": [float(sparse), float(dense)],
            "lexical_query": lexical_query,
        }
