"""Read source files into one Haystack Document each: PDF (with OCR for scanned pages), DOCX, HTML, text, Markdown.

Pages are kept: the content holds the pages separated by a form feed (``\\f``), so later steps know on
which page every character stands. A file that cannot be read is reported with a reason and skipped;
the rest of the batch goes on.

Each format is one module with a ``READER`` (its name, suffixes and read function, see ``base.py``);
a new format is a new module and one ``register`` line below.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from haystack import Document, component

from ingest.readers import docx, html, pdf, text
from ingest.readers.base import (
    Extracted,
    FormatReader,
    ReadFailure,
    ReadOptions,
    UnreadableFileError,
    file_sha256,
)
from ingest.readers.pdf import read_pdf_pages
from ingest.readers.text import read_text
from kb_core.text.lines import PAGE_BREAK

__all__ = [
    "PAGE_BREAK",
    "PDF_SUFFIXES",
    "READERS",
    "SUPPORTED_SUFFIXES",
    "TEXT_SUFFIXES",
    "Extracted",
    "FormatReader",
    "ReadFailure",
    "ReadOptions",
    "SourceReader",
    "UnreadableFileError",
    "file_sha256",
    "read_pdf_pages",
    "read_source",
    "read_text",
    "reader_for",
    "register",
]

logger = logging.getLogger(__name__)

# suffix (lower case, with the dot) -> the reader of that format
READERS: dict[str, FormatReader] = {}


def register(reader: FormatReader) -> None:
    """Make ``reader`` the reader of its suffixes."""
    for suffix in reader.suffixes:
        READERS[suffix.lower()] = reader


register(pdf.READER)
register(text.READER)
register(docx.READER)
register(html.READER)

PDF_SUFFIXES = set(pdf.READER.suffixes)
TEXT_SUFFIXES = set(text.READER.suffixes)
SUPPORTED_SUFFIXES = set(READERS)


def reader_for(path: Path) -> FormatReader | None:
    """The reader of a file's format, or None when the format is not supported."""
    return READERS.get(path.suffix.lower())


def read_source(path: Path, options: ReadOptions | None = None) -> Document:
    """Read one file into a Document (pages separated by form feeds) or raise UnreadableFileError."""
    reader = reader_for(path)
    if reader is None:
        raise UnreadableFileError(
            f"unsupported file type '{path.suffix.lower() or '(none)'}'; supported: "
            + ", ".join(sorted(READERS))
        )
    if not path.is_file():
        raise UnreadableFileError("file not found")
    if path.stat().st_size == 0:
        raise UnreadableFileError("file is empty")
    extracted = reader.read(path, options or ReadOptions())
    pages = extracted.pages
    if not any(page.strip() for page in pages):
        raise UnreadableFileError("file contains no text")
    meta = {
        "file_path": str(path),
        "file_name": path.name,
        "file_hash": file_sha256(path),
        "source_format": extracted.source_format,
        "page_count": len(pages),
        **extracted.meta,
    }
    return Document(content=PAGE_BREAK.join(pages), meta=meta)


@component
class SourceReader:
    """Reads the registered formats into Documents, one per file, pages separated by ``\\f``.

    Files that cannot be read come out in ``failures`` with a reason instead of stopping the batch.
    ``ocr_language`` is the Tesseract model for scanned PDF pages; ``ocr_max_pages`` the most pages OCR
    reads in one file (0 switches OCR off).
    """

    def __init__(self, ocr_language: str = "nld", ocr_max_pages: int = 200) -> None:
        self.ocr_language = ocr_language
        self.ocr_max_pages = ocr_max_pages

    @component.output_types(documents=list[Document], failures=list[ReadFailure])
    def run(self, sources: list[Path], recorded_sources: dict[str, str] | None = None) -> dict[str, Any]:
        """Read every source; return the Documents and the failures.

        ``recorded_sources`` maps a source (as given) to the path its document records as where it came from,
        when that is not the file read (an upload, read where it waits, recorded as its kept original).
        """
        options = ReadOptions(ocr_language=self.ocr_language, ocr_max_pages=self.ocr_max_pages)
        documents: list[Document] = []
        failures: list[ReadFailure] = []
        for source in sources:
            path = Path(source)
            try:
                document = read_source(path, options)
                if recorded_sources and str(source) in recorded_sources:
                    document.meta["source_path"] = recorded_sources[str(source)]
                documents.append(document)
            except UnreadableFileError as exc:
                logger.warning("Skipping %s: %s", path, exc)
                failures.append(ReadFailure(str(path), str(exc)))
            except OSError as exc:
                failures.append(ReadFailure(str(path), f"cannot read the file: {exc.strerror or exc}"))
        return {"documents": documents, "failures": failures}
