"""Spelling suggestions from the corpus's own vocabulary: "Wie is de wethouer van Boekel?" → "… wethouder …".

A word of the query that no document uses (its stem is unknown to the corpus) and that one edit (a letter
inserted, left out, replaced, or two neighbours swapped) turns into a word whose stem the documents do use is
taken for a typing error of that word; most typing errors are one such edit (Damerau 1964). Nothing is
corrected silently: the search suggests the corrected query and the user chooses. A word that no single edit
brings into the corpus ("afvalinzameling") gets no suggestion: the question is then about something the
documents do not hold. A word of a Dutch word list (``load_lexicon``) is never taken for an error: it is a
real word the corpus happens not to use ("telde", "gekost"), and without such a list there are no suggestions.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from functools import lru_cache
from pathlib import Path

from kb_core.text.analysis import fold, is_stopword, stem, stem_uncached

logger = logging.getLogger(__name__)

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
# Query words are accent-folded before they are mended, so the plain letters are all an edit needs.
_LETTERS = "abcdefghijklmnopqrstuvwxyz"
# Shorter words have too many neighbours one edit away ("raad" / "rand" / "road") to guess which was meant.
MIN_LETTERS = 5
# Longer "words" are no typing error of a word (a pasted code or URL); each letter costs ~56 candidates.
MAX_LETTERS = 30
# The most unknown words of one query that are looked at: a query of unknown words is no query with typos.
MAX_WORDS = 4


@lru_cache(maxsize=4)
def load_lexicon(path: Path | None) -> frozenset[str]:
    """The words of a word list (one per line), accent-folded; empty, with a warning, when it cannot be read
    (read once per path: a list installed later needs a restart)."""
    if path is None:
        return frozenset()
    try:
        with path.open(encoding="utf-8") as lines:
            return frozenset(fold(line.strip()) for line in lines if line.strip())
    except OSError as exc:
        logger.warning("No spelling suggestions: word list %s cannot be read (%s)", path, exc)
        return frozenset()


def one_edit(word: str) -> Iterator[str]:
    """Every string one edit from ``word``: "y" for "ij" and back first (Dutch writes "Meierystad" for
    "Meierijstad" as one slip), then swaps and deletions, replacements and insertions."""
    for i in range(len(word)):
        if word[i] == "y":
            yield word[:i] + "ij" + word[i + 1 :]
        elif word.startswith("ij", i):
            yield word[:i] + "y" + word[i + 2 :]
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    for left, right in splits:
        if len(right) > 1:
            yield left + right[1] + right[0] + right[2:]
        if right:
            yield left + right[1:]
    for left, right in splits:
        for c in _LETTERS:
            if right and c != right[0]:
                yield left + c + right[1:]
            yield left + c + right


def correction(word: str, known_terms: AbstractSet[str], words: Mapping[str, str]) -> str | None:
    """The word one edit from the folded ``word`` whose stem the corpus uses: one the documents write
    (``words``: folded form → as written, accents included) first, in their spelling; else the first found;
    None when no edit reaches the corpus. Candidates are stemmed without the shared stem cache, which they
    would only fill with strings nobody writes."""
    found = None
    for candidate in one_edit(word):
        if candidate in words:
            return words[candidate]
        if found is None and stem_uncached(candidate) in known_terms:
            found = candidate
    return found


def _in_case_of(typed: str, word: str) -> str:
    """``word`` written in the case of what the user typed (WETHOUER → WETHOUDER, Wethouer → Wethouder)."""
    if typed.isupper() and len(typed) > 1:
        return word.upper()
    return word[:1].upper() + word[1:] if typed[:1].isupper() else word


def suggestion(
    query: str,
    known_terms: AbstractSet[str],
    words: Mapping[str, str] | None = None,
    lexicons: Sequence[AbstractSet[str]] = (),
) -> str | None:
    """``query`` with each word that the corpus does not know and that is no word of any of ``lexicons`` (word
    lists: a real word is no typing error) replaced by its :func:`correction`, or None when no word needed or
    found one. ``known_terms``: the stems the documents use; ``words``: the words they write, by folded form.
    At most :data:`MAX_WORDS` unknown words are looked at, none longer than :data:`MAX_LETTERS` letters."""
    written = words or {}
    parts: list[str] = []
    last = 0
    looked_at = 0
    for match in _WORD.finditer(query):
        token = match.group(0)
        folded = fold(token)
        if not MIN_LETTERS <= len(folded) <= MAX_LETTERS or is_stopword(folded):
            continue
        if any(folded in lexicon for lexicon in lexicons):
            continue
        if stem(folded) in known_terms:
            continue
        looked_at += 1
        if looked_at > MAX_WORDS:
            break
        found = correction(folded, known_terms, written)
        if found is None:
            continue
        parts += [query[last : match.start()], _in_case_of(token, found)]
        last = match.end()
    return "".join([*parts, query[last:]]) if parts else None
