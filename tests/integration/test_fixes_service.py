"""Fixes over a real channel: CreatePlan with verify_fixes_time returns typed, verified fixes, and applying
the first one through CompareScenarios makes its order less late."""

from __future__ import annotations

import grpc
import pytest

from planner.domain import Machine, PlanRequest, Shift, ShiftCalendar, TimeWindow
from planner.replanning.deltas import (
    AssignMachine,
    ChangeDueDate,
    ChangeRelease,
    ChangeWeight,
    ExtraWorkingTime,
    MachineDown,
    MoveMaintenance,
    ScenarioDelta,
)
from planner.replanning.scenarios import apply_deltas
from planner.testing import order, product, request
from prodplan.v1 import planning_service_pb2 as pb
from prodplan.v1 import planning_service_pb2_grpc as pb_grpc
from service.errors import bad_request_violations
from service.mapping import plan_request_to_domain, plan_request_to_proto
from service.scenario_mapping import delta_to_proto, scenarios_from_proto
from service.settings import Settings

DAY = 24 * 60


def _plant() -> PlanRequest:
    """One machine on a 00:00-08:00 shift and 700 min of work: B waits for the next day unless M1 works longer."""
    calendar = ShiftCalendar(id="day", shifts=[Shift(start_minute=0, length_minutes=480)])
    return request([Machine(id="M1", calendar_id="day")], [product("P", ("op", ["M1"], 1.0))],
                   [order("A", "P", quantity=400, due=480), order("B", "P", quantity=300, due=720)],
                   horizon=10 * DAY, calendars=[calendar], workers=1)


def _message(verify_seconds: float) -> pb.CreatePlanRequest:
    message = plan_request_to_proto(_plant())
    message.options.time_limit.FromSeconds(8)
    message.options.verify_fixes_time.FromMilliseconds(int(verify_seconds * 1000))
    message.options.skip_prediction_effects = True
    return message


def test_create_plan_returns_verified_typed_fixes_and_the_first_one_helps(channel: grpc.Channel) -> None:
    stub = pb_grpc.PlanningServiceStub(channel)
    created = stub.CreatePlan(_message(verify_seconds=4.0), timeout=60)
    late = next(e for e in created.plan.late_orders if e.order_id == "B")
    assert late.fixes and all(f.verified for f in late.fixes)
    first = late.fixes[0]
    assert first.kind == "OVERTIME" and first.changes
    assert all(c.WhichOneof("delta") == "extra_working_time" and c.extra_working_time.machine_id == "M1"
               for c in first.changes)
    assert first.order_lateness_after.ToSeconds() < first.order_lateness_before.ToSeconds()
    assert late.fix == first.text and late.fix_saves.ToSeconds() > 0
    hours = [f.extra_working_time.ToSeconds() for f in late.fixes]
    assert hours == sorted(hours)  # the smallest verified overtime first
    assert all(f.kind != "PRIORITY" for f in late.fixes)  # running B first only moves lateness onto A

    base = _message(verify_seconds=0.0)
    compared = stub.CompareScenarios(pb.CompareScenariosRequest(base=base, scenarios=[
        pb.Scenario(name="first fix", deltas=list(first.changes))]), timeout=60)
    by_name = {r.name: r for r in compared.results}
    lateness = {r.order_id: r.tardiness.ToSeconds() for r in by_name["first fix"].plan.order_results}
    assert lateness["B"] < late.lateness.ToSeconds()
    assert "B" in by_name["first fix"].orders_became_on_time


def test_without_verify_fixes_time_the_fixes_are_unverified_candidates(channel: grpc.Channel) -> None:
    created = pb_grpc.PlanningServiceStub(channel).CreatePlan(_message(verify_seconds=0.0), timeout=60)
    late = next(e for e in created.plan.late_orders if e.order_id == "B")
    assert late.fixes and not any(f.verified for f in late.fixes)
    assert late.fix  # the estimated text stays for older clients


