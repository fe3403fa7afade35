"""The learned answer scorer: three logistic models read from a small JSON file.

``unit``: the probability that a candidate unit answers the question (features ``UNIT_FEATURES``).
``answerable``: the probability that the best candidates answer it at all (features ``QUESTION_FEATURES``);
the question is answered when it reaches ``threshold``, chosen on the gold set's ``dev`` half.
``region``: the same decision when only part of the corpus is read (one region's column of a comparison, a
region, municipality or document type filter), with its own ``region_threshold``; fitted on questions asked
within each region. A question that some document answers looks answerable whichever part is asked, so the
decision over the whole corpus trusts how a question is asked more than that part's best candidates deserve
(eval/README.md, twelfth session). The file is
written by ``kb train-answerer`` (eval/train_answerer.py) and holds feature names, standardisation,
coefficients and the figures it was fitted and tested with; applying it needs only numpy.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from kb_api.retrieval.answer_features import QUESTION_FEATURES, UNIT_FEATURES

DEFAULT_MODEL = Path(__file__).resolve().parent / "answer_model.json"


@dataclass(frozen=True)
class LogisticModel:
    """A fitted logistic regression on standardised features."""

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LogisticModel:
        """Read the form :meth:`to_dict` writes."""
        return cls(
            tuple(data["features"]),
            np.asarray(data["mean"], dtype=np.float64),
            np.asarray(data["scale"], dtype=np.float64),
            np.asarray(data["coef"], dtype=np.float64),
            float(data["intercept"]),
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain form for the JSON file."""
        return {
            "features": list(self.features),
            "mean": [round(float(x), 6) for x in self.mean],
            "scale": [round(float(x), 6) for x in self.scale],
            "coef": [round(float(x), 6) for x in self.coef],
            "intercept": round(self.intercept, 6),
        }

    def probability(self, rows: np.ndarray) -> np.ndarray:
        """P(positive) for each row."""
        if len(rows) == 0:
            return np.zeros(0)
        z = ((np.asarray(rows, dtype=np.float64) - self.mean) / self.scale) @ self.coef + self.intercept
        return 1.0 / (1.0 + np.exp(-z))


@dataclass(frozen=True)
class AnswerModel:
    """The unit scorer, the answerability models (whole corpus, part of it) and their decision thresholds."""

    unit: LogisticModel
    answerable: LogisticModel
    threshold: float
    quote_ratio: float
    info: dict[str, Any]
    region: LogisticModel | None = None
    region_threshold: float | None = None

    def __post_init__(self) -> None:
        if (self.region is None) != (self.region_threshold is None):
            raise ValueError("a region model needs its threshold and a threshold its model")

    def decision(self, narrowed: bool) -> tuple[LogisticModel, float]:
        """The answerability model and threshold for a question over the whole corpus or over part of it
        (``narrowed``; a file without a region model decides both ways with the corpus model)."""
        if narrowed and self.region is not None and self.region_threshold is not None:
            return self.region, self.region_threshold
        return self.answerable, self.threshold

    @classmethod
    def load(cls, path: Path = DEFAULT_MODEL) -> AnswerModel:
        """Read a model file; the feature lists must be those of this code."""
        data = json.loads(path.read_text(encoding="utf-8"))
        if ("region" in data) != ("region_threshold" in data):
            raise ValueError(f"{path}: a region model needs its threshold and a threshold its model")
        model = cls(
            LogisticModel.from_dict(data["unit"]),
            LogisticModel.from_dict(data["answerable"]),
            float(data["threshold"]),
            float(data["quote_ratio"]),
            dict(data.get("info", {})),
            LogisticModel.from_dict(data["region"]) if "region" in data else None,
            float(data["region_threshold"]) if "region_threshold" in data else None,
        )
        deciders = [model.answerable] + ([model.region] if model.region is not None else [])
        if model.unit.features != UNIT_FEATURES or any(m.features != QUESTION_FEATURES for m in deciders):
            raise ValueError(f"{path}: its features differ from the code's; run `kb train-answerer` again")
        return model

    def save(self, path: Path) -> None:
        """Write the model file."""
        data = {
            "unit": self.unit.to_dict(),
            "answerable": self.answerable.to_dict(),
            "threshold": round(self.threshold, 6),
            **(
                {"region": self.region.to_dict(), "region_threshold": round(self.region_threshold, 6)}
                if self.region is not None and self.region_threshold is not None
                else {}
            ),
            "quote_ratio": self.quote_ratio,
            "info": self.info,
        }
        path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


@cache
def default_model(path: str = str(DEFAULT_MODEL)) -> AnswerModel:
    """The model shipped with the code (read once)."""
    return AnswerModel.load(Path(path))
