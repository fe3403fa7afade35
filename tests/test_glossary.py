"""The English -> Dutch glossary that lets English questions use the Dutch lexical leg."""

from __future__ import annotations

from kb_core.lang.glossary import dutch_terms, expand_for_lexical


def test_longest_phrase_wins_and_is_not_matched_again_by_its_words() -> None:
    assert dutch_terms("Who is on the steering group?") == ["stuurgroep"]
    assert sorted(dutch_terms("Where is central steering placed?")) == ["centraal centrale", "sturing"]


def test_general_policy_words_are_translated() -> None:
    expanded = expand_for_lexical("When will the council get the figures on upheld objections?")
    for dutch in ("raad", "cijfers", "gegrond", "bezwaren"):
        assert dutch in expanded
    assert expanded.startswith("When will the council")


def test_a_question_without_glossary_words_is_unchanged() -> None:
    assert (
        expand_for_lexical("Hoeveel meldingen ontving Veilig Thuis?")
        == "Hoeveel meldingen ontving Veilig Thuis?"
    )


def test_the_corpus_vocabulary_has_english_entries() -> None:
    # Words of the corpus's own vocabulary (not of any gold question), so English questions reach the Dutch
    # lexical leg for more than the field's headline terms.
    assert sorted(dutch_terms("Which powers does the safety coordinator have?")) == [
        "bevoegdheden",
        "veiligheidscoördinator",
    ]
    assert "reclassering" in expand_for_lexical("What does the probation service do?")
