"""Store scale benchmark: the embedded store (qdrant-edge) from the real corpus up to 100k passages.

    python -m bench.scale --sizes 159,2000,20000,100000 [--json FILE] [--work DIR] [--old-store PATH]

1. **Real passages.** The indexing pipeline embeds the corpus and qdrant-haystack writes the passages in the
   old layout (qdrant-client local mode) into a temporary folder, or ``--old-store`` names such a folder. That old store is migrated (``ingest.stores.migrate``) into the store of the real size.
2. **Synthetic stores**, one per larger size, seeded: the real documents, then synthetic documents of
   10-60 passages, each modelled on a real document (its passages in order, dense vector + Gaussian noise,
   cosine about 0.9 to the original; sparse terms kept with p 0.85 and weights jittered), with metadata
   spread over both regions, all 27 municipalities, six document types and dates 2015-2026. Written
   document by document through ``write_document``, then ``optimize()`` (HNSW).
3. **Search width.** On the largest store, top-10 agreement of HNSW with exact search for several
   ``hnsw_ef``, with and without a region filter, over every gold question; the smallest width reaching
   0.97 in both, with a margin of 0.01 for build-to-build variation, is used below.
4. **Per size, in a fresh child process:** time to open the store, resident memory, a /health-style call.
5. **Interleaved latency loop** in this process, all stores open: per question, every size in a shuffled
   order, the product's hybrid search (:class:`ProductSearch`: query analysis, e5 query embedding with the
   serving torch threads, sparse vector, ``store.hybrid`` with weighted RRF of a sparse and a dense prefetch
   of 50, answer-type boost, duplicate grouping) without and with a region filter, then ``store.hybrid``
   alone with the precomputed query vectors (the engine's share), a health call (passage count, document
   count, region facet), and now and then the write and deletion of a new 30-passage document. Ratios to the
   smallest size are computed from the same loop, so load from other work on the machine hits every size
   alike.

Query vectors for the search-width measurement and ``store.hybrid`` alone are the real e5 embeddings (and
Dutch sparse vectors) of the gold questions, computed once with one torch thread before anything is timed;
the product's search embeds every question anew. The last two lines are
``store.hybrid alone: p95 ratio at <largest N>: <x> unfiltered, <y> filtered`` and
``scale: p95 ratio at <largest N>: <x> unfiltered, <y> filtered`` (the product's search).
"""

from __future__ import annotations

import os

# No outbound traffic from the benchmark: Haystack would otherwise post pipeline telemetry.
os.environ.setdefault("HAYSTACK_TELEMETRY_ENABLED", "False")

import argparse
import gc
import itertools
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from bench import REPO_ROOT, busy_warning, loadavg, machine_info, write_json
from ingest.stores.base import DEFAULT_HNSW_EF, DocumentRecord, PassageRecord, StoreFilter
from ingest.stores.edge import EdgePassageStore
from ingest.stores.migrate import PASSAGE_LEVEL_KEYS, migrate_local_store

SEED = 13
NOISE = 0.025  # per dimension: cosine(original, noisy) is about 1 / sqrt(1 + 384 * 0.025**2) = 0.90
EF_GRID = (64, 96, 128, 192, 256)
AGREEMENT_TARGET = 0.97
# The graph build is parallel and not deterministic: the chosen width must clear the target by this much.
AGREEMENT_MARGIN = 0.01
FILTER_REGION = "Noordoost-Brabant"
DOC_TYPES = ("raadsinformatiebrief", "raadsmemo", "koersplan", "regiovisie", "toezeggingenlijst", "memo")
QUESTIONS = REPO_ROOT / "eval" / "gold" / "questions.jsonl"
# Timed per question and size: the product's search without and with the region filter, then store.hybrid alone.
KINDS = ("unfiltered", "filtered", "store_unfiltered", "store_filtered")


@dataclass
class Real:
    """A real passage with its vectors, as the old store holds it."""

    id: str
    content: str
    meta: dict[str, Any]
    dense: np.ndarray
    sparse_indices: list[int]
    sparse_values: list[float]


# --- inputs ----------------------------------------------------------------------------------------


