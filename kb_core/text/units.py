"""Answer units: the sentences, list items and table rows of a passage, with exact offsets.

A unit is what an answer quotes. Lines come from the cleaner (one paragraph, list item or table row per
line); a line is cut into sentences after . ! ? followed by a capital, digit or bullet, but not inside
numbers, after initials or after common abbreviations. A sentence that a page break or a wrapped name cut
in two is joined again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kb_core.text.lines import NUMBERED_HEADING, heading_text, is_list_item

_ABBREVIATION_END = re.compile(
    r"\b(?:o\.a|t\.b\.v|m\.b\.t|bv|d\.w\.z|i\.s\.m|z\.s\.m|e\.d|nl|ca|incl|excl|tel|nr|blz|art)\.$", re.I
)

NAME_PARTICLES = frozenset({"van", "de", "den", "der", "ter", "te", "von", "du", "la", "le"})


@dataclass
class Unit:
    """A sentence, list item or table row inside a passage, with its offsets in the passage text.

    ``line`` is the line it is on; ``scorable`` is False for labels (headings, captions, letterhead lines) and
    fragments under four words, which are never quoted on their own; a fragment can continue a quote ("Deze
    bestaat uit:"), a label cannot.
    """

    passage_rank: int
    start: int
    end: int
    text: str
    line: int = 0
    label: bool = False

    @property
    def scorable(self) -> bool:
        """Whether the unit can be quoted on its own: not a label, and at least four words."""
        return not self.label and len(self.text.split()) >= 4


_BOUNDARY = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9“\"'(•\-])")
_INITIAL_END = re.compile(r"(?:^|\s)[A-Z]\.$")
# Figure captions, letterhead lines (phone, fax, e-mail, post box) and footnote source references
# ("6 Nederlands Jeugdinstituut, 2023; ..."): never an answer on their own.
_CAPTION = re.compile(
    r"^(?:(?:afbeelding|figuur|tabel|grafiek|figure|table|chart)\s+\d+[.:]"
    r"|(?:fax|telefoon|tel\.|phone|postbus)\s*:?\s*[\d\[(+]|e-mail\s*:?\s*\S+@"
    r"|\d{1,2}\s+(?-i:[A-Z])[^.;]{2,80},\s*(?:19|20)\d\d\s*;)",
    re.IGNORECASE,
)


def _sentence_spans(line: str) -> list[tuple[int, int]]:
    """Sentence spans of one line: cut after . ! ? followed by a capital, digit or bullet — not inside
    numbers (6.251), after initials (D. Goutier) or after common Dutch abbreviations (o.a., m.b.t.)."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _BOUNDARY.finditer(line):
        piece = line[start : m.start()]
        if _ABBREVIATION_END.search(piece) or _INITIAL_END.search(piece):
            continue
        spans.append((start, m.start()))
        start = m.end()
    spans.append((start, len(line)))
    return spans


def _name_goes_on(line: str, next_line: str) -> bool:
    """Whether a sentence line ends inside a name that the next line finishes ("… een lokaal uitvoeringsplan
    Samen" / "Veilig 2024-2026."): the line has at least six words and ends in a title-case word, and the next
    starts with one that is not a label ("Betreft:")."""
    words, following = line.split(), next_line.split()
    return (
        len(words) >= 6
        and title_case(words[-1])
        and title_case(following[0].rstrip(",;"))
        and not following[0].endswith(":")
    )


def title_case(word: str) -> bool:
    """ "Jakobs", "Kluiver-Goverde", "Wijnen-van": a capital, then lower case (per hyphenated part, name particles
    aside); not "ViA", "GGD"."""
    first, *rest = word.split("-")
    return all(
        part[:1].isupper() and (part[1:].islower() or not part[1:])
        for part in [first, *(p for p in rest if p not in NAME_PARTICLES)]
    )


def split_units(text: str, rank: int) -> list[Unit]:
    """Sentences, list items and table rows of a passage, with exact offsets and their line numbers."""
    units: list[Unit] = []
    line_start = 0
    for number, line in enumerate(text.split("\n")):
        for s, e in _sentence_spans(line):
            chunk = line[s:e]
            lead = len(chunk) - len(chunk.lstrip())
            stripped = chunk.strip()
            if not stripped:
                continue
            is_label = _CAPTION.match(stripped) is not None or (
                heading_text(stripped) is not None
                and (NUMBERED_HEADING.match(stripped) is not None or not any(ch.isdigit() for ch in stripped))
            )
            start = line_start + s + lead
            prev = units[-1] if units else None
            if (
                prev is not None
                and s == 0
                and prev.line == number - 1
                # A line that goes on in lower case was not a heading, whatever it looked like on its own.
                and not (_CAPTION.match(prev.text) or NUMBERED_HEADING.match(prev.text))
                and not is_label
                and (
                    stripped[0].islower()
                    or (prev.text.endswith("€") and stripped[0].isdigit())
                    or (not prev.label and _name_goes_on(prev.text, stripped))
                )
                and not prev.text.endswith((".", "!", "?", ":", ";"))
                and not is_list_item(stripped)
            ):
                # A sentence cut by a page break ("… die door acute" / "geweldsdreiging …", "betreft €" / "6,8 mln",
                # "… uitvoeringsplan Samen" / "Veilig 2024-2026.") is one unit.
                end = start + len(stripped)
                units[-1] = Unit(rank, prev.start, end, text[prev.start : end], number)
                continue
            units.append(Unit(rank, start, start + len(stripped), stripped, number, is_label))
        line_start += len(line) + 1
    return units
