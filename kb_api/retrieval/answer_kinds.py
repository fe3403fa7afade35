"""What kind of answer a question asks for, and whether a text holds one: figures (an amount, a sum of money,
a share), dates, people, places, organisations. The ranking boosts passages with the figure asked for; the
answer scorer uses the rest as features."""

from __future__ import annotations

import re
from collections.abc import Callable
from collections.abc import Set as AbstractSet

from kb_core.lang import load, month_names
from kb_core.lang.regions import REGION_ALIASES, municipality_pattern
from kb_core.text.analysis import is_stopword
from kb_core.text.lines import LIST_MARKER
from kb_core.text.units import NAME_PARTICLES, title_case

_QUANTITY = re.compile(
    r"\b(hoeveel|hoe ?veel|hoe hoog|welk(e)? (bedrag|percentage|aantal)|wat kost|how (many|much)|what (amount|percentage))\b",
    re.IGNORECASE,
)
# The money word must be what is asked about ("Wat is de jaarlijkse bijdrage …", "How much does Oss
# contribute"), not a word further on ("Hoeveel gemeenten dragen bij aan de kosten", "Wat is de
# verdeelsleutel voor de kosten", "Wat is er besloten over de bijdrage").
_MONEY_QUESTION = re.compile(
    r"^(?:hoeveel|hoe hoog is (?:de|het)|wat (?:is|zijn|was|waren) (?:de|het)|wat (?:kost|kosten)|how much"
    r"|what (?:is|are|was|were)(?: the)?)\s+(?:(?!(?:van|voor|aan|over|om|op|in|met|bij|of|for|to|on)\b)[\w'’-]+\s+){0,3}?"
    r"(?:\w*bijdrage\w*|\w*budget\w*|begroting|bedrag\w*|kosten|kost|geld|subsidie\w*|contribut\w*|cost\w*|money|funding)\b",
    re.IGNORECASE,
)
# "Wat kost het programmateam?", "How much will it cost?": the verb itself asks for a sum of money.
_PRICE_QUESTION = re.compile(
    r"^(?:(?:wat|hoeveel)\s+kost(?:en|te|ten)?\b|(?:what|how\s+much)\s+(?:does|do|did|will|would)\s+.+\bcost\b)",
    re.IGNORECASE,
)
_SHARE_OF = re.compile(r"\b(?:percentage|procent|deel|aandeel|share|proportion|percent)\b", re.IGNORECASE)
# "In welk deel van de regio …" asks where, not how large a share.
_SHARE_QUESTION = re.compile(
    r"(?<!\bin\s)\b(?:welk(?:e)?\s+(?:deel|gedeelte|aandeel|percentage)|hoeveel\s+procent"
    r"|(?:wat|hoe\s+groot)\s+is\s+het\s+(?:percentage|aandeel)|hoe\s+groot\s+is\s+het\s+deel"
    r"|what\s+(?:share|proportion|percentage|fraction)|what\s+is\s+the\s+(?:share|proportion|percentage)"
    r"|which\s+(?:share|proportion)|how\s+(?:big|large)\s+is\s+the\s+(?:share|proportion)|how\s+many\s+percent)\b"
    r"|['’]s\s+share\b",
    re.IGNORECASE,
)
_SMALL_NUMBER = r"(?:één|eén|een|twee|drie|vier|vijf|zes|zeven|acht|negen|tien|\d+)"
_SHARE = re.compile(
    r"\d\s*%|\b(?:procent|percent|pct|procentpunt\w*|helft|kwart|derde)\b"
    rf"|\b{_SMALL_NUMBER}\s+(?:op|van)\s+(?:de\s+)?(?:{_SMALL_NUMBER}|elf|twaalf|twintig|dertig|veertig|vijftig|honderd|duizend)\b",
    re.IGNORECASE,
)
# "Hoeveel tijd kost …", "Wat kost de meeste moeite?": effort, not money or a count.
_EFFORT = re.compile(r"\b(?:tijd|moeite|energie|time|effort)\b", re.IGNORECASE)
_COST_WORD = re.compile(r"\b(?:kost\w*|cost\w*)\b", re.IGNORECASE)
# A sum of money: a figure with a currency sign or word ("€ 2,1 miljoen", "6,8 mln euro"), not a bare "€".
_MONEY = re.compile(r"€\s*\d|\d[\d.,]*\s*(?:euro|EUR|mln|miljoen)\b", re.IGNORECASE)
_FIGURE = re.compile(r"(?<![\w.,])\d+(?:[.,]\d+)*%?(?!\w)")
_MONTHS = "|".join(month_names())
# Written-out numbers. Not "ten" (Dutch "ten aanzien van", "ten minste") and not "in acht nemen".
_NUMBER_WORDS = (
    r"twee|drie|vier|vijf|zes|zeven|acht|negen|tien|elf|twaalf|dertien|veertien|vijftien|zestien"
    r"|zeventien|achttien|negentien|twintig|dertig|veertig|vijftig|zestig|zeventig|tachtig|negentig|honderd"
    r"|duizend|miljoen|two|three|four|five|six|seven|eight|nine|eleven|twelve|twenty|thirty|forty|fifty|hundred"
    r"|thousand|million|half|helft|kwart"
)
_NUMBER_WORD = re.compile(rf"\b(?:{_NUMBER_WORDS})\b(?<!in acht)", re.IGNORECASE)
_DATE = re.compile(
    rf"\b\d{{1,2}}\s+(?:{_MONTHS})(?:\s+\d{{4}})?\b|\b(?:{_MONTHS})\s+\d{{1,2}},?\s+\d{{4}}\b"
    r"|\b\d{1,2}-\d{1,2}-\d{4}\b",
    re.IGNORECASE,
)
# A number that refers to a part of a document, not a quantity ("hoofdstuk 3", "bijlage 1", "fase 2").
_REFERENCE_NUMBER = re.compile(
    r"\b(?:hoofdstuk|artikel|paragraaf|bijlage|pagina|fase|stap|punt|chapter|article|annex|page|phase|step)"
    r"\s+\d+(?:\.\d+)*",
    re.IGNORECASE,
)
YEAR = re.compile(r"\b(?:19|20)\d\d\b")


