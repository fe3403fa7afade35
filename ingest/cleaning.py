"""Clean extracted text without changing what it says.

Per page: drop glyphs that carry no text (U+FFFD, private-use symbols, control characters), drop
running headers/footers and bare page numbers, join words hyphenated across lines, and join lines that
were only wrapped by the layout into one line per paragraph. List items, headings and table rows stay on
lines of their own. Page breaks (``\\f``) are kept, so page numbers stay right.
"""

from __future__ import annotations

import re
from collections import Counter
from itertools import pairwise

from haystack import Document, component

from kb_core.text.lines import NUMBERED_HEADING, PAGE_BREAK, is_list_item, is_table_row

_JUNK = re.compile(r"[\ufffd\ue000-\uf8ff\u0000-\u0008\u000b\u000e-\u001f\u007f\u00ad\u200b-\u200f\ufeff]")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f]+")
_HYPHEN_KEEP_NEXT = {"en", "of", "tot", "and", "or"}
# A salutation line such as "Geachte raadsleden," (short, ends in a comma); not a sentence starting "Beste …".
_SALUTATION = re.compile(r"^(?:Geachte|Beste|Dear)\b[^.!?]{0,60},$")
# A line ending in one of these words stops mid-phrase, whatever the next line starts with. Words that can end
# a Dutch clause as a separable particle ("Hoe pakken we het aan", "Wat levert het op") are left out.
_OPEN_ENDINGS = frozenset("de het een en of in van met te tot als naar the and for to - –".split())
# Fewer lines than this say nothing about a page's width.
_MIN_LINES = 5
_PAGE_NUMBER = re.compile(r"^(?:pagina\s+)?\d{1,3}(?:\s*(?:/|van)\s*\d{1,3})?$", re.IGNORECASE)


def strip_junk(text: str) -> str:
    """Remove characters that carry no text and fold runs of spaces and tabs into one space."""
    lines = [_SPACES.sub(" ", _JUNK.sub("", line)).strip() for line in text.split("\n")]
    return "\n".join(lines)


def starts_block(line: str) -> bool:
    """True when ``line`` cannot be the continuation of the line before it."""
    return (
        is_list_item(line)
        or is_table_row(line)
        or bool(NUMBERED_HEADING.match(line))
        or line.startswith("#")
        or bool(_SALUTATION.match(line))
    )


