"""``kb train-answerer``: fit the answer scorer on the gold set's ``dev`` half and test it on ``test``.

1. A fresh store is built from the corpus (as ``kb eval`` does) and every ``dev`` question is retrieved and
   turned into candidate units with their features by the product's own code
   (``ExtractiveAnswerer.prepare``).
2. A candidate is labelled positive when its quote holds a gold span of its document (the 60 % rule of
   the evaluation) or lies inside one. The unit model is a logistic regression; its regularisation is
   chosen by 5-fold cross-validation over questions, repeated on five seeded shuffles (log loss,
   one-standard-error rule).
3. From the cross-validated unit probabilities, per question features are made and the answerability model
   (logistic regression, label: the question is answerable) is fitted the same way, on the same folds; its
   threshold is the highest that refuses at most ``max_false_abstention`` of the answerable questions
   (default 15 %, see below) on one repeat's cross-validated probabilities, the median over the repeats; the
   share of the best probability another quote needs (``quote_ratio``) is chosen on the same predictions.
4. Both are refitted on all of ``dev`` (the answerability model on the cross-validated unit probabilities:
   at run time it reads the unit model's probabilities for questions that model has not seen) and written
   to ``kb_api/retrieval/answer_model.json`` with the cross-validated ``dev`` figures; then the product
   answers every ``test`` question with the new file and the ``test`` figures are printed and stored beside
   them. Nothing is fitted or tuned on ``test``.
5. The region model: every ``dev`` question is asked again with each region of the corpus as filter (as the
   compare view asks it); such a row is answerable when the question is and a document that answers it is of
   that region. The unit model's cross-validated probabilities of these rows come from the same folds (a
   question's rows are held out with it); a third logistic model is fitted on their question features, with
   its own threshold by the same budget rule, and decides every question read within one region. Fitting the
   corpus model on these rows as well lowered its own separation (eval/README.md, twelfth session).
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from eval.gold import DEFAULT_GOLD, GoldQuestion, answered_within, load_gold, normalise, span_in
from eval.runner import _fresh_store_settings, corpus_regions, document_regions
from ingest.service import Ingestor, default_sources
from ingest.store import opened_store
from kb_api.retrieval.answer_features import QUESTION_FEATURES, UNIT_FEATURES, question_features
from kb_api.retrieval.answer_model import DEFAULT_MODEL, AnswerModel, LogisticModel
from kb_api.retrieval.answerer import Scored, key_entities, missing_from
from kb_api.services import Services
from kb_core.domain import SearchFilters
from kb_core.settings import Settings

C_GRID = (0.03, 0.1, 0.3, 1.0, 3.0)
RATIO_GRID = (0.3, 0.5, 0.7, 0.85, 1.01)
FOLDS = 5
REPEATS = 5
FOLD_SEED = 20261201


@dataclass
class Example:
    """One gold question with its scored candidates and their labels."""

    question: GoldQuestion
    scored: Scored
    labels: np.ndarray


def candidate_label(q: GoldQuestion, document_ids: set[str], quote: str) -> bool:
    """Whether a quote from one of ``document_ids`` answers ``q``: it holds a gold span, or lies inside one."""
    quote_norm = normalise(quote)
    for judgement in q.relevant:
        if judgement.document_id not in document_ids:
            continue
        for span in judgement.spans:
            if span_in(span, quote) or (len(quote_norm.split()) >= 4 and quote_norm in normalise(span)):
                return True
    return False


def collect(services: Services, questions: list[GoldQuestion], region: str | None = None) -> list[Example]:
    """Retrieve and prepare every question the way ``/ask`` does (with ``region``: as ``/ask`` with that region
    as filter), and label the candidates."""
    ask = services.ask
    filters = SearchFilters(region=[region]) if region else None
    examples = []
    for q in questions:
        query = " ".join(q.question.split())
        regions = ask.regions_compared(query)
        outcome = services.search.search(
            query, top_k=ask.answerer.passages * (2 if regions else 1), filters=filters
        )
        missing = missing_from(key_entities(query), services.catalogue.corpus_terms())
        if outcome.scored is not None:
            # The search pipeline's re-ranker scored these passages in the fused order already: its features
            # are the ones /ask reads; only the names the corpus lacks are added to the question.
            scored = replace(
                outcome.scored,
                question=replace(outcome.scored.question, missing_entities=missing),
                probabilities=np.zeros(len(outcome.scored.candidates)),
            )
        else:
            scored = ask.answerer.prepare(
                query,
                outcome.results,
                outcome.query_embedding or [],
                language=outcome.language,
                missing_entities=missing,
                query_terms=outcome.query_terms,
                common_words=services.catalogue.common_words(),
                known_terms=services.catalogue.corpus_terms(),
            )
        ask.answerer.add_drops(scored)
        labels = np.asarray(
            [
                candidate_label(
                    q,
                    {
                        str(c.passage.meta.get("document_id")),
                        *(a["document_id"] for a in c.passage.meta.get("also_in", [])),
                    },
                    c.quote,
                )
                for c in scored.candidates
            ],
            dtype=bool,
        )
        examples.append(Example(q, scored, labels))
    return examples


def region_examples(services: Services, questions: list[GoldQuestion]) -> tuple[list[Example], np.ndarray]:
    """Every question asked within each region of the corpus (as a region filter asks it), and whether that
    region's documents answer it: the question is answerable and a document that answers it is of that region.
    The label is the gold set's, not whether retrieval found the span."""
    region_of = document_regions(services)
    examples: list[Example] = []
    labels: list[bool] = []
    for region in corpus_regions(region_of):
        for e in collect(services, questions, region):
            examples.append(e)
            labels.append(answered_within(e.question, region, region_of))
    return examples, np.asarray(labels, dtype=bool)


