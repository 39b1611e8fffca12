"""The discrete-time hazard model: P(failure in step k after t | no failure up to it, features at t).

Each prediction time t becomes person-period rows, one per step k = 0..K-1 of `step_hours` for as long as the
machine is followed (Singer & Willett's layout, as pycox's logistic-hazard model uses): the label is 1 in
the step where the next failure falls, and rows stop at the failure or at censoring, so a machine that
never fails only adds survival. A censored step is kept only when it is followed to its end. LightGBM
fits the hazard from the features at t and k; a Platt correction of its logit, fitted on a later period,
calibrates it. The cumulative probability at any horizon x is 1 - prod(1 - h_k) with the hazard constant
inside a step (x between step ends interpolates on the log-survival scale) and the last step's hazard
carried on past step K, so curves are non-decreasing in [0, 1] for every horizon.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np

from forecaster.plantrisk.labels import Landmarks

_EPS = 1e-6


@dataclass(frozen=True)
class HazardSettings:
    """Args:
    step_hours: length of one hazard step.
    steps: hazard steps fitted per prediction time (covered horizon = steps x step_hours).
    trees: most boosting rounds (early stopping on the validation period picks fewer).
    learning_rate, leaves, min_rows_per_leaf: LightGBM's learning rate, num_leaves, min_data_in_leaf
        (LightGBM's own defaults for the last two).
    seed, threads: LightGBM's seed and number of threads.
    """

    step_hours: float = 6.0
    steps: int = 28
    trees: int = 400
    learning_rate: float = 0.05
    leaves: int = 31
    min_rows_per_leaf: int = 20
    seed: int = 0
    threads: int = 2


def person_period(landmarks: Landmarks, features: np.ndarray, settings: HazardSettings
                  ) -> tuple[np.ndarray, np.ndarray]:
    """[L] landmarks, [L, F] features -> rows [R, F + 1] (features, step index) and labels [R]."""
    step = settings.step_hours
    k = np.arange(settings.steps, dtype=float)
    start = landmarks.time[:, None] + k[None, :] * step  # [L, K]
    end = start + step
    failure, censor = landmarks.next_failure[:, None], landmarks.censor[:, None]
    at_risk = (start < failure) & (start < censor)
    event = at_risk & (failure <= end)
    keep = at_risk & (event | (end <= censor))
    landmark, step_index = np.nonzero(keep)
    rows = np.hstack([features[landmark], step_index[:, None].astype(float)]).astype(np.float32)
    return rows, event[landmark, step_index].astype(float)


def curve_from_hazards(hazards: np.ndarray, step_hours: float, horizons: np.ndarray) -> np.ndarray:
    """[Q, K] per-step hazards -> [Q, H] cumulative failure probability at each horizon (hours)."""
    log_survival_step = np.log1p(-np.clip(hazards, 0.0, 1.0 - _EPS))  # [Q, K]
    cumulative = np.hstack([np.zeros((len(hazards), 1)), np.cumsum(log_survival_step, axis=1)])  # [Q, K + 1]
    steps = hazards.shape[1]
    position = np.maximum(np.asarray(horizons, dtype=float), 0.0) / step_hours
    whole = np.minimum(np.floor(position).astype(int), steps)
    fraction = position - whole
    carried = log_survival_step[:, np.minimum(whole, steps - 1)]
    log_survival = cumulative[:, whole] + fraction[None, :] * carried
    return np.clip(-np.expm1(log_survival), 0.0, 1.0)


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, _EPS, 1 - _EPS)
    return np.log(p / (1 - p))


def fit_platt(scores: np.ndarray, labels: np.ndarray, iterations: int = 50) -> tuple[float, float]:
    """(slope, intercept) of logit p -> slope * logit p + intercept by Newton's method on the log-loss."""
    if labels.sum() == 0 or labels.sum() == len(labels):
        return 1.0, 0.0
    x = np.column_stack([_logit(scores), np.ones(len(scores))])
    beta = np.array([1.0, 0.0])
    for _ in range(iterations):
        p = 1 / (1 + np.exp(-np.clip(x @ beta, -700.0, 700.0)))  # clipped: no overflow
        gradient = x.T @ (p - labels)
        hessian = x.T @ (x * (p * (1 - p))[:, None]) + 1e-6 * np.eye(2)
        update = np.linalg.solve(hessian, gradient)
        beta -= update
        if np.abs(update).max() < 1e-8:
            break
    return float(np.clip(beta[0], 0.05, 20.0)), float(beta[1])


@dataclass
class HazardModel:
    """A fitted hazard: the booster, its step layout and its calibration."""

    booster: lgb.Booster
    settings: HazardSettings
    slope: float = 1.0
    intercept: float = 0.0

    def hazards(self, features: np.ndarray) -> np.ndarray:
        """[Q, F] -> [Q, K] calibrated per-step hazards."""
        steps = self.settings.steps
        rows = np.repeat(features.astype(np.float32), steps, axis=0)
        rows = np.hstack([rows, np.tile(np.arange(steps, dtype=np.float32), len(features))[:, None]])
        raw = np.asarray(self.booster.predict(rows), dtype=float)
        calibrated = 1 / (1 + np.exp(-(self.slope * _logit(raw) + self.intercept)))
        return calibrated.reshape(len(features), steps)

    def cumulative(self, features: np.ndarray, horizons: np.ndarray) -> np.ndarray:
        """[Q, F] -> [Q, H] P(failure within each horizon)."""
        return curve_from_hazards(self.hazards(features), self.settings.step_hours, horizons)

    def save(self, path: Path) -> None:
        self.booster.save_model(str(path))

    def to_json(self) -> dict[str, Any]:
        return {"settings": asdict(self.settings), "slope": self.slope, "intercept": self.intercept}

    @classmethod
    def load(cls, path: Path, content: dict[str, Any]) -> HazardModel:
        return cls(lgb.Booster(model_file=str(path)), HazardSettings(**content["settings"]),
                   content["slope"], content["intercept"])


def lightgbm_params(settings: HazardSettings) -> dict[str, Any]:
    return {"objective": "binary", "learning_rate": settings.learning_rate, "num_leaves": settings.leaves,
            "min_data_in_leaf": settings.min_rows_per_leaf, "feature_fraction": 0.8, "bagging_fraction": 0.8,
            "bagging_freq": 1, "lambda_l2": 1.0, "seed": settings.seed, "num_threads": settings.threads,
            "verbosity": -1, "deterministic": True}


def fit_hazard(train: tuple[np.ndarray, np.ndarray], validation: tuple[np.ndarray, np.ndarray],
               settings: HazardSettings) -> HazardModel:
    """Fit on training person-period rows; stop early and calibrate on the validation period's rows."""
    rows, labels = train
    if labels.sum() == 0:
        raise ValueError("the training period has no failure: a hazard model cannot be learned")
    data = lgb.Dataset(rows, labels, free_raw_data=False)
    valid_rows, valid_labels = validation
    callbacks: list[Any] = []
    valid_sets = []
    if valid_labels.sum() > 0:
        valid_sets = [lgb.Dataset(valid_rows, valid_labels, reference=data)]
        callbacks = [lgb.early_stopping(40, verbose=False)]
    booster = lgb.train(lightgbm_params(settings), data, num_boost_round=settings.trees, valid_sets=valid_sets,
                        callbacks=callbacks)
    if valid_sets and booster.best_iteration > 0:
        booster = lgb.Booster(model_str=booster.model_to_string(num_iteration=booster.best_iteration))
    model = HazardModel(booster, settings)
    if valid_labels.sum() > 0:
        model.slope, model.intercept = fit_platt(np.asarray(booster.predict(valid_rows), dtype=float), valid_labels)
    return model
