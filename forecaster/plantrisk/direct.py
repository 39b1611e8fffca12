"""Direct failure probabilities at anchor horizons, joined into a survival curve.

One LightGBM classifier per anchor horizon (1, 2, 4, 8, 16 and all hazard steps, and the evaluation
horizons the plant asked for, e.g. the planner's bucket ends) predicts P(failure within
the anchor) from the features at the prediction time, trained on the training period's times whose outcome
at that anchor is known (censoring: a time followed less than the anchor without failing is left out), and
Platt-calibrated on the validation period. Across anchors the probabilities are made non-decreasing with
the plant's own horizons first (`monotone_anchors`): the classifiers at the asked horizons keep their
values (a running maximum among those only), and every other anchor is clamped between its neighbouring
asked horizons' values, so a noisy short-horizon classifier cannot re-rank the one trained for the horizon
the planner reads; between anchors log-survival is interpolated linearly in time (a constant hazard inside
each gap, from 0 at horizon 0), and past the last anchor the last gap's hazard carries on. So it answers any
horizon with a curve non-decreasing in [0, 1], like the hazard model; it is a servable candidate beside it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np

from forecaster.plantrisk.baselines import HorizonBoosting
from forecaster.plantrisk.hazard import HazardSettings, fit_platt
from forecaster.plantrisk.labels import Landmarks

ANCHOR_STEPS = (1, 2, 4, 8, 16)
_EPS = 1e-6


@dataclass
class AnchoredCurve:
    """Calibrated classifiers at `anchors` (hours, increasing)."""

    anchors: list[float]
    boosters: list[lgb.Booster]
    calibrations: list[tuple[float, float]]
    priority: list[float] = field(default_factory=list)
    """Anchors at the plant's own horizons, whose values the monotone join keeps."""

    @classmethod
    def fit(cls, train: tuple[Landmarks, np.ndarray], validation: tuple[Landmarks, np.ndarray],
            settings: HazardSettings, horizons: tuple[float, ...] = ()) -> AnchoredCurve:
        """Anchors at 1, 2, 4, 8, 16 and all steps, and at the plant's own `horizons` within them."""
        covered = settings.steps * settings.step_hours
        steps = {s for s in ANCHOR_STEPS if s < settings.steps} | {settings.steps}
        wanted = sorted({s * settings.step_hours for s in steps} | {float(h) for h in horizons if 0 < h <= covered})
        fitted = HorizonBoosting.fit(train[0], train[1], validation, wanted, settings)
        anchors = [a for a in wanted if a in fitted.boosters]
        raw = fitted.cumulative(validation[1], anchors)
        calibrations = []
        for j, anchor in enumerate(anchors):
            label, known = validation[0].label(anchor)
            calibrations.append(fit_platt(raw[known, j], label[known]) if known.any() else (1.0, 0.0))
        boosters = [_trimmed(fitted.boosters[a]) for a in anchors]
        priority = [a for a in anchors if a in {float(h) for h in horizons}]
        return cls(anchors, boosters, calibrations, priority)

    def calibrated(self, features: np.ndarray) -> np.ndarray:
        """[Q, F] -> [Q, A] calibrated probabilities at the anchors, before the monotone join."""
        columns = []
        for booster, (slope, intercept) in zip(self.boosters, self.calibrations, strict=True):
            p = np.clip(np.asarray(booster.predict(features), dtype=float), _EPS, 1 - _EPS)
            columns.append(_logistic(slope * np.log(p / (1 - p)) + intercept))
        return np.column_stack(columns)

    def anchor_probabilities(self, features: np.ndarray) -> np.ndarray:
        """[Q, F] -> [Q, A] calibrated, non-decreasing across anchors."""
        return monotone_anchors(self.calibrated(features), self.anchors, self.priority)

    def cumulative(self, features: np.ndarray, horizons: np.ndarray) -> np.ndarray:
        """[Q, F] -> [Q, H] P(failure within each horizon)."""
        return join_anchors(self.anchor_probabilities(features), self.anchors, horizons)

    def save(self, folder: Path, prefix: str = "") -> list[str]:
        """Write one LightGBM text model per anchor (`<prefix>anchor_<h>h.txt`); returns the file names."""
        names = []
        for anchor, booster in zip(self.anchors, self.boosters, strict=True):
            names.append(f"{prefix}anchor_{anchor:g}h.txt")
            booster.save_model(str(folder / names[-1]))
        return names

    def to_json(self) -> dict[str, Any]:
        return {"anchors": self.anchors, "calibrations": [list(c) for c in self.calibrations],
                "priority": self.priority}

    @classmethod
    def load(cls, folder: Path, content: dict[str, Any], prefix: str = "") -> AnchoredCurve:
        anchors = [float(a) for a in content["anchors"]]
        boosters = [lgb.Booster(model_file=str(folder / f"{prefix}anchor_{a:g}h.txt")) for a in anchors]
        return cls(anchors, boosters, [(float(s), float(i)) for s, i in content["calibrations"]],
                   [float(a) for a in content.get("priority", [])])  # folders written before: running maximum


