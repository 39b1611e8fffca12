"""Remaining useful life from sensor histories: the risk model's variant for machines with sensor logs.

Benchmarked on NASA C-MAPSS FD001 with the usual protocol: the 14 informative sensors, min-max scaled
to [-1, 1] on the training units and exponentially smoothed over cycles, windows of 30
cycles, a piecewise-linear target capped at 125 cycles, the deep CNN of Li, Ding & Sun (2018) over the
window, several seeds averaged. The members train for a fixed number of epochs on *all* training
units; that number and every other setting were chosen by `validate_rul`, which holds out training
units and scores them the way the official test set is built (each held-out unit truncated at random
cycles, the last window of each truncation predicted). The official test units are only predicted.

    python -m forecaster.rul --data-dir ../shared/benchmarks/manufacturing --threads 1

runs that validation (it reads `train_FD001.txt` only).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from forecaster.device import seed_everything
from forecaster.training import Batch, TrainConfig, TrainResult, fit, tensor_batches

logger = logging.getLogger(__name__)

SENSOR_COLUMNS = tuple(4 + s for s in (2, 3, 4, 7, 8, 9, 11, 12, 13, 14, 15, 17, 20, 21))
"""Columns of the 14 sensors that vary in FD001 (s1, s5, s6, s10, s16, s18, s19 are constant)."""

Bounds = tuple[np.ndarray, np.ndarray]


@dataclass(frozen=True)
class RulSettings:
    """C-MAPSS protocol and optimisation settings.

    Args:
        window: cycles per input window.
        rul_cap: cap of the piecewise-linear target (cycles).
        smoothing: weight of the newest cycle in the exponential smoothing of each sensor (1 = none).
        filters: filters of the four wide convolution layers.
        kernel: kernel length (cycles) of those layers.
        dropout: dropout before the dense layer.
        members: seeds averaged.
        batch_size, epochs, learning_rate: optimisation (fixed epoch count, no early stopping).
        seed: base seed.
    """

    window: int = 30
    rul_cap: float = 125.0
    smoothing: float = 0.05
    filters: int = 10
    kernel: int = 10
    dropout: float = 0.5
    members: int = 3
    batch_size: int = 512
    epochs: int = 100
    learning_rate: float = 1e-3
    seed: int = 0


class RulCNN(nn.Module):
    """Li, Ding & Sun (2018) deep CNN: window of scaled sensors -> remaining life as a share of the cap.

    Four tanh convolutions over time (same padding) and a one-filter convolution make one feature per
    cycle; dropout and a 100-unit dense layer map them to the target.

    Args:
        sensors: input channels (14 for FD001).
        window: window length in cycles.
        filters: filters of the four wide layers.
        kernel: their kernel length.
        dropout: dropout before the dense layer.
    """

    def __init__(self, sensors: int = len(SENSOR_COLUMNS), window: int = 30, filters: int = 10, kernel: int = 10,
                 dropout: float = 0.5) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        for channels_in in (sensors, filters, filters, filters):
            layers += [nn.Conv1d(channels_in, filters, kernel, padding="same"), nn.Tanh()]
        self.conv = nn.Sequential(*layers, nn.Conv1d(filters, 1, 3, padding="same"), nn.Tanh())
        self.head = nn.Sequential(nn.Flatten(), nn.Dropout(dropout), nn.Linear(window, 100), nn.Tanh(),
                                  nn.Linear(100, 1))

    def forward(self, windows: torch.Tensor) -> torch.Tensor:
        # [B, T, S] -> [B, S, T] -> [B, 1, T] -> [B]
        return self.head(self.conv(windows.transpose(1, 2))).squeeze(1)


def scaler(train: np.ndarray) -> Bounds:
    sensors = train[:, SENSOR_COLUMNS]
    return sensors.min(axis=0), sensors.max(axis=0)


def unit_features(unit_rows: np.ndarray, bounds: Bounds, smoothing: float) -> np.ndarray:
    """One unit's sensors scaled to [-1, 1] and exponentially smoothed over its cycles: [T, S]."""
    low, high = bounds
    scaled = (2.0 * (unit_rows[:, SENSOR_COLUMNS] - low) / np.maximum(high - low, 1e-9) - 1.0).astype(np.float32)
    if smoothing < 1.0:
        for cycle in range(1, len(scaled)):  # causal: a cycle's value never depends on later cycles
            scaled[cycle] = smoothing * scaled[cycle] + (1.0 - smoothing) * scaled[cycle - 1]
    return scaled


