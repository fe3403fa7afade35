"""Read source files (PDF through pypdf, plain text and Markdown) into one Haystack Document each.

Pages are kept: the content holds the pages separated by a form feed (``\\f``), so later steps know on
which page every character stands. A file that cannot be read is reported with a reason and skipped;
the rest of the batch goes on.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from haystack import Document, component

from kb_core.text.lines import PAGE_BREAK

logger = logging.getLogger(__name__)

PDF_SUFFIXES = {".pdf"}
TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".text"}
SUPPORTED_SUFFIXES = PDF_SUFFIXES | TEXT_SUFFIXES


class UnreadableFileError(Exception):
    """A source file that cannot be turned into text; the message says why, in plain words."""


@dataclass(frozen=True)
class ReadFailure:
    """One file that was not ingested, and why."""

    path: str
    reason: str

    def to_dict(self) -> dict[str, str]:
        """Plain form for reports and JSON output."""
        return {"path": self.path, "reason": self.reason}


def file_sha256(path: Path) -> str:
    """Content hash of a file, used to skip unchanged files on re-ingestion."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_pdf_pages(path: Path) -> list[str]:
    """Text of every page of a PDF; raises UnreadableFileError for corrupt, encrypted or image-only PDFs."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted:
            # An empty user password is common for "protected" but readable PDFs.
            try:
                ok = reader.decrypt("")
            except Exception as exc:
                raise UnreadableFileError("PDF is encrypted and cannot be opened without a password") from exc
            if not ok:
                raise UnreadableFileError("PDF is encrypted and cannot be opened without a password")
        pages = [page.extract_text() or "" for page in reader.pages]
    except UnreadableFileError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError, AttributeError, IndexError) as exc:
        raise UnreadableFileError(f"not a readable PDF (damaged or incomplete): {exc}") from exc
    except Exception as exc:  # pypdf raises a wide range of errors on broken files
        raise UnreadableFileError(f"not a readable PDF: {type(exc).__name__}: {exc}") from exc
    if not pages:
        raise UnreadableFileError("PDF has no pages")
    if not any(page.strip() for page in pages):
        raise UnreadableFileError("PDF has no text layer (scanned image?); run OCR first")
    return pages


def read_text(path: Path) -> str:
    """Decode a text file as UTF-8 (with or without BOM) or UTF-16 with BOM; anything else is refused."""
    raw = path.read_bytes()
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise UnreadableFileError("cannot decode the file as UTF-16 text") from exc
    if b"\x00" in raw[:4096]:
        raise UnreadableFileError("binary file, not text")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableFileError(
            f"cannot decode the file as UTF-8 text (byte {exc.start}); save it as UTF-8"
        ) from exc


def read_source(path: Path) -> Document:
    """Read one file into a Document (pages separated by form feeds) or raise UnreadableFileError."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise UnreadableFileError(
            f"unsupported file type '{suffix or '(none)'}'; supported: "
            + ", ".join(sorted(SUPPORTED_SUFFIXES))
        )
    if not path.is_file():
        raise UnreadableFileError("file not found")
    if path.stat().st_size == 0:
        raise UnreadableFileError("file is empty")
    if suffix in PDF_SUFFIXES:
        pages = read_pdf_pages(path)
        source_format = "pdf"
    else:
        text = read_text(path)
        # A text file may carry its own page breaks (form feeds), as pdftotext writes them.
        pages = text.split(PAGE_BREAK)
        source_format = "markdown" if suffix in {".md", ".markdown"} else "text"
    if not any(page.strip() for page in pages):
        raise UnreadableFileError("file contains no text")
    meta = {
        "file_path": str(path),
        "file_name": path.name,
        "file_hash": file_sha256(path),
        "source_format": source_format,
        "page_count": len(pages),
    }
    return Document(content=PAGE_BREAK.join(pages), meta=meta)


@component
class SourceReader:
    """Reads PDF, text and Markdown files into Documents, one per file, pages separated by ``\\f``.

    Files that cannot be read come out in ``failures`` with a reason instead of stopping the batch.
    """

    def __init__(self) -> None:
        pass

    @component.output_types(documents=list[Document], failures=list[ReadFailure])
    def run(self, sources: list[Path]) -> dict[str, Any]:
        """Read every source; return the Documents and the failures."""
        documents: list[Document] = []
        failures: list[ReadFailure] = []
        for source in sources:
            path = Path(source)
            try:
                documents.append(read_source(path))
            except UnreadableFileError as exc:
                logger.warning("Skipping %s: %s", path, exc)
                failures.append(ReadFailure(str(path), str(exc)))
            except OSError as exc:
                failures.append(ReadFailure(str(path), f"cannot read the file: {exc.strerror or exc}"))
        return {"documents": documents, "failures": failures}
