"""Batch furnaces over a real channel: `examples/plant_batching.json` (two die-casting cells, two T6
furnaces with recipes T6-A and T5 and their own capacities in kg, two machining centres; twelve lots of
housings, inverter cases and brackets) plans with loads that keep the rule, the loads and the fill KPI
come back, the request round-trips through the store, a furnace breakdown re-plans into valid loads,
and bad batch input is INVALID_ARGUMENT with a field violation each and nothing stored."""

from __future__ import annotations

from datetime import timedelta

import grpc
import pytest
from plant_examples import SOLVED, as_domain, example_message

from planner.checker import check_schedule
from planner.domain import PlanRequest, TimeWindow
from prodplan.v1 import planning_service_pb2 as pb
from prodplan.v1 import planning_service_pb2_grpc as pb_grpc
from service.demo import assignments_from_proto
from service.errors import bad_request_violations
from service.mapping import api_field, plan_request_to_proto, to_datetime, to_timestamp


def _message() -> pb.CreatePlanRequest:
    return example_message("plant_batching.json")


def _domain(message: pb.CreatePlanRequest) -> PlanRequest:
    return as_domain(message)


def _loads_hold(plan: pb.Plan, capacities: dict[str, float]) -> None:
    assert plan.batch_loads
    for load in plan.batch_loads:
        assert load.capacity == capacities[load.machine_id]
        assert load.load <= load.capacity + 1e-6 and abs(load.fill - load.load / load.capacity) < 1e-9
    fills = [load.fill for load in plan.batch_loads]
    assert abs(plan.kpis.average_batch_fill - sum(fills) / len(fills)) < 1e-9


def test_the_furnace_example_plans_valid_loads_and_round_trips(channel: grpc.Channel) -> None:
    stub = pb_grpc.PlanningServiceStub(channel)
    message = _message()
    req = _domain(message)
    response = stub.CreatePlan(message, timeout=60)
    assert response.plan.status in SOLVED
    assert check_schedule(req, assignments_from_proto(response.plan, req)) == []
    capacities = {m.id: m.batch_capacity for m in message.factory.machines if m.batch_capacity}
    _loads_hold(response.plan, capacities)
    heat = {(a.order_id, a.machine_id, a.start.ToDatetime()) for a in response.plan.assignments
            if a.operation_id == "OP20-heat"}
    in_loads = {(order_id, load.machine_id, load.start.ToDatetime()) for load in response.plan.batch_loads
                for order_id in load.order_ids}
    assert heat == in_loads  # every heat treatment is in exactly the load that says so
    assert any(len(load.order_ids) > 1 for load in response.plan.batch_loads)  # lots do share loads
    stored = stub.GetPlan(pb.GetPlanRequest(plan_id=response.plan_id), timeout=10)
    assert stored.request.factory.machines == message.factory.machines
    assert stored.request.factory.products[0].routing[1].recipe == "T6-A"
    assert stored.request.factory.products[0].routing[1].batch_load_per_unit == pytest.approx(3.2)


def test_a_furnace_breakdown_replans_into_valid_loads(channel: grpc.Channel) -> None:
    stub = pb_grpc.PlanningServiceStub(channel)
    message = _message()
    created = stub.CreatePlan(message, timeout=60)
    first = min((load for load in created.plan.batch_loads if load.machine_id == "HT-1"),
                key=lambda load: load.start.ToDatetime())
    down_from = to_datetime(first.start) + timedelta(minutes=30)  # in the middle of its first load
    repaired = down_from + timedelta(hours=6)
    breakdown = pb.MachineBreakdown(machine_id="HT-1", start=to_timestamp(down_from),
                                    expected_repair_end=to_timestamp(repaired))
    response = stub.Replan(pb.ReplanRequest(plan_id=created.plan_id, disruptions=[
        pb.Disruption(machine_breakdown=breakdown)], replan_time=breakdown.start), timeout=60)
    assert response.plan.status in SOLVED
    req = _domain(message)
    placed = assignments_from_proto(response.plan, req)
    offset = round((down_from - req.options.plan_start).total_seconds() / 60)
    window = TimeWindow(start=offset, end=offset + 6 * 60, reason="breakdown")
    machines = [m.model_copy(update={"maintenance_windows": [*m.maintenance_windows, window]}) if m.id == "HT-1"
                else m for m in req.factory.machines]
    down = req.model_copy(update={"factory": req.factory.model_copy(update={"machines": machines})})
    assert check_schedule(down, placed) == []
    interrupted = set(first.order_ids)
    assert all(any(c.order_id == o and "interrupted" in c.reason for c in response.changes) for o in interrupted)
    _loads_hold(response.plan, {m.id: m.batch_capacity for m in message.factory.machines if m.batch_capacity})