def _fit(x: np.ndarray, y: np.ndarray, c: float) -> LogisticModel:
    scaler = StandardScaler().fit(x)
    scale = np.where(scaler.scale_ > 0, scaler.scale_, 1.0)
    model = LogisticRegression(C=c, max_iter=2000).fit((x - scaler.mean_) / scale, y)
    return LogisticModel(UNIT_FEATURES if x.shape[1] == len(UNIT_FEATURES) else QUESTION_FEATURES,
                         scaler.mean_, scale, model.coef_[0], float(model.intercept_[0]))  # fmt: skip


def question_folds(n_groups: int, repeats: int = REPEATS, seed: int = FOLD_SEED) -> list[list[np.ndarray]]:
    """For each repeat, ``min(FOLDS, n_groups)`` disjoint sets of question indices (0 … ``n_groups`` - 1)
    covering all of them, from a seeded shuffle. A question's fold depends only on the number of questions and
    the seed, not on its candidates, so a change to one question's candidates moves no other question between
    folds."""
    if n_groups < 2:
        raise ValueError(f"cross-validation needs at least two questions, got {n_groups}")
    k = min(FOLDS, n_groups)
    out = []
    for r in range(repeats):
        order = np.random.default_rng(seed + r).permutation(n_groups)
        out.append([np.sort(order[f::k]) for f in range(k)])
    return out


@dataclass
class CrossValidation:
    """What :func:`cross_validated` found: the C chosen, its out-of-fold probabilities (the mean over the
    repeats, and each repeat's), the cross-validated log loss per C, and the extra rows' out-of-fold
    probabilities (mean over the repeats)."""

    c: float
    oof: np.ndarray
    per_repeat: list[np.ndarray]
    losses: dict[float, float]
    extra_oof: np.ndarray


