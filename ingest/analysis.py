"""Dutch text analysis for the lexical (sparse) leg: tokens, stopwords, Snowball stems, term ids.

The same analyser runs at ingestion and at query time, so a query term and a passage term meet in the
same sparse dimension. Term ids are a stable hash of the stem, so no vocabulary has to be stored.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from collections import Counter
from functools import lru_cache

import snowballstemmer

# Words (letters, with inner apostrophes or hyphens) and numbers (with inner separators: 6,8 / 5.518,00 / 2026-2030).
TOKEN_RE = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+(?:['’][^\W\d_]+)*", re.UNICODE)

DUTCH_STOPWORDS = frozenset(
    [
        "aan",
        "al",
        "alle",
        "alles",
        "als",
        "altijd",
        "andere",
        "ben",
        "bij",
        "daar",
        "daarom",
        "dan",
        "dat",
        "de",
        "der",
        "deze",
        "die",
        "dit",
        "doch",
        "doen",
        "door",
        "dus",
        "een",
        "eens",
        "en",
        "er",
        "ge",
        "geen",
        "geweest",
        "haar",
        "had",
        "heb",
        "hebben",
        "heeft",
        "hem",
        "het",
        "hier",
        "hij",
        "hoe",
        "hun",
        "iemand",
        "iets",
        "ik",
        "in",
        "is",
        "ja",
        "je",
        "kan",
        "kon",
        "kunnen",
        "maar",
        "me",
        "meer",
        "men",
        "met",
        "mij",
        "mijn",
        "moet",
        "na",
        "naar",
        "niet",
        "niets",
        "nog",
        "nu",
        "of",
        "om",
        "omdat",
        "ons",
        "ook",
        "op",
        "over",
        "reeds",
        "te",
        "tegen",
        "toch",
        "toen",
        "tot",
        "u",
        "uit",
        "uw",
        "van",
        "veel",
        "voor",
        "want",
        "waren",
        "was",
        "wat",
        "we",
        "wel",
        "werd",
        "wezen",
        "wie",
        "wij",
        "wil",
        "worden",
        "wordt",
        "zal",
        "ze",
        "zei",
        "zelf",
        "zich",
        "zij",
        "zijn",
        "zo",
        "zonder",
        "zou",
        "welke",
        "welk",
        "wanneer",
        "waar",
        "waarom",
        "hoeveel",
        "wordt",
        "werden",
        "zullen",
        "deze",
        "dit",
        "dat",
        "onze",
        "jullie",
        "hen",
        "hunner",
        "daarbij",
        "daarin",
        "hierin",
        "hiervan",
        "waarin",
        "waarbij",
    ]
)

ENGLISH_STOPWORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "did",
        "do",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "me",
        "more",
        "most",
        "my",
        "myself",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "ourselves",
        "out",
        "over",
        "own",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "you",
        "your",
        "yours",
        "yourself",
        "yourselves",
        "would",
        "could",
        "does",
        "did",
        "done",
        "many",
        "much",
    ]
)


@lru_cache(maxsize=1)
def _stemmer() -> snowballstemmer.stemmer:
    return snowballstemmer.stemmer("dutch")


def fold(text: str) -> str:
    """Lower-case and strip accents (geïmplementeerd -> geimplementeerd), keeping everything else."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def tokenize(text: str) -> list[str]:
    """Accent-folded word and number tokens in order."""
    return TOKEN_RE.findall(fold(text))


def is_stopword(token: str) -> bool:
    """Dutch or English function word."""
    return token in DUTCH_STOPWORDS or token in ENGLISH_STOPWORDS


@lru_cache(maxsize=65536)
def stem(token: str) -> str:
    """Snowball Dutch stem; numbers are kept as they are (with ',' and '.' removed so 5.518,00 ~ 551800)."""
    if token[0].isdigit():
        return re.sub(r"[.,]", "", token)
    return str(_stemmer().stemWord(token))


def terms(text: str) -> list[str]:
    """Stems of the content words of ``text``, in order (the unit the sparse vectors count)."""
    return [stem(tok) for tok in tokenize(text) if not is_stopword(tok) and (len(tok) > 1 or tok.isdigit())]


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
