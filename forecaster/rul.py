"""Remaining useful life from sensor histories: the risk model's variant for machines with sensor logs.

Benchmarked on NASA C-MAPSS FD001 with the usual protocol: the 14 informative sensors, min-max scaled
to [-1, 1] on the training units, windows of 30 cycles, a piecewise-linear target capped at 125
cycles, a 1D CNN over the window, several seeds averaged. Early stopping uses 15% of the *training*
units; the 100 official test units are only predicted (last window of each unit).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from forecaster.device import seed_everything
from forecaster.training import Batch, TrainConfig, TrainResult, fit, tensor_batches

logger = logging.getLogger(__name__)

SENSOR_COLUMNS = tuple(4 + s for s in (2, 3, 4, 7, 8, 9, 11, 12, 13, 14, 15, 17, 20, 21))
"""Columns of the 14 sensors that vary in FD001 (s1, s5, s6, s10, s16, s18, s19 are constant)."""


@dataclass(frozen=True)
class RulSettings:
    """C-MAPSS protocol and optimisation settings.

    Args:
        window: cycles per input window.
        rul_cap: cap of the piecewise-linear target (cycles).
        channels: convolution channels.
        members: seeds averaged.
        batch_size, max_epochs, patience, learning_rate: optimisation.
        validation_share: share of training units held out for early stopping.
        seed: base seed.
    """

    window: int = 30
    rul_cap: float = 125.0
    channels: int = 32
    members: int = 3
    batch_size: int = 256
    max_epochs: int = 100
    patience: int = 20
    learning_rate: float = 1e-3
    validation_share: float = 0.15
    seed: int = 0


class RulCNN(nn.Module):
    """1D CNN over a window of scaled sensors -> remaining useful life (cycles).

    Args:
        sensors: input channels (14 for FD001).
        window: window length in cycles.
        channels: convolution channels.
    """

    def __init__(self, sensors: int = len(SENSOR_COLUMNS), window: int = 30, channels: int = 32) -> None:
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv1d(sensors, channels, 5, padding=2), nn.ReLU(),
            nn.Conv1d(channels, channels, 5, padding=2), nn.ReLU(),
            nn.Conv1d(channels, 8, 3, padding=1), nn.ReLU(),
        )
        self.head = nn.Sequential(nn.Flatten(), nn.Dropout(0.2), nn.Linear(8 * window, 64), nn.ReLU(), nn.Linear(64, 1))

    def forward(self, windows: torch.Tensor) -> torch.Tensor:
        # [B, T, S] -> [B]
        return self.head(self.conv(windows.transpose(1, 2))).squeeze(1)


def scaler(train: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    sensors = train[:, SENSOR_COLUMNS]
    return sensors.min(axis=0), sensors.max(axis=0)


def _scaled(rows: np.ndarray, bounds: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    low, high = bounds
    return (2.0 * (rows[:, SENSOR_COLUMNS] - low) / np.maximum(high - low, 1e-9) - 1.0).astype(np.float32)


def training_windows(
    rows: np.ndarray, bounds: tuple[np.ndarray, np.ndarray], settings: RulSettings
) -> tuple[np.ndarray, np.ndarray]:
    """Every full window of every unit, target = min(cap, cycles left after the window's last cycle)."""
    windows, targets = [], []
    for unit in np.unique(rows[:, 0]):
        unit_rows = rows[rows[:, 0] == unit]
        scaled = _scaled(unit_rows, bounds)
        remaining = unit_rows[:, 1].max() - unit_rows[:, 1]
        for end in range(settings.window, len(unit_rows) + 1):
            windows.append(scaled[end - settings.window : end])
            targets.append(min(settings.rul_cap, remaining[end - 1]))
    return np.stack(windows), np.array(targets, dtype=np.float32)


def last_windows(rows: np.ndarray, bounds: tuple[np.ndarray, np.ndarray], window: int) -> np.ndarray:
    """The last `window` cycles of each unit (short units padded with their first cycle) [U, T, S]."""
    found = []
    for unit in np.unique(rows[:, 0]):
        scaled = _scaled(rows[rows[:, 0] == unit], bounds)
        if len(scaled) < window:
            scaled = np.vstack([np.repeat(scaled[:1], window - len(scaled), axis=0), scaled])
        found.append(scaled[-window:])
    return np.stack(found)


def _mse(model: nn.Module, batch: Batch) -> torch.Tensor:
    windows, targets = batch
    return F.mse_loss(model(windows), targets)


def train_rul(
    train: np.ndarray, settings: RulSettings, device: torch.device, show_progress: bool = False
) -> tuple[list[RulCNN], tuple[np.ndarray, np.ndarray], list[TrainResult]]:
    """Train `members` CNNs with early stopping on held-out training units; returns nets, scaler, results."""
    bounds = scaler(train)
    units = np.unique(train[:, 0])
    held_out = np.random.default_rng(settings.seed).choice(units, int(len(units) * settings.validation_share), False)
    is_val = np.isin(train[:, 0], held_out)
    x_train, y_train = training_windows(train[~is_val], bounds, settings)
    x_val, y_val = training_windows(train[is_val], bounds, settings)
    val_batches = tensor_batches((x_val, y_val), 4096, None)
    nets, results = [], []
    for member in range(settings.members):
        seed = settings.seed + member
        seed_everything(seed)
        net = RulCNN(window=settings.window, channels=settings.channels)
        config = TrainConfig(max_epochs=settings.max_epochs, learning_rate=settings.learning_rate,
                             patience=settings.patience, show_progress=show_progress)
        def train_batches(epoch: int, member_seed: int = seed) -> list[Batch]:
            return tensor_batches((x_train, y_train), settings.batch_size, member_seed * 1000 + epoch)

        result = fit(net, _mse, train_batches, lambda: val_batches, config, device, f"rul member {member}")
        nets.append(net.cpu().eval())
        results.append(result)
    return nets, bounds, results


@torch.no_grad()
def predict_rul(nets: list[RulCNN], windows: np.ndarray, rul_cap: float) -> np.ndarray:
    """Mean prediction of the members, clipped to [0, cap]: [U, T, S] -> [U]."""
    x = torch.from_numpy(windows)
    return np.clip(np.mean([net(x).numpy() for net in nets], axis=0), 0.0, rul_cap)
