"""Run ingestion over files and folders: incremental, idempotent, with progress and a summary.

A file is skipped when the stored passages of its document came from a file with the same content hash
and already carry the metadata given by hand (its sidecar ``FILE.meta.json`` and the run's ``overrides``);
a changed file replaces exactly its own passages; a file that fails is reported and leaves what was stored
for it untouched. ``prune`` removes stored documents that are no longer among the sources. Sidecar files
are metadata, never documents: a folder walk leaves them out, and a sidecar with an invalid value makes its
file fail before anything is written.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from haystack_integrations.document_stores.qdrant import QdrantDocumentStore
from tqdm import tqdm

from ingest.metadata import (
    InvalidMetadataError,
    is_sidecar,
    load_manifest,
    read_sidecar,
    sidecar_for,
    slugify,
    validate_overrides,
)
from ingest.pipeline import build_indexing_pipeline
from ingest.readers import ReadFailure, file_sha256
from ingest.store import delete_document, stored_documents
from kb_core.domain import DocumentSummary
from kb_core.settings import Settings

logger = logging.getLogger(__name__)


@dataclass
class IngestReport:
    """What one ingestion run did."""

    ingested: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: list[ReadFailure] = field(default_factory=list)
    passages: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """True when no file failed."""
        return not self.failed

    def to_dict(self) -> dict[str, Any]:
        """Plain form for JSON output."""
        return {
            "ingested": self.ingested,
            "unchanged": self.unchanged,
            "removed": self.removed,
            "failed": [f.to_dict() for f in self.failed],
            "passages_written": self.passages,
            "seconds": round(self.seconds, 2),
        }

    def summary(self) -> str:
        """One line for people."""
        return (
            f"{len(self.ingested)} documents ingested, {self.passages} passages written, "
            f"{len(self.unchanged)} unchanged (skipped), {len(self.removed)} removed, "
            f"{len(self.failed)} failed, {self.seconds:.1f} s"
        )


def default_sources(settings: Settings) -> list[Path]:
    """The corpus documents listed in the manifest (their PDF versions)."""
    import json

    if not settings.manifest_path.is_file():
        return [settings.ingest.corpus_dir]
    data = json.loads(settings.manifest_path.read_text(encoding="utf-8"))
    return [settings.ingest.corpus_dir / entry["file"] for entry in data["documents"]]


def collect_files(paths: Iterable[Path]) -> list[Path]:
    """Files named directly, plus every non-hidden file below named folders but sidecar metadata files
    (``*.meta.json``), in a stable order."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(
                sorted(
                    p
                    for p in path.rglob("*")
                    if p.is_file() and not is_sidecar(p) and not any(x.startswith(".") for x in p.parts)
                )
            )
        else:
            files.append(path)
    return files


