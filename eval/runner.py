"""``kb eval``: run the gold questions through the product's own search and ask code and report metrics.

Retrieval metrics come from ranx (hit rate = "R@k": share of questions with an answer-bearing passage in
the top k; MRR@10; nDCG@10; recall@10 over all answer-bearing passages). The store is built fresh from the
corpus in a temporary folder, so every run measures parsing, splitting and embedding as well.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from haystack import Document
from ranx import Qrels, Run, evaluate
from rich.console import Console
from rich.table import Table

from eval.gold import DEFAULT_GOLD, GoldQuestion, answered_within, answers, load_gold, span_in
from eval.uncertainty import intervals, question_outcomes
from ingest.service import Ingestor, default_sources
from ingest.store import iter_passages, opened_store
from kb_api.services import Services
from kb_core.domain import SearchFilters
from kb_core.settings import Settings

EVAL_DIR = Path(__file__).resolve().parent
THRESHOLDS = EVAL_DIR / "thresholds.json"
METRICS = ["hit_rate@1", "hit_rate@5", "hit_rate@10", "mrr@10", "ndcg@10", "recall@10"]
TOP_K = 10


@dataclass
class Ranked:
    """The ranked passage ids a mode returned for one question (duplicates resolved for judging)."""

    ids: list[str]
    scores: list[float]
    documents: list[Document]
    latency_ms: float


def _judged_id(doc: Document, q: GoldQuestion, relevant_ids: set[str]) -> str:
    """The id to judge a result by: itself, or the passage of a grouped duplicate that bears the answer."""
    if doc.id in relevant_ids:
        return doc.id
    for ref in doc.meta.get("also_in", []):
        if ref.get("passage_id") in relevant_ids:
            return str(ref["passage_id"])
    return doc.id


def build_qrels(questions: list[GoldQuestion], passages: list[Document]) -> dict[str, dict[str, int]]:
    """Answer-bearing passages per question, found by their text."""
    qrels: dict[str, dict[str, int]] = {}
    for q in questions:
        if not q.answerable:
            continue
        hits = {
            p.id: 1 for p in passages if answers(q.relevant, p.meta.get("document_id", ""), p.content or "")
        }
        qrels[q.id] = hits
    return qrels


def _fresh_store_settings(settings: Settings, folder: Path) -> Settings:
    return settings.with_changes(store={"qdrant_path": folder, "qdrant_url": None})


def _percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def _metrics(qrels: dict[str, dict[str, int]], runs: dict[str, Ranked], qids: list[str]) -> dict[str, float]:
    qids = [q for q in qids if qrels.get(q)]
    if not qids:
        return {}
    qr = Qrels({q: qrels[q] for q in qids})
    run_dict = {
        q: {pid: float(len(runs[q].ids) - i) for i, pid in enumerate(runs[q].ids)} or {"__none__": 0.0}
        for q in qids
    }
    scores = evaluate(qr, Run(run_dict), METRICS, make_comparable=True)
    return {k: round(float(v), 4) for k, v in scores.items()}


def _write_trec(path: Path, runs: dict[str, Ranked], tag: str) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for qid in sorted(runs):
            for rank, (pid, score) in enumerate(zip(runs[qid].ids, runs[qid].scores, strict=True), start=1):
                fh.write(f"{qid} Q0 {pid} {rank} {score:.6f} {tag}\n")


def run_evaluation(
    settings: Settings,
    *,
    gold: Path | None = None,
    out: Path | None = None,
    modes: list[str] | None = None,
    gate: bool = False,
    thresholds: Path = THRESHOLDS,
    as_json: bool = False,
    console: Console | None = None,
) -> bool:
    """Evaluate, print the table, write report + TREC runs; with ``gate``, return False below thresholds."""
    console = console or Console()
    modes = modes or ["hybrid", "dense", "lexical"]
    questions = load_gold(gold or DEFAULT_GOLD)
    out = out or EVAL_DIR / "runs" / "latest"
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="kb-eval-") as tmp:
        eval_settings = _fresh_store_settings(settings, Path(tmp) / "qdrant")
        with opened_store(eval_settings) as store:
            started = time.perf_counter()
            report = Ingestor(eval_settings, store, progress=not as_json).ingest(
                default_sources(eval_settings)
            )
            ingest_seconds = time.perf_counter() - started
            passages = list(iter_passages(store))
            service = Services.build(eval_settings, store)
            service.warm_up()
            result = _evaluate(service, questions, passages, modes, out)
    result["ingestion"] = {"documents": len(report.ingested), "passages": report.passages,
                           "seconds": round(ingest_seconds, 1), "failed": [f.to_dict() for f in report.failed]}  # fmt: skip
    result["gold"] = str(gold or DEFAULT_GOLD)
    result["config"] = {
        "passage_target_words": settings.ingest.passage_target_words,
        "passage_max_words": settings.ingest.passage_max_words,
        "embed_title_and_section": settings.ingest.embed_title_and_section,
        "candidates_per_leg": settings.search.candidates_per_leg,
        "rrf_k": settings.search.rrf_k,
        "answer_passages": settings.answer.passages,
        "answer_max_quotes": settings.answer.max_quotes,
    }
    gate_failures = check_thresholds(result, thresholds) if gate else []
    result["gate"] = {"checked": gate, "failures": gate_failures}
    (out / "report.json").write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
    if as_json:
        console.print_json(json.dumps(result, ensure_ascii=False))
    else:
        print_report(result, console)
        console.print(f"\nRapport: {out / 'report.json'}; TREC-runs: {out}/run.<mode>.trec")
        for failure in gate_failures:
            console.print(f"[red]GATE FAILED[/red] {failure}")
        if gate and not gate_failures:
            console.print("[green]Quality gate passed[/green]")
    return not gate_failures


SPLITS = ("dev", "test")


def _evaluate(
    service: Services,
    questions: list[GoldQuestion],
    passages: list[Document],
    modes: list[str],
    out: Path,
) -> dict[str, Any]:
    """Every question through every mode (and /ask), then the metrics of each split side by side."""
    qrels = build_qrels(questions, passages)
    result: dict[str, Any] = {
        "questions": len(questions),
        "answerable": sum(q.answerable for q in questions),
        "questions_without_answer_passage": [q.id for q in questions if q.answerable and not qrels.get(q.id)],
        "splits": {},
    }
    by_id = {q.id: q for q in questions}
    runs_by_mode: dict[str, dict[str, Ranked]] = {}
    for mode in modes:
        runs: dict[str, Ranked] = {}
        for q in questions:
            started = time.perf_counter()
            outcome = service.search.search(q.question, top_k=TOP_K, mode=mode)  # type: ignore[arg-type]
            latency = (time.perf_counter() - started) * 1000
            relevant_ids = set(qrels.get(q.id, {}))
            runs[q.id] = Ranked(
                [_judged_id(d, q, relevant_ids) for d in outcome.results],
                [float(d.score or 0.0) for d in outcome.results],
                outcome.results,
                latency,
            )
        _write_trec(
            out / f"run.{mode}.trec", {k: v for k, v in runs.items() if by_id[k].answerable}, f"via-{mode}"
        )
        runs_by_mode[mode] = runs
    answers = _answer_all(service, questions) if "hybrid" in modes else {}
    regional, within = answer_within_regions(service, questions) if "hybrid" in modes else ([], {})
    outcomes = (
        question_outcomes(
            questions,
            {qid: ranked.ids for qid, ranked in runs_by_mode["hybrid"].items()},
            qrels,
            {q.id: _quotes_bearing(q, answers[q.id][0]) for q in questions},
        )
        if answers
        else {}
    )
    for split in (*SPLITS, "all"):
        members = [q for q in questions if split == "all" or q.split == split]
        result["splits"][split] = _split_result(members, qrels, runs_by_mode, answers)
        if outcomes:
            # Each question's outcome, so that two reports can be compared question by question (kb compare-runs).
            split_outcomes = {q.id: outcomes[q.id] for q in members}
            result["splits"][split]["outcomes"] = split_outcomes
            result["splits"][split]["intervals"] = intervals(split_outcomes)
        if within:
            result["splits"][split]["answers_within_region"] = _answer_figures(
                [q for q in regional if split == "all" or q.split == split], within
            )
    return result


def document_regions(service: Services) -> dict[str, str | None]:
    """Each stored document's region."""
    return {doc_id: s.info.region for doc_id, s in service.catalogue.summaries().items()}


