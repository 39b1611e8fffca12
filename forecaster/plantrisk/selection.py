"""Champion and challenger on the validation period: a curve replaces the default only on evidence.

The validation period is small (tens of machines, a few dozen breakdowns) and has already stopped the
boosting and fitted the Platt calibrations, so the lowest validation Brier score among several curves is
partly noise: picking it serves, in expectation, a curve no better than the default and sometimes worse.
The rule here is the one-standard-error rule of model selection (Breiman, Friedman, Olshen and Stone 1984;
Hastie, Tibshirani and Friedman, *The Elements of Statistical Learning*, 2009, section 7.10) applied to a
paired comparison with a champion: a challenger replaces the champion only when

- its validation Brier score (the mean over the evaluation horizons) is lower than the champion's by more
  than one standard error of the paired difference, the standard error computed with the machines as
  clusters (the prediction times of one machine share their errors: a cluster-robust, sandwich variance),
  and
- it ranks at least as well: its AUPRC is not lower at any horizon where both are defined.

The champion is the curve that is, at each of the plant's horizons, the gradient-boosting classifier
trained for that horizon, Platt-calibrated on the validation period (the direct curve, direct.py), i.e. the
per-horizon boosting baseline made into a curve. So what is served departs from that baseline only where
the validation period says, beyond its noise, that something else is better. The factor (one standard
error), the clustering and the AUPRC guard were fixed as the defaults of this rule, not searched.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from forecaster.plantdata.evaluation import average_precision
from forecaster.plantrisk.labels import Landmarks

STANDARD_ERRORS = 1.0
"""How many standard errors of the paired Brier difference a challenger must win by."""
_TOLERANCE = 1e-12


@dataclass(frozen=True)
class Comparison:
    """A challenger against the champion on one period.

    `brier_margin`: challenger - champion, the mean over horizons of each horizon's mean Brier difference
    (negative: the challenger is better); `standard_error`: its cluster-robust standard error (inf with
    fewer than two machines); `ranks_as_well`: AUPRC not lower at any horizon where both are defined."""

    brier_margin: float
    standard_error: float
    clusters: int
    ranks_as_well: bool

    @property
    def replaces(self) -> bool:
        """Hard: the challenger wins by more than one standard error and ranks at least as well."""
        return bool(self.ranks_as_well and self.brier_margin < -STANDARD_ERRORS * self.standard_error)

    def to_json(self) -> dict[str, Any]:
        se = self.standard_error if np.isfinite(self.standard_error) else None
        return {"brier_margin": self.brier_margin, "standard_error": se, "machines": self.clusters,
                "ranks_as_well": self.ranks_as_well, "replaces": self.replaces}


def clustered_mean_difference(differences: list[np.ndarray], groups: list[np.ndarray]) -> tuple[float, float, int]:
    """(D, standard error of D, clusters) for D = the mean over horizons h of mean_i differences[h][i].

    D is a sum of per-cluster contributions T_c = sum_h sum_{i in c} d_hi / (H n_h); its cluster-robust
    variance is C / (C - 1) sum_c (T_c - D / C)^2 (with one row per cluster and one horizon: the usual
    s / sqrt(n)). Horizons without rows are left out; with fewer than two clusters the error is inf."""
    used = [(np.asarray(d, dtype=float), np.asarray(g, dtype=object))
            for d, g in zip(differences, groups, strict=True) if len(d)]
    if not used:
        return 0.0, float("inf"), 0
    contributions: dict[Any, float] = {}
    for d, g in used:
        names, index = np.unique(g.astype(str), return_inverse=True)
        sums = np.bincount(index.reshape(-1), weights=d, minlength=len(names)) / (len(used) * len(d))
        for cluster, value in zip(names, sums, strict=True):
            contributions[str(cluster)] = contributions.get(str(cluster), 0.0) + float(value)
    totals = np.asarray(list(contributions.values()))
    mean, count = float(totals.sum()), len(totals)
    if count < 2:
        return mean, float("inf"), count
    variance = count / (count - 1) * float(((totals - mean / count) ** 2).sum())
    return mean, float(np.sqrt(variance)), count


def compare(times: Landmarks, challenger: np.ndarray, champion: np.ndarray, horizons: list[float]) -> Comparison:
    """[L, H] curves of a challenger and the champion at `horizons`, scored on the known outcomes of `times`."""
    differences, groups, ranks = [], [], True
    for j, horizon in enumerate(horizons):
        label, known = times.label(horizon)
        known = known & np.isfinite(challenger[:, j]) & np.isfinite(champion[:, j])
        y, a, b = label[known], challenger[known, j], champion[known, j]
        differences.append((a - y) ** 2 - (b - y) ** 2)
        groups.append(times.machine[known])
        if 0 < y.sum() < len(y):
            ones = np.ones(len(y))
            ranks &= average_precision(y, a, ones) >= average_precision(y, b, ones) - _TOLERANCE
    margin, error, clusters = clustered_mean_difference(differences, groups)
    return Comparison(margin, error, clusters, ranks)


def choose(times: Landmarks, curves: dict[str, np.ndarray], champion: str, horizons: list[float]
           ) -> tuple[str, dict[str, Comparison]]:
    """The champion, unless challengers replace it (`Comparison.replaces`): then the one of those with the
    lowest validation Brier margin (the first in `curves`' order on ties). Returns the choice and every
    challenger's comparison."""
    comparisons = {name: compare(times, curve, curves[champion], horizons)
                   for name, curve in curves.items() if name != champion}
    winners = [name for name, c in comparisons.items() if c.replaces]
    if not winners:
        return champion, comparisons
    return min(winners, key=lambda name: comparisons[name].brier_margin), comparisons