def _wrap_width(lines: list[str]) -> int:
    """The width at which the layout wraps the page's lines, in characters.

    Read from the long end of the page's line lengths. On a page that mixes prose with a diagram's short
    labels, the labels pull that figure down, and a short last line of prose would look wrapped; so the
    width is at least the median length of the lines the layout demonstrably wrapped (those followed by a
    line that goes on in lower case), when the page has enough of them.
    """
    lengths = sorted(len(line) for line in lines if line)
    if len(lengths) < _MIN_LINES:
        return 10_000
    wrapped = sorted(len(line) for line, after in pairwise(lines) if line and after and after[0].islower())
    return max(
        lengths[int(len(lengths) * 0.8)], wrapped[len(wrapped) // 2] if len(wrapped) >= _MIN_LINES else 0
    )


def _ends_paragraph(line: str, width: int) -> bool:
    # Lines wrapped by the layout run close to the full width; a clearly shorter line ended in the source.
    return len(line) < 0.7 * width or (line.endswith((".", "!", "?")) and len(line) < 0.85 * width)


def _continues(prev: _Paragraph, line: str, last_raw: str, width: int) -> bool:
    """Whether ``line`` continues the paragraph ``prev`` (``last_raw``: the physical line before ``line``).

    It does when it starts in lower case; when ``prev`` ends with ',' or ';' or mid-phrase ("... in",
    "regio Arnhem -") or inside a parenthesis; and when the layout wrapped the line before it (close to the full
    width). A salutation ("Geachte raadsleden,") keeps its own line.
    """
    if prev.length <= _SALUTATION_MAX and _SALUTATION.match(prev.tail):
        return False
    if prev.tail.endswith((",", ";")) or not _ends_paragraph(last_raw, width) or _open_parenthesis(prev.tail):
        return True
    if prev.tail.endswith((".", "!", "?", ":")):
        return False
    if not (line[0].isupper() or line[0].isdigit()):
        return True
    return prev.tail.rsplit(maxsplit=1)[-1] in _OPEN_ENDINGS


def _open_parenthesis(tail: str) -> bool:
    """Whether the text ends inside a parenthesis ("… de jeugdige (mits" / "12+) én …"): the next line finishes it."""
    return tail.rfind("(") > tail.rfind(")") and not tail.endswith((".", "!", "?", ":"))


# A salutation is at most this long (the longest opening word, 60 characters and the comma).
_SALUTATION_MAX = len("Geachte") + 60 + 1
# How much of a paragraph's end is kept as text to test: far more than any word the tests look at.
_TAIL_CHARS = 256


class _Paragraph:
    """A paragraph being joined from physical lines, in parts, so that joining stays linear in its length.

    Joining strings and searching the whole paragraph again for every line made long paragraphs (thousands
    of wrapped lines) quadratic, and the table-row search on them worse. What the joining tests need is
    the paragraph's end (``tail``) and whether it is a table row (``table``), kept up to date per line.
    """

    __slots__ = ("length", "parts", "table", "tail")

    def __init__(self, line: str) -> None:
        self.parts = [line]
        self.length = len(line)
        self.tail = line[-_TAIL_CHARS:]
        self.table = is_table_row(line)

    def join(self, line: str, sep: str = " ", *, drop_last: bool = False) -> None:
        """Append ``line`` after ``sep``; ``drop_last`` first removes the paragraph's last character."""
        tail = self.tail
        if drop_last:
            self.parts[-1] = self.parts[-1][:-1]
            self.length -= 1
            tail = tail[:-1]
        window = tail + sep + line
        # The paragraph was no table row (rows are never joined), so a row can only show up across the
        # join; a figure run of more than _TAIL_CHARS characters before it is the one thing not seen.
        self.table = is_table_row(window)
        self.parts.append(sep + line)
        self.length += len(sep) + len(line)
        self.tail = window[-_TAIL_CHARS:]

    def text(self) -> str:
        """The joined paragraph."""
        return "".join(self.parts)


def join_lines(page: str) -> str:
    """One line per paragraph, list item, heading or table row; blank lines between paragraphs kept."""
    lines = page.split("\n")
    width = _wrap_width(lines)
    out: list[_Paragraph | None] = []  # None: a blank line between paragraphs
    last_raw = ""  # the previous physical line: its length tells whether the layout wrapped it
    for line in lines:
        if not line:
            if out and out[-1] is not None:
                out.append(None)
            last_raw = ""
            continue
        prev = out[-1] if out else None
        if prev is None or starts_block(line) or prev.table or prev.tail.endswith(":"):
            out.append(_Paragraph(line))
        elif prev.tail[-2:-1].isdecimal() and prev.tail.endswith("-") and line[0].isdigit():
            # "2023-" / "2026, de Hervormingsagenda …" -> "2023-2026, de Hervormingsagenda …"
            prev.join(line, "")
        elif prev.tail.endswith("-") and prev.length > 1 and prev.tail[-2].isalpha() and line[0].islower():
            # "kinder-\nmishandeling" -> "kindermishandeling", but "zorg-\nen veiligheid" keeps its hyphen.
            keep_hyphen = line.split()[0] in _HYPHEN_KEEP_NEXT
            if keep_hyphen:
                prev.join(line)
            else:
                prev.join(line, "", drop_last=True)
        elif _continues(prev, line, last_raw, width):
            prev.join(line)
        else:
            out.append(_Paragraph(line))
        last_raw = line
    return "\n".join("" if p is None else p.text() for p in out)


def _edge_lines(page: str) -> list[str]:
    lines = [line for line in page.split("\n") if line]
    return lines[:2] + lines[-2:]


def remove_page_furniture(pages: list[str]) -> list[str]:
    """Drop lines repeated at the top or bottom of many pages (running headers/footers) and page numbers."""
    repeated: set[str] = set()
    if len(pages) >= 3:
        counts = Counter(line for page in pages for line in set(_edge_lines(page)) if len(line) < 80)
        repeated = {line for line, n in counts.items() if n >= max(3, len(pages) // 3) and not line.isdigit()}
    cleaned = []
    for page in pages:
        lines = page.split("\n")
        non_empty = [i for i, line in enumerate(lines) if line]
        edges = set(non_empty[:2] + non_empty[-2:])
        kept = [
            line
            for i, line in enumerate(lines)
            if not (i in edges and (line in repeated or _PAGE_NUMBER.match(line)))
        ]
        cleaned.append("\n".join(kept))
    return cleaned


def clean_text(content: str) -> str:
    """Clean a whole document (pages separated by form feeds), keeping the page breaks."""
    pages = [strip_junk(page) for page in content.split(PAGE_BREAK)]
    pages = remove_page_furniture(pages)
    return PAGE_BREAK.join(join_lines(page).strip("\n") for page in pages)


@component
class TextCleaner:
    """Cleans extracted text (see module docstring); documents left without text are dropped."""

    def __init__(self) -> None:
        pass

    @component.output_types(documents=list[Document])
    def run(self, documents: list[Document]) -> dict[str, list[Document]]:
        """Return cleaned copies of the Documents."""
        cleaned = []
        for doc in documents:
            text = clean_text(doc.content or "")
            if text.replace(PAGE_BREAK, "").strip():
                cleaned.append(Document(content=text, meta=dict(doc.meta)))
        return {"documents": cleaned}
