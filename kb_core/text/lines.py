"""Kinds of lines in cleaned text: list items, table rows, headings, page breaks.

The cleaner keeps these lines apart, the splitter turns them into blocks, and the answerer reads
sentences, list items and table rows from them: one definition serves all three.
"""

from __future__ import annotations

import re

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


def is_table_row(line: str) -> bool:
    """A row of figures (amounts, several numbers in a row), or a row of cells between ``|`` (as Markdown
    writes tables, and the DOCX and HTML readers write every table): ``| a | b |`` or ``a | b | c``."""
    return bool(TABLE_ROW.search(line)) or is_pipe_row(line)


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
