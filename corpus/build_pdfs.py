"""Build the corpus PDFs from the plain-text documents listed in ``corpus/manifest.json``.

Every manifest entry names a UTF-8 text file (``text_file``) and a PDF path (``file``),
both relative to the corpus folder. This script renders each text file as an A4 PDF with
a real text layer, using the Bitstream Vera TrueType fonts that ship with reportlab:

* every source line becomes its own paragraph (long lines wrap; lines are never joined),
  blank lines become small vertical gaps;
* a line that starts with exactly one space followed by a non-space character marks a
  page break in the original PDF: a new page starts there (the space is stripped);
* ``**bold**`` markers are rendered as bold text without the asterisks;
* characters the font cannot draw (U+FFFD, private-use glyphs, control characters) are
  dropped or replaced, tabs become spaces;
* nothing is added that is not in the source: no headers, footers or page numbers.

The output is deterministic: the same text and manifest give byte-identical PDFs (fixed
metadata, reportlab ``invariant`` mode, and the manifest date as creation date, whatever
``SOURCE_DATE_EPOCH`` the caller has set).

Usage::

    python corpus/build_pdfs.py            # rebuild corpus/pdf/*.pdf
    python corpus/build_pdfs.py OUT_DIR    # build into another folder
"""

from __future__ import annotations

import calendar
import datetime
import json
import os
import re
import sys
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import reportlab
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Flowable, PageBreak, Paragraph, SimpleDocTemplate, Spacer

CORPUS_DIR = Path(__file__).resolve().parent
MANIFEST_PATH = CORPUS_DIR / "manifest.json"

FONT_DIR = Path(reportlab.__file__).resolve().parent / "fonts"
FONT_FAMILY = "Vera"
FONT_FILES = {
    "Vera": "Vera.ttf",
    "VeraBd": "VeraBd.ttf",
    "VeraIt": "VeraIt.ttf",
    "VeraBI": "VeraBI.ttf",
}

FONT_SIZE = 10
LEADING = 13
BLANK_LINE_GAP = 5  # points of vertical space per blank source line
MARGIN = 2.2 * cm

PDF_AUTHOR = "ViA Kennisbank corpus"
PDF_CREATOR = "corpus/build_pdfs.py"
FALLBACK_DATE = datetime.date(2000, 1, 1)

PAGE_BREAK_RE = re.compile(r"^ (?! )\S")
REPLACEMENT_CHAR = "\ufffd"
IN_WORD_REPLACEMENT_RE = re.compile(r"(?<=[^\W\d_])\ufffd+(?=[^\W\d_])")

# Characters the font lacks but that have a close, renderable equivalent.
CHAR_MAP = {
    "\t": " ",
    "\u00a0": " ",
    "\u2007": " ",
    "\u2009": " ",
    "\u202f": " ",
    "\u200b": "",
    "\u00ad": "",
    "\ufeff": "",
}


@dataclass(frozen=True)
class BuildResult:
    """Outcome of building one PDF."""

    document_id: str
    path: Path
    pages: int
    size: int
    dropped_chars: int


def register_fonts() -> None:
    """Register the bundled Vera TTF fonts (idempotent) and their bold/italic family."""
    registered = set(pdfmetrics.getRegisteredFontNames())
    for name, filename in FONT_FILES.items():
        if name not in registered:
            pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / filename)))
    pdfmetrics.registerFontFamily(
        FONT_FAMILY, normal="Vera", bold="VeraBd", italic="VeraIt", boldItalic="VeraBI"
    )


@cache
def supported_chars() -> frozenset[int]:
    """Code points that both the regular and the bold Vera font can render."""
    register_fonts()
    regular = pdfmetrics.getFont("Vera").face.charToGlyph
    bold = pdfmetrics.getFont("VeraBd").face.charToGlyph
    return frozenset(set(regular) & set(bold))


def sanitize_line(line: str, renderable: frozenset[int]) -> tuple[str, int]:
    """Make one source line renderable; return the new line and the number of dropped chars.

    U+FFFD inside a word (lost ligatures, as in "A<U+FFFD>ankelijk") is dropped; elsewhere it
    usually stands for a lost bullet or tab and becomes a space. Tabs and exotic spaces
    become spaces, and anything else the font cannot draw is dropped.
    """
    dropped = line.count(REPLACEMENT_CHAR)
    line = IN_WORD_REPLACEMENT_RE.sub("", line).replace(REPLACEMENT_CHAR, " ")
    out: list[str] = []
    for ch in line:
        if ch in CHAR_MAP:
            out.append(CHAR_MAP[ch])
        elif ord(ch) in renderable and unicodedata.category(ch) not in ("Cc", "Co", "Cs"):
            out.append(ch)
        else:
            dropped += 1
    return "".join(out), dropped