def cross_validated(
    x: np.ndarray,
    y: np.ndarray,
    groups: np.ndarray,
    n_groups: int,
    c_grid: tuple[float, ...] = C_GRID,
    extra: tuple[np.ndarray, np.ndarray] | None = None,
) -> CrossValidation:
    """C by cross-validated log loss. ``groups``: the question index (0 … ``n_groups`` - 1) of each row; folds
    are sets of questions (``question_folds``, ``REPEATS`` seeded shuffles), the same for the unit and the
    answerability model, so no row is scored by a model that saw its question. Losses are averaged over the
    repeats, which takes the luck of one fold assignment out of the choice. The C chosen is the smallest (most
    regularised) whose loss is within one standard error of the best ("one-standard-error rule"): losses that
    close are a tie the last digits of the embeddings can decide, and the weaker regularisation lets
    correlated question features take large opposite weights. ``extra``: more rows and their question indices,
    scored out of fold by the same models (never trained on): the same questions asked another way."""
    repeats = question_folds(n_groups)
    losses: dict[float, float] = {}
    errors: dict[float, float] = {}
    runs: dict[float, list[np.ndarray]] = {}
    extra_runs: dict[float, list[np.ndarray]] = {}
    extra_x, extra_groups = (
        extra if extra is not None else (np.zeros((0, x.shape[1])), np.zeros(0, dtype=int))
    )
    if len(extra_groups) and (extra_groups.min() < 0 or extra_groups.max() >= n_groups):
        raise ValueError(f"extra rows must belong to questions 0 … {n_groups - 1}")
    _, group_index = np.unique(groups, return_inverse=True)
    for c in c_grid:
        per_sample = np.zeros(len(y))
        runs[c] = []
        extra_runs[c] = []
        for folds in repeats:
            this = np.zeros(len(y))
            this_extra = np.zeros(len(extra_x))
            for held_groups in folds:
                held = np.isin(groups, held_groups)
                held_extra = np.isin(extra_groups, held_groups)
                if not held.any() and not held_extra.any():
                    continue
                train = ~held
                if len(set(y[train].tolist())) < 2:
                    this[held] = float(y[train].mean())
                    this_extra[held_extra] = float(y[train].mean())
                    continue
                fitted = _fit(x[train], y[train], c)
                this[held] = fitted.probability(x[held])
                this_extra[held_extra] = fitted.probability(extra_x[held_extra])
            p = np.clip(this, 1e-6, 1 - 1e-6)
            per_sample += -(y * np.log(p) + (1 - y) * np.log(1 - p)) / len(repeats)
            runs[c].append(this)
            extra_runs[c].append(this_extra)
        losses[c] = float(per_sample.mean())
        # The standard error of the mean loss, over questions (a question's candidates are not independent).
        per_group = np.bincount(group_index, weights=per_sample) / np.bincount(group_index)
        errors[c] = float(per_group.std(ddof=1) / np.sqrt(len(per_group))) if len(per_group) > 1 else 0.0
    best = min(losses, key=lambda c: (losses[c], c))
    chosen = min(c for c in c_grid if losses[c] <= losses[best] + errors[best])
    return CrossValidation(
        chosen, np.mean(runs[chosen], axis=0), runs[chosen], losses, np.mean(extra_runs[chosen], axis=0)
    )


def _question_rows(examples: list[Example], unit_probs: list[np.ndarray]) -> np.ndarray:
    rows = []
    for e, p in zip(examples, unit_probs, strict=True):
        if e.scored.drops is None:
            raise ValueError(f"{e.question.id}: its term drops are not worked out (collect adds them)")
        rows.append(question_features(e.scored.question, p, e.scored.features, e.scored.drops))
    return np.stack(rows)


# The product's policy for the threshold: refuse at most this share of answerable dev questions. With the
# separation the features give (AUC about .8), a 5 % cap abstains on only about one unanswerable question in
# six; 15 % abstains on about half of them. A refusal still names the closest documents and pages, a wrong
# answer misleads, so the cap is the looser one (the trade-off per cap is in eval/README.md).
MAX_FALSE_ABSTENTION = 0.15