def test_bad_batch_input_is_invalid_and_nothing_is_stored(channel: grpc.Channel) -> None:
    stub = pb_grpc.PlanningServiceStub(channel)
    message = _message()
    message.request_id = "batching-invalid"
    furnace = message.factory.machines[2]
    assert furnace.id == "HT-1"
    furnace.batch_capacity = -5
    furnace.recipes[1].cycle_time.FromTimedelta(timedelta(0))
    message.factory.machines[0].recipes.add(id="T6-A").cycle_time.FromTimedelta(timedelta(hours=8))  # no furnace
    heat = message.factory.products[2].routing[1]
    heat.recipe = "T7"
    heat.batch_load_per_unit = -0.8
    message.factory.products[1].routing[0].recipe = "T6-A"  # casting is not a batch operation
    message.orders[1].quantity = 1000
    before = len(stub.ListPlans(pb.ListPlansRequest(), timeout=10).plans)
    with pytest.raises(grpc.RpcError) as caught:
        stub.CreatePlan(message, timeout=30)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    violations = {v.field: v.reason for v in bad_request_violations(caught.value)}
    assert violations["factory.machines[2].batch_capacity"] == "must be a finite number greater than 0"
    assert violations["factory.machines[2].recipes[1].cycle_time"] == "must be more than 0"
    assert violations["factory.machines[0].recipes"] == "only a batch machine (with a batch_capacity) runs recipes"
    assert violations["factory.products[2].routing[1].recipe"] == "batch machine 'HT-2' has no recipe 'T7'"
    assert violations["factory.products[2].routing[1].batch_load_per_unit"] == "must be a finite number greater than 0"
    assert "not a batch machine" in violations["factory.products[1].routing[0].eligible_machines[0].machine_id"]
    assert "not split across loads" in violations["orders[1].quantity"]
    assert len(stub.ListPlans(pb.ListPlansRequest(), timeout=10).plans) == before


def test_batch_fields_round_trip_exactly_and_unset_means_a_plain_machine() -> None:
    message = _message()
    req = _domain(message)
    furnace = req.factory.machine("HT-1")
    assert furnace.batch_capacity == 600 and [r.cycle_minutes for r in furnace.recipes] == [480, 240]
    assert req.factory.machine("DC-1").batch_capacity is None
    assert req.factory.products[0].routing[0].recipe is None
    assert req.factory.products[0].routing[0].batch_load_per_unit == 1.0  # unset: count units
    assert _domain(plan_request_to_proto(req)) == req
    message.factory.machines[2].recipes[0].cycle_time.FromTimedelta(timedelta(minutes=479, seconds=30))
    assert _domain(message).factory.machine("HT-1").recipes[0].cycle_minutes == 480  # whole minutes, up
    assert api_field("factory.machines[2].recipes[0].cycle_minutes") == "factory.machines[2].recipes[0].cycle_time"
    assert pb.Machine.DESCRIPTOR.fields_by_name["batch_capacity"].number == 6
    assert pb.Operation.DESCRIPTOR.fields_by_name["recipe"].number == 9