def asks_for_money(question: str) -> bool:
    """Whether the question asks what something costs or amounts to ("Wat is de bijdrage van Boekel?",
    "What is Moviera's budget?"), not for a share of it ("What percentage of the costs …")."""
    asks = _MONEY_QUESTION.search(question) or _PRICE_QUESTION.search(question)
    return bool(asks) and not _SHARE_OF.search(question) and not _costs_effort(question)


def _costs_effort(question: str) -> bool:
    """Whether the question asks what something costs in time or effort ("Hoeveel tijd kost …")."""
    return bool(_EFFORT.search(question) and _COST_WORD.search(question))


def asks_for_share(question: str) -> bool:
    """Whether the question asks for a share ("Welk deel van de meldingen …", "What percentage of …")."""
    return _SHARE_QUESTION.search(question) is not None


def has_amount(text: str) -> bool:
    """Whether ``text`` holds an amount or count: a figure that is not a year, a date, a list number or a
    reference ("hoofdstuk 3"), or a number written out ("tien gemeenten", "zeventig procent")."""
    if _NUMBER_WORD.search(text):
        return True
    text = _REFERENCE_NUMBER.sub(" ", _DATE.sub(" ", LIST_MARKER.sub("", text, count=1)))
    return any(not YEAR.fullmatch(m.group()) for m in _FIGURE.finditer(text))


def has_money(text: str) -> bool:
    """Whether ``text`` holds a sum of money ("€ 310.620,00", "6,8 mln euro")."""
    return _MONEY.search(text) is not None


def has_share(text: str) -> bool:
    """Whether ``text`` holds a share: a percentage, "procent", "de helft", "een derde", "één op de drie",
    "drie van de tien"; not a reference ("stap 3 van de 10", "hoofdstuk 2 van de 10")."""
    return _SHARE.search(_REFERENCE_NUMBER.sub(" ", text)) is not None


