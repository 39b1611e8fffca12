"""One training loop for every model: seeded, early stopping on a validation split, tqdm progress.

Models differ only in how batches are produced and how a batch becomes a loss; both are passed in.
The best validation state is kept and restored at the end, and the loop records per-epoch losses with
wall-clock times so benchmarks can report throughput and time to a target validation loss.
"""

from __future__ import annotations

import copy
import logging
import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
import torch
from tqdm import tqdm

from forecaster.device import autocast

logger = logging.getLogger(__name__)

Batch = tuple[torch.Tensor, ...]
LossFn = Callable[[torch.nn.Module, Batch], torch.Tensor]


@dataclass(frozen=True)
class TrainConfig:
    """Optimisation settings.

    Args:
        max_epochs: upper bound on epochs (an epoch is one pass of `train_batches`).
        learning_rate: AdamW learning rate: cosine-decayed to 10% over `max_epochs`, or, when `lr_drop_epoch`
            is set, constant until that epoch and a tenth of it from there on (the schedule of Li et al. 2018).
        weight_decay: AdamW weight decay.
        patience: epochs without validation improvement before stopping.
        grad_clip: max gradient norm.
        show_progress: draw a tqdm bar (to stderr).
        restore_best: end with the weights of the best validation epoch (False: keep the last epoch).
        lr_drop_epoch: see `learning_rate`.
    """

    max_epochs: int = 50
    learning_rate: float = 1e-3
    weight_decay: float = 1e-4
    patience: int = 8
    grad_clip: float = 1.0
    show_progress: bool = True
    restore_best: bool = True
    lr_drop_epoch: int | None = None


@dataclass
class EpochRecord:
    epoch: int
    train_loss: float
    val_loss: float
    elapsed_s: float
    samples: int
    learning_rate: float = math.nan
    """The learning rate the epoch trained with."""


@dataclass
class TrainResult:
    best_val_loss: float
    best_epoch: int
    history: list[EpochRecord] = field(default_factory=list)

    @property
    def samples_per_s(self) -> float:
        samples = sum(r.samples for r in self.history)
        return samples / max(self.history[-1].elapsed_s, 1e-9) if self.history else 0.0

    def time_to_val_loss(self, target: float) -> float | None:
        """Wall-clock seconds until the validation loss first reached `target` (None if never)."""
        return next((r.elapsed_s for r in self.history if r.val_loss <= target), None)


def evaluate(model: torch.nn.Module, loss_fn: LossFn, batches: Iterable[Batch], device: torch.device) -> float:
    """Mean loss over batches, weighted by batch size; NaN when there are no batches (no validation split)."""
    model.eval()
    total, count = 0.0, 0
    with torch.no_grad(), autocast(device):
        for batch in batches:
            moved = tuple(t.to(device) for t in batch)
            size = moved[0].shape[0]
            total += float(loss_fn(model, moved)) * size
            count += size
    return total / count if count else math.nan


def _train_epoch(
    model: torch.nn.Module, loss_fn: LossFn, batches: Iterable[Batch], optimizer: torch.optim.Optimizer,
    config: TrainConfig, device: torch.device,
) -> tuple[float, int]:
    model.train()
    total, count = 0.0, 0
    for batch in batches:
        moved = tuple(t.to(device) for t in batch)
        optimizer.zero_grad(set_to_none=True)
        with autocast(device):
            loss = loss_fn(model, moved)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip)
        optimizer.step()
        size = moved[0].shape[0]
        total += float(loss.detach()) * size
        count += size
    return total / max(count, 1), count


def fit(
    model: torch.nn.Module,
    loss_fn: LossFn,
    train_batches: Callable[[int], Iterable[Batch]],
    val_batches: Callable[[], Iterable[Batch]],
    config: TrainConfig,
    device: torch.device,
    description: str = "train",
) -> TrainResult:
    """Train with AdamW and cosine decay (or a step), stop early on validation loss, restore the best weights."""
    model.to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay)
    scheduler: torch.optim.lr_scheduler.LRScheduler
    if config.lr_drop_epoch is None:
        scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(
            optimizer, T_max=max(config.max_epochs, 1), eta_min=config.learning_rate * 0.1
        )
    else:
        scheduler = torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=[config.lr_drop_epoch], gamma=0.1)
    result = TrainResult(best_val_loss=float("inf"), best_epoch=-1)
    best_state = copy.deepcopy(model.state_dict())
    start = time.perf_counter()
    bar = tqdm(range(config.max_epochs), desc=description, disable=not config.show_progress, leave=False)
    for epoch in bar:
        learning_rate = optimizer.param_groups[0]["lr"]
        train_loss, samples = _train_epoch(model, loss_fn, train_batches(epoch), optimizer, config, device)
        scheduler.step()
        val_loss = evaluate(model, loss_fn, val_batches(), device)
        result.history.append(EpochRecord(epoch, train_loss, val_loss, time.perf_counter() - start, samples,
                                          learning_rate))
        bar.set_postfix(train=f"{train_loss:.4f}", val=f"{val_loss:.4f}")
        if math.isnan(val_loss):  # no validation split: a fixed number of epochs, nothing to select
            continue
        if val_loss < result.best_val_loss - 1e-6:
            result.best_val_loss, result.best_epoch = val_loss, epoch
            best_state = copy.deepcopy(model.state_dict())
        elif epoch - result.best_epoch >= config.patience:
            logger.info("%s: early stop at epoch %d (best %d)", description, epoch, result.best_epoch)
            break
    model.eval()
    if result.best_epoch < 0:
        last = result.history[-1].train_loss if result.history else math.nan
        logger.info("%s: no validation split; %d epochs, last train loss %.5f", description,
                    len(result.history), last)
        return result
    if config.restore_best:
        model.load_state_dict(best_state)
    logger.info("%s: best val loss %.5f at epoch %d", description, result.best_val_loss, result.best_epoch)
    return result


def tensor_batches(
    arrays: tuple[np.ndarray, ...], batch_size: int, shuffle_seed: int | None
) -> list[Batch]:
    """Split aligned arrays into torch batches, shuffled with `shuffle_seed` (None keeps the order)."""
    count = len(arrays[0])
    order = np.arange(count)
    if shuffle_seed is not None:
        order = np.random.default_rng(shuffle_seed).permutation(count)
    tensors = [torch.from_numpy(np.ascontiguousarray(a)) for a in arrays]
    return [
        tuple(t[torch.from_numpy(order[i : i + batch_size])] for t in tensors)
        for i in range(0, count, batch_size)
    ]
