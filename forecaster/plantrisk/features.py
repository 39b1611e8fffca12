"""Features of a machine at a prediction time, from its history up to that time only.

For every sensor: the last value, and over each window ending at the prediction time the mean, the
standard deviation and the slope (per hour, least squares), plus the drift of the shortest window's mean
from the machine's own start (its first `long window` of telemetry). From the events: counts of each alarm
or error code over the event windows; hours since the last failure and the last maintenance, overall and
per named component; hours since the last renewal (failure or maintenance; the first telemetry row when
there is none). Static attributes from the machines file (categorical ones one-hot).

Windows are half-open on the left: a window of w hours at time t holds rows with t - w < time <= t. Nothing
after t is read: every lookup is a `searchsorted(..., t, side="right")` on times sorted per machine, which
tests/forecaster/test_plantrisk_features.py checks by changing the future and comparing.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from forecaster.plantrisk.history import FAILURE, MAINTENANCE, PlantHistory

EPOCH = pd.Timestamp("1970-01-01", tz="UTC")
MAX_CODES, MAX_COMPONENTS = 20, 10
SENSOR_STATS = ("mean", "std", "slope")


def hours(times: pd.Series | pd.DatetimeIndex) -> np.ndarray:
    """UTC times -> float hours since 1970 (whatever pandas' time unit)."""
    return np.asarray((times - EPOCH) / pd.Timedelta(hours=1), dtype=float)


@dataclass(frozen=True)
class FeatureSpec:
    """What the features are, fixed at training so prediction builds the same columns."""

    sensors: list[str]
    windows_hours: list[float]
    event_windows_hours: list[float]
    codes: list[str]
    components: list[str]
    numeric_attributes: list[str]
    categorical_levels: dict[str, list[str]]

    def names(self) -> list[str]:
        names = []
        for sensor in self.sensors:
            names.append(f"{sensor}:last")
            names += [f"{sensor}:{stat}_{w:g}h" for w in self.windows_hours for stat in SENSOR_STATS]
            names.append(f"{sensor}:drift")
        names += [f"count:{code}_{w:g}h" for code in self.codes for w in self.event_windows_hours]
        for kind in (FAILURE, MAINTENANCE):
            names += [f"hours_since_{kind}"] + [f"hours_since_{kind}:{c}" for c in self.components]
        names.append("hours_since_renewal")
        names += [f"attribute:{a}" for a in self.numeric_attributes]
        names += [f"attribute:{a}={level}" for a, levels in self.categorical_levels.items() for level in levels]
        return names

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, content: dict[str, Any]) -> FeatureSpec:
        return cls(**content)


def fit_spec(history: PlantHistory, step_hours: float) -> FeatureSpec:
    """Sensors that vary, the most frequent codes and components, the attributes; windows of 1, 4 and 12
    steps for sensors and 4 and 28 steps for event counts."""
    telemetry = history.telemetry
    sensors = [s for s in history.sensors if telemetry[s].notna().sum() > 1 and float(telemetry[s].std()) > 0]
    events = history.events
    other = events[~events["event"].isin((FAILURE, MAINTENANCE))]
    codes = other["event"].value_counts().index[:MAX_CODES].tolist()
    named = events.loc[events["event"].isin((FAILURE, MAINTENANCE)) & (events["component"] != ""), "component"]
    components = named.value_counts().index[:MAX_COMPONENTS].tolist()
    machines = history.machines
    numeric = [c for c in machines.columns if pd.api.types.is_float_dtype(machines[c])]
    categorical = {c: sorted(v for v in machines[c].astype(str).unique() if v)
                   for c in machines.columns if c not in numeric}
    return FeatureSpec(sensors, [step_hours, 4 * step_hours, 12 * step_hours], [4 * step_hours, 28 * step_hours],
                       [str(c) for c in codes], [str(c) for c in components], numeric, categorical)