def figure_kind(question: str, *, shares: bool = True) -> Callable[[str], bool] | None:
    """The test a text must pass to hold the figure ``question`` asks for, or None when it asks for no figure:
    a share (when ``shares``), else a sum of money, else any amount. What something costs in time or effort
    ("Hoeveel tijd kost …", "Wat kost de meeste moeite?") is no figure question."""
    if _costs_effort(question):
        return None
    if shares and asks_for_share(question):
        return has_share
    if asks_for_money(question):
        return has_money
    if _QUANTITY.search(question):
        return has_amount
    return None


# --- kinds of answer beyond figures (features of the answer scorer) -----------------------------------------
_INITIALS = re.compile(r"(?:[^\W\d_]\.){1,4}")
_ACRONYM = re.compile(r"\b[A-Z][A-Za-z]*[A-Z]{1,}[A-Za-z]*\b")
_MUNICIPALITY = municipality_pattern()
_REGION = re.compile(
    "|".join(rf"\b{re.escape(alias)}\b" for alias in sorted(REGION_ALIASES, key=len, reverse=True)), re.I
)
_ASKED_TYPES: dict[str, re.Pattern[str]] = {
    kind: re.compile(
        r"^(?:en\s+|and\s+)?(?:"
        + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
        + r")\b",
        re.I,
    )
    for kind, words in load("answer_types").items()
    if not kind.startswith("_")
}


# Prepositions open a question ("Binnen welke termijn …") and end the phrase naming what is asked.
_PREPOSITIONS = frozenset(load("answer_types")["_prepositions"])
if not all(p.isalpha() for p in _PREPOSITIONS):  # a phrase ends at a word: one word each
    raise ValueError("kb_core/lang/answer_types.json: _prepositions must hold single words")
# The question word and what may precede it ("En …", "Van welke …"); what follows is what is asked about.
QUESTION_OPENING = re.compile(
    r"^(?:en\s+|and\s+)?(?:(?:" + "|".join(sorted(_PREPOSITIONS, key=len, reverse=True)) + r")\s+)?"
    r"(?P<word>hoe\s+\w+|hoeveel|welke?|wie|wat|wanneer|waar|waarom|waarmee|waarvoor|which|what|who|whom|when|where|why"
    r"|how\s+\w+)\b",
    re.IGNORECASE,
)
_HEAD_WORDS = 5
# A place noun inside a compound names no place ("opvangplaatsen", "werkplaats").
_NO_COMPOUND = frozenset({"place"})
_HEADS: dict[str, re.Pattern[str]] = {
    kind: re.compile(
        ("" if kind in _NO_COMPOUND else r"(?:[^\W\d_]{3,})?")
        + "(?:"
        + "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=len, reverse=True))
        + r")(?:s|n|en|es|['’]s)?",
        re.IGNORECASE,
    )
    for kind, words in load("answer_types")["_heads"].items()
}


# In English "'s" makes a possessive ("Moviera's budget", "James' phone"); in Dutch a plural ("regio's").
_ENGLISH_QUESTION_WORDS = frozenset({"which", "what", "who", "whom", "when", "where", "why", "how"})
_POSSESSIVE = ("'s", "’s", "s'", "s’")


def _head_candidates(words: list[str]) -> list[str]:
    """The words of a phrase that may be its head: its first content word, that word with the next one, and
    the next one."""
    first = next((i for i, w in enumerate(words) if not is_stopword(w)), None)
    if first is None:
        return []
    candidates = [words[first]]
    if first + 1 < len(words) and not is_stopword(words[first + 1]):
        candidates += [f"{words[first]} {words[first + 1]}", words[first + 1]]
    return candidates


