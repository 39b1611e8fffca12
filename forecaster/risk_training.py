"""Training the equipment-risk models on AI4I 2020: the calibrated failure classifier and the anomaly
autoencoder (normal rows only). Split: stratified 70/15/15 (train / validation for early stopping and
temperature calibration / test for the metrics recorded in the artifact), seeded.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from forecaster import metrics
from forecaster.artifacts import data_hash
from forecaster.data.manufacturing import Ai4iData, load_ai4i
from forecaster.device import seed_everything
from forecaster.risk import DUTY_CLASSES, SIGNALS, AnomalyAutoencoder, RiskEnsemble, RiskNet, failure_probability
from forecaster.tabular import TabularSettings, stratified_split, train_tabular
from forecaster.training import Batch, TrainConfig, fit, tensor_batches

WINDOW_HOURS = 8.0
RISK_MEMBERS = 5
RISK_SETTINGS = TabularSettings(hidden=64, layers=2, dropout=0.1, batch_size=128, max_epochs=150, patience=20,
                                learning_rate=2e-3)


@dataclass(frozen=True)
class RiskSplit:
    features: np.ndarray  # [N, F] physical units + duty one-hot
    labels: np.ndarray  # [N]
    train: np.ndarray
    validation: np.ndarray
    test: np.ndarray


def ai4i_split(data: Ai4iData, seed: int = 0) -> RiskSplit:
    signals = np.stack([data.signals[name] for name in SIGNALS], axis=1)
    duty = np.stack([(data.duty_class == c).astype(float) for c in DUTY_CLASSES], axis=1)
    features = np.hstack([signals, duty])
    train, validation, test = stratified_split(data.failure, 0.15, 0.15, seed)
    return RiskSplit(features, data.failure, train, validation, test)


def train_failure_model(split: RiskSplit, device: torch.device, seed: int = 0, show_progress: bool = False,
                        members: int = RISK_MEMBERS) -> RiskEnsemble:
    """Train each member (seed * 100 + k) on the training split; early stopping/temperature on validation."""
    ensemble = RiskEnsemble(members, RISK_SETTINGS.hidden, RISK_SETTINGS.layers, RISK_SETTINGS.dropout)
    train_raw = split.features[split.train]
    for k, net in enumerate(ensemble.members):
        assert isinstance(net, RiskNet)
        settings = TabularSettings(**{**asdict(RISK_SETTINGS), "seed": seed * 100 + k})
        derived = net.physics(torch.from_numpy(train_raw.astype(np.float32)))
        net.derived_mean.copy_(derived.mean(dim=0))
        net.derived_std.copy_(derived.std(dim=0).clamp_min(1e-6))
        train_tabular(net, (train_raw, split.labels[split.train]),
                      (split.features[split.validation], split.labels[split.validation]),
                      settings, device, show_progress, f"risk (AI4I) member {k}")
    return ensemble.eval()


def binary_metrics(labels: np.ndarray, probability: np.ndarray) -> dict[str, float]:
    return {"auprc": metrics.average_precision(labels, probability), "brier": metrics.brier(labels, probability),
            "ece": metrics.expected_calibration_error(labels, probability)}


def train_anomaly_model(net: RiskEnsemble, split: RiskSplit, seed: int = 0) -> AnomalyAutoencoder:
    """Autoencoder on z-scored normal training rows; the error grid comes from normal validation rows."""
    seed_everything(seed)
    with torch.no_grad():
        z = net.standardise(torch.from_numpy(split.features.astype(np.float32)))
    normal = split.labels == 0
    z_train = z[np.intersect1d(split.train, np.flatnonzero(normal))].numpy()
    z_val = z[np.intersect1d(split.validation, np.flatnonzero(normal))].numpy()
    model = AnomalyAutoencoder()

    def loss_fn(m: torch.nn.Module, batch: Batch) -> torch.Tensor:
        return m(batch[0]).mean()

    config = TrainConfig(max_epochs=60, learning_rate=2e-3, patience=8, show_progress=False)
    fit(model, loss_fn, lambda e: tensor_batches((z_train,), 256, seed * 1000 + e),
        lambda: tensor_batches((z_val,), 4096, None), config, torch.device("cpu"), "anomaly autoencoder")
    with torch.no_grad():
        errors = model(torch.from_numpy(z_val))
    model.error_quantiles.copy_(torch.quantile(errors, torch.linspace(0.0, 1.0, 101)))
    return model


def train_risk(data_dir: Path, device: torch.device, seed: int = 0, show_progress: bool = True
               ) -> tuple[RiskEnsemble, AnomalyAutoencoder, dict[str, Any], dict[str, Any]]:
    """Train both risk models; return them with the metadata of each artifact."""
    started = time.perf_counter()
    data = load_ai4i(data_dir)
    split = ai4i_split(data, seed)
    net = train_failure_model(split, device, seed, show_progress)
    anomaly = train_anomaly_model(net, split, seed)
    test_probability = failure_probability(net, split.features[split.test])
    training = {"data": "AI4I 2020 (UCI, CC BY 4.0)", "rows": len(split.labels),
                "data_hash": data_hash(split.features, split.labels),
                "split": "stratified 70/15/15 train/validation/test", "seed": seed, "device": str(device),
                "settings": asdict(RISK_SETTINGS), "wall_s": round(time.perf_counter() - started, 1)}
    risk_meta = {
        "architecture": {"class": "RiskEnsemble", "config": {
            "members": RISK_MEMBERS, "hidden": RISK_SETTINGS.hidden, "layers": RISK_SETTINGS.layers,
            "dropout": RISK_SETTINGS.dropout}},
        "inputs": list(SIGNALS) + [f"duty={d}" for d in DUTY_CLASSES],
        "window_hours": WINDOW_HOURS, "training": training,
        "metrics": {"test": binary_metrics(split.labels[split.test], test_probability)},
    }
    anomaly_meta = {"architecture": {"class": "AnomalyAutoencoder", "config": {}}, "training": {
        **training, "rows": int((split.labels[split.train] == 0).sum()), "note": "normal (no failure) training rows"},
        "metrics": {"validation_error_median": float(anomaly.error_quantiles[50])}}
    return net, anomaly, risk_meta, anomaly_meta