def choose_threshold(
    p: np.ndarray,
    answerable: np.ndarray,
    max_false_abstention: float = MAX_FALSE_ABSTENTION,
    refused_anyway: np.ndarray | None = None,
) -> float:
    """The highest threshold that refuses at most ``max_false_abstention`` of the answerable questions (their
    cross-validated probability ``p`` below it): the refusal budget is spent in full. ``refused_anyway``: the
    questions the product refuses whatever their probability (no candidate), which spend the budget first.
    Maximising a score over thresholds instead picks a point on a flat curve that jumps with each refit
    (eval/README.md, ninth session)."""
    if not answerable.any():
        return 0.5
    anyway = refused_anyway if refused_anyway is not None else np.zeros(len(p), dtype=bool)
    budget = int(np.floor(max_false_abstention * int(answerable.sum()) + 1e-9)) - int(
        (anyway & answerable).sum()
    )
    ranked = np.sort(p[answerable & ~anyway])
    if not len(ranked):
        return 0.5
    # Past the budget already (questions refused anyway): the lowest threshold, refusing no other question.
    return float(ranked[min(max(budget, 0), len(ranked) - 1)])


def repeated_threshold(
    runs: list[np.ndarray],
    answerable: np.ndarray,
    max_false_abstention: float = MAX_FALSE_ABSTENTION,
    refused_anyway: np.ndarray | None = None,
) -> tuple[float, list[float]]:
    """The median over the cross-validation repeats of each repeat's :func:`choose_threshold`, and those
    thresholds. Each repeat's probabilities come from one model per question, as the product's do; their mean
    over the repeats is a smoothed quantity the product never sees, so the threshold is not taken from it."""
    per_repeat = [choose_threshold(r, answerable, max_false_abstention, refused_anyway) for r in runs]
    return float(np.median(per_repeat)), per_repeat


def _picked(probs: np.ndarray, ratio: float, max_quotes: int) -> list[int]:
    """The candidates quoted: the best, and others with at least ``ratio`` of its probability."""
    order = np.argsort(-probs)
    picked = [int(order[0])] + [int(i) for i in order[1:] if probs[i] >= ratio * probs[order[0]]]
    return picked[:max_quotes]


def _dev_answers(
    examples: list[Example], unit_probs: list[np.ndarray], answer_p: np.ndarray, threshold: float, ratio: float,
    max_quotes: int, answerable: np.ndarray | None = None,
) -> dict[str, float]:  # fmt: skip
    """Answer accuracy, first-quote accuracy, abstention and false abstention from cross-validated predictions
    (``answerable``: per example, when it is not the question's own label, as within a region)."""
    correct, first, abstained, false_abstention, quotes = [], [], [], [], []
    truth = answerable if answerable is not None else [e.question.answerable for e in examples]
    for e, probs, pa, has_answer in zip(examples, unit_probs, answer_p, truth, strict=True):
        answered = pa >= threshold and len(probs) > 0
        if not has_answer:
            abstained.append(0 if answered else 1)
            continue
        false_abstention.append(0 if answered else 1)
        if not answered:
            correct.append(0)
            first.append(0)
            continue
        picked = _picked(probs, ratio, max_quotes)
        quotes.append(len(picked))
        correct.append(int(any(e.labels[i] for i in picked)))
        first.append(int(e.labels[picked[0]]))
    return {
        "answer_accuracy": round(float(np.mean(correct)), 4) if correct else 0.0,
        "first_quote_accuracy": round(float(np.mean(first)), 4) if first else 0.0,
        "abstention_accuracy": round(float(np.mean(abstained)), 4) if abstained else 0.0,
        "false_abstention": round(float(np.mean(false_abstention)), 4) if false_abstention else 0.0,
        "quotes_per_answer": round(float(np.mean(quotes)), 2) if quotes else 0.0,
    }


def _per_example(examples: list[Example], values: np.ndarray) -> list[np.ndarray]:
    """``values`` (one per candidate, in order) cut into one array per example."""
    sizes = [len(e.labels) for e in examples]
    parts = iter(np.split(values, np.cumsum([n for n in sizes if n])[:-1]))
    return [next(parts) if n else np.zeros(0) for n in sizes]