def _sensor_block(times: np.ndarray, values: np.ndarray, query: np.ndarray, spec: FeatureSpec) -> np.ndarray:
    """[Q] query times -> [Q, 2 + 3 x windows] features of one sensor of one machine."""
    valid = np.isfinite(values)
    t, v = times[valid], values[valid]
    width = 2 + len(SENSOR_STATS) * len(spec.windows_hours)
    out = np.full((len(query), width), np.nan)
    if not len(t):
        return out
    t0, v0 = t[0], v[0]  # centred, so cumulative sums of squares keep their precision
    tc, vc = t - t0, v - v0

    def cumulative(x: np.ndarray) -> np.ndarray:
        return np.concatenate([[0.0], np.cumsum(x)])

    ct, cv, ctt, ctv, cvv = (cumulative(x) for x in (tc, vc, tc * tc, tc * vc, vc * vc))
    hi = np.searchsorted(t, query, side="right")
    seen = hi > 0
    out[seen, 0] = v[hi[seen] - 1]
    for j, window in enumerate(spec.windows_hours):
        lo = np.searchsorted(t, query - window, side="right")
        n = (hi - lo).astype(float)
        s_t, s_v = ct[hi] - ct[lo], cv[hi] - cv[lo]
        s_tt, s_tv, s_vv = ctt[hi] - ctt[lo], ctv[hi] - ctv[lo], cvv[hi] - cvv[lo]
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = s_v / n
            variance = np.maximum(s_vv / n - mean * mean, 0.0) * n / (n - 1)
            denominator = n * s_tt - s_t * s_t
            slope = (n * s_tv - s_t * s_v) / denominator
        column = 1 + len(SENSOR_STATS) * j
        out[:, column] = np.where(n > 0, mean + v0, np.nan)
        out[:, column + 1] = np.where(n > 1, np.sqrt(variance), np.nan)
        out[:, column + 2] = np.where((n > 2) & (denominator > 1e-9 * np.maximum(n * s_tt, 1.0)), slope, np.nan)
    baseline_end = np.minimum(hi, np.searchsorted(t, t0 + spec.windows_hours[-1], side="right"))
    with np.errstate(divide="ignore", invalid="ignore"):
        baseline = cv[baseline_end] / baseline_end + v0
    out[:, -1] = out[:, 1] - np.where(baseline_end > 0, baseline, np.nan)
    return out


def _since(event_times: np.ndarray, query: np.ndarray) -> np.ndarray:
    """Hours since the last event at or before each query time (NaN when none)."""
    index = np.searchsorted(event_times, query, side="right")
    last = np.where(index > 0, event_times[np.maximum(index - 1, 0)] if len(event_times) else np.nan, np.nan)
    return query - last


def _event_block(events: pd.DataFrame, first_seen: float, query: np.ndarray, spec: FeatureSpec) -> np.ndarray:
    """Code counts, hours since failure / maintenance (overall and per component), hours since renewal."""
    times = hours(events["time"]) if len(events) else np.zeros(0)
    columns = []
    for code in spec.codes:
        code_times = np.sort(times[(events["event"] == code).to_numpy()])
        right = np.searchsorted(code_times, query, side="right")
        columns += [(right - np.searchsorted(code_times, query - w, side="right")).astype(float)
                    for w in spec.event_windows_hours]
    last_renewal = np.full(len(query), first_seen)
    for kind in (FAILURE, MAINTENANCE):
        of_kind = (events["event"] == kind).to_numpy()
        since = _since(np.sort(times[of_kind]), query)
        last_renewal = np.fmax(last_renewal, query - since)
        columns.append(since)
        for component in spec.components:
            columns.append(_since(np.sort(times[of_kind & (events["component"] == component).to_numpy()]), query))
    columns.append(query - np.minimum(last_renewal, query))
    return np.column_stack(columns)


def _attribute_row(history: PlantHistory, machine: str, spec: FeatureSpec) -> np.ndarray:
    known = machine in history.machines.index
    row = [float(history.machines.at[machine, a]) if known else np.nan for a in spec.numeric_attributes]
    for attribute, levels in spec.categorical_levels.items():
        value = str(history.machines.at[machine, attribute]) if known and attribute in history.machines else None
        row += [float(value == level) if value is not None else np.nan for level in levels]
    return np.asarray(row, dtype=float)


def build_features(history: PlantHistory, spec: FeatureSpec, machines: np.ndarray, times_h: np.ndarray
                   ) -> np.ndarray:
    """[Q] (machine, time in hours) -> [Q, F] features in `spec.names()` order, history up to each time only."""
    out = np.full((len(machines), len(spec.names())), np.nan)
    telemetry = {m: g for m, g in history.telemetry.groupby("machine", sort=False)}
    events = {m: g for m, g in history.events.groupby("machine", sort=False)}
    empty_events = history.events.iloc[:0]
    for machine in pd.unique(machines):
        rows = np.flatnonzero(machines == machine)
        query = times_h[rows]
        frame = telemetry.get(machine)
        blocks = []
        first_seen = np.nan
        for sensor in spec.sensors:
            if frame is None or sensor not in frame:
                blocks.append(np.full((len(rows), 2 + len(SENSOR_STATS) * len(spec.windows_hours)), np.nan))
                continue
            sensor_times = hours(frame["time"])
            first_seen = sensor_times[0] if np.isnan(first_seen) else first_seen
            blocks.append(_sensor_block(sensor_times, frame[sensor].to_numpy(dtype=float), query, spec))
        if frame is not None and np.isnan(first_seen):
            first_seen = float(hours(frame["time"])[0])
        blocks.append(_event_block(events.get(machine, empty_events), first_seen, query, spec))
        attributes = _attribute_row(history, str(machine), spec)
        blocks.append(np.broadcast_to(attributes, (len(rows), len(attributes))))
        out[rows] = np.hstack(blocks)
    return out