def _units(rows: np.ndarray) -> list[np.ndarray]:
    return [rows[rows[:, 0] == unit] for unit in np.unique(rows[:, 0])]


def training_windows(rows: np.ndarray, bounds: Bounds, settings: RulSettings) -> tuple[np.ndarray, np.ndarray]:
    """Every full window of every unit, target = min(cap, cycles left after the window's last cycle)."""
    windows, targets = [], []
    for unit_rows in _units(rows):
        features = unit_features(unit_rows, bounds, settings.smoothing)
        remaining = unit_rows[:, 1].max() - unit_rows[:, 1]
        for end in range(settings.window, len(unit_rows) + 1):
            windows.append(features[end - settings.window : end])
            targets.append(min(settings.rul_cap, remaining[end - 1]))
    return np.stack(windows), np.array(targets, dtype=np.float32)


def last_windows(rows: np.ndarray, bounds: Bounds, settings: RulSettings) -> np.ndarray:
    """The last `window` cycles of each unit (short units padded with their first cycle) [U, T, S]."""
    found = []
    for unit_rows in _units(rows):
        features = unit_features(unit_rows, bounds, settings.smoothing)
        if len(features) < settings.window:
            features = np.vstack([np.repeat(features[:1], settings.window - len(features), axis=0), features])
        found.append(features[-settings.window :])
    return np.stack(found)


def truncated_units(
    rows: np.ndarray, cuts_per_unit: int, seed: int, min_cycles: int = 20
) -> tuple[np.ndarray, np.ndarray]:
    """Run-to-failure units cut like a test set: each unit observed up to `cuts_per_unit` random cycles.

    Every cut becomes a new unit (ids 1, 2, ...) holding the cycles up to the cut; its true remaining
    life is the unit's last cycle minus the cut. The observed length is uniform on [min_cycles, life].
    Returns (rows of the cut units, true remaining life of each cut unit).
    """
    rng = np.random.default_rng(seed)
    pieces: list[np.ndarray] = []
    truth: list[float] = []
    for unit_rows in _units(rows):
        life = len(unit_rows)
        for observed in rng.integers(min(min_cycles, life), life + 1, cuts_per_unit):
            piece = unit_rows[:observed].copy()
            piece[:, 0] = len(truth) + 1
            pieces.append(piece)
            truth.append(float(life - observed))
    return np.vstack(pieces), np.array(truth)


def _mse(model: nn.Module, batch: Batch) -> torch.Tensor:
    windows, targets = batch
    return F.mse_loss(model(windows), targets)


def train_rul(
    train: np.ndarray, settings: RulSettings, device: torch.device, show_progress: bool = False
) -> tuple[list[RulCNN], Bounds, list[TrainResult]]:
    """Train `members` CNNs on every unit of `train` for `settings.epochs` epochs; returns nets, scaler, results.

    No units are held out and nothing stops early: the epoch count was chosen by `validate_rul`, and
    each member keeps its last weights (fit's validation loss is empty and unused).
    """
    bounds = scaler(train)
    x_train, y_train = training_windows(train, bounds, settings)
    y_train = y_train / settings.rul_cap  # targets as a share of the cap keep tanh layers and clipping well scaled
    nets, results = [], []
    for member in range(settings.members):
        seed = settings.seed + member
        seed_everything(seed)
        net = RulCNN(window=settings.window, filters=settings.filters, kernel=settings.kernel,
                     dropout=settings.dropout)
        config = TrainConfig(max_epochs=settings.epochs, learning_rate=settings.learning_rate,
                             patience=settings.epochs + 1, show_progress=show_progress, restore_best=False)

        def train_batches(epoch: int, member_seed: int = seed) -> list[Batch]:
            return tensor_batches((x_train, y_train), settings.batch_size, member_seed * 1000 + epoch)

        result = fit(net, _mse, train_batches, lambda: [], config, device, f"rul member {member}")
        logger.info("rul member %d: %d epochs (fixed, last weights kept), last training loss %.5f",
                    member, len(result.history), result.history[-1].train_loss)
        nets.append(net.cpu().eval())
        results.append(result)
    return nets, bounds, results


