"""Demand forecasting API: validate histories, run the shipped ensemble batched, return quantile bands.

The forecast is a combination: the network ensemble's quantiles, moved so that their median becomes
`(1 - w) x network median + w x Theta forecast` (`forecaster.theta`, the classical Theta method fitted
to each history in the same call), with the weight w stored in the artifact (`combination`, 0.5 in the
shipped one; artifacts without it use the network alone). The two err differently, so their average
is better than either on every M3 frequency (docs/FORECASTING.md). Requested quantile levels are
interpolated linearly between the trained levels (0.05 ... 0.95); the band is widened or narrowed by
the calibration factor stored in the artifact. Forecasts are clipped at zero when the whole history
is non-negative (demand cannot be negative), and are zero when the recent history (the network's
context) is all zero.

Intermittent demand (`shipped_method`): a non-negative history whose Syntetos-Boylan class is intermittent
or lumpy (average interval between demands ADI >= 1.32, i.e. about one period in four or more without
demand; `forecaster.plantdemand.intermittent`) is not given to the network: it gets the quantiles of TSB's
demand distribution (`mixture_quantiles`: no demand with TSB's smoothed probability, else one of its own
non-zero sizes), flat over the horizon (zero, as above, without demand in the recent history). Its
median is 0 while demand is rarer than every other period, every value is 0 or a size the series has
had (whole numbers for counts), and the band spans the zeros and the lumps. Every other history
(smooth, erratic: all of M3) takes the network + Theta path above unchanged. The rule has no fitted
parameter; docs/FORECASTING.md has its evidence (car parts) and limits.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from forecaster.artifacts import WEIGHTS_DIR, ArtifactError, load_artifact, load_into
from forecaster.demand import DemandEnsemble
from forecaster.demand_data import MIN_CONTEXT, predict_quantiles
from forecaster.plantdemand.intermittent import INTERMITTENT_CLASSES, demand_class, mixture_quantiles
from forecaster.seasonality import patterns_from_tables
from forecaster.theta import MAX_THETA_HISTORY, theta_forecasts, theta_seasonal_tables
from forecaster.types import DemandForecast, DemandHistory, ForecastInputError, InputProblem, raise_if_any

ARTIFACT_NAME = "demand"
MAX_SERIES = 10_000
MAX_HISTORY = 10_000
MAX_QUANTILES = 99
"""Most quantile levels per call (every percentile): each one is a full [series, horizon] output."""
CHUNK_SERIES = 4_096
"""Series per forward pass in forecast_validated."""
INTERMITTENT_METHOD = "tsb_mixture"
"""`shipped_method`'s name for the forecasts of intermittent and lumpy histories."""


@dataclass
class DemandModel:
    """The loaded demand ensemble with the constants it was trained with."""

    net: DemandEnsemble
    version: str
    trained_quantiles: tuple[float, ...]
    band_scale: float
    context_length: int
    max_horizon: int
    theta_weight: float = 0.0
    """Weight of the Theta forecast in the combined median (0: the network alone)."""

    @property
    def min_history(self) -> int:
        return MIN_CONTEXT

    @property
    def network_method(self) -> str:
        """`shipped_method`'s name for the network's forecasts: "network+theta", or "network" alone."""
        return "network+theta" if self.theta_weight > 0 else "network"


def load_demand_model(directory: Path = WEIGHTS_DIR, name: str = ARTIFACT_NAME) -> DemandModel:
    """Load the shipped (or a retrained) demand artifact; raises ArtifactError naming the file on problems."""
    artifact = load_artifact(name, directory)
    config = artifact.config
    net = DemandEnsemble(**config)
    load_into(net, artifact, name, directory)
    return DemandModel(
        net=net, version=artifact.version, trained_quantiles=tuple(artifact.metadata["quantiles"]),
        band_scale=float(artifact.metadata.get("band_scale", 1.0)),
        context_length=int(config["context_length"]), max_horizon=int(config["max_horizon"]),
        theta_weight=_theta_weight(artifact.metadata, directory / f"{name}.json"),
    )


def _theta_weight(metadata: dict[str, Any], path: Path) -> float:
    combination = metadata.get("combination")
    if combination is None:
        return 0.0
    method = combination.get("method") if isinstance(combination, dict) else None
    weight = combination.get("theta_weight") if isinstance(combination, dict) else None
    if method != "theta" or isinstance(weight, bool) or not isinstance(weight, int | float) or not 0 <= weight <= 1:
        raise ArtifactError(
            path, f"combination must be {{'method': 'theta', 'theta_weight': 0..1}}, got {combination!r}")
    return float(weight)


