"""Baselines fitted on the same training period as the hazard model, scored in the same run.

- `KaplanMeier`: the fleet's Kaplan-Meier curve of the time from a renewal (the machine's first telemetry
  row or its last failure) to the next failure, censored at the end of the training period; at a
  prediction time with age a, P(failure within x) = 1 - S(a + x) / S(a).
- `ConstantHazard`: each machine's failures per hour of training exposure, shrunk towards the fleet rate
  by one pseudo-failure (machines never seen get the fleet rate); P = 1 - exp(-rate x).
- `HorizonBoosting`: one LightGBM classifier per horizon on the same window features, trained on the
  training period's prediction times whose outcome at that horizon is known (not calibrated, not a curve:
  it answers only at the horizons it was trained for, so it is compared but never served).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import lightgbm as lgb
import numpy as np

from forecaster.plantrisk.hazard import HazardSettings, lightgbm_params
from forecaster.plantrisk.labels import Landmarks


@dataclass
class KaplanMeier:
    """Survival S(age) as a step function: `times` (hours, increasing) and `survival` just after each."""

    times: np.ndarray
    survival: np.ndarray

    @classmethod
    def fit(cls, durations: np.ndarray, observed: np.ndarray) -> KaplanMeier:
        event_times = np.unique(durations[observed])
        at_risk = np.array([(durations >= t).sum() for t in event_times], dtype=float)
        deaths = np.array([((durations == t) & observed).sum() for t in event_times], dtype=float)
        survival = np.cumprod(1.0 - deaths / np.maximum(at_risk, 1.0))
        return cls(event_times, survival)

    def at(self, age: np.ndarray) -> np.ndarray:
        index = np.searchsorted(self.times, age, side="right")
        return np.concatenate([[1.0], self.survival])[index]

    def cumulative(self, age: np.ndarray, horizons: np.ndarray) -> np.ndarray:
        """[Q] ages -> [Q, H] P(failure within x | no failure up to age)."""
        now = self.at(age)[:, None]
        later = self.at(age[:, None] + horizons[None, :])
        with np.errstate(divide="ignore", invalid="ignore"):
            conditional = np.where(now > 0, later / now, 0.0)
        return np.clip(1.0 - conditional, 0.0, 1.0)

    def to_json(self) -> dict[str, Any]:
        return {"times": self.times.tolist(), "survival": self.survival.tolist()}

    @classmethod
    def from_json(cls, content: dict[str, Any]) -> KaplanMeier:
        return cls(np.asarray(content["times"], dtype=float), np.asarray(content["survival"], dtype=float))


def renewal_spells(first_seen: dict[str, float], failures: dict[str, np.ndarray], until: dict[str, float]
                   ) -> tuple[np.ndarray, np.ndarray]:
    """(durations, failure observed) of each machine's spells between renewals up to `until`."""
    durations, observed = [], []
    for machine, start in first_seen.items():
        end = until[machine]
        if end <= start:
            continue
        own = failures.get(machine, np.zeros(0))
        own = own[(own > start) & (own <= end)]
        points = np.concatenate([[start], own])
        durations += [*np.diff(points), end - points[-1]]
        observed += [True] * len(own) + [False]
    return np.asarray(durations, dtype=float), np.asarray(observed, dtype=bool)


def ages(landmarks: Landmarks, first_seen: dict[str, float], failures: dict[str, np.ndarray]) -> np.ndarray:
    """Hours since the last failure at or before each prediction time (or since the first telemetry row)."""
    out = np.empty(len(landmarks))
    for i, (machine, time) in enumerate(zip(landmarks.machine, landmarks.time, strict=True)):
        own = failures.get(str(machine), np.zeros(0))
        before = own[own <= time]
        start = before[-1] if len(before) else first_seen.get(str(machine), time)
        out[i] = max(time - start, 0.0)
    return out


@dataclass
class ConstantHazard:
    """Failures per hour per machine; `fleet_rate` for machines not seen in training."""

    fleet_rate: float
    rates: dict[str, float] = field(default_factory=dict)

    @classmethod
    def fit(cls, first_seen: dict[str, float], failures: dict[str, np.ndarray], until: dict[str, float]
            ) -> ConstantHazard:
        counts = {m: float(((failures.get(m, np.zeros(0)) > s) & (failures.get(m, np.zeros(0)) <= until[m])).sum())
                  for m, s in first_seen.items()}
        exposure = {m: max(until[m] - s, 0.0) for m, s in first_seen.items()}
        fleet = max(sum(counts.values()), 0.5) / max(sum(exposure.values()), 1.0)
        rates = {m: (counts[m] + 1.0) / (exposure[m] + 1.0 / fleet) for m in first_seen}
        return cls(fleet, rates)

    def cumulative(self, machines: np.ndarray, horizons: np.ndarray) -> np.ndarray:
        rate = np.array([self.rates.get(str(m), self.fleet_rate) for m in machines])
        return -np.expm1(-rate[:, None] * horizons[None, :])

    def to_json(self) -> dict[str, Any]:
        return {"fleet_rate": self.fleet_rate, "rates": self.rates}

    @classmethod
    def from_json(cls, content: dict[str, Any]) -> ConstantHazard:
        return cls(content["fleet_rate"], dict(content["rates"]))


@dataclass
class HorizonBoosting:
    """One LightGBM classifier per horizon (hours) on the window features."""

    boosters: dict[float, lgb.Booster]

    @classmethod
    def fit(cls, landmarks: Landmarks, features: np.ndarray, validation: tuple[Landmarks, np.ndarray],
            horizons: list[float], settings: HazardSettings) -> HorizonBoosting:
        boosters = {}
        for horizon in horizons:
            label, known = landmarks.label(horizon)
            if label[known].sum() == 0:
                continue
            data = lgb.Dataset(features[known], label[known])
            valid_label, valid_known = validation[0].label(horizon)
            valid_sets, callbacks = [], list[Any]()
            if valid_label[valid_known].sum() > 0:
                valid_sets = [lgb.Dataset(validation[1][valid_known], valid_label[valid_known], reference=data)]
                callbacks = [lgb.early_stopping(40, verbose=False)]
            params = lightgbm_params(settings)
            boosters[horizon] = lgb.train(params, data, num_boost_round=settings.trees, valid_sets=valid_sets,
                                          callbacks=callbacks)
        return cls(boosters)

    def cumulative(self, features: np.ndarray, horizons: list[float]) -> np.ndarray:
        """[Q, H] probabilities (NaN at a horizon with no trained classifier)."""
        out = np.full((len(features), len(horizons)), np.nan)
        for j, horizon in enumerate(horizons):
            booster = self.boosters.get(horizon)
            if booster is not None:
                best = booster.best_iteration if booster.best_iteration > 0 else None
                out[:, j] = booster.predict(features, num_iteration=best)
        return out
