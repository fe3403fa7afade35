"""What the knowledge base holds: documents, their passages, filter values, vocabulary and health."""

from __future__ import annotations

import threading
from typing import Any

from haystack import Document

from ingest.store import PassageStore, count_passages, iter_passages, stored_documents
from kb_api.retrieval.answerer import lower_case_words, text_with_context
from kb_core.domain import FILTER_NAMES, DocumentSummary
from kb_core.errors import DocumentNotFoundError
from kb_core.settings import Settings
from kb_core.text.analysis import terms


class CatalogueService:
    """The stored documents and what is derived from them, cached until the store changes."""

    def __init__(self, settings: Settings, store: PassageStore) -> None:
        self.settings = settings
        self.store = store
        self._known: dict[str, dict[str, str]] | None = None
        self._corpus_terms: set[str] | None = None
        self._common_words: frozenset[str] | None = None
        self._cached_count: int | None = None
        # (documents, passages), read once per refresh: /health answers from it without a scan or a lock.
        self._counts: tuple[int, int] | None = None
        self._lock = threading.Lock()

    def refresh(self) -> None:
        """Forget cached document metadata and vocabulary (call after ingestion)."""
        with self._lock:
            self._known = None
            self._corpus_terms = None
            self._common_words = None
            self._counts = None

    def refresh_if_changed(self) -> None:
        """Drop the caches when the store changed underneath (another process ingested into a Qdrant server)."""
        count = count_passages(self.store)
        if count != self._cached_count:
            self.refresh()
            self._cached_count = count

    def documents(self) -> list[dict[str, Any]]:
        """Every stored document's metadata and passage count, newest first."""
        docs = [summary.to_dict() for summary in stored_documents(self.store).values()]
        return sorted(docs, key=lambda d: (d.get("date") or "", d["document_id"]), reverse=True)

    def document(self, document_id: str) -> tuple[dict[str, Any], list[Document]]:
        """A document's metadata and its passages in reading order."""
        passages = sorted(
            iter_passages(self.store, document_id=document_id), key=lambda d: d.meta.get("position", 0)
        )
        if not passages:
            raise DocumentNotFoundError(document_id)
        return DocumentSummary.from_meta(passages[0].meta, len(passages)).to_dict(), passages

    def health(self) -> dict[str, Any]:
        """Store kind, collection, document and passage counts.

        The counts are read once after each refresh (start-up, ingestion, a change seen by a search) and
        then served from memory, so /health neither scans the store nor waits for its lock. Until they
        are known (the store was unavailable), each call tries to read them, and fails as the store does.
        """
        counts = self._counts
        if counts is None:
            summaries = stored_documents(self.store)
            counts = (len(summaries), sum(s.passages for s in summaries.values()))
            self._counts = counts
        return {
            "store": "qdrant-server" if self.settings.store.qdrant_url else "qdrant-embedded",
            "collection": self.settings.store.collection,
            "documents": counts[0],
            "passages": counts[1],
        }

    def known_values(self) -> dict[str, dict[str, str]]:
        """Stored values per filter field, keyed by their lower-case form (for case-insensitive filters)."""
        if self._known is None:
            known: dict[str, dict[str, str]] = {f: {} for f in FILTER_NAMES}
            for summary in stored_documents(self.store).values():
                for f in FILTER_NAMES:
                    value = getattr(summary.info, f, None)
                    if value:
                        known[f][str(value).lower()] = str(value)
            self._known = known
        return self._known

    def corpus_terms(self) -> set[str]:
        """Every term (stem) that occurs in a stored passage or its metadata, to recognise unknown names."""
        if self._corpus_terms is None:
            self._read_vocabulary()
        assert self._corpus_terms is not None
        return self._corpus_terms

    def common_words(self) -> frozenset[str]:
        """Every word a stored passage writes in lower case, to tell titles ("Samen Veilig") from names."""
        if self._common_words is None:
            self._read_vocabulary()
        assert self._common_words is not None
        return self._common_words

    def _read_vocabulary(self) -> None:
        """Read the corpus vocabulary in one pass over the stored passages."""
        vocabulary: set[str] = set()
        contents: list[str] = []
        for passage in iter_passages(self.store):
            vocabulary.update(terms(text_with_context(passage)))
            contents.append(passage.content or "")
        self._corpus_terms = vocabulary
        self._common_words = lower_case_words(contents)
