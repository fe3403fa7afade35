"""Move a store written by today's ``ingest/store.py`` into the new layout, without re-embedding.

The old embedded store is qdrant-client's local mode in a folder (``meta.json`` + ``collection/``), one
collection ``via_passages`` in qdrant-haystack's layout: payload ``{"id", "content", "meta"}``, vectors
``text-dense`` and ``text-sparse``, point id ``uuid5(namespace, passage id)``. The new store keeps the
same vector names, payload and point ids, so every point is copied as it is; what is new is the catalogue
(one record per document), built here from the passages' metadata.

:func:`migrate_local_store` writes the new store beside the old one (``<name>.migrating``), checks that
every passage arrived, then renames the old folder to ``<name>.old-localmode`` (kept, never deleted) and
the new one into its place. Interrupted, it leaves the old store as it was and starts over next time.
A Qdrant server collection written by today's code needs no copy, only its catalogue:
:func:`build_catalogue`.
"""

from __future__ import annotations

import logging
import shutil
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qdrant_client import QdrantClient

from ingest.stores.base import (
    DENSE_VECTOR,
    DOCUMENTS,
    PASSAGES,
    SPARSE_VECTOR,
    QdrantStoreBase,
    StoredPassage,
    StoreUnavailableError,
    point_id,
)
from ingest.stores.edge import EdgePassageStore, is_embedded_store

logger = logging.getLogger(__name__)

OLD_COLLECTION = "via_passages"
BACKUP_SUFFIX = ".old-localmode"
PAGE = 1024

# Metadata that belongs to a passage, never to its document's record.
PASSAGE_LEVEL_KEYS = frozenset(
    {
        "position",
        "page",
        "page_end",
        "page_breaks",
        "section",
        "char_start",
        "char_end",
        "passage_count",
        "dense_score",
    }
)

# Given a document's passages (position order): its lexical vocabulary (stems) and the words it writes in
# lower case, as ingestion would store them in the DocumentRecord.
Analyse = Callable[[Sequence[StoredPassage]], tuple[Iterable[str], Iterable[str]]]


