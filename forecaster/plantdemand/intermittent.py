"""Intermittent demand: the Syntetos-Boylan classes and the two standard intermittent-demand methods.

- `demand_class`: smooth / erratic / intermittent / lumpy by the average inter-demand interval (ADI) and
  the squared coefficient of variation of the non-zero sizes (CV^2), cut at 1.32 and 0.49 (Syntetos,
  Boylan & Croston 2005); `no_demand` when a history has no non-zero period.
- `croston_sba`: Croston's method with the Syntetos-Boylan bias correction: simple exponential smoothing
  (weight 0.1) of the non-zero sizes and of the intervals between them, forecast 0.95 x size / interval.
- `tsb`: Teunter-Syntetos-Babai: smoothing of the demand probability every period (weight 0.1) and of the
  non-zero sizes (weight 0.1), forecast probability x size; unlike Croston it decays while no demand comes.

- `mixture_quantiles`: quantiles of TSB's demand distribution (no demand with probability 1 - p, else one of
  the series' own non-zero sizes): what the shipped model serves for intermittent and lumpy histories.

Both methods follow statsforecast's `CrostonSBA` and `TSB` (smoothing started at the first value, the weights
statsforecast's examples use), written out here because statsforecast requires pandas < 3. Each returns
the flat point forecast and the one-step in-sample forecasts before every period (NaN before the first
demand), from which the residual band is built.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

ADI_CUT = 1.32
CV2_CUT = 0.49
CLASSES = ("smooth", "erratic", "intermittent", "lumpy", "no_demand")
INTERMITTENT_CLASSES = ("intermittent", "lumpy")
"""The classes with many periods of no demand (ADI >= ADI_CUT): at least about one period in four is zero."""
SBA_WEIGHT = 0.1
TSB_PROBABILITY_WEIGHT = 0.1
TSB_SIZE_WEIGHT = 0.1


def demand_class(history: np.ndarray) -> str:
    """smooth, erratic, intermittent, lumpy or no_demand (Syntetos-Boylan) of one history."""
    sizes = history[history > 0]
    if len(sizes) == 0:
        return "no_demand"
    adi = len(history) / len(sizes)
    cv2 = float((np.std(sizes) / np.mean(sizes)) ** 2)  # the ratio first: mean ** 2 underflows for tiny sizes
    if adi < ADI_CUT:
        return "smooth" if cv2 < CV2_CUT else "erratic"
    return "intermittent" if cv2 < CV2_CUT else "lumpy"


def _smoothed(values: np.ndarray, weight: float) -> np.ndarray:
    """Levels of simple exponential smoothing started at the first value: levels[k] after values[:k+1]."""
    levels = np.empty(len(values))
    level = float(values[0])
    for k, value in enumerate(values):
        level += weight * (float(value) - level)
        levels[k] = level
    return levels


def croston_sba(history: np.ndarray, weight: float = SBA_WEIGHT) -> tuple[float, np.ndarray]:
    """(forecast, one-step in-sample forecasts [T]) of Croston-SBA."""
    fitted = np.full(len(history), np.nan)
    positions = np.flatnonzero(history > 0)
    if len(positions) == 0:
        return 0.0, np.zeros(len(history))
    sizes = _smoothed(history[positions], weight)
    intervals = _smoothed(np.diff(positions, prepend=-1).astype(float), weight)
    forecasts = (1 - weight / 2) * sizes / intervals
    # after the k-th demand (at positions[k]) the forecast holds until the next demand
    for k, start in enumerate(positions):
        end = positions[k + 1] if k + 1 < len(positions) else len(history)
        fitted[start + 1 : end + 1] = forecasts[k]
    return float(forecasts[-1]), fitted[: len(history)]


def tsb(history: np.ndarray, probability_weight: float = TSB_PROBABILITY_WEIGHT,
        size_weight: float = TSB_SIZE_WEIGHT) -> tuple[float, np.ndarray]:
    """(forecast, one-step in-sample forecasts [T]) of TSB."""
    occurred = (history > 0).astype(float)
    positions = np.flatnonzero(occurred)
    if len(positions) == 0:
        return 0.0, np.zeros(len(history))
    probability = _smoothed(occurred, probability_weight)
    size_levels = _smoothed(history[positions], size_weight)
    # the size level known after period t: the last demand at or before t
    last_demand = np.searchsorted(positions, np.arange(len(history)), side="right") - 1
    size = np.where(last_demand >= 0, size_levels[np.maximum(last_demand, 0)], np.nan)
    fitted = np.full(len(history), np.nan)
    fitted[1:] = (probability * size)[:-1]
    return float(probability[-1] * size_levels[-1]), fitted


def demand_probability(history: np.ndarray, weight: float = TSB_PROBABILITY_WEIGHT) -> float:
    """TSB's smoothed probability that a period has demand, after the whole history."""
    return float(_smoothed((history > 0).astype(float), weight)[-1])


def mixture_quantiles(history: np.ndarray, levels: Sequence[float]) -> np.ndarray:
    """Quantiles [Q] of one period's demand as TSB sees it: no demand with probability 1 - p (p: TSB's smoothed
    demand probability after the history), otherwise a size drawn from the series' own non-zero sizes.

    Every value is 0 or a size the history has shown, so whole-number histories get whole-number quantiles;
    the median is 0 while p < 0.5, and the band reaches the lumps the series has had. Levels in (0, 1)."""
    row = np.zeros(len(levels))
    sizes = history[history > 0]
    if len(sizes) == 0:
        return row
    probability = demand_probability(history)
    for k, level in enumerate(levels):
        if level > 1 - probability:
            row[k] = np.quantile(sizes, (level - (1 - probability)) / probability, method="inverted_cdf")
    return row
