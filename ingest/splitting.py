"""Split a cleaned document into passages along its own structure, sized for precise citation.

Blocks are the lines of the cleaned text (paragraphs, list items, table rows, headings). A heading
always starts a new passage and becomes the ``section`` of what follows; blocks are gathered until the
passage reaches about ``target_words``; a single block longer than ``max_words`` is cut at sentence
ends. Passages never overlap and, together, cover the whole document, so reading them in order gives
the document back. The rows of a table (``|`` cells as DOCX, HTML and Markdown give them, a PDF's rows of
figures, or a run of lines of words and one figure) stay with each other and the header row above them up to
``max_words``, and so do the two halves of a sentence that a page break cut. Each passage knows its page (and
last page), its section, its character offsets in the cleaned document text and whether a page of it was read
by OCR (``ocr``); its id is ``<document_id>#<position>``, stable across re-ingestion.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from haystack import Document, component

from kb_core.text.lines import (
    BOLD_HEADING,
    MD_HEADING,
    NUMBERED_HEADING,
    PAGE_BREAK,
    figure_column_rows,
    heading_text,
    line_kind,
)
from kb_core.text.units import is_table_header

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9“\"'(])")


@dataclass
class Block:
    """One line of the cleaned text with its place in the document."""

    start: int
    end: int
    text: str
    page: int
    kind: str  # heading | list | table | text

    @property
    def words(self) -> int:
        """Number of words."""
        return len(self.text.split())


def iter_blocks(content: str) -> list[Block]:
    """The non-empty lines of the document with offsets, page numbers (from 1) and kinds."""
    blocks: list[Block] = []
    page = 1
    pos = 0
    for raw_line in re.split(r"(\n|\f)", content):
        if raw_line == PAGE_BREAK:
            page += 1
        elif raw_line and raw_line != "\n" and raw_line.strip():
            lead = len(raw_line) - len(raw_line.lstrip())
            text = raw_line.strip()
            start = pos + lead
            blocks.append(Block(start, start + len(text), text, page, line_kind(text)))
        pos += len(raw_line)
    for index in figure_column_rows([b.text for b in blocks]):
        blocks[index].kind = "table"
    return _join_cut_sentences(blocks, content)


def _join_cut_sentences(blocks: list[Block], content: str) -> list[Block]:
    """One block for a paragraph that a page break cut mid-sentence ("… tijd voor het" / "gezin."): the cleaner
    joins wrapped lines within a page, not across one, and a passage must not end halfway a sentence."""
    joined: list[Block] = []
    for block in blocks:
        prev = joined[-1] if joined else None
        if (
            prev is not None
            and prev.page < block.page
            and prev.kind in ("text", "list")
            and block.kind == "text"
            and _sentence_goes_on(prev.text, block.text)
        ):
            joined[-1] = Block(prev.start, block.end, content[prev.start : block.end], prev.page, prev.kind)
            continue
        joined.append(block)
    return joined


def _cut_long_block(block: Block, max_words: int, content: str) -> list[Block]:
    """Cut a block longer than ``max_words`` at sentence ends (or, failing that, at word boundaries)."""
    if block.words <= max_words:
        return [block]
    pieces: list[Block] = []
    text = content[block.start : block.end]
    bounds = [0] + [m.end() for m in _SENTENCE_END.finditer(text)] + [len(text)]
    piece_start = 0
    words = 0
    for i in range(1, len(bounds)):
        seg_words = len(text[bounds[i - 1] : bounds[i]].split())
        if words and words + seg_words > max_words:
            pieces.append(_sub_block(block, text, piece_start, bounds[i - 1]))
            piece_start, words = bounds[i - 1], 0
        words += seg_words
    pieces.append(_sub_block(block, text, piece_start, len(text)))
    result: list[Block] = []
    for piece in pieces:
        if piece.words <= max_words:
            result.append(piece)
            continue
        # A "sentence" longer than the maximum: cut between words.
        sub = content[piece.start : piece.end]
        spans = [m.span() for m in re.finditer(r"\S+", sub)]
        for j in range(0, len(spans), max_words):
            chunk = spans[j : j + max_words]
            result.append(_sub_block(piece, sub, chunk[0][0], chunk[-1][1]))
    return result


def _sub_block(block: Block, text: str, start: int, end: int) -> Block:
    piece = text[start:end]
    lead = len(piece) - len(piece.lstrip())
    trail = len(piece.rstrip())
    return Block(
        block.start + start + lead, block.start + start + trail, piece.strip(), block.page, block.kind
    )


def _introduces_content(block: Block, nxt: Block | None) -> bool:
    """A heading is only a heading when real content follows (not a label, a form field or a figure caption)."""
    if nxt is None:
        return False
    if NUMBERED_HEADING.match(block.text) or BOLD_HEADING.match(block.text) or MD_HEADING.match(block.text):
        return True
    return (nxt.kind in {"list", "heading"} and bool(NUMBERED_HEADING.match(nxt.text))) or nxt.words >= 6


def page_breaks(content: str) -> list[int]:
    """Offsets of the page breaks of ``content``, in order (one pass, for :func:`page_at`)."""
    return [m.start() for m in re.finditer(re.escape(PAGE_BREAK), content)]


def page_at(breaks: list[int], offset: int) -> int:
    """The page (from 1) of the character at ``offset``: one more than the page breaks before it.

    A binary search in the offsets of :func:`page_breaks`, so paging every passage stays linear in the
    size of the document (counting breaks from the start for each passage was quadratic).
    """
    return bisect_left(breaks, offset) + 1


def _sentence_goes_on(text: str, following: str) -> bool:
    """Whether block ``following`` finishes the sentence ``text`` ends in: no end mark, and it goes on in lower
    case (the cleaner joins such lines within a page; across a page break they are two blocks)."""
    return not text.endswith((".", "!", "?", ":", ";")) and following[:1].islower()


def _words(blocks: list[Block]) -> int:
    return sum(b.words for b in blocks)


def _merge_small(
    groups: list[tuple[list[Block], str | None]], min_words: int, max_words: int
) -> list[tuple[list[Block], str | None]]:
    """Fold passages shorter than ``min_words`` into a neighbour, never beyond ``max_words``.

    A lone heading joins the passage it introduces; other short text joins the passage before it in the
    same section (so it keeps its section), else the one after it when that continues the same section;
    when neither fits it stays a passage of its own.
    """
    merged: list[tuple[list[Block], str | None]] = []
    i = 0
    while i < len(groups):
        blocks, sec = groups[i]
        nxt = groups[i + 1] if i + 1 < len(groups) else None
        if _words(blocks) >= min_words:
            merged.append((blocks, sec))
            i += 1
            continue
        headings_only = all(b.kind == "heading" for b in blocks)
        fits_next = nxt is not None and _words(blocks) + _words(nxt[0]) <= max_words
        if (headings_only or not merged) and fits_next and nxt is not None:
            # A lone heading, or the title block at the top of a document, joins what follows it.
            groups[i + 1] = (blocks + nxt[0], nxt[1])
        elif merged and merged[-1][1] == sec and _words(merged[-1][0]) + _words(blocks) <= max_words:
            merged[-1] = (merged[-1][0] + blocks, merged[-1][1])
        elif fits_next and nxt is not None and nxt[0][0].kind != "heading" and nxt[1] == sec:
            groups[i + 1] = (blocks + nxt[0], sec)
        else:
            merged.append((blocks, sec))
        i += 1
    return merged


def split_document(
    content: str, *, target_words: int = 90, max_words: int = 160, min_words: int = 20
) -> list[dict[str, Any]]:
    """Passages of a cleaned document: text, section, page, page_end, char_start, char_end."""
    groups: list[tuple[list[Block], str | None]] = []
    current: list[Block] = []
    # Kept up to date as blocks are added, so a run of thousands of headings is not re-read per block.
    current_words = 0
    only_headings = True  # True also while ``current`` is empty
    section: str | None = None
    current_section: str | None = None

    def flush() -> None:
        nonlocal current, current_words, only_headings
        if current:
            groups.append((current, current_section))
        current, current_words, only_headings = [], 0, True

    def add(block: Block) -> None:
        nonlocal current_words, only_headings
        current.append(block)
        current_words += block.words
        only_headings = only_headings and block.kind == "heading"

    blocks = iter_blocks(content)
    for idx, block in enumerate(blocks):
        nxt = blocks[idx + 1] if idx + 1 < len(blocks) else None
        if block.kind == "heading" and not _introduces_content(block, nxt):
            block.kind = "text"
        if block.kind == "heading":
            title = heading_text(block.text) or block.text
            # Consecutive headings (chapter then section) stay together in one passage.
            if not (current and only_headings):
                flush()
            section = title
            current_section = section
            add(block)
            continue
        for piece in _cut_long_block(block, max_words, content):
            # The rows of a table stay with each other and the header row above them while the passage has room.
            table_goes_on = (
                bool(current)
                and piece.kind == "table"
                and (current[-1].kind == "table" or is_table_header(current[-1].text))
            )
            # A list stays with the line that introduces it ("Gecertificeerde instellingen in onze regio:").
            introduces = bool(current) and current[-1].text.endswith(":") and current[-1].kind != "heading"
            goes_on = table_goes_on or (piece.kind == "list" and introduces)
            if (
                current
                and not only_headings
                and (
                    current_words + piece.words > max_words
                    or (not goes_on and current_words >= target_words and piece.kind != "list")
                    or (not goes_on and current_words >= target_words * 1.5)
                )
            ):
                # A list that does not fit takes the line introducing it along into the next passage.
                carried = current.pop() if piece.kind == "list" and len(current) > 1 and introduces else None
                flush()
                if carried is not None:
                    add(carried)
            if not current:
                current_section = section
            add(piece)
    flush()

    passages = []
    breaks = page_breaks(content)
    index_at = {b.start: i for i, b in enumerate(blocks)}
    for blocks_in, sec in _merge_small(groups, min_words, max_words):
        start, end = blocks_in[0].start, blocks_in[-1].end
        passage: dict[str, Any] = {
            "text": content[start:end].replace(PAGE_BREAK, "\n"),
            "section": sec,
            "page": page_at(breaks, start),
            "page_end": page_at(breaks, end - 1),
            "char_start": start,
            "char_end": end,
        }
        inner = [b - start for b in breaks[bisect_left(breaks, start) : bisect_left(breaks, end)]]
        if inner:
            # Where, in the passage text, a new page begins: a quote is cited at its own page, not the passage's.
            passage["page_breaks"] = inner
        header = _table_header_before(blocks, index_at.get(start))
        if header is not None:
            passage["table_header"] = header
        passages.append(passage)
    return passages


def _table_header_before(blocks: list[Block], index: int | None) -> str | None:
    """For a passage that starts inside a table (its first block a row of figures), the header row of that
    table in an earlier passage, so the rows can be quoted with their column names."""
    if index is None or blocks[index].kind != "table":
        return None
    i = index
    while i > 0 and blocks[i - 1].kind == "table":
        i -= 1
    for candidate in (i, i - 1):
        if 0 <= candidate < index and is_table_header(blocks[candidate].text):
            return blocks[candidate].text
    return None


def source_path(meta: dict[str, Any]) -> str | None:
    """The absolute path of the file a document was read from (``file_path`` made absolute), if known."""
    given = meta.get("source_path") or meta.get("file_path")
    return str(Path(given).resolve()) if given else None


def passage_id(document_id: str, position: int) -> str:
    """Stable id of a passage: document id and position."""
    return f"{document_id}#{position:04d}"


@component
class StructureSplitter:
    """Splits cleaned Documents into passage Documents (see module docstring)."""

    def __init__(self, *, target_words: int = 90, max_words: int = 160) -> None:
        if not 0 < target_words <= max_words:
            raise ValueError("need 0 < target_words <= max_words")
        self.target_words = target_words
        self.max_words = max_words

    @component.output_types(documents=list[Document])
    def run(self, documents: list[Document]) -> dict[str, list[Document]]:
        """Return the passages of every Document, in order."""
        passages: list[Document] = []
        for doc in documents:
            parts = split_document(
                doc.content or "", target_words=self.target_words, max_words=self.max_words
            )
            base = {k: v for k, v in doc.meta.items() if k != "file_path"}
            base["file_name"] = doc.meta.get("file_name")
            ocr_pages = set(doc.meta.get("ocr_pages") or ())
            base["source_path"] = source_path(doc.meta)
            for position, part in enumerate(parts):
                text = part.pop("text")
                # A passage with text from a page read by OCR says so (its citation may be less exact).
                ocr = any(page in ocr_pages for page in range(part["page"], part["page_end"] + 1))
                meta = {**base, **part, "ocr": ocr, "position": position, "passage_count": len(parts)}
                passages.append(
                    Document(id=passage_id(base["document_id"], position), content=text, meta=meta)
                )
        return {"documents": passages}
