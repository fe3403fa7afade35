"""How sure a figure of ``kb eval`` is: bootstrap intervals over questions, and paired differences of two runs.

A figure of the test split is a mean over a few dozen questions (37 English ones for English MRR), so one
question moving changes it by one to three points. ``kb eval`` stores each question's outcome
(:func:`question_outcomes`) and gives every headline figure a 95 % percentile bootstrap interval over the
questions; ``kb compare-runs`` resamples the same questions for two reports at once (a paired bootstrap), which
tells a change from the noise of a split this size.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

RESAMPLES = 2000
SEED = 20261207
LEVEL = 0.95

Outcome = Mapping[str, Any]


def _answerable(o: Outcome) -> bool:
    return bool(o["answerable"])


def _retrievable(language: str | None = None) -> Callable[[Outcome], bool]:
    """Answerable questions with an answer-bearing passage (those ranx scores), of one language or all."""
    return lambda o: o.get("rr") is not None and (language is None or o["lang"] == language)


# Each headline figure: which questions it averages over, and the value of one question.
FIGURES: dict[str, tuple[Callable[[Outcome], bool], Callable[[Outcome], float]]] = {
    "answer accuracy": (_answerable, lambda o: float(o["correct"])),
    "first quote": (_answerable, lambda o: float(o["first"])),
    "abstention": (lambda o: not o["answerable"], lambda o: float(not o["answered"])),
    "false abstention": (_answerable, lambda o: float(not o["answered"])),
    "MRR@10": (_retrievable(), lambda o: float(o["rr"])),
    "MRR@10 nl": (_retrievable("nl"), lambda o: float(o["rr"])),
    "MRR@10 en": (_retrievable("en"), lambda o: float(o["rr"])),
    "R@5": (_retrievable(), lambda o: float(o["rr"] >= 0.2)),
}


# Figures where a fall is the improvement.
LOWER_IS_BETTER = frozenset({"false abstention"})

# What each stored outcome must hold, and of which types (``rr`` may be None: no answer-bearing passage).
_OUTCOME_FIELDS: dict[str, tuple[type, ...]] = {
    "lang": (str,),
    "answerable": (bool,),
    "rr": (int, float, type(None)),
    "answered": (bool,),
    "correct": (int,),
    "first": (int,),
}


def question_outcomes(
    questions: Sequence[Any], ranked_ids: Mapping[str, list[str]], relevant: Mapping[str, Mapping[str, int]],
    answered: Mapping[str, tuple[bool, list[bool]]],
) -> dict[str, dict[str, Any]]:  # fmt: skip
    """Each question's outcome: its language, whether it is answerable, the reciprocal rank of its first
    answer-bearing passage in the top 10 (None when no passage bears its answer), and whether ``/ask``
    answered and which quotes bear a gold span (``answered``: question id -> (answered, per quote))."""
    out: dict[str, dict[str, Any]] = {}
    for q in questions:
        is_answered, bearing = answered.get(q.id, (False, []))
        rr: float | None = None
        if q.answerable and relevant.get(q.id):
            hits = [i for i, pid in enumerate(ranked_ids.get(q.id, [])[:10]) if pid in relevant[q.id]]
            rr = 1.0 / (hits[0] + 1) if hits else 0.0
        out[q.id] = {
            "lang": q.lang,
            "answerable": q.answerable,
            "rr": rr,
            "answered": is_answered,
            "correct": int(is_answered and any(bearing)),
            "first": int(is_answered and bool(bearing) and bearing[0]),
        }
    return out


def _values(outcomes: Mapping[str, Outcome], figure: str) -> dict[str, float]:
    member, value = FIGURES[figure]
    return {qid: value(o) for qid, o in outcomes.items() if member(o)}


def _resampled_means(columns: np.ndarray, resamples: int, seed: int) -> np.ndarray:
    """Means of ``columns`` (questions x series) over ``resamples`` draws of the questions with replacement;
    every series is drawn with the same questions (paired)."""
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, len(columns), size=(resamples, len(columns)))
    return np.asarray(columns[draws].mean(axis=1))


def _bounds(samples: np.ndarray) -> tuple[float, float]:
    """The percentile interval at ``LEVEL`` of bootstrap ``samples``."""
    tail = (1 - LEVEL) / 2 * 100
    low, high = np.percentile(samples, [tail, 100 - tail])
    return float(low), float(high)


@dataclass(frozen=True)
class Interval:
    """A figure, its 95 % bootstrap interval and the number of questions it is a mean over."""

    value: float
    low: float
    high: float
    n: int

    def to_dict(self) -> dict[str, float | int]:
        """Rounded, for the report."""
        return {
            "value": round(self.value, 4),
            "low": round(self.low, 4),
            "high": round(self.high, 4),
            "n": self.n,
        }


def interval(values: Sequence[float], resamples: int = RESAMPLES, seed: int = SEED) -> Interval:
    """The mean of ``values`` (one per question) with its percentile bootstrap interval at ``LEVEL``."""
    if not len(values):
        raise ValueError("an interval needs at least one question")
    column = np.asarray(values, dtype=float)[:, None]
    low, high = _bounds(_resampled_means(column, resamples, seed)[:, 0])
    return Interval(float(column.mean()), low, high, len(values))


def intervals(outcomes: Mapping[str, Outcome]) -> dict[str, dict[str, float | int]]:
    """Every headline figure of ``outcomes`` (those with at least one question) with its interval."""
    out = {}
    for figure in FIGURES:
        values = _values(outcomes, figure)
        if values:
            out[figure] = interval(list(values.values())).to_dict()
    return out


@dataclass(frozen=True)
class Difference:
    """``after`` minus ``before`` of one figure over the questions both runs hold, with its paired interval."""

    figure: str
    before: float
    after: float
    low: float
    high: float
    n: int

    @property
    def change(self) -> float:
        """The difference of the two means."""
        return self.after - self.before

    @property
    def verdict(self) -> str:
        """Whether the interval lies on the good side of zero, on the bad side, or holds it (for false
        abstention lower is better)."""
        up, down = ("better", "worse") if self.figure not in LOWER_IS_BETTER else ("worse", "better")
        if self.low > 0:
            return up
        if self.high < 0:
            return down
        return "within noise"


def paired_differences(
    before: Mapping[str, Outcome], after: Mapping[str, Outcome], resamples: int = RESAMPLES, seed: int = SEED
) -> list[Difference]:
    """Each headline figure of two runs over the same questions, and a paired bootstrap interval of the
    difference (the same questions drawn for both). Questions only one run holds are left out."""
    out = []
    for figure in FIGURES:
        a, b = _values(before, figure), _values(after, figure)
        shared = sorted(set(a) & set(b))
        if not shared:
            continue
        columns = np.asarray([[a[q], b[q]] for q in shared], dtype=float)
        means = _resampled_means(columns, resamples, seed)
        low, high = _bounds(means[:, 1] - means[:, 0])
        before_mean, after_mean = columns.mean(axis=0)
        out.append(Difference(figure, float(before_mean), float(after_mean), low, high, len(shared)))
    return out


class ReportError(ValueError):
    """A report file that cannot be compared: missing, not JSON, or written before outcomes were stored."""


def load_outcomes(path: Path, split: str) -> dict[str, dict[str, Any]]:
    """The per-question outcomes of ``split`` in a ``kb eval`` report (``report.json``, or its folder)."""
    file = path / "report.json" if path.is_dir() else path
    try:
        report = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReportError(f"rapport niet gevonden / report not found: {file}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ReportError(f"geen leesbaar rapport / not a readable report: {file} ({exc})") from None
    node: Any = report
    for key in ("splits", split, "outcomes"):
        node = node.get(key) if isinstance(node, dict) else None
    if not isinstance(node, dict) or not node:
        raise ReportError(
            f"{file} bevat geen uitkomsten per vraag voor '{split}' (rapport van een oudere kb eval, of zonder "
            f"--modes hybrid?) / holds no per-question outcomes for '{split}' (an older kb eval, or run without "
            "the hybrid mode?)"
        )
    for qid, outcome in node.items():
        bad = (
            [name for name, types in _OUTCOME_FIELDS.items() if not isinstance(outcome.get(name), types)]
            if isinstance(outcome, dict)
            else list(_OUTCOME_FIELDS)
        )
        if bad:
            raise ReportError(
                f"{file}: uitkomst van {qid} mist of heeft een verkeerd type voor / outcome of {qid} lacks or "
                f"mistypes: {', '.join(bad)}"
            )
    return node
