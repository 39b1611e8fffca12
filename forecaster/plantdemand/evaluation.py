"""The split by time and the scores of a demand model: MASE, scaled pinball loss, 80 % interval coverage.

The split cuts the calendar, not each series: the last `horizon` periods of the file are the test window,
the `horizon` periods before them the validation window. A forecast for a window sees only the periods
before the window starts (`windows` cuts every history there), so nothing of the window leaks into it.
A series is scored in a window when it has all the window's periods and at least `MIN_PERIODS` before it.

Scores per series, then averaged over series: MASE of the point forecast and the mean pinball loss over
the levels 0.1 / 0.5 / 0.9, both divided by the in-sample MAE of the seasonal naive forecast
(`forecaster.metrics`); coverage of the 10-90 % band is pooled over every scored period.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecaster import metrics
from forecaster.plantdemand.history import MIN_PERIODS, DemandHistories, period_index
from forecaster.plantdemand.methods import Forecasts

LEVELS = (0.1, 0.5, 0.9)
"""Quantile levels every candidate is scored on."""


@dataclass(frozen=True)
class DemandSplit:
    """Period indices (`history.period_index`) where the validation and test windows start."""

    horizon: int
    validation_start: int
    test_start: int

    def start(self, window: str) -> int:
        return self.validation_start if window == "validation" else self.test_start


@dataclass
class Window:
    """The series scored in one window: what each may see, and what happened."""

    series_ids: list[str]
    histories: list[np.ndarray]  # each series' periods before the window
    actuals: np.ndarray  # [B, H]
    first_period: pd.Timestamp | None


def split_by_time(histories: DemandHistories, horizon: int) -> DemandSplit:
    last = int(period_index(histories.frame["period"], histories.period).max())
    return DemandSplit(horizon, validation_start=last - 2 * horizon + 1, test_start=last - horizon + 1)


def windows(histories: DemandHistories, split: DemandSplit, window: str) -> Window:
    """The histories cut before `window` and the window's actual demand, for every series that has both."""
    start = split.start(window)
    frame = histories.frame.assign(index=period_index(histories.frame["period"], histories.period))
    ids, before, actuals = [], [], []
    first_period = None
    for series_id, group in frame.groupby("series_id", sort=False):
        index, quantity = group["index"].to_numpy(), group["quantity"].to_numpy(dtype=np.float64)
        inside = (index >= start) & (index < start + split.horizon)
        past = index < start
        if inside.sum() == split.horizon and past.sum() >= MIN_PERIODS:
            ids.append(str(series_id))
            before.append(quantity[past])
            actuals.append(quantity[inside])
            first_period = first_period or pd.Timestamp(group["period"].to_numpy()[inside][0])
    return Window(ids, before, np.array(actuals).reshape(len(ids), split.horizon), first_period)


def series_scores(forecasts: Forecasts, window: Window, season_length: int) -> dict[str, np.ndarray]:
    """Per series: mase, scaled_pinball, and the share of periods inside the 10-90 % band (coverage)."""
    mase, pinball, covered = [], [], []
    for row, (train, actual) in enumerate(zip(window.histories, window.actuals, strict=True)):
        paths = {level: forecasts.quantiles[row, :, k] for k, level in enumerate(LEVELS)}
        mase.append(metrics.mase(actual, forecasts.point[row], train, season_length))
        pinball.append(metrics.scaled_pinball(actual, paths, train, season_length))
        covered.append(metrics.coverage(actual, paths[0.1], paths[0.9]))
    return {"mase": np.array(mase), "scaled_pinball": np.array(pinball), "coverage": np.array(covered)}


def summary(scores: dict[str, np.ndarray], rows: np.ndarray | None = None) -> dict[str, float | int]:
    """Mean scores over the series `rows` (all when None)."""
    picked = {name: values if rows is None else values[rows] for name, values in scores.items()}
    count = len(picked["mase"])
    if count == 0:
        return {"series": 0}
    return {"series": count, "mase": round(float(np.mean(picked["mase"])), 4),
            "scaled_pinball": round(float(np.mean(picked["scaled_pinball"])), 4),
            "coverage_80": round(float(np.mean(picked["coverage"])), 4)}