def validate_demand_request(
    model: DemandModel, histories: Sequence[DemandHistory], horizon: int, quantiles: Sequence[float]
) -> None:
    """Raise ForecastInputError listing every problem (field paths `series[i].history[j]`, `horizon`, ...)."""
    problems: list[InputProblem] = []
    if not histories:
        problems.append(InputProblem("series", "at least one series is required"))
    if len(histories) > MAX_SERIES:
        problems.append(InputProblem("series", f"at most {MAX_SERIES} series per call, got {len(histories)}"))
    if not 1 <= horizon <= model.max_horizon:
        problems.append(InputProblem("horizon", f"must be between 1 and {model.max_horizon} periods, got {horizon}"))
    low, high = model.trained_quantiles[0], model.trained_quantiles[-1]
    if not quantiles:
        problems.append(InputProblem("quantiles", "at least one quantile level is required"))
    if len(quantiles) > MAX_QUANTILES:
        problems.append(InputProblem("quantiles", f"at most {MAX_QUANTILES} levels per call, got {len(quantiles)}"))
        raise_if_any(problems)
    for i, level in enumerate(quantiles):
        if not (math.isfinite(level) and low <= level <= high):
            problems.append(InputProblem(f"quantiles[{i}]", f"must be between {low} and {high}, got {level}"))
    seen: set[str] = set()
    for i, history in enumerate(histories):
        problems += _history_problems(model, history, f"series[{i}]", seen)
    raise_if_any(problems)


def _history_problems(model: DemandModel, history: DemandHistory, path: str, seen: set[str]) -> list[InputProblem]:
    problems: list[InputProblem] = []
    if not history.series_id:
        problems.append(InputProblem(f"{path}.series_id", "must not be empty"))
    elif history.series_id in seen:
        problems.append(InputProblem(f"{path}.series_id", f"duplicate series id {history.series_id!r}"))
    seen.add(history.series_id)
    if len(history.values) < model.min_history:
        problems.append(InputProblem(
            f"{path}.history", f"needs at least {model.min_history} periods, got {len(history.values)}"))
    if len(history.values) > MAX_HISTORY:
        problems.append(InputProblem(f"{path}.history", f"at most {MAX_HISTORY} periods, got {len(history.values)}"))
    finite = np.isfinite(np.asarray(history.values, dtype=np.float64))
    for j in np.flatnonzero(~finite):
        problems.append(InputProblem(f"{path}.history[{j}]", f"must be a finite number, got {history.values[j]}"))
    if not 1 <= history.season_length <= 366:
        problems.append(InputProblem(
            f"{path}.season_length", f"must be between 1 and 366 periods, got {history.season_length}"))
    return problems


def interpolate_quantiles(
    paths: np.ndarray, trained: Sequence[float], requested: Sequence[float]
) -> np.ndarray:
    """[B, H, Q_trained] -> [B, H, Q_requested] by linear interpolation between trained levels."""
    trained_array = np.asarray(trained)
    out = np.empty((*paths.shape[:2], len(requested)), dtype=np.float64)
    for k, level in enumerate(requested):
        upper = int(np.clip(np.searchsorted(trained_array, level), 1, len(trained_array) - 1))
        lo, hi = trained_array[upper - 1], trained_array[upper]
        weight = (level - lo) / (hi - lo)
        out[..., k] = (1 - weight) * paths[..., upper - 1] + weight * paths[..., upper]
    return out


def quantile_paths(
    model: DemandModel, histories: Sequence[np.ndarray], season_lengths: Sequence[int], horizon: int,
    quantiles: Sequence[float], seasonal_tables: Sequence[np.ndarray] | None = None,
) -> np.ndarray:
    """Calibrated quantile forecasts [B, horizon, Q] in the histories' units (no validation; batched).
    `seasonal_tables`: `theta_seasonal_tables` of the histories, when the caller has them already."""
    with torch.inference_mode():
        raw = predict_quantiles(model.net, histories, season_lengths, horizon, model.context_length,
                                model.max_horizon)  # [B, H, Q_trained]
    median = raw[..., model.trained_quantiles.index(0.5)][..., None]
    calibrated = median + model.band_scale * (raw - median)
    if model.theta_weight > 0:
        theta = theta_forecasts(histories, season_lengths, horizon, seasonal_tables)[..., None]
        calibrated = calibrated + model.theta_weight * (theta - median)
    paths = interpolate_quantiles(calibrated, model.trained_quantiles, quantiles)
    non_negative = np.array([float(np.min(h)) >= 0 for h in histories])[:, None, None]
    paths = np.where(non_negative, np.maximum(paths, 0.0), paths)
    # A history whose last context_length periods are all zero has no scale: the network would answer in
    # its own units (about 1), so such a product (discontinued, or not ordered for years) forecasts zero.
    silent = np.array([not np.any(np.asarray(h)[-model.context_length:]) for h in histories])[:, None, None]
    return np.where(silent, 0.0, paths)


