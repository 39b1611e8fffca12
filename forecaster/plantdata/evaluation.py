"""Scores of P(any defect) weighted by parts, and how uncertain they are.

The same definitions as `forecaster.metrics` (average precision as scikit-learn computes it, Brier,
ECE with ten equal-width bins), with a weight per example so that a lot of 500 parts counts 500 times;
with unit weights they equal `forecaster.metrics` (tests/forecaster/test_plantdata_training.py).
"""

from __future__ import annotations

import numpy as np

from forecaster.plantdata.split import UNKNOWN_CLASS, Examples

BOOTSTRAP_SAMPLES = 200
FEW_DEFECTS = 30
"""Fewer defective parts than this in the test period draw a warning about how uncertain its scores are."""


def average_precision(labels: np.ndarray, scores: np.ndarray, weights: np.ndarray) -> float:
    """Weighted area under the precision-recall curve (step-wise average precision)."""
    order = np.argsort(-scores, kind="mergesort")
    positive = (labels[order] * weights[order])
    total = weights[order]
    distinct = np.r_[np.flatnonzero(np.diff(scores[order])), len(scores) - 1]
    true_positives = np.cumsum(positive)[distinct]
    predicted_positives = np.cumsum(total)[distinct]
    recall = true_positives / max(positive.sum(), 1e-12)
    precision = true_positives / np.maximum(predicted_positives, 1e-12)
    return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))


def brier(labels: np.ndarray, probabilities: np.ndarray, weights: np.ndarray) -> float:
    return float(np.average((probabilities - labels) ** 2, weights=weights))


def binary_log_loss(labels: np.ndarray, probabilities: np.ndarray, weights: np.ndarray) -> float:
    p = np.clip(probabilities, 1e-15, 1 - 1e-15)
    return float(-np.average(labels * np.log(p) + (1 - labels) * np.log(1 - p), weights=weights))


def calibration_error(labels: np.ndarray, probabilities: np.ndarray, weights: np.ndarray, bins: int = 10) -> float:
    """ECE: sum over equal-width bins of (weight share) x |mean predicted - observed rate|."""
    index = np.clip(np.digitize(probabilities, np.linspace(0.0, 1.0, bins + 1)[1:-1]), 0, bins - 1)
    total = weights.sum()
    error = 0.0
    for b in range(bins):
        w = weights[index == b]
        if w.sum() > 0:
            gap = np.average(probabilities[index == b], weights=w) - np.average(labels[index == b], weights=w)
            error += w.sum() / total * abs(gap)
    return float(error)


def class_log_loss(probabilities: np.ndarray, examples: Examples) -> float:
    """Weighted multi-class log-loss over the examples whose class the model knows. probabilities [N, C]
    are per example."""
    known = examples.label != UNKNOWN_CLASS
    picked = probabilities[np.flatnonzero(known), examples.label[known]]
    return float(-np.average(np.log(np.clip(picked, 1e-15, 1.0)), weights=examples.weight[known]))


def scores(probabilities: np.ndarray, examples: Examples) -> dict[str, float]:
    """AUPRC, Brier, log-loss and ECE of P(any defect), and the multi-class log-loss, per example rows."""
    any_defect = 1.0 - probabilities[:, 0]
    labels, weights = examples.is_defect, examples.weight
    return {
        "auprc": average_precision(labels, any_defect, weights),
        "brier": brier(labels, any_defect, weights),
        "log_loss": binary_log_loss(labels, any_defect, weights),
        "ece": calibration_error(labels, any_defect, weights),
        "class_log_loss": class_log_loss(probabilities, examples),
    }


def bootstrap_interval(probabilities: np.ndarray, examples: Examples, seed: int = 0,
                       samples: int = BOOTSTRAP_SAMPLES) -> dict[str, list[float]]:
    """90 % bootstrap intervals of AUPRC and Brier (examples resampled with replacement)."""
    rng = np.random.default_rng(seed)
    any_defect = 1.0 - probabilities[:, 0]
    labels, weights = examples.is_defect, examples.weight
    auprc, brier_scores = [], []
    for _ in range(samples):
        pick = rng.integers(0, len(labels), len(labels))
        if labels[pick].sum() == 0:
            continue
        auprc.append(average_precision(labels[pick], any_defect[pick], weights[pick]))
        brier_scores.append(brier(labels[pick], any_defect[pick], weights[pick]))
    if not auprc:
        return {}
    return {"auprc_90": [float(np.quantile(auprc, 0.05)), float(np.quantile(auprc, 0.95))],
            "brier_90": [float(np.quantile(brier_scores, 0.05)), float(np.quantile(brier_scores, 0.95))]}