def line_markup(line: str, bold: bool) -> tuple[str, bool]:
    """Escape a line for Paragraph markup and turn ``**`` markers into ``<b>`` tags.

    ``bold`` is the bold state at the start of the line (a bold span may cross lines);
    the state at the end of the line is returned alongside the markup.
    """
    parts = line.split("**")
    chunks: list[str] = []
    for i, part in enumerate(parts):
        if i > 0:
            bold = not bold
        if part:
            text = escape(part)
            chunks.append(f"<b>{text}</b>" if bold else text)
    return "".join(chunks), bold


def text_to_story(text: str, style: ParagraphStyle) -> tuple[list[Flowable], int]:
    """Turn a document's text into flowables; return them and the count of dropped chars."""
    renderable = supported_chars()
    story: list[Flowable] = []
    page_has_text = False
    bold = False
    dropped = 0
    # With an odd number of ** markers the pairing is unclear: keep them all literal.
    balanced = text.count("**") % 2 == 0
    for raw_line in text.split("\n"):
        source_line = raw_line.rstrip("\r")
        if PAGE_BREAK_RE.match(source_line):
            source_line = source_line[1:]
            if page_has_text:
                story.append(PageBreak())
                page_has_text = False
        line, n = sanitize_line(source_line, renderable)
        dropped += n
        if not line.strip():
            story.append(Spacer(1, BLANK_LINE_GAP))
            continue
        if balanced:
            markup, bold = line_markup(line, bold)
        else:
            markup = escape(line)
        if markup.strip():
            story.append(Paragraph(markup, style))
            page_has_text = True
        else:
            story.append(Spacer(1, BLANK_LINE_GAP))
    return story, dropped


def paragraph_style() -> ParagraphStyle:
    """Return the single body style used for every line."""
    register_fonts()
    return ParagraphStyle(
        "corpus-body",
        fontName="Vera",
        fontSize=FONT_SIZE,
        leading=LEADING,
        spaceBefore=0,
        spaceAfter=0,
        splitLongWords=1,
    )


def source_epoch(iso_date: str | None) -> int:
    """Unix time (UTC midnight) of the document date; 2000-01-01 when unknown."""
    try:
        day = datetime.date.fromisoformat(iso_date or "")
    except ValueError:
        day = FALLBACK_DATE
    return calendar.timegm(day.timetuple())


@contextmanager
def fixed_timestamp(epoch: int) -> Iterator[None]:
    """Pin reportlab's timestamps (CreationDate, ModDate, /ID digest) to ``epoch``.

    reportlab reads ``SOURCE_DATE_EPOCH`` when it creates a document; setting it here
    keeps the output independent of the caller's environment.
    """
    saved = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(epoch)
    try:
        yield
    finally:
        if saved is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = saved


def build_pdf(entry: dict[str, Any], text: str, out_path: Path) -> BuildResult:
    """Render one manifest entry's text to ``out_path`` and return what was built."""
    style = paragraph_style()
    story, dropped = text_to_story(text, style)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    doc = SimpleDocTemplate(
        str(out_path),
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=entry["title"],
        author=PDF_AUTHOR,
        subject=entry["document_id"],
        creator=PDF_CREATOR,
        invariant=1,
        displayDocTitle=1,
        pageCompression=1,
        lang="nl",
    )
    with fixed_timestamp(source_epoch(entry.get("date"))):
        doc.build(story)
    return BuildResult(
        document_id=entry["document_id"],
        path=out_path,
        pages=doc.page,
        size=out_path.stat().st_size,
        dropped_chars=dropped,
    )


def load_manifest(manifest_path: Path = MANIFEST_PATH) -> list[dict[str, Any]]:
    """Return the manifest's document entries."""
    with manifest_path.open(encoding="utf-8") as fh:
        documents: list[dict[str, Any]] = json.load(fh)["documents"]
    return documents


def build_all(
    out_dir: Path | None = None,
    corpus_dir: Path = CORPUS_DIR,
    verbose: bool = False,
) -> list[BuildResult]:
    """Build a PDF for every manifest entry.

    With ``out_dir`` None the PDFs go to the path in each entry's ``file`` field (under
    ``corpus_dir``); otherwise to ``out_dir/<file name>``.
    """
    results: list[BuildResult] = []
    for entry in load_manifest(corpus_dir / "manifest.json"):
        text = (corpus_dir / entry["text_file"]).read_text(encoding="utf-8")
        target = corpus_dir / entry["file"]
        if out_dir is not None:
            target = Path(out_dir) / Path(entry["file"]).name
        result = build_pdf(entry, text, target)
        results.append(result)
        if verbose:
            print(f"{result.document_id}\t{result.pages} pages\t{result.size} bytes")
    return results


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point: build into corpus/pdf or into the folder given."""
    args = sys.argv[1:] if argv is None else argv
    out_dir = Path(args[0]) if args else None
    build_all(out_dir, verbose=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
