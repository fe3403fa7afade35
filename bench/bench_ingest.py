"""Ingestion benchmark: how fast the corpus goes into a fresh Qdrant store, and where the time goes.

    python -m bench.bench_ingest [--repeat N] [--json OUT]

Each repeat ingests the corpus PDFs (``ingest.service.default_sources``) into a fresh temporary
Qdrant folder and measures:

1. **ingestion, by stage** - the components of the product's indexing pipeline (taken from
   ``ingest.pipeline.build_indexing_pipeline``), called in the pipeline's order, one file at a time as
   ``Ingestor`` runs the pipeline, each stage timed: parsing (read PDF + metadata + clean + split),
   dense embedding, sparse embedding, writing to Qdrant. Gives documents, pages, passages, total
   seconds (wall clock of the whole loop), passages/s and the share of each stage.
2. **embedder alone** - the dense document embedder on the same passages in one call, batch 32:
   the ceiling ingestion could reach if everything else were free.
3. with ``--end-to-end``, also the product's own ``Ingestor.ingest()`` into another fresh folder
   (Haystack pipeline, file hashing, store scan included), as a cross-check of (1).

The embedding model is loaded once, before anything is timed (``warm_up()``); its load time is
reported separately. Figures of several rounds are medians; each stage is timed in wall-clock and in
process CPU seconds (the latter is less skewed when other work shares the machine). Haystack's
telemetry is switched off so that the benchmark makes no network calls.
"""

from __future__ import annotations

import os

# No outbound traffic from the benchmark: Haystack would otherwise post pipeline telemetry.
os.environ.setdefault("HAYSTACK_TELEMETRY_ENABLED", "False")

import argparse
import logging
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from haystack import Document

from bench import busy_warning, loadavg, machine_info, write_json
from ingest.embedder import document_embedder
from ingest.pipeline import build_indexing_pipeline
from ingest.service import Ingestor, collect_files, default_sources
from ingest.store import opened_store
from kb_core.settings import Settings

STAGES = ("parse", "dense", "sparse", "units", "write")
STAGE_LABELS = {
    "parse": "parsing (read + metadata + clean + split)",
    "dense": "dense embedding",
    "sparse": "sparse embedding",
    "write": "writing to Qdrant",
}
REFERENCE_BATCH = 32


def bench_settings(qdrant_path: Path) -> Settings:
    """The environment's settings (``KB_*``), with the store forced to an embedded folder of our own."""
    return Settings(qdrant_path=qdrant_path, qdrant_url=None)


PIPELINE_ORDER = ("reader", "metadata", "cleaner", "splitter", "dense", "sparse", "writer")


def pipeline_components(settings: Settings, store: Any) -> dict[str, Any]:
    """The components of the product's indexing pipeline (``build_indexing_pipeline``), warmed up.

    Taking them from the pipeline itself keeps the benchmark honest if their construction changes;
    if the pipeline gains or loses a component, the benchmark stops and says so.
    """
    pipe = build_indexing_pipeline(settings, store, progress_bar=False)
    names = set(pipe.graph.nodes)
    if names != set(PIPELINE_ORDER):
        raise SystemExit(f"the indexing pipeline has components {sorted(names)}; update bench_ingest")
    pipe.warm_up()  # what Pipeline.run() does first; the model itself is already loaded (shared)
    return {name: pipe.get_component(name) for name in PIPELINE_ORDER}


class Clock:
    """Wall-clock and process CPU seconds (all threads); CPU time is less skewed by other load."""

    def __init__(self) -> None:
        self.wall = time.perf_counter()
        self.cpu = time.process_time()

    def lap(self) -> tuple[float, float]:
        wall, cpu = time.perf_counter(), time.process_time()
        lap = (wall - self.wall, cpu - self.cpu)
        self.wall, self.cpu = wall, cpu
        return lap


