"""The passage store interface, the records it reads and writes, and the logic both Qdrant engines share.

A store holds three collections: passages (dense + sparse vector, payload ``{"id", "content", "meta"}``
as qdrant-haystack wrote it), answer units (dense vector + payload, read by id) and one record per
document (the catalogue). :class:`QdrantStoreBase` implements the whole :class:`PassageStore` protocol on a
few engine primitives, so the embedded engine (``edge.py``) and a Qdrant server (``server.py``) store the
same points and run the same queries.

Writes follow one rule: a document's record is written last and names every point id the document owns,
so replacing or deleting a document deletes exactly its points by id (no filtered scan), and a crash
mid-way leaves a record whose counts do not match the passages (see
:meth:`QdrantStoreBase.inconsistent_documents`).
"""

from __future__ import annotations

import threading
import uuid
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np

# The domain error (HTTP 503, CLI message): the store cannot be opened, read or written.
from kb_core.errors import StoreUnavailableError

# qdrant-haystack's namespace (``haystack_integrations.document_stores.qdrant.converters.UUID_NAMESPACE``):
# a passage keeps the point id it had in a store written by today's ``ingest/store.py``.
POINT_ID_NAMESPACE = uuid.UUID("3896d314-1e95-4a3a-b45a-945f9f0b541d")

DENSE_VECTOR = "text-dense"
SPARSE_VECTOR = "text-sparse"

DEFAULT_KEYWORD_FIELDS: tuple[str, ...] = ("document_id", "region", "municipality", "doc_type")
DEFAULT_INTEGER_FIELDS: tuple[str, ...] = ("date_int", "year")
# Chosen by `python -m bench.scale` (bench/README.md, "Scale"): on the synthetic 100k store, the smallest
# search width whose top-10 agreement with exact search clears 0.97 by 0.01 with and without a region filter
# (0.987 / 0.993 at 192, over 121 questions). Graph builds vary: another build of the same store reached it
# at 128 already.
DEFAULT_HNSW_EF = 192
# The dense index, the same on both engines: HNSW m 32 / ef_construct 200 over int8 scalar-quantised
# vectors kept in RAM, rescored with the original vectors (twice the candidates). On the synthetic 100k store
# this found the exact top 10 as often as float HNSW m 16 / ef_construct 100 at a quarter of the time
# (bench/README.md, "Scale").
HNSW_M = 32
HNSW_EF_CONSTRUCT = 200
FULL_SCAN_THRESHOLD_KB = 10_000
QUANTILE = 0.99
OVERSAMPLING = 2.0
WRITE_BATCH = 256
# RRF gives equal scores to different rank pairs (1/(r/w + k) coincide); a few results more than asked are
# fetched so that ties at the cut are broken by passage id, the same way on both engines.
TIE_MARGIN = 5

PASSAGES, UNITS, DOCUMENTS = "passages", "units", "documents"
KINDS = (PASSAGES, UNITS, DOCUMENTS)

# Payload keys of a document record that only the store reads (excluded when the catalogue is read).
_ID_LISTS = ("passage_ids", "unit_ids")


def point_id(key: str) -> str:
    """The stable Qdrant point id of a passage, unit or document id (uuid5, qdrant-haystack's namespace)."""
    return str(uuid.uuid5(POINT_ID_NAMESPACE, key))


# --- records ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoreFilter:
    """Conditions on passage metadata, all ANDed; an empty filter matches everything.

    ``keywords``: field -> allowed values (any of them), e.g. ``{"region": ["Noordoost-Brabant"]}``.
    ``ranges``: integer field -> ``(gte, lte)``, either end open, e.g. ``{"date_int": (20230101, None)}``.
    """

    keywords: Mapping[str, Sequence[str]] = field(default_factory=dict)
    ranges: Mapping[str, tuple[int | None, int | None]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.keywords) or any(lo is not None or hi is not None for lo, hi in self.ranges.values())


