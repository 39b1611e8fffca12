"""The shared training loop: early stopping restores the best epoch; without a validation split it
trains every epoch and keeps the trained weights (never the initial ones)."""

from __future__ import annotations

import itertools

import numpy as np
import torch
from torch.nn import functional as F

from forecaster.training import Batch, TrainConfig, fit, tensor_batches


def _data(seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(256, 3)).astype(np.float32)
    y = (x @ np.array([1.0, -2.0, 0.5], dtype=np.float32) + 0.3).astype(np.float32)
    return x, y


def _mse(model: torch.nn.Module, batch: Batch) -> torch.Tensor:
    x, y = batch
    return F.mse_loss(model(x).squeeze(1), y)


def _train(val: list[Batch], epochs: int, patience: int) -> tuple[torch.nn.Module, object, torch.Tensor]:
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 1)
    initial = model.weight.detach().clone()
    train = _data(0)
    config = TrainConfig(max_epochs=epochs, learning_rate=0.05, patience=patience)
    result = fit(model, _mse, lambda epoch: tensor_batches(train, 32, epoch), lambda: val, config,
                 torch.device("cpu"))
    return model, result, initial


def test_without_validation_every_epoch_runs_and_the_trained_weights_stay() -> None:
    model, result, initial = _train([], epochs=12, patience=2)
    assert len(result.history) == 12  # no early stop on a missing validation loss
    assert result.best_epoch == -1 and all(np.isnan(r.val_loss) for r in result.history)
    assert not torch.allclose(model.weight, initial)  # not restored to the initial weights
    x, y = _data(1)
    with torch.no_grad():
        assert float(F.mse_loss(model(torch.from_numpy(x)).squeeze(1), torch.from_numpy(y))) < 0.05


def test_with_validation_the_best_epoch_is_kept() -> None:
    val = tensor_batches(_data(2), 64, None)
    _, result, _ = _train(val, epochs=30, patience=5)
    assert 0 <= result.best_epoch < len(result.history)
    assert result.best_val_loss <= min(r.val_loss for r in result.history) + 1e-6  # gains < 1e-6 do not count


def test_the_learning_rate_is_cosine_decayed_or_dropped_tenfold_at_the_given_epoch() -> None:
    train = _data(0)

    def rates(config: TrainConfig) -> list[float]:
        torch.manual_seed(0)
        result = fit(torch.nn.Linear(3, 1), _mse, lambda epoch: tensor_batches(train, 64, epoch), lambda: [], config,
                     torch.device("cpu"))
        return [r.learning_rate for r in result.history]

    stepped = rates(TrainConfig(max_epochs=6, learning_rate=0.01, lr_drop_epoch=4, show_progress=False))
    assert np.allclose(stepped, [0.01] * 4 + [0.001] * 2)
    cosine = rates(TrainConfig(max_epochs=6, learning_rate=0.01, show_progress=False))
    assert cosine[0] == 0.01 and all(a > b for a, b in itertools.pairwise(cosine))
    assert cosine[-1] > 0.001  # decays towards a tenth, reached only after the last epoch