def run_stages(settings: Settings, files: list[Path]) -> dict[str, Any]:
    """Ingest the files stage by stage into a fresh store, timing each stage (wall and CPU)."""
    wall = dict.fromkeys(STAGES, 0.0)
    cpu = dict.fromkeys(STAGES, 0.0)
    documents = pages = written = 0
    with opened_store(settings) as store:
        # Opening the embedded store (and creating its collections) is set-up, not ingestion.
        store.count()
        comps = pipeline_components(settings, store)
        total = Clock()
        clock = Clock()
        for path in files:
            clock.lap()
            read = comps["reader"].run(sources=[path])
            if read["failures"]:
                raise SystemExit(f"cannot read {path}: {read['failures']}")
            docs = comps["metadata"].run(documents=read["documents"])["documents"]
            docs = comps["cleaner"].run(documents=docs)["documents"]
            passages = comps["splitter"].run(documents=docs)["documents"]
            laps = {"parse": clock.lap()}
            embedded = comps["dense"].run(documents=passages)["documents"]
            laps["dense"] = clock.lap()
            embedded = comps["sparse"].run(documents=embedded)["documents"]
            laps["sparse"] = clock.lap()
            embedded = comps["units"].run(documents=embedded)["documents"]
            laps["units"] = clock.lap()
            written += comps["writer"].run(documents=embedded)["documents_written"]
            laps["write"] = clock.lap()
            for stage, (w, c) in laps.items():
                wall[stage] += w
                cpu[stage] += c
            documents += len(read["documents"])
            pages += sum(d.meta.get("page_count", 0) for d in read["documents"])
        seconds, cpu_seconds = total.lap()
        stored = store.count()
    if stored != written:
        raise SystemExit(f"the store holds {stored} passages, {written} were written")
    return {
        "documents": documents,
        "pages": pages,
        "passages": written,
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "passages_per_second": written / seconds if seconds else 0.0,
        "stage_seconds": wall,
        "stage_cpu_seconds": cpu,
    }


def parse_passages(settings: Settings, files: list[Path]) -> list[Document]:
    """The passages ingestion embeds (the pipeline's read, metadata, clean and split; nothing stored)."""
    pipe = build_indexing_pipeline(settings, None, progress_bar=False, write=False)  # type: ignore[arg-type]
    passages: list[Document] = []
    for path in files:
        docs = pipe.get_component("reader").run(sources=[path])["documents"]
        for name in ("metadata", "cleaner", "splitter"):
            docs = pipe.get_component(name).run(documents=docs)["documents"]
        passages.extend(docs)
    return passages


def run_embedder_alone(embedder: Any, passages: list[Document]) -> dict[str, Any]:
    """The dense document embedder alone on the same passages, one call (batch 32)."""
    fresh = [replace(p, embedding=None, sparse_embedding=None) for p in passages]
    clock = Clock()
    out = embedder.run(documents=fresh)["documents"]
    seconds, cpu_seconds = clock.lap()
    if len(out) != len(passages) or not all(d.embedding for d in out):
        raise SystemExit("the embedder did not embed every passage")
    return {
        "passages": len(out),
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "passages_per_second": len(out) / seconds if seconds else 0.0,
        "batch_size": embedder.batch_size,
    }


def run_end_to_end(settings: Settings, files: list[Path]) -> dict[str, Any]:
    """The product path: Ingestor.ingest() into a fresh store (pipeline warmed before timing)."""
    with opened_store(settings) as store:
        store.count()
        ingestor = Ingestor(settings, store, progress=False)
        # Pipeline.run() would warm up lazily on the first file; do it now so no model load is timed.
        ingestor._pipeline.warm_up()
        clock = Clock()
        report = ingestor.ingest(files)
        seconds, cpu_seconds = clock.lap()
    if report.failed:
        raise SystemExit(f"ingestion failed for: {[f.to_dict() for f in report.failed]}")
    return {
        "documents": len(report.ingested),
        "passages": report.passages,
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "passages_per_second": report.passages / seconds if seconds else 0.0,
    }


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


def _torch_threads() -> int | None:
    try:
        import torch

        return int(torch.get_num_threads())
    except Exception:  # pragma: no cover - torch is a product dependency
        return None