def corpus_regions(region_of: dict[str, str | None]) -> list[str]:
    """The regions of the corpus's documents (``document_regions``), sorted."""
    return sorted({r for r in region_of.values() if r})


def answer_within_regions(
    service: Services, questions: list[GoldQuestion]
) -> tuple[list[GoldQuestion], dict[str, Any]]:
    """Every question asked with each region as filter (as the compare view asks it), as questions of their own:
    ``q001@Noordoost-Brabant`` is answerable when it is answered within that region (``answered_within``).
    Returns those questions and their /ask outcomes with latencies."""
    region_of = document_regions(service)
    regional: list[GoldQuestion] = []
    answers: dict[str, Any] = {}
    for region in corpus_regions(region_of):
        filters = SearchFilters(region=[region])
        for q in questions:
            scoped = replace(q, id=f"{q.id}@{region}", answerable=answered_within(q, region, region_of))
            started = time.perf_counter()
            outcome = service.ask.answer(q.question, filters=filters)
            answers[scoped.id] = (outcome, (time.perf_counter() - started) * 1000)
            regional.append(scoped)
    return regional, answers


def _split_result(
    questions: list[GoldQuestion],
    qrels: dict[str, dict[str, int]],
    runs_by_mode: dict[str, dict[str, Ranked]],
    answers: dict[str, Any],
) -> dict[str, Any]:
    """Retrieval and answer figures of one split."""
    groups: dict[str, list[str]] = defaultdict(list)
    for q in questions:
        if q.answerable:
            groups["all"].append(q.id)
            groups[f"lang={q.lang}"].append(q.id)
            groups[f"kind={q.kind}"].append(q.id)
    result: dict[str, Any] = {"questions": len(questions), "answerable": len(groups["all"]), "modes": {}}
    ids = {q.id for q in questions}
    for mode, all_runs in runs_by_mode.items():
        runs = {k: v for k, v in all_runs.items() if k in ids}
        latencies = [r.latency_ms for r in runs.values()]
        result["modes"][mode] = {
            "metrics": {name: _metrics(qrels, runs, members) for name, members in sorted(groups.items())},
            "latency_ms": {
                "p50": round(_percentile(latencies, 50), 1),
                "p95": round(_percentile(latencies, 95), 1),
            },
            "both_regions": _both_regions(questions, runs),
        }
    if answers:
        result["answers"] = _answer_figures(questions, answers)
        hybrid = runs_by_mode["hybrid"]
        result["misses"] = [
            {"id": q.id, "lang": q.lang, "question": q.question,
             "top": [f"{d.meta.get('document_id')} p{d.meta.get('page')}" for d in hybrid[q.id].documents[:3]]}
            for q in questions
            if q.answerable and qrels.get(q.id) and not set(hybrid[q.id].ids[:5]) & set(qrels[q.id])
        ]  # fmt: skip
    return result


