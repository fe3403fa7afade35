"""Retrieval ablations: ``python -m eval.ablation [--only splitting|fusion]``.

Splitting variants (passage size, title and section embedded or not) each build their own store from the
corpus; fusion variants (RRF weights per query language) reuse one store. Prints hybrid R@1, R@5 and MRR@10
per language with the same judging as ``kb eval`` (retrieval only, no answers).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from eval.gold import load_gold
from eval.runner import Ranked, _fresh_store_settings, _judged_id, _metrics, build_qrels
from ingest.service import Ingestor, default_sources
from ingest.store import iter_passages, open_passage_store
from kb_api.retrieval.query_analyzer import QueryAnalyzer
from kb_api.services import Services
from kb_core.settings import Settings, get_settings

SPLITTING: list[tuple[str, dict[str, Any]]] = [
    ("passages ~90 words (max 160), title+section embedded [default]", {}),
    ("passages ~60 words (max 120)", {"passage_target_words": 60, "passage_max_words": 120}),
    ("passages ~140 words (max 220)", {"passage_target_words": 140, "passage_max_words": 220}),
    ("title+section not embedded", {"embed_title_and_section": False}),
]
FUSION: list[tuple[str, tuple[float, float], tuple[float, float]]] = [
    ("nl 1:1, en 0.5:1 [default]", (1.0, 1.0), (0.5, 1.0)),
    ("nl 1:1, en 0:1 (English dense only)", (1.0, 1.0), (0.0, 1.0)),
    ("nl 1:1, en 1:1 (same weights)", (1.0, 1.0), (1.0, 1.0)),
    ("nl 0.5:1, en 0.5:1", (0.5, 1.0), (0.5, 1.0)),
    ("nl 1:0.5, en 0.5:1 (Dutch lexical-heavy)", (1.0, 0.5), (0.5, 1.0)),
]


def _scores(service: Services, gold: Path | None) -> dict[str, dict[str, float]]:
    questions = [q for q in (load_gold(gold) if gold else load_gold()) if q.answerable]
    qrels = build_qrels(questions, list(iter_passages(service.store)))
    runs = {}
    for q in questions:
        outcome = service.search.search(q.question, top_k=10)
        relevant = set(qrels.get(q.id, {}))
        runs[q.id] = Ranked([_judged_id(d, q, relevant) for d in outcome.results], [], outcome.results, 0.0)
    groups = {"all": [q.id for q in questions]}
    for lang in ("nl", "en"):
        groups[lang] = [q.id for q in questions if q.lang == lang]
    return {name: _metrics(qrels, runs, ids) for name, ids in groups.items()}


def _row(table: Table, label: str, scores: dict[str, dict[str, float]]) -> None:
    cells = [
        f"{scores[g].get(m, 0):.3f}"
        for g in ("nl", "en", "all")
        for m in ("hit_rate@1", "hit_rate@5", "mrr@10")
    ]
    table.add_row(label, *cells)


def _service(settings: Settings, folder: Path) -> Services:
    variant = _fresh_store_settings(settings, folder)
    store = open_passage_store(variant)
    Ingestor(variant, store, progress=False).ingest(default_sources(variant))
    service = Services.build(variant, store)
    service.warm_up()
    return service


def main() -> None:
    """Run the ablations and print one table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", choices=["splitting", "fusion"])
    parser.add_argument("--gold", type=Path)
    args = parser.parse_args()
    settings = get_settings()
    table = Table(title="Hybrid retrieval ablations")
    table.add_column("variant")
    for group in ("nl", "en", "all"):
        for metric in ("R@1", "R@5", "MRR"):
            table.add_column(f"{group} {metric}", justify="right")
    with tempfile.TemporaryDirectory(prefix="kb-ablation-") as tmp:
        if args.only != "fusion":
            for i, (label, update) in enumerate(SPLITTING):
                service = _service(settings.with_changes(ingest=update), Path(tmp) / f"s{i}")
                _row(table, label, _scores(service, args.gold))
                service.store.close()
        if args.only != "splitting":
            service = _service(settings, Path(tmp) / "fusion")
            analyzer = service.search.haystack_pipeline.get_component("analyzer")
            assert isinstance(analyzer, QueryAnalyzer)
            for label, dutch, english in FUSION:
                analyzer.dutch_weights, analyzer.english_weights = dutch, english
                _row(table, label, _scores(service, args.gold))
            service.store.close()
    Console(width=200).print(table)


if __name__ == "__main__":
    main()
