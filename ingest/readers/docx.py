"""Word documents (.docx) through python-docx, in reading order, as lines the splitter knows.

Headings (the styles Title and Heading 1..9, or any style with an outline level) become Markdown
heading lines (Title ``# Titel``, Heading 1 ``## Kop``, Heading 2 ``### Kop``), list paragraphs ``- item``
lines, every other paragraph one line, and a table one line per row, header row first, cells between
``|`` (``| Gemeente | Bijdrage |``), which ``kb_core.text.lines`` takes for a table row. Paragraphs and
headings are separated by blank lines, so the cleaner never joins them; the items of a list and the rows
of a table follow each other line by line. A DOCX has no pages of its own: an explicit page break (``w:br w:type="page"`` or
"page break before") starts a new page, else the document is one page. The core properties' title and
creation date are passed on as hints for metadata detection.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from ingest.readers.base import Extracted, FormatReader, ReadOptions, UnreadableFileError

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
# Not text: properties, deleted runs, field codes, and the duplicate (VML) form of drawings.
_SKIP = {f"{W}pPr", f"{W}rPr", f"{W}del", f"{W}instrText", f"{W}delInstrText", MC_FALLBACK}
_HEADING_STYLE = re.compile(r"^(?:heading|kop)\s*([1-9])$", re.IGNORECASE)
_TITLE_STYLES = {"title", "titel"}
_LIST_STYLE = re.compile(r"^(?:list|lijst)", re.IGNORECASE)
# The creation date python-docx's own template carries: not the date of the document.
_TEMPLATE_CREATED = datetime(2013, 12, 23, 23, 15)
PAGE_BREAK_MARK = None  # what _pieces yields for a page break


@dataclass(frozen=True)
class _Style:
    name: str
    based_on: str | None
    outline_level: int | None
    numbered: bool


class _Styles:
    """The paragraph styles of a document: which make headings (and of what level) and which make list items."""

    def __init__(self, styles_element: Any) -> None:
        self.by_id: dict[str, _Style] = {}
        for style in styles_element.iter(f"{W}style"):
            style_id = style.get(f"{W}styleId")
            if not style_id:
                continue
            name = style.find(f"{W}name")
            based = style.find(f"{W}basedOn")
            ppr = style.find(f"{W}pPr")
            self.by_id[style_id] = _Style(
                name=(name.get(f"{W}val") if name is not None else style_id) or style_id,
                based_on=based.get(f"{W}val") if based is not None else None,
                outline_level=_outline_level(ppr),
                numbered=_numbered(ppr),
            )

    def _chain(self, style_id: str | None) -> Iterator[_Style]:
        seen: set[str] = set()
        while style_id and style_id in self.by_id and style_id not in seen:
            seen.add(style_id)
            style = self.by_id[style_id]
            yield style
            style_id = style.based_on

    def heading_level(self, style_id: str | None) -> int | None:
        """0 for Title, n for Heading n; None for a style that makes no heading."""
        for style in self._chain(style_id):
            name = style.name.strip().lower()
            if name in _TITLE_STYLES:
                return 0
            m = _HEADING_STYLE.match(name)
            if m:
                return int(m.group(1))
            if style.outline_level is not None:
                return style.outline_level
        return None

    def is_list(self, style_id: str | None) -> bool:
        """Whether the style numbers or bullets its paragraphs."""
        return any(s.numbered or _LIST_STYLE.match(s.name) for s in self._chain(style_id))


def _outline_level(ppr: Any) -> int | None:
    level = ppr.find(f"{W}outlineLvl") if ppr is not None else None
    if level is None:
        return None
    try:
        value = int(level.get(f"{W}val", "9"))
    except ValueError:
        return None
    return value + 1 if 0 <= value < 9 else None  # 9 is "body text"


def _numbered(ppr: Any) -> bool:
    num = ppr.find(f"{W}numPr") if ppr is not None else None
    if num is None:
        return False
    num_id = num.find(f"{W}numId")
    return num_id is None or num_id.get(f"{W}val") != "0"


def _pieces(element: Any) -> Iterator[str | None]:
    """The text of an element in reading order; None where an explicit page break stands."""
    for child in element:
        tag = child.tag
        if tag in _SKIP or not isinstance(tag, str):
            continue
        if tag == f"{W}t":
            yield child.text or ""
        elif tag in (f"{W}tab", f"{W}ptab"):
            yield "\t"
        elif tag in (f"{W}br", f"{W}cr"):
            yield PAGE_BREAK_MARK if child.get(f"{W}type") == "page" else " "
        elif tag == f"{W}noBreakHyphen":
            yield "-"
        else:
            yield from _pieces(child)


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


class _Writer:
    """Collects the lines of each page: a blank line between blocks, none inside a list or a table."""

    def __init__(self) -> None:
        self.pages: list[list[str]] = [[]]
        self.last_kind = ""

    def line(self, text: str, kind: str = "text") -> None:
        if not text:
            return
        page = self.pages[-1]
        if page and not (kind == self.last_kind and kind in ("list", "table")):
            page.append("")
        page.append(text)
        self.last_kind = kind

    def page_break(self) -> None:
        if self.pages[-1]:
            self.pages.append([])

    def result(self) -> list[str]:
        pages = self.pages if self.pages[-1] or len(self.pages) == 1 else self.pages[:-1]
        return ["\n".join(lines) for lines in pages]


def _paragraph(p: Any, styles: _Styles, out: _Writer) -> None:
    ppr = p.find(f"{W}pPr")
    style_el = ppr.find(f"{W}pStyle") if ppr is not None else None
    style_id = style_el.get(f"{W}val") if style_el is not None else None
    page_break_before = ppr.find(f"{W}pageBreakBefore") if ppr is not None else None
    if page_break_before is not None and page_break_before.get(f"{W}val", "true") not in (
        "0",
        "false",
        "off",
    ):
        out.page_break()
    own_level = _outline_level(ppr)
    level = own_level if own_level is not None else styles.heading_level(style_id)
    listed = _numbered(ppr) or styles.is_list(style_id)

    def emit(text: str) -> None:
        text = _one_line(text)
        if not text:
            return
        if level is not None:
            out.line("#" * min(level + 1, 6) + " " + text, "heading")
        elif listed:
            out.line("- " + text, "list")
        else:
            out.line(text)

    parts: list[str] = []
    for piece in _pieces(p):
        if piece is PAGE_BREAK_MARK:
            emit("".join(parts))
            parts = []
            out.page_break()
        else:
            parts.append(piece)
    emit("".join(parts))


def _cell_text(tc: Any) -> str:
    texts = ["".join(x for x in _pieces(p) if x) for p in tc.iter(f"{W}p")]
    return _one_line(" ".join(texts)).replace("|", "/")


def _cells(tr: Any) -> Iterator[Any]:
    for child in tr:
        if child.tag == f"{W}tc":
            yield child
        elif child.tag == f"{W}sdt":  # a content control around cells
            content = child.find(f"{W}sdtContent")
            if content is not None:
                yield from _cells(content)


def _table(tbl: Any, out: _Writer) -> None:
    for tr in tbl.iter(f"{W}tr"):
        if tr.getparent() is not tbl:  # rows of a nested table are read as part of their cell
            continue
        cells = [_cell_text(tc) for tc in _cells(tr)]
        if any(cells):
            out.line("| " + " | ".join(cells) + " |", "table")


def _blocks(container: Any, styles: _Styles, out: _Writer) -> None:
    for child in container:
        if child.tag == f"{W}p":
            _paragraph(child, styles, out)
        elif child.tag == f"{W}tbl":
            _table(child, out)
        elif child.tag == f"{W}sdt":  # a content control around paragraphs or tables
            content = child.find(f"{W}sdtContent")
            if content is not None:
                _blocks(content, styles, out)


def _hints(document: Any) -> dict[str, str]:
    hints: dict[str, str] = {}
    props = document.core_properties
    title = _one_line(props.title or "")
    if len(title) > 3:
        hints["source_title"] = title
    created = props.created
    if isinstance(created, datetime) and created.replace(tzinfo=None) != _TEMPLATE_CREATED:
        hints["source_date"] = created.date().isoformat()
    return hints


def read(path: Path, options: ReadOptions) -> Extracted:
    """The pages of a Word document (see the module docstring)."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from lxml.etree import XMLSyntaxError

    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile) as exc:
        raise UnreadableFileError("not a readable DOCX (damaged, or not a Word document)") from exc
    except (KeyError, ValueError, XMLSyntaxError) as exc:
        raise UnreadableFileError(f"not a readable DOCX (damaged): {type(exc).__name__}: {exc}") from exc
    styles = _Styles(document.styles.element)
    out = _Writer()
    _blocks(document.element.body, styles, out)
    return Extracted(out.result(), "docx", _hints(document))


READER = FormatReader("docx", (".docx",), read)