def ingest_old_store(folder: Path) -> None:
    """An old-format store (qdrant-client local mode) of the corpus at ``folder``, written by qdrant-haystack's
    QdrantDocumentStore from the passages today's indexing pipeline embeds (nothing of today's store layer)."""
    from haystack.document_stores.types import DuplicatePolicy
    from haystack_integrations.document_stores.qdrant import QdrantDocumentStore

    from ingest.pipeline import build_indexing_pipeline
    from ingest.service import default_sources
    from kb_core.domain import KEYWORD_FIELDS, RANGE_FIELDS
    from kb_core.settings import Settings

    settings = Settings().with_changes(store={"qdrant_path": folder, "qdrant_url": None})
    started = time.perf_counter()
    pipe = build_indexing_pipeline(settings, None, progress_bar=False, write=False)
    passages = pipe.run({"reader": {"sources": default_sources(settings)}})["sparse"]["documents"]
    indexes = [{"field_name": f"meta.{f}", "field_schema": "keyword"} for f in KEYWORD_FIELDS]
    indexes += [{"field_name": f"meta.{f}", "field_schema": "integer"} for f in RANGE_FIELDS]
    old = QdrantDocumentStore(
        path=str(folder),
        index="via_passages",
        embedding_dim=settings.model.embedding_dim,
        use_sparse_embeddings=True,
        sparse_idf=True,
        similarity="cosine",
        progress_bar=False,
        payload_fields_to_index=indexes,
    )
    old.write_documents(passages, policy=DuplicatePolicy.OVERWRITE)
    if old._client is not None:
        old._client.close()
    print(
        f"  wrote {len(passages)} passages of the corpus in the old layout ({time.perf_counter() - started:.0f} s)"
    )


def read_old_store(folder: Path, collection: str = "via_passages") -> list[Real]:
    """Every passage of an old-format store, with its vectors."""
    from qdrant_client import QdrantClient

    client = QdrantClient(path=str(folder))
    try:
        out: list[Real] = []
        offset: Any = None
        while True:
            records, offset = client.scroll(
                collection, limit=1024, offset=offset, with_payload=True, with_vectors=True
            )
            for r in records:
                payload = r.payload or {}
                vectors: dict[str, Any] = dict(r.vector) if isinstance(r.vector, dict) else {}
                sparse = vectors.get("text-sparse")
                out.append(
                    Real(
                        id=payload["id"],
                        content=payload.get("content") or "",
                        meta=dict(payload.get("meta") or {}),
                        dense=np.asarray(vectors["text-dense"], dtype=np.float32),
                        sparse_indices=list(sparse.indices) if sparse else [],
                        sparse_values=list(sparse.values) if sparse else [],
                    )
                )
            if offset is None:
                break
    finally:
        client.close()
    out.sort(key=lambda p: (p.meta["document_id"], p.meta.get("position", 0)))
    return out


def query_vectors(limit: int | None) -> list[dict[str, Any]]:
    """Real query embeddings (e5, one torch thread) and Dutch sparse vectors of the gold questions."""
    import torch

    from ingest.embedder import text_embedder
    from ingest.sparse import query_sparse_vector
    from kb_core.settings import Settings

    torch.set_num_threads(1)
    questions = [json.loads(line)["question"] for line in QUESTIONS.read_text(encoding="utf-8").splitlines()]
    questions = questions[:limit] if limit else questions
    embedder = text_embedder(Settings())
    embedder.warm_up()
    out = []
    for q in questions:
        sparse = query_sparse_vector(q)
        out.append(
            {
                "question": q,
                "dense": [float(x) for x in embedder.run(text=q)["embedding"]],
                "indices": list(sparse.indices),
                "values": list(sparse.values),
            }
        )
    return out


# --- building the stores ---------------------------------------------------------------------------


def document_records(real: list[Real]) -> list[tuple[DocumentRecord, list[PassageRecord]]]:
    """The real documents as records and passages."""
    grouped: dict[str, list[Real]] = defaultdict(list)
    for p in real:
        grouped[p.meta["document_id"]].append(p)
    out = []
    for doc_id, passages in grouped.items():
        first = passages[0].meta
        meta = {
            k: v
            for k, v in first.items()
            if k not in PASSAGE_LEVEL_KEYS and all(p.meta.get(k) == v for p in passages)
        }
        records = [
            PassageRecord(p.id, p.content, p.meta, p.dense.tolist(), p.sparse_indices, p.sparse_values)
            for p in passages
        ]
        out.append((DocumentRecord(doc_id, meta, len(records), 0), records))
    return out


