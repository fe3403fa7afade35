"""What the knowledge base holds: documents, their passages, filter values, vocabulary and health.

Everything here comes from the store's catalogue (one record per document, written by ingestion) and its
payload indexes: no request scans the passages.
"""

from __future__ import annotations

import threading
from typing import Any

from haystack import Document

from ingest.store import PassageStore, document_summary, to_document, union
from kb_core.domain import FILTER_NAMES, DocumentSummary
from kb_core.errors import DocumentNotFoundError
from kb_core.lang.regions import canonical_region
from kb_core.settings import Settings
from kb_core.text.analysis import fold
from kb_core.text.spelling import load_lexicon, suggestion


class CatalogueService:
    """The stored documents and what is derived from them, cached until the store changes."""

    def __init__(self, settings: Settings, store: PassageStore) -> None:
        self.settings = settings
        self.store = store
        self._known: dict[str, dict[str, str]] | None = None
        self._corpus_terms: set[str] | None = None
        self._common_words: frozenset[str] | None = None
        self._written: dict[str, str] | None = None
        self._cached_count: int | None = None
        self._lock = threading.Lock()

    def refresh(self) -> None:
        """Forget cached document metadata and vocabulary (call after ingestion)."""
        with self._lock:
            self._known = None
            self._corpus_terms = None
            self._common_words = None
            self._written = None

    def refresh_if_changed(self) -> None:
        """Drop the caches when the store changed underneath (another process ingested into a Qdrant server)."""
        count = self.store.count()
        if count != self._cached_count:
            self.refresh()
            self._cached_count = count

    def summaries(self) -> dict[str, DocumentSummary]:
        """The catalogue: one summary per stored document."""
        return {doc_id: document_summary(record) for doc_id, record in self.store.documents().items()}

    def documents(self) -> list[dict[str, Any]]:
        """Every stored document's metadata and passage count, newest first."""
        docs = [summary.to_dict() for summary in self.summaries().values()]
        return sorted(docs, key=lambda d: (d.get("date") or "", d["document_id"]), reverse=True)

    def document(self, document_id: str) -> tuple[dict[str, Any], list[Document]]:
        """A document's metadata and its passages in reading order."""
        passages = [to_document(p) for p in self.store.document_passages(document_id)]
        if not passages:
            raise DocumentNotFoundError(document_id)
        return DocumentSummary.from_meta(passages[0].meta, len(passages)).to_dict(), passages

    def health(self) -> dict[str, Any]:
        """Store kind and document and passage counts, from the store's bookkeeping (no scan, no lock)."""
        return {
            "store": self.store.kind,
            "collection": self.settings.store.collection,
            "documents": self.store.document_count(),
            "passages": self.store.count(),
        }

    # Each reader below works on its own reference: a refresh() from the write-job thread may drop the cache
    # between its check and its return, and must never make it return None.
    def known_values(self) -> dict[str, dict[str, str]]:
        """Stored values per filter field, keyed by their lower-case form (for case-insensitive filters)."""
        known = self._known
        if known is None:
            known = {
                f: {str(value).lower(): str(value) for value in self.store.facet(f, limit=10_000)}
                for f in FILTER_NAMES
            }
            self._known = known
        return known

    def stored_region(self, name: str) -> str | None:
        """The stored spelling of a region named in any case or by an alias ("arnhem-achterhoek"), or None
        when no document has it ("Utrecht")."""
        return self.known_values()["region"].get((canonical_region(name) or name).lower())

    def corpus_terms(self) -> set[str]:
        """Every term (stem) that occurs in a stored passage or its metadata, to recognise unknown names."""
        terms = self._corpus_terms
        return terms if terms is not None else self._read_vocabulary()[0]

    def common_words(self) -> frozenset[str]:
        """Every word a stored passage writes in lower case, to tell titles ("Samen Veilig") from names."""
        words = self._common_words
        return words if words is not None else self._read_vocabulary()[1]

    def word_lists(self) -> tuple[frozenset[str], frozenset[str]]:
        """The Dutch and English word lists of the spelling suggestions (read once; empty when missing)."""
        search = self.settings.search
        return load_lexicon(search.spelling_lexicon), load_lexicon(search.spelling_english_words)

    def spelling_suggestion(self, query: str) -> str | None:
        """The query with its typing errors mended from the corpus's words (``kb_core.text.spelling``), or None:
        none when the Dutch word list of ``search.spelling_lexicon`` is missing."""
        dutch, english = self.word_lists()
        if not dutch:
            return None
        written = self._written
        if written is None:
            # Folded form -> as the documents write it, so a suggestion keeps the accents ("coördinatie").
            written = self._written = {fold(w): w for w in sorted(self.common_words())}
        return suggestion(query, self.corpus_terms(), written, (dutch, english))

    def _read_vocabulary(self) -> tuple[set[str], frozenset[str]]:
        """The corpus vocabulary: the union of the document records' vocabularies (one catalogue read)."""
        records = list(self.store.documents().values())
        terms, words = union(r.vocabulary for r in records), frozenset(union(r.lower_words for r in records))
        self._corpus_terms, self._common_words = terms, words
        return terms, words
