"""Fuzzing every RPC over a real channel: valid requests with one field mutated to an extreme (signs,
zeros, huge values, NaN and infinities, extreme timestamps and durations, huge and empty repeated fields,
long strings). Never UNKNOWN or INTERNAL, never an answer after the deadline, the server healthy at the
end. PRODPLAN_FUZZ_EXAMPLES sets the cases per RPC (default 400, 3,600 in all; a longer run: 2000)."""

from __future__ import annotations

import contextlib
import math
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import grpc
import pytest
from conftest import ServerHandle
from google.protobuf import duration_pb2, timestamp_pb2
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message
from grpc_health.v1 import health_pb2, health_pb2_grpc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forecaster import demo_inputs
from planner.testing import order, product, request
from prodplan.v1 import forecast_service_pb2 as fpb
from prodplan.v1 import forecast_service_pb2_grpc as fpb_grpc
from prodplan.v1 import planning_service_pb2 as pb
from prodplan.v1 import planning_service_pb2_grpc as pb_grpc
from service.demo_plant_data import demo_plant_data
from service.mapping import plan_request_to_proto

EXAMPLES = int(os.environ.get("PRODPLAN_FUZZ_EXAMPLES", "400"))
DEADLINE_S = 5.0
SLACK_S = 1.0
"""How late an answer may come after its deadline on a noisy 2-core machine before it counts."""
NEVER = {grpc.StatusCode.UNKNOWN, grpc.StatusCode.INTERNAL}

_NUMBERS = [0, -1, 1, -(2**31), 2**31 - 1, 2**53, -(2**62), 10**12]
_FLOATS = [0.0, -0.0, -1.0, 1e-300, 1e300, -1e300, math.nan, math.inf, -math.inf, 0.5, 2.0]
_STRINGS = ["", " ", "x" * 10_000, "\u0000", "CNC-9", "주조기-1", "../../etc/passwd"]
_SECONDS = [-62135596800, -1, 0, 1, 253402300799, 10**12, -(10**12)]


@dataclass(frozen=True)
class Slot:
    """One place in a message that a mutation can change: a path of (field, index) steps."""

    steps: tuple[tuple[str, int | None], ...]
    field: FieldDescriptor


def _slots(message: Message, prefix: tuple[tuple[str, int | None], ...] = ()) -> Iterator[Slot]:
    for field in message.DESCRIPTOR.fields:
        if field.type == FieldDescriptor.TYPE_MESSAGE and field.message_type.GetOptions().map_entry:
            continue
        yield Slot((*prefix, (field.name, None)), field)
        if field.type != FieldDescriptor.TYPE_MESSAGE:
            continue
        value = getattr(message, field.name)
        if field.is_repeated:
            for index, item in enumerate(list(value)[:3]):
                yield from _slots(item, (*prefix, (field.name, index)))
        elif message.HasField(field.name):
            yield from _slots(value, (*prefix, (field.name, None)))


def _parent(message: Message, slot: Slot) -> Message:
    node = message
    for name, index in slot.steps[:-1]:
        node = getattr(node, name)[index] if index is not None else getattr(node, name)
    return node


def _mutate(message: Message, slot: Slot, choice: int) -> None:
    parent, field = _parent(message, slot), slot.field
    name = field.name
    if field.is_repeated:
        items = getattr(parent, name)
        if choice % 3 == 0 or not len(items):
            del items[:]
        else:  # many copies of the first item
            first = items[0]
            for _ in range(200 if choice % 3 == 1 else 5000):
                if field.type == FieldDescriptor.TYPE_MESSAGE:
                    items.add().CopyFrom(first)
                else:
                    items.append(first)
        return
    if field.type == FieldDescriptor.TYPE_MESSAGE:
        target = getattr(parent, name)
        if isinstance(target, (timestamp_pb2.Timestamp, duration_pb2.Duration)):
            target.seconds, target.nanos = _SECONDS[choice % len(_SECONDS)], 0
        else:
            parent.ClearField(name)
        return
    if field.type in (FieldDescriptor.TYPE_DOUBLE, FieldDescriptor.TYPE_FLOAT):
        setattr(parent, name, _FLOATS[choice % len(_FLOATS)])
    elif field.type == FieldDescriptor.TYPE_STRING:
        setattr(parent, name, _STRINGS[choice % len(_STRINGS)])
    elif field.type == FieldDescriptor.TYPE_BOOL:
        setattr(parent, name, bool(choice % 2))
    elif field.type == FieldDescriptor.TYPE_ENUM:
        setattr(parent, name, choice % (len(field.enum_type.values) + 2))
    else:
        bits = 32 if field.type in (FieldDescriptor.TYPE_INT32, FieldDescriptor.TYPE_SINT32) else 64
        value = _NUMBERS[choice % len(_NUMBERS)]
        setattr(parent, name, max(min(value, 2 ** (bits - 1) - 1), -(2 ** (bits - 1))))


def _small_plan() -> pb.CreatePlanRequest:
    two_steps = product("P", ("cut", ["M1", "M2"], 1.0), ("pack", ["M2"], 0.5))
    message = plan_request_to_proto(request(["M1", "M2"], [two_steps],
                                            [order("O1", "P", 5, due=100), order("O2", "P", 3, due=60)],
                                            time_limit=0.5))
    message.options.skip_prediction_effects = True
    return message


