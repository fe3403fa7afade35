"""Run ingestion over files and folders: incremental, idempotent, with progress and a summary.

A file is skipped when the stored passages of its document came from a file with the same content hash;
a changed file replaces exactly its own passages; a file that fails is reported and leaves what was stored
for it untouched. A file whose document id belongs to a stored document from another file is refused (it
never replaces that document). ``prune`` removes stored documents whose recorded source file lay under
the given folders and is no longer there; it refuses to run against a path that does not exist or holds
no readable file, and never removes documents without a recorded source path. Sidecar files
(``FILE.meta.json``) are metadata, never documents: a folder walk leaves them out; an unchanged file is still
re-ingested when the metadata given by hand (its sidecar, the run's ``overrides``) differs from what was
stored, and a sidecar with an invalid value makes its file fail before anything is written.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from ingest.metadata import is_sidecar, load_manifest, read_sidecar, sidecar_for, slugify, validate_overrides
from ingest.originals import Originals
from ingest.pipeline import build_indexing_pipeline
from ingest.readers import PDF_SUFFIXES, SUPPORTED_SUFFIXES, ReadFailure, file_sha256
from ingest.store import stored_documents
from ingest.stores import PassageStore
from kb_core.domain import DocumentSummary
from kb_core.errors import InvalidMetadataError, PruneRefusedError
from kb_core.settings import Settings
from kb_core.text.lines import PAGE_BREAK

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
    (``*.meta.json``), in a stable order.

    Hidden means hidden below the named folder (``.git/``, ``.verborgen.txt``): a folder that itself lies
    under a hidden one (``~/.local/stukken``) is read like any other.
    """
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(
                sorted(
                    p
                    for p in path.rglob("*")
                    if p.is_file()
                    and not is_sidecar(p)
                    and not any(x.startswith(".") for x in p.relative_to(path).parts)
                )
            )
        else:
            files.append(path)
    return files


def limit_failure(path: Path, settings: Settings) -> str | None:
    """Why a file is too big to ingest (bytes, or pages), or None; checked before the file is read.

    The page count of a PDF comes from its page tree (no text is extracted); a PDF that cannot even be
    opened for that is left to the reader, which says what is wrong with it.
    """
    limits = settings.ingest
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        return (
            f"file too large ({size:,} bytes, at most {limits.max_file_bytes:,}; "
            "setting KB_INGEST__MAX_FILE_BYTES)"
        )
    suffix = path.suffix.lower()
    pages: int | None = None
    if suffix in PDF_SUFFIXES:
        try:
            from pypdf import PdfReader

            pages = len(PdfReader(str(path)).pages)
        except Exception:  # damaged or encrypted: the reader reports it
            pages = None
    elif suffix in SUPPORTED_SUFFIXES:
        pages = path.read_bytes().count(PAGE_BREAK.encode()) + 1
    if pages is not None and pages > limits.max_pages:
        return f"too many pages ({pages:,}, at most {limits.max_pages:,}; setting KB_INGEST__MAX_PAGES)"
    return None


def _resolved(path: Path) -> Path:
    return path.expanduser().resolve()


def lies_under(source_path: str | None, roots: Iterable[Path]) -> bool:
    """Whether a stored document's source file lay under (or was) one of ``roots`` (resolved paths).

    A document without a recorded source path (ingested before it was recorded) lies under none.
    """
    if not source_path:
        return False
    source = Path(source_path)
    return any(source == root or root in source.parents for root in roots)


