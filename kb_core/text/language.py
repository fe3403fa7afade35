"""Guess whether a query is Dutch or English (enough to weigh the retrieval legs)."""

from __future__ import annotations

import re

from kb_core.lang import language_markers

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)

DUTCH_MARKERS = language_markers("nl")
ENGLISH_MARKERS = language_markers("en")


def detect_language(text: str) -> str:
    """'nl' or 'en'; ties and unknown words default to Dutch, the corpus language."""
    words = [w.lower() for w in _WORD.findall(text)]
    nl = sum(w in DUTCH_MARKERS for w in words)
    en = sum(w in ENGLISH_MARKERS for w in words)
    # English suffixes ("-ing", "-tion", "-ed") tip short keyword queries.
    en += sum(1 for w in words if len(w) > 4 and w.endswith(("ing", "tion", "ised", "ized", "ies")))
    return "en" if en > nl else "nl"
