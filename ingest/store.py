"""The one adapter between the settings and the passage store (:mod:`ingest.stores`).

``open_passage_store(settings)`` opens the embedded store at ``settings.store.qdrant_path`` (migrating a
store of the old local mode found there, with a logged message), or a Qdrant server when
``settings.store.qdrant_url`` is set; ``opened_store(settings)`` does the same and closes it on leaving.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Protocol

from haystack import Document

from ingest.stores import (
    DocumentRecord,
    PassageStore,
    QdrantStoreBase,
    StoredPassage,
    StoreFilter,
    is_old_local_store,
)
from ingest.stores import (
    open_passage_store as _open,
)
from ingest.stores.migrate import MigrationReport, migrate_local_store
from kb_core.domain import FILE_FIELDS, KEYWORD_FIELDS, RANGE_FIELDS, DocumentInfo, DocumentSummary
from kb_core.errors import StoreUnavailableError
from kb_core.settings import Settings
from kb_core.text.analysis import lower_case_words, terms

__all__ = [
    "PassageStore",
    "StoreFilter",
    "UnavailableStore",
    "analyse_passages",
    "document_summary",
    "iter_passages",
    "migrate_store",
    "open_passage_store",
    "opened_store",
    "stored_documents",
    "to_document",
]

logger = logging.getLogger(__name__)

# The metadata fields that say what a passage is about, counted in the document's vocabulary with its text.
CONTEXT_FIELDS = ("title", "section", "municipality", "region")
# The fields of a document record's meta: the document's metadata and its file facts.
RECORD_FIELDS: tuple[str, ...] = (*DocumentInfo.__dataclass_fields__, "date_int", "year", *FILE_FIELDS)


class _Passage(Protocol):
    @property
    def content(self) -> str | None: ...

    @property
    def meta(self) -> dict[str, Any]: ...


def _store_options(settings: Settings) -> dict[str, Any]:
    return {
        "dim": settings.model.embedding_dim,
        "hnsw_ef": settings.store.hnsw_ef,
        "keyword_fields": KEYWORD_FIELDS,
        "integer_fields": RANGE_FIELDS,
    }


def open_passage_store(settings: Settings, *, migrate: bool = True) -> QdrantStoreBase:
    """The store of the settings, open (StoreUnavailableError if it cannot be opened).

    An old local-mode store at the embedded path is migrated first (logged); ``migrate=False`` refuses it.
    """
    store = settings.store
    if store.qdrant_url:
        return _open(
            url=store.qdrant_url,
            api_key=store.qdrant_api_key,
            old_collection=store.collection,
            analyse=analyse_passages,
            **_store_options(settings),
        )
    path = store.qdrant_path
    if migrate and is_old_local_store(path):
        logger.warning("The store at %s is of the old local mode: migrating it (no re-embedding)", path)
    opened = _open(
        path,
        old_collection=store.collection,
        migrate=migrate,
        analyse=analyse_passages,
        **_store_options(settings),
    )
    return opened


def migrate_store(settings: Settings) -> MigrationReport:
    """Migrate the old local-mode store at ``settings.store.qdrant_path`` (``kb migrate``).

    StoreUnavailableError when the folder holds no such store (nothing is changed then).
    """
    path = settings.store.qdrant_path
    if settings.store.qdrant_url:
        raise StoreUnavailableError(
            "a Qdrant server needs no migration (its catalogue is built on first open)"
        )
    if not is_old_local_store(path):
        raise StoreUnavailableError(
            f"{path} holds no store of the old local mode (no meta.json and collection/ there); nothing migrated"
        )
    report = migrate_local_store(
        path, collection=settings.store.collection, analyse=analyse_passages, **_store_options(settings)
    )
    logger.info("Migration: %s", report.summary())
    return report


@contextmanager
def opened_store(settings: Settings) -> Iterator[QdrantStoreBase]:
    """The store of the settings, closed on leaving (the embedded folder is free for others afterwards)."""
    store = open_passage_store(settings)
    try:
        yield store
    finally:
        store.close()


class UnavailableStore:
    """Stands in for a store that could not be opened: every call raises the reason (HTTP 503)."""

    kind = "unavailable"

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def close(self) -> None:
        """Nothing to release."""

    def __getattr__(self, name: str) -> Any:
        def unavailable(*_args: Any, **_kwargs: Any) -> Any:
            raise StoreUnavailableError(self.reason)

        return unavailable


def to_document(passage: StoredPassage) -> Document:
    """A stored passage as a Haystack Document (``meta['dense_score']`` when the query computed it)."""
    meta = dict(passage.meta)
    if passage.dense_score is not None:
        meta["dense_score"] = passage.dense_score
    return Document(id=passage.id, content=passage.content, meta=meta, score=passage.score)


def analyse_passages(passages: Sequence[_Passage]) -> tuple[list[str], list[str]]:
    """A document's vocabulary (the stems of its passages and what they are about) and the words it
    writes in lower case: what its record keeps for the catalogue."""
    vocabulary: set[str] = set()
    for p in passages:
        context = " ".join(str(p.meta.get(k) or "") for k in CONTEXT_FIELDS)
        vocabulary.update(terms(f"{p.content or ''} {context}"))
    return sorted(vocabulary), sorted(lower_case_words(p.content or "" for p in passages))


def record_meta(meta: dict[str, Any]) -> dict[str, Any]:
    """The document-level part of a passage's metadata (what a document record keeps)."""
    return {k: meta[k] for k in RECORD_FIELDS if k in meta}


def document_summary(record: DocumentRecord) -> DocumentSummary:
    """The catalogue entry of a document record."""
    return DocumentSummary.from_meta({"document_id": record.document_id, **record.meta}, record.passage_count)


def stored_documents(store: PassageStore) -> dict[str, DocumentSummary]:
    """One summary per stored document, from the catalogue (no passage scan)."""
    return {doc_id: document_summary(record) for doc_id, record in store.documents().items()}


def iter_passages(store: PassageStore, *, document_id: str | None = None) -> Iterator[Document]:
    """Every stored passage (of one document, if given) as a Document, document by document in reading order."""
    ids = [document_id] if document_id is not None else list(store.documents())
    for doc_id in ids:
        for passage in store.document_passages(doc_id):
            yield to_document(passage)


def union(values: Iterable[Iterable[str]]) -> set[str]:
    """The union of some word lists."""
    out: set[str] = set()
    for v in values:
        out.update(v)
    return out
