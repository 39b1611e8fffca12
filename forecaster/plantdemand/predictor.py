"""Demand forecasts for a plant's history file: `series_id, period, quantile, value`, one row per series,
forecast period and quantile level.

With a model folder (`forecaster.train demand --history`), each series gets the method served for its
demand class, refitted to the history given; without one, the shipped model as ForecastDemand serves it
(intermittent and lumpy series by TSB's mixture, the others by the network + Theta) with the count rule
(whole numbers for whole-number histories, never negative).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from forecaster.demand_forecast import INTERMITTENT_METHOD
from forecaster.plantdata.records import PARQUET_SUFFIXES
from forecaster.plantdemand.artifact import DemandPlantModel, read_model_folder
from forecaster.plantdemand.history import DemandHistories, load_history, shift_periods
from forecaster.plantdemand.intermittent import CLASSES, INTERMITTENT_CLASSES, demand_class
from forecaster.plantdemand.methods import forecast, shipped_demand_model
from forecaster.plantdemand.pipeline import MAX_HORIZON

LEVEL_RANGE = (0.05, 0.95)
"""Quantile levels the pretrained network knows; the other methods use the same range."""


def shipped_plant_model() -> DemandPlantModel:
    """The shipped model's rule (`forecaster.demand_forecast.shipped_method`): intermittent and lumpy series by
    TSB's mixture, every other class by the pretrained network + Theta (here with the count rule)."""
    served = {c: INTERMITTENT_METHOD if c in INTERMITTENT_CLASSES else "network" for c in CLASSES}
    return DemandPlantModel(version=shipped_demand_model().version, period=None, served=served)


def check_request(horizon: int, quantiles: Sequence[float]) -> None:
    if not 1 <= horizon <= MAX_HORIZON:
        raise ValueError(f"--horizon must be between 1 and {MAX_HORIZON} periods, got {horizon}")
    if not quantiles or any(not LEVEL_RANGE[0] <= q <= LEVEL_RANGE[1] for q in quantiles):
        raise ValueError(f"--quantiles must be levels between {LEVEL_RANGE[0]} and {LEVEL_RANGE[1]}, got {quantiles}")


def forecast_histories(model: DemandPlantModel, histories: DemandHistories, horizon: int,
                       quantiles: Sequence[float]) -> pd.DataFrame:
    """Long table: series_id, period (ISO date), quantile, value; series in file order, then period, then level."""
    check_request(horizon, quantiles)
    levels = sorted({*quantiles, 0.5})
    groups = histories.series()
    values = {sid: g["quantity"].to_numpy(dtype=np.float64) for sid, g in groups.items()}
    methods = {sid: model.method_for(demand_class(v)) for sid, v in values.items()}
    paths: dict[str, np.ndarray] = {}
    for method in sorted(set(methods.values())):
        ids = [sid for sid, m in methods.items() if m == method]
        result = forecast(method, [values[sid] for sid in ids], histories.season_length, horizon, levels)
        paths.update(zip(ids, result.quantiles, strict=True))
    picked = [levels.index(q) for q in quantiles]
    rows = []
    for sid, group in groups.items():
        periods = shift_periods(pd.Timestamp(group["period"].iloc[-1]), histories.period, horizon)
        for step, start in enumerate(periods):
            for level, k in zip(quantiles, picked, strict=True):
                rows.append((sid, start.date().isoformat(), level, float(paths[sid][step, k])))
    return pd.DataFrame(rows, columns=["series_id", "period", "quantile", "value"])


def predict_file(model_folder: Path | None, history_path: Path, horizon: int, quantiles: Sequence[float],
                 out: Path, period: str | None = None) -> tuple[DemandPlantModel, pd.DataFrame]:
    """Read the history, forecast with the model folder (or the shipped model) and write `out`
    (CSV, or Parquet when its name ends in .parquet / .pq). Nothing is written when the history is bad."""
    check_request(horizon, quantiles)
    model = read_model_folder(model_folder) if model_folder is not None else shipped_plant_model()
    histories = load_history(history_path, period or model.period)
    result = forecast_histories(model, histories, horizon, quantiles)
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() in PARQUET_SUFFIXES:
        result.to_parquet(out, index=False)
    else:
        result.to_csv(out, index=False)
    return model, result
