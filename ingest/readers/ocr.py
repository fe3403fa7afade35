"""OCR of scanned PDF pages: pypdfium2 renders a page, Tesseract (``pytesseract``) reads it.

Tesseract is a system program (Debian: ``tesseract-ocr`` and ``tesseract-ocr-nld`` for the Dutch model);
where it or the language model is missing, :func:`unavailable_reason` says so and nothing is OCR'd.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from ingest.readers.base import UnreadableFileError
from kb_core.text.lines import PAGE_BREAK

logger = logging.getLogger(__name__)

TESSERACT = "tesseract"
# Tesseract reads body text best at about 300 dpi.
DPI = 300


def install_hint(language: str) -> str:
    """The Debian packages that make OCR in ``language`` ('nld', or several: 'nld+eng') available."""
    return "install " + " ".join(f"tesseract-ocr-{part}" for part in language.split("+"))


@lru_cache(maxsize=8)
def _languages(executable: str) -> frozenset[str]:
    try:
        out = subprocess.run(
            [executable, "--list-langs"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return frozenset()
    # First line: 'List of available languages in "/usr/share/tesseract-ocr/5/tessdata/" (3):'
    return frozenset(line.strip() for line in out.stdout.splitlines()[1:] if line.strip())


def unavailable_reason(language: str) -> str | None:
    """Why OCR in ``language`` cannot run here (no Tesseract, no model for the language), or None when it can."""
    executable = shutil.which(TESSERACT)
    if executable is None:
        return "Tesseract is not installed"
    try:
        import pypdfium2  # noqa: F401
        import pytesseract  # noqa: F401
    except ImportError as exc:
        return f"the Python package {exc.name} is not installed"
    missing = [part for part in language.split("+") if part not in _languages(executable)]
    if missing:
        return f"Tesseract has no '{'+'.join(missing)}' language model"
    return None


def ocr_pdf_pages(path: Path, page_indexes: Iterable[int], language: str) -> dict[int, str]:
    """The OCR text of the given pages (0-based) of a PDF; raises UnreadableFileError when a page cannot be read."""
    import pypdfium2 as pdfium
    import pytesseract

    texts: dict[int, str] = {}
    try:
        pdf = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        raise UnreadableFileError(f"OCR failed: cannot render the PDF ({exc})") from exc
    try:
        for index in page_indexes:
            page = pdf[index]
            try:
                image = page.render(scale=DPI / 72, grayscale=True).to_pil()
            finally:
                page.close()
            try:
                text = pytesseract.image_to_string(image, lang=language)
            except (pytesseract.TesseractError, OSError, RuntimeError) as exc:
                raise UnreadableFileError(f"OCR failed on page {index + 1}: {exc}") from exc
            # Tesseract ends every page with a form feed: here that would be a page break.
            texts[index] = text.replace(PAGE_BREAK, "\n").strip()
            logger.info("OCR of %s page %d: %d characters", path.name, index + 1, len(texts[index]))
    finally:
        pdf.close()
    return texts
