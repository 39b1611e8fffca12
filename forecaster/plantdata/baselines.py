"""The baselines a data scientist would try first: the base rate and gradient boosting (LightGBM).

Both are fitted on training examples and may look at validation examples only to choose how much to
shrink (base rate) or when to stop adding trees (LightGBM's early stopping). LightGBM's model is
stored in its own text format, never pickle.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from forecaster.plantdata.evaluation import class_log_loss
from forecaster.plantdata.schema import ColumnSchema, gbm_inputs
from forecaster.plantdata.split import Examples

logger = logging.getLogger(__name__)

SHRINKAGE_GRID = (1.0, 5.0, 20.0, 100.0, 500.0)
"""Pseudo-counts of the global rate added to each product-machine pair (chosen on validation)."""


def _pair_keys(frame: pd.DataFrame, rows: np.ndarray) -> np.ndarray:
    return (frame["product"].to_numpy()[rows].astype(str) + " | "
            + frame["machine"].to_numpy()[rows].astype(str))


@dataclass
class BaseRate:
    """Class rates per product-machine pair, shrunk toward the plant-wide rate; a pair never seen in
    training gets the plant-wide rate."""

    classes: int
    overall: list[float] = field(default_factory=list)
    pair_counts: dict[str, list[float]] = field(default_factory=dict)
    shrinkage: float = 20.0

    def fit(self, frame: pd.DataFrame, train: Examples, validation: Examples) -> BaseRate:
        counts = np.zeros(self.classes)
        np.add.at(counts, train.label, train.weight)
        self.overall = (counts / counts.sum()).tolist()
        pairs: dict[str, np.ndarray] = {}
        for key, label, weight in zip(_pair_keys(frame, train.row), train.label, train.weight, strict=True):
            pairs.setdefault(key, np.zeros(self.classes))[label] += weight
        self.pair_counts = {key: value.tolist() for key, value in pairs.items()}
        losses = {}
        for shrinkage in SHRINKAGE_GRID:
            self.shrinkage = shrinkage
            losses[shrinkage] = class_log_loss(self.probabilities(frame, validation.row), validation)
        self.shrinkage = min(losses, key=losses.__getitem__)
        return self

    def probabilities(self, frame: pd.DataFrame, rows: np.ndarray) -> np.ndarray:
        overall = np.asarray(self.overall)
        zero = np.zeros(self.classes)
        counts = np.stack([np.asarray(self.pair_counts.get(k, zero)) for k in _pair_keys(frame, rows)]) \
            if len(rows) else np.zeros((0, self.classes))
        return (counts + self.shrinkage * overall) / (counts.sum(axis=1, keepdims=True) + self.shrinkage)

    def to_json(self) -> dict[str, Any]:
        return {"overall": self.overall, "pair_counts": self.pair_counts, "shrinkage": self.shrinkage}

    @classmethod
    def from_json(cls, classes: int, data: dict[str, Any]) -> BaseRate:
        return cls(classes, data["overall"], data["pair_counts"], data["shrinkage"])


@dataclass(frozen=True)
class BoostingSettings:
    """LightGBM settings (common defaults; the number of trees is chosen by early stopping on validation).

    Args:
        learning_rate, num_leaves, min_data_in_leaf, feature_fraction, lambda_l2: as in LightGBM.
        max_trees: upper bound on boosting rounds; early_stopping: rounds without validation improvement.
        threads: LightGBM threads.
    """

    learning_rate: float = 0.05
    num_leaves: int = 31
    min_data_in_leaf: int = 20
    feature_fraction: float = 0.9
    lambda_l2: float = 1.0
    max_trees: int = 1000
    early_stopping: int = 50
    threads: int = 2


class GradientBoosting:
    """LightGBM multi-class (binary when there is one defect type) on numbers and categorical codes."""

    def __init__(self, schema: ColumnSchema, settings: BoostingSettings | None = None, booster: Any = None) -> None:
        self.schema = schema
        self.settings = settings or BoostingSettings()
        self.booster = booster

    def _params(self, seed: int) -> dict[str, Any]:
        classes = len(self.schema.classes)
        s = self.settings
        objective = {"objective": "binary"} if classes == 2 else {"objective": "multiclass", "num_class": classes}
        return {**objective, "learning_rate": s.learning_rate, "num_leaves": s.num_leaves,
                "min_data_in_leaf": s.min_data_in_leaf, "feature_fraction": s.feature_fraction,
                "lambda_l2": s.lambda_l2, "num_threads": s.threads, "seed": seed, "deterministic": True,
                "verbose": -1}

    def fit(self, frame: pd.DataFrame, train: Examples, validation: Examples, seed: int = 0,
            show_progress: bool = False) -> GradientBoosting:
        import lightgbm as lgb

        inputs = gbm_inputs(frame, self.schema)
        numeric = len(self.schema.numeric)
        categorical = list(range(numeric, inputs.shape[1]))
        names = [f"f{i}" for i in range(inputs.shape[1])]  # LightGBM restricts names; the schema keeps the plant's

        def dataset(examples: Examples, reference: Any = None) -> Any:
            return lgb.Dataset(inputs[examples.row], examples.label, weight=examples.weight, feature_name=names,
                               categorical_feature=categorical, reference=reference, free_raw_data=False)

        train_set = dataset(train)
        known = validation.subset(validation.label >= 0)
        callbacks: list[Any] = [lgb.early_stopping(self.settings.early_stopping, verbose=False)]
        if show_progress:
            callbacks.append(lgb.log_evaluation(100))
        self.booster = lgb.train(self._params(seed), train_set, num_boost_round=self.settings.max_trees,
                                 valid_sets=[dataset(known, train_set)], valid_names=["validation"],
                                 callbacks=callbacks)
        logger.info("gradient boosting: %d trees (best on validation)", self.booster.best_iteration)
        return self

    def probabilities(self, frame: pd.DataFrame, rows: np.ndarray) -> np.ndarray:
        inputs = gbm_inputs(frame.iloc[rows], self.schema)
        raw = np.asarray(self.booster.predict(inputs, num_iteration=self.booster.best_iteration or None))
        return np.column_stack([1.0 - raw, raw]) if raw.ndim == 1 else raw

    def importance(self) -> dict[str, float]:
        """Share of the total split gain per column, under the plant's own names."""
        gain = np.asarray(self.booster.feature_importance(importance_type="gain"), dtype=float)
        shares = gain / max(gain.sum(), 1e-12)
        return dict(zip(self.schema.gbm_features, shares.tolist(), strict=True))

    def save(self, path: Path) -> None:
        self.booster.save_model(str(path), num_iteration=self.booster.best_iteration or None)

    @classmethod
    def load(cls, path: Path, schema: ColumnSchema) -> GradientBoosting:
        import lightgbm as lgb

        return cls(schema, booster=lgb.Booster(model_file=str(path)))
