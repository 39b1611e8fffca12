"""The PyTorch candidate: forecaster.tabular's TabularNet on the plant's columns, weighted by parts.

Inputs are the schema's network encoding (numbers, gap indicators, one-hot levels); the network's own
buffers standardise them with the training period's mean and spread, so the safetensors file carries
the normalisation. Trained with forecaster.training.fit (AdamW, early stopping on the validation
period's weighted log-loss, the best epoch restored, tqdm bar with the validation loss per epoch).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
from torch.nn import functional as F

from forecaster.artifacts import load_artifact, load_into, save_artifact
from forecaster.device import seed_everything
from forecaster.plantdata.schema import ColumnSchema, network_inputs
from forecaster.plantdata.split import Examples
from forecaster.tabular import TabularNet, TabularSettings, fit_normalisation
from forecaster.training import Batch, TrainConfig, TrainResult, fit, tensor_batches

ARTIFACT_NAME = "network"


NETWORK_SETTINGS = TabularSettings(hidden=64, layers=2, dropout=0.1, batch_size=256, max_epochs=60, patience=8,
                                   learning_rate=2e-3, weight_decay=1e-4)
"""Defaults for a plant's records (10^3-10^5 rows): a small network that trains on CPU in about a minute;
`members` is unused here (one network) and `seed` is replaced by the run's seed."""


@contextmanager
def torch_threads(count: int) -> Iterator[None]:
    """Run the block with `count` torch CPU threads, then restore the caller's setting."""
    previous = torch.get_num_threads()
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def _weighted_cross_entropy(model: torch.nn.Module, batch: Batch) -> torch.Tensor:
    features, labels, weights = batch
    losses = F.cross_entropy(model(features), labels, reduction="none")
    return (losses * weights).sum() / weights.sum().clamp_min(1e-12)


EpochCallback = Callable[[int, float], None]
Initialiser = Callable[[TabularNet, np.ndarray], None]


class _EpochReporter:
    """Tells `on_epoch(epoch, validation_loss)` each epoch's validation loss as the shared training loop
    computes it, without a second pass: the loss function notes each validation batch's loss (the model is
    in eval mode then), and the validation batches, once exhausted, report their size-weighted mean (the
    loop's own `evaluate` average)."""

    def __init__(self, batches: list[Batch], on_epoch: EpochCallback | None) -> None:
        self._batches, self._on_epoch = batches, on_epoch
        self._epoch, self._total, self._count = 0, 0.0, 0

    def loss(self, model: torch.nn.Module, batch: Batch) -> torch.Tensor:
        value = _weighted_cross_entropy(model, batch)
        if not model.training:
            self._total += float(value) * batch[0].shape[0]
            self._count += batch[0].shape[0]
        return value

    def batches(self) -> Iterator[Batch]:
        self._total, self._count = 0.0, 0
        yield from self._batches
        self._epoch += 1
        if self._on_epoch is not None and self._count:
            self._on_epoch(self._epoch, self._total / self._count)


class PlantNetwork:
    """A TabularNet over the schema's network encoding."""

    def __init__(self, schema: ColumnSchema, settings: TabularSettings | None = None) -> None:
        self.schema = schema
        self.settings = settings or NETWORK_SETTINGS
        s = self.settings
        self.net = TabularNet(len(schema.network_features), len(schema.classes), hidden=s.hidden, layers=s.layers,
                              dropout=s.dropout)

    def fit(self, frame: pd.DataFrame, train: Examples, validation: Examples, device: torch.device, seed: int = 0,
            show_progress: bool = False, threads: int = 1, on_epoch: EpochCallback | None = None,
            initialise: Initialiser | None = None) -> TrainResult:
        """Train on `train`, stop early on `validation`; `threads` torch CPU threads meanwhile (see
        PlantTrainSettings.network_threads); `on_epoch(epoch, validation_loss)` after every epoch.
        `initialise(net, training_inputs)` sets the starting weights and normalisation (fine-tuning a
        pretrained network, forecaster.plantdata.pretrained); by default they are fresh."""
        with torch_threads(threads):
            return self._fit(frame, train, validation, device, seed, show_progress, on_epoch, initialise)

    def _fit(self, frame: pd.DataFrame, train: Examples, validation: Examples, device: torch.device, seed: int,
             show_progress: bool, on_epoch: EpochCallback | None, initialise: Initialiser | None) -> TrainResult:
        seed_everything(seed)
        for module in self.net.modules():
            if isinstance(module, torch.nn.Linear):
                module.reset_parameters()
        inputs = network_inputs(frame, self.schema)
        x_train, y_train, w_train = inputs[train.row], train.label, train.weight.astype(np.float32)
        fit_normalisation(self.net, x_train)
        if initialise is not None:
            initialise(self.net, x_train)
        known = validation.subset(validation.label >= 0)
        val_batches = tensor_batches((inputs[known.row], known.label, known.weight.astype(np.float32)), 4096, None)
        s = self.settings
        config = TrainConfig(max_epochs=s.max_epochs, learning_rate=s.learning_rate, weight_decay=s.weight_decay,
                             patience=s.patience, show_progress=show_progress)
        reporter = _EpochReporter(val_batches, on_epoch)
        result = fit(self.net, reporter.loss,
                     lambda epoch: tensor_batches((x_train, y_train, w_train), s.batch_size, seed * 1000 + epoch),
                     reporter.batches, config, device, "network (validation log-loss)")
        self.net.cpu().eval()
        return result

    @torch.no_grad()
    def probabilities(self, frame: pd.DataFrame, rows: np.ndarray) -> np.ndarray:
        x = torch.from_numpy(network_inputs(frame.iloc[rows], self.schema))
        return F.softmax(self.net.eval()(x), dim=1).numpy().astype(np.float64)

    def architecture(self) -> dict[str, Any]:
        return {"class": "TabularNet", "config": {
            "in_features": len(self.schema.network_features), "n_classes": len(self.schema.classes),
            "hidden": self.settings.hidden, "layers": self.settings.layers, "dropout": self.settings.dropout},
            "settings": asdict(self.settings)}

    def save(self, directory: Path, version: str, training: dict[str, Any], metrics: dict[str, Any]) -> None:
        metadata = {"version": version, "architecture": self.architecture(), "training": training,
                    "metrics": metrics, "inputs": self.schema.network_features, "classes": self.schema.classes}
        save_artifact(directory, ARTIFACT_NAME, self.net, metadata, half_precision=False)

    @classmethod
    def load(cls, directory: Path, schema: ColumnSchema) -> PlantNetwork:
        artifact = load_artifact(ARTIFACT_NAME, directory)
        settings = TabularSettings(**artifact.metadata["architecture"]["settings"])
        network = cls(schema, settings)
        load_into(network.net, artifact, ARTIFACT_NAME, directory)
        return network
