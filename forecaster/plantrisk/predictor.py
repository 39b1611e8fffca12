"""Predictions of a plant's risk model at given (machine, time) rows, from the history up to each time only.

For each row of the `at` file and each horizon: the served candidate's cumulative failure probability, the
anomaly score and its explanation (English and Korean). A machine the training data never had is
predicted from its own telemetry and events like any other (the constant hazard gives it the fleet rate);
a row whose machine has no telemetry at all is a problem of that row.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from forecaster.plantdata.problems import PlantDataError, Problem, display_path
from forecaster.plantdata.records import parse_times, read_table
from forecaster.plantrisk.features import build_features
from forecaster.plantrisk.history import DEFAULT_TIMEZONE, PlantHistory
from forecaster.plantrisk.pipeline import TrainedRiskModel, at_times, curves_for

OUTPUT_COLUMNS = ("machine", "time", "horizon_hours", "failure_probability", "anomaly_score",
                  "anomaly_explanation_en", "anomaly_explanation_ko")


def read_at(path: Path, history: PlantHistory, timezone: str | None = DEFAULT_TIMEZONE) -> pd.DataFrame:
    """The `at` file (`machine`, `time`), each machine checked against the telemetry."""
    file = display_path(path)
    frame, rows, problems = read_table(path)
    problems += [Problem(file, 1, c, "required column is missing") for c in ("machine", "time")
                 if c not in frame.columns]
    if problems:
        raise PlantDataError(problems)
    times, time_problems = parse_times(frame["time"], rows, file, timezone)
    problems += time_problems
    machines = frame["machine"].str.strip()
    known = set(history.telemetry["machine"].unique())
    problems += [Problem(file, int(rows[i]), "machine", f"machine {machines.iat[i]!r} has no telemetry")
                 for i in np.flatnonzero(~machines.isin(known).to_numpy())]
    if problems:
        raise PlantDataError(problems)
    return pd.DataFrame({"machine": machines, "time": times})


def predict(model: TrainedRiskModel, history: PlantHistory, at: pd.DataFrame, horizons: list[float]
            ) -> pd.DataFrame:
    """One row per (at row, horizon), in the at file's order and then by horizon."""
    times = at_times(at["machine"].to_numpy(dtype=object), at["time"])
    features = build_features(history, model.spec, times.machine, times.time)
    curves = curves_for(model, model.served, history, times, features, np.asarray(horizons, dtype=float))
    score, english, korean = model.anomaly.score(features)
    count = len(horizons)
    return pd.DataFrame({
        "machine": np.repeat(at["machine"].to_numpy(), count),
        "time": np.repeat(at["time"].map(lambda t: t.isoformat()).to_numpy(), count),
        "horizon_hours": np.tile(np.asarray(horizons, dtype=float), len(at)),
        "failure_probability": curves.reshape(-1),
        "anomaly_score": np.repeat(score, count),
        "anomaly_explanation_en": np.repeat(np.asarray(english, dtype=object), count),
        "anomaly_explanation_ko": np.repeat(np.asarray(korean, dtype=object), count)})


def write_table(frame: pd.DataFrame, out: Path) -> None:
    """CSV, or Parquet when `out` ends in .parquet; written beside `out` and renamed into place."""
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.partial")
    if out.suffix.lower() in (".parquet", ".pq"):
        frame.to_parquet(partial, index=False)
    else:
        frame.to_csv(partial, index=False)
    partial.replace(out)
