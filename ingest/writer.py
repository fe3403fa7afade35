"""Write each document of a pipeline run to the passage store: passages, answer units, then its record."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from haystack import Document, component

from ingest.store import analyse_passages, record_meta
from ingest.stores import DocumentRecord, PassageRecord, PassageStore, UnitRecord
from ingest.unit_embedder import UNITS_KEY


def passage_record(doc: Document) -> PassageRecord:
    """The store's record of an embedded passage (dense and sparse vector, flat metadata)."""
    if doc.embedding is None:
        raise ValueError(f"passage {doc.id} has no dense embedding")
    sparse = doc.sparse_embedding
    meta = {k: v for k, v in doc.meta.items() if k != UNITS_KEY}
    return PassageRecord(
        id=doc.id,
        content=doc.content or "",
        meta=meta,
        dense=list(doc.embedding),
        sparse_indices=list(sparse.indices) if sparse else [],
        sparse_values=list(sparse.values) if sparse else [],
    )


def unit_records(doc: Document) -> list[UnitRecord]:
    """The answer units' vectors the unit embedder left in the passage's metadata."""
    document_id = doc.meta["document_id"]
    return [
        UnitRecord(id=uid, passage_id=doc.id, document_id=document_id, dense=vector, payload={})
        for uid, vector in doc.meta.get(UNITS_KEY, [])
    ]


def document_write(
    document_id: str, passages: list[Document]
) -> tuple[DocumentRecord, list[PassageRecord], list[UnitRecord]]:
    """What ``store.write_document`` gets for one document's passages."""
    passages = sorted(passages, key=lambda d: d.meta.get("position", 0))
    records = [passage_record(d) for d in passages]
    units = [u for d in passages for u in unit_records(d)]
    vocabulary, lower_words = analyse_passages(records)
    record = DocumentRecord(
        document_id=document_id,
        meta=record_meta(records[0].meta),
        passage_count=len(records),
        unit_count=len(units),
        vocabulary=vocabulary,
        lower_words=lower_words,
    )
    return record, records, units


@component
class PassageWriter:
    """Per document: ``store.write_document`` (its old points replaced by id, its record written last).

    It runs last in the pipeline, after embedding succeeded, so a failure earlier never removes what was stored.
    """

    def __init__(self, *, store: PassageStore) -> None:
        self.store = store

    @component.output_types(documents_written=int, documents=list[str])
    def run(self, documents: list[Document]) -> dict[str, Any]:
        """Replace every document that occurs in ``documents``."""
        by_document: dict[str, list[Document]] = defaultdict(list)
        for doc in documents:
            by_document[doc.meta["document_id"]].append(doc)
        written = 0
        for document_id, passages in by_document.items():
            record, records, units = document_write(document_id, passages)
            self.store.write_document(record, records, units)
            written += len(records)
        return {"documents_written": written, "documents": sorted(by_document)}
