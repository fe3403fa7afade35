"""Dutch text analysis for the lexical (sparse) leg: tokens, stopwords, Snowball stems, term ids.

The same analyser runs at ingestion and at query time, so a query term and a passage term meet in the
same sparse dimension. Term ids are a stable hash of the stem, so no vocabulary has to be stored.
"""

from __future__ import annotations

import re
import sys
import threading
import unicodedata
import zlib
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

import snowballstemmer

from kb_core.lang import stopwords

# Words (letters, with inner apostrophes or hyphens) and numbers (with inner separators: 6,8 / 5.518,00 / 2026-2030).
TOKEN_RE = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+(?:['’][^\W\d_]+)*", re.UNICODE)

# A word written in lower case (three letters or more, not part of a hyphenated word): ordinary words, not names.
_LOWER_WORD = re.compile(r"(?<![\w-])[a-zà-ÿ]{3,}(?![\w-])")

DUTCH_STOPWORDS = stopwords("nl")
ENGLISH_STOPWORDS = stopwords("en")


_THREAD = threading.local()


def _stemmer() -> snowballstemmer.stemmer:
    """This thread's Snowball stemmer. A stemmer keeps the word it works on in itself, so threads sharing one
    (the API's request threads) corrupt each other's word: an IndexError (HTTP 500) or a wrong stem, which
    the cache of :func:`stem` would then keep."""
    stemmer = getattr(_THREAD, "stemmer", None)
    if stemmer is None:
        stemmer = _THREAD.stemmer = snowballstemmer.stemmer("dutch")
    return stemmer


@lru_cache(maxsize=1)
def _combining_marks() -> dict[int, None]:
    """A ``str.translate`` table that deletes every combining character."""
    return {cp: None for cp in range(sys.maxunicode + 1) if unicodedata.combining(chr(cp))}


def fold(text: str) -> str:
    """Lower-case and strip accents (geïmplementeerd -> geimplementeerd), keeping everything else."""
    lowered = text.lower()
    if lowered.isascii():
        return lowered
    # One translate call instead of a Python loop over the characters: folding ran for every answer unit.
    return unicodedata.normalize("NFKD", lowered).translate(_combining_marks())


def tokenize(text: str) -> list[str]:
    """Accent-folded word and number tokens in order."""
    return TOKEN_RE.findall(fold(text))


def is_stopword(token: str) -> bool:
    """Dutch or English function word."""
    return token in DUTCH_STOPWORDS or token in ENGLISH_STOPWORDS


def stem_uncached(token: str) -> str:
    """Snowball Dutch stem; numbers are kept as they are (with ',' and '.' removed so 5.518,00 ~ 551800).
    For strings that are mostly no words (spelling candidates); words go through the cached :func:`stem`."""
    if token[0].isdigit():
        return re.sub(r"[.,]", "", token)
    return str(_stemmer().stemWord(token))


@lru_cache(maxsize=65536)
def stem(token: str) -> str:
    """Snowball Dutch stem (:func:`stem_uncached`), cached."""
    return stem_uncached(token)


def terms(text: str) -> list[str]:
    """Stems of the content words of ``text``, in order (the unit the sparse vectors count)."""
    return [stem(tok) for tok in tokenize(text) if not is_stopword(tok) and (len(tok) > 1 or tok.isdigit())]


def distinct_terms(text: str) -> list[str]:
    """The distinct terms of ``text``, sorted: a query's terms as search reports them and answers weigh them."""
    return sorted(set(terms(text)))


def term_id(term: str) -> int:
    """Stable 31-bit id of a term (crc32), the sparse vector dimension."""
    return zlib.crc32(term.encode("utf-8")) & 0x7FFFFFFF


def term_counts(text: str) -> Counter[str]:
    """How often each term occurs in ``text``."""
    return Counter(terms(text))


def match_spans(text: str, query_terms: set[str]) -> list[tuple[int, int]]:
    """Character spans of the words in ``text`` whose stem is one of ``query_terms`` (for highlighting)."""
    if not query_terms:
        return []
    folded = fold(text)
    # Folding can change length for a few characters (ligatures); fall back to exact-length-safe matching.
    if len(folded) != len(text):
        folded = text.lower()
    spans = []
    for match in TOKEN_RE.finditer(folded):
        tok = match.group(0)
        if not is_stopword(tok) and stem(tok) in query_terms:
            spans.append((match.start(), match.end()))
    return spans


def lower_case_words(texts: Iterable[str]) -> frozenset[str]:
    """The words written in lower case somewhere in ``texts``: ordinary words, not names."""
    return frozenset(w for text in texts for w in _LOWER_WORD.findall(text))
