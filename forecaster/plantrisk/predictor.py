"""Predictions of a plant's risk model at given (machine, time) rows, from the history up to each time only.

For each row of the `at` file and each horizon: the served candidate's cumulative failure probability
(`component` = `any`: the machine as a whole, what the planner reads), then, where the model has
per-component curves, one row per component (`component` = its name in the events), with the anomaly score
and its explanation (English and Korean) on every row. A machine the training data never had is
predicted from its own telemetry and events like any other (the constant hazard gives it the fleet rate);
a row whose machine has no telemetry at all is a problem of that row.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from forecaster.plantdata.problems import PlantDataError, Problem, display_path
from forecaster.plantdata.records import parse_times, read_table
from forecaster.plantrisk.components import MACHINE
from forecaster.plantrisk.features import build_features
from forecaster.plantrisk.history import DEFAULT_TIMEZONE, PlantHistory
from forecaster.plantrisk.pipeline import TrainedRiskModel, at_times, curves_for

OUTPUT_COLUMNS = ("machine", "time", "horizon_hours", "component", "failure_probability", "anomaly_score",
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
    """One row per (at row, horizon, component), in the at file's order, then by horizon, then the machine
    (`any`) before its components."""
    times = at_times(at["machine"].to_numpy(dtype=object), at["time"])
    features = build_features(history, model.spec, times.machine, times.time)
    grid = np.asarray(horizons, dtype=float)
    curves = curves_for(model, model.served, history, times, features, grid)[None]  # [1, Q, H]
    names = [MACHINE]
    if model.components is not None:
        curves = np.concatenate([curves, model.components.cumulative(features, grid)])  # [1 + C, Q, H]
        names += model.components.names
    score, english, korean = model.anomaly.score(features)
    count = len(horizons) * len(names)
    return pd.DataFrame({
        "machine": np.repeat(at["machine"].to_numpy(), count),
        "time": np.repeat(at["time"].map(lambda t: t.isoformat()).to_numpy(), count),
        "horizon_hours": np.tile(np.repeat(grid, len(names)), len(at)),
        "component": np.tile(np.asarray(names, dtype=object), len(at) * len(horizons)),
        "failure_probability": curves.transpose(1, 2, 0).reshape(-1),
        "anomaly_score": np.repeat(score, count),
        "anomaly_explanation_en": np.repeat(np.asarray(english, dtype=object), count),
        "anomaly_explanation_ko": np.repeat(np.asarray(korean, dtype=object), count)})


@dataclass(frozen=True)
class MachineRiskPrediction:
    """One machine's prediction at one time (what the gRPC service answers).

    `cumulative[h]`: P(failure within horizons[h] hours), non-decreasing; `drivers`: the sensors that drive
    the anomaly score with their signed robust z; `latest`: each sensor's latest reading at or before the
    prediction time (NaN when none); `hours_since_maintenance`: NaN when no maintenance was seen; `unseen`:
    the machine was not in the model's training data."""

    machine: str
    cumulative: tuple[float, ...]
    anomaly_score: float
    drivers: tuple[tuple[str, float], ...]
    explanation_en: str
    explanation_ko: str
    latest: dict[str, float]
    hours_since_maintenance: float
    unseen: bool


def predict_machines(model: TrainedRiskModel, history: PlantHistory, machines: list[str], at: pd.Timestamp,
                     horizons: list[float]) -> list[MachineRiskPrediction]:
    """Every machine at one prediction time (UTC), from the history up to `at` only."""
    names = np.asarray(machines, dtype=object)
    times = at_times(names, pd.Series([at] * len(machines), dtype="datetime64[ns, UTC]"))
    features = build_features(history, model.spec, times.machine, times.time)  # [M, F]
    curves = curves_for(model, model.served, history, times, features, np.asarray(horizons, dtype=float))
    curves = np.maximum.accumulate(np.clip(curves, 0.0, 1.0), axis=1)  # [M, H]
    score, english, korean = model.anomaly.score(features)
    drivers = model.anomaly.drivers(features)
    columns = {name: i for i, name in enumerate(model.spec.names())}
    trained = set(model.constant_hazard.rates)
    return [MachineRiskPrediction(
        machine=str(machine), cumulative=tuple(float(v) for v in curves[i]), anomaly_score=float(score[i]),
        drivers=tuple(drivers[i]), explanation_en=english[i], explanation_ko=korean[i],
        latest={s: float(features[i, columns[f"{s}:last"]]) for s in model.spec.sensors},
        hours_since_maintenance=float(features[i, columns["hours_since_maintenance"]]),
        unseen=str(machine) not in trained) for i, machine in enumerate(machines)]


def write_table(frame: pd.DataFrame, out: Path) -> None:
    """CSV, or Parquet when `out` ends in .parquet; written beside `out` and renamed into place."""
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.partial")
    if out.suffix.lower() in (".parquet", ".pq"):
        frame.to_parquet(partial, index=False)
    else:
        frame.to_csv(partial, index=False)
    partial.replace(out)
