"""Write passages so that a re-ingested document replaces exactly its own old passages."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from haystack import Document, component, default_to_dict
from haystack.document_stores.types import DuplicatePolicy
from haystack_integrations.document_stores.qdrant import QdrantDocumentStore

from ingest.store import STORE_LOCK, delete_document


@component
class PassageWriter:
    """Per document: delete its stored passages, then write the new ones (ids are stable, so this is idempotent).

    It runs last in the pipeline, after embedding succeeded, so a failure earlier never removes what was stored.
    """

    def __init__(self, *, document_store: QdrantDocumentStore) -> None:
        self.document_store = document_store

    def to_dict(self) -> dict[str, Any]:
        """Serialise the component."""
        return default_to_dict(self, document_store=self.document_store.to_dict())

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PassageWriter:
        """Deserialise the component."""
        params = data["init_parameters"]
        return cls(document_store=QdrantDocumentStore.from_dict(params["document_store"]))

    @component.output_types(documents_written=int, documents=list[str])
    def run(self, documents: list[Document]) -> dict[str, Any]:
        """Replace the passages of every document that occurs in ``documents``."""
        by_document: dict[str, list[Document]] = defaultdict(list)
        for doc in documents:
            by_document[doc.meta["document_id"]].append(doc)
        written = 0
        for document_id, passages in by_document.items():
            with STORE_LOCK:
                delete_document(self.document_store, document_id)
                written += self.document_store.write_documents(passages, policy=DuplicatePolicy.OVERWRITE)
        return {"documents_written": written, "documents": sorted(by_document)}