def shipped_method(model: DemandModel, history: np.ndarray) -> str:
    """Which method forecasts one history: INTERMITTENT_METHOD for a non-negative history of the intermittent
    or lumpy class, otherwise the network (`model.network_method`)."""
    values = np.asarray(history, dtype=np.float64)
    if len(values) and float(np.min(values)) >= 0 and demand_class(values) in INTERMITTENT_CLASSES:
        return INTERMITTENT_METHOD
    return model.network_method


def served_paths(
    model: DemandModel, histories: Sequence[np.ndarray], season_lengths: Sequence[int], horizon: int,
    quantiles: Sequence[float], seasonal_tables: Sequence[np.ndarray] | None = None,
) -> tuple[np.ndarray, list[str]]:
    """The shipped forecasts [B, horizon, Q] and the method of each series (`shipped_method`): the network
    rows through `quantile_paths` (one batch), the intermittent ones through `mixture_quantiles`."""
    methods = [shipped_method(model, h) for h in histories]
    paths = np.empty((len(histories), horizon, len(quantiles)), dtype=np.float64)
    rows = [i for i, method in enumerate(methods) if method != INTERMITTENT_METHOD]
    if rows:
        tables = None if seasonal_tables is None else [seasonal_tables[i] for i in rows]
        paths[rows] = quantile_paths(model, [histories[i] for i in rows], [season_lengths[i] for i in rows],
                                     horizon, quantiles, tables)
    for i, method in enumerate(methods):
        if method == INTERMITTENT_METHOD:
            values = np.asarray(histories[i], dtype=np.float64)
            # as on the network path: no demand in the last context_length periods forecasts zero
            silent = not np.any(values[-model.context_length:])
            paths[i] = 0.0 if silent else mixture_quantiles(values, quantiles)[None, :]
    return paths, methods


def forecast_demand(
    model: DemandModel, histories: Sequence[DemandHistory], horizon: int,
    quantiles: Sequence[float] = (0.1, 0.5, 0.9),
) -> list[DemandForecast]:
    """Quantile forecasts for many series in one batched pass; raises ForecastInputError on bad input."""
    validate_demand_request(model, histories, horizon, quantiles)
    return forecast_validated(model, histories, horizon, quantiles)


def forecast_validated(
    model: DemandModel, histories: Sequence[DemandHistory], horizon: int, quantiles: Sequence[float],
) -> list[DemandForecast]:
    """forecast_demand for histories already checked by validate_demand_request (possibly in several
    groups: series ids need only be unique within the group each was validated with). Runs in chunks
    of CHUNK_SERIES series, which bounds memory for large batches without changing any result."""
    if len(histories) > CHUNK_SERIES:
        return [forecast for start in range(0, len(histories), CHUNK_SERIES)
                for forecast in forecast_validated(model, histories[start : start + CHUNK_SERIES], horizon, quantiles)]
    arrays = [np.asarray(h.values, dtype=np.float64) for h in histories]
    cycles = [h.season_length for h in histories]
    # One seasonal decomposition per series serves both the Theta fit and the reported pattern.
    tables = theta_seasonal_tables(arrays, cycles)
    paths, _ = served_paths(model, arrays, cycles, horizon, quantiles, tables)
    patterns = patterns_from_tables([min(len(a), MAX_THETA_HISTORY) for a in arrays], tables, cycles)
    forecasts = []
    for history, path, pattern in zip(histories, paths, patterns, strict=True):
        forecasts.append(DemandForecast(
            series_id=history.series_id, quantiles=tuple(float(q) for q in quantiles),
            values=tuple(tuple(path[:, k].tolist()) for k in range(len(quantiles))),
            seasonal_pattern=tuple(np.round(pattern, 4).tolist()), model_version=model.version,
        ))
    return forecasts


__all__ = ["INTERMITTENT_METHOD", "DemandModel", "ForecastInputError", "forecast_demand", "forecast_validated",
           "load_demand_model", "quantile_paths", "served_paths", "shipped_method"]