def summarise(
    runs: list[dict[str, Any]], model_load_s: float, settings: Settings, load_before: list[float] | None
) -> dict[str, Any]:
    st = [r["stages"] for r in runs]
    ref = [r["embedder_alone"] for r in runs]
    e2e = [r["end_to_end"] for r in runs if r.get("end_to_end")]
    total = _median([s["seconds"] for s in st])
    cpu_total = _median([s["cpu_seconds"] for s in st])
    stage_seconds = {k: _median([s["stage_seconds"][k] for s in st]) for k in STAGES}
    stage_cpu = {k: _median([s["stage_cpu_seconds"][k] for s in st]) for k in STAGES}
    passages = st[0]["passages"]
    # The ratio to the embedder is taken within each round (the two run back to back), then the median.
    ratio = _median(
        [r["stages"]["seconds"] and r["embedder_alone"]["seconds"] / r["stages"]["seconds"] for r in runs]
    )
    ratio_cpu = _median(
        [
            r["stages"]["cpu_seconds"] and r["embedder_alone"]["cpu_seconds"] / r["stages"]["cpu_seconds"]
            for r in runs
        ]
    )
    summary: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine_info(load_before, torch_threads=_torch_threads()),
        "settings": {
            "model": settings.model.name,
            "embed_batch_size": settings.model.batch_size,
            "embed_title_and_section": settings.ingest.embed_title_and_section,
            "passage_target_words": settings.ingest.passage_target_words,
            "passage_max_words": settings.ingest.passage_max_words,
        },
        "repeats": len(runs),
        "model_load_seconds": model_load_s,
        "documents": st[0]["documents"],
        "pages": st[0]["pages"],
        "passages": passages,
        "total_seconds": total,
        "total_cpu_seconds": cpu_total,
        "passages_per_second": _median([s["passages_per_second"] for s in st]),
        "stage_seconds": stage_seconds,
        "stage_share": {k: (v / total if total else 0.0) for k, v in stage_seconds.items()},
        "stage_cpu_seconds": stage_cpu,
        "stage_cpu_share": {k: (v / cpu_total if cpu_total else 0.0) for k, v in stage_cpu.items()},
        "other_seconds": max(0.0, total - sum(stage_seconds.values())),
        "dense_stage_passages_per_second": _median(
            [s["passages"] / s["stage_seconds"]["dense"] for s in st if s["stage_seconds"]["dense"]]
        ),
        "embedder_alone_seconds": _median([r["seconds"] for r in ref]),
        "embedder_alone_cpu_seconds": _median([r["cpu_seconds"] for r in ref]),
        "embedder_alone_passages_per_second": _median([r["passages_per_second"] for r in ref]),
        "ingestion_vs_embedder": ratio,
        "ingestion_vs_embedder_cpu": ratio_cpu,
        "end_to_end": None,
        "runs": runs,
    }
    if e2e:
        summary["end_to_end"] = {
            "seconds": _median([r["seconds"] for r in e2e]),
            "cpu_seconds": _median([r["cpu_seconds"] for r in e2e]),
            "passages": e2e[0]["passages"],
            "documents": e2e[0]["documents"],
            "passages_per_second": _median([r["passages_per_second"] for r in e2e]),
        }
    return summary