def synthetic_documents(
    real: list[Real], count: int, rng: np.random.Generator, *, doc_size: int | None = None
) -> Iterator[tuple[DocumentRecord, list[PassageRecord]]]:
    """``count`` synthetic passages in documents of 10-60 (or ``doc_size``), each modelled on a real one."""
    from kb_core.lang.regions import MUNICIPALITY_REGION

    by_doc: dict[str, list[Real]] = defaultdict(list)
    for p in real:
        by_doc[p.meta["document_id"]].append(p)
    models = list(by_doc.values())
    municipalities = sorted(MUNICIPALITY_REGION)
    first_day, days = date(2015, 1, 1), (date(2026, 12, 31) - date(2015, 1, 1)).days
    made = 0
    k = 0
    while made < count:
        n = min(doc_size or int(rng.integers(10, 61)), count - made)
        model = models[int(rng.integers(len(models)))]
        municipality = municipalities[int(rng.integers(len(municipalities)))]
        doc_type = DOC_TYPES[int(rng.integers(len(DOC_TYPES)))]
        day = first_day + timedelta(days=int(rng.integers(days + 1)))
        doc_id = f"syn-{k:06d}"
        meta = {
            "document_id": doc_id,
            "title": f"{doc_type.capitalize()} {municipality} {day.year} ({k})",
            "municipality": municipality,
            "region": MUNICIPALITY_REGION[municipality],
            "doc_type": doc_type,
            "date": day.isoformat(),
            "date_int": int(day.strftime("%Y%m%d")),
            "year": day.year,
            "metadata_source": "synthetic",
            "file_name": f"{doc_id}.pdf",
            "file_hash": f"{k:016x}",
        }
        start = int(rng.integers(len(model)))
        passages = []
        for pos in range(n):
            base = model[(start + pos) % len(model)]
            dense = base.dense + rng.normal(0.0, NOISE, size=base.dense.shape).astype(np.float32)
            dense /= np.linalg.norm(dense)
            keep = rng.random(len(base.sparse_indices)) < 0.85
            jitter = rng.uniform(0.8, 1.2, size=len(base.sparse_indices))
            indices = [i for i, kept in zip(base.sparse_indices, keep, strict=True) if kept]
            values = [
                float(v * j) for v, j, kept in zip(base.sparse_values, jitter, keep, strict=True) if kept
            ]
            pmeta: dict[str, Any] = dict(meta)
            pmeta.update({key: base.meta[key] for key in ("page", "page_end", "section") if key in base.meta})
            pmeta.update(position=pos, passage_count=n)
            passages.append(
                PassageRecord(f"{doc_id}#{pos:04d}", base.content, pmeta, dense.tolist(), indices, values)
            )
        yield DocumentRecord(doc_id, meta, n, 0), passages
        made += n
        k += 1


def build_store(folder: Path, size: int, real: list[Real]) -> dict[str, Any]:
    """The synthetic store of ``size`` passages at ``folder`` (reused when it is already there)."""
    spec = {"size": size, "seed": SEED, "noise": NOISE, "real": len(real), "version": 3}
    marker = folder / "scale.json"
    if marker.is_file() and json.loads(marker.read_text())["spec"] == spec:
        built = json.loads(marker.read_text())
        print(f"  size {size}: reusing {folder}")
        return built
    shutil.rmtree(folder, ignore_errors=True)
    rng = np.random.default_rng(SEED + size)
    if size < len(real):
        raise SystemExit(f"size {size} is smaller than the real corpus ({len(real)} passages)")
    docs = itertools.chain(document_records(real), synthetic_documents(real, size - len(real), rng))
    store = EdgePassageStore(folder)
    written = 0
    try:
        started = time.perf_counter()
        for record, passages in docs:
            store.write_document(record, passages)
            written += 1
        write_s = time.perf_counter() - started
        started = time.perf_counter()
        store.optimize()
        optimize_s = time.perf_counter() - started
        segments = store.segment_info()
        count = store.count()
    finally:
        store.close()
    built = {
        "spec": spec,
        "documents": written,
        "passages": count,
        "write_s": round(write_s, 1),
        "optimize_s": round(optimize_s, 1),
        "segments": segments,
        "disk_mb_built": round(disk_usage(folder) / 2**20, 1),
    }
    marker.write_text(json.dumps(built, indent=2))
    print(
        f"  size {size}: {written} documents written in {write_s:.1f} s, optimize (HNSW) {optimize_s:.1f} s"
    )
    return built


