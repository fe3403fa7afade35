"""The Qdrant store: embedded on disk by default, a Qdrant server when ``QDRANT_URL`` is set."""

from __future__ import annotations

import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from haystack import Document
from haystack_integrations.document_stores.qdrant import QdrantDocumentStore
from qdrant_client import QdrantClient
from qdrant_client.http import models as rest

from kb_core.domain import KEYWORD_FIELDS, RANGE_FIELDS, DocumentSummary
from kb_core.errors import StoreUnavailableError
from kb_core.settings import Settings

# Until the store interface lands, the product's store is qdrant-haystack's document store.
PassageStore = QdrantDocumentStore

# Local mode ignores payload indexes (it scans); they matter on a Qdrant server, so they are still declared.
warnings.filterwarnings("ignore", message="Payload indexes have no effect in the local Qdrant")

# The embedded (local-mode) client is not safe for concurrent use from the API's worker threads.
STORE_LOCK = threading.RLock()


def build_document_store(settings: Settings) -> QdrantDocumentStore:
    """A QdrantDocumentStore for the settings; the client is created lazily on first use."""
    payload_indexes = [{"field_name": f"meta.{f}", "field_schema": "keyword"} for f in KEYWORD_FIELDS]
    payload_indexes += [{"field_name": f"meta.{f}", "field_schema": "integer"} for f in RANGE_FIELDS]
    common: dict[str, Any] = {
        "index": settings.store.collection,
        "embedding_dim": settings.model.embedding_dim,
        "use_sparse_embeddings": True,
        "sparse_idf": True,
        "similarity": "cosine",
        "recreate_index": False,
        "progress_bar": False,
        "payload_fields_to_index": payload_indexes,
        "write_batch_size": 64,
    }
    if settings.store.qdrant_url:
        from haystack.utils import Secret

        api_key = Secret.from_token(settings.store.qdrant_api_key) if settings.store.qdrant_api_key else None
        return QdrantDocumentStore(url=settings.store.qdrant_url, api_key=api_key, timeout=30, **common)
    settings.store.qdrant_path.mkdir(parents=True, exist_ok=True)
    return QdrantDocumentStore(
        path=str(settings.store.qdrant_path), force_disable_check_same_thread=True, **common
    )


def open_client(store: QdrantDocumentStore) -> QdrantClient:
    """The store's Qdrant client, creating the collection on first use; StoreUnavailableError if it fails.

    qdrant-haystack keeps its client private; local mode allows only one client per folder, so the
    retriever and the document listing must share the store's own client.
    """
    try:
        with STORE_LOCK:
            store._initialize_client()
    except Exception as exc:
        where = store.url or store.path
        hint = " (is another process, e.g. 'kb serve', using the same store folder?)" if store.path else ""
        raise StoreUnavailableError(f"cannot open the Qdrant store at {where}: {exc}{hint}") from exc
    client = store._client
    assert client is not None
    return client


def meta_filter(field: str, value: Any) -> rest.FieldCondition:
    """A Qdrant condition on one passage metadata field."""
    return rest.FieldCondition(key=f"meta.{field}", match=rest.MatchValue(value=value))


def iter_passages(
    store: QdrantDocumentStore, *, document_id: str | None = None, with_content: bool = True
) -> Iterator[Document]:
    """Every stored passage (of one document, if given), without vectors."""
    client = open_client(store)
    flt = rest.Filter(must=[meta_filter("document_id", document_id)]) if document_id else None
    offset = None
    payload: bool | list[str] = True if with_content else ["meta", "id"]
    while True:
        try:
            with STORE_LOCK:
                points, offset = client.scroll(
                    store.index,
                    scroll_filter=flt,
                    limit=512,
                    offset=offset,
                    with_payload=payload,
                    with_vectors=False,
                )
        except Exception as exc:
            raise StoreUnavailableError(f"cannot read from the Qdrant store: {exc}") from exc
        for point in points:
            data = dict(point.payload or {})
            yield Document(
                id=data.get("id", str(point.id)), content=data.get("content"), meta=data.get("meta", {})
            )
        if offset is None:
            break


def stored_documents(store: QdrantDocumentStore) -> dict[str, DocumentSummary]:
    """One summary per stored document: its metadata, file facts and passage count."""
    metas: dict[str, dict[str, Any]] = {}
    counts: dict[str, int] = {}
    for passage in iter_passages(store, with_content=False):
        doc_id = passage.meta.get("document_id")
        if doc_id:
            metas.setdefault(doc_id, passage.meta)
            counts[doc_id] = counts.get(doc_id, 0) + 1
    return {doc_id: DocumentSummary.from_meta(meta, counts[doc_id]) for doc_id, meta in metas.items()}


def delete_document(store: QdrantDocumentStore, document_id: str) -> int:
    """Remove every passage of a document; returns how many there were."""
    client = open_client(store)
    flt = rest.Filter(must=[meta_filter("document_id", document_id)])
    try:
        with STORE_LOCK:
            count = client.count(store.index, count_filter=flt, exact=True).count
            if count:
                client.delete(store.index, points_selector=rest.FilterSelector(filter=flt), wait=True)
    except Exception as exc:
        raise StoreUnavailableError(f"cannot delete from the Qdrant store: {exc}") from exc
    return int(count)


def count_passages(store: QdrantDocumentStore) -> int:
    """Number of stored passages."""
    open_client(store)
    try:
        with STORE_LOCK:
            return store.count_documents()
    except Exception as exc:
        raise StoreUnavailableError(f"cannot count passages in the Qdrant store: {exc}") from exc


def close_store(store: QdrantDocumentStore) -> None:
    """Close the client (releases the embedded store's folder lock for other processes)."""
    client = getattr(store, "_client", None)
    if client is not None:
        client.close()
        store._client = None


@contextmanager
def opened_store(settings: Settings) -> Iterator[QdrantDocumentStore]:
    """The store for the settings, closed on leaving (so the embedded store's folder lock is released)."""
    store = build_document_store(settings)
    try:
        yield store
    finally:
        close_store(store)
