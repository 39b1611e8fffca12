"""A plant's own risk model over a real channel: trained by ModelService from a small simulated fleet's
telemetry and events, activated, served by AssessEquipmentRisk from the plant's own sensor names and event
history (past only, unseen machines included, unknown sensors refused), used by CreatePlan's plant data for
the risk curves its policies consume (the plan names the model and the sensors), changed by activating
another version and restored by rollback; without plant_id the shipped default answers, labelled so."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import grpc
import pandas as pd
import pytest
from conftest import ServerThread
from tolerances import FLOAT32_ATOL

from forecaster.plantrisk.artifact import read_model_folder
from forecaster.plantrisk.history import history_from_frames
from forecaster.plantrisk.predictor import predict_machines
from forecaster.plantrisk.simulated import simulated_fleet
from planner.domain import Machine
from planner.testing import order, product, request
from prodplan.v1 import forecast_service_pb2 as fpb
from prodplan.v1 import forecast_service_pb2_grpc as fpb_grpc
from prodplan.v1 import model_service_pb2 as mpb
from prodplan.v1 import model_service_pb2_grpc as mpb_grpc
from prodplan.v1 import planning_service_pb2 as pb
from prodplan.v1 import planning_service_pb2_grpc as pb_grpc
from service.errors import bad_request_violations
from service.mapping import plan_request_to_proto
from service.model_registry import ModelRegistry
from service.settings import Settings

PLANT = "changwon-1"
MACHINES, DAYS = 4, 40
AT = datetime(2026, 2, 1, tzinfo=UTC)
"""The prediction time (and plan start): inside the fleet's 40 days, so later rows exist and must be ignored."""


def _csv(frame: pd.DataFrame) -> bytes:
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, date_format="%Y-%m-%dT%H:%M:%SZ")
    return buffer.getvalue().encode()


def _train(stub: mpb_grpc.ModelServiceStub, seed: int, activate: bool,
           options: mpb.TrainingOptions | None = None) -> mpb.TrainModelResponse:
    telemetry, events, machines = simulated_fleet(MACHINES, DAYS, seed)
    message = mpb.TrainModelRequest(
        plant_id=PLANT, kind=mpb.MODEL_KIND_RISK, activate=activate,
        options=options if options is not None else mpb.TrainingOptions(seed=0),
        telemetry=mpb.UploadedFile(name="telemetry.csv", content=_csv(telemetry)),
        events=mpb.UploadedFile(name="events.csv", content=_csv(events)),
        machines=mpb.UploadedFile(name="machines.csv", content=_csv(machines)))
    return list(stub.TrainModel(message, timeout=300))[-1]


@dataclass
class Served:
    address: str
    registry: ModelRegistry


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """A server with a registry in which the plant has no risk model yet."""
    folder = tmp_path_factory.mktemp("plant-risk")
    thread = ServerThread(Settings(solver_processes=1, db=str(folder / "plans.db"),
                                   model_dir=str(folder / "registry")))
    handle = thread.start()
    yield Served(handle.address, ModelRegistry(folder / "registry"))
    thread.stop()


@pytest.fixture(scope="module")
def channel(served: Served) -> Iterator[grpc.Channel]:
    with grpc.insecure_channel(served.address) as open_channel:
        yield open_channel


def _plant_rows(until: datetime | None = None, seed: int = 7) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The plant's recent history (a fleet the model never saw; machines M1..M4 plus a new machine NEW-1,
    which is M1's record renamed): telemetry and events up to `until` (all 40 days when None)."""
    telemetry, events, _ = simulated_fleet(MACHINES, DAYS, seed)
    new = telemetry[telemetry["machine"] == "M1"].assign(machine="NEW-1")
    telemetry = pd.concat([telemetry, new], ignore_index=True)
    events = pd.concat([events, events[events["machine"] == "M1"].assign(machine="NEW-1")], ignore_index=True)
    if until is not None:
        telemetry = telemetry[telemetry["time"] <= until]
        events = events[events["time"] <= until]
    return telemetry, events


def _fill(message: fpb.AssessEquipmentRiskRequest, telemetry: pd.DataFrame, events: pd.DataFrame) -> None:
    sensors = [c for c in telemetry.columns if c not in ("time", "machine")]
    for row in telemetry.itertuples(index=False):
        added = message.plant_telemetry.add(machine_id=row.machine, sensors={s: getattr(row, s) for s in sensors})
        added.time.FromDatetime(row.time.to_pydatetime())
    for event in events.itertuples(index=False):
        added_event = message.plant_events.add(machine_id=event.machine, event=event.event, component=event.component)
        added_event.time.FromDatetime(event.time.to_pydatetime())
    message.plant_machines.add(machine_id="M1", attributes={"model": "B", "age": "3"})


def _risk_request(telemetry: pd.DataFrame, events: pd.DataFrame) -> fpb.AssessEquipmentRiskRequest:
    message = fpb.AssessEquipmentRiskRequest(plant_id=PLANT, bucket_count=14)
    message.bucket.FromTimedelta(timedelta(hours=12))
    message.horizon_start.FromDatetime(AT)
    _fill(message, telemetry, events)
    return message


