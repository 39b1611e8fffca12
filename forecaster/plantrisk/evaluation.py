"""Honest scores of failure-probability curves on prediction times the model never trained on.

Per horizon, over the held-out prediction times whose outcome at that horizon is known (a time censored
before the horizon without failing is left out): Brier score, AUPRC (average precision, as in
forecaster.plantdata.evaluation with unit weights), ECE (ten equal-width bins), the number of times and of
failures. Over all held-out times: Harrell's concordance index of the probability at the longest horizon
against the time to the next failure (censored times count where they are comparable). Reliability curves
(observed failure rate against mean predicted probability per bin) are drawn to a PNG.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from forecaster.plantdata.evaluation import average_precision, brier, calibration_error
from forecaster.plantrisk.labels import Landmarks

BINS = 10


def horizon_scores(labels: np.ndarray, probabilities: np.ndarray) -> dict[str, Any]:
    """Brier, AUPRC, ECE, count and failures of one horizon's known outcomes."""
    weights = np.ones(len(labels))
    has_both = 0 < labels.sum() < len(labels)
    return {"brier": brier(labels, probabilities, weights) if len(labels) else None,
            "auprc": average_precision(labels, probabilities, weights) if has_both else None,
            "ece": calibration_error(labels, probabilities, weights) if len(labels) else None,
            "times": len(labels), "failures": int(labels.sum()), "base_rate": float(labels.mean())
            if len(labels) else None}


def concordance(risk: np.ndarray, duration: np.ndarray, observed: np.ndarray, chunk: int = 2048) -> float | None:
    """Harrell's C: among pairs where the one failing first is observed, the share it had the higher risk
    (ties in risk count one half)."""
    concordant = comparable = 0.0
    events = np.flatnonzero(observed)
    for start in range(0, len(events), chunk):
        i = events[start:start + chunk]
        later = duration[None, :] > duration[i, None]  # [c, N]
        comparable += later.sum()
        concordant += ((risk[i, None] > risk[None, :]) & later).sum() + 0.5 * (
            (risk[i, None] == risk[None, :]) & later).sum()
    return float(concordant / comparable) if comparable else None


def score_curves(landmarks: Landmarks, curves: np.ndarray, horizons: list[float]) -> dict[str, Any]:
    """[L, H] cumulative probabilities -> scores per horizon and the concordance index."""
    per_horizon = {}
    for j, horizon in enumerate(horizons):
        label, known = landmarks.label(horizon)
        valid = known & np.isfinite(curves[:, j])
        per_horizon[f"{horizon:g}"] = horizon_scores(label[valid], curves[valid, j])
    duration, observed = landmarks.duration()
    finite = np.isfinite(curves[:, -1])
    return {"horizons": per_horizon,
            "concordance": concordance(curves[finite, -1], duration[finite], observed[finite])}


def reliability(labels: np.ndarray, probabilities: np.ndarray, bins: int = BINS) -> list[dict[str, float]]:
    """Per non-empty equal-width bin: mean predicted probability, observed rate, count."""
    index = np.clip((probabilities * bins).astype(int), 0, bins - 1)
    return [{"predicted": float(probabilities[index == b].mean()), "observed": float(labels[index == b].mean()),
             "count": int((index == b).sum())} for b in range(bins) if (index == b).any()]


def reliability_png(path: Path, title: str, landmarks: Landmarks, curves: dict[str, np.ndarray],
                    horizons: list[float]) -> None:
    """One panel per horizon, one line per candidate, the diagonal for reference."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, len(horizons), figsize=(4.2 * len(horizons), 4.0), squeeze=False)
    for j, horizon in enumerate(horizons):
        axis = axes[0, j]
        label, known = landmarks.label(horizon)
        for name, curve in curves.items():
            valid = known & np.isfinite(curve[:, j])
            if valid.any():
                points = reliability(label[valid], curve[valid, j])
                axis.plot([p["predicted"] for p in points], [p["observed"] for p in points], marker="o", label=name)
        axis.plot([0, 1], [0, 1], color="grey", linestyle=":", linewidth=1)
        axis.set(xlim=(0, 1), ylim=(0, 1), xlabel="predicted P(failure)", ylabel="observed rate",
                 title=f"{title}: within {horizon:g} h")
        axis.legend(fontsize=7)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=90)
    plt.close(figure)