def _candidate_rows(examples: list[Example], question_index: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """The candidates' unit features of ``examples`` and, per candidate, its question's index."""
    rows = [e.scored.features for e in examples if len(e.labels)]
    groups = [
        np.full(len(e.labels), i) for e, i in zip(examples, question_index, strict=True) if len(e.labels)
    ]
    if not rows:
        return np.zeros((0, len(UNIT_FEATURES))), np.zeros(0, dtype=int)
    return np.concatenate(rows), np.concatenate(groups)


def train(
    examples: list[Example],
    max_quotes: int,
    max_false_abstention: float = MAX_FALSE_ABSTENTION,
    regional: tuple[list[Example], np.ndarray] | None = None,
) -> tuple[AnswerModel, dict[str, Any]]:
    """Fit the models on ``examples`` (``dev``) and report their cross-validated figures. ``regional``: the same
    questions asked within each region (:func:`region_examples`) with their labels; they fit the region model
    on the same question folds (a question's regional rows are held out with it) and never train the unit
    model."""
    sizes = [len(e.labels) for e in examples]
    x, groups = _candidate_rows(examples, list(range(len(examples))))
    y = np.concatenate([e.labels for e in examples if len(e.labels)]).astype(int)
    index = {e.question.id: i for i, e in enumerate(examples)}
    region_rows, region_labels = regional if regional is not None else ([], np.zeros(0, dtype=bool))
    region_index = [index[e.question.id] for e in region_rows]
    units = cross_validated(x, y, groups, len(examples), extra=_candidate_rows(region_rows, region_index))
    c_unit, oof_units, unit_losses = units.c, units.oof, units.losses
    unit_probs = _per_example(examples, oof_units)
    qx = _question_rows(examples, unit_probs)
    qy = np.asarray([e.question.answerable for e in examples], dtype=int)
    answerability = cross_validated(qx, qy, np.arange(len(examples)), len(examples))
    c_question, oof_answerable, question_losses = answerability.c, answerability.oof, answerability.losses
    no_candidates = np.asarray([n == 0 for n in sizes])
    threshold, repeat_thresholds = repeated_threshold(
        answerability.per_repeat, qy.astype(bool), max_false_abstention, no_candidates
    )
    by_ratio = {
        r: _dev_answers(examples, unit_probs, oof_answerable, threshold, r, max_quotes) for r in RATIO_GRID
    }
    # More quotes hold the answer more often; each extra quote per answer must buy 2 points of accuracy.
    ratio = max(
        RATIO_GRID, key=lambda r: by_ratio[r]["answer_accuracy"] - 0.02 * by_ratio[r]["quotes_per_answer"]
    )
    unit_model = _fit(x, y, c_unit)
    # Stacking: the answerability model learns from the unit probabilities of models that did not see the
    # question (cross-validated), as it meets them at run time; the in-sample ones overrate the answering unit.
    answerable_model = _fit(qx, qy, c_question)
    report = {
        "dev_questions": len(examples),
        "dev_candidates": len(y),
        "dev_positive_candidates": int(y.sum()),
        "unit_C": c_unit,
        "unit_cv_log_loss": {str(k): round(v, 4) for k, v in unit_losses.items()},
        "answerable_C": c_question,
        "answerable_cv_log_loss": {str(k): round(v, 4) for k, v in question_losses.items()},
        "max_false_abstention": max_false_abstention,
        "threshold": round(threshold, 4),
        "threshold_per_repeat": [round(t, 4) for t in repeat_thresholds],
        "quote_ratio": ratio,
        "dev_cv": by_ratio[ratio],
        "dev_cv_by_quote_ratio": {str(k): v for k, v in by_ratio.items()},
    }
    region_model, region_threshold = None, None
    if region_rows:
        region_probs = _per_example(region_rows, units.extra_oof)
        rx = _question_rows(region_rows, region_probs)
        ry = region_labels.astype(int)
        region_cv = cross_validated(rx, ry, np.asarray(region_index), len(examples))
        region_threshold, region_repeats = repeated_threshold(
            region_cv.per_repeat, region_labels, max_false_abstention, np.asarray([len(e.labels) == 0 for e in region_rows])
        )  # fmt: skip
        region_model = _fit(rx, ry, region_cv.c)
        # The corpus model's figures on the same rows, for comparison.
        corpus_p = answerable_model.probability(rx)
        report["region"] = {
            "rows": len(region_rows),
            "rows_answered_in_region": int(region_labels.sum()),
            "C": region_cv.c,
            "cv_log_loss": {str(k): round(v, 4) for k, v in region_cv.losses.items()},
            "threshold": round(region_threshold, 4),
            "threshold_per_repeat": [round(t, 4) for t in region_repeats],
            "dev_cv": _dev_answers(
                region_rows, region_probs, region_cv.oof, region_threshold, ratio, max_quotes, region_labels
            ),
            "dev_corpus_model_in_sample": _dev_answers(
                region_rows, region_probs, corpus_p, threshold, ratio, max_quotes, region_labels
            ),
        }
    model = AnswerModel(
        unit_model, answerable_model, threshold, ratio, report, region_model, region_threshold
    )
    return model, report


def _reported(figures: dict[str, Any]) -> dict[str, float]:
    """The four answer figures of ``kb eval`` (``_answer_figures``) under the names the model file stores."""
    return {
        "answer_accuracy": figures["accuracy"].get("all", 0.0),
        "first_quote_accuracy": figures["first_quote_accuracy"] or 0.0,
        "abstention_accuracy": figures["abstention_accuracy"] or 0.0,
        "false_abstention": figures["false_abstention_rate"] or 0.0,
    }


def test_figures(services: Services, questions: list[GoldQuestion]) -> dict[str, float]:
    """Answer the questions through the product (``AskService.answer``) and score them as ``kb eval`` does."""
    from eval.runner import _answer_all, _answer_figures

    return _reported(_answer_figures(questions, _answer_all(services, questions)))


def regional_test_figures(services: Services, questions: list[GoldQuestion]) -> dict[str, float]:
    """The answer figures of every question asked within each region (``kb eval``'s "within one region")."""
    from eval.runner import _answer_figures, answer_within_regions

    return _reported(_answer_figures(*answer_within_regions(services, questions)))


def train_answerer(
    settings: Settings,
    *,
    gold: Path | None = None,
    out: Path = DEFAULT_MODEL,
    console: Console | None = None,
    max_false_abstention: float = MAX_FALSE_ABSTENTION,
) -> dict[str, Any]:
    """Build a fresh store, fit on ``dev``, write ``out``, and return the dev (CV) and test figures."""
    console = console or Console()
    questions = load_gold(gold or DEFAULT_GOLD)
    dev = [q for q in questions if q.split == "dev"]
    test = [q for q in questions if q.split == "test"]
    with tempfile.TemporaryDirectory(prefix="kb-train-") as tmp:
        train_settings = _fresh_store_settings(settings, Path(tmp) / "qdrant")
        with opened_store(train_settings) as store:
            Ingestor(train_settings, store, progress=False).ingest(default_sources(train_settings))
            services = Services.build(train_settings, store)
            services.warm_up()
            started = time.perf_counter()
            examples = collect(services, dev)
            regional = region_examples(services, dev)
            model, report = train(examples, services.ask.answerer.max_quotes, max_false_abstention, regional)
            report["trained"] = date.today().isoformat()
            report["seconds"] = round(time.perf_counter() - started, 1)
            model.save(out)
            services.ask.answerer.model_path = out
            from kb_api.retrieval.answer_model import default_model

            default_model.cache_clear()
            report["test"] = test_figures(services, test)
            report["test_questions"] = len(test)
            if "region" in report:
                report["region"]["test"] = regional_test_figures(services, test)
    final = replace(model, info=report)
    final.save(out)
    console.print(f"dev (5-fold CV x {REPEATS}, {len(dev)} questions): {report['dev_cv']}")
    console.print(f"test ({len(test)} questions, never fitted on): {report['test']}")
    region = report.get("region", {})
    if region:
        console.print(
            f"within one region, dev (CV, {region['rows']} question x region rows): {region['dev_cv']}"
        )
        console.print(f"within one region, test: {region['test']}")
    console.print(f"threshold {report['threshold']} (within a region {region.get('threshold', '-')}), quote ratio {report['quote_ratio']}, unit C {report['unit_C']}, "
                  f"answerable C {report['answerable_C']}; written to {out}")  # fmt: skip
    return report
