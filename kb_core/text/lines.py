"""Kinds of lines in cleaned text: list items, table rows, headings, page breaks.

The cleaner keeps these lines apart, the splitter turns them into blocks, and the answerer reads
sentences, list items and table rows from them: one definition serves all three.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

PAGE_BREAK = "\f"
LIST_MARKER = re.compile(r"^(?:[•·▪●◦‣○■□✓\-–—*]\s*|\(?\d{1,2}[.)]\s+|\(?[a-zA-Z][.)]\s+)")
NUMBERED_HEADING = re.compile(r"^\d{1,2}(?:\.\d{1,2})+\.?\s+\S|^\d{1,2}\s+[A-Z][^.,;]*$")
# Three figures in a row, each followed by white space: (?:\d[\d.,%]*\s+){3,}, written so that a search
# starts only where a run of figures starts and never backtracks into one (linear, also on a line of a
# million digits; the plain form took quadratic time there).
TABLE_ROW = re.compile(r"€|(?<![\d.,%])[.,%]*+\d[\d.,%]*+\s++(?:\d[\d.,%]*+\s++){2,}")
BOLD_HEADING = re.compile(r"^\*\*(.+?)\*\*$")
MD_HEADING = re.compile(r"^#{1,6}\s+(.+)$")


def is_list_item(line: str) -> bool:
    """A bullet or numbered list item."""
    return bool(LIST_MARKER.match(line)) and len(line) > 2


def list_label(line: str) -> str | None:
    """The number or letter of a list item ("3" of "3. …", "b" of "b) …"), "" for a bullet, None for no item."""
    marker = LIST_MARKER.match(line)
    if marker is None or len(line) <= 2:
        return None
    label = marker.group().strip("(). \t")
    return label if label.isalnum() else ""


def opens_list(line: str) -> bool:
    """A list item that can be a list's first: a bullet, or the number 1 or letter a ("3. …" goes on a list)."""
    return list_label(line) in {"", "1", "a", "A"}


def is_table_row(line: str) -> bool:
    """A row of figures (amounts, several numbers in a row), or a row of cells between ``|`` (as Markdown
    writes tables, and the DOCX and HTML readers write every table): ``| a | b |`` or ``a | b | c``."""
    return bool(TABLE_ROW.search(line)) or is_pipe_row(line)


# Figure captions, letterhead lines (phone, fax, e-mail, post box) and footnote source references
# ("6 Nederlands Jeugdinstituut, 2023; ..."): never an answer on their own.
CAPTION = re.compile(
    r"^(?:(?:afbeelding|figuur|tabel|grafiek|figure|table|chart)\s+\d+[.:]"
    r"|(?:fax|telefoon|tel\.|phone|postbus)\s*:?\s*[\d\[(+]|e-mail\s*:?\s*\S+@"
    r"|\d{1,2}\s+(?-i:[A-Z])[^.;]{2,80},\s*(?:19|20)\d\d\s*;)",
    re.IGNORECASE,
)
# A line of a two-column table as a PDF prints it: words, then one figure ("Gemeente Oss 24", "Totaal 183").
_LABEL_AND_FIGURE = re.compile(r"^(?=[^\d]*[^\W\d_])\S.{0,70}?\s\d[\d.,]*%?$")
FIGURE_COLUMN_MIN_ROWS = 3
FIGURE_COLUMN_MAX_WORDS = 8


def figure_column_rows(lines: Sequence[str]) -> set[int]:
    """The lines (indices) that are rows of a table of words and one figure per row: a run of at least three
    short lines that each end in a figure (blank lines between them neither end nor extend the run, as the
    splitter does not see them). One such line alone is a heading or a caption as often as a row; three in a
    row are a table, and its rows are quoted and kept together as one. Headings marked as such ("## Begroting
    2024", "3 Financiën 2024") and letterhead lines ("Postbus 5", "Telefoon 14 0412") are never rows."""
    rows: set[int] = set()
    run: list[int] = []
    for index, line in enumerate(lines):
        text = line.strip()
        if not text:
            continue
        if _is_figure_row(text):
            run.append(index)
            continue
        if len(run) >= FIGURE_COLUMN_MIN_ROWS:
            rows.update(run)
        run = []
    if len(run) >= FIGURE_COLUMN_MIN_ROWS:
        rows.update(run)
    return rows


def _is_figure_row(text: str) -> bool:
    return (
        len(text.split()) <= FIGURE_COLUMN_MAX_WORDS
        and _LABEL_AND_FIGURE.match(text) is not None
        and not is_list_item(text)
        and not TABLE_ROW.search(text)
        and not MD_HEADING.match(text)
        and not NUMBERED_HEADING.match(text)
        and not CAPTION.match(text)
    )


def is_pipe_row(line: str) -> bool:
    """Cells between ``|``: a line that starts and ends with ``|`` (two at least), or holds two `` | ``."""
    stripped = line.strip()
    if stripped.startswith("|") and stripped.endswith("|") and len(stripped) > 2 and stripped.count("|") >= 2:
        return True
    return stripped.count(" | ") >= 2


def heading_text(line: str) -> str | None:
    """The heading text when ``line`` is a heading, else None."""
    for rx in (MD_HEADING, BOLD_HEADING):
        m = rx.match(line)
        if m:
            return m.group(1).strip(" *")
    if NUMBERED_HEADING.match(line) and len(line.split()) <= 14 and not line.endswith((".", ";", ",")):
        return line
    if is_list_item(line) or is_table_row(line):
        return None
    words = line.split()
    if not (1 <= len(words) <= 10) or len(line) > 90 or not line[0].isupper():
        return None
    if re.match(r"^[\w .'-]{1,30}:", line):  # a form field such as "Aan: ..." or "Datum: ..."
        return None
    if line.endswith("?"):
        return line if len(words) <= 9 else None
    if line[-1] in ".,;:–-" or line.endswith(")"):
        return None
    return line


def line_kind(line: str) -> str:
    """'heading', 'list', 'table' or 'text'."""
    if heading_text(line):
        return "heading"
    if is_list_item(line):
        return "list"
    return "table" if is_table_row(line) else "text"
