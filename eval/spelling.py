"""How the spelling suggestions do on the gold questions: ``python -m eval.spelling``.

Ingests the corpus into a fresh embedded store (as ``kb eval`` does) and asks the catalogue for a suggestion
(``CatalogueService.spelling_suggestion``, what /search and /ask give):
1. for every Dutch question as written (gold and the pending check set): any suggestion there is a false one;
2. for each of them with one typing error put into one of its words that the corpus uses (five letters or
   more; a letter left out, added, replaced, or two swapped; seeded): how often the suggestion restores the
   question's words (and how often exactly as written, capitals and accents too), gives another, or none.
"""

from __future__ import annotations

import random
import re
import tempfile
from pathlib import Path

from eval.gold import load_gold
from eval.runner import _fresh_store_settings
from ingest.service import Ingestor, default_sources
from ingest.store import opened_store
from kb_api.services import Services
from kb_core.settings import get_settings
from kb_core.text.analysis import fold, is_stopword, stem
from kb_core.text.spelling import MIN_LETTERS

GOLD = (Path("eval/gold/questions.jsonl"), Path("eval/gold/pending/q465-q504-offtopic.jsonl"))
LETTERS = "abcdefghijklmnopqrstuvwxyz"
_WORD = re.compile(r"[^\W\d_]+")


def typing_error(word: str, rng: random.Random) -> str:
    """``word`` with one random typing error."""
    i = rng.randrange(len(word))
    kind = rng.choice("dist")
    if kind == "d":
        return word[:i] + word[i + 1 :]
    if kind == "i":
        return word[:i] + rng.choice(LETTERS) + word[i:]
    if kind == "s":
        return word[:i] + rng.choice(LETTERS.replace(word[i].lower(), "")) + word[i + 1 :]
    i = min(i, len(word) - 2)
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def main(seed: int = 7) -> None:
    """Print the figures (and the wrong suggestions)."""
    questions = [q.question for path in GOLD for q in load_gold(path) if q.lang == "nl"]
    with tempfile.TemporaryDirectory() as tmp:
        settings = _fresh_store_settings(get_settings(), Path(tmp) / "qdrant")
        with opened_store(settings) as store:
            Ingestor(settings, store, progress=False).ingest(default_sources(settings))
            catalogue = Services.build(settings, store).catalogue
            known = catalogue.corpus_terms()
            false = [(q, s) for q in questions if (s := catalogue.spelling_suggestion(q))]
            print(f"Dutch questions as written: {len(questions)}, with a suggestion: {len(false)}")
            for q, s in false:
                print(f"  {q} -> {s}")
            rng = random.Random(seed)
            restored = exact = other = none = asked = 0
            for q in questions:
                words = [
                    m
                    for m in _WORD.finditer(q)
                    if len(m.group()) >= MIN_LETTERS
                    and not is_stopword(fold(m.group()))
                    and stem(fold(m.group())) in known
                ]
                if not words:
                    continue
                m = rng.choice(words)
                typed = q[: m.start()] + typing_error(m.group(), rng) + q[m.end() :]
                if fold(typed) == fold(q):
                    continue
                asked += 1
                s = catalogue.spelling_suggestion(typed)
                if s is None:
                    none += 1
                elif fold(s) == fold(q):  # the same words (in the user's case, the corpus's accents)
                    restored += 1
                    exact += s == q
                else:
                    other += 1
                    print(f"  other: {typed} -> {s}")
            print(
                f"With one typing error: {asked}; restored {restored} ({exact} exactly as written), "
                f"another suggestion {other}, none {none}"
            )


if __name__ == "__main__":
    main()
