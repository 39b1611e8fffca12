"""Anomaly score against the plant's own normal operation, with the sensors that drive it named.

Normal operation = training prediction times with no failure in the `quiet_hours` before or after. For each
sensor, three of its features (its latest reading, and the middle window's mean and standard deviation)
get robust z-scores: (x - median) / (1.4826 MAD) over the normal rows. A
sensor's z is the largest of its three in absolute value; the raw score is the root mean square of the
sensors' z (each clipped at 10), and the served score is the share of normal rows with a lower raw score
(0.5: typical; 0.99: rarer than 99 % of normal operation). The explanation names the sensors at least
`EXPLAIN_Z` robust standard deviations from normal, largest first, in English and Korean.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from forecaster.plantrisk.features import FeatureSpec

EXPLAIN_Z, MAX_NAMED, CLIP_Z = 2.0, 3, 10.0
QUANTILES = np.linspace(0.0, 1.0, 201)


def _columns(spec: FeatureSpec) -> dict[str, list[int]]:
    """Per sensor: its latest reading, and the mean and standard deviation over the middle window. Not the
    shortest window: a machine that does not run at night or on Sundays has none of it at a Monday-morning
    plan start, and an empty window would read as perfectly normal."""
    names = {name: i for i, name in enumerate(spec.names())}
    middle = f"{spec.windows_hours[min(1, len(spec.windows_hours) - 1)]:g}h"
    return {s: [names[f"{s}:last"], names[f"{s}:mean_{middle}"], names[f"{s}:std_{middle}"]] for s in spec.sensors}


@dataclass
class AnomalyModel:
    """Medians and scales per sensor feature, and the quantiles of normal raw scores."""

    sensors: list[str]
    columns: list[list[int]]
    median: np.ndarray  # [S, 3]
    scale: np.ndarray  # [S, 3]
    normal_quantiles: np.ndarray  # [201]

    @classmethod
    def fit(cls, spec: FeatureSpec, normal_features: np.ndarray) -> AnomalyModel:
        columns = _columns(spec)
        sensors = list(columns)
        values = np.stack([normal_features[:, columns[s]] for s in sensors], axis=1)  # [N, S, 3]
        median = np.nanmedian(values, axis=0)
        mad = 1.4826 * np.nanmedian(np.abs(values - median), axis=0)
        spread = np.nanstd(values, axis=0)
        scale = np.where(mad > 1e-9, mad, np.where(spread > 1e-9, spread, 1.0))
        model = cls(sensors, [columns[s] for s in sensors], np.nan_to_num(median), scale, np.zeros(len(QUANTILES)))
        model.normal_quantiles = np.quantile(model._raw(normal_features)[0], QUANTILES)
        return model

    def _raw(self, features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """[Q, F] -> raw score [Q] and signed z of each sensor [Q, S]."""
        values = np.stack([features[:, c] for c in self.columns], axis=1)  # [Q, S, 3]
        z = np.nan_to_num((values - self.median) / self.scale)
        strongest = np.take_along_axis(z, np.abs(z).argmax(axis=2)[..., None], axis=2)[..., 0]  # [Q, S]
        clipped = np.clip(np.abs(strongest), 0.0, CLIP_Z)
        return np.sqrt((clipped ** 2).mean(axis=1)), strongest

    def drivers(self, features: np.ndarray) -> list[list[tuple[str, float]]]:
        """[Q, F] -> per row, the sensors at least EXPLAIN_Z robust sd from normal (at most MAX_NAMED,
        largest first) with their signed z."""
        _, z = self._raw(features)
        return [[(self.sensors[i], float(row[i])) for i in np.argsort(-np.abs(row), kind="stable")
                 if abs(row[i]) >= EXPLAIN_Z][:MAX_NAMED] for row in z]

    def score(self, features: np.ndarray) -> tuple[np.ndarray, list[str], list[str]]:
        """[Q, F] -> scores in [0, 1], and explanations in English and Korean."""
        raw, z = self._raw(features)
        score = np.interp(raw, self.normal_quantiles, QUANTILES) if len(self.sensors) else np.zeros(len(raw))
        english, korean = [], []
        for row in z:
            order = [i for i in np.argsort(-np.abs(row), kind="stable") if abs(row[i]) >= EXPLAIN_Z][:MAX_NAMED]
            if not order:
                english.append("no sensor is far from its normal range")
                korean.append("정상 범위를 크게 벗어난 센서가 없음")
                continue
            english.append("; ".join(f"{self.sensors[i]} {abs(row[i]):.1f} sd {'above' if row[i] > 0 else 'below'}"
                                     " normal" for i in order))
            korean.append("; ".join(f"{self.sensors[i]} 정상보다 {abs(row[i]):.1f} 표준편차 "
                                    f"{'높음' if row[i] > 0 else '낮음'}" for i in order))
        return score, english, korean

    def to_json(self) -> dict[str, Any]:
        return {"sensors": self.sensors, "columns": self.columns, "median": self.median.tolist(),
                "scale": self.scale.tolist(), "normal_quantiles": self.normal_quantiles.tolist()}

    @classmethod
    def from_json(cls, content: dict[str, Any]) -> AnomalyModel:
        return cls(content["sensors"], content["columns"], np.asarray(content["median"], dtype=float).reshape(-1, 3),
                   np.asarray(content["scale"], dtype=float).reshape(-1, 3),
                   np.asarray(content["normal_quantiles"], dtype=float))
