"""Reading a plant's telemetry, events and machine list (CSV or Parquet) into one checked history.

Templates (docs/PLANT-DATA-RISK.md):

- `telemetry`: `time`, `machine`, and any numeric sensor columns (any sampling interval, gaps and empty
  cells allowed);
- `events`: `time`, `machine`, `event` (`failure`, `maintenance`, or any other code: an alarm or error id),
  optional `component`;
- `machines` (optional): `machine` and static attributes (numeric or categorical).

Every problem that makes a file unusable is collected with its file, row (as in the file: header = row 1)
and column, across all files, and raised at once as a `PlantDataError`. Times without a UTC offset are
read in `timezone` (UTC unless the caller says otherwise).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from forecaster.plantdata.problems import PlantDataError, Problem, display_path
from forecaster.plantdata.records import parse_times, read_table

FAILURE, MAINTENANCE = "failure", "maintenance"
MISSING = frozenset({"", "na", "n/a", "nan", "null", "none"})
DEFAULT_TIMEZONE = "UTC"


@dataclass
class PlantHistory:
    """A plant's checked history. `telemetry`: `time` (UTC), `machine`, sensors (float, NaN = missing);
    `events`: `time`, `machine`, `event` (`failure`, `maintenance` or the plant's code), `component`
    ('' when not named); `machines`: static attributes indexed by machine (numeric columns float)."""

    telemetry: pd.DataFrame
    sensors: list[str]
    events: pd.DataFrame
    machines: pd.DataFrame
    warnings: list[str] = field(default_factory=list)

    @property
    def failures(self) -> pd.DataFrame:
        return self.events[self.events["event"] == FAILURE]


def _missing(text: pd.Series) -> pd.Series:
    return text.str.strip().str.lower().isin(MISSING)


def _required(frame: pd.DataFrame, file: str, columns: tuple[str, ...]) -> list[Problem]:
    return [Problem(file, 1, name, "required column is missing") for name in columns if name not in frame.columns]


def _machine_names(frame: pd.DataFrame, rows: np.ndarray, file: str) -> list[Problem]:
    empty = np.flatnonzero(_missing(frame["machine"]).to_numpy())
    return [Problem(file, int(rows[i]), "machine", "machine is empty") for i in empty]


def _numeric(text: pd.Series, rows: np.ndarray, file: str, column: str) -> tuple[pd.Series, list[Problem]]:
    """Numbers of a column (NaN where empty); every non-empty cell that is not a finite number is a problem."""
    missing = _missing(text)
    values = pd.to_numeric(text.str.strip().where(~missing), errors="coerce").astype(float)
    bad = ~missing & ~np.isfinite(values)
    problems = [Problem(file, int(rows[i]), column, f"{text.iloc[i].strip()!r} is not a number")
                for i in np.flatnonzero(bad.to_numpy())]
    return values.where(np.isfinite(values)), problems


def _duplicates(frame: pd.DataFrame, rows: np.ndarray, file: str, keys: list[str], what: str) -> list[Problem]:
    repeated = frame.duplicated(subset=keys, keep="first").to_numpy()
    first = frame.groupby(keys, sort=False).cumcount().to_numpy()
    problems = []
    for i in np.flatnonzero(repeated & (first > 0)):
        match = (frame[keys] == frame[keys].iloc[i]).all(axis=1).to_numpy()
        problems.append(Problem(file, int(rows[i]), None, f"{what} as row {int(rows[np.flatnonzero(match)[0]])}"))
    return problems


def read_telemetry(path: Path, timezone: str | None = DEFAULT_TIMEZONE
                   ) -> tuple[pd.DataFrame, list[str], list[Problem]]:
    """The telemetry template: `time`, `machine`, numeric sensor columns."""
    file = display_path(path)
    frame, rows, problems = read_table(path)
    problems += _required(frame, file, ("time", "machine"))
    sensors = [c for c in frame.columns if c not in ("time", "machine")]
    if not sensors:
        problems.append(Problem(file, 1, None, "no sensor columns: add at least one numeric column"))
    if problems and any(p.row == 1 for p in problems):
        return frame, sensors, problems
    times, time_problems = parse_times(frame["time"], rows, file, timezone)
    problems += time_problems + _machine_names(frame, rows, file)
    out = pd.DataFrame({"time": times, "machine": frame["machine"].str.strip()})
    for sensor in sensors:
        out[sensor], sensor_problems = _numeric(frame[sensor], rows, file, sensor)
        problems += sensor_problems
        if out[sensor].notna().sum() == 0 and not sensor_problems:
            problems.append(Problem(file, None, sensor, "the column has no values"))
    if not problems:
        problems += _duplicates(out, rows, file, ["machine", "time"], "same machine and time")
    return out, sensors, problems


def read_events(path: Path, timezone: str | None = DEFAULT_TIMEZONE) -> tuple[pd.DataFrame, list[Problem]]:
    """The events template: `time`, `machine`, `event`, optional `component`."""
    file = display_path(path)
    frame, rows, problems = read_table(path)
    problems += _required(frame, file, ("time", "machine", "event"))
    if problems and any(p.row == 1 for p in problems):
        return frame, problems
    times, time_problems = parse_times(frame["time"], rows, file, timezone)
    problems += time_problems + _machine_names(frame, rows, file)
    event = frame["event"].str.strip()
    problems += [Problem(file, int(rows[i]), "event", "event is empty: write failure, maintenance or a code")
                 for i in np.flatnonzero(_missing(event).to_numpy())]
    lowered = event.str.lower()
    event = event.where(~lowered.isin((FAILURE, MAINTENANCE)), lowered)
    component = frame["component"].str.strip() if "component" in frame.columns else pd.Series("", index=frame.index)
    component = component.where(~_missing(component), "")
    out = pd.DataFrame({"time": times, "machine": frame["machine"].str.strip(), "event": event,
                        "component": component})
    return out, problems


def read_machines(path: Path) -> tuple[pd.DataFrame, list[Problem]]:
    """The machines template: `machine` and static attributes (numeric when every value is a number)."""
    file = display_path(path)
    frame, rows, problems = read_table(path)
    problems += _required(frame, file, ("machine",))
    if problems and any(p.row == 1 for p in problems):
        return frame, problems
    problems += _machine_names(frame, rows, file)
    problems += _duplicates(frame[["machine"]].apply(lambda s: s.str.strip()), rows, file, ["machine"],
                            "same machine")
    out = pd.DataFrame(index=pd.Index(frame["machine"].str.strip(), name="machine"))
    for column in (c for c in frame.columns if c != "machine"):
        values, bad = _numeric(frame[column], rows, file, column)
        out[column] = values.to_numpy() if not bad else frame[column].str.strip().where(
            ~_missing(frame[column]), "").to_numpy()
    return out, problems


T = TypeVar("T", bound=tuple[Any, ...])


def _collect(problems: list[Problem], read: Callable[[], T]) -> T | None:
    """Run one reader, adding its problems (a file that cannot be read at all raises PlantDataError)."""
    try:
        result = read()
    except PlantDataError as error:
        problems.extend(error.problems)
        return None
    problems.extend(result[-1])
    return result


def load_history(telemetry: Path, events: Path | None = None, machines: Path | None = None,
                 timezone: str | None = DEFAULT_TIMEZONE) -> PlantHistory:
    """Read and check every file; raise one PlantDataError listing every problem of every file."""
    problems: list[Problem] = []
    tel = _collect(problems, lambda: read_telemetry(telemetry, timezone))
    ev = _collect(problems, lambda: read_events(events, timezone)) if events is not None else None
    mach = _collect(problems, lambda: read_machines(machines)) if machines is not None else None
    if problems or tel is None:
        raise PlantDataError(problems)
    frame, sensors, _ = tel
    event_frame = ev[0] if ev is not None else pd.DataFrame(
        {"time": pd.Series(dtype="datetime64[ns, UTC]"), "machine": pd.Series(dtype=object),
         "event": pd.Series(dtype=object), "component": pd.Series(dtype=object)})
    machine_frame = mach[0] if mach is not None else pd.DataFrame(index=pd.Index([], name="machine"))
    history = PlantHistory(frame.sort_values(["machine", "time"], kind="stable").reset_index(drop=True), sensors,
                           event_frame.sort_values(["machine", "time"], kind="stable").reset_index(drop=True),
                           machine_frame)
    return remove_failure_maintenance(history)


def history_from_frames(telemetry: pd.DataFrame, events: pd.DataFrame | None = None,
                        machines: pd.DataFrame | None = None) -> PlantHistory:
    """A history from frames already checked by the caller (the gRPC mapping): `telemetry` with `time` (UTC),
    `machine` and float sensor columns; `events` with `time`, `machine`, `event`, `component`; `machines`
    indexed by machine. Sorted and cleaned (`remove_failure_maintenance`) as `load_history` does."""
    sensors = [c for c in telemetry.columns if c not in ("time", "machine")]
    event_frame = events if events is not None else pd.DataFrame(
        {"time": pd.Series(dtype="datetime64[ns, UTC]"), "machine": pd.Series(dtype=object),
         "event": pd.Series(dtype=object), "component": pd.Series(dtype=object)})
    machine_frame = machines if machines is not None else pd.DataFrame(index=pd.Index([], name="machine"))
    history = PlantHistory(telemetry.sort_values(["machine", "time"], kind="stable").reset_index(drop=True),
                           sensors, event_frame.sort_values(["machine", "time"], kind="stable").reset_index(drop=True),
                           machine_frame)
    return remove_failure_maintenance(history)


def remove_failure_maintenance(history: PlantHistory) -> PlantHistory:
    """Drop maintenance rows that repeat a failure: same machine and UTC day, at or after the failure's time,
    and the same component (or either row names none). CMMS exports (and Azure's sample) log the repair
    after a breakdown as maintenance too; counted as maintenance, 'hours since maintenance' would be 0 at
    every failure and leak the label. Only rows at or after the failure are dropped, so whether a row counts
    never depends on what happens later; scheduled maintenance earlier that day, on other days or on other
    components stays."""
    events = history.events
    failures = events[events["event"] == FAILURE]
    maintenance = events[events["event"] == MAINTENANCE]
    if not len(failures) or not len(maintenance):
        return history
    pairs = maintenance.assign(day=maintenance["time"].dt.floor("D")).reset_index().merge(
        failures.assign(day=failures["time"].dt.floor("D")), on=["machine", "day"], suffixes=("", "_failure"))
    repeats = pairs[(pairs["time_failure"] <= pairs["time"]) & (
        (pairs["component"] == pairs["component_failure"]) | (pairs["component"] == "")
        | (pairs["component_failure"] == ""))]
    drop = events.index.isin(repeats["index"].unique())
    warnings = history.warnings + ([f"{int(drop.sum())} maintenance rows repeat a failure (same machine, day and "
                                    "component, not before it) and are not counted as maintenance"]
                                   if drop.any() else [])
    return PlantHistory(history.telemetry, history.sensors, events[~drop].reset_index(drop=True),
                        history.machines, warnings)
