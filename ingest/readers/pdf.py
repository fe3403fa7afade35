"""PDF through pypdf, one string per page; pages without a text layer (scans) are read by OCR.

A page whose text layer holds (almost) no letters is rendered and read by Tesseract (``ocr.py``) in the
language of ``ReadOptions.ocr_language``; its OCR text is used when it holds more text than the layer.
Pages with text keep pypdf's text. The pages read by OCR are listed in ``ocr_pages`` and the format is
then ``pdf+ocr``. Without Tesseract, a PDF that has no text at all is refused with the reason; one with
some text pages is read without its scanned pages (a warning says which).
"""

from __future__ import annotations

import logging
from pathlib import Path

from ingest.readers import ocr
from ingest.readers.base import Extracted, FormatReader, ReadOptions, UnreadableFileError, word_chars

logger = logging.getLogger(__name__)

# A page with fewer letters and digits than this has no real text layer (a scan, maybe with a stamp).
MIN_TEXT_CHARS = 20
# OCR text replaces a page's text layer only when it holds at least this many more letters and digits.
MIN_OCR_GAIN = 10


def read_pdf_pages(path: Path) -> list[str]:
    """Text layer of every page of a PDF; raises UnreadableFileError for corrupt, encrypted or empty PDFs."""
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
    return pages


def _has_text(pages: list[str]) -> bool:
    return any(page.strip() for page in pages)


def read(path: Path, options: ReadOptions) -> Extracted:
    """The pages of a PDF, scanned pages read by OCR (see the module docstring)."""
    pages = read_pdf_pages(path)
    scanned = [i for i, page in enumerate(pages) if word_chars(page) < MIN_TEXT_CHARS]
    if not scanned:
        return Extracted(pages, "pdf")
    language = options.ocr_language
    unavailable = (
        "OCR is switched off (setting ingest.ocr_max_pages = 0)"
        if options.ocr_max_pages == 0
        else ocr.unavailable_reason(language)
    )
    if unavailable:
        if not _has_text(pages):
            hint = "" if options.ocr_max_pages == 0 else f", {ocr.install_hint(language)}"
            raise UnreadableFileError(
                f"scanned PDF without a text layer: OCR not available ({unavailable}){hint}"
            )
        logger.warning(
            "%s: pages %s have no text layer and are left out: %s",
            path.name,
            ", ".join(str(i + 1) for i in scanned),
            unavailable,
        )
        return Extracted(pages, "pdf")
    if len(scanned) > options.ocr_max_pages:
        raise UnreadableFileError(
            f"scanned PDF: {len(scanned)} pages need OCR, more than the limit of {options.ocr_max_pages} "
            "(setting ingest.ocr_max_pages)"
        )
    read_by_ocr: list[int] = []
    for index, text in ocr.ocr_pdf_pages(path, scanned, language).items():
        if word_chars(text) >= word_chars(pages[index]) + MIN_OCR_GAIN:
            pages[index] = text
            read_by_ocr.append(index + 1)
    if not _has_text(pages):
        raise UnreadableFileError(
            f"PDF has no text layer and OCR found no text on its {len(pages)} page(s) (an image without text?)"
        )
    if not read_by_ocr:
        return Extracted(pages, "pdf")
    return Extracted(pages, "pdf+ocr", {"ocr_pages": sorted(read_by_ocr)})


READER = FormatReader("pdf", (".pdf",), read)
