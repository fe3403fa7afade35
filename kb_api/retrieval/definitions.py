"""Definition questions ("Wat wordt bedoeld met integraliteit?"): the term asked about, and whether a text
defines it.

Such a question shares its context words ("in de aanpak van geweld in afhankelijkheidsrelaties") with
most of the corpus, and passages that use the term often outnumber the one that says what it means. A
passage or sentence that writes "integraliteit betekent …" or "onder integraliteit verstaan we …" is what
the user asked for.
"""

from __future__ import annotations

import re

from ingest.analysis import is_stopword

# What follows these openings is the term asked about.
_DEFINITION_QUESTION = re.compile(
    r"^(?:wat\s+(?:wordt|worden)\s+(?:er\s+)?(?:bedoeld|verstaan)\s+(?:met|onder)"
    r"|wat\s+(?:verstaat|verstaan|bedoelt|bedoelen)\s+(?:[\w'’-]+\s+){0,3}?(?:onder|met)"
    r"|wat\s+(?:is|zijn|betekent|betekenen)"
    r"|wat\s+houdt|wat\s+houden"
    r"|what\s+is\s+meant\s+by|what\s+(?:is|are)|what\s+does"
    r")\s+(?P<term>.+)$",
    re.IGNORECASE,
)
_ARTICLE = re.compile(r"^(?:de|het|een|the|a|an)\s+", re.IGNORECASE)
# The term ends where the context starts: a preposition, a verb closing the question, a year.
_TERM_END = re.compile(
    r"\s+(?:in|van|volgens|bij|voor|binnen|op|uit|met|door|aan|over|naar|tussen|tot|om|na|als|richting"
    r"|of|for|to|on|within|according|by|from|mean|measure|in)\b.*$"
    r"|\s+(?:19|20)\d\d\b.*$",
    re.IGNORECASE,
)
_MAX_TERM_WORDS = 4


def defined_term(question: str) -> str | None:
    """The term a definition question asks about ("Wat wordt bedoeld met integraliteit in de aanpak …?" ->
    "integraliteit"), or None when the question does not ask what something is or means."""
    match = _DEFINITION_QUESTION.match(" ".join(question.split()).rstrip(" ?"))
    if match is None:
        return None
    term = _TERM_END.sub("", _ARTICLE.sub("", match.group("term").strip()))
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
    """Whether ``text`` says what ``term`` means: "<term> betekent / houdt in / omvat / staat voor …", "onder
    <term> wordt verstaan", "met <term> wordt bedoeld", "verstaan we onder <term>", or a sentence that opens
    with "(De) <term> is / zijn …". The last needs the sentence start because "is" is also an auxiliary
    ("totdat duurzame veiligheid is bereikt"). An abbreviation in brackets after the term ("Centrum Seksueel
    Geweld (CSG) is …") is allowed."""
    t = r"\s+".join(re.escape(w) for w in term.split())
    named = rf"{t}\w*(?:\s*\([^)]{{1,30}}\))?\s+"
    pattern = (
        rf"\b{named}(?:betekent|betekenen|houdt|houden|omvat|omvatten|staat voor|staan voor|wordt gedefinieerd"
        rf"|verwijst naar)\b"
        rf"|(?:^|[.!?:]\s+|\n\s*)(?:(?:de|het|een|onze?|the|an?)\s+)?(?:[^\W\d_]+\s+)?{named}(?:is|zijn|are)\b"
        rf"|\b(?:onder|met)\s+(?:de\s+|het\s+)?{t}\w*\s+(?:wordt|worden)\s+(?:\S+\s+){{0,3}}?(?:verstaan|bedoeld)\b"
        rf"|\b(?:verstaan|bedoelen)\s+(?:we|wij)\s+(?:onder|met)\s+(?:de\s+|het\s+)?{t}"
    )
    return re.search(pattern, text, re.IGNORECASE) is not None
