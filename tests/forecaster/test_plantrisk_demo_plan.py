"""The demo plant's risk end to end over a real channel: the shipped model trained on the plant's own simulated
history (forecaster/weights/plant_risk_demo/) registered and activated as `gyeongju-ev/risk/v1`, the plant's
history sent as CreatePlan's plant data; the plan takes its risk curves from that model, names the model and,
per machine, the sensors behind the anomaly score; AssessEquipmentRisk on the same data answers in English
and Korean, and no machine's curve over the 21-day plan reaches certainty (the curves have a time axis)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from itertools import pairwise
from pathlib import Path

import grpc
import pytest
from conftest import ServerThread

from forecaster.plantrisk.demo_history import MACHINES, TYPES
from planner.demo_factory import HORIZON_DAYS, PLAN_START, demo_request
from prodplan.v1 import forecast_service_pb2 as fpb
from prodplan.v1 import forecast_service_pb2_grpc as fpb_grpc
from prodplan.v1 import planning_service_pb2 as pb
from prodplan.v1 import planning_service_pb2_grpc as pb_grpc
from service.demo import DEMO_PLANT, demo_registry
from service.demo_plant_data import demo_plant_data
from service.mapping import plan_request_to_proto
from service.settings import Settings

SENSOR_NAMED = re.compile(r"([a-z_]+) [\d.]+ sd (?:above|below) normal")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[grpc.Channel, str]]:
    folder: Path = tmp_path_factory.mktemp("demo-risk")
    version = demo_registry(folder / "registry")
    thread = ServerThread(Settings(solver_processes=1, db=str(folder / "plans.db"), model_dir=str(folder / "registry")))
    handle = thread.start()
    with grpc.insecure_channel(handle.address) as channel:
        yield channel, version
    thread.stop()


@pytest.fixture(scope="module")
def plant_data() -> pb.PlantData:
    return demo_plant_data(risk_plant=DEMO_PLANT)


def test_the_demo_plan_reads_the_plants_own_model_and_names_it_and_the_sensors(
        served: tuple[grpc.Channel, str], plant_data: pb.PlantData) -> None:
    channel, version = served
    assert version == f"{DEMO_PLANT}/risk/v1"
    message = plan_request_to_proto(demo_request(time_limit_seconds=2.0, num_workers=1))
    message.plant_data.CopyFrom(plant_data)
    message.options.skip_prediction_effects = True
    plan = pb_grpc.PlanningServiceStub(channel).CreatePlan(message, timeout=300).plan
    assert plan.model_versions["risk"] == version
    risk = [use for use in plan.predictions_used if use.kind == "RISK"]
    assert {use.machine_id for use in risk} == set(MACHINES)  # every machine the plant's MES logs
    named_any = False
    for use in risk:
        assert version in use.source and "plantrisk-" in use.source
        named = SENSOR_NAMED.findall(use.source)
        assert set(named) <= set(TYPES[MACHINES[use.machine_id][0]].sensors), use.source  # its own sensors
        assert named or "no sensor is far from its normal range" in use.source
        named_any |= bool(named)
        match = re.match(r"failure probability (\d+)%", use.value)
        assert match, use.value
        assert 0.0 < float(match.group(1)) / 100 < 0.99, use.value  # over 21 days: not certain
    assert named_any


def test_the_demo_plants_curves_rise_without_saturating_and_are_explained_in_two_languages(
        served: tuple[grpc.Channel, str], plant_data: pb.PlantData) -> None:
    channel, version = served
    message = fpb.AssessEquipmentRiskRequest()
    message.CopyFrom(plant_data.telemetry)
    message.plant_id = DEMO_PLANT
    message.bucket.FromTimedelta(timedelta(hours=8))
    message.bucket_count = HORIZON_DAYS * 3
    message.horizon_start.FromDatetime(PLAN_START)
    answer = fpb_grpc.ForecastServiceStub(channel).AssessEquipmentRisk(message, timeout=120)
    assert answer.model_version == version and answer.model_source == fpb.RISK_MODEL_SOURCE_PLANT
    ends = {}
    for machine in answer.machines:
        curve = [bucket.cumulative_failure_probability for bucket in machine.buckets]
        assert len(curve) == HORIZON_DAYS * 3
        assert all(later >= earlier - 1e-12 for earlier, later in pairwise(curve))
        assert curve[-1] > curve[0] and curve[-1] < 0.99, machine.machine_id
        assert machine.explanation.text_en and machine.explanation.text_ko
        assert {c.feature for c in machine.explanation.contributions} <= set(
            TYPES[MACHINES[machine.machine_id][0]].sensors)
        ends[machine.machine_id] = curve[-1]
    assert set(ends) == set(MACHINES)
    assert max(ends.values()) - min(ends.values()) > 0.3  # worn and fresh machines are told apart
