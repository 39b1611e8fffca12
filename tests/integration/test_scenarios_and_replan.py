"""CompareScenarios and Replan over a real channel: the KPI table, bad input, changes after a breakdown."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from pathlib import Path

import grpc
import pytest
from conftest import ServerHandle
from google.protobuf import json_format

from planner.demo_factory import demo_request
from prodplan.v1 import planning_service_pb2 as pb
from prodplan.v1 import planning_service_pb2_grpc as pb_grpc
from service.errors import bad_request_violations
from service.mapping import plan_request_to_proto, to_datetime, to_timestamp

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _example(time_limit_s: float = 1.0) -> pb.CompareScenariosRequest:
    message = json_format.Parse((EXAMPLES / "compare_scenarios.json").read_text(encoding="utf-8"),
                                pb.CompareScenariosRequest())
    message.request_id = ""
    message.base.options.time_limit.FromMilliseconds(int(time_limit_s * 1000))
    message.base.options.skip_prediction_effects = False
    return message


def test_compare_scenarios_returns_the_kpi_table_and_what_changed(channel: grpc.Channel) -> None:
    request = _example()
    response = pb_grpc.PlanningServiceStub(channel).CompareScenarios(request, timeout=120)
    names = [r.name for r in response.results]
    assert names == ["base", *(s.name for s in request.scenarios)]
    by_name = {r.name: r for r in response.results}
    assert all(r.status in (pb.PLAN_STATUS_OPTIMAL, pb.PLAN_STATUS_FEASIBLE) for r in response.results)
    assert all(r.bottleneck_machine_id and 0 < r.bottleneck_utilization <= 1 for r in response.results)
    assert by_name["demand +20%"].kpis.processed_units > by_name["base"].kpis.processed_units
    down = by_name["CNC-2 down for a shift"]
    assert any(c.machine_id == "CNC-2" for c in down.load_changes)
    # Risk-blind base against risk-aware planning: lower exposure, and the plan says what it did and why.
    aware = by_name["risk-aware: chance reserve"]
    assert aware.kpis.risk_exposure_hours < by_name["base"].kpis.risk_exposure_hours
    assert aware.load_changes and any(a.policy == "CHANCE_RESERVE" for a in aware.plan.policy_actions)
    assert aware.plan.prediction_effects and "breakdown" in aware.plan.prediction_effects[0].summary
    stored = pb_grpc.PlanningServiceStub(channel).GetPlan(pb.GetPlanRequest(plan_id=response.comparison_id))
    assert stored.kind == "comparison" and stored.comparison == response


def test_bad_scenarios_are_invalid_argument_with_every_violation(channel: grpc.Channel) -> None:
    stub = pb_grpc.PlanningServiceStub(channel)
    empty = _example()
    del empty.scenarios[:]
    with pytest.raises(grpc.RpcError) as caught:
        stub.CompareScenarios(empty, timeout=30)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [v.field for v in bad_request_violations(caught.value)] == ["scenarios"]
    unknown = _example()
    unknown.scenarios[1].deltas[0].machine_down.machine_id = "CNC-9"
    with pytest.raises(grpc.RpcError) as caught:
        stub.CompareScenarios(unknown, timeout=30)
    fields = [v.field for v in bad_request_violations(caught.value)]
    assert fields == ["scenarios[1].deltas[0].machine_down.machine_id"]


def _released_plan(stub: pb_grpc.PlanningServiceStub) -> tuple[pb.CreatePlanRequest, pb.CreatePlanResponse]:
    request = demo_request(time_limit_seconds=2.0, num_workers=1)
    message = plan_request_to_proto(request.model_copy(update={"orders": request.orders[:20]}))
    message.options.skip_prediction_effects = True
    return message, stub.CreatePlan(message, timeout=60)


def test_replan_after_a_breakdown_keeps_what_it_can_and_reports_each_change(channel: grpc.Channel) -> None:
    stub = pb_grpc.PlanningServiceStub(channel)
    _, created = _released_plan(stub)
    start = to_datetime(created.plan.plan_start)
    breakdown = pb.MachineBreakdown(machine_id="CNC-3", start=to_timestamp(start + timedelta(minutes=600)),
                                    expected_repair_end=to_timestamp(start + timedelta(minutes=1600)))
    response = stub.Replan(pb.ReplanRequest(plan_id=created.plan_id, disruptions=[
        pb.Disruption(machine_breakdown=breakdown)]), timeout=120)
    assert response.parent_plan_id == created.plan_id and response.plan.status in (
        pb.PLAN_STATUS_OPTIMAL, pb.PLAN_STATUS_FEASIBLE)
    before = {(a.order_id, a.operation_index): a for a in created.plan.assignments}
    ended_before = {k for k, a in before.items() if to_datetime(a.end) <= to_datetime(breakdown.start)}
    changed = {(c.order_id, c.operation_index) for c in response.changes}
    assert ended_before and not (ended_before & changed), "operations that ended before the breakdown moved"
    assert all(c.reason for c in response.changes)
    on_cnc3 = [a for a in response.plan.assignments if a.machine_id == "CNC-3"]
    assert all(to_datetime(a.end) <= to_datetime(breakdown.start) or to_datetime(a.start) >=
               to_datetime(breakdown.expected_repair_end) for a in on_cnc3)
    assert response.unchanged_operations + len([c for c in response.changes if c.change != "ADDED"]) == len(before)
    stored = stub.GetPlan(pb.GetPlanRequest(plan_id=response.plan_id), timeout=10)
    assert stored.kind == "replan" and stored.parent_plan_id == created.plan_id and stored.plan == response.plan


def test_replan_of_an_unknown_plan_is_a_field_violation(planning_server: ServerHandle) -> None:
    with grpc.insecure_channel(planning_server.address) as channel, pytest.raises(grpc.RpcError) as caught:
        pb_grpc.PlanningServiceStub(channel).Replan(pb.ReplanRequest(plan_id="no-such-plan"), timeout=30)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [v.field for v in bad_request_violations(caught.value)] == ["plan_id"]


def test_examples_are_valid_json_requests() -> None:
    for name in ("create_plan.json", "compare_scenarios.json"):
        assert json.loads((EXAMPLES / name).read_text(encoding="utf-8"))


def test_replan_answers_within_its_deadline_whatever_the_time_limit(channel: grpc.Channel) -> None:
    """The stored plan's 120 s limit carries over to the re-plan; an 8 s RPC deadline caps it (as a 20 s one
    capped the plan itself)."""
    stub = pb_grpc.PlanningServiceStub(channel)
    request = demo_request(time_limit_seconds=120.0, num_workers=1)
    message = plan_request_to_proto(request.model_copy(update={"request_id": "replan-within-deadline"}))
    message.options.skip_prediction_effects = True
    created = stub.CreatePlan(message, timeout=20.0)
    start = to_datetime(created.plan.plan_start)
    breakdown = pb.MachineBreakdown(machine_id="CNC-3", start=to_timestamp(start + timedelta(minutes=600)),
                                    expected_repair_end=to_timestamp(start + timedelta(minutes=1600)))
    began = time.monotonic()
    response = stub.Replan(pb.ReplanRequest(plan_id=created.plan_id, disruptions=[
        pb.Disruption(machine_breakdown=breakdown)]), timeout=8.0)
    assert time.monotonic() - began < 8.0
    assert response.plan.status in (pb.PLAN_STATUS_OPTIMAL, pb.PLAN_STATUS_FEASIBLE)