def head_kind(question: str, allowed: AbstractSet[str] | None = None) -> str | None:
    """The kind of answer named by the noun a question asks about, from ``_heads`` in
    ``kb_core/lang/answer_types.json``: "Wat is het adres van …" -> contact, "Hoe groot is het jaarbudget …" ->
    money, "Van welke partij …" -> organisation, "Who is the director of …" -> person. Read: the first content
    word after the question word (after the verb that follows "wie", "who chairs"), or the word right after it
    when that one is an adjective ("de jaarlijkse bijdrage", "the annual budget"), past an English possessive
    ("What is the director's phone number", not "Which municipality's …", where the owner is asked for); a
    phrase ends at a preposition. ``allowed``: the kinds to look for (all when None)."""
    text = " ".join(question.split())
    match = QUESTION_OPENING.match(text)
    if match is None:
        return None
    words: list[str] = []
    owners: list[bool] = []
    for raw in text[match.end() :].split():
        word = raw.strip(",;:()[]“”\"'‘’?!.").lower()
        if word in _PREPOSITIONS or len(words) == _HEAD_WORDS:
            break
        words.append(word)
        owners.append(raw.rstrip(',;:()[]“”"?!.').lower().endswith(_POSSESSIVE))
    question_word = match.group("word").lower()
    verb = []
    if question_word in _WHO and words and not is_stopword(words[0]):
        verb, words, owners = [words[0]], words[1:], owners[1:]  # the verb: "Who chairs …"
    if question_word.split()[0] in _ENGLISH_QUESTION_WORDS:
        content = [i for i, w in enumerate(words) if not is_stopword(w)]
        owner = next((i for i in content[:2] if owners[i] and (i > 0 or verb)), None)
        if owner is not None:  # "What is D. Goutier's phone number": the head follows its owner
            words = words[owner + 1 :]
    for candidate in verb + _head_candidates(words):
        for kind, pattern in _HEADS.items():
            if (allowed is None or kind in allowed) and pattern.fullmatch(candidate):
                return kind
    return None


# The kinds a text can be checked for (``holds_kind``); reasons and lists are asked for but not checkable.
CHECKABLE_KINDS = frozenset(
    {"amount", "money", "share", "date", "duration", "person", "agent", "place", "organisation", "contact"}
)
_WHO = frozenset({"wie", "who", "whom"})


def asked_kinds(question: str) -> set[str]:
    """The kinds of answer a question asks for: amount, money, share (figures), date, duration, person, agent
    (a person or organisation: "Wie betaalt …?"), place, organisation, contact details, reason, list — from how it
    opens and the noun it asks about (``kb_core/lang/answer_types.json``) and the figure tests."""
    text = " ".join(question.split()).strip(" ¿?")
    kinds = {kind for kind, pattern in _ASKED_TYPES.items() if pattern.search(text)}
    opening = QUESTION_OPENING.match(text)
    word = opening.group("word").lower() if opening else ""
    if word in _WHO:
        head = head_kind(text, {"person", "organisation"})
        kinds.discard("person")
        kinds.add(head or "agent")
    elif word.startswith(("wat", "welk", "hoe ", "which", "what")):
        head = head_kind(text)
        if head is not None:
            kinds.add(head)
    figure = figure_kind(question)
    if figure is has_share:
        kinds.add("share")
    elif figure is has_money:
        kinds.add("money")
    elif figure is has_amount:
        kinds.add("amount")
    return kinds


def has_date(text: str) -> bool:
    """Whether ``text`` names a date or a year."""
    return bool(_DATE.search(text) or YEAR.search(text))


def has_person(text: str, common_words: frozenset[str] = frozenset()) -> bool:
    """Whether ``text`` holds something shaped like a person's name: initials and a surname ("F.T. de Jonge"),
    or two capitalised words ("Caroline van den Elsen") not all of which are ordinary words that
    ``common_words`` (the corpus) also writes in lower case ("de Werkgroep Huiselijk Geweld")."""
    for run in _capitalised_runs(text):
        while (
            run
            and not _INITIALS.fullmatch(run[0])
            and (is_stopword(run[0].lower()) or run[0].lower() in common_words)
        ):
            run = run[1:]
        initials = [w for w in run if _INITIALS.fullmatch(w)]
        words = [w for w in run if w[0].isupper() and not _INITIALS.fullmatch(w)]
        if initials and words:
            return True
        if len(words) >= 2 and not all(w.lower() in common_words for w in words):
            return True
    return False


