"""Spelling suggestions: a typing error of a corpus word is mended, a real word the corpus lacks is left alone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kb_api.services.catalogue import CatalogueService
from kb_core.domain import SearchFilters
from kb_core.settings import Settings
from kb_core.text.analysis import fold, terms
from kb_core.text.spelling import MAX_WORDS, correction, load_lexicon, one_edit, suggestion

CORPUS = (
    "De wethouder van Boekel en de burgemeester bespreken kindermishandeling, het parkeerbeleid en de "
    "coördinatie."
)
KNOWN = set(terms(CORPUS))
WORDS = {
    fold(w): w
    for w in ("wethouder", "burgemeester", "bespreken", "kindermishandeling", "parkeerbeleid", "coördinatie")
}
LEXICON = frozenset({"zwembad", "telde", "wethouder", "burgemeester"})
DUTCH_WORDS = Path("/usr/share/dict/dutch")


def test_one_edit_covers_each_kind_of_typing_error() -> None:
    edits = set(one_edit("thuis"))
    assert {"thus", "thuiss", "thuus", "htuis"} <= edits  # left out, doubled, replaced, swapped
    assert "thuis" not in edits


def test_a_typing_error_of_a_corpus_word_is_mended() -> None:
    assert (
        suggestion("Wie is de wethouer van Boekel?", KNOWN, WORDS, (LEXICON,))
        == "Wie is de wethouder van Boekel?"
    )
    assert suggestion("kindermishandelng", KNOWN, WORDS, (LEXICON,)) == "kindermishandeling"
    # Swapped letters, and a capital kept.
    assert suggestion("Parkeerbelied", KNOWN, WORDS, (LEXICON,)) == "Parkeerbeleid"
    assert correction("burgermeester", KNOWN, WORDS) == "burgemeester"


def test_a_suggestion_keeps_the_corpus_spelling_and_the_users_case() -> None:
    assert suggestion("Wat is de coördinaite?", KNOWN, WORDS, (LEXICON,)) == "Wat is de coördinatie?"
    assert suggestion("WIE IS DE WETHOUER", KNOWN, WORDS, (LEXICON,)) == "WIE IS DE WETHOUDER"


def test_long_strings_and_many_unknown_words_are_not_mended() -> None:
    # A pasted code is no typing error (and each letter costs ~56 candidates); a query of unknown words is no
    # query with typos: only the first MAX_WORDS unknown words are looked at.
    assert suggestion("wethouer" + "x" * 40, KNOWN, WORDS, (LEXICON,)) is None
    unknown = " ".join(["qqqqqq"] * MAX_WORDS)
    assert suggestion(f"{unknown} wethouer", KNOWN, WORDS, (LEXICON,)) is None
    assert (
        suggestion(f"{' '.join(['qqqqqq'] * (MAX_WORDS - 1))} wethouer", KNOWN, WORDS, (LEXICON,)) is not None
    )


def test_y_for_ij_is_one_slip() -> None:
    words = {"meierijstad": "Meierijstad"}
    known = set(terms("Meierijstad"))
    assert suggestion("Wat doet Meierystad?", known, words, (LEXICON,)) == "Wat doet Meierijstad?"


def test_a_word_of_any_word_list_is_no_typing_error() -> None:
    # "women" is one edit from the Dutch "komen", but an English word: not mended.
    words = {"komen": "komen"}
    known = set(terms("komen"))
    assert suggestion("women shelter", known, words, (LEXICON,)) == "komen shelter"
    assert suggestion("women shelter", known, words, (LEXICON, frozenset({"women"}))) is None


def test_real_words_and_known_words_get_no_suggestion() -> None:
    # "zwembad" and "telde" are Dutch words the corpus does not use: the question is about something else.
    assert suggestion("Wat kost het zwembad?", KNOWN, WORDS, (LEXICON,)) is None
    assert suggestion("Hoeveel inwoners telde Boekel?", KNOWN, WORDS, (LEXICON,)) is None
    assert suggestion("Wie is de wethouder van Boekel?", KNOWN, WORDS, (LEXICON,)) is None
    # Two or more edits away, or too short to guess: nothing.
    assert suggestion("Wat doet de wthoudr?", KNOWN, WORDS, (LEXICON,)) is None
    assert suggestion("De raaf van Boekel", KNOWN, WORDS, (LEXICON,)) is None


def test_without_a_word_list_nothing_is_suggested(tmp_path: Path, corpus_services: Any) -> None:
    assert load_lexicon(tmp_path / "absent") == frozenset()
    assert load_lexicon(None) == frozenset()
    catalogue = CatalogueService(
        Settings(search={"spelling_lexicon": tmp_path / "absent"}), corpus_services.catalogue.store
    )
    assert catalogue.spelling_suggestion("Wie is de wethouer van Boekel?") is None
    assert corpus_services.catalogue.spelling_suggestion("Wie is de wethouer van Boekel?") is not None


@pytest.mark.skipif(not DUTCH_WORDS.is_file(), reason="Debian's wdutch is installed by make test")
def test_the_debian_word_list_is_read_and_folded() -> None:
    lexicon = load_lexicon(DUTCH_WORDS)
    assert len(lexicon) > 300_000
    assert {"gemeente", "telde", "beeindigen"} <= lexicon  # folded: beëindigen


def test_the_search_suggests_a_mended_dutch_query_on_the_real_store(corpus_services: Any) -> None:
    if not load_lexicon(Settings().search.spelling_lexicon):
        pytest.fail("the Dutch word list (wdutch) is missing: run `make lexicon`")
    search = corpus_services.search
    outcome = search.search("Wie is de wethouer van Boekel?")
    assert outcome.suggestion == "Wie is de wethouder van Boekel?"
    assert "did_you_mean" in [n.code for n in outcome.notes]
    page = search.matches("Welke acties kregen geen prioritet?")
    assert page.suggestion == "Welke acties kregen geen prioriteit?"
    answer = corpus_services.ask.answer("Wie is de wethouer van Boekel?")
    assert answer.suggestion == "Wie is de wethouder van Boekel?"
    # English under a filter that matches nothing (no retrieval to tell the language) is still English.
    english = search.search("Who is the alderman of Boekel?", filters=SearchFilters(region=["Utrecht"]))
    assert english.language == "en" and english.suggestion is None
    # A Dutch typo guessed English by its suffix is still mended; English words are not.
    assert search.search("kindermishandling").suggestion == "kindermishandeling"
    assert search.search("women shelter").suggestion is None
    # Written correctly, with a real word the corpus lacks, or in English: no suggestion.
    for question in (
        "Welke acties kregen geen prioriteit?",
        "Wat is het beleid voor windmolens?",
        "Who is the alderman of Boekel?",
    ):
        assert search.search(question).suggestion is None, question
