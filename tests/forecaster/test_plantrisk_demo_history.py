"""The demo plant's simulated history and the shipped risk model trained on it: a history a plant could have
logged (each machine's own sensors, shift gaps, alarms, failures with their repair logged as maintenance), the
shipped folder verified and traceable to this history, and curves at the demo plan's start that rise over the
horizon without saturating, with the sensors that drive each anomaly score named."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from forecaster.plantrisk.artifact import MODEL_FILE, read_model_folder
from forecaster.plantrisk.demo_history import (
    HISTORY_END,
    MACHINES,
    SETTINGS,
    SHIPPED_MODEL,
    TYPES,
    demo_history,
    demo_history_frames,
)
from forecaster.plantrisk.pipeline import data_hash, sampling_hours
from forecaster.plantrisk.predictor import predict_machines


@pytest.fixture(scope="module")
def frames() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    return demo_history_frames()


def test_each_machine_logs_its_own_sensors_while_it_runs_and_fails_and_is_maintained(
        frames: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]) -> None:
    telemetry, events, machines = frames
    assert set(telemetry["machine"]) == set(MACHINES) == set(machines["machine"])
    assert telemetry["time"].max() < HISTORY_END and events["time"].max() < HISTORY_END
    for machine, (kind, _) in MACHINES.items():
        rows = telemetry[telemetry["machine"] == machine]
        own = list(TYPES[kind].sensors)
        others = [c for c in telemetry.columns if c not in ("time", "machine", *own)]
        assert rows[own].notna().all().all() and rows[others].isna().all().all()
        happened = events[events["machine"] == machine]
        assert (happened["event"] == "failure").sum() >= 3 and (happened["event"] == "maintenance").sum() >= 5
        assert (happened["event"] == TYPES[kind].alarm).any()
    sunday = (telemetry["time"] + pd.Timedelta(hours=9)).dt.day_of_week == 6
    assert not sunday.any()  # no machine of the demo plant runs on Sundays: gaps, as a plant's logs have
    assert sampling_hours(demo_history()) == pytest.approx(1.0)


def test_the_simulation_is_reproducible(frames: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]) -> None:
    again = demo_history_frames()
    pd.testing.assert_frame_equal(frames[0], again[0])
    pd.testing.assert_frame_equal(frames[1], again[1])


def test_the_shipped_model_is_verified_and_was_trained_on_this_history() -> None:
    model = read_model_folder(SHIPPED_MODEL)  # checks every file's sha256
    assert model.version.endswith("+" + data_hash(demo_history()))
    assert model.report["settings"]["horizons"] == list(SETTINGS.horizons)
    meta = json.loads((SHIPPED_MODEL / MODEL_FILE).read_text(encoding="utf-8"))
    assert set(meta["files"]) >= {"hazard.txt", "report.json"}
    test = model.report["test"]
    served = test[model.served]
    for horizon in ("168", "504"):  # better than the fleet's Kaplan-Meier curve on the held-out period
        assert served["horizons"][horizon]["brier"] <= test["kaplan_meier"]["horizons"][horizon]["brier"]
    assert served["concordance"] > test["constant_hazard"]["concordance"]


def test_curves_at_the_plan_start_rise_over_the_horizon_without_saturating() -> None:
    model = read_model_folder(SHIPPED_MODEL)
    horizons = [8.0 * (b + 1) for b in range(63)]  # the demo plan: 21 days of 8-hour buckets
    predictions = predict_machines(model, demo_history(), list(MACHINES), HISTORY_END, horizons)
    curves = np.array([p.cumulative for p in predictions])  # [M, H]
    assert np.all(np.diff(curves, axis=1) >= 0) and np.all(curves[:, -1] > curves[:, 0])
    assert np.all(curves[:, -1] < 0.99), "a curve reached certainty within the plan: no time axis?"
    assert curves[:, -1].max() - curves[:, -1].min() > 0.3  # worn and fresh machines are told apart
    for prediction in predictions:
        kind = TYPES[MACHINES[prediction.machine][0]]
        assert all(sensor in kind.sensors for sensor, _ in prediction.drivers)
        assert not prediction.unseen and np.isfinite(prediction.hours_since_maintenance)
    worst = max(predictions, key=lambda p: p.cumulative[-1])
    assert worst.machine == "CNC-2"  # its planned maintenance was deferred
