"""Classical multiplicative seasonality: the M-competition seasonality test and seasonal indices.

Used to report the seasonal pattern next to a demand forecast, and by the Naive2 baseline (the M3
convention: deseasonalise with classical decomposition when the lag-m autocorrelation is significant
at 90%, forecast with naive, reseasonalise).
"""

from __future__ import annotations

import numpy as np

_DIRECT_ACF_MAX = 512
"""Histories up to this length get their autocorrelations from one np.correlate call."""


def seasonality_test(values: np.ndarray, season_length: int) -> bool:
    """True when the autocorrelation at lag `season_length` is significant at 90% (M4 benchmark rule)."""
    m = season_length
    if m <= 1 or len(values) < 3 * m:
        return False
    x = np.asarray(values, dtype=float)
    centred = x - x.mean()
    denominator = float(np.sum(centred**2))
    if denominator <= 0:
        return False
    n = len(x)
    if n <= _DIRECT_ACF_MAX:  # one C call for every lag; quadratic in n, so long histories use the loop
        acf = np.correlate(centred, centred, "full")[n : n + m] / denominator
    else:
        acf = np.array([np.dot(centred[k:], centred[: n - k]) for k in range(1, m + 1)]) / denominator
    limit = 1.645 * np.sqrt((1 + 2 * np.sum(acf[: m - 1] ** 2)) / len(x))
    return bool(abs(acf[m - 1]) > limit)


def seasonal_indices(values: np.ndarray, season_length: int) -> np.ndarray:
    """Multiplicative seasonal index per cycle position (mean 1), aligned so index[i] is position i
    counted from the first observation; all ones when no seasonality is detected or values <= 0."""
    m = season_length
    x = np.asarray(values, dtype=float)
    if m <= 1 or not seasonality_test(x, m) or np.any(x <= 0):
        return np.ones(max(m, 1))
    # centred moving average of order m (2 x m when m is even)
    weights = np.r_[0.5, np.ones(m - 1), 0.5] / m if m % 2 == 0 else np.ones(m) / m
    trend = np.convolve(x, weights, mode="valid")
    offset = (len(weights) - 1) // 2
    ratios = x[offset : offset + len(trend)] / trend
    positions = (np.arange(len(trend)) + offset) % m
    index = np.bincount(positions, weights=ratios, minlength=m) / np.maximum(np.bincount(positions, minlength=m), 1)
    return index / index.mean()


def future_pattern(values: np.ndarray, season_length: int, horizon: int) -> np.ndarray:
    """Seasonal indices for the `horizon` periods after the end of `values`."""
    index = seasonal_indices(values, season_length)
    positions = (len(values) + np.arange(horizon)) % len(index)
    return index[positions]


def future_patterns(histories: list[np.ndarray], season_lengths: list[int], horizons: list[int]) -> list[np.ndarray]:
    """`future_pattern` for many series at once (see `seasonal_index_table`)."""
    return patterns_from_tables([len(h) for h in histories], seasonal_index_table(histories, season_lengths),
                                horizons)


def patterns_from_tables(lengths: list[int], tables: list[np.ndarray], horizons: list[int]) -> list[np.ndarray]:
    """The indices for the `horizon` periods after histories of these lengths, from their index tables
    (`seasonal_index_table`); a single 1 for series without a cycle."""
    return [table[(length + np.arange(horizon)) % len(table)] if len(table) > 1 else np.ones(1)
            for length, table, horizon in zip(lengths, tables, horizons, strict=True)]


def seasonal_index_table(histories: list[np.ndarray], season_lengths: list[int]) -> list[np.ndarray]:
    """`seasonal_indices` for many series at once, vectorised over the series that share a length and a
    cycle (the usual case for one plant's histories): the same numbers, a few array operations per
    group instead of per series. Series with no cycle (m <= 1) get a single index of 1."""
    tables: list[np.ndarray] = [np.ones(1)] * len(histories)
    groups: dict[tuple[int, int], list[int]] = {}
    for i, (values, m) in enumerate(zip(histories, season_lengths, strict=True)):
        if m <= 1:
            continue
        if len(values) < 3 * m or len(values) > _DIRECT_ACF_MAX:
            tables[i] = seasonal_indices(np.asarray(values, dtype=float), m)
        else:
            groups.setdefault((len(values), m), []).append(i)
    for (_, m), members in groups.items():
        index = _group_indices(np.array([histories[i] for i in members], dtype=float), m)  # [B, m]
        for row, i in enumerate(members):
            tables[i] = index[row]
    return tables


def _group_indices(x: np.ndarray, m: int) -> np.ndarray:
    """seasonal_indices for equal-length rows [B, n] with one cycle m (3m <= n) -> [B, m]."""
    n = x.shape[1]
    centred = x - x.mean(axis=1, keepdims=True)
    denominator = np.sum(centred**2, axis=1)
    # lags 1..m of every row's autocovariance in one product: window k of the zero-padded row is
    # centred[k:] followed by k zeros, so its dot product with the row is the lag-k sum
    padded = np.zeros((len(x), n + m))
    padded[:, :n] = centred
    lagged = np.lib.stride_tricks.sliding_window_view(padded, n, axis=1)[:, 1 : m + 1]  # [B, m, n]
    acf = np.einsum("bkt,bt->bk", lagged, centred)
    acf = acf / np.where(denominator > 0, denominator, 1.0)[:, None]
    limit = 1.645 * np.sqrt((1 + 2 * np.sum(acf[:, : m - 1] ** 2, axis=1)) / n)
    seasonal = (denominator > 0) & (np.abs(acf[:, m - 1]) > limit) & np.all(x > 0, axis=1)
    index = np.ones((len(x), m))
    if not seasonal.any():
        return index
    rows = x[seasonal]
    weights = np.r_[0.5, np.ones(m - 1), 0.5] / m if m % 2 == 0 else np.ones(m) / m
    trend = np.lib.stride_tricks.sliding_window_view(rows, len(weights), axis=1) @ weights  # [S, T]
    offset = (len(weights) - 1) // 2
    ratios = rows[:, offset : offset + trend.shape[1]] / trend
    positions = (np.arange(trend.shape[1]) + offset) % m
    members = np.eye(m)[positions]  # [T, m]: the cycle position of each ratio
    found = (ratios @ members) / np.maximum(members.sum(axis=0), 1.0)  # mean ratio per position (0 if none)
    index[seasonal] = found / found.mean(axis=1, keepdims=True)
    return index