def print_report(s: dict[str, Any]) -> None:
    m = s["machine"]
    print()
    print(
        f"Ingestion benchmark - {s['date']} - code {m['code']} - {m['cpus']} CPUs "
        f"(torch threads {m['torch_threads']}), load average before/after "
        f"{m['loadavg_before']} / {m['loadavg_after']}"
    )
    print(
        f"model {s['settings']['model']}, embed batch {s['settings']['embed_batch_size']}, "
        f"median of {s['repeats']} round(s); model load (warm_up, not timed): {s['model_load_seconds']:.2f} s"
    )
    busy_warning(m, "wall-clock figures are pessimistic and noisy, CPU-time figures less so")
    print()
    rows = [
        ("documents", f"{s['documents']}"),
        ("pages", f"{s['pages']}"),
        ("passages", f"{s['passages']}"),
        ("total", f"{s['total_seconds']:.2f} s (CPU {s['total_cpu_seconds']:.2f} s)"),
        ("passages / s", f"{s['passages_per_second']:.2f}"),
    ]
    for name, value in rows:
        print(f"  {name:<14}{value}")
    print()
    print(f"  {'stage':<44}{'wall s':>9}{'share':>8}{'CPU s':>9}{'share':>8}")
    for k in STAGES:
        print(
            f"  {STAGE_LABELS[k]:<44}{s['stage_seconds'][k]:>9.2f}{s['stage_share'][k] * 100:>7.1f}%"
            f"{s['stage_cpu_seconds'][k]:>9.2f}{s['stage_cpu_share'][k] * 100:>7.1f}%"
        )
    print()
    print(
        f"  dense embedder alone (batch {REFERENCE_BATCH}, all passages in one call): "
        f"{s['embedder_alone_passages_per_second']:.2f} passages/s "
        f"({s['embedder_alone_seconds']:.2f} s, CPU {s['embedder_alone_cpu_seconds']:.2f} s)"
    )
    print(
        f"  dense stage inside ingestion (one call per file): {s['dense_stage_passages_per_second']:.2f} passages/s"
    )
    print(
        f"  => ingestion runs at {s['ingestion_vs_embedder'] * 100:.0f} % of the embedder's own speed "
        f"(by CPU time: {s['ingestion_vs_embedder_cpu'] * 100:.0f} %)"
    )
    if s["end_to_end"]:
        e = s["end_to_end"]
        print(
            f"  cross-check, Ingestor.ingest(): {e['documents']} documents, {e['passages']} passages in "
            f"{e['seconds']:.2f} s (CPU {e['cpu_seconds']:.2f} s) = {e['passages_per_second']:.2f} passages/s"
        )
    print()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.bench_ingest",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--repeat", type=int, default=3, help="measurement rounds, medians reported (default 3)"
    )
    parser.add_argument("--json", type=Path, default=None, help="also write every figure to this JSON file")
    parser.add_argument(
        "--end-to-end", action="store_true", help="also time the product's Ingestor.ingest() (cross-check)"
    )
    args = parser.parse_args(argv)
    if not 1 <= args.repeat <= 20:
        parser.error("--repeat must be between 1 and 20")
    logging.basicConfig(level=logging.WARNING)
    load_before = loadavg()

    with tempfile.TemporaryDirectory(prefix="kb-bench-ingest-") as tmp:
        base = bench_settings(Path(tmp) / "unused")
        files = collect_files(default_sources(base))
        if not files:
            raise SystemExit(f"no corpus files found under {base.corpus_dir}")
        print(f"Corpus: {len(files)} files listed in {base.manifest_path}", file=sys.stderr)

        started = time.perf_counter()
        # Loads the e5 model; every embedder built later with the same settings shares it (cached backend).
        document_embedder(base, progress_bar=False).warm_up()
        model_load_s = time.perf_counter() - started
        reference = document_embedder(
            base.model_copy(update={"embed_batch_size": REFERENCE_BATCH}), progress_bar=False
        )
        reference.warm_up()
        passages = parse_passages(base, files)

        runs = []
        for i in range(args.repeat):
            run: dict[str, Any] = {}
            # Alternate which goes first, so a drift in machine load does not favour one side.
            order = ("stages", "embedder_alone") if i % 2 == 0 else ("embedder_alone", "stages")
            for what in order:
                print(f"Round {i + 1}/{args.repeat}: {what.replace('_', ' ')} ...", file=sys.stderr)
                if what == "stages":
                    run["stages"] = run_stages(bench_settings(Path(tmp) / f"stages-{i}"), files)
                else:
                    run["embedder_alone"] = run_embedder_alone(reference, passages)
            if run["stages"]["passages"] != len(passages):
                raise SystemExit(f"{run['stages']['passages']} passages written, {len(passages)} expected")
            if args.end_to_end:
                print(f"Round {i + 1}/{args.repeat}: Ingestor.ingest() ...", file=sys.stderr)
                run["end_to_end"] = run_end_to_end(bench_settings(Path(tmp) / f"e2e-{i}"), files)
            runs.append(run)

        summary = summarise(runs, model_load_s, base, load_before)
    print_report(summary)
    write_json(summary, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
