"""The fitting procedure of ``kb train-answerer``: folds that do not move, a threshold that spends the refusal
budget, and a committed model whose report says how it was made."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest

from eval.gold import DEFAULT_GOLD, load_gold
from eval.train_answerer import (
    FOLDS,
    REPEATS,
    choose_threshold,
    cross_validated,
    question_folds,
    repeated_threshold,
)
from kb_api.retrieval.answer_model import DEFAULT_MODEL


def test_every_question_is_held_out_once_per_repeat() -> None:
    repeats = question_folds(23)
    assert len(repeats) == REPEATS
    for folds in repeats:
        assert len(folds) == FOLDS
        held = np.concatenate(folds)
        assert sorted(held.tolist()) == list(range(23))
    # The repeats are different shuffles, and the same seed gives the same folds.
    assert any(not np.array_equal(a[0], b[0]) for a, b in itertools.pairwise(repeats))
    assert all(
        np.array_equal(f, g)
        for a, b in zip(repeats, question_folds(23), strict=True)
        for f, g in zip(a, b, strict=True)
    )


def test_candidates_of_one_question_never_train_the_model_that_scores_them() -> None:
    """Each question's candidates share a feature vector and a label that nothing else predicts: a fold that
    split a question would score them perfectly; folds over questions leave nothing to learn."""
    rng = np.random.default_rng(0)
    n_questions, per_question = 60, 6
    groups = np.repeat(np.arange(n_questions), per_question)
    x = np.eye(n_questions)[groups] + rng.normal(scale=0.01, size=(len(groups), n_questions))
    y = rng.integers(0, 2, n_questions)[groups]
    oof = cross_validated(x, y, groups, n_questions, c_grid=(10.0,)).oof
    from sklearn.metrics import roc_auc_score

    assert roc_auc_score(y, oof) < 0.7
    # The same data with the candidates of a question spread over folds would be learnt (the leak it prevents).
    leaky = cross_validated(x, y, np.arange(len(groups)), len(groups), c_grid=(10.0,)).oof
    assert roc_auc_score(y, leaky) > 0.95


def test_extra_rows_are_scored_by_the_models_that_did_not_see_their_question() -> None:
    rng = np.random.default_rng(2)
    n_questions, per_question = 30, 4
    groups = np.repeat(np.arange(n_questions), per_question)
    x = rng.normal(size=(len(groups), 3))
    y = (x[:, 0] + rng.normal(scale=0.5, size=len(groups)) > 0).astype(int)
    # The same rows again as extra rows of the same questions get exactly the out-of-fold probabilities ...
    cv = cross_validated(x, y, groups, n_questions, c_grid=(1.0,), extra=(x, groups))
    assert np.allclose(cv.extra_oof, cv.oof)
    # ... and extra rows never train: labels are not given for them, and adding them changes nothing.
    assert np.allclose(cross_validated(x, y, groups, n_questions, c_grid=(1.0,)).oof, cv.oof)
    # Told they belong to another question, they are scored by models that saw theirs.
    shifted = cross_validated(x, y, groups, n_questions, c_grid=(1.0,), extra=(x, (groups + 1) % n_questions))
    assert not np.allclose(shifted.extra_oof, cv.oof)
    # Rows of a question that is not there would silently keep a probability of 0.
    with pytest.raises(ValueError):
        cross_validated(x, y, groups, n_questions, c_grid=(1.0,), extra=(x, groups + n_questions))


def test_the_threshold_refuses_at_most_the_budget_of_answerable_questions() -> None:
    rng = np.random.default_rng(1)
    for n in (40, 41, 57):
        answerable = np.array([True] * n + [False] * 20)
        p = np.where(answerable, rng.uniform(0.3, 1.0, n + 20), rng.uniform(0.0, 0.7, n + 20))
        for budget in (0.05, 0.15, 0.25):
            t = choose_threshold(p, answerable, budget)
            refused = int((p[answerable] < t).sum())
            allowed = int(np.floor(budget * n))  # 41 x .15 = 6.15: six, not seven
            assert (
                refused == allowed
            )  # the whole budget, no more: the next higher probability would refuse one more


def test_tied_probabilities_never_push_refusals_over_the_budget() -> None:
    answerable = np.ones(20, dtype=bool)
    p = np.array([0.2] * 5 + [0.6] * 15)
    # A budget of 3 cannot split the five tied questions: refuse none of them rather than all five.
    t = choose_threshold(p, answerable, 0.15)
    assert (p < t).sum() == 0


def test_questions_refused_anyway_spend_the_budget_first() -> None:
    answerable = np.ones(20, dtype=bool)
    p = np.linspace(0.1, 0.9, 20)
    anyway = np.zeros(20, dtype=bool)
    anyway[[18, 19]] = True  # no candidate: refused whatever their probability
    t = choose_threshold(p, answerable, 0.15, anyway)
    assert ((p < t) | anyway).sum() == 3


def test_the_threshold_is_the_median_of_the_repeats() -> None:
    answerable = np.ones(20, dtype=bool)
    runs = [np.linspace(0.1, 0.9, 20) + shift for shift in (0.0, 0.05, 0.2)]
    expected = float(np.median([choose_threshold(r, answerable, 0.15) for r in runs]))
    threshold, per_repeat = repeated_threshold(runs, answerable, 0.15)
    assert threshold == expected == choose_threshold(runs[1], answerable, 0.15)
    assert per_repeat == [choose_threshold(r, answerable, 0.15) for r in runs]


def test_the_committed_model_was_fitted_on_the_gold_sets_dev_half_and_reports_test() -> None:
    report = json.loads(DEFAULT_MODEL.read_text(encoding="utf-8"))["info"]
    questions = load_gold(DEFAULT_GOLD)
    assert report["dev_questions"] == sum(q.split == "dev" for q in questions)
    assert report["test_questions"] == sum(q.split == "test" for q in questions)
    assert report["max_false_abstention"] == 0.15
    assert len(report["threshold_per_repeat"]) == REPEATS
    assert report["threshold"] == float(np.median(report["threshold_per_repeat"]))
    # The region model: every dev question asked within each of the corpus's two regions.
    region = report["region"]
    assert region["rows"] == 2 * report["dev_questions"]
    assert region["threshold"] == float(np.median(region["threshold_per_repeat"]))
    assert set(region["test"]) >= {"answer_accuracy", "abstention_accuracy", "false_abstention"}
