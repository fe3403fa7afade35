"""Plain text and Markdown: UTF-8 (with or without BOM) or UTF-16 with BOM; form feeds are page breaks."""

from __future__ import annotations

from pathlib import Path

from ingest.readers.base import Extracted, FormatReader, ReadOptions, UnreadableFileError
from kb_core.text.lines import PAGE_BREAK

MARKDOWN_SUFFIXES = (".md", ".markdown")


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


def read(path: Path, options: ReadOptions) -> Extracted:
    """The pages of a text file (a text file may carry its own page breaks, as pdftotext writes them)."""
    pages = read_text(path).split(PAGE_BREAK)
    return Extracted(pages, "markdown" if path.suffix.lower() in MARKDOWN_SUFFIXES else "text")


READER = FormatReader("text", (".txt", ".text", *MARKDOWN_SUFFIXES), read)
