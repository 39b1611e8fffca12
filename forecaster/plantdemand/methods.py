"""The forecasting methods a plant's demand model chooses from, each batched over many series.

Every method takes histories (oldest first), the season length, the horizon and the quantile levels, and
returns `Forecasts`: a point forecast [B, H] and quantiles [B, H, Q].

Baselines (what a data scientist tries first), each with a residual band: the point forecast plus the
empirical quantiles of the method's one-step in-sample errors, clipped at zero for non-negative histories.
- `seasonal_naive`: the value one cycle earlier (the last value when the history is shorter than a cycle);
- `ets`: simple exponential smoothing, i.e. ETS(A,N,N), its weight minimising the one-step squared error;
- `theta`: the Theta method as the API runs it (`forecaster.theta`); its band uses the SES errors;
- `croston_sba`, `tsb`: the intermittent-demand methods (`forecaster.plantdemand.intermittent`).

Candidates that can be served: ours below, and every baseline served through `count_rule` with its median as
point forecast (`<baseline>+counts`). All their quantiles go through `count_rule`.
- `network`: the shipped pretrained network combined with Theta, exactly as ForecastDemand serves it;
- `empirical`, `empirical_recent`: quantiles of the observed demand (whole history / the last two cycles):
  a median that is 0 when most periods have no demand, a band that spans the zeros and the lumps;
- `tsb_mixture`: no demand with probability 1 - p, where p is TSB's smoothed demand probability, else a
  size drawn from the series' own non-zero sizes; its quantiles are read off that mixture.

Reference (scored in every run, never served by a plant model): `shipped`, what ForecastDemand without a
plant_id serves (`forecaster.demand_forecast.served_paths`: TSB's mixture for intermittent and lumpy
histories, the network + Theta for the others, no count rule), so a plant's report shows what its own model
adds over the shipped one.

The point forecast of our candidates is their median (what MASE scores); the baselines' point forecasts are
their usual ones (means).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

import numpy as np

from forecaster.plantdemand.intermittent import croston_sba, mixture_quantiles, tsb
from forecaster.theta import theta_forecasts

if TYPE_CHECKING:
    from forecaster.demand_forecast import DemandModel

BASELINES = ("seasonal_naive", "ets", "theta", "croston_sba", "tsb")
OURS = ("network", "empirical", "empirical_recent", "tsb_mixture")
REFERENCES = ("shipped",)
METHODS = BASELINES + OURS + REFERENCES
COUNTED = "+counts"
SERVABLE = tuple(b + COUNTED for b in BASELINES) + OURS
"""What a plant's model may serve, simplest first (a tie on validation goes to the earlier one)."""
_SES_GRID = np.linspace(0.01, 0.99, 50)


@dataclass(frozen=True)
class Forecasts:
    point: np.ndarray  # [B, H]
    quantiles: np.ndarray  # [B, H, Q], levels ascending


@cache
def shipped_demand_model() -> DemandModel:
    """The shipped pretrained demand artifact, loaded once per process."""
    from forecaster.demand_forecast import load_demand_model

    return load_demand_model()


def count_rule(quantiles: np.ndarray, histories: Sequence[np.ndarray]) -> np.ndarray:
    """Forecasts of whole-number histories are whole numbers (a median of 0.3 units is noise: it becomes 0);
    forecasts of non-negative histories are non-negative; quantiles never cross. [B, H, Q] -> [B, H, Q]."""
    whole = np.array([bool(np.all(h == np.round(h))) for h in histories])[:, None, None]
    non_negative = np.array([bool(np.min(h) >= 0) for h in histories])[:, None, None]
    out = np.where(whole, np.round(quantiles), quantiles)
    out = np.where(non_negative, np.maximum(out, 0.0), out)
    return np.maximum.accumulate(out, axis=-1)


def _residual_band(point: np.ndarray, residuals: Sequence[np.ndarray], histories: Sequence[np.ndarray],
                   levels: Sequence[float]) -> np.ndarray:
    """point [B, H] + empirical quantiles of each series' one-step errors -> [B, H, Q]."""
    offsets = np.zeros((len(point), len(levels)))
    for row, errors in enumerate(residuals):
        errors = errors[np.isfinite(errors)]
        if len(errors) >= 2:
            offsets[row] = np.quantile(errors, levels)
    band = point[:, :, None] + offsets[:, None, :]
    non_negative = np.array([bool(np.min(h) >= 0) for h in histories])[:, None, None]
    return np.maximum.accumulate(np.where(non_negative, np.maximum(band, 0.0), band), axis=-1)


def _ses(history: np.ndarray) -> tuple[float, np.ndarray]:
    """(final level, one-step in-sample forecasts [T]) of SES with the SSE-optimal weight on a grid."""
    levels = np.full(len(_SES_GRID), float(history[0]))
    fitted = np.empty((len(history), len(_SES_GRID)))
    for t, value in enumerate(history):
        fitted[t] = levels
        levels = levels + _SES_GRID * (value - levels)
    errors = ((history[1:, None] - fitted[1:]) ** 2).sum(axis=0) if len(history) > 1 else np.zeros(len(_SES_GRID))
    best = int(np.argmin(errors))
    in_sample = fitted[:, best].copy()
    in_sample[0] = np.nan
    return float(levels[best]), in_sample


