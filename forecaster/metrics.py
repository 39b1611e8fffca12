"""Evaluation metrics in plain numpy: forecast accuracy, interval quality, classification and calibration.

Definitions follow the M-competitions (sMAPE in percent, MASE scaled by the in-sample seasonal naive
MAE) and the usual probabilistic scores; they are shared by training reports and benchmarks so a
figure means the same thing everywhere.
"""

from __future__ import annotations

import numpy as np


def smape(actual: np.ndarray, forecast: np.ndarray) -> float:
    """Symmetric MAPE in percent (M3/M4 definition) of one series."""
    denominator = np.abs(actual) + np.abs(forecast)
    ratio = np.where(denominator > 0, 2.0 * np.abs(actual - forecast) / np.maximum(denominator, 1e-12), 0.0)
    return float(100.0 * np.mean(ratio))


def mase_scale(train: np.ndarray, season_length: int) -> float:
    """In-sample MAE of the seasonal naive forecast (naive when the series is shorter than a cycle)."""
    m = season_length if len(train) > season_length else 1
    scale = float(np.mean(np.abs(train[m:] - train[:-m]))) if len(train) > m else 0.0
    return scale if scale > 1e-12 else 1.0


def mase(actual: np.ndarray, forecast: np.ndarray, train: np.ndarray, season_length: int) -> float:
    return float(np.mean(np.abs(actual - forecast)) / mase_scale(train, season_length))


def coverage(actual: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> float:
    """Share of actual values inside [lower, upper]."""
    return float(np.mean((actual >= lower) & (actual <= upper)))


def pinball(actual: np.ndarray, quantile_forecast: np.ndarray, level: float) -> float:
    error = actual - quantile_forecast
    return float(np.mean(np.maximum(level * error, (level - 1.0) * error)))


def scaled_pinball(
    actual: np.ndarray, quantile_forecasts: dict[float, np.ndarray], train: np.ndarray, season_length: int
) -> float:
    """Mean pinball loss over the given quantile levels, divided by the MASE scale (so it is unit-free)."""
    losses = [pinball(actual, path, level) for level, path in quantile_forecasts.items()]
    return float(np.mean(losses) / mase_scale(train, season_length))


def average_precision(labels: np.ndarray, scores: np.ndarray) -> float:
    """Area under the precision-recall curve as average precision (step-wise, as scikit-learn)."""
    order = np.argsort(-scores, kind="mergesort")
    sorted_labels = labels[order].astype(float)
    sorted_scores = scores[order]
    distinct = np.r_[np.flatnonzero(np.diff(sorted_scores)), len(sorted_scores) - 1]
    true_positives = np.cumsum(sorted_labels)[distinct]
    predicted_positives = distinct + 1
    positives = max(sorted_labels.sum(), 1.0)
    precision = true_positives / predicted_positives
    recall = true_positives / positives
    previous_recall = np.r_[0.0, recall[:-1]]
    return float(np.sum((recall - previous_recall) * precision))


def brier(labels: np.ndarray, probabilities: np.ndarray) -> float:
    return float(np.mean((probabilities - labels) ** 2))


def expected_calibration_error(labels: np.ndarray, probabilities: np.ndarray, bins: int = 10) -> float:
    """ECE with equal-width probability bins: sum over bins of share x |mean predicted - observed rate|."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    index = np.clip(np.digitize(probabilities, edges[1:-1]), 0, bins - 1)
    total = 0.0
    for b in range(bins):
        in_bin = index == b
        if in_bin.any():
            total += in_bin.mean() * abs(probabilities[in_bin].mean() - labels[in_bin].mean())
    return float(total)


def log_loss(labels: np.ndarray, probabilities: np.ndarray) -> float:
    """Multi-class log-loss: labels [N] integer classes, probabilities [N, C]."""
    picked = np.clip(probabilities[np.arange(len(labels)), labels], 1e-15, 1.0)
    return float(-np.mean(np.log(picked)))


def macro_f1(labels: np.ndarray, predicted: np.ndarray, classes: int) -> float:
    scores = []
    for c in range(classes):
        true_positive = np.sum((predicted == c) & (labels == c))
        false_positive = np.sum((predicted == c) & (labels != c))
        false_negative = np.sum((predicted != c) & (labels == c))
        denominator = 2 * true_positive + false_positive + false_negative
        scores.append(2 * true_positive / denominator if denominator else 0.0)
    return float(np.mean(scores))


def rmse(actual: np.ndarray, predicted: np.ndarray) -> float:
    return float(np.sqrt(np.mean((actual - predicted) ** 2)))


def nasa_score(actual_rul: np.ndarray, predicted_rul: np.ndarray) -> float:
    """C-MAPSS asymmetric score: late predictions (d > 0) are penalised more than early ones."""
    d = predicted_rul - actual_rul
    return float(np.sum(np.where(d < 0, np.exp(-d / 13.0) - 1.0, np.exp(d / 10.0) - 1.0)))
