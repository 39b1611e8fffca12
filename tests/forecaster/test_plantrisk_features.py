"""No look-ahead in the features, censoring in the person-period rows, monotone curves in [0, 1]."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from forecaster.plantrisk.features import build_features, fit_spec, hours
from forecaster.plantrisk.hazard import HazardSettings, curve_from_hazards, person_period
from forecaster.plantrisk.history import PlantHistory, remove_failure_maintenance
from forecaster.plantrisk.labels import Landmarks, landmarks
from forecaster.plantrisk.simulated import simulated_fleet

TELEMETRY, EVENTS, MACHINES = simulated_fleet(machines=3, days=20, seed=1)


def _history(telemetry: pd.DataFrame = TELEMETRY, events: pd.DataFrame = EVENTS) -> PlantHistory:
    return remove_failure_maintenance(PlantHistory(
        telemetry.sort_values(["machine", "time"]).reset_index(drop=True), ["temperature", "vibration", "pressure"],
        events.sort_values(["machine", "time"]).reset_index(drop=True), MACHINES.set_index("machine")))


SPEC = fit_spec(_history(), 6.0)


def _future_changed(cut: pd.Timestamp, seed: int) -> PlantHistory:
    """The same history up to `cut`; after it, other sensor values, other events and a failure on every machine."""
    rng = np.random.default_rng(seed)
    telemetry = TELEMETRY.copy()
    later = telemetry["time"] > cut
    for sensor in ("temperature", "vibration", "pressure"):
        telemetry.loc[later, sensor] = rng.normal(100, 50, int(later.sum()))
    events = EVENTS[EVENTS["time"] <= cut]
    extra = pd.DataFrame({"time": [cut + pd.Timedelta(minutes=1)] * 3, "machine": ["M1", "M2", "M3"],
                          "event": ["failure", "maintenance", "E7"], "component": ["spindle", "", ""]})
    return _history(telemetry, pd.concat([events, extra]))


@settings(max_examples=8, deadline=None)
@given(offset_hours=st.integers(min_value=0, max_value=20 * 24 - 1), seed=st.integers(0, 1000))
def test_a_change_after_the_prediction_time_never_changes_the_features(offset_hours: int, seed: int) -> None:
    cut = TELEMETRY["time"].min() + pd.Timedelta(hours=offset_hours)
    machines = np.array(["M1", "M2", "M3"], dtype=object)
    times = np.full(3, hours(pd.Series([cut]))[0])
    before = build_features(_history(), SPEC, machines, times)
    after = build_features(_future_changed(cut, seed), SPEC, machines, times)
    np.testing.assert_array_equal(np.isnan(before), np.isnan(after))
    np.testing.assert_allclose(np.nan_to_num(before), np.nan_to_num(after), rtol=1e-9, atol=1e-9)


def test_feature_names_cover_sensors_events_and_attributes() -> None:
    names = SPEC.names()
    assert "vibration:slope_24h" in names and "count:E7_168h" in names
    assert "hours_since_maintenance:spindle" in names and "hours_since_renewal" in names
    assert "attribute:age" in names and "attribute:model=A" in names
    assert build_features(_history(), SPEC, np.array(["M1"], dtype=object), np.array([0.0])).shape == (1, len(names))


def test_a_machine_that_never_fails_contributes_only_survival() -> None:
    times = Landmarks(np.array(["quiet", "fails"], dtype=object), np.array([0.0, 0.0]),
                      np.array([np.inf, 15.0]), np.array([40.0, 100.0]))
    features = np.array([[1.0], [2.0]])  # one feature: which machine the row belongs to
    rows, labels = person_period(times, features, HazardSettings(step_hours=6.0, steps=10))
    quiet = rows[:, 0] == 1.0
    steps = rows[:, -1]
    # quiet: followed until 40 h -> steps 0..5 fully observed (6 x 6 h = 36 h), step 6 (36-42 h) censored: dropped
    assert list(steps[:6]) == [0, 1, 2, 3, 4, 5] and labels[:6].sum() == 0
    # fails at 15 h: steps 0 and 1 survive, step 2 (12-18 h) holds the failure, nothing after
    assert list(steps[6:]) == [0, 1, 2] and list(labels[6:]) == [0, 0, 1]
    assert quiet.sum() == 6 and labels[quiet].sum() == 0 and len(rows) == 9


def test_landmark_labels_censor_instead_of_guessing() -> None:
    times = Landmarks(np.array(["a", "b"], dtype=object), np.array([0.0, 0.0]), np.array([np.inf, 30.0]),
                      np.array([20.0, 100.0]))
    label, known = times.label(24.0)
    assert not known[0]  # followed 20 h only, no failure: the 24 h outcome is unknown
    assert known[1] and label[1] == 0.0
    censored = times.censored_at(25.0)
    assert np.isinf(censored.next_failure[1])  # a failure after the censoring time is not seen


def test_grid_lies_inside_each_machines_telemetry() -> None:
    grid = landmarks(_history(), 6.0)
    first = hours(TELEMETRY.groupby("machine")["time"].min())
    last = hours(TELEMETRY.groupby("machine")["time"].max())
    for machine, lo, hi in zip(sorted(TELEMETRY["machine"].unique()), first, last, strict=True):
        mine = grid.time[grid.machine == machine]
        assert mine.min() >= lo + 6.0 and mine.max() <= hi


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(0.0, 1.0), min_size=1, max_size=12),
       st.lists(st.floats(0.0, 500.0), min_size=1, max_size=8))
def test_cumulative_curves_are_monotone_in_zero_one(hazards: list[float], horizons: list[float]) -> None:
    ordered = np.sort(np.asarray(horizons))
    curve = curve_from_hazards(np.asarray([hazards]), 6.0, ordered)[0]
    assert np.all(curve >= 0.0) and np.all(curve <= 1.0)
    assert np.all(np.diff(curve) >= -1e-12)
    assert curve_from_hazards(np.asarray([hazards]), 6.0, np.array([0.0]))[0, 0] == 0.0