@dataclass
class IngestPlan:
    """What an ingestion run will do, worked out before anything is read or changed."""

    todo: list[tuple[Path, str]] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[ReadFailure] = field(default_factory=list)
    # Documents prune removes: stored from a file under the given folders that is no longer there.
    remove: list[str] = field(default_factory=list)
    stored: dict[str, DocumentSummary] = field(default_factory=dict)
    # Documents an interrupted write left half-stored: re-ingested (in ``todo``) or, without their file, removed.
    repair: list[str] = field(default_factory=list)
    broken: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Plain form for JSON output (``kb ingest --dry-run --json``)."""
        return {
            "ingest": [doc_id for _, doc_id in self.todo],
            "unchanged": self.unchanged,
            "remove": [
                {"document_id": doc_id, "source_path": self.stored[doc_id].source_path}
                for doc_id in self.remove
            ],
            "failed": [f.to_dict() for f in self.failed],
            "repair": self.repair,
        }


def check_prune_sources(paths: Iterable[Path]) -> None:
    """Refuse (PruneRefusedError) to prune against a path that does not exist or holds no readable file:
    every document stored from under it would look deleted."""
    for path in paths:
        if not path.exists():
            raise PruneRefusedError("prune_path_missing", path=str(path))
        readable = [p for p in collect_files([path]) if p.suffix.lower() in SUPPORTED_SUFFIXES]
        if not readable:
            raise PruneRefusedError("prune_no_files", path=str(path))


class Ingestor:
    """Ingests sources into the store; build once, call :meth:`ingest` as often as needed."""

    def __init__(self, settings: Settings, store: PassageStore, *, progress: bool = True) -> None:
        self.settings = settings
        self.store = store
        self.progress = progress
        self.originals = Originals(settings.originals_dir)
        self._pipeline = build_indexing_pipeline(settings, store, progress_bar=False)
        self._manifest_ids = set(load_manifest(settings.manifest_path))

    def document_id_for(self, path: Path) -> str:
        """The id a file's document gets: its manifest id (the file stem), else a slug of the stem."""
        return path.stem if path.stem in self._manifest_ids else slugify(path.stem)

    def plan(
        self,
        paths: Iterable[Path],
        *,
        force: bool = False,
        prune: bool = False,
        overrides: Mapping[str, str | None] | None = None,
        recorded: Mapping[Path, str] | None = None,
    ) -> IngestPlan:
        """What :meth:`ingest` would do, without reading a file's text or changing the store.

        ``recorded`` maps files to the source path their documents record instead of their own (uploads).

        With ``prune``, the paths must exist and hold readable files (else PruneRefusedError), and only
        documents whose recorded source file lay under them are candidates for removal. ``overrides`` must
        be valid (else InvalidMetadataError, before anything is read).
        """
        paths = list(paths)
        checked = validate_overrides(overrides or {}, origin="kb ingest")
        if prune:
            check_prune_sources(paths)
        plan = IngestPlan(stored=stored_documents(self.store))
        bad = set(self.store.inconsistent_documents())
        seen: dict[str, Path] = {}  # ids claimed by a file of this run
        keep: set[str] = set()  # ids of every file of this run, also those that fail: prune keeps them
        for path in collect_files(paths):
            doc_id = self.document_id_for(path)
            keep.add(doc_id)
            try:
                reason = self._refusal(path, doc_id, seen, plan.stored, (recorded or {}).get(path))
                sidecar = sidecar_for(path) if reason is None else None
                by_hand = {**(read_sidecar(sidecar) if sidecar else {}), **checked}
                if reason is not None:
                    plan.failed.append(ReadFailure(str(path), reason))
                elif (
                    not force
                    and doc_id not in bad
                    and doc_id in plan.stored
                    and plan.stored[doc_id].file_hash == file_sha256(path)
                    and _has_metadata(plan.stored[doc_id], by_hand, sidecar is not None)
                ):
                    seen[doc_id] = path
                    plan.unchanged.append(doc_id)
                else:
                    seen[doc_id] = path
                    plan.todo.append((path, doc_id))
            except InvalidMetadataError as exc:
                plan.failed.append(ReadFailure(str(path), exc.render("en")))
            except OSError as exc:
                plan.failed.append(ReadFailure(str(path), f"cannot read the file: {exc.strerror or exc}"))
        # Half-written documents (a crash between batches) are written again from their file, or removed.
        plan.repair = sorted(bad)
        for doc_id in sorted(bad - set(seen)):
            summary = plan.stored.get(doc_id)
            source = Path(summary.source_path) if summary and summary.source_path else None
            if source is not None and source.is_file():
                seen[doc_id] = source
                keep.add(doc_id)
                plan.todo.append((source, doc_id))
            else:
                plan.broken.append(doc_id)
        if bad:
            logger.warning(
                "Documents left half-written by an interrupted ingestion, repaired now: %s", sorted(bad)
            )
        if prune:
            roots = [_resolved(path) for path in paths]
            plan.remove = sorted(
                doc_id
                for doc_id, summary in plan.stored.items()
                if doc_id not in keep and lies_under(summary.source_path, roots)
            )
        return plan

    def _refusal(
        self,
        path: Path,
        doc_id: str,
        seen: dict[str, Path],
        stored: dict[str, DocumentSummary],
        recorded: str | None = None,
    ) -> str | None:
        """Why ``path`` is not ingested (checked before it is read), or None. Files refused for what they
        are (missing, empty, of an unsupported type) claim no document id; the others claim theirs."""
        if not path.exists():
            return "file not found"
        if path.is_file() and path.stat().st_size == 0:
            return "file is empty"
        if path.suffix.lower() not in SUPPORTED_SUFFIXES:
            return f"unsupported file type '{path.suffix.lower() or '(none)'}'; supported: " + ", ".join(
                sorted(SUPPORTED_SUFFIXES)
            )
        if doc_id in seen:
            return f"same document id '{doc_id}' as {seen[doc_id]}; rename one of them"
        seen[doc_id] = path
        other = stored.get(doc_id)
        # The same content from another place is the same document, moved (it is skipped as unchanged,
        # or rewritten with its new source path under --force); other content never replaces it.
        same_source = _same_source(other, path, recorded) if other is not None else False
        if other is not None and not same_source and other.file_hash != file_sha256(path):
            where = other.source_path or other.file_name or "?"
            return (
                f"document id '{doc_id}' is already taken by {where}; rename this file, "
                f"or remove the stored document first (kb remove {doc_id})"
            )
        return limit_failure(path, self.settings)

    def ingest(
        self,
        paths: Iterable[Path],
        *,
        force: bool = False,
        prune: bool = False,
        remove_only: Collection[str] | None = None,
        overrides: Mapping[str, str | None] | None = None,
        recorded: Mapping[Path, str] | None = None,
        on_batch: Callable[[IngestReport, list[str]], None] | None = None,
    ) -> IngestReport:
        """Ingest files/folders; see the module docstring for what is skipped, replaced and removed.

        Each document written keeps its file in the originals folder. ``on_batch(report, written)`` is
        called after each batch with the report so far and the ids that batch wrote (they are searchable
        from then on). ``recorded``: see :meth:`plan`.

        ``remove_only`` limits what prune may remove to those ids (the ones a person confirmed).
        ``overrides`` (fields of ``kb_core.domain.OVERRIDABLE_FIELDS``) set those fields of every file of this
        run; invalid ones raise :class:`InvalidMetadataError` before anything is read or written.
        """
        started = time.perf_counter()
        paths = list(paths)
        checked = validate_overrides(overrides or {}, origin="kb ingest")
        plan = self.plan(paths, force=force, prune=prune, overrides=checked, recorded=recorded)
        report = IngestReport(unchanged=list(plan.unchanged), failed=list(plan.failed))
        bar = tqdm(
            total=len(plan.todo) + len(plan.unchanged) + len(plan.failed),
            desc="Ingesting",
            unit="file",
            disable=not self.progress,
            leave=True,
        )
        bar.update(len(plan.unchanged) + len(plan.failed))
        # Several files per pipeline run, so the embedder gets full batches (it is 95 % of the time).
        size = self.settings.ingest.batch_files
        for i in range(0, len(plan.todo), size):
            batch = plan.todo[i : i + size]
            bar.set_postfix_str(batch[-1][0].name[-40:])
            before = len(report.ingested)
            self._ingest_batch(batch, report, checked, recorded or {})
            bar.update(len(batch))
            if on_batch is not None:
                on_batch(report, report.ingested[before:])
            bar.set_description(f"Ingesting ({report.passages} passages)")
        bar.close()
        for doc_id in plan.remove:
            if remove_only is None or doc_id in remove_only:
                remove_documents(self.store, [doc_id], self.originals)
                report.removed.append(doc_id)
        remove_documents(self.store, plan.broken, self.originals)
        if report.ingested or report.removed or plan.broken:
            self.store.optimize()  # build the dense index once per run, not per request
        report.seconds = time.perf_counter() - started
        return report

    def _ingest_batch(
        self,
        batch: list[tuple[Path, str]],
        report: IngestReport,
        overrides: dict[str, str | None],
        recorded: Mapping[Path, str],
    ) -> None:
        sources = {str(path): recorded[path] for path, _ in batch if path in recorded}
        try:
            result = self._pipeline.run(
                {
                    "reader": {"sources": [path for path, _ in batch], "recorded_sources": sources},
                    "metadata": {"overrides": overrides},
                }
            )
        except Exception as exc:  # one bad file must not stop the others: retry them one by one
            if len(batch) > 1:
                for item in batch:
                    self._ingest_batch([item], report, overrides, recorded)
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
                self.originals.keep(doc_id, path)
                report.ingested.append(doc_id)
            else:
                report.failed.append(ReadFailure(str(path), "no text passages found in the file"))