@pytest.fixture(scope="module")
def stored_plan_id(planning_server: ServerHandle) -> str:
    with grpc.insecure_channel(planning_server.address) as channel:
        return str(pb_grpc.PlanningServiceStub(channel).CreatePlan(_small_plan(), timeout=30).plan_id)


def _requests(plan_id: str) -> dict[str, tuple[Message, Callable[[grpc.Channel], Callable[..., object]]]]:
    demo = demo_inputs()
    compare = pb.CompareScenariosRequest(base=_small_plan(), scenarios=[pb.Scenario(
        name="more", deltas=[pb.ScenarioDelta(demand_scale=pb.DemandScale(factor=1.2))])])
    start = _small_plan().options.plan_start
    replan = pb.ReplanRequest(plan_id=plan_id, disruptions=[pb.Disruption(machine_breakdown=pb.MachineBreakdown(
        machine_id="M1", start=start, expected_repair_end=start))])
    replan.disruptions[0].machine_breakdown.expected_repair_end.seconds += 3600
    demand = fpb.ForecastDemandRequest(horizon=3, quantiles=[0.1, 0.5, 0.9], series=[
        fpb.DemandSeries(series_id=h.series_id, history=h.values[-24:], season_length=12) for h in demo.demand[:2]])
    casting = {"melt_temperature_c": 680.0, "die_temperature_c": 220.0, "injection_pressure_mpa": 80.0,
               "cycle_time_s": 60.0, "shot_velocity_m_s": 4.0}
    yields = fpb.PredictYieldRequest(items=[fpb.YieldItem(item_id="i", product="MH-800", machine_id="DC-1",
                                                          process=fpb.PROCESS_TYPE_DIE_CASTING, parameters=casting)])
    risk = fpb.AssessEquipmentRiskRequest(bucket_count=3, machines=[fpb.MachineTelemetry(
        machine_id="CNC-1", current=fpb.TelemetrySample(air_temperature_k=300, process_temperature_k=310,
                                                        rotational_speed_rpm=1500, torque_nm=40, tool_wear_min=50))])
    risk.bucket.FromSeconds(8 * 3600)
    with_plant_data = _small_plan()
    with_plant_data.plant_data.CopyFrom(demo_plant_data())
    planning = pb_grpc.PlanningServiceStub
    forecast = fpb_grpc.ForecastServiceStub
    return {
        "CreatePlan": (_small_plan(), lambda ch: planning(ch).CreatePlan),
        "CreatePlan with plant data": (with_plant_data, lambda ch: planning(ch).CreatePlan),
        "CompareScenarios": (compare, lambda ch: planning(ch).CompareScenarios),
        "Replan": (replan, lambda ch: planning(ch).Replan),
        "ListPlans": (pb.ListPlansRequest(kind="plan", page_size=5), lambda ch: planning(ch).ListPlans),
        "GetPlan": (pb.GetPlanRequest(plan_id=plan_id), lambda ch: planning(ch).GetPlan),
        "ForecastDemand": (demand, lambda ch: forecast(ch).ForecastDemand),
        "PredictYield": (yields, lambda ch: forecast(ch).PredictYield),
        "AssessEquipmentRisk": (risk, lambda ch: forecast(ch).AssessEquipmentRisk),
    }


@pytest.mark.slow
@pytest.mark.parametrize("rpc", ["CreatePlan", "CreatePlan with plant data", "CompareScenarios", "Replan",
                                 "ListPlans", "GetPlan", "ForecastDemand", "PredictYield", "AssessEquipmentRisk"])
def test_mutated_requests_never_get_unknown_or_internal_nor_a_late_answer(
        rpc: str, planning_server: ServerHandle, stored_plan_id: str) -> None:
    template, method_of = _requests(stored_plan_id)[rpc]
    slots = list(_slots(template))

    with grpc.insecure_channel(planning_server.address,
                               options=[("grpc.max_send_message_length", 64 * 1024 * 1024)]) as channel:
        method = method_of(channel)

        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                  suppress_health_check=[HealthCheck.too_slow])
        @given(st.integers(0, len(slots) - 1), st.integers(0, 10_000), st.integers(0, len(slots) - 1),
               st.booleans())
        def one_case(first: int, choice: int, second: int, twice: bool) -> None:
            mutated = type(template)()
            mutated.CopyFrom(template)
            for index in ((first, second) if twice else (first,)):
                if index < len(slots):
                    # the slot may no longer exist after the first mutation
                    with contextlib.suppress(IndexError, AttributeError, ValueError, TypeError):
                        _mutate(mutated, slots[index], choice)
            started = time.monotonic()
            try:
                method(mutated, timeout=DEADLINE_S)
            except grpc.RpcError as error:
                assert error.code() not in NEVER, f"{rpc}: {error.code()} {error.details()}"
            assert time.monotonic() - started < DEADLINE_S + SLACK_S

        one_case()
        health = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=10)
        assert health.status == health_pb2.HealthCheckResponse.SERVING
