"""The Theta method (Assimakopoulos & Nikolopoulos 2000), batched over many series in numpy.

The demand forecast averages the network's median with this forecast (`forecaster.demand_forecast`).
Per series, as in statsmodels' `ThetaModel` with its default two-step estimation (a test checks the two
agree): deseasonalise with the classical multiplicative indices when the M-competition test finds
seasonality (`forecaster.seasonality`, the same indices the API reports as the seasonal pattern);
fit simple exponential smoothing started at the first value, its smoothing weight alpha minimising the
in-sample one-step squared error; take the drift b0 as the least-squares slope of a straight line
through the history; forecast `ses + b0 / 2 x (h - 1 + 1/alpha - (1 - alpha)^n / alpha)` (theta = 2) and
reseasonalise.

statsmodels fits one series at a time (about 10 ms each here); this version fits a whole batch with a
few hundred array operations, which keeps a 100-series request within the API's latency budget. Alpha
is found on a grid of 40 values in [0.001, 0.999] and then on a grid of 40 around the best of those,
for every series at once (to within 0.0005, where the error curve is flat). Only the last
`MAX_THETA_HISTORY` periods are used, which covers every series of the M1, M3 and Tourism data.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from forecaster.seasonality import seasonal_index_table

MAX_THETA_HISTORY = 512
"""Periods of history the Theta fit looks at (the most recent ones)."""
_GRID = 40
_ALPHA_RANGE = (0.001, 0.999)


def theta_forecasts(histories: Sequence[np.ndarray], season_lengths: Sequence[int], horizon: int) -> np.ndarray:
    """Theta point forecasts [B, horizon] in the histories' units (histories of at least 2 periods)."""
    recent = [np.asarray(h, dtype=np.float64)[-MAX_THETA_HISTORY:] for h in histories]
    tables = seasonal_index_table(recent, list(season_lengths))
    lengths = np.array([len(x) for x in recent])
    width = int(lengths.max())
    # Deseasonalised histories, right-aligned and left-padded with their first value: a padded step has
    # zero one-step error and leaves the smoothed level at that value, so it changes neither the fit nor
    # the level.
    padded = np.empty((len(recent), width))
    for row, (x, table) in enumerate(zip(recent, tables, strict=True)):
        adjusted = x / table[np.arange(len(x)) % len(table)]
        padded[row, width - len(x):] = adjusted
        padded[row, : width - len(x)] = adjusted[0]
    alpha = _best_alpha(padded)
    level = _smoothed_level(padded, alpha[None, :])[0]
    drift = _slopes(padded, lengths)
    steps = np.arange(horizon, dtype=np.float64)[None, :]
    alpha_ = alpha[:, None]
    trend = 0.5 * drift[:, None] * (steps + 1.0 / alpha_ - (1.0 - alpha_) ** lengths[:, None] / alpha_)
    seasonal = np.stack([table[(len(x) + np.arange(horizon)) % len(table)] for x, table in zip(recent, tables,
                                                                                                  strict=True)])
    return (level[:, None] + trend) * seasonal


def _best_alpha(y: np.ndarray) -> np.ndarray:
    """Per row, the SES weight in _ALPHA_RANGE with the smallest in-sample one-step squared error."""
    low, high = _ALPHA_RANGE
    grid = np.broadcast_to(np.linspace(low, high, _GRID)[:, None], (_GRID, len(y)))
    best = grid[np.argmin(_squared_errors(y, grid), axis=0), np.arange(len(y))]
    step = (high - low) / (_GRID - 1)
    fine = np.clip(best[None, :] + np.linspace(-step, step, _GRID)[:, None], low, high)
    return fine[np.argmin(_squared_errors(y, fine), axis=0), np.arange(len(y))]


def _squared_errors(y: np.ndarray, alphas: np.ndarray) -> np.ndarray:
    """Sum of squared one-step SES errors [K, B] for weights alphas [K, B], level started at y[:, 0]."""
    level = np.broadcast_to(y[:, 0], alphas.shape).copy()
    total = np.zeros(alphas.shape)
    for t in range(1, y.shape[1]):
        error = y[:, t] - level
        total += error * error
        level += alphas * error
    return total


def _smoothed_level(y: np.ndarray, alphas: np.ndarray) -> np.ndarray:
    """The SES level after the last period [K, B] (the one-step forecast)."""
    level = np.broadcast_to(y[:, 0], alphas.shape).copy()
    for t in range(1, y.shape[1]):
        level += alphas * (y[:, t] - level)
    return level


def _slopes(padded: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Least-squares slope of each row's own (unpadded) values against time."""
    width = padded.shape[1]
    valid = np.arange(width)[None, :] >= (width - lengths)[:, None]
    time = np.where(valid, np.arange(width)[None, :], 0.0)
    mean_t = time.sum(axis=1) / lengths
    mean_y = np.where(valid, padded, 0.0).sum(axis=1) / lengths
    dt = np.where(valid, time - mean_t[:, None], 0.0)
    denominator = np.sum(dt * dt, axis=1)
    slope = np.sum(dt * (padded - mean_y[:, None]), axis=1) / np.where(denominator > 0, denominator, 1.0)
    return np.where(denominator > 0, slope, 0.0)


__all__ = ["MAX_THETA_HISTORY", "theta_forecasts"]