def test_bad_verify_time_and_fix_deltas_are_invalid_argument(channel: grpc.Channel) -> None:
    stub = pb_grpc.PlanningServiceStub(channel)
    negative = _message(verify_seconds=0.0)
    negative.options.verify_fixes_time.FromSeconds(-1)
    with pytest.raises(grpc.RpcError) as caught:
        stub.CreatePlan(negative, timeout=30)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [v.field for v in bad_request_violations(caught.value)] == ["options.verify_fixes_time"]
    incomplete = pb.CompareScenariosRequest(base=_message(verify_seconds=0.0), scenarios=[pb.Scenario(
        name="half a move", deltas=[pb.ScenarioDelta(move_maintenance=pb.MaintenanceMove(machine_id="M1")),
                                    pb.ScenarioDelta(change_weight=pb.WeightChange(order_id="B", weight=0))])])
    with pytest.raises(grpc.RpcError) as caught:
        stub.CompareScenarios(incomplete, timeout=30)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert {v.field for v in bad_request_violations(caught.value)} == {
        "scenarios[0].deltas[0].move_maintenance.window_start", "scenarios[0].deltas[0].move_maintenance.new_start",
        "scenarios[0].deltas[1].change_weight.weight"}


def test_every_fix_delta_reads_back_as_the_same_change() -> None:
    """A fix's deltas in API form (what a client receives) are read by CompareScenarios as the same changes."""
    base_message = _message(verify_seconds=0.0)
    base = plan_request_to_domain(base_message, Settings())
    with_maintenance = apply_deltas(base, [MachineDown(machine_id="M1", window=TimeWindow(start=60, end=120))])
    deltas: list[ScenarioDelta] = [
        ChangeWeight(order_id="B", weight=7.5), ChangeRelease(order_id="B", release=30),
        ChangeDueDate(order_id="B", due=2 * DAY), MoveMaintenance(machine_id="M1", window_start=60, new_start=600),
        AssignMachine(order_id="B", operation_id="op", machine_id="M1"),
        ExtraWorkingTime(machine_id="M1", window=TimeWindow(start=480, end=720, reason="overtime (fix)")),
    ]
    message = pb.CompareScenariosRequest(base=plan_request_to_proto(with_maintenance), scenarios=[
        pb.Scenario(name="fix", deltas=[delta_to_proto(d, with_maintenance) for d in deltas])])
    read = plan_request_to_domain(message.base, Settings())
    [(name, scenario)] = scenarios_from_proto(message, read)
    assert name == "fix" and scenario == apply_deltas(read, deltas)


def _two_machines() -> pb.CreatePlanRequest:
    """A (400 min, weight 2) and B (300 min), both due at 400, on an operation M1 and M2 can both run."""
    plant = request(["M1", "M2"], [product("P", ("op", ["M1", "M2"], 1.0))],
                    [order("A", "P", quantity=400, due=400, weight=2.0), order("B", "P", quantity=300, due=400)],
                    horizon=2 * DAY, workers=1)
    message = plan_request_to_proto(plant)
    message.options.time_limit.FromSeconds(5)
    message.options.skip_prediction_effects = True
    return message


def _assign(order_id: str, machine_id: str, operation_id: str = "op") -> pb.ScenarioDelta:
    return pb.ScenarioDelta(assign_machine=pb.MachineAssignment(order_id=order_id, operation_id=operation_id,
                                                                machine_id=machine_id))


def test_compare_scenarios_keeps_a_machine_assignment_even_where_it_costs_lateness(channel: grpc.Channel) -> None:
    """Both operations assigned to M1: the scenario's plan runs them there and one order becomes late, although
    the base plan (one order per machine) has none late."""
    stub = pb_grpc.PlanningServiceStub(channel)
    compared = stub.CompareScenarios(pb.CompareScenariosRequest(base=_two_machines(), scenarios=[
        pb.Scenario(name="one machine", deltas=[_assign("A", "M1"), _assign("B", "M1")])]), timeout=60)
    by_name = {r.name: r for r in compared.results}
    assert not any(r.tardiness.ToSeconds() > 0 for r in by_name["base"].plan.order_results)
    scenario = by_name["one machine"]
    assert {a.machine_id for a in scenario.plan.assignments} == {"M1"}
    assert scenario.orders_became_late == ["B"]  # A weighs twice as much, so it goes first


def test_a_bad_machine_assignment_is_invalid_argument_with_its_field(channel: grpc.Channel) -> None:
    stub = pb_grpc.PlanningServiceStub(channel)
    bad = pb.CompareScenariosRequest(base=_two_machines(), scenarios=[pb.Scenario(name="bad", deltas=[
        _assign("B", "M3"), _assign("B", "M2", operation_id="paint"), _assign("Z", "M1")])])
    with pytest.raises(grpc.RpcError) as caught:
        stub.CompareScenarios(bad, timeout=30)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert {v.field for v in bad_request_violations(caught.value)} == {
        "scenarios[0].deltas[0].assign_machine.machine_id", "scenarios[0].deltas[1].assign_machine.operation_id",
        "scenarios[0].deltas[2].assign_machine.order_id"}