def _flat(values: Sequence[float], horizon: int) -> np.ndarray:
    return np.repeat(np.asarray(values, dtype=np.float64)[:, None], horizon, axis=1)


def seasonal_naive(histories: Sequence[np.ndarray], season_length: int, horizon: int,
                   levels: Sequence[float]) -> Forecasts:
    points, residuals = [], []
    for x in histories:
        m = season_length if len(x) > season_length else 1
        points.append(x[len(x) - m + np.arange(horizon) % m])
        residuals.append(x[m:] - x[:-m])
    point = np.stack(points)
    return Forecasts(point, _residual_band(point, residuals, histories, levels))


def ets(histories: Sequence[np.ndarray], season_length: int, horizon: int, levels: Sequence[float]) -> Forecasts:
    fits = [_ses(x) for x in histories]
    point = _flat([level for level, _ in fits], horizon)
    residuals = [x - fitted for x, (_, fitted) in zip(histories, fits, strict=True)]
    return Forecasts(point, _residual_band(point, residuals, histories, levels))


def theta(histories: Sequence[np.ndarray], season_length: int, horizon: int, levels: Sequence[float]) -> Forecasts:
    point = theta_forecasts(histories, [season_length] * len(histories), horizon)
    residuals = [x - _ses(x)[1] for x in histories]
    return Forecasts(point, _residual_band(point, residuals, histories, levels))


def _intermittent(method: Callable[[np.ndarray], tuple[float, np.ndarray]]
                  ) -> Callable[[Sequence[np.ndarray], int, int, Sequence[float]], Forecasts]:
    def forecast(histories: Sequence[np.ndarray], season_length: int, horizon: int,
                 levels: Sequence[float]) -> Forecasts:
        fits = [method(x) for x in histories]
        point = _flat([value for value, _ in fits], horizon)
        residuals = [x - fitted for x, (_, fitted) in zip(histories, fits, strict=True)]
        return Forecasts(point, _residual_band(point, residuals, histories, levels))
    return forecast


def network(histories: Sequence[np.ndarray], season_length: int, horizon: int, levels: Sequence[float]) -> Forecasts:
    from forecaster.demand_forecast import quantile_paths

    model = shipped_demand_model()
    paths = quantile_paths(model, list(histories), [season_length] * len(histories), horizon, levels)
    return _with_median(count_rule(paths, histories), levels)


def shipped(histories: Sequence[np.ndarray], season_length: int, horizon: int, levels: Sequence[float]) -> Forecasts:
    from forecaster.demand_forecast import served_paths

    paths, _ = served_paths(shipped_demand_model(), list(histories), [season_length] * len(histories), horizon, levels)
    return _with_median(paths, levels)


def _with_median(quantiles: np.ndarray, levels: Sequence[float]) -> Forecasts:
    return Forecasts(quantiles[..., list(levels).index(0.5)], quantiles)


def counted(forecasts: Forecasts, histories: Sequence[np.ndarray], levels: Sequence[float]) -> Forecasts:
    """A baseline as it would be served: `count_rule` on its quantiles, its median as the point forecast."""
    return _with_median(count_rule(forecasts.quantiles, histories), levels)


def _empirical(window_cycles: int | None) -> Callable[[Sequence[np.ndarray], int, int, Sequence[float]], Forecasts]:
    def forecast(histories: Sequence[np.ndarray], season_length: int, horizon: int,
                 levels: Sequence[float]) -> Forecasts:
        window = None if window_cycles is None else max(window_cycles * season_length, 8)
        values = [np.quantile(x if window is None else x[-window:], levels, method="inverted_cdf") for x in histories]
        quantiles = np.repeat(np.stack(values)[:, None, :], horizon, axis=1)
        return _with_median(count_rule(quantiles, histories), levels)
    return forecast


def tsb_mixture(histories: Sequence[np.ndarray], season_length: int, horizon: int,
                levels: Sequence[float]) -> Forecasts:
    rows = [mixture_quantiles(x, levels) for x in histories]
    quantiles = np.repeat(np.stack(rows)[:, None, :], horizon, axis=1)
    return _with_median(count_rule(quantiles, histories), levels)


FORECASTERS: dict[str, Callable[[Sequence[np.ndarray], int, int, Sequence[float]], Forecasts]] = {
    "seasonal_naive": seasonal_naive, "ets": ets, "theta": theta,
    "croston_sba": _intermittent(croston_sba), "tsb": _intermittent(tsb),
    "network": network, "empirical": _empirical(None), "empirical_recent": _empirical(2), "tsb_mixture": tsb_mixture,
    "shipped": shipped,
}


def forecast(method: str, histories: Sequence[np.ndarray], season_length: int, horizon: int,
             levels: Sequence[float]) -> Forecasts:
    """Forecasts of one method of METHODS or SERVABLE; `levels` ascending and including 0.5."""
    if not histories:
        return Forecasts(np.zeros((0, horizon)), np.zeros((0, horizon, len(levels))))
    arrays = [np.asarray(h, dtype=np.float64) for h in histories]
    if method.endswith(COUNTED):
        return counted(FORECASTERS[method.removesuffix(COUNTED)](arrays, season_length, horizon, levels), arrays,
                       levels)
    return FORECASTERS[method](arrays, season_length, horizon, levels)
