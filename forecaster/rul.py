"""Remaining useful life from sensor histories: the risk model's variant for machines with sensor logs.

Benchmarked on NASA C-MAPSS FD001 with the usual protocol: the 14 informative sensors, min-max scaled
to [-1, 1] on the training units, windows of 30 cycles, a piecewise-linear target capped at 125 cycles,
the deep CNN of Li, Ding & Sun (2018) over the window, several seeds averaged. Beyond the paper, two
inputs that only look back from the cut: each sensor's drift from the unit's mean over its first 30
cycles, and the unit's age (cycle number), so the network sees the damage so far and the time it took.
The members train for a fixed number of epochs on *all* training units; that number and every other
setting were chosen by `validate_rul`, which holds out training units and scores them the way the
official test set is scored (each held-out unit cut after every cycle, the last window of each cut
predicted, RMSE against the uncapped remaining life over the cuts within 150 cycles of failure, the
span of the official truth). The official test units are only predicted.

    python -m forecaster.rul --data-dir ../shared/benchmarks/manufacturing --threads 1

runs that validation (it reads `train_FD001.txt` only).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from forecaster.device import pick_device, seed_everything
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
        debias: start the smoothing from zero and divide by the weight seen so far (as Adam does), so a
            cycle's value is a weighted mean of *all* cycles so far; otherwise it starts at the first
            cycle, whose noise then dominates the first few dozen cycles (weight 0.95^29 = 0.23 at cycle 30).
        baseline_cycles: when > 0, 14 more channels: the smoothed sensors minus their mean over the unit's
            first `baseline_cycles` cycles (each engine's own initial wear); at most `window`, so every
            cut and test unit (31 cycles or more) has them without looking past its last cycle.
        age_channel: one more channel, the cycle number divided by 100 (how long the engine has run: a
            unit that still looks healthy late in its life is nearer failure than a young one that looks the same).
        filters: filters of the four wide convolution layers.
        kernel: kernel length (cycles) of those layers.
        dropout: dropout before the dense layer.
        members: seeds averaged.
        batch_size, epochs, learning_rate, weight_decay: optimisation (AdamW, fixed epoch count, no early
            stopping).
        lr_drop_epoch: None: the learning rate is cosine-decayed to a tenth over the epochs; an epoch: it is
            constant until then and a tenth of it after (Li et al.: 200 of 250 epochs).
        init: "default" (PyTorch's) or "xavier_normal" (Li et al.'s) initial weights, biases zero for the latter.
        seed: base seed.
    """

    window: int = 30
    rul_cap: float = 125.0
    smoothing: float = 1.0
    debias: bool = False
    baseline_cycles: int = 30
    age_channel: bool = True
    filters: int = 10
    kernel: int = 10
    dropout: float = 0.5
    members: int = 3
    batch_size: int = 512
    epochs: int = 50
    learning_rate: float = 1e-3
    weight_decay: float = 1e-4
    lr_drop_epoch: int | None = None
    init: str = "default"
    seed: int = 0

    def __post_init__(self) -> None:
        if self.baseline_cycles > self.window:
            raise ValueError(f"baseline_cycles ({self.baseline_cycles}) must not exceed window ({self.window})")
        if self.init not in ("default", "xavier_normal"):
            raise ValueError(f"init must be 'default' or 'xavier_normal', not {self.init!r}")
        for name in ("window", "members", "batch_size", "epochs"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, not {getattr(self, name)}")
        if self.lr_drop_epoch is not None and not 1 <= self.lr_drop_epoch < self.epochs:
            raise ValueError(f"lr_drop_epoch must lie in 1..{self.epochs - 1} (epochs - 1) or be null, "
                             f"not {self.lr_drop_epoch}")


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

    def xavier_normal_(self) -> RulCNN:
        """Xavier-normal weights and zero biases for every layer, as Li et al. initialise."""
        for module in self.modules():
            if isinstance(module, nn.Conv1d | nn.Linear):
                nn.init.xavier_normal_(module.weight)
                if module.bias is not None:
                    nn.init.zeros_(module.bias)
        return self

    def forward(self, windows: torch.Tensor) -> torch.Tensor:
        # [B, T, S] -> [B, S, T] -> [B, 1, T] -> [B]
        return self.head(self.conv(windows.transpose(1, 2))).squeeze(1)


def scaler(train: np.ndarray) -> Bounds:
    sensors = train[:, SENSOR_COLUMNS]
    return sensors.min(axis=0), sensors.max(axis=0)


def unit_features(unit_rows: np.ndarray, bounds: Bounds, smoothing: float, debias: bool = False) -> np.ndarray:
    """One unit's sensors scaled to [-1, 1] and exponentially smoothed over its cycles: [T, S]."""
    low, high = bounds
    scaled = (2.0 * (unit_rows[:, SENSOR_COLUMNS] - low) / np.maximum(high - low, 1e-9) - 1.0).astype(np.float32)
    if smoothing >= 1.0:
        return scaled
    smoothed = scaled.copy()
    level = np.zeros(scaled.shape[1], dtype=np.float32) if debias else scaled[0]
    for cycle in range(0 if debias else 1, len(scaled)):  # causal: a cycle's value never depends on later cycles
        level = smoothing * scaled[cycle] + (1.0 - smoothing) * level
        smoothed[cycle] = level / (1.0 - (1.0 - smoothing) ** (cycle + 1)) if debias else level
    return smoothed


def _channels(unit_rows: np.ndarray, bounds: Bounds, settings: RulSettings) -> np.ndarray:
    """`unit_features`, plus the drift from the unit's own start when `baseline_cycles` > 0 and the age: [T, C]."""
    features = unit_features(unit_rows, bounds, settings.smoothing, settings.debias)
    if settings.baseline_cycles > 0:
        start = unit_features(unit_rows[: settings.baseline_cycles], bounds, 1.0).mean(axis=0)
        features = np.hstack([features, features - start])
    if settings.age_channel:
        features = np.hstack([features, (unit_rows[:, 1:2] / 100.0).astype(np.float32)])
    return features


def _units(rows: np.ndarray) -> list[np.ndarray]:
    return [rows[rows[:, 0] == unit] for unit in np.unique(rows[:, 0])]


def training_windows(rows: np.ndarray, bounds: Bounds, settings: RulSettings) -> tuple[np.ndarray, np.ndarray]:
    """Every full window of every unit, target = min(cap, cycles left after the window's last cycle)."""
    windows, targets = [], []
    for unit_rows in _units(rows):
        features = _channels(unit_rows, bounds, settings)
        remaining = unit_rows[:, 1].max() - unit_rows[:, 1]
        for end in range(settings.window, len(unit_rows) + 1):
            windows.append(features[end - settings.window : end])
            targets.append(min(settings.rul_cap, remaining[end - 1]))
    return np.stack(windows), np.array(targets, dtype=np.float32)


def last_windows(rows: np.ndarray, bounds: Bounds, settings: RulSettings) -> np.ndarray:
    """The last `window` cycles of each unit (short units padded with their first cycle) [U, T, S]."""
    found = []
    for unit_rows in _units(rows):
        features = _channels(unit_rows, bounds, settings)
        if len(features) < settings.window:
            features = np.vstack([np.repeat(features[:1], settings.window - len(features), axis=0), features])
        found.append(features[-settings.window :])
    return np.stack(found)


def every_cut(rows: np.ndarray, bounds: Bounds, settings: RulSettings) -> tuple[np.ndarray, np.ndarray]:
    """Each run-to-failure unit cut after every cycle from `window` on, like a test unit: [C, T, S], true RUL [C].

    A cut's last window is the full unit's window ending at the cut (scaling and smoothing are causal), so
    this is `training_windows` with the uncapped remaining life. Every cut is at least a window long, as
    every official FD001 test unit is (31 cycles or more), so no cut is padded.
    """
    return training_windows(rows, bounds, replace(settings, rul_cap=np.inf))


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
        net = RulCNN(sensors=x_train.shape[2], window=settings.window, filters=settings.filters, kernel=settings.kernel,
                     dropout=settings.dropout)
        if settings.init == "xavier_normal":
            net.xavier_normal_()
        config = TrainConfig(max_epochs=settings.epochs, learning_rate=settings.learning_rate,
                             weight_decay=settings.weight_decay, lr_drop_epoch=settings.lr_drop_epoch,
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


NEAR_FAILURE = 150.0
"""Cuts with at most this many cycles left are scored like the test: the official FD001 truth spans 7-145."""


def validate_rul(
    train: np.ndarray, settings: RulSettings, device: torch.device, folds: int = 4,
    only_folds: tuple[int, ...] = (0, 1, 2, 3),
) -> dict[str, Any]:
    """Score `settings` on held-out *training* units, cut like the test set; the test set is never read.

    Units are shuffled (seed 0) into `folds` folds; for each fold in `only_folds` the members train on
    the other folds and predict the last window of every cut of the held-out units (`every_cut`). The
    selection score, `rmse_near_failure`, is the RMSE against the uncapped true remaining life over the
    cuts with at most NEAR_FAILURE cycles left, which is how the official test units are scored; the RMSE
    against truth capped at the cap over *all* cuts is reported too, but the many cuts far from failure
    (a quarter of them beyond the cap, where a capped model is right by construction) flatter it.
    """
    units = np.random.default_rng(0).permutation(np.unique(train[:, 0]))
    truth_all, predicted_all, per_fold = [], [], {}
    for fold in only_folds:
        held_out = np.isin(train[:, 0], units[fold::folds])
        nets, bounds, _ = train_rul(train[~held_out], settings, device)
        windows, truth = every_cut(train[held_out], bounds, settings)
        predicted = predict_rul(nets, windows, settings.rul_cap)
        near = truth <= NEAR_FAILURE
        per_fold[fold] = _rmse(truth[near], predicted[near])
        truth_all.append(truth)
        predicted_all.append(predicted)
    truth, predicted = np.concatenate(truth_all), np.concatenate(predicted_all)
    near = truth <= NEAR_FAILURE
    return {"rmse_near_failure": _rmse(truth[near], predicted[near]),
            "nasa_score_per_cut_near_failure": float(np.mean(_nasa(truth[near], predicted[near]))),
            "rmse_near_failure_by_fold": per_fold,
            "rmse_by_true_rul": {f"{low:.0f}-{high:.0f}": _rmse(truth[band], predicted[band])
                                 for low, high in ((0, 50), (50, 100), (100, 125), (125, NEAR_FAILURE))
                                 if (band := (truth >= low) & (truth <= high)).any()},
            "rmse_truth_capped_all_cuts": _rmse(np.minimum(truth, settings.rul_cap), predicted),
            "cuts": len(truth), "cuts_near_failure": int(near.sum()), "folds": folds, "folds_run": list(only_folds)}


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
    parser.add_argument("--only-folds", type=int, nargs="+", default=[0, 1, 2, 3])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--device", default="cpu", help="cpu, cuda or auto (CUDA when present)")
    parser.add_argument("--settings", default="{}", help="JSON overrides of RulSettings, e.g. '{\"epochs\": 60}'")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    try:
        overrides = json.loads(args.settings)
        if not isinstance(overrides, dict):
            raise TypeError(f"expected a JSON object, got {type(overrides).__name__}")
        unknown = sorted(set(overrides) - {f.name for f in fields(RulSettings)})
        if unknown:
            raise TypeError(f"unknown settings {unknown}")
        settings = RulSettings(**overrides)
    except (json.JSONDecodeError, TypeError, ValueError) as error:
        parser.error(f"--settings: {error}")
    try:
        device = pick_device(args.device)
    except (RuntimeError, ValueError) as error:
        parser.error(f"--device: {error}")
    train = np.loadtxt(args.data_dir / f"cmapss-{args.subset}" / f"train_{args.subset}.txt", ndmin=2)
    started = time.perf_counter()
    result = validate_rul(train, settings, device, args.folds, tuple(args.only_folds))
    result |= {"device": args.device,
               "wall_s": round(time.perf_counter() - started, 1), "settings": asdict(settings), "subset": args.subset,
               "threads": args.threads, "torch": torch.__version__}
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