def _both_regions(questions: list[GoldQuestion], runs: dict[str, Ranked]) -> dict[str, Any]:
    comparison = [q for q in questions if q.answerable and len(q.regions) >= 2]
    covered = []
    for q in comparison:
        found = {d.meta.get("region") for d in runs[q.id].documents}
        for doc in runs[q.id].documents:
            found |= {ref.get("region") for ref in doc.meta.get("also_in", [])}
        if set(q.regions) <= found:
            covered.append(q.id)
    share = len(covered) / len(comparison) if comparison else 0.0
    return {"questions": len(comparison), "covered": len(covered), "share": round(share, 4)}


def _bears_answer(q: GoldQuestion, citation: dict[str, Any]) -> bool:
    """Whether a citation's quote holds a gold span of its document (or of a document it is also in)."""
    documents = {citation["document_id"], *(a["document_id"] for a in citation["also_in"])}
    return any(
        span_in(span, citation["quote"]) for j in q.relevant if j.document_id in documents for span in j.spans
    )


def _quotes_bearing(q: GoldQuestion, outcome: Any) -> tuple[bool, list[bool]]:
    """Whether ``/ask`` answered ``q``, and which of its quotes bear a gold span (none when it refused)."""
    if not outcome.answerable:
        return False, []
    return True, [_bears_answer(q, c) for c in outcome.citations]


def _answer_entry(q: GoldQuestion, answer: str) -> dict[str, str]:
    """A question and the start of its answer, for the report's lists of wrong answers."""
    return {"id": q.id, "question": q.question, "answer": answer[:300]}