@torch.no_grad()
def predict_rul(nets: list[RulCNN], windows: np.ndarray, rul_cap: float) -> np.ndarray:
    """Mean prediction of the members in cycles, clipped to [0, cap]: [U, T, S] -> [U]."""
    x = torch.from_numpy(windows)
    return np.clip(np.mean([net(x).numpy() for net in nets], axis=0) * rul_cap, 0.0, rul_cap)


def validate_rul(
    train: np.ndarray, settings: RulSettings, device: torch.device, folds: int = 4, only_folds: tuple[int, ...] = (0,),
    cuts_per_unit: int = 10,
) -> dict[str, Any]:
    """Score `settings` on held-out *training* units, cut like the test set; the test set is never read.

    Units are shuffled (seed 0) into `folds` folds; for each fold in `only_folds` the members train on
    the other folds and predict the last window of every truncation of the held-out units. Reports RMSE
    against the true remaining life, uncapped (as the benchmark scores the test) and capped at the cap
    (the part a capped model can learn), plus the NASA score, pooled over the folds run.
    """
    units = np.random.default_rng(0).permutation(np.unique(train[:, 0]))
    truth_all, predicted_all = [], []
    for fold in only_folds:
        held_out = np.isin(train[:, 0], units[fold::folds])
        nets, bounds, _ = train_rul(train[~held_out], settings, device)
        cut_rows, truth = truncated_units(train[held_out], cuts_per_unit, seed=fold + 1)
        predicted_all.append(predict_rul(nets, last_windows(cut_rows, bounds, settings), settings.rul_cap))
        truth_all.append(truth)
    truth, predicted = np.concatenate(truth_all), np.concatenate(predicted_all)
    return {"rmse": _rmse(truth, predicted), "rmse_truth_capped": _rmse(np.minimum(truth, settings.rul_cap), predicted),
            "nasa_score_per_cut": float(np.mean(_nasa(truth, predicted))), "cuts": len(truth),
            "folds": folds, "folds_run": list(only_folds)}


def _rmse(actual: np.ndarray, predicted: np.ndarray) -> float:
    return float(np.sqrt(np.mean((actual - predicted) ** 2)))


def _nasa(actual: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    d = predicted - actual
    return np.where(d < 0, np.exp(-d / 13.0) - 1.0, np.exp(d / 10.0) - 1.0)


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    parser = argparse.ArgumentParser(description="Validate the C-MAPSS remaining-life CNN on training units only.")
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--subset", default="FD001")
    parser.add_argument("--folds", type=int, default=4)
    parser.add_argument("--only-folds", type=int, nargs="+", default=[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--settings", default="{}", help="JSON overrides of RulSettings, e.g. '{\"epochs\": 60}'")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    settings = RulSettings(**json.loads(args.settings))
    train = np.loadtxt(args.data_dir / f"cmapss-{args.subset}" / f"train_{args.subset}.txt", ndmin=2)
    started = time.perf_counter()
    result = validate_rul(train, settings, torch.device("cpu"), args.folds, tuple(args.only_folds))
    result |= {"wall_s": round(time.perf_counter() - started, 1), "settings": asdict(settings), "subset": args.subset,
               "threads": args.threads, "torch": torch.__version__}
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