def _plan_request(telemetry: pd.DataFrame, events: pd.DataFrame) -> pb.CreatePlanRequest:
    names = [f"M{i + 1}" for i in range(MACHINES)]
    machines: list[Machine | str] = list(names)
    message = plan_request_to_proto(request(machines, [product("P", ("mill", names, 1.0))],
                                            [order("O1", "P", 20, due=6000)], horizon=7 * 24 * 60, time_limit=2.0))
    message.options.plan_start.FromDatetime(AT)
    message.options.risk_policy = pb.RISK_POLICY_EXPECTED_CAPACITY
    message.options.risk_bucket.FromTimedelta(timedelta(hours=12))
    message.options.skip_prediction_effects = True
    message.plant_data.plant_id = PLANT
    _fill(message.plant_data.telemetry, telemetry, events)
    return message


def _horizon_risk(plan: pb.Plan) -> dict[str, float]:
    """The failure probability over the horizon of each machine, as the plan's predictions_used states it."""
    found = {}
    for use in plan.predictions_used:
        if use.kind == "RISK":
            match = re.match(r"failure probability (\d+)%", use.value)
            assert match, use.value
            found[use.machine_id] = float(match.group(1)) / 100
    return found


def test_the_plant_risk_model_is_trained_served_planned_with_and_rolled_back(served: Served,
                                                                               channel: grpc.Channel) -> None:
    forecast, models = fpb_grpc.ForecastServiceStub(channel), mpb_grpc.ModelServiceStub(channel)
    planning = pb_grpc.PlanningServiceStub(channel)
    telemetry, events = _plant_rows()

    with pytest.raises(grpc.RpcError) as no_model:
        forecast.AssessEquipmentRisk(_risk_request(telemetry, events))
    assert no_model.value.code() == grpc.StatusCode.NOT_FOUND and "no active risk model" in no_model.value.details()

    first = _train(models, seed=0, activate=True)
    assert first.result.model_version == f"{PLANT}/risk/v1" and first.result.active
    second = _train(models, seed=3, activate=False, options=mpb.TrainingOptions(seed=5, max_trees=12))
    assert second.result.model_version == f"{PLANT}/risk/v2" and not second.result.active
    # TrainModel's options reach the risk pipeline: its seed, and max_trees caps every LightGBM model
    options_v1 = read_model_folder(served.registry.get("default", PLANT, "risk", "v1").model_folder)
    options_v2 = read_model_folder(served.registry.get("default", PLANT, "risk", "v2").model_folder)
    assert options_v1.report["settings"]["max_trees"] == 400 and options_v1.report["settings"]["seed"] == 0
    assert options_v2.report["settings"]["max_trees"] == 12 and options_v2.report["settings"]["seed"] == 5
    assert options_v2.hazard.booster.num_trees() <= 12
    assert all(booster.num_trees() <= 12 for booster in options_v2.direct.boosters)

    answer = forecast.AssessEquipmentRisk(_risk_request(telemetry, events))
    assert answer.model_version == f"{PLANT}/risk/v1" and answer.model_source == fpb.RISK_MODEL_SOURCE_PLANT
    assert answer.plant_id == PLANT and answer.artifact_version.startswith("plantrisk-")
    assert f"{PLANT}/risk/v1" in answer.model_description
    assert answer.prediction_time.ToDatetime(tzinfo=UTC) == AT
    assert [m.machine_id for m in answer.machines] == ["M1", "M2", "M3", "M4", "NEW-1"]
    for machine in answer.machines:
        curve = [b.cumulative_failure_probability for b in machine.buckets]
        assert len(curve) == 14 and all(0.0 <= p <= 1.0 for p in curve)
        assert all(later >= earlier - 1e-12 for earlier, later in pairwise(curve))
        assert machine.buckets[0].start.ToDatetime(tzinfo=UTC) == AT
        assert 0.0 <= machine.anomaly_score <= 1.0 and machine.explanation.text_en and machine.explanation.text_ko
        assert all(c.feature in ("temperature", "vibration", "pressure") for c in machine.explanation.contributions)
    by_machine = {m.machine_id: m for m in answer.machines}
    assert by_machine["NEW-1"].unseen_machine and not by_machine["M1"].unseen_machine
    assert "new to the model" in by_machine["NEW-1"].explanation.text_en

    # the same curves as the forecaster's own prediction from the registered folder, on the same history
    folder = served.registry.active("default", PLANT, "risk")
    assert folder is not None
    direct = predict_machines(read_model_folder(folder.model_folder), history_from_frames(
        telemetry[["time", "machine", "temperature", "vibration", "pressure"]],
        events.reset_index(drop=True)), ["M2"], pd.Timestamp(AT), [12.0 * (b + 1) for b in range(14)])
    assert [b.cumulative_failure_probability for b in by_machine["M2"].buckets] == pytest.approx(
        list(direct[0].cumulative), abs=FLOAT32_ATOL)

    # only data up to the prediction time is read: dropping everything later changes nothing
    past = forecast.AssessEquipmentRisk(_risk_request(*_plant_rows(until=AT)))
    for now, then in zip(answer.machines, past.machines, strict=True):
        assert [b.cumulative_failure_probability for b in now.buckets] == pytest.approx(
            [b.cumulative_failure_probability for b in then.buckets], abs=FLOAT32_ATOL)

    plan_v1 = planning.CreatePlan(_plan_request(*_plant_rows(until=AT)), timeout=120).plan
    assert plan_v1.model_versions["risk"] == f"{PLANT}/risk/v1"
    risk_uses = [u for u in plan_v1.predictions_used if u.kind == "RISK"]
    assert {u.machine_id for u in risk_uses} == {"M1", "M2", "M3", "M4"}
    assert all(f"{PLANT}/risk/v1" in u.source and "anomaly score" in u.source for u in risk_uses)
    v1_risk = _horizon_risk(plan_v1)
    horizon_end = {m.machine_id: m.buckets[-1].cumulative_failure_probability for m in past.machines}
    assert all(abs(v1_risk[m] - horizon_end[m]) <= 0.006 for m in v1_risk)  # the value is printed in whole %

    models.ActivateModel(mpb.ActivateModelRequest(plant_id=PLANT, kind=mpb.MODEL_KIND_RISK, version="v2"))
    plan_v2 = planning.CreatePlan(_plan_request(*_plant_rows(until=AT)), timeout=120).plan
    assert plan_v2.model_versions["risk"] == f"{PLANT}/risk/v2"
    assert _horizon_risk(plan_v2) != v1_risk  # another model, other curves in the plan

    rolled = models.RollbackModel(mpb.RollbackModelRequest(plant_id=PLANT, kind=mpb.MODEL_KIND_RISK))
    assert rolled.model.version == "v1"
    restored = planning.CreatePlan(_plan_request(*_plant_rows(until=AT)), timeout=120).plan
    assert restored.model_versions["risk"] == f"{PLANT}/risk/v1" and _horizon_risk(restored) == v1_risk


