"""Definition questions ("Wat wordt bedoeld met integraliteit?"): the term asked about, and whether a text
defines it.

Such a question shares its context words ("in de aanpak van geweld in afhankelijkheidsrelaties") with
most of the corpus, and passages that use the term often outnumber the one that says what it means. A
passage or sentence that writes "integraliteit betekent …" or "onder integraliteit verstaan we …" is what
the user asked for.
"""

from __future__ import annotations

import re

from kb_api.retrieval.answer_kinds import figure_kind
from kb_core.text.analysis import is_stopword

# What follows these openings is the term asked about. "Wat is / what is" opens most questions of any kind,
# so for those the term must stand alone (see ``_COMPLEMENT``).
_DEFINITION_QUESTION = re.compile(
    r"^(?:en\s+)?(?:"
    r"(?P<meant>wat\s+(?:wordt|worden)\s+(?:er\s+)?(?:bedoeld|verstaan)\s+(?:met|onder)"
    r"|wat\s+(?:verstaat|verstaan|bedoelt|bedoelen)\s+(?:[\w'’-]+\s+){0,3}?(?:onder|met)"
    r"|wat\s+(?:betekent|betekenen)|wat\s+(?:houdt|houden)"
    r"|wat\s+(?:is|zijn)\s+(?:de\s+)?(?:betekenis|definitie)\s+van"
    r"|what\s+is\s+meant\s+by|what\s+(?:is|are)\s+(?:the\s+)?(?:meaning|definition)\s+of|what\s+does)"
    r"|(?P<is>wat\s+(?:is|zijn)|what\s+(?:is|are)|whats)"
    r")\s+(?P<term>.+)$",
    re.IGNORECASE,
)
_ARTICLE = re.compile(r"^(?:de|het|een|the|a|an)\s+", re.IGNORECASE)
_FILLER = re.compile(r"\b(?:precies|eigenlijk|nou|nu|dan|exactly|actually)\b", re.IGNORECASE)
# "Wat is het doel van de werkgroep?" asks for the goal of something, not for what a goal is.
_COMPLEMENT = re.compile(r"^\S+(?:\s+\S+){0,3}?\s+(?:van|voor|op|of|for|on)\b", re.IGNORECASE)
# The term ends where the context starts: a preposition, a verb closing the question, a year.
_TERM_END = re.compile(
    r"\s+(?:in|van|volgens|bij|voor|binnen|op|uit|met|door|aan|over|naar|tussen|tot|om|na|als|richting"
    r"|of|for|to|on|within|according|by|from|mean|measure|stand|do|does)\b.*$"
    r"|\s+(?:19|20)\d\d\b.*$",
    re.IGNORECASE,
)
_MAX_TERM_WORDS = 4


def defined_term(question: str) -> str | None:
    """The term a definition question asks about ("Wat wordt bedoeld met integraliteit in de aanpak …?" ->
    "integraliteit"), or None when the question does not ask what something is or means. A figure question
    ("Wat is de bijdrage van Boekel?") and one about a property of something ("Wat is het doel van de
    werkgroep?") are no definition questions."""
    text = re.sub(r"[\"'“”‘’]", "", " ".join(question.split())).rstrip(" ?.!")
    match = _DEFINITION_QUESTION.match(text)
    if match is None or figure_kind(question) is not None:
        return None
    rest = _FILLER.sub("", match.group("term")).strip()
    rest = _ARTICLE.sub("", " ".join(rest.split()))
    if match.group("is") and _COMPLEMENT.match(rest):
        return None
    term = _TERM_END.sub("", rest)
    term = re.sub(r"\s+in$", "", term, flags=re.IGNORECASE)  # "Wat houdt de aanpak in"
    words = term.split()
    # "Wat is er gebeurd …" asks what happened, not what something is.
    if (
        not words
        or words[0].lower() == "er"
        or len(words) > _MAX_TERM_WORDS
        or all(is_stopword(w.lower()) for w in words)
    ):
        return None
    return term


def defines(text: str, term: str) -> bool:
    """Whether ``text`` says what ``term`` means:

    - "<term> betekent / houdt in / omvat / staat voor / wil zeggen …" ("Voor <term> betekent dit" is not);
    - "onder / met <term> wordt verstaan / bedoeld", "onder <term> verstaan we", "wij verstaan onder <term>",
      also with "de term" / "het begrip" before the term;
    - a sentence or line that opens with "(De) <term> is / zijn een / de / het …" or "<term>: …" (a
      glossary). "is" needs the sentence start and an article or "<noun> dat / die" after it, because it is
      also an auxiliary ("totdat duurzame veiligheid is bereikt", "Veilig Thuis is in 2015 ontstaan").

    The term may be inflected ("-s", "-en") and followed by an abbreviation in brackets ("Centrum Seksueel
    Geweld (CSG) is …"); one adjective may precede it ("Lokale integraliteit betekent …")."""
    t = r"\s+".join(re.escape(w) for w in term.split())
    word = rf"(?:de\s+term\s+|het\s+begrip\s+)?{t}(?:s|en|e|['’]s)?\b"
    named = rf"{word}(?:\s*\([^)]{{1,30}}\))?"
    opening = r"(?:^|[.!?]\s+|\n\s*)(?:(?:de|het|een|onze?|the|an?)\s+)?(?:[^\W\d_]+e\s+)?"
    pattern = (
        rf"(?<!voor\s)(?<!for\s)\b{named}\s+(?:betekent|betekenen|omvat|omvatten|staat\s+voor|staan\s+voor"
        rf"|wordt\s+gedefinieerd|verwijst\s+naar|wil\s+zeggen|houdt\s+in|houden\s+in)\b(?!\s+dit\b)"
        rf"|{opening}{named}\s+(?:is|zijn|are)\s+(?:(?:een|de|het|the|an?|onze?)\b|[^\W\d_]+\s+(?:dat|die|waarbij)\b)"
        rf"|{opening}{named}\s*:\s+\S"
        rf"|\b(?:onder|met)\s+(?:de\s+|het\s+)?{word}\s+(?:wordt|worden)\s+(?:\S+\s+){{0,3}}?(?:verstaan|bedoeld)\b"
        rf"|\b(?:onder|met)\s+(?:de\s+|het\s+)?{word}\s+(?:verstaan|bedoelen)\s+(?:we|wij)\b"
        rf"|\b(?:verstaan|bedoelen)\s+(?:we|wij)\s+(?:onder|met)\s+(?:de\s+|het\s+)?{word}"
        rf"|\b(?:we|wij)\s+(?:verstaan|bedoelen)\s+(?:onder|met)\s+(?:de\s+|het\s+)?{word}"
    )
    return re.search(pattern, text, re.IGNORECASE) is not None