def monotone_anchors(probabilities: np.ndarray, anchors: list[float], priority: list[float]) -> np.ndarray:
    """[Q, A] probabilities at increasing `anchors` -> non-decreasing across anchors, in [0, 1].

    Values at `priority` anchors are kept (only a running maximum among them); any other anchor is clamped
    between the largest priority value before it (0 if none) and the smallest after it (1 if none). With no
    priority anchors this is the plain running maximum."""
    values = np.clip(np.asarray(probabilities, dtype=float), 0.0, 1.0)
    wanted = set(priority)
    is_priority = np.array([a in wanted for a in anchors], dtype=bool)
    if is_priority.any():
        kept = np.maximum.accumulate(values[:, is_priority], axis=1)  # [Q, P]
        values[:, is_priority] = kept
        positions = np.flatnonzero(is_priority)
        for j in np.flatnonzero(~is_priority):
            before, after = positions < j, positions > j
            low = kept[:, before].max(axis=1) if before.any() else 0.0
            high = kept[:, after].min(axis=1) if after.any() else 1.0
            values[:, j] = np.clip(values[:, j], low, high)
    return np.maximum.accumulate(values, axis=1)


def join_anchors(probabilities: np.ndarray, anchors: list[float], horizons: np.ndarray) -> np.ndarray:
    """[Q, A] non-decreasing probabilities at `anchors` -> [Q, H] at any horizons: log-survival linear between
    anchors (from 0 at horizon 0), the last gap's hazard carried on past the last anchor."""
    log_survival = np.log1p(-np.clip(probabilities, 0.0, 1 - _EPS))  # [Q, A]
    points = np.concatenate([[0.0], np.asarray(anchors, dtype=float)])
    values = np.hstack([np.zeros((len(probabilities), 1)), log_survival])  # [Q, A + 1]
    x = np.maximum(np.asarray(horizons, dtype=float), 0.0)
    segment = np.clip(np.searchsorted(points, x, side="right") - 1, 0, len(points) - 2)  # [H]
    left, right = points[segment], points[segment + 1]
    slope = (values[:, segment + 1] - values[:, segment]) / (right - left)
    return np.clip(-np.expm1(values[:, segment] + slope * (x - left)), 0.0, 1.0)


def _logistic(z: np.ndarray) -> np.ndarray:
    """1 / (1 + e^-z) without overflow (z clipped to +-700 keeps even 1e-300 probabilities distinct)."""
    return 1.0 / (1.0 + np.exp(-np.clip(z, -700.0, 700.0)))


def _trimmed(booster: lgb.Booster) -> lgb.Booster:
    """The booster cut at its early-stopping iteration (so the saved model predicts the same)."""
    best = booster.best_iteration
    return lgb.Booster(model_str=booster.model_to_string(num_iteration=best if best > 0 else None))