@dataclass
class StoredPassage:
    """A passage as queries and scrolls return it."""

    id: str
    content: str
    meta: dict[str, Any]
    score: float | None = None
    dense_score: float | None = None  # cosine of the query and the passage vector (hybrid and dense queries)


@dataclass
class PassageRecord:
    """A passage to write: id ``document_id#position``, text, flat metadata and both vectors."""

    id: str
    content: str
    meta: dict[str, Any]
    dense: Sequence[float]
    sparse_indices: Sequence[int]
    sparse_values: Sequence[float]


@dataclass
class UnitRecord:
    """An answer unit (sentence, list item, table row) of a passage, embedded at ingest time."""

    id: str  # "<passage id>:<n>"
    passage_id: str
    document_id: str
    dense: Sequence[float]
    payload: dict[str, Any]


@dataclass
class DocumentRecord:
    """One per stored document (the catalogue); written last, after its passages and units."""

    document_id: str
    meta: dict[str, Any]
    passage_count: int
    unit_count: int
    vocabulary: list[str] = field(default_factory=list)
    lower_words: list[str] = field(default_factory=list)


@runtime_checkable
class PassageStore(Protocol):
    """What search, answering, the catalogue and ingestion need from the store."""

    kind: str  # "qdrant-embedded" | "qdrant-server"

    def write_document(
        self, record: DocumentRecord, passages: Sequence[PassageRecord], units: Sequence[UnitRecord] = ()
    ) -> None:
        """Replace the document: remove its old points by id, upsert the new ones, write the record last."""
        ...

    def delete_document(self, document_id: str) -> int:
        """Remove a document with its passages and units; returns passages removed (0 if unknown)."""
        ...

    def documents(self) -> dict[str, DocumentRecord]:
        """The catalogue: every committed document record, by document id (one read, no passage scan)."""
        ...

    def count(self, flt: StoreFilter | None = None) -> int:
        """Number of passages (matching the filter)."""
        ...

    def document_count(self) -> int:
        """Number of document records (the catalogue's size), without reading them."""
        ...

    def facet(self, field: str, flt: StoreFilter | None = None, limit: int = 100) -> dict[str, int]:
        """Passage counts per value of an indexed field, most frequent first."""
        ...

    def document_passages(self, document_id: str) -> list[StoredPassage]:
        """Every passage of a document, in position order."""
        ...

    def passages_by_id(self, ids: Sequence[str]) -> list[StoredPassage]:
        """The passages with these ids, in the order asked (unknown ids are left out)."""
        ...

    def hybrid(
        self,
        dense: Sequence[float],
        sparse_indices: Sequence[int],
        sparse_values: Sequence[float],
        *,
        weights: tuple[float, float] = (1.0, 1.0),
        flt: StoreFilter | None = None,
        limit: int = 10,
        candidates: int = 50,
        rrf_k: int = 60,
    ) -> list[StoredPassage]:
        """Sparse and dense prefetch with the same filter, fused by weighted RRF (weights = sparse, dense)."""
        ...

    def dense(
        self,
        dense: Sequence[float],
        *,
        flt: StoreFilter | None = None,
        limit: int = 10,
        fields: Sequence[str] | None = None,
    ) -> list[StoredPassage]:
        """Nearest passages by the dense vector (score = dense_score = cosine); ``fields``: only these metadata
        fields are read (no text), for callers that need ids and a few fields of many passages."""
        ...

    def sparse(
        self,
        indices: Sequence[int],
        values: Sequence[float],
        *,
        flt: StoreFilter | None = None,
        limit: int = 10,
        fields: Sequence[str] | None = None,
    ) -> list[StoredPassage]:
        """Best passages by the sparse vector (IDF-weighted dot product); ``fields`` as for :meth:`dense`."""
        ...

    def unit_vectors(self, unit_ids: Sequence[str]) -> dict[str, tuple[list[float], dict[str, Any]]]:
        """Answer-unit vectors with their payload, by unit id (unknown ids are left out)."""
        ...

    def optimize(self) -> None:
        """Build pending indexes (HNSW) after a batch of writes; a no-op where the engine does it itself."""
        ...

    def inconsistent_documents(self) -> list[str]:
        """Documents left half-written by an interrupted write (to re-ingest or delete)."""
        ...

    def close(self) -> None:
        """Release the store (idempotent); the embedded folder is free for other processes afterwards."""
        ...


