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
is found for every series at once: one smoothing pass over a grid of 100 values in [0.001, 0.999],
refined by a parabola through the best grid point and its neighbours. Only the last
`MAX_THETA_HISTORY` periods are used, which covers every series of the M1, M3 and Tourism data.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from forecaster.seasonality import seasonal_index_table

MAX_THETA_HISTORY = 512
"""Periods of history the Theta fit looks at (the most recent ones)."""
_GRID = 100
_ALPHA_RANGE = (0.001, 0.999)


def theta_seasonal_tables(histories: Sequence[np.ndarray], season_lengths: Sequence[int]) -> list[np.ndarray]:
    """The seasonal index tables the Theta fit uses: those of the last MAX_THETA_HISTORY periods, each
    index counted from the first of those periods (pass them to `theta_forecasts` to reuse them)."""
    return seasonal_index_table([np.asarray(h, dtype=np.float64)[-MAX_THETA_HISTORY:] for h in histories],
                                list(season_lengths))


def theta_forecasts(histories: Sequence[np.ndarray], season_lengths: Sequence[int], horizon: int,
                    tables: Sequence[np.ndarray] | None = None) -> np.ndarray:
    """Theta point forecasts [B, horizon] in the histories' units (histories of at least 2 periods).
    `tables`: `theta_seasonal_tables` of the same histories when the caller has them already."""
    recent = [np.asarray(h, dtype=np.float64)[-MAX_THETA_HISTORY:] for h in histories]
    if tables is None:
        tables = theta_seasonal_tables(recent, season_lengths)
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
    alpha, level = _fit_ses(padded)
    drift = _slopes(padded, lengths)
    steps = np.arange(horizon, dtype=np.float64)[None, :]
    alpha_ = alpha[:, None]
    trend = 0.5 * drift[:, None] * (steps + 1.0 / alpha_ - (1.0 - alpha_) ** lengths[:, None] / alpha_)
    seasonal = np.stack([table[(len(x) + np.arange(horizon)) % len(table)] for x, table in zip(recent, tables,
                                                                                                  strict=True)])
    return (level[:, None] + trend) * seasonal


def _fit_ses(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the SES weight in _ALPHA_RANGE with the smallest in-sample one-step squared error, and
    the smoothed level after the last period with that weight (the one-step forecast).

    One smoothing pass over a grid of weights; around the best grid weight, a parabola through the
    errors at it and its two neighbours gives the minimising weight, and the level there is
    interpolated through the same three points (the level is a smooth function of the weight)."""
    grid = np.linspace(*_ALPHA_RANGE, _GRID)
    errors, levels = _ses_pass(y, np.broadcast_to(grid[:, None], (_GRID, len(y))))
    rows = np.arange(len(y))
    best = np.clip(np.argmin(errors, axis=0), 1, _GRID - 2)  # the middle of three neighbouring points
    e0, e1, e2 = (errors[best + k, rows] for k in (-1, 0, 1))
    curvature = e0 - 2 * e1 + e2
    # offset of the parabola's minimum from the middle point, in grid steps, kept within the three points
    offset = np.clip(np.where(curvature > 0, 0.5 * (e0 - e2) / np.where(curvature > 0, curvature, 1.0), 0.0),
                     -1.0, 1.0)
    at_edge = np.argmin(errors, axis=0)
    offset = np.where(at_edge == 0, -1.0, np.where(at_edge == _GRID - 1, 1.0, offset))
    l0, l1, l2 = (levels[best + k, rows] for k in (-1, 0, 1))
    level = l1 + 0.5 * offset * (l2 - l0) + 0.5 * offset**2 * (l2 - 2 * l1 + l0)
    return grid[best] + offset * (grid[1] - grid[0]), level


def _ses_pass(y: np.ndarray, alphas: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For weights alphas [K, B]: the sum of squared one-step errors and the final level, both [K, B],
    of simple exponential smoothing started at y[:, 0] (a row's first error is zero)."""
    level = np.broadcast_to(y[:, 0], alphas.shape).copy()
    total = np.zeros(alphas.shape)
    error = np.empty(alphas.shape)
    for t in range(1, y.shape[1]):
        np.subtract(y[:, t], level, out=error)
        total += error * error
        error *= alphas
        level += error
    return total, level


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


__all__ = ["MAX_THETA_HISTORY", "theta_forecasts", "theta_seasonal_tables"]
