"""The embedded passage store: qdrant-edge-py (Qdrant's in-process Rust engine) in one folder.

Layout: ``<path>/store.json`` (format, vector size) and one edge shard per collection:
``passages/`` (dense vector on HNSW, sparse vector with the IDF modifier, payload indexes on every
filter field), ``units/`` (dense vectors read by id only, so no graph is built: ``m=0``) and
``documents/`` (the catalogue, payload only). Payloads are kept in RAM (``Memory.Cached``).

Threads and processes, as measured with qdrant-edge-py 0.9.0 (see also ``bench/README.md``):

- Every ``EdgeShard`` method holds the GIL for the whole call (a 97 ms ``query_batch`` in one thread let
  another Python thread run 0 times). Calls from the API's worker threads therefore run one at a time and
  each is atomic; the Rust shard is synchronised inside as well (segment holder lock, WAL mutex). So single
  engine calls take no lock here. Only multi-call operations need one: replacing or deleting a document
  and ``close()`` hold the base class's write lock, so they never interleave; readers take no lock and see
  either the old or the new version of each point.
- The flip side: a long call stalls every Python thread of the process (the event loop too).
  ``optimize()`` (building the HNSW graph, minutes at 100k passages on 2 cores) belongs in the ingesting
  command, not in a request; queries take milliseconds.
- A folder can be open in one ``EdgeShard`` only: the WAL is file-locked, so a second open (another process
  or the same one) fails with "Can't init WAL: ... WouldBlock"; that is reported as
  :class:`StoreUnavailableError`.
- ``close()`` drops the shard (it flushes); a later call on a closed shard raises "Shard is not initialized".
- New points land in an appendable segment that is searched exactly; ``optimize()`` indexes segments above
  the indexing threshold (about 10 MB of vectors) and merges small ones. Writes stay cheap whatever the
  size of the store; call ``optimize()`` after an ingestion run.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import qdrant_edge as qe

from ingest.stores.base import (
    DEFAULT_HNSW_EF,
    DEFAULT_INTEGER_FIELDS,
    DEFAULT_KEYWORD_FIELDS,
    DENSE_VECTOR,
    FULL_SCAN_THRESHOLD_KB,
    HNSW_EF_CONSTRUCT,
    HNSW_M,
    KINDS,
    OVERSAMPLING,
    PASSAGES,
    QUANTILE,
    SPARSE_VECTOR,
    UNITS,
    Condition,
    Hit,
    QdrantStoreBase,
    StoreUnavailableError,
)

logger = logging.getLogger(__name__)

STORE_FORMAT = "via-kennisbank-store"
STORE_VERSION = 1
MARKER_FILE = "store.json"
SCROLL_PAGE = 1024

T = TypeVar("T")


def is_embedded_store(path: Path) -> bool:
    """True when ``path`` holds a store written by this module."""
    return (path / MARKER_FILE).is_file()


class EdgePassageStore(QdrantStoreBase):
    """:class:`~ingest.stores.base.PassageStore` on qdrant-edge shards in ``path`` (created on first open)."""

    kind = "qdrant-embedded"

    def __init__(
        self,
        path: str | Path,
        *,
        dim: int = 384,
        hnsw_ef: int = DEFAULT_HNSW_EF,
        keyword_fields: Sequence[str] = DEFAULT_KEYWORD_FIELDS,
        integer_fields: Sequence[str] = DEFAULT_INTEGER_FIELDS,
        search_threads: int | None = None,
    ) -> None:
        super().__init__(
            dim=dim, hnsw_ef=hnsw_ef, keyword_fields=keyword_fields, integer_fields=integer_fields
        )
        self.path = Path(path)
        self.search_threads = search_threads
        self._shards: dict[str, qe.EdgeShard] = {}
        try:
            self._open()
        except BaseException:
            self._release()
            raise

    # --- opening ------------------------------------------------------------------------------------
    def _open(self) -> None:
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            marker = self.path / MARKER_FILE
            if marker.is_file():
                info = json.loads(marker.read_text(encoding="utf-8"))
            else:
                if (self.path / "meta.json").is_file() and (self.path / "collection").is_dir():
                    raise StoreUnavailableError(
                        f"{self.path} holds a store of the old local mode; migrate it first "
                        "(ingest.stores.migrate.migrate_local_store, 'kb migrate')"
                    )
                if any(p.name not in KINDS for p in self.path.iterdir()):
                    raise StoreUnavailableError(
                        f"{self.path} is not empty and holds no ViA store; choose another folder"
                    )
                info = {
                    "format": STORE_FORMAT,
                    "version": STORE_VERSION,
                    "engine": "qdrant-edge",
                    "dim": self.dim,
                }
                marker.write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
        except OSError as exc:
            raise StoreUnavailableError(f"cannot open the store folder {self.path}: {exc}") from exc
        except ValueError as exc:
            raise StoreUnavailableError(f"{marker} is damaged: {exc}") from exc
        if info.get("format") != STORE_FORMAT or int(info.get("version", 0)) > STORE_VERSION:
            raise StoreUnavailableError(f"{marker} describes an unknown store format: {info}")
        if int(info.get("dim", 0)) != self.dim:
            raise StoreUnavailableError(
                f"the store at {self.path} holds {info.get('dim')}-d vectors, not {self.dim}-d "
                "(another embedder?); re-ingest into a new folder"
            )
        for kind in KINDS:
            self._shards[kind] = self._open_shard(kind)
        self._ensure_indexes()

    def _config(self, kind: str) -> qe.EdgeConfig:
        common: dict[str, Any] = {
            "payload_memory": qe.Memory.Cached,
            "max_search_threads": self.search_threads,
        }
        if kind == PASSAGES:
            return qe.EdgeConfig(
                vectors={DENSE_VECTOR: qe.EdgeVectorParams(size=self.dim, distance=qe.Distance.Cosine)},
                sparse_vectors={SPARSE_VECTOR: qe.EdgeSparseVectorParams(modifier=qe.Modifier.Idf)},
                hnsw_config=qe.HnswIndexConfig(
                    m=HNSW_M, ef_construct=HNSW_EF_CONSTRUCT, full_scan_threshold=FULL_SCAN_THRESHOLD_KB
                ),
                quantization_config=qe.ScalarQuantizationConfig(
                    type=qe.ScalarType.Int8, quantile=QUANTILE, memory=qe.Memory.Pinned
                ),
                **common,
            )
        if kind == UNITS:
            # Read by id only: m=0 builds no graph.
            return qe.EdgeConfig(
                vectors={DENSE_VECTOR: qe.EdgeVectorParams(size=self.dim, distance=qe.Distance.Cosine)},
                hnsw_config=qe.HnswIndexConfig(
                    m=0, ef_construct=HNSW_EF_CONSTRUCT, full_scan_threshold=FULL_SCAN_THRESHOLD_KB
                ),
                **common,
            )
        # An edge shard needs a vector config; document records carry no vector.
        return qe.EdgeConfig(sparse_vectors={"none": qe.EdgeSparseVectorParams()}, **common)

    def _open_shard(self, kind: str) -> qe.EdgeShard:
        folder = self.path / kind
        exists = (folder / "edge_config.json").is_file()
        try:
            if exists:
                return qe.EdgeShard.load(str(folder), self._config(kind))
            return qe.EdgeShard.create(str(folder), self._config(kind))
        except Exception as exc:
            hint = (
                " (is another process, e.g. 'kb serve', using the same store folder?)"
                if "WouldBlock" in str(exc)
                else ""
            )
            raise StoreUnavailableError(f"cannot open the embedded store at {folder}: {exc}{hint}") from exc

    def _ensure_indexes(self) -> None:
        shard = self._shards[PASSAGES]
        have = set(self._call("read the index list", lambda: shard.info().payload_schema))
        wanted: dict[str, Any] = {f"meta.{f}": qe.PayloadSchemaType.Keyword for f in self.keyword_fields}
        wanted |= {f"meta.{f}": qe.IntegerIndexParams(lookup=True, range=True) for f in self.integer_fields}
        for key, schema in wanted.items():
            if key not in have:
                op = qe.UpdateOperation.create_field_index(key, schema)
                self._call(f"create the payload index {key}", partial(shard.update, op))

    # --- primitives ---------------------------------------------------------------------------------
    def _call(self, what: str, fn: Callable[[], T]) -> T:
        self._check_open()
        try:
            return fn()
        except Exception as exc:
            raise StoreUnavailableError(f"embedded store at {self.path}: cannot {what}: {exc}") from exc

    def _filter(self, conditions: Sequence[Condition]) -> qe.Filter | None:
        if not conditions:
            return None
        must: list[Any] = []
        for c in conditions:
            if c.any_of is not None:
                match: Any = (
                    qe.MatchValue(value=c.any_of[0])
                    if len(c.any_of) == 1
                    else qe.MatchAny(any=list(c.any_of))
                )
                must.append(qe.FieldCondition(key=c.key, match=match))
            else:
                must.append(qe.FieldCondition(key=c.key, range=qe.RangeFloat(gte=c.gte, lte=c.lte)))
        return qe.Filter(must=must)

    @staticmethod
    def _vectors(vectors: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if "dense" in vectors:
            out[DENSE_VECTOR] = vectors["dense"]
        if "sparse" in vectors:
            indices, values = vectors["sparse"]
            out[SPARSE_VECTOR] = qe.SparseVector(indices=indices, values=values)
        return out

    @staticmethod
    def _payload_selector(exclude: Sequence[str]) -> Any:
        return qe.PayloadSelector.Exclude(list(exclude)) if exclude else True

    def _upsert(self, kind: str, points: Sequence[tuple[str, dict[str, Any], dict[str, Any]]]) -> None:
        op = qe.UpdateOperation.upsert_points(
            [qe.Point(pid, self._vectors(vectors), payload) for pid, vectors, payload in points]
        )
        self._call(f"write to {kind}", lambda: self._shards[kind].update(op))

    def _delete(self, kind: str, point_ids: Sequence[str]) -> None:
        if point_ids:
            op = qe.UpdateOperation.delete_points(list(point_ids))
            self._call(f"delete from {kind}", lambda: self._shards[kind].update(op))

    def _retrieve(
        self, kind: str, point_ids: Sequence[str], *, with_dense: bool = False, exclude: Sequence[str] = ()
    ) -> list[Hit]:
        if not point_ids:
            return []
        with_vector: Any = [DENSE_VECTOR] if with_dense else False
        records = self._call(
            f"read from {kind}",
            lambda: self._shards[kind].retrieve(
                list(point_ids), self._payload_selector(exclude), with_vector
            ),
        )
        return [Hit.of(r) for r in records]

    def _scroll(
        self, kind: str, conditions: Sequence[Condition], *, exclude: Sequence[str] = ()
    ) -> list[Hit]:
        shard = self._shards[kind]
        flt = self._filter(conditions)
        hits: list[Hit] = []
        offset: Any = None
        while True:
            request = qe.ScrollRequest(
                offset=offset,
                limit=SCROLL_PAGE,
                filter=flt,
                with_payload=self._payload_selector(exclude),
                with_vector=False,
            )
            records, offset = self._call(f"scroll {kind}", partial(shard.scroll, request))
            hits.extend(Hit.of(r) for r in records)
            if offset is None:
                return hits

    def _count(self, kind: str, conditions: Sequence[Condition]) -> int:
        request = qe.CountRequest(exact=bool(conditions), filter=self._filter(conditions))
        return int(self._call(f"count {kind}", lambda: self._shards[kind].count(request)))

    def _facet(self, key: str, conditions: Sequence[Condition], limit: int) -> list[tuple[Any, int]]:
        flt = self._filter(conditions)
        request = qe.FacetRequest(key=key, limit=limit, exact=bool(conditions), filter=flt)
        response = self._call(f"facet {key}", lambda: self._shards[PASSAGES].facet(request))
        return [(hit.value, int(hit.count)) for hit in response]

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
        flt = self._filter(conditions)
        params = qe.SearchParams(
            hnsw_ef=self.hnsw_ef,
            exact=self.exact,
            quantization=qe.QuantizationSearchParams(rescore=True, oversampling=OVERSAMPLING),
        )
        payload: Any = qe.PayloadSelector.Include(list(include)) if include is not None else True
        vectors: Any = [DENSE_VECTOR] if with_dense else False
        legs: list[tuple[Any, Any]] = []  # (query, params), sparse first
        if sparse is not None:
            vector = qe.SparseVector(indices=list(sparse[0]), values=list(sparse[1]))
            legs.append((qe.Query.Nearest(vector, using=SPARSE_VECTOR), None))
        if dense is not None:
            legs.append((qe.Query.Nearest([float(x) for x in dense], using=DENSE_VECTOR), params))
        if weights is None:
            [(query, leg_params)] = legs
            request = qe.QueryRequest(
                limit=limit,
                query=query,
                filter=flt,
                params=leg_params,
                with_payload=payload,
                with_vector=vectors,
            )
        else:
            prefetches = [
                qe.Prefetch(limit=candidates, query=query, filter=flt, params=leg_params)
                for query, leg_params in legs
            ]
            request = qe.QueryRequest(
                limit=limit,
                prefetches=prefetches,
                query=qe.Fusion.Rrf(k=rrf_k, weights=list(weights)),  # type: ignore[arg-type]  # stub names Fusion only
                with_payload=payload,
                with_vector=vectors,
            )
        points = self._call("search passages", lambda: self._shards[PASSAGES].query(request))
        return [Hit.of(p) for p in points]

    # --- maintenance --------------------------------------------------------------------------------
    def optimize(self) -> None:
        """Build the HNSW graph and merge segments (blocks the process's Python threads while it runs)."""
        with self._write_lock:
            for kind in KINDS:
                self._call(f"optimize {kind}", self._shards[kind].optimize)

    def flush(self) -> None:
        """Write everything to disk now (close() does it too)."""
        for kind in KINDS:
            self._call(f"flush {kind}", self._shards[kind].flush)

    def segment_info(self) -> dict[str, dict[str, int]]:
        """Points, indexed vectors and segments per shard (for benchmarks and diagnostics)."""
        out = {}
        for kind in KINDS:
            info = self._call(f"describe {kind}", self._shards[kind].info)
            out[kind] = {
                "points": int(info.points_count),
                "indexed_vectors": int(info.indexed_vectors_count),
                "segments": int(info.segments_count),
            }
        return out

    def _close_engine(self) -> None:
        errors = self._release()
        if errors:
            raise StoreUnavailableError(
                f"closing the embedded store at {self.path} failed: {errors[0]}"
            ) from errors[0]

    def _release(self) -> list[Exception]:
        errors: list[Exception] = []
        for kind in list(self._shards):
            shard = self._shards.pop(kind)
            try:
                shard.close()
            except Exception as exc:
                errors.append(exc)
        return errors
