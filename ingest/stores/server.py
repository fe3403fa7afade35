"""The passage store on a Qdrant server or cluster (``QDRANT_URL``), through qdrant-client.

Same schema and queries as the embedded store: three collections ``<prefix>_passages`` (dense ``text-dense``
on HNSW m 32 / ef_construct 200 over int8-quantised vectors with rescoring, sparse ``text-sparse`` with the
IDF modifier, keyword and integer payload indexes on ``meta.<field>``), ``<prefix>_units`` (no graph: m 0)
and ``<prefix>_documents`` (no vectors), payload in RAM. ``<prefix>_passages`` has the layout qdrant-haystack gave today's collection
``via_passages`` (vector names, payload, point ids), so an existing server collection is used as it is and
only needs its catalogue (``ingest.stores.migrate.build_catalogue``).

qdrant-client's in-process modes (``location=":memory:"`` or ``path=``) have the same API and serve as the
test engine; they are not thread-safe, so there every call holds a lock. A remote client is thread-safe.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from functools import partial
from typing import Any, TypeVar

from qdrant_client import QdrantClient
from qdrant_client import models as qm

from ingest.stores.base import (
    DEFAULT_HNSW_EF,
    DEFAULT_INTEGER_FIELDS,
    DEFAULT_KEYWORD_FIELDS,
    DENSE_VECTOR,
    DOCUMENTS,
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

SCROLL_PAGE = 1024
T = TypeVar("T")


class ServerPassageStore(QdrantStoreBase):
    """:class:`~ingest.stores.base.PassageStore` on a Qdrant server (``url``) or an in-process client.

    Give ``url`` (and ``api_key``) for a server; ``location=":memory:"`` or ``path=`` for qdrant-client's
    in-process mode (tests). Collections are created on first open.
    """

    kind = "qdrant-server"

    def __init__(
        self,
        url: str | None = None,
        *,
        api_key: str | None = None,
        location: str | None = None,
        path: str | None = None,
        prefix: str = "via",
        dim: int = 384,
        hnsw_ef: int = DEFAULT_HNSW_EF,
        keyword_fields: Sequence[str] = DEFAULT_KEYWORD_FIELDS,
        integer_fields: Sequence[str] = DEFAULT_INTEGER_FIELDS,
        timeout: int = 30,
    ) -> None:
        super().__init__(
            dim=dim, hnsw_ef=hnsw_ef, keyword_fields=keyword_fields, integer_fields=integer_fields
        )
        if sum(x is not None for x in (url, location, path)) != 1:
            raise ValueError("give exactly one of url, location, path")
        self.url = url
        self.where = url or location or path or ""
        self.prefix = prefix
        self.collections = {kind: f"{prefix}_{kind}" for kind in KINDS}
        self._local = url is None
        self._lock: AbstractContextManager[Any] = threading.RLock() if self._local else nullcontext()
        try:
            if url is not None:
                self._client = QdrantClient(url=url, api_key=api_key, timeout=timeout)
            elif location is not None:
                self._client = QdrantClient(location=location)
            else:
                self._client = QdrantClient(path=path, force_disable_check_same_thread=True)
        except Exception as exc:
            raise StoreUnavailableError(f"cannot open the Qdrant store at {self.where}: {exc}") from exc
        try:
            self._ensure_collections()
        except BaseException:
            self._client.close()
            raise

    @property
    def existed(self) -> bool:
        """True when the passages collection was there before this store opened it."""
        return self._existed

    # --- schema -------------------------------------------------------------------------------------
    def _ensure_collections(self) -> None:
        client = self._client
        names = {c.name for c in self._call("list collections", lambda: client.get_collections().collections)}
        self._existed = self.collections[PASSAGES] in names
        self.catalogue_existed = self.collections[DOCUMENTS] in names
        hnsw = qm.HnswConfigDiff(
            m=HNSW_M, ef_construct=HNSW_EF_CONSTRUCT, full_scan_threshold=FULL_SCAN_THRESHOLD_KB
        )
        int8 = qm.ScalarQuantization(
            scalar=qm.ScalarQuantizationConfig(type=qm.ScalarType.INT8, quantile=QUANTILE, always_ram=True)
        )
        specs: dict[str, dict[str, Any]] = {
            PASSAGES: {
                "vectors_config": {DENSE_VECTOR: qm.VectorParams(size=self.dim, distance=qm.Distance.COSINE)},
                "sparse_vectors_config": {SPARSE_VECTOR: qm.SparseVectorParams(modifier=qm.Modifier.IDF)},
                "hnsw_config": hnsw,
                "quantization_config": int8,
            },
            UNITS: {
                "vectors_config": {DENSE_VECTOR: qm.VectorParams(size=self.dim, distance=qm.Distance.COSINE)},
                "hnsw_config": qm.HnswConfigDiff(m=0),
            },
            DOCUMENTS: {"vectors_config": {}},
        }
        for kind, spec in specs.items():
            name = self.collections[kind]
            if name not in names:
                self._call(
                    f"create {name}", partial(client.create_collection, name, on_disk_payload=False, **spec)
                )
        self._check_dim()
        schema = self._call(
            "read the payload schema",
            lambda: client.get_collection(self.collections[PASSAGES]).payload_schema,
        )
        wanted = {f"meta.{f}": qm.PayloadSchemaType.KEYWORD for f in self.keyword_fields}
        wanted |= {f"meta.{f}": qm.PayloadSchemaType.INTEGER for f in self.integer_fields}
        for key, field_schema in wanted.items():
            if key in (schema or {}):
                continue
            with warnings.catch_warnings():
                # Local mode scans and says payload indexes have no effect; a server uses them.
                warnings.simplefilter("ignore", UserWarning)
                create = partial(
                    client.create_payload_index,
                    self.collections[PASSAGES],
                    key,
                    field_schema=field_schema,
                    wait=True,
                )
                self._call(f"create the payload index {key}", create)

    def _check_dim(self) -> None:
        info = self._call(
            "describe passages", lambda: self._client.get_collection(self.collections[PASSAGES])
        )
        vectors = info.config.params.vectors
        params = vectors.get(DENSE_VECTOR) if isinstance(vectors, dict) else None
        if params is None or params.size != self.dim:
            raise StoreUnavailableError(
                f"collection {self.collections[PASSAGES]} at {self.where} has no {self.dim}-d '{DENSE_VECTOR}' "
                f"vector ({vectors}); another embedder or another application's collection?"
            )

    # --- primitives ---------------------------------------------------------------------------------
    def _call(self, what: str, fn: Callable[[], T]) -> T:
        self._check_open()
        try:
            with self._lock:
                return fn()
        except StoreUnavailableError:
            raise
        except Exception as exc:
            raise StoreUnavailableError(f"Qdrant store at {self.where}: cannot {what}: {exc}") from exc

    @staticmethod
    def _filter(conditions: Sequence[Condition]) -> qm.Filter | None:
        if not conditions:
            return None
        must: list[Any] = []
        for c in conditions:
            if c.any_of is not None:
                match: Any = (
                    qm.MatchValue(value=c.any_of[0])
                    if len(c.any_of) == 1
                    else qm.MatchAny(any=list(c.any_of))
                )
                must.append(qm.FieldCondition(key=c.key, match=match))
            else:
                must.append(qm.FieldCondition(key=c.key, range=qm.Range(gte=c.gte, lte=c.lte)))
        return qm.Filter(must=must)

    @staticmethod
    def _vectors(vectors: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if "dense" in vectors:
            out[DENSE_VECTOR] = vectors["dense"]
        if "sparse" in vectors:
            indices, values = vectors["sparse"]
            out[SPARSE_VECTOR] = qm.SparseVector(indices=indices, values=values)
        return out

    @staticmethod
    def _payload_selector(exclude: Sequence[str]) -> Any:
        return qm.PayloadSelectorExclude(exclude=list(exclude)) if exclude else True

    def _upsert(self, kind: str, points: Sequence[tuple[str, dict[str, Any], dict[str, Any]]]) -> None:
        structs = [qm.PointStruct(id=pid, vector=self._vectors(v), payload=p) for pid, v, p in points]
        self._call(
            f"write to {kind}", lambda: self._client.upsert(self.collections[kind], structs, wait=True)
        )

    def _delete(self, kind: str, point_ids: Sequence[str]) -> None:
        if point_ids:
            selector = qm.PointIdsList(points=list(point_ids))
            self._call(
                f"delete from {kind}",
                lambda: self._client.delete(self.collections[kind], points_selector=selector, wait=True),
            )

    def _retrieve(
        self, kind: str, point_ids: Sequence[str], *, with_dense: bool = False, exclude: Sequence[str] = ()
    ) -> list[Hit]:
        if not point_ids:
            return []
        records = self._call(
            f"read from {kind}",
            lambda: self._client.retrieve(
                self.collections[kind],
                ids=list(point_ids),
                with_payload=self._payload_selector(exclude),
                with_vectors=[DENSE_VECTOR] if with_dense else False,
            ),
        )
        by_id = {str(r.id): Hit.of(r) for r in records}
        return [by_id[i] for i in point_ids if i in by_id]

    def _scroll(
        self, kind: str, conditions: Sequence[Condition], *, exclude: Sequence[str] = ()
    ) -> list[Hit]:
        flt = self._filter(conditions)
        hits: list[Hit] = []
        offset: Any = None
        while True:
            page = partial(
                self._client.scroll,
                self.collections[kind],
                scroll_filter=flt,
                limit=SCROLL_PAGE,
                offset=offset,
                with_payload=self._payload_selector(exclude),
                with_vectors=False,
            )
            records, offset = self._call(f"scroll {kind}", page)
            hits.extend(Hit.of(r) for r in records)
            if offset is None:
                return hits

    def _count(self, kind: str, conditions: Sequence[Condition]) -> int:
        flt = self._filter(conditions)
        result = self._call(
            f"count {kind}",
            lambda: self._client.count(self.collections[kind], count_filter=flt, exact=bool(conditions)),
        )
        return int(result.count)

    def _facet(self, key: str, conditions: Sequence[Condition], limit: int) -> list[tuple[Any, int]]:
        flt = self._filter(conditions)
        result = self._call(
            f"facet {key}",
            lambda: self._client.facet(
                self.collections[PASSAGES], key=key, facet_filter=flt, limit=limit, exact=bool(conditions)
            ),
        )
        return [(hit.value, int(hit.count)) for hit in result.hits]

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
        # In-process mode always searches exactly and warns about search params.
        params = (
            None
            if self._local
            else qm.SearchParams(
                hnsw_ef=self.hnsw_ef,
                exact=self.exact,
                quantization=qm.QuantizationSearchParams(rescore=True, oversampling=OVERSAMPLING),
            )
        )
        payload: Any = qm.PayloadSelectorInclude(include=list(include)) if include is not None else True
        vectors: Any = [DENSE_VECTOR] if with_dense else False
        legs: list[tuple[Any, str, Any]] = []  # (query, using, params), sparse first
        if sparse is not None:
            vector = qm.SparseVector(indices=list(sparse[0]), values=list(sparse[1]))
            legs.append((vector, SPARSE_VECTOR, None))
        if dense is not None:
            legs.append(([float(x) for x in dense], DENSE_VECTOR, params))
        name = self.collections[PASSAGES]
        if weights is None:
            [(query, using, leg_params)] = legs
            response = self._call(
                "search passages",
                lambda: self._client.query_points(
                    name,
                    query=query,
                    using=using,
                    query_filter=flt,
                    search_params=leg_params,
                    limit=limit,
                    with_payload=payload,
                    with_vectors=vectors,
                ),
            )
        else:
            prefetch = [
                qm.Prefetch(query=query, using=using, filter=flt, params=leg_params, limit=candidates)
                for query, using, leg_params in legs
            ]
            response = self._call(
                "search passages",
                lambda: self._client.query_points(
                    name,
                    prefetch=prefetch,
                    query=qm.RrfQuery(rrf=qm.Rrf(k=rrf_k, weights=list(weights))),
                    limit=limit,
                    with_payload=payload,
                    with_vectors=vectors,
                ),
            )
        return [Hit.of(p) for p in response.points]

    def optimize(self) -> None:
        """Nothing to do: a Qdrant server builds its indexes in the background."""

    def _close_engine(self) -> None:
        try:
            self._client.close()
        except Exception as exc:
            raise StoreUnavailableError(f"closing the Qdrant store at {self.where} failed: {exc}") from exc