class Ingestor:
    """Ingests sources into the store; build once, call :meth:`ingest` as often as needed."""

    def __init__(self, settings: Settings, store: QdrantDocumentStore, *, progress: bool = True) -> None:
        self.settings = settings
        self.store = store
        self.progress = progress
        self._pipeline = build_indexing_pipeline(settings, store, progress_bar=False)
        self._manifest_ids = set(load_manifest(settings.manifest_path))

    def document_id_for(self, path: Path) -> str:
        """The id a file's document gets: its manifest id (the file stem), else a slug of the stem."""
        return path.stem if path.stem in self._manifest_ids else slugify(path.stem)

    def ingest(
        self,
        paths: Iterable[Path],
        *,
        force: bool = False,
        prune: bool = False,
        overrides: Mapping[str, str | None] | None = None,
    ) -> IngestReport:
        """Ingest files/folders; see the module docstring for what is skipped, replaced and removed.

        ``overrides`` (fields of ``ingest.metadata.OVERRIDABLE_FIELDS``) set those fields of every file of this
        run; invalid ones raise :class:`InvalidMetadataError` before anything is read or written.
        """
        started = time.perf_counter()
        checked = validate_overrides(overrides or {}, origin="kb ingest")
        report = IngestReport()
        stored = stored_documents(self.store)
        files = collect_files(paths)
        seen: dict[str, Path] = {}
        todo: list[tuple[Path, str]] = []
        bar = tqdm(total=len(files), desc="Ingesting", unit="file", disable=not self.progress, leave=True)
        for path in files:
            doc_id = self.document_id_for(path)
            try:
                sidecar = sidecar_for(path)
                by_hand = {**(read_sidecar(sidecar) if sidecar else {}), **checked}
                if not path.exists():
                    report.failed.append(ReadFailure(str(path), "file not found"))
                elif doc_id in seen:
                    report.failed.append(
                        ReadFailure(
                            str(path), f"same document id '{doc_id}' as {seen[doc_id]}; rename one of them"
                        )
                    )
                elif (
                    not force
                    and doc_id in stored
                    and stored[doc_id].file_hash == file_sha256(path)
                    and _has_metadata(stored[doc_id], by_hand, sidecar is not None)
                ):
                    seen[doc_id] = path
                    report.unchanged.append(doc_id)
                else:
                    seen[doc_id] = path
                    todo.append((path, doc_id))
                    continue
            except InvalidMetadataError as exc:
                seen.setdefault(doc_id, path)  # still a source: prune keeps what was stored for it
                report.failed.append(ReadFailure(str(path), exc.render("en")))
            except OSError as exc:
                report.failed.append(ReadFailure(str(path), f"cannot read the file: {exc.strerror or exc}"))
            bar.update(1)
        # Several files per pipeline run, so the embedder gets full batches (it is 95 % of the time).
        size = self.settings.ingest.batch_files
        for i in range(0, len(todo), size):
            batch = todo[i : i + size]
            bar.set_postfix_str(batch[-1][0].name[-40:])
            self._ingest_batch(batch, report, checked)
            bar.update(len(batch))
            bar.set_description(f"Ingesting ({report.passages} passages)")
        bar.close()
        if prune:
            for doc_id in sorted(set(stored) - set(seen)):
                delete_document(self.store, doc_id)
                report.removed.append(doc_id)
        report.seconds = time.perf_counter() - started
        return report

    def _ingest_batch(
        self, batch: list[tuple[Path, str]], report: IngestReport, overrides: dict[str, str | None]
    ) -> None:
        try:
            result = self._pipeline.run(
                {"reader": {"sources": [path for path, _ in batch]}, "metadata": {"overrides": overrides}}
            )
        except Exception as exc:  # one bad file must not stop the others: retry them one by one
            if len(batch) > 1:
                for item in batch:
                    self._ingest_batch([item], report, overrides)
                return
            logger.exception("Ingestion of %s failed", batch[0][0])
            report.failed.append(
                ReadFailure(str(batch[0][0]), f"ingestion failed: {type(exc).__name__}: {exc}")
            )
            return
        failures: list[ReadFailure] = result.get("reader", {}).get("failures", [])
        report.failed.extend(failures)
        failed_paths = {f.path for f in failures}
        written_ids = set(result.get("writer", {}).get("documents", []))
        report.passages += result.get("writer", {}).get("documents_written", 0)
        for path, doc_id in batch:
            if str(path) in failed_paths:
                continue
            if doc_id in written_ids:
                report.ingested.append(doc_id)
            else:
                report.failed.append(ReadFailure(str(path), "no text passages found in the file"))


def _has_metadata(stored: DocumentSummary, by_hand: Mapping[str, str | None], has_sidecar: bool) -> bool:
    """Whether a stored document already carries the metadata given by hand now (and none from a sidecar
    that is gone)."""
    if stored.info.metadata_source == "sidecar" and not has_sidecar:
        return False
    return all(getattr(stored.info, name) == value for name, value in by_hand.items())


def remove_documents(store: QdrantDocumentStore, document_ids: Iterable[str]) -> dict[str, int]:
    """Remove documents by id; returns passages removed per id (0 = the id was not stored)."""
    return {doc_id: delete_document(store, doc_id) for doc_id in document_ids}