# --- measuring -------------------------------------------------------------------------------------


def disk_usage(folder: Path) -> int:
    """Bytes the folder occupies on disk."""
    return sum(
        os.lstat(os.path.join(root, f)).st_blocks * 512 for root, _, files in os.walk(folder) for f in files
    )


def rss_mb() -> float:
    """This process's resident memory in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class ProductSearch:
    """The product's hybrid search over any of the open stores, as ``SearchService.search`` runs it.

    The query pipeline of :mod:`kb_api.retrieval.pipeline`: query analysis (language, RRF weights, lexical
    text), the e5 query embedding with the serving torch threads (``model.torch_threads``, applied as the
    app's lifespan does), the Dutch sparse vector, ``store.hybrid`` with the query's weights and
    ``search.grouping_pool`` passages, the answer-type boost and duplicate grouping. Nothing is cached
    between calls. One pipeline (one model in memory), its retriever pointed at the store being measured.
    """

    def __init__(self, store: EdgePassageStore) -> None:
        from kb_api.main import apply_torch_threads
        from kb_api.retrieval.hybrid_retriever import WeightedHybridRetriever
        from kb_api.retrieval.pipeline import build_query_pipeline
        from kb_core.settings import Settings

        self.settings = Settings()
        apply_torch_threads(self.settings)
        self.query = build_query_pipeline(self.settings, store, "hybrid")
        self.query.pipeline.warm_up()
        retriever = self.query.pipeline.get_component("retriever")
        assert isinstance(retriever, WeightedHybridRetriever)
        self.retriever = retriever

    def run(self, store: EdgePassageStore, question: str, flt: StoreFilter | None) -> None:
        self.retriever.store = store
        self.query.run(question, flt, self.settings.search.grouping_pool)


def health(store: EdgePassageStore) -> None:
    """What /health needs: passage count, document count and a facet."""
    store.count()
    store.document_count()
    store.facet("region")


def probe(folder: Path, queries_file: Path, hnsw_ef: int) -> dict[str, Any]:
    """Run in a fresh child: open time, memory, health; a few queries to touch what searching needs."""
    queries = json.loads(queries_file.read_text())
    before = rss_mb()
    started = time.perf_counter()
    store = EdgePassageStore(folder, hnsw_ef=hnsw_ef)
    open_s = time.perf_counter() - started
    opened = rss_mb()
    started = time.perf_counter()
    health(store)
    first_health_ms = (time.perf_counter() - started) * 1000
    for q in queries:
        store.hybrid(q["dense"], q["indices"], q["values"])
        store.hybrid(
            q["dense"], q["indices"], q["values"], flt=StoreFilter(keywords={"region": [FILTER_REGION]})
        )
    queried = rss_mb()
    store.close()
    return {
        "open_s": round(open_s, 3),
        "rss_base_mb": round(before, 1),
        "rss_open_mb": round(opened, 1),
        "rss_queried_mb": round(queried, 1),
        "first_health_ms": round(first_health_ms, 2),
    }


def run_probe(folder: Path, queries_file: Path, hnsw_ef: int) -> dict[str, Any]:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.scale",
            "--probe",
            str(folder),
            "--queries-file",
            str(queries_file),
            "--hnsw-ef",
            str(hnsw_ef),
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), os.environ.get("PYTHONPATH", "")])},
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def agreement(
    store: EdgePassageStore, queries: list[dict[str, Any]], ef: int, flt: StoreFilter | None
) -> dict[str, float]:
    """Top-10 agreement of HNSW (width ``ef``) with exact search: dense leg and hybrid; HNSW query ms."""
    dense_agree, hybrid_agree, times = [], [], []
    for q in queries:
        store.exact = True
        exact_dense = {p.id for p in store.dense(q["dense"], flt=flt, limit=10)}
        exact_hybrid = {p.id for p in store.hybrid(q["dense"], q["indices"], q["values"], flt=flt)}
        store.exact = False
        store.hnsw_ef = ef
        started = time.perf_counter()
        approx_dense = {p.id for p in store.dense(q["dense"], flt=flt, limit=10)}
        times.append((time.perf_counter() - started) * 1000)
        approx_hybrid = {p.id for p in store.hybrid(q["dense"], q["indices"], q["values"], flt=flt)}
        dense_agree.append(len(exact_dense & approx_dense) / max(len(exact_dense), 1))
        hybrid_agree.append(len(exact_hybrid & approx_hybrid) / max(len(exact_hybrid), 1))
    return {
        "dense_top10": round(statistics.fmean(dense_agree), 4),
        "hybrid_top10": round(statistics.fmean(hybrid_agree), 4),
        "dense_ms_median": round(statistics.median(times), 2),
    }


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def new_document(real: list[Real], rep: int) -> tuple[DocumentRecord, list[PassageRecord]]:
    rng = np.random.default_rng(10_000 + rep)
    [(record, passages)] = list(synthetic_documents(real, 30, rng, doc_size=30))
    doc_id = f"bench-new-{rep}"
    passages = [
        PassageRecord(
            f"{doc_id}#{i:04d}",
            p.content,
            {**p.meta, "document_id": doc_id},
            p.dense,
            p.sparse_indices,
            p.sparse_values,
        )
        for i, p in enumerate(passages)
    ]
    return DocumentRecord(doc_id, {**record.meta, "document_id": doc_id}, 30, 0), passages


# --- main ------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="159,2000,20000,100000", help="passage counts, comma-separated")
    parser.add_argument("--json", type=Path, help="write every figure to this file")
    parser.add_argument("--work", type=Path, help="keep (and reuse) the stores in this folder")
    parser.add_argument(
        "--old-store", type=Path, help="read the real passages from this old local-mode store"
    )
    parser.add_argument("--queries", type=int, default=40, help="gold questions in the latency loop")
    parser.add_argument("--repeats", type=int, default=10, help="rounds of the latency loop")
    parser.add_argument("--ef-grid", default=",".join(map(str, EF_GRID)), help="hnsw_ef values to measure")
    parser.add_argument("--probe", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--queries-file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--hnsw-ef", type=int, default=DEFAULT_HNSW_EF, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.probe:
        print(json.dumps(probe(args.probe, args.queries_file, args.hnsw_ef)))
        return 0

    load_before = loadavg()
    sizes = sorted({int(s) for s in args.sizes.split(",")})
    work = args.work or Path(tempfile.mkdtemp(prefix="via-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"bench.scale: sizes {sizes}, stores in {work}")
    try:
        summary = run(args, sizes, work)
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    summary["machine"] = machine_info(load_before, engine="qdrant-edge-py 0.9.0")
    summary["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
    write_json(summary, args.json)
    busy_warning(summary["machine"], "absolute times are inflated; the ratios come from one interleaved loop")
    largest = str(sizes[-1])
    ratio = summary["ratios_p95"][largest]
    print(
        f"store.hybrid alone: p95 ratio at {largest}: {ratio['store_unfiltered']:.2f} unfiltered, "
        f"{ratio['store_filtered']:.2f} filtered"
    )
    print(
        f"scale: p95 ratio at {largest}: {ratio['unfiltered']:.2f} unfiltered, {ratio['filtered']:.2f} filtered"
    )
    return 0


def run(args: argparse.Namespace, sizes: list[int], work: Path) -> dict[str, Any]:
    # 1. Real passages, and their store (by migration of today's format).
    old = args.old_store
    if old is None:
        old = work / "old-localmode"
        if not old.exists():
            ingest_old_store(old)
    real = read_old_store(old)
    print(f"  real corpus: {len(real)} passages of {len({p.meta['document_id'] for p in real})} documents")
    migration: dict[str, Any] = {}
    real_folder = work / f"store-{len(real)}"
    if len(real) in sizes and not (real_folder / "store.json").is_file():
        copy = work / "migrate-me"
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(old, copy)
        report = migrate_local_store(copy)
        shutil.rmtree(work / "migrate-me.old-localmode", ignore_errors=True)
        shutil.rmtree(real_folder, ignore_errors=True)
        copy.rename(real_folder)
        migration = {
            "passages": report.passages,
            "documents": report.documents,
            "seconds": round(report.seconds, 2),
        }

    cached = work / "queries-all.json"
    if cached.is_file() and json.loads(cached.read_text())["source"] == QUESTIONS.read_text(encoding="utf-8"):
        all_queries = json.loads(cached.read_text())["queries"]
    else:
        print("  embedding the gold questions (one torch thread) ...")
        all_queries = query_vectors(None)
        payload = {"source": QUESTIONS.read_text(encoding="utf-8"), "queries": all_queries}
        cached.write_text(json.dumps(payload))
    loop_queries = all_queries[: args.queries]
    queries_file = work / "queries.json"
    queries_file.write_text(json.dumps(loop_queries[:10]))

    # 2. Stores.
    builds: dict[int, dict[str, Any]] = {}
    for size in sizes:
        if size == len(real):
            builds[size] = {"passages": len(real), "migrated": migration or "reused"}
            continue
        builds[size] = build_store(work / f"store-{size}", size, real)

    # 3. Search width, on the largest store.
    largest = sizes[-1]
    region = StoreFilter(keywords={"region": [FILTER_REGION]})
    ef_results: dict[int, dict[str, Any]] = {}
    store = EdgePassageStore(work / f"store-{largest}")
    try:
        for ef in (int(x) for x in args.ef_grid.split(",")):
            ef_results[ef] = {
                "unfiltered": agreement(store, all_queries, ef, None),
                "filtered": agreement(store, all_queries, ef, region),
            }
            r = ef_results[ef]
            print(
                f"  hnsw_ef {ef:>4}: top-10 agreement dense {r['unfiltered']['dense_top10']:.3f} / filtered "
                f"{r['filtered']['dense_top10']:.3f}; hybrid {r['unfiltered']['hybrid_top10']:.3f} / "
                f"{r['filtered']['hybrid_top10']:.3f}; dense query {r['unfiltered']['dense_ms_median']:.1f} ms"
            )
    finally:
        store.close()
    good = [
        ef
        for ef, r in sorted(ef_results.items())
        if min(r["unfiltered"]["dense_top10"], r["filtered"]["dense_top10"])
        >= AGREEMENT_TARGET + AGREEMENT_MARGIN
    ]
    chosen = good[0] if good else max(ef_results)
    print(
        f"  chosen hnsw_ef: {chosen} (smallest with top-10 agreement >= {AGREEMENT_TARGET} + {AGREEMENT_MARGIN} "
        "with and without filter)"
    )

    # 4. Open time, memory, first health call: fresh child per size.
    probes = {}
    for size in sizes:
        folder = work / f"store-{size}"
        probes[size] = run_probe(folder, queries_file, chosen) | {
            "disk_mb": round(disk_usage(folder) / 2**20, 1)
        }

    # 5. Interleaved latency loop.
    stores = {size: EdgePassageStore(work / f"store-{size}", hnsw_ef=chosen) for size in sizes}
    times: dict[int, dict[str, list[float]]] = {s: defaultdict(list) for s in sizes}
    try:
        product = ProductSearch(stores[sizes[0]])
        for st in stores.values():  # warm-up
            for q in loop_queries[:5]:
                st.hybrid(q["dense"], q["indices"], q["values"], flt=region)
                product.run(st, q["question"], region)
            health(st)
        order = random.Random(SEED)
        gc.collect()
        gc.disable()
        for rep in range(args.repeats):
            for qi, q in enumerate(loop_queries):
                shuffled = list(sizes)
                order.shuffle(shuffled)
                for size in shuffled:
                    st = stores[size]
                    t0 = time.perf_counter()
                    product.run(st, q["question"], None)
                    t1 = time.perf_counter()
                    product.run(st, q["question"], region)
                    t2 = time.perf_counter()
                    st.hybrid(q["dense"], q["indices"], q["values"])
                    t3 = time.perf_counter()
                    st.hybrid(q["dense"], q["indices"], q["values"], flt=region)
                    t4 = time.perf_counter()
                    health(st)
                    t5 = time.perf_counter()
                    times[size]["unfiltered"].append((t1 - t0) * 1000)
                    times[size]["filtered"].append((t2 - t1) * 1000)
                    times[size]["store_unfiltered"].append((t3 - t2) * 1000)
                    times[size]["store_filtered"].append((t4 - t3) * 1000)
                    times[size]["health"].append((t5 - t4) * 1000)
                    if qi % 10 == 0:
                        record, passages = new_document(real, rep * 100 + qi)
                        t6 = time.perf_counter()
                        st.write_document(record, passages)
                        t7 = time.perf_counter()
                        st.delete_document(record.document_id)
                        t8 = time.perf_counter()
                        times[size]["write_doc"].append((t7 - t6) * 1000)
                        times[size]["delete_doc"].append((t8 - t7) * 1000)
            gc.collect()
        gc.enable()
        facet_ms = {}
        for size, st in stores.items():
            started = time.perf_counter()
            for _ in range(5):
                st.facet("document_id", limit=100_000)
            facet_ms[size] = round((time.perf_counter() - started) * 1000 / 5, 2)
        agreement_at_chosen = {}
        for size, st in stores.items():
            if size >= 20_000:
                agreement_at_chosen[size] = {
                    "unfiltered": agreement(st, loop_queries, chosen, None)["dense_top10"],
                    "filtered": agreement(st, loop_queries, chosen, region)["dense_top10"],
                }
    finally:
        gc.enable()
        for st in stores.values():
            st.close()

    # 6. Report.
    base = sizes[0]
    per_size: dict[str, Any] = {}
    for size in sizes:
        t = times[size]
        per_size[str(size)] = {
            "build": builds[size],
            **probes[size],
            "hybrid_ms": {
                kind: {"p50": round(percentile(t[kind], 50), 2), "p95": round(percentile(t[kind], 95), 2)}
                for kind in KINDS
            },
            "health_ms": {
                "p50": round(percentile(t["health"], 50), 2),
                "p95": round(percentile(t["health"], 95), 2),
            },
            "document_facet_ms": facet_ms[size],
            "write_30_passage_doc_ms": round(statistics.median(t["write_doc"]), 1),
            "delete_30_passage_doc_ms": round(statistics.median(t["delete_doc"]), 1),
            "samples": len(t["unfiltered"]),
        }
    ratios = {
        str(size): {
            kind: round(percentile(times[size][kind], 95) / percentile(times[base][kind], 95), 3)
            for kind in KINDS
        }
        for size in sizes
    }
    print()
    header = (
        f"{'passages':>9} {'open s':>7} {'RSS MB':>10} {'disk MB':>8} {'search p50/p95 ms':>18} "
        f"{'filtered p50/p95':>17} {'ratio p95':>10} {'store p50/p95':>15} {'filtered':>15} {'ratio':>10} "
        f"{'health p95':>10} {'doc facet':>9} {'write doc':>9}"
    )
    print(header)
    for size in sizes:
        s = per_size[str(size)]
        h, f = s["hybrid_ms"]["unfiltered"], s["hybrid_ms"]["filtered"]
        sh, sf = s["hybrid_ms"]["store_unfiltered"], s["hybrid_ms"]["store_filtered"]
        r = ratios[str(size)]
        print(
            f"{size:>9} {s['open_s']:>7.2f} "
            f"{s['rss_open_mb'] - s['rss_base_mb']:>4.0f}/{s['rss_queried_mb'] - s['rss_base_mb']:<5.0f} "
            f"{s['disk_mb']:>8.1f} "
            f"{h['p50']:>8.2f} / {h['p95']:>6.2f} {f['p50']:>8.2f} / {f['p95']:>6.2f} "
            f"{r['unfiltered']:>4.2f}/{r['filtered']:<4.2f} "
            f"{sh['p50']:>6.2f} / {sh['p95']:>6.2f} {sf['p50']:>6.2f} / {sf['p95']:>6.2f} "
            f"{r['store_unfiltered']:>4.2f}/{r['store_filtered']:<4.2f} {s['health_ms']['p95']:>9.2f} "
            f"{s['document_facet_ms']:>9.1f} {s['write_30_passage_doc_ms']:>9.1f}"
        )
    print(
        "  (search: the product's hybrid search, query analysis + embedding + store query + boost + grouping;"
        " store: store.hybrid alone with precomputed query vectors; RSS: growth of a fresh process by opening"
        " the store / after 20 queries; times in ms)"
    )
    return {
        "sizes": sizes,
        "hnsw_ef": chosen,
        "agreement_target": AGREEMENT_TARGET,
        "agreement_margin": AGREEMENT_MARGIN,
        "ef_grid": {str(k): v for k, v in ef_results.items()},
        "agreement_at_chosen_ef": {str(k): v for k, v in agreement_at_chosen.items()},
        "per_size": per_size,
        "ratios_p95": ratios,
        "queries": {
            "latency_loop": len(loop_queries),
            "agreement": len(all_queries),
            "repeats": args.repeats,
        },
        "synthetic": {"seed": SEED, "noise_per_dim": NOISE, "filter": {"region": [FILTER_REGION]}},
    }


if __name__ == "__main__":
    sys.exit(main())
