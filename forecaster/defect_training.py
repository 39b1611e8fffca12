"""Training the defect model on the demo plant's simulated inspection records (forecaster.simulator).

Split: stratified 70/15/15 train / validation (early stopping, temperature) / test (metrics in the
artifact). Because the simulator knows the true probabilities, the test metrics include the Bayes
log-loss: the best any model could reach on these records.
"""

from __future__ import annotations

import time
from dataclasses import asdict
from typing import Any

import numpy as np
import torch

from forecaster import metrics
from forecaster.artifacts import data_hash
from forecaster.defect import INPUT_NAMES, encode_simulated, normal_statistics
from forecaster.simulator import DEFECT_TYPES, simulate
from forecaster.tabular import TabularNet, TabularSettings, predict_proba, stratified_split, train_tabular

DEFECT_SETTINGS = TabularSettings(hidden=128, layers=2, dropout=0.1, batch_size=512, max_epochs=120, patience=15,
                                  learning_rate=2e-3)
RECORDS_PER_PROCESS = 20_000


def classification_metrics(labels: np.ndarray, probabilities: np.ndarray) -> dict[str, float]:
    defect = 1.0 - probabilities[:, 0]
    return {
        "log_loss": metrics.log_loss(labels, probabilities),
        "macro_f1": metrics.macro_f1(labels, probabilities.argmax(axis=1), probabilities.shape[1]),
        "defect_auprc": metrics.average_precision((labels > 0).astype(float), defect),
        "defect_ece": metrics.expected_calibration_error((labels > 0).astype(float), defect),
    }


def train_defect(device: torch.device, seed: int = 0, records_per_process: int = RECORDS_PER_PROCESS,
                 show_progress: bool = True) -> tuple[TabularNet, dict[str, Any]]:
    """Simulate, train, calibrate and evaluate; returns the net and its artifact metadata."""
    started = time.perf_counter()
    data = simulate(records_per_process, seed)
    normal = normal_statistics(data)
    features = encode_simulated(data, normal, seed)
    train, validation, test = stratified_split(data.label, 0.15, 0.15, seed)
    settings = TabularSettings(**{**asdict(DEFECT_SETTINGS), "seed": seed})
    net = TabularNet(len(INPUT_NAMES), len(DEFECT_TYPES), hidden=settings.hidden, layers=settings.layers,
                     dropout=settings.dropout)
    result = train_tabular(net, (features[train], data.label[train]), (features[validation], data.label[validation]),
                           settings, device, show_progress, "defect (plant simulator)")
    probabilities = predict_proba([net], features[test])
    test_metrics = classification_metrics(data.label[test], probabilities)
    truth = data.true_probabilities[test]
    test_metrics["bayes_log_loss"] = metrics.log_loss(data.label[test], truth)
    test_metrics["yield_mae"] = float(np.mean(np.abs(probabilities[:, 0] - truth[:, 0])))
    metadata = {
        "architecture": {"class": "TabularNet", "config": {
            "in_features": len(INPUT_NAMES), "n_classes": len(DEFECT_TYPES), "hidden": settings.hidden,
            "layers": settings.layers, "dropout": settings.dropout}},
        "inputs": list(INPUT_NAMES), "classes": list(DEFECT_TYPES),
        "normal": {k: [round(v[0], 6), round(v[1], 6)] for k, v in normal.items()},
        "training": {"data": f"forecaster.simulator.simulate(records_per_process={records_per_process}, seed={seed})",
                     "rows": len(data.label), "data_hash": data_hash(features, data.label),
                     "split": "stratified 70/15/15 train/validation/test", "seed": seed, "device": str(device),
                     "settings": asdict(settings), "best_epoch": result.best_epoch,
                     "wall_s": round(time.perf_counter() - started, 1)},
        "metrics": {"test": {k: round(v, 5) for k, v in test_metrics.items()}},
    }
    return net, metadata
