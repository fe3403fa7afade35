"""The evaluation harness end to end on a small gold file, and the quality gate catching a regression."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rich.console import Console

from eval.gold import DEFAULT_GOLD, load_gold
from eval.runner import check_thresholds, run_evaluation
from kb_core.settings import Settings

SUBSET = ("q001", "q024", "q034", "q069", "q093", "q108")


@pytest.fixture(scope="module")
def small_gold(tmp_path_factory: pytest.TempPathFactory) -> Path:
    lines = [
        line
        for line in DEFAULT_GOLD.read_text(encoding="utf-8").splitlines()
        if line.strip() and json.loads(line)["id"] in SUBSET
    ]
    path = tmp_path_factory.mktemp("gold") / "small.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert len(load_gold(path)) == len(SUBSET)
    return path


@pytest.fixture(scope="module")
def evaluated(small_gold: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Path]:
    out = tmp_path_factory.mktemp("run")
    settings = Settings(qdrant_path=tmp_path_factory.mktemp("unused") / "qdrant")
    ok = run_evaluation(
        settings, gold=small_gold, out=out, modes=["hybrid", "lexical"], console=Console(quiet=True)
    )
    assert ok
    return json.loads((out / "report.json").read_text(encoding="utf-8")), out


def test_report_has_the_metrics_per_mode_language_and_kind(evaluated: tuple[dict, Path]) -> None:
    report, out = evaluated
    assert set(report["splits"]) == {"dev", "test", "all"}
    splits = {q.id: q.split for q in load_gold(DEFAULT_GOLD) if q.id in SUBSET}
    assert report["splits"]["dev"]["questions"] == sum(1 for s in splits.values() if s == "dev")
    assert report["splits"]["test"]["questions"] == sum(1 for s in splits.values() if s == "test")
    whole = report["splits"]["all"]
    assert set(whole["modes"]) == {"hybrid", "lexical"}
    hybrid = whole["modes"]["hybrid"]["metrics"]
    assert {"all", "lang=nl", "lang=en", "kind=comparison"} <= set(hybrid)
    assert {"hit_rate@1", "hit_rate@5", "mrr@10", "ndcg@10"} <= set(hybrid["all"])
    # the product finds the answer-bearing passage for these easy questions
    assert hybrid["all"]["hit_rate@5"] >= 0.8
    assert whole["answers"]["abstention_accuracy"] == 1.0  # q108: a municipality the corpus never names
    answers = whole["answers"]
    assert 0.0 <= answers["first_quote_accuracy"] <= answers["accuracy"]["all"]
    assert answers["answered_unanswerable"] == []
    assert report["ingestion"]["documents"] == 7 and not report["ingestion"]["failed"]
    # every question's outcome is kept, and the intervals are of the same figures the report gives
    assert set(whole["outcomes"]) == set(SUBSET)
    intervals = whole["intervals"]
    assert intervals["answer accuracy"]["value"] == pytest.approx(answers["accuracy"]["all"], abs=1e-4)
    assert intervals["first quote"]["value"] == pytest.approx(answers["first_quote_accuracy"], abs=1e-4)
    assert intervals["abstention"]["value"] == pytest.approx(answers["abstention_accuracy"], abs=1e-4)
    assert intervals["false abstention"]["value"] == pytest.approx(answers["false_abstention_rate"], abs=1e-4)
    assert intervals["MRR@10"]["value"] == pytest.approx(hybrid["all"]["mrr@10"], abs=1e-4)
    for lang in ("nl", "en"):
        assert intervals[f"MRR@10 {lang}"]["value"] == pytest.approx(
            hybrid[f"lang={lang}"]["mrr@10"], abs=1e-4
        )
    assert intervals["R@5"]["value"] == pytest.approx(hybrid["all"]["hit_rate@5"], abs=1e-4)
    for figure in intervals.values():
        assert figure["low"] <= figure["value"] <= figure["high"]
    trec = (out / "run.hybrid.trec").read_text().splitlines()
    _qid, q0, pid, rank, _score, tag = trec[0].split()
    assert q0 == "Q0" and rank == "1" and tag == "via-hybrid" and "#" in pid


def test_gate_fails_on_a_regression_and_passes_at_the_bar(
    evaluated: tuple[dict, Path], tmp_path: Path
) -> None:
    report, _ = evaluated
    measured = report["splits"]["all"]["modes"]["hybrid"]["metrics"]["all"]["mrr@10"]
    bar = tmp_path / "thresholds.json"
    bar.write_text(json.dumps({"minimum": {"splits/all/modes/hybrid/metrics/all/mrr@10": measured}}))
    assert check_thresholds(report, bar) == []
    # a deliberate regression: the same report with a worse MRR must fail the gate
    worse = json.loads(json.dumps(report))
    worse["splits"]["all"]["modes"]["hybrid"]["metrics"]["all"]["mrr@10"] = measured - 0.05
    failures = check_thresholds(worse, bar)
    assert failures and "mrr@10" in failures[0]
    # a metric missing from the report fails too, rather than passing silently
    bar.write_text(json.dumps({"minimum": {"modes/hybrid/metrics/all/no_such_metric": 0.1}}))
    assert check_thresholds(report, bar)


def test_the_real_thresholds_file_is_well_formed() -> None:
    data = json.loads((Path(__file__).resolve().parent.parent / "eval" / "thresholds.json").read_text())
    assert data["minimum"] and all(0 < v <= 1 for v in data["minimum"].values())
    # the gate is on the held-out split only
    assert all(key.startswith("splits/test/") for key in data["minimum"])


def test_the_gold_set_is_split_once_into_dev_and_test_with_both_languages_and_kinds() -> None:
    questions = load_gold(DEFAULT_GOLD)
    assert len(questions) >= 200 and sum(not q.answerable for q in questions) >= 40
    for split in ("dev", "test"):
        part = [q for q in questions if q.split == split]
        assert {q.lang for q in part} == {"nl", "en"}
        assert any(not q.answerable for q in part)
    assert {q.split for q in questions} == {"dev", "test"}
    dev_share = sum(q.split == "dev" for q in questions) / len(questions)
    assert 0.55 <= dev_share <= 0.65
    from eval.split import reassign_in_batches

    raw = [json.loads(line) for line in DEFAULT_GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]
    again = reassign_in_batches(raw)
    assert [q["split"] for q in again] == [q["split"] for q in raw]  # seeded: the split is reproducible