_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?<!\d)(?:\+31[\s-]?|0)(?:\d[\s-]?){8,9}(?!\d)|\b0[89]00[\s-]?\d{4}\b")
_POSTCODE = re.compile(r"\b\d{4}\s?[A-Z]{2}\b")
_URL = re.compile(r"\b(?:https?://|www\.)\S+|\b[\w-]+\.(?:nl|com|org|eu)\b", re.IGNORECASE)
_STREET = re.compile(
    r"\b[A-Z][^\W\d_]*(?:straat|weg|laan|plein|singel|kade|gracht|dijk|markt|park|hof|dreef|steeg)\s+\d+"
)
_TIME_UNIT = (
    r"(?:dag|dagen|werkdag(?:en)?|week|weken|maand|maanden|jaar|jaren|uur|uren|minuten|kwartaal|kwartalen"
    r"|days?|weeks?|months?|years?|hours?|minutes?)"
)
# A length of time is a number (figures or words, "anderhalf", "enkele") and a unit of time: "binnen vijf
# werkdagen", "dertig dagen", "een halfjaar". Not an availability ("24/7 bereikbaar") or "binnen de regio".
_DURATION = re.compile(
    rf"\b(?:\d+(?:[.,]\d+)?|één|eén|een|{_NUMBER_WORDS}|anderhalf|enkele|aantal|paar|halve|few|several)"
    rf"\s+(?:\w+\s+)?(?:half)?{_TIME_UNIT}\b",
    re.IGNORECASE,
)


def has_contact(text: str) -> bool:
    """Whether ``text`` holds contact details: an e-mail address, a phone number, a postcode, a street and
    number, a web address."""
    return any(p.search(text) for p in (_EMAIL, _PHONE, _POSTCODE, _URL, _STREET))


def has_duration(text: str) -> bool:
    """Whether ``text`` names a length of time ("binnen vijf werkdagen", "6 weken", "dertig dagen", "een
    halfjaar"); not when something can be reached ("24/7") or lies within a place ("binnen de regio")."""
    return _DURATION.search(text) is not None


def has_place(text: str) -> bool:
    """Whether ``text`` names a municipality or region of the table."""
    return bool(_MUNICIPALITY.search(text) or _REGION.search(text))


def has_organisation(text: str) -> bool:
    """Whether ``text`` names an organisation: an acronym (GGD, GI's) or a run of two or more capitalised words."""
    return bool(_ACRONYM.search(text)) or any(len(run) >= 2 for run in _capitalised_runs(text))


def holds_kind(kind: str, text: str, common_words: frozenset[str] = frozenset()) -> bool:
    """Whether ``text`` holds an answer of ``kind`` (see :func:`asked_kinds`); reasons and lists: always."""
    tests: dict[str, Callable[[str], bool]] = {
        "amount": has_amount,
        "money": has_money,
        "share": has_share,
        "date": has_date,
        "person": lambda t: has_person(t, common_words),
        "place": has_place,
        "organisation": has_organisation,
        "agent": lambda t: has_person(t, common_words) or has_organisation(t) or has_place(t),
        "contact": has_contact,
        "duration": has_duration,
    }
    test = tests.get(kind)
    return True if test is None else test(text)


def _capitalised_runs(text: str) -> list[list[str]]:
    """Runs of capitalised words and initials, with name particles ("van den") inside a run."""
    runs: list[list[str]] = [[]]
    for raw in text.split():
        word = raw.strip(",;:()[]“”\"'‘’")
        starts_name = bool(word) and (title_case(word) or _INITIALS.fullmatch(word) is not None)
        if starts_name or (word in NAME_PARTICLES and runs[-1]):
            runs[-1].append(word)
        else:
            runs.append([])
        if raw != word and not raw.endswith("."):
            runs.append([])  # punctuation after a word ends the run
    return [run for run in runs if run]
