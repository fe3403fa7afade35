"""What every format reader shares: the options, what a reader returns, and how it says a file is unreadable."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


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


@dataclass(frozen=True)
class ReadOptions:
    """How to read: the OCR language (a Tesseract model) and the most pages OCR may read in one file (0: off)."""

    ocr_language: str = "nld"
    ocr_max_pages: int = 200


@dataclass
class Extracted:
    """A file's text, one string per page, with the format's name and what else the file said about itself.

    ``meta`` may hold ``ocr_pages`` (page numbers read by OCR) and the hints ``source_title`` and
    ``source_date`` (ISO) from the file's own properties, which metadata detection uses when the text
    names no subject or date.
    """

    pages: list[str]
    source_format: str
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class FormatReader:
    """One file format: its name, the suffixes it reads and the function that reads a file of it."""

    name: str
    suffixes: tuple[str, ...]
    read: Callable[[Path, ReadOptions], Extracted]


def file_sha256(path: Path) -> str:
    """Content hash of a file, used to skip unchanged files on re-ingestion."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()


def word_chars(text: str) -> int:
    """How many letters and digits ``text`` holds (how much real text a page has)."""
    return sum(ch.isalnum() for ch in text)
