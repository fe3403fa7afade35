"""The managed folder of originals: every ingested file is kept as ``<originals>/<document id>/<file name>``.

Ingestion (the corpus, ``kb ingest``, uploads) copies each file whose document it wrote into the folder,
replacing the document's earlier original; removing a document removes its folder. ``GET
/documents/{id}/file`` serves what is found here, with the media type of its suffix. Copies are written to
a temporary name first and then renamed, so a reader never sees half a file.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import unicodedata
from pathlib import Path

MEDIA_TYPES = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
}
MAX_NAME_CHARS = 150
_DOCUMENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$")
_UNSAFE = re.compile(r"[^\w.()+ -]+")


def media_type(path: Path) -> str:
    """The content type a file is served with (by its suffix; unknown ones as bytes)."""
    return MEDIA_TYPES.get(path.suffix.lower(), "application/octet-stream")


def safe_file_name(name: str | None) -> str | None:
    """A file name that is safe to store: the last part of a path, without control characters or
    characters outside letters, digits and ``. ( ) + - _ space``, no leading dot, at most
    ``MAX_NAME_CHARS`` (the suffix kept); None when nothing is left."""
    if not name:
        return None
    base = unicodedata.normalize("NFC", re.split(r"[/\\]", name)[-1])
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C")
    base = _UNSAFE.sub("_", base).strip(" .")
    stem, dot, suffix = base.rpartition(".")
    if dot and len(suffix) <= 10:
        stem = stem[: MAX_NAME_CHARS - len(suffix) - 1].rstrip(" .")
        base = f"{stem}.{suffix}" if stem else ""
    else:
        base = base[:MAX_NAME_CHARS]
    return base or None


class Originals:
    """The folder of originals (``settings.originals_dir``)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def folder(self, document_id: str) -> Path:
        """The folder of one document's original (ValueError for an id that is no plain name)."""
        if not _DOCUMENT_ID.match(document_id) or document_id in {".", ".."}:
            raise ValueError(f"not a document id: {document_id!r}")
        return self.root / document_id

    def path_for(self, document_id: str, file_name: str) -> Path:
        """Where the original ``file_name`` of a document is kept (absolute)."""
        name = safe_file_name(file_name) or "document"
        return (self.folder(document_id) / name).resolve()

    def keep(self, document_id: str, source: Path) -> Path:
        """Copy ``source`` in as the document's original (replacing the one before); returns its path."""
        target = self.path_for(document_id, source.name)
        if target.exists() and source.resolve() == target:
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        os.close(handle)
        try:
            shutil.copyfile(source, temporary)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        for other in target.parent.iterdir():
            if other != target and not other.name.startswith(".incoming-"):
                other.unlink(missing_ok=True)
        return target

    def _existing(self, document_id: str) -> Path | None:
        """The folder of a document's original when there is one (None also for an id that is no name)."""
        try:
            folder = self.folder(document_id)
        except ValueError:
            return None
        return folder if folder.is_dir() else None

    def find(self, document_id: str) -> Path | None:
        """The kept original of a document, or None."""
        folder = self._existing(document_id)
        files = (
            sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
            if folder
            else []
        )
        return files[0] if files else None

    def remove(self, document_id: str) -> bool:
        """Remove a document's original; True when there was one."""
        folder = self._existing(document_id)
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
        return folder is not None