def _has_metadata(stored: DocumentSummary, by_hand: Mapping[str, str | None], has_sidecar: bool) -> bool:
    """Whether a stored document already carries the metadata given by hand now (and none from a sidecar
    that is gone)."""
    if stored.info.metadata_source == "sidecar" and not has_sidecar:
        return False
    return all(getattr(stored.info, name) == value for name, value in by_hand.items())


def _same_source(stored: DocumentSummary, path: Path, recorded: str | None = None) -> bool:
    """Whether a stored document came from ``path`` (recorded as ``recorded`` when given): its recorded
    source path, or (documents stored before source paths were recorded) its file name."""
    if stored.source_path:
        return stored.source_path == (recorded or str(_resolved(path)))
    return stored.file_name in (None, path.name)


def ingest_corpus_if_empty(
    settings: Settings, store: PassageStore, *, progress: bool = False
) -> IngestReport | None:
    """Ingest the corpus when the store holds no passage (first start of ``kb serve``, ``kb search``,
    ``kb ask``), or repair the documents an interrupted ingestion left half-written; returns the report, or
    None when there was nothing to do."""
    if store.count() > 0:
        if not store.inconsistent_documents():
            return None
        report = Ingestor(settings, store, progress=progress).ingest([])
        logger.info("Repair: %s", report.summary())
        return report
    logger.info("Empty store: ingesting the corpus in %s", settings.ingest.corpus_dir)
    report = Ingestor(settings, store, progress=progress).ingest(default_sources(settings))
    logger.info("Ingestion: %s", report.summary())
    return report


def remove_documents(
    store: PassageStore, document_ids: Iterable[str], originals: Originals | None = None
) -> dict[str, int]:
    """Remove documents by id, and their kept originals; returns passages removed per id (0 = the id was
    not stored)."""
    removed = {}
    for doc_id in document_ids:
        removed[doc_id] = store.delete_document(doc_id)
        if originals is not None:
            originals.remove(doc_id)
    return removed