def test_unknown_sensors_and_bad_rows_are_named_field_by_field(served: Served, channel: grpc.Channel) -> None:
    if served.registry.active_version("default", PLANT, "risk") is None:  # run alone: train the model here
        _train(mpb_grpc.ModelServiceStub(channel), seed=0, activate=True)
    telemetry, events = _plant_rows(until=AT)
    message = _risk_request(telemetry.head(50), events.head(5))
    message.plant_telemetry[0].sensors["humidity"] = 40.0
    message.plant_telemetry[1].sensors["temperature"] = float("nan")
    message.plant_events[0].event = " "
    message.machines.add(machine_id="M1")
    with pytest.raises(grpc.RpcError) as refused:
        fpb_grpc.ForecastServiceStub(channel).AssessEquipmentRisk(message)
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    violations = {v.field: v.reason for v in bad_request_violations(refused.value)}
    assert "temperature" in violations["plant_telemetry[0].sensors['humidity']"]  # lists the known sensors
    assert set(violations) == {"plant_telemetry[0].sensors['humidity']", "plant_telemetry[1].sensors['temperature']",
                               "plant_events[0].event", "machines"}

    plan = _plan_request(telemetry.head(50), events.head(5))
    plan.plant_data.telemetry.plant_telemetry[2].sensors["humidity"] = 40.0
    with pytest.raises(grpc.RpcError) as plan_refused:
        pb_grpc.PlanningServiceStub(channel).CreatePlan(plan, timeout=60)
    assert plan_refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert {v.field for v in bad_request_violations(plan_refused.value)} == {
        "plant_data.telemetry.plant_telemetry[2].sensors['humidity']"}


def test_without_plant_id_the_shipped_default_answers_and_says_so(channel: grpc.Channel) -> None:
    stub = fpb_grpc.ForecastServiceStub(channel)
    message = fpb.AssessEquipmentRiskRequest(bucket_count=3)
    message.bucket.FromTimedelta(timedelta(hours=8))
    message.machines.add(machine_id="CNC-1", current=fpb.TelemetrySample(
        air_temperature_k=300.0, process_temperature_k=310.0, rotational_speed_rpm=1500.0, torque_nm=40.0,
        tool_wear_min=100.0))
    answer = stub.AssessEquipmentRisk(message)
    assert answer.model_source == fpb.RISK_MODEL_SOURCE_SHIPPED_DEFAULT
    assert answer.model_description.startswith("shipped default risk model") and not answer.plant_id
    message.plant_events.add(machine_id="CNC-1", event="failure")
    with pytest.raises(grpc.RpcError) as refused:
        stub.AssessEquipmentRisk(message)
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [v.field for v in bad_request_violations(refused.value)] == ["plant_events"]
