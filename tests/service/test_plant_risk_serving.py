"""AssessEquipmentRisk's plant mapping (service/plant_risk_serving.py) with the shipped demo plant model: every
unknown sensor is named as its own field and nothing else is, curves are non-decreasing and agree with their
per-bucket probabilities, and rows after the prediction time change nothing."""

from __future__ import annotations

import math
import string
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tolerances import FLOAT32_ATOL

from forecaster.plantrisk.artifact import read_model_folder
from forecaster.plantrisk.demo_history import HISTORY_END, SHIPPED_MODEL, demo_history_frames
from forecaster.plantrisk.pipeline import TrainedRiskModel
from prodplan.v1 import forecast_service_pb2 as fpb
from service.errors import InvalidArgumentError
from service.model_registry import RegisteredModel
from service.plant_risk_serving import predict_plant_risk

START = HISTORY_END.to_pydatetime()
ENTRY = RegisteredModel(plant_id="demo", kind="risk", version="v1", artifact_version="plantrisk-test",
                        created=datetime(2026, 1, 1, tzinfo=UTC), served="blend", folder=SHIPPED_MODEL.parent)


@pytest.fixture(scope="module")
def model() -> TrainedRiskModel:
    return read_model_folder(SHIPPED_MODEL)


@pytest.fixture(scope="module")
def history_request() -> fpb.AssessEquipmentRiskRequest:
    """The last 40 days of CNC-2 and HT-1 (enough for every window), 12 buckets of 8 h from the plan start."""
    telemetry, events, _ = demo_history_frames()
    recent = telemetry[(telemetry["time"] >= HISTORY_END - timedelta(days=40))
                       & telemetry["machine"].isin(["CNC-2", "HT-1"])]
    message = fpb.AssessEquipmentRiskRequest(plant_id="demo", bucket_count=12)
    message.bucket.FromTimedelta(timedelta(hours=8))
    message.horizon_start.FromDatetime(START)
    sensors = [c for c in recent.columns if c not in ("time", "machine")]
    for row in recent.itertuples(index=False):
        values = {s: float(getattr(row, s)) for s in sensors if not math.isnan(getattr(row, s))}
        message.plant_telemetry.add(machine_id=row.machine, sensors=values).time.FromDatetime(row.time)
    for event in events[events["machine"].isin(["CNC-2", "HT-1"])].itertuples(index=False):
        message.plant_events.add(machine_id=event.machine, event=event.event,
                                 component=event.component).time.FromDatetime(event.time)
    return message


def test_curves_are_non_decreasing_and_match_their_bucket_probabilities(
        model: TrainedRiskModel, history_request: fpb.AssessEquipmentRiskRequest) -> None:
    answer = predict_plant_risk(history_request, ENTRY, model)
    assert [m.machine_id for m in answer.machines] == ["CNC-2", "HT-1"]
    for machine in answer.machines:
        cumulative = [b.cumulative_failure_probability for b in machine.buckets]
        assert all(0.0 <= a <= b <= 1.0 for a, b in pairwise(cumulative))
        survival = 1.0
        for bucket, value in zip(machine.buckets, cumulative, strict=True):
            survival *= 1.0 - bucket.failure_probability
            assert 1.0 - survival == pytest.approx(value, abs=1e-9)
        assert machine.buckets[-1].end.ToDatetime(tzinfo=UTC) == START + timedelta(hours=96)
        assert machine.reference_window.ToTimedelta() == timedelta(hours=24)


def test_rows_after_the_prediction_time_change_nothing(model: TrainedRiskModel,
                                                       history_request: fpb.AssessEquipmentRiskRequest) -> None:
    before = predict_plant_risk(history_request, ENTRY, model)
    later = fpb.AssessEquipmentRiskRequest()
    later.CopyFrom(history_request)
    for hour in range(1, 30):  # a breakdown and alarming readings after the plan start: the future
        row = later.plant_telemetry.add(machine_id="CNC-2", sensors={"spindle_vibration_mm_s": 9.0})
        row.time.FromDatetime(START + timedelta(hours=hour))
    later.plant_events.add(machine_id="CNC-2", event="failure").time.FromDatetime(START + timedelta(hours=5))
    after = predict_plant_risk(later, ENTRY, model)
    for one, other in zip(before.machines, after.machines, strict=True):
        assert [b.cumulative_failure_probability for b in one.buckets] == pytest.approx(
            [b.cumulative_failure_probability for b in other.buckets], abs=FLOAT32_ATOL)
        assert one.anomaly_score == pytest.approx(other.anomaly_score, abs=FLOAT32_ATOL)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(st.text(string.ascii_letters + "_", min_size=1, max_size=12), st.floats(-1e3, 1e3),
                       max_size=4),
       st.sets(st.integers(0, 3), max_size=3))
def test_every_unknown_sensor_is_its_own_violation_and_known_ones_are_not(
        model: TrainedRiskModel, extra: dict[str, float], rows: set[int]) -> None:
    message = fpb.AssessEquipmentRiskRequest(plant_id="demo", bucket_count=3)
    message.bucket.FromTimedelta(timedelta(hours=8))
    for index in range(4):
        readings = {"spindle_temp_c": 40.0, **(extra if index in rows else {})}
        message.plant_telemetry.add(machine_id="CNC-1", sensors=readings).time.FromDatetime(
            START - timedelta(hours=4 - index))
    unknown = {name for name in extra if name not in model.spec.sensors}
    expected = {f"plant_telemetry[{i}].sensors[{name!r}]" for i in rows for name in unknown}
    if not expected:
        assert len(predict_plant_risk(message, ENTRY, model).machines) == 1
        return
    with pytest.raises(InvalidArgumentError) as refused:
        predict_plant_risk(message, ENTRY, model)
    assert {v.field for v in refused.value.violations} == expected
    assert all("spindle_vibration_mm_s" in v.reason for v in refused.value.violations)  # lists the known ones


def test_bad_buckets_times_and_attributes_are_all_named(model: TrainedRiskModel) -> None:
    message = fpb.AssessEquipmentRiskRequest(plant_id="demo", bucket_count=0)
    message.plant_telemetry.add(machine_id=" ", sensors={"spindle_temp_c": math.inf})
    message.plant_events.add(machine_id="CNC-1", event="failure")
    message.plant_machines.add(machine_id="CNC-1", attributes={"age_years": "old", "colour": "red"})
    with pytest.raises(InvalidArgumentError) as refused:
        predict_plant_risk(message, ENTRY, model, "plant_data.telemetry")
    assert {v.field for v in refused.value.violations} == {
        "plant_data.telemetry.bucket", "plant_data.telemetry.bucket_count",
        "plant_data.telemetry.plant_telemetry[0].machine_id", "plant_data.telemetry.plant_telemetry[0].time",
        "plant_data.telemetry.plant_telemetry[0].sensors['spindle_temp_c']",
        "plant_data.telemetry.plant_events[0].time",
        "plant_data.telemetry.plant_machines[0].attributes['age_years']",
        "plant_data.telemetry.plant_machines[0].attributes['colour']"}