@dataclass
class MigrationReport:
    """What a migration did."""

    source: str
    passages: int = 0
    documents: int = 0
    backup: str | None = None
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line for people."""
        kept = f"; the old store is kept at {self.backup}" if self.backup else ""
        return (
            f"migrated {self.passages} passages of {self.documents} documents from {self.source} "
            f"in {self.seconds:.1f} s, no re-embedding{kept}"
        )


def is_old_local_store(path: str | Path) -> bool:
    """True when ``path`` is a folder of qdrant-client's local mode (today's embedded store)."""
    path = Path(path)
    return (path / "meta.json").is_file() and (path / "collection").is_dir()


def migrate_local_store(
    path: str | Path,
    *,
    collection: str = OLD_COLLECTION,
    analyse: Analyse | None = None,
    **store_options: Any,
) -> MigrationReport:
    """Replace the old local-mode store at ``path`` by an embedded store with the same points (see module).

    ``store_options`` go to :class:`EdgePassageStore` (dim, hnsw_ef, field lists). ``analyse`` fills each
    document record's vocabulary and lower-case words; without it they stay empty (the query side must then
    fall back to its own reading). Raises StoreUnavailableError when the old store cannot be read (e.g. a
    running ``kb serve`` holds it) or the copy is incomplete; the old store is then left as it was.
    """
    started = time.perf_counter()
    path = Path(path)
    report = MigrationReport(source=str(path))
    if not is_old_local_store(path):
        raise StoreUnavailableError(f"{path} holds no store of qdrant-client's local mode")
    target = path.with_name(path.name + ".migrating")
    if target.exists():
        logger.info("Removing %s, left by an interrupted migration", target)
        shutil.rmtree(target)
    logger.warning(
        "The store at %s was written by an older version (qdrant-client local mode); migrating it to the "
        "embedded engine (qdrant-edge). Vectors are copied, nothing is re-embedded.",
        path,
    )
    try:
        old = QdrantClient(path=str(path))
    except Exception as exc:
        raise StoreUnavailableError(
            f"cannot open the old store at {path} to migrate it: {exc} "
            "(is another process, e.g. 'kb serve' of the old version, using it?)"
        ) from exc
    try:
        new = EdgePassageStore(target, **store_options)
        try:
            expected, grouped = _copy_passages(old, collection, new, report, keep_content=analyse is not None)
            report.notes.extend(_write_records(new, grouped, report, analyse))
            new.optimize()
            stored = new.count()
            if stored != expected:
                raise StoreUnavailableError(
                    f"migration of {path} incomplete: {stored} of {expected} passages copied; "
                    "the old store is unchanged"
                )
        finally:
            new.close()
    except BaseException:
        old.close()
        shutil.rmtree(target, ignore_errors=True)
        raise
    old.close()
    backup = _free_name(path.with_name(path.name + BACKUP_SUFFIX))
    path.rename(backup)
    target.rename(path)
    report.backup = str(backup)
    report.seconds = time.perf_counter() - started
    logger.warning("%s", report.summary())
    return report


def finish_interrupted_migration(path: str | Path) -> bool:
    """Complete a migration that stopped between its two renames; True if there was one to complete.

    The new store is renamed into place only after it was checked, so a complete ``<name>.migrating``
    next to ``<name>.old-localmode`` and no ``<name>`` is a finished copy.
    """
    path = Path(path)
    target = path.with_name(path.name + ".migrating")
    backup = path.with_name(path.name + BACKUP_SUFFIX)
    if path.exists() or not is_embedded_store(target) or not is_old_local_store(backup):
        return False
    target.rename(path)
    logger.warning("Completed the interrupted migration of %s (the old store is kept at %s)", path, backup)
    return True


def build_catalogue(store: QdrantStoreBase, *, analyse: Analyse | None = None) -> MigrationReport:
    """Write a record for every document whose passages are stored but that has none (one pass, once).

    For a server collection written by today's code: its points already have the new layout.
    """
    started = time.perf_counter()
    report = MigrationReport(source=getattr(store, "where", "") or str(getattr(store, "path", "")))
    have = set(store.documents())
    grouped: dict[str, list[StoredPassage]] = defaultdict(list)
    for hit in store._scroll(PASSAGES, []):
        passage = store._stored(hit)
        doc_id = _document_id(passage)
        if doc_id not in have:
            grouped[doc_id].append(passage)
    report.passages = sum(len(v) for v in grouped.values())
    report.notes.extend(_write_records(store, grouped, report, analyse))
    report.seconds = time.perf_counter() - started
    if grouped:
        logger.warning(
            "Built the catalogue of %d documents (%d passages) in %s",
            report.documents,
            report.passages,
            report.source,
        )
    return report


# --- helpers ---------------------------------------------------------------------------------------

# Passages (without vectors) kept per document while copying, for the records written at the end.
_Pending = dict[str, list[StoredPassage]]


def _copy_passages(
    old: QdrantClient, collection: str, new: EdgePassageStore, report: MigrationReport, *, keep_content: bool
) -> tuple[int, _Pending]:
    """Copy every point page by page; returns the old count and the passages (no vectors) per document."""
    grouped: _Pending = defaultdict(list)
    names = {c.name for c in old.get_collections().collections}
    if collection not in names:
        report.notes.append(f"the old store has no collection '{collection}': nothing to copy")
        return 0, grouped
    expected = int(old.count(collection, exact=True).count)
    offset: Any = None
    while True:
        records, offset = old.scroll(
            collection, limit=PAGE, offset=offset, with_payload=True, with_vectors=True
        )
        points = []
        for record in records:
            payload = dict(record.payload or {})
            vectors: dict[str, Any] = dict(record.vector) if isinstance(record.vector, dict) else {}
            dense = vectors.get(DENSE_VECTOR)
            if dense is None:
                raise StoreUnavailableError(f"old point {record.id} has no '{DENSE_VECTOR}' vector")
            passage = StoredPassage(
                id=str(payload.get("id") or record.id),
                content=payload.get("content") or "",
                meta=dict(payload.get("meta") or {}),
            )
            passage.meta.setdefault("document_id", _document_id(passage))
            point_vectors: dict[str, Any] = {"dense": [float(x) for x in dense]}
            sparse = vectors.get(SPARSE_VECTOR)
            if sparse is not None and len(sparse.indices):
                point_vectors["sparse"] = (list(sparse.indices), list(sparse.values))
            body = {"id": passage.id, "content": passage.content, "meta": passage.meta}
            points.append((point_id(passage.id), point_vectors, body))
            kept = passage if keep_content else StoredPassage(id=passage.id, content="", meta=passage.meta)
            grouped[passage.meta["document_id"]].append(kept)
        if points:
            new._upsert(PASSAGES, points)
        report.passages += len(points)
        if offset is None:
            return expected, grouped


def _write_records(
    store: QdrantStoreBase, grouped: _Pending, report: MigrationReport, analyse: Analyse | None
) -> list[str]:
    notes = []
    if grouped and analyse is None:
        notes.append("no analyser given: document vocabularies left empty")
    for doc_id, passages in sorted(grouped.items()):
        passages.sort(key=lambda p: (p.meta.get("position", 0), p.id))
        vocabulary: list[str] = []
        lower_words: list[str] = []
        if analyse is not None:
            terms, lowers = analyse(passages)
            vocabulary, lower_words = sorted(set(terms)), sorted(set(lowers))
        payload = {
            "document_id": doc_id,
            "meta": _document_meta(passages),
            "passage_count": len(passages),
            "unit_count": 0,
            "vocabulary": vocabulary,
            "lower_words": lower_words,
            "passage_ids": [p.id for p in passages],
            "unit_ids": [],
            "committed": True,
            "writing": False,
        }
        store._upsert(DOCUMENTS, [(point_id(doc_id), {}, payload)])
        report.documents += 1
    return notes


def _document_id(passage: StoredPassage) -> str:
    return str(passage.meta.get("document_id") or passage.id.rsplit("#", 1)[0])


def _document_meta(passages: Sequence[StoredPassage]) -> dict[str, Any]:
    """The metadata every passage of the document shares, without the passage-level keys."""
    first = passages[0].meta
    return {
        k: v
        for k, v in first.items()
        if k not in PASSAGE_LEVEL_KEYS and all(p.meta.get(k) == v for p in passages[1:])
    }


def _free_name(path: Path) -> Path:
    if not path.exists():
        return path
    n = 2
    while path.with_name(f"{path.name}.{n}").exists():
        n += 1
    return path.with_name(f"{path.name}.{n}")