def _print_answers(
    console: Console, title: str, entries: list[dict[str, str]], limit: int | None = None
) -> None:
    console.print(f"\n[bold]{title}: {len(entries)}[/bold]")
    for entry in entries[:limit]:
        console.print(f"  {entry['id']} {entry['question']}\n     → {entry['answer'][:160]}")


def _answer_all(service: Services, questions: list[GoldQuestion]) -> dict[str, Any]:
    """Each question's /ask outcome and latency."""
    answers: dict[str, Any] = {}
    for q in questions:
        started = time.perf_counter()
        outcome = service.ask.answer(q.question)
        answers[q.id] = (outcome, (time.perf_counter() - started) * 1000)
    return answers


def _answer_figures(questions: list[GoldQuestion], answers: dict[str, Any]) -> dict[str, Any]:
    """Answer accuracy (overall, per language and kind), first quote, abstention and latency of ``questions``."""
    correct: dict[str, list[int]] = defaultdict(list)
    abstained: list[int] = []
    latencies = []
    answer_misses = []
    false_abstentions = []
    answered_unanswerable: list[dict[str, str]] = []
    first_quote: list[int] = []
    for q in questions:
        outcome, latency = answers[q.id]
        latencies.append(latency)
        if not q.answerable:
            abstained.append(0 if outcome.answerable else 1)
            if outcome.answerable:
                answered_unanswerable.append(_answer_entry(q, outcome.answer))
            continue
        _, bearing = _quotes_bearing(q, outcome)
        ok = any(bearing)
        for key in ("all", f"lang={q.lang}", f"kind={q.kind}"):
            correct[key].append(1 if ok else 0)
        first_quote.append(1 if bearing and bearing[0] else 0)
        if not outcome.answerable:
            false_abstentions.append(q.id)
        elif not ok:
            answer_misses.append(_answer_entry(q, outcome.answer))
    answerable = len(first_quote)
    return {
        "accuracy": {k: round(sum(v) / len(v), 4) for k, v in sorted(correct.items())},
        "first_quote_accuracy": round(sum(first_quote) / answerable, 4) if answerable else None,
        "abstention_accuracy": round(sum(abstained) / len(abstained), 4) if abstained else None,
        "false_abstention_rate": round(len(false_abstentions) / answerable, 4) if answerable else None,
        "unanswerable": len(abstained),
        "false_abstentions": false_abstentions,
        "answered_unanswerable": answered_unanswerable,
        "misses": answer_misses,
        "latency_ms": {
            "p50": round(_percentile(latencies, 50), 1),
            "p95": round(_percentile(latencies, 95), 1),
        },
    }


def _lookup(result: dict[str, Any], key: str) -> float | None:
    node: Any = result
    for part in key.split("/"):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return float(node) if isinstance(node, int | float) else None


def check_thresholds(result: dict[str, Any], path: Path = THRESHOLDS) -> list[str]:
    """Every threshold in eval/thresholds.json that the result does not reach (keys are /-paths)."""
    thresholds = json.loads(path.read_text(encoding="utf-8"))["minimum"]
    failures = []
    for key, minimum in thresholds.items():
        value = _lookup(result, key)
        if value is None or value < minimum:
            failures.append(f"{key} = {value} < {minimum}")
    return failures