# --- engine-neutral pieces the implementations share ----------------------------------------------


@dataclass(frozen=True)
class Condition:
    """One engine-neutral filter condition on a payload key (``meta.<field>``, ...)."""

    key: str
    any_of: tuple[Any, ...] | None = None
    gte: int | None = None
    lte: int | None = None


@dataclass
class Hit:
    """A point as an engine primitive returns it."""

    id: str
    payload: dict[str, Any]
    score: float | None = None
    dense: list[float] | None = None

    @classmethod
    def of(cls, point: Any) -> Hit:
        """A point of either engine (qdrant-edge or qdrant-client: the same attributes) as a Hit."""
        vector = point.vector if isinstance(point.vector, dict) else {}
        dense = vector.get(DENSE_VECTOR)
        return cls(
            id=str(point.id),
            payload=dict(point.payload or {}),
            score=getattr(point, "score", None),
            dense=dense if dense is None or isinstance(dense, list) else list(dense),
        )


def unit_vector(values: Sequence[float]) -> np.ndarray:
    """``values`` as float32, scaled to length 1 (a zero vector stays zero)."""
    vec = np.asarray(values, dtype=np.float32)
    norm = float(np.linalg.norm(vec))
    return vec / norm if norm > 0 else vec


class QdrantStoreBase(ABC):
    """:class:`PassageStore` on a few engine primitives; subclasses supply the primitives for one engine.

    ``hnsw_ef`` and ``exact`` are read per query, so a benchmark may change them on an open store.
    """

    kind: str = ""

    def __init__(
        self,
        *,
        dim: int,
        hnsw_ef: int,
        keyword_fields: Sequence[str],
        integer_fields: Sequence[str],
    ) -> None:
        if dim < 1:
            raise ValueError("dim must be positive")
        if "document_id" not in keyword_fields:
            raise ValueError("keyword_fields must include 'document_id'")
        self.dim = dim
        self.hnsw_ef = hnsw_ef
        self.exact = False
        self.keyword_fields = tuple(dict.fromkeys(keyword_fields))
        self.integer_fields = tuple(dict.fromkeys(integer_fields))
        overlap = set(self.keyword_fields) & set(self.integer_fields)
        if overlap:
            raise ValueError(f"fields both keyword and integer: {sorted(overlap)}")
        # One writer at a time: a document's replacement is several engine calls that must not interleave
        # with another replacement, a deletion or close(). Reads take no lock (see the subclass on why).
        self._write_lock = threading.RLock()
        self._closed = False

    # --- primitives ---------------------------------------------------------------------------------
    @abstractmethod
    def _upsert(self, kind: str, points: Sequence[tuple[str, dict[str, Any], dict[str, Any]]]) -> None:
        """Upsert ``(point id, vectors, payload)``; vectors: ``{"dense": [...], "sparse": (idx, vals)}``."""

    @abstractmethod
    def _delete(self, kind: str, point_ids: Sequence[str]) -> None:
        """Delete points by id (absent ids are ignored)."""

    @abstractmethod
    def _retrieve(
        self, kind: str, point_ids: Sequence[str], *, with_dense: bool = False, exclude: Sequence[str] = ()
    ) -> list[Hit]:
        """Points by id (absent ids are left out), payload without the ``exclude`` keys."""

    @abstractmethod
    def _scroll(
        self, kind: str, conditions: Sequence[Condition], *, exclude: Sequence[str] = ()
    ) -> list[Hit]:
        """Every point matching the conditions (through an index, never the whole collection on a request)."""

    # Counts and facets without a filter come from the engine's bookkeeping (point count, payload index
    # value counts): qdrant's "approximate" mode, which gave exactly the exact figures on the 100k store, also
    # after deletions, at 0.1 ms / 2 ms instead of 10 ms / 18 ms. With a filter they are exact.
    @abstractmethod
    def _count(self, kind: str, conditions: Sequence[Condition]) -> int:
        """Number of points matching the conditions."""

    @abstractmethod
    def _facet(self, key: str, conditions: Sequence[Condition], limit: int) -> list[tuple[Any, int]]:
        """Passage counts per value of an indexed key."""

    @abstractmethod
    def _query(
        self,
        *,
        dense: Sequence[float] | None,
        sparse: tuple[Sequence[int], Sequence[float]] | None,
        weights: Sequence[float] | None,
        conditions: Sequence[Condition],
        limit: int,
        candidates: int,
        rrf_k: int,
        with_dense: bool,
        include: Sequence[str] | None,
    ) -> list[Hit]:
        """Passages: RRF of the given legs (``weights`` set), or the single leg's own ranking (``None``);
        their dense vectors when ``with_dense``; only the ``include`` payload keys when given."""

    @abstractmethod
    def _close_engine(self) -> None:
        """Release the engine (called once)."""

    # --- filters ------------------------------------------------------------------------------------
    def conditions(self, flt: StoreFilter | None) -> list[Condition]:
        """The filter as engine-neutral conditions; ValueError for a field that has no payload index."""
        if not flt:
            return []
        out: list[Condition] = []
        for name, values in flt.keywords.items():
            if name not in self.keyword_fields:
                raise ValueError(f"no keyword index on '{name}' (indexed: {', '.join(self.keyword_fields)})")
            out.append(Condition(key=f"meta.{name}", any_of=tuple(str(v) for v in values)))
        for name, (lo, hi) in flt.ranges.items():
            if name not in self.integer_fields:
                raise ValueError(f"no integer index on '{name}' (indexed: {', '.join(self.integer_fields)})")
            if lo is not None or hi is not None:
                out.append(Condition(key=f"meta.{name}", gte=lo, lte=hi))
        return out

    # --- writing ------------------------------------------------------------------------------------
    def write_document(
        self, record: DocumentRecord, passages: Sequence[PassageRecord], units: Sequence[UnitRecord] = ()
    ) -> None:
        """Replace a document (see the module docstring for the order of the steps)."""
        doc_id = record.document_id
        if record.passage_count != len(passages) or record.unit_count != len(units):
            raise ValueError(
                f"record of '{doc_id}' counts {record.passage_count} passages / {record.unit_count} units, "
                f"given {len(passages)} / {len(units)}"
            )
        passage_points = [self._passage_point(doc_id, p) for p in passages]
        unit_points = [self._unit_point(doc_id, u) for u in units]
        new_pids = [p.id for p in passages]
        new_uids = [u.id for u in units]
        with self._write_lock:
            self._check_open()
            old = self._record_payload(doc_id)
            old_pids = list(old.get("passage_ids", [])) if old else []
            old_uids = list(old.get("unit_ids", [])) if old else []
            # 1. The record (the old one, or a stub) names old and new ids and says a write is under way:
            #    whatever a crash leaves behind is found and deleted by the next write or deletion.
            marker = dict(old) if old else {"document_id": doc_id, "committed": False}
            marker.update(
                passage_ids=_union(old_pids, new_pids), unit_ids=_union(old_uids, new_uids), writing=True
            )
            self._upsert(DOCUMENTS, [(point_id(doc_id), {}, marker)])
            # 2. Old points the new version does not overwrite.
            stale_p = sorted(set(old_pids) - set(new_pids))
            stale_u = sorted(set(old_uids) - set(new_uids))
            for batch in _batches([point_id(i) for i in stale_p], WRITE_BATCH):
                self._delete(PASSAGES, batch)
            for batch in _batches([point_id(i) for i in stale_u], WRITE_BATCH):
                self._delete(UNITS, batch)
            # 3. The new points, then 4. the record, last.
            for batch in _batches(passage_points, WRITE_BATCH):
                self._upsert(PASSAGES, batch)
            for batch in _batches(unit_points, WRITE_BATCH):
                self._upsert(UNITS, batch)
            final = {
                "document_id": doc_id,
                "meta": dict(record.meta),
                "passage_count": len(passages),
                "unit_count": len(units),
                "vocabulary": list(record.vocabulary),
                "lower_words": list(record.lower_words),
                "passage_ids": new_pids,
                "unit_ids": new_uids,
                "committed": True,
                "writing": False,
            }
            self._upsert(DOCUMENTS, [(point_id(doc_id), {}, final)])

    def delete_document(self, document_id: str) -> int:
        """Remove a document by the ids its record names; returns how many of its passages were stored."""
        with self._write_lock:
            self._check_open()
            old = self._record_payload(document_id)
            if old is None:
                return 0
            pids = [point_id(i) for i in old.get("passage_ids", [])]
            uids = [point_id(i) for i in old.get("unit_ids", [])]
            removed = sum(len(self._retrieve(PASSAGES, batch)) for batch in _batches(pids, 1024))
            for batch in _batches(pids, WRITE_BATCH):
                self._delete(PASSAGES, batch)
            for batch in _batches(uids, WRITE_BATCH):
                self._delete(UNITS, batch)
            self._delete(DOCUMENTS, [point_id(document_id)])
            return removed

    @abstractmethod
    def optimize(self) -> None:
        """Build pending indexes after a batch of writes (a no-op where the engine does it by itself)."""

    # --- reading ------------------------------------------------------------------------------------
    def documents(self) -> dict[str, DocumentRecord]:
        """Every committed document record (a record whose rewrite is under way still shows its old state)."""
        self._check_open()
        out: dict[str, DocumentRecord] = {}
        for hit in self._scroll(DOCUMENTS, [], exclude=_ID_LISTS):
            payload = hit.payload
            if not payload.get("committed"):
                continue
            out[payload["document_id"]] = DocumentRecord(
                document_id=payload["document_id"],
                meta=dict(payload.get("meta") or {}),
                passage_count=int(payload.get("passage_count", 0)),
                unit_count=int(payload.get("unit_count", 0)),
                vocabulary=list(payload.get("vocabulary") or []),
                lower_words=list(payload.get("lower_words") or []),
            )
        return dict(sorted(out.items()))

    def inconsistent_documents(self) -> list[str]:
        """Documents left half-written (a crash during a write): rewrite or delete them.

        One read of the catalogue and one facet; meant for start-up checks and ``kb`` commands.
        """
        self._check_open()
        bad: set[str] = set()
        counts: dict[str, int] = {}
        for hit in self._scroll(DOCUMENTS, [], exclude=(*_ID_LISTS, "vocabulary", "lower_words")):
            payload = hit.payload
            if payload.get("writing") or not payload.get("committed"):
                bad.add(payload["document_id"])
            counts[payload["document_id"]] = int(payload.get("passage_count", 0))
        stored = dict(self._facet("meta.document_id", [], max(len(counts), 1) * 2 + 100))
        for doc_id, n in stored.items():
            if counts.get(str(doc_id)) != n:
                bad.add(str(doc_id))
        bad.update(d for d, n in counts.items() if n and d not in stored)
        return sorted(bad)

    def count(self, flt: StoreFilter | None = None) -> int:
        """Number of passages matching the filter (payload index, exact)."""
        self._check_open()
        return self._count(PASSAGES, self.conditions(flt))

    def document_count(self) -> int:
        """Number of document records (a record whose first write was interrupted included)."""
        self._check_open()
        return self._count(DOCUMENTS, [])

    def facet(self, field: str, flt: StoreFilter | None = None, limit: int = 100) -> dict[str, int]:
        """Passage counts per value of an indexed field, most frequent first (ties by value)."""
        if field not in self.keyword_fields and field not in self.integer_fields:
            raise ValueError(f"no payload index on '{field}'")
        self._check_open()
        hits = self._facet(f"meta.{field}", self.conditions(flt), limit)
        hits.sort(key=lambda hc: (-hc[1], str(hc[0])))
        return {str(value): int(n) for value, n in hits[:limit]}

    def document_passages(self, document_id: str) -> list[StoredPassage]:
        """Every passage of a document (keyword index on document_id), in position order."""
        self._check_open()
        hits = self._scroll(PASSAGES, [Condition(key="meta.document_id", any_of=(document_id,))])
        passages = [self._stored(h) for h in hits]
        passages.sort(key=lambda p: (p.meta.get("position", 0), p.id))
        return passages

    def passages_by_id(self, ids: Sequence[str]) -> list[StoredPassage]:
        """Passages by id, in the order asked."""
        self._check_open()
        if not ids:
            return []
        found = {}
        for hit in self._retrieve(PASSAGES, [point_id(i) for i in dict.fromkeys(ids)]):
            passage = self._stored(hit)
            found[passage.id] = passage
        return [found[i] for i in ids if i in found]

    def hybrid(
        self,
        dense: Sequence[float],
        sparse_indices: Sequence[int],
        sparse_values: Sequence[float],
        *,
        weights: tuple[float, float] = (1.0, 1.0),
        flt: StoreFilter | None = None,
        limit: int = 10,
        candidates: int = 50,
        rrf_k: int = 60,
    ) -> list[StoredPassage]:
        """Weighted RRF of a sparse and a dense prefetch; no sparse terms -> the dense prefetch alone (RRF)."""
        self._check_dense(dense)
        self._check_open()
        sparse = (list(sparse_indices), list(sparse_values)) if len(sparse_indices) else None
        fused_weights = [float(weights[0]), float(weights[1])] if sparse else [float(weights[1])]
        hits = self._query(
            dense=dense,
            sparse=sparse,
            weights=fused_weights,
            conditions=self.conditions(flt),
            limit=limit + TIE_MARGIN,
            candidates=max(candidates, limit),
            rrf_k=rrf_k,
            with_dense=True,  # dense_score of each fused passage (the fusion's score is a rank vote)
            include=None,
        )
        return self._scored(hits, dense)[:limit]

    def dense(
        self,
        dense: Sequence[float],
        *,
        flt: StoreFilter | None = None,
        limit: int = 10,
        fields: Sequence[str] | None = None,
    ) -> list[StoredPassage]:
        """Nearest passages by cosine: the score is the cosine (on the original vectors, rescored), so no
        vector is read back."""
        self._check_dense(dense)
        self._check_open()
        hits = self._query(
            dense=dense,
            sparse=None,
            weights=None,
            conditions=self.conditions(flt),
            limit=limit,
            candidates=limit,
            rrf_k=0,
            with_dense=False,
            include=_include(fields),
        )
        passages = self._scored(hits, None)
        for passage in passages:
            passage.dense_score = passage.score
        return passages

    def sparse(
        self,
        indices: Sequence[int],
        values: Sequence[float],
        *,
        flt: StoreFilter | None = None,
        limit: int = 10,
        fields: Sequence[str] | None = None,
    ) -> list[StoredPassage]:
        """Best passages by the IDF-weighted sparse dot product (no terms -> nothing)."""
        self._check_open()
        if not len(indices):
            return []
        hits = self._query(
            dense=None,
            sparse=(list(indices), list(values)),
            weights=None,
            conditions=self.conditions(flt),
            limit=limit,
            candidates=limit,
            rrf_k=0,
            with_dense=False,
            include=_include(fields),
        )
        return self._scored(hits, None)

    def unit_vectors(self, unit_ids: Sequence[str]) -> dict[str, tuple[list[float], dict[str, Any]]]:
        """Unit vectors (unit length) and payloads by unit id."""
        self._check_open()
        out: dict[str, tuple[list[float], dict[str, Any]]] = {}
        wanted = list(dict.fromkeys(unit_ids))
        for batch in _batches([point_id(u) for u in wanted], 1024):
            for hit in self._retrieve(UNITS, batch, with_dense=True):
                payload = dict(hit.payload)
                unit_id = payload.pop("id")
                out[unit_id] = (list(hit.dense or []), payload.get("payload", {}))
        return {u: out[u] for u in wanted if u in out}

    def close(self) -> None:
        """Release the engine; later calls raise StoreUnavailableError."""
        with self._write_lock:
            if self._closed:
                return
            self._closed = True
            self._close_engine()

    def __enter__(self) -> QdrantStoreBase:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- helpers ------------------------------------------------------------------------------------
    def _check_open(self) -> None:
        if self._closed:
            raise StoreUnavailableError(f"the {self.kind} store is closed")

    def _check_dense(self, dense: Sequence[float]) -> None:
        if len(dense) != self.dim:
            raise ValueError(f"dense vector has {len(dense)} dimensions, the store {self.dim}")

    def _record_payload(self, document_id: str) -> dict[str, Any] | None:
        hits = self._retrieve(DOCUMENTS, [point_id(document_id)])
        return dict(hits[0].payload) if hits else None

    def _passage_point(self, doc_id: str, p: PassageRecord) -> tuple[str, dict[str, Any], dict[str, Any]]:
        self._check_dense(p.dense)
        if len(p.sparse_indices) != len(p.sparse_values):
            raise ValueError(f"passage {p.id}: sparse indices and values differ in length")
        meta = dict(p.meta)
        if meta.setdefault("document_id", doc_id) != doc_id:
            raise ValueError(f"passage {p.id} belongs to '{meta['document_id']}', not '{doc_id}'")
        vectors: dict[str, Any] = {"dense": [float(x) for x in p.dense]}
        if len(p.sparse_indices):
            vectors["sparse"] = ([int(i) for i in p.sparse_indices], [float(v) for v in p.sparse_values])
        return point_id(p.id), vectors, {"id": p.id, "content": p.content, "meta": meta}

    def _unit_point(self, doc_id: str, u: UnitRecord) -> tuple[str, dict[str, Any], dict[str, Any]]:
        self._check_dense(u.dense)
        if u.document_id != doc_id:
            raise ValueError(f"unit {u.id} belongs to '{u.document_id}', not '{doc_id}'")
        payload = {"id": u.id, "passage_id": u.passage_id, "document_id": u.document_id, "payload": u.payload}
        return point_id(u.id), {"dense": [float(x) for x in u.dense]}, payload

    @staticmethod
    def _stored(hit: Hit) -> StoredPassage:
        payload = hit.payload
        return StoredPassage(
            id=str(payload.get("id", hit.id)),
            content=payload.get("content") or "",
            meta=dict(payload.get("meta") or {}),
            score=hit.score,
        )

    def _scored(self, hits: list[Hit], dense: Sequence[float] | None) -> list[StoredPassage]:
        """Results best first, equal scores by passage id (engines order ties differently); with the query
        vector, each passage's ``dense_score`` from its returned vector (one matrix product for all)."""
        hits = sorted(hits, key=lambda h: (-round(h.score or 0.0, 8), str(h.payload.get("id", h.id))))
        out = [self._stored(hit) for hit in hits]
        with_vector = [i for i, hit in enumerate(hits) if hit.dense is not None]
        if dense is not None and with_vector:
            matrix = np.asarray([hits[i].dense for i in with_vector], dtype=np.float32)
            norms = np.linalg.norm(matrix, axis=1)
            cosines = (matrix @ unit_vector(dense)) / np.where(norms > 0, norms, 1.0)
            for i, cosine in zip(with_vector, cosines.tolist(), strict=True):
                out[i].dense_score = float(cosine)
        return out


def _include(fields: Sequence[str] | None) -> list[str] | None:
    """The payload keys that hold a passage's id and the given metadata fields (None: the whole payload)."""
    return None if fields is None else ["id", *(f"meta.{f}" for f in fields)]


def _union(first: Sequence[str], second: Sequence[str]) -> list[str]:
    return list(dict.fromkeys([*first, *second]))


def _batches(items: Sequence[Any], size: int) -> Iterator[list[Any]]:
    for i in range(0, len(items), size):
        yield list(items[i : i + size])
