"""English → Dutch domain glossary, so English questions can use the Dutch lexical leg.

The corpus is Dutch and the sparse vectors are Dutch stems, so an English word never matches. For the
vocabulary of this policy field (domestic violence and child abuse, municipal governance, finance),
the Dutch terms are added to what the lexical leg searches for. The dense leg still sees the original
question. Multi-word entries are matched first.
"""

from __future__ import annotations

import re

from kb_core.lang import glossary

GLOSSARY: dict[str, str] = glossary()

_ENTRIES = sorted(GLOSSARY.items(), key=lambda kv: -len(kv[0]))
_PATTERNS = [(re.compile(rf"\b{re.escape(en)}\b", re.IGNORECASE), nl) for en, nl in _ENTRIES]


def dutch_terms(text: str) -> list[str]:
    """The Dutch glossary terms for the English words and phrases in ``text`` (longest phrases first)."""
    found: list[str] = []
    remaining = text
    for pattern, nl in _PATTERNS:
        if pattern.search(remaining):
            found.append(nl)
            remaining = pattern.sub(" ", remaining)
    return found


def expand_for_lexical(text: str) -> str:
    """The query plus the Dutch equivalents of its English domain terms."""
    extra = dutch_terms(text)
    return f"{text} {' '.join(extra)}" if extra else text
