"""Answer units: the sentences, list items and table rows of a passage, with exact offsets.

A unit is what an answer quotes. Lines come from the cleaner (one paragraph, list item or table row per
line); a line is cut into sentences after . ! ? followed by a capital, digit or bullet, but not inside
numbers, after initials, after common abbreviations or after a list number ("1. Toekomstbeeld …"). A sentence
that a page break or a wrapped name cut in two is joined again. A bullet that stands alone over a paragraph
("- Stevige lokale teams op ViA") is a heading, not a list item.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from kb_core.text.lines import (
    CAPTION,
    NUMBERED_HEADING,
    figure_column_rows,
    heading_text,
    is_list_item,
    is_table_row,
    list_label,
    opens_list,
)

_ABBREVIATION_END = re.compile(
    r"\b(?:o\.a|t\.b\.v|m\.b\.t|bv|d\.w\.z|i\.s\.m|z\.s\.m|e\.d|nl|ca|incl|excl|tel|nr|blz|art)\.$", re.I
)

NAME_PARTICLES = frozenset({"van", "de", "den", "der", "ter", "te", "von", "du", "la", "le"})


@dataclass
class Unit:
    """A sentence, list item or table row inside a passage, with its offsets in the passage text.

    ``line`` is the line it is on; ``scorable`` is False for labels (headings, captions, letterhead lines) and
    fragments under four words, which are never quoted on their own; a fragment can continue a quote ("Deze
    bestaat uit:"), a label cannot. ``row``: the line is a row of a table of words and one figure, which only
    its neighbours show ("Gemeente Oss 24" under "Gemeente Boekel 18").
    """

    passage_rank: int
    start: int
    end: int
    text: str
    line: int = 0
    label: bool = False
    row: bool = False

    @property
    def scorable(self) -> bool:
        """Whether the unit can be quoted on its own: not a label, and at least four words (a table row of
        three cells, "Boekel 18 uur", counts too)."""
        return not self.label and (
            len(self.text.split()) >= 4 or (self.kind == "table" and len(self.text.split()) >= 2)
        )

    @property
    def kind(self) -> str:
        """'table' (a row of figures), 'list' (a list item) or 'sentence'."""
        if is_list_item(self.text):
            return "list"
        return "table" if self.row or is_table_row(self.text) else "sentence"


_BOUNDARY = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9“\"'(•\-])")
_INITIAL_END = re.compile(r"(?:^|\s)[A-Z]\.$")
# A list number at the start of a line ("1. Toekomstbeeld …"): the item goes on after it.
_LIST_NUMBER = re.compile(r"^\(?\d{1,2}[.)]$")


def _sentence_spans(line: str) -> list[tuple[int, int]]:
    """Sentence spans of one line: cut after . ! ? followed by a capital, digit or bullet — not inside
    numbers (6.251), after initials (D. Goutier) or after common Dutch abbreviations (o.a., m.b.t.)."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _BOUNDARY.finditer(line):
        piece = line[start : m.start()]
        if _ABBREVIATION_END.search(piece) or _INITIAL_END.search(piece) or _LIST_NUMBER.match(piece.strip()):
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
    lines = text.split("\n")
    rows = figure_column_rows(lines)
    for number, line in enumerate(lines):
        if number in rows:
            lead = len(line) - len(line.lstrip())
            start = line_start + lead
            units.append(Unit(rank, start, start + len(line.strip()), line.strip(), number, row=True))
            line_start += len(line) + 1
            continue
        for s, e in _sentence_spans(line):
            chunk = line[s:e]
            lead = len(chunk) - len(chunk.lstrip())
            stripped = chunk.strip()
            if not stripped:
                continue
            is_label = CAPTION.match(stripped) is not None or (
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
                and not (CAPTION.match(prev.text) or NUMBERED_HEADING.match(prev.text))
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
    return _mark_subheadings(units)


def _mark_subheadings(units: list[Unit]) -> list[Unit]:
    """A list item that stands alone, short and without an end mark, with a sentence on the next line, is a
    heading written as a bullet ("- Stevige lokale teams op ViA"): a label, so no quote runs on into it."""
    for i, unit in enumerate(units):
        before = units[i - 1] if i else None
        after = units[i + 1] if i + 1 < len(units) else None
        if (
            unit.kind == "list"
            and list_label(unit.text) == ""
            and len(unit.text.split()) <= _SUBHEADING_MAX_WORDS
            and not unit.text.endswith((".", ",", ";", ":", "!", "?"))
            and not (before is not None and before.line == unit.line - 1 and before.kind == "list")
            and after is not None
            and after.line == unit.line + 1
            and after.kind == "sentence"
            and not after.label
        ):
            units[i] = Unit(unit.passage_rank, unit.start, unit.end, unit.text, unit.line, True)
    return units


_SUBHEADING_MAX_WORDS = 8


def lead_in(unit: Unit, units: list[Unit]) -> Unit | None:
    """What a unit needs to be understood, within its passage: for a list item the line that introduces the
    list, for a table row the table's first row when that is a header (words, no sums), else None."""
    before = [u for u in units if u.passage_rank == unit.passage_rank and u.end <= unit.start]
    if unit.kind == "list":
        first_item = unit
        while before and before[-1].kind == "list":
            first_item = before.pop()
        # The line before a list introduces it when it ends in ':' or the list starts there ("1.", a bullet); the
        # line before item "3." is the text under item 2.
        if (
            before
            and before[-1].line < unit.line
            and (before[-1].text.endswith(":") or opens_list(first_item.text))
        ):
            return before[-1]
        return None
    if unit.kind == "table":
        run: list[Unit] = []
        while (
            before
            and before[-1].kind == "table"
            and before[-1].line == (run[-1].line if run else unit.line) - 1
        ):
            run.append(before.pop())
        first = run[-1] if run else None
        if first is not None and is_table_header(first.text):
            return first
        if (
            before
            and before[-1].line == (first.line if first else unit.line) - 1
            and is_table_header(before[-1].text)
        ):
            return before[-1]
    return None


def is_table_header(line: str) -> bool:
    """Whether a line looks like the header row of a table: mostly words and years, no sums or decimals."""
    words = line.split()
    if not 2 <= len(words) <= 16 or "€" in line or line.endswith((".", ":")):
        return False
    numbers = [w for w in words if any(ch.isdigit() for ch in w)]
    if any(not (w.isdigit() and len(w) == 4) for w in numbers):
        return False
    return sum(1 for w in words if w[:1].isalpha()) >= 2


def quote_end(unit: Unit, units: list[Unit], max_words: int = 90) -> int:
    """Where the quote of ``unit`` ends: a sentence that ends in ':', that ends its line just before a list,
    or that a short lead-in on its line follows ("… basisstructuur. Deze bestaat uit:") takes the list (up to
    ``max_words``)."""
    following = sorted(
        (u for u in units if u.passage_rank == unit.passage_rank and u.start >= unit.end),
        key=lambda u: u.start,
    )
    end, last, words = unit.end, unit, len(unit.text.split())
    in_list = False
    for nxt in following:
        if nxt.label:
            break
        is_item = is_list_item(nxt.text)
        nxt_label = list_label(nxt.text) or ""
        # A sentence ending its line takes a list of bullets or letters without a ':' too, not a numbered one (the
        # text under item 1 is followed by item 2).
        intro = last.text.endswith(":") or (
            is_item and nxt.line > last.line and not is_list_item(last.text) and not nxt_label.isdigit()
        )
        if in_list and is_item and not _numbering_goes_on(last.text, nxt.text):
            break
        # A short lead-in right after the unit ("Deze bestaat uit:") carries the quote on into its list.
        lead_in_fragment = (
            not in_list and not nxt.scorable and nxt.text.endswith(":") and nxt.line == last.line
        )
        if (
            not (intro or lead_in_fragment or (in_list and is_item))
            or words + len(nxt.text.split()) > max_words
        ):
            break
        in_list = in_list or intro
        end, last, words = nxt.end, nxt, words + len(nxt.text.split())
    return end


def _numbering_goes_on(item: str, nxt: str) -> bool:
    """Whether list item ``nxt`` can follow ``item`` in one list: not when its number starts again ("1. A",
    "2. B", then the heading "1. A" over the text about A)."""
    a, b = list_label(item), list_label(nxt)
    if a and b and a.isdigit() and b.isdigit():
        return int(b) > int(a)
    return True


@dataclass(frozen=True)
class Quotable:
    """A unit an answer can quote: the unit, where its quote ends, its lead-in or table header, and whether it
    is a window of two sentences (a sentence and the one after it, read together)."""

    unit: Unit
    end: int
    lead: str | None
    window: bool = False

    def quote(self, text: str) -> str:
        """The exact text quoted from the passage ``text``."""
        return text[self.unit.start : self.end]


def quotable_units(text: str, rank: int = 0, table_header: str | None = None) -> list[Quotable]:
    """Every unit of a passage that can be quoted on its own, in order, with where its quote ends and what
    it needs to be understood (``table_header``: the header of a table the passage starts inside); then every
    two consecutive sentences as one window, since an answer often follows the sentence that announces it."""
    units = split_units(text, rank)
    found = []
    for unit in units:
        if not unit.scorable:
            continue
        lead = lead_in(unit, units)
        lead_text = lead.text if lead is not None else (table_header if unit.kind == "table" else None)
        found.append(Quotable(unit, quote_end(unit, units), lead_text))
    windows = [
        Quotable(first.unit, second.end, first.lead, window=True)
        for first, second in itertools.pairwise(found)
        if first.unit.kind == second.unit.kind == "sentence" and second.unit.start >= first.end
    ]
    return found + windows


def flat(text: str) -> str:
    """Text on one line: line breaks and runs of spaces become one space ("€\\n6,8 mln" -> "€ 6,8 mln")."""
    return " ".join(text.split())


def unit_texts(text: str, quotable: Quotable) -> tuple[str, str | None]:
    """What is embedded for a quotable unit: its quote, and (when it has a lead-in) lead-in and quote."""
    quote = flat(quotable.quote(text))
    return quote, (flat(f"{quotable.lead} — {quote}") if quotable.lead else None)


def unit_id(passage_id: str, index: int, with_lead: bool = False) -> str:
    """The id of a quotable unit's stored vector: ``<passage id>:<index>``, ``+`` for lead-in and unit."""
    return f"{passage_id}:{index}{'+' if with_lead else ''}"
