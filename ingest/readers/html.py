"""Web pages (.html, .htm) through trafilatura: the main text, without navigation, headers and footers.

trafilatura's Markdown output keeps headings (``# ...``), list items (``- ...``) and tables (``| a | b |``
rows; the ``|---|`` rule under the header row is dropped). Inline emphasis markers are removed, a line
that is bold as a whole stays (the splitter takes it for a heading). A page is one page; the page's title
(``<title>`` or its main heading) and its publication date, when the markup states one, are passed on as
hints for metadata detection.
"""

from __future__ import annotations

import re
from pathlib import Path

from ingest.readers.base import Extracted, FormatReader, ReadOptions, UnreadableFileError

_TABLE_RULE = re.compile(r"^\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?$")
_WHOLE_BOLD = re.compile(r"^\*\*[^*]+\*\*$")
_EMPHASIS = re.compile(r"(?<![\w*])(\*\*|\*|__)(?=\S)(.+?)(?<=\S)\1(?![\w*])")


def _tidy(markdown: str) -> str:
    lines = []
    for raw in markdown.splitlines():
        line = raw.strip()
        if _TABLE_RULE.match(line):
            continue
        if not _WHOLE_BOLD.match(line):
            line = _EMPHASIS.sub(r"\2", line)
        lines.append(line)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def read(path: Path, options: ReadOptions) -> Extracted:
    """The main text of a web page as one page (see the module docstring)."""
    import trafilatura

    raw = path.read_bytes()
    try:
        tree = trafilatura.load_html(raw)
    except (ValueError, TypeError) as exc:
        raise UnreadableFileError(f"not a readable HTML page: {exc}") from exc
    if tree is None:
        raise UnreadableFileError("not a readable HTML page")
    text = trafilatura.extract(
        raw,
        output_format="markdown",
        include_formatting=True,
        include_tables=True,
        include_comments=False,
        include_links=False,
        include_images=False,
        deduplicate=False,
    )
    if not text or not text.strip():
        raise UnreadableFileError("the HTML page has no main text (only navigation or boilerplate?)")
    hints: dict[str, str] = {}
    metadata = trafilatura.extract_metadata(tree, extensive=False)  # stated dates only, no guessing
    if metadata is not None:
        if metadata.title and len(metadata.title.strip()) > 3:
            hints["source_title"] = metadata.title.strip()
        if metadata.date:
            hints["source_date"] = str(metadata.date)[:10]
    return Extracted([_tidy(text)], "html", hints)


READER = FormatReader("html", (".html", ".htm"), read)