def print_report(result: dict[str, Any], console: Console) -> None:
    """Retrieval and answer figures of ``dev`` and ``test`` side by side, then what ``test`` missed."""
    splits = result["splits"]
    modes = list(splits["test"]["modes"])
    table = Table(
        title=f"Retrieval — dev {splits['dev']['answerable']} / test {splits['test']['answerable']} answerable questions"
    )
    table.add_column("group")
    table.add_column("metric")
    for mode in modes:
        for split in SPLITS:
            table.add_column(f"{mode} {split}", justify="right")
    groups = sorted(
        set(splits["test"]["modes"][modes[0]]["metrics"]) | set(splits["dev"]["modes"][modes[0]]["metrics"]),
        key=lambda g: (g != "all", not g.startswith("lang="), g),
    )
    for group in groups:
        for metric in ("hit_rate@1", "hit_rate@5", "hit_rate@10", "mrr@10", "ndcg@10"):
            cells = [
                f"{splits[sp]['modes'][m]['metrics'].get(group, {}).get(metric, 0):.3f}"
                for m in modes
                for sp in SPLITS
            ]
            table.add_row(group, metric.replace("hit_rate", "R"), *cells)
        table.add_section()
    table.add_row("comparison", "both regions",
                  *[f"{splits[sp]['modes'][m]['both_regions']['share']:.3f}" for m in modes for sp in SPLITS])  # fmt: skip
    table.add_row("latency", "p50 / p95 ms",
                  *[f"{splits[sp]['modes'][m]['latency_ms']['p50']:.0f} / {splits[sp]['modes'][m]['latency_ms']['p95']:.0f}"
                    for m in modes for sp in SPLITS])  # fmt: skip
    console.print(table)
    if "answers" not in splits["test"]:
        return
    answers = Table(title="Answers (/ask)")
    answers.add_column("figure")
    for split in SPLITS:
        answers.add_column(split, justify="right")
    keys = sorted(set(splits["dev"]["answers"]["accuracy"]) | set(splits["test"]["answers"]["accuracy"]),
                  key=lambda k: (k != "all", not k.startswith("lang="), k))  # fmt: skip
    for key in keys:
        answers.add_row(
            f"answer accuracy {key}", *[_fmt(splits[sp]["answers"]["accuracy"].get(key)) for sp in SPLITS]
        )
    for label, key in (("first quote bears the answer", "first_quote_accuracy"),
                       ("abstention on unanswerable", "abstention_accuracy"),
                       ("false abstention on answerable", "false_abstention_rate")):  # fmt: skip
        answers.add_row(label, *[_fmt(splits[sp]["answers"][key]) for sp in SPLITS])
    answers.add_row("unanswerable questions", *[str(splits[sp]["answers"]["unanswerable"]) for sp in SPLITS])
    if "answers_within_region" in splits["test"]:
        answers.add_section()
        for label, key in (("within one region: answer accuracy", "accuracy"),
                           ("within one region: first quote", "first_quote_accuracy"),
                           ("within one region: abstention where it has no answer", "abstention_accuracy"),
                           ("within one region: false abstention", "false_abstention_rate")):  # fmt: skip
            within = [splits[sp]["answers_within_region"] for sp in SPLITS]
            answers.add_row(
                label, *[_fmt(w[key].get("all") if key == "accuracy" else w[key]) for w in within]
            )
        answers.add_row("question x region rows without an answer",
                        *[str(splits[sp]["answers_within_region"]["unanswerable"]) for sp in SPLITS])  # fmt: skip
        answers.add_section()
    answers.add_row("latency p50 / p95 ms", *[
        f"{splits[sp]['answers']['latency_ms']['p50']:.0f} / {splits[sp]['answers']['latency_ms']['p95']:.0f}"
        for sp in SPLITS])  # fmt: skip
    console.print(answers)
    if splits["test"].get("intervals"):
        print_intervals(splits, console)
    test = splits["test"]
    if test.get("misses"):
        console.print(
            f"\n[bold]test: retrieval misses (nothing answer-bearing in top 5): {len(test['misses'])}[/bold]"
        )
        for miss in test["misses"]:
            console.print(f"  {miss['id']} [{miss['lang']}] {miss['question']}  → {', '.join(miss['top'])}")
    if test["answers"]["misses"]:
        _print_answers(console, "test: answer misses", test["answers"]["misses"], limit=25)
    if test["answers"]["answered_unanswerable"]:
        _print_answers(
            console,
            "test: answered although the corpus does not answer",
            test["answers"]["answered_unanswerable"],
        )
    if result.get("questions_without_answer_passage"):
        console.print(
            f"[yellow]Gold spans found in no passage: {result['questions_without_answer_passage']}[/yellow]"
        )


def print_intervals(splits: dict[str, Any], console: Console) -> None:
    """The headline figures of each split with their 95 % bootstrap intervals over questions."""
    table = Table(title="95 % intervals (bootstrap over questions; eval/uncertainty.py)")
    table.add_column("figure")
    for split in SPLITS:
        table.add_column(split, justify="right")
    for figure in splits["test"]["intervals"]:
        cells = []
        for split in SPLITS:
            i = splits[split].get("intervals", {}).get(figure)
            cells.append(f"{i['value']:.3f} [{i['low']:.3f}, {i['high']:.3f}] n={i['n']}" if i else "-")
        table.add_row(figure, *cells)
    console.print(table)


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"
