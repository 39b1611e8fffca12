"""Time lags, transfer batches and work in progress over a real channel: the request round-trips
through the store, the plan keeps the rules, and bad input on the new fields is INVALID_ARGUMENT
with a field violation each and nothing stored."""

from __future__ import annotations

from datetime import timedelta

import grpc
import pytest

from planner.checker import check_schedule
from planner.domain import PlanRequest, Product, RunningOperation, WorkInProgress
from planner.testing import operation, order, request
from prodplan.v1 import planning_service_pb2 as pb
from prodplan.v1 import planning_service_pb2_grpc as pb_grpc
from service.demo import assignments_from_proto
from service.errors import bad_request_violations
from service.mapping import plan_request_to_proto, to_timestamp


def _plant() -> PlanRequest:
    """Cast -> heat (2 h to 4 h after casting) -> machine (30 min after) -> inspect (in batches of 10); A
    half-way (heat running 50 more minutes)."""
    routing = [operation("cast", ["DC-1", "DC-2"]),
               operation("heat", ["HT"], 0.5).model_copy(update={"min_lag_minutes": 120, "max_lag_minutes": 240}),
               operation("machine", ["CNC"], 1.5).model_copy(update={"min_lag_minutes": 30}),
               operation("inspect", ["QC"], 0.5).model_copy(update={"transfer_batch_units": 10})]
    progress = WorkInProgress(done_operation_ids=["cast"], running=RunningOperation(
        operation_id="heat", machine_id="HT", started=-30, remaining_minutes=50))
    orders = [order("A", "P", 40, due=200).model_copy(update={"work_in_progress": progress}),
              *(order(f"O{i}", "P", 30 + 10 * i, due=300 + 60 * i) for i in range(4))]
    return request(["DC-1", "DC-2", "HT", "CNC", "QC"], [Product(id="P", routing=routing)], orders, time_limit=3.0)


def test_a_plan_with_lags_and_work_in_progress_round_trips_and_keeps_both(channel: grpc.Channel) -> None:
    stub = pb_grpc.PlanningServiceStub(channel)
    req = _plant()
    message = plan_request_to_proto(req)
    response = stub.CreatePlan(message, timeout=60)
    assert response.plan.status in (pb.PLAN_STATUS_OPTIMAL, pb.PLAN_STATUS_FEASIBLE)
    placed = assignments_from_proto(response.plan, req)
    assert check_schedule(req, placed) == []
    by_key = {(a.order_id, a.operation_index): a for a in placed}
    assert ("A", 0) not in by_key and (by_key[("A", 1)].machine_id, by_key[("A", 1)].start) == ("HT", 0)
    assert by_key[("A", 2)].start >= by_key[("A", 1)].end + 30
    for i in range(4):
        gap = by_key[(f"O{i}", 1)].start - by_key[(f"O{i}", 0)].end
        assert 120 <= gap <= 240
    # Inspection takes machined parts in batches of 10: it starts before machining ends (checked above).
    assert all(by_key[(o, 3)].start < by_key[(o, 2)].end for o in ("A", "O0", "O1", "O2", "O3"))
    stored = stub.GetPlan(pb.GetPlanRequest(plan_id=response.plan_id), timeout=10)
    assert stored.request.orders[0].work_in_progress == message.orders[0].work_in_progress
    assert stored.request.factory.products[0].routing[1].max_lag.ToTimedelta() == timedelta(hours=4)
    assert stored.request.factory.products[0].routing[3].transfer_batch_units == 10


def test_bad_lags_and_work_in_progress_are_invalid_and_nothing_is_stored(channel: grpc.Channel) -> None:
    stub = pb_grpc.PlanningServiceStub(channel)
    message = plan_request_to_proto(_plant())
    message.request_id = "plant-rules-invalid"
    heat = message.factory.products[0].routing[1]
    heat.max_lag.FromTimedelta(timedelta(minutes=60))  # below the 2 h minimum
    message.factory.products[0].routing[2].min_lag.FromTimedelta(timedelta(minutes=-10))
    running = message.orders[0].work_in_progress.running
    running.machine_id = "HT-9"
    running.remaining.FromTimedelta(timedelta(0))
    message.orders[1].work_in_progress.done_operation_ids.append("heat")
    message.factory.products[0].routing[3].transfer_batch_units = -4
    before = len(stub.ListPlans(pb.ListPlansRequest(), timeout=10).plans)
    with pytest.raises(grpc.RpcError) as caught:
        stub.CreatePlan(message, timeout=30)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    violations = {v.field: v.reason for v in bad_request_violations(caught.value)}
    assert violations == {
        "factory.products[0].routing[1].max_lag": "is below the minimum lag (60 < 120 min)",
        "factory.products[0].routing[2].min_lag": "must not be negative",
        "factory.products[0].routing[3].transfer_batch_units": "must be more than 0",
        "orders[0].work_in_progress.running.machine_id": "unknown machine 'HT-9'",
        "orders[0].work_in_progress.running.remaining": "must be more than 0",
        "orders[1].work_in_progress.done_operation_ids":
            "must be the first operations of the routing, in order (cast); got heat",
    }
    assert len(stub.ListPlans(pb.ListPlansRequest(), timeout=10).plans) == before
    # Had the bad request been stored, the same request id with another request would be refused.
    valid = plan_request_to_proto(_plant())
    valid.request_id = message.request_id
    assert stub.CreatePlan(valid, timeout=60).plan.status in (pb.PLAN_STATUS_OPTIMAL, pb.PLAN_STATUS_FEASIBLE)


def test_a_replan_over_grpc_redoes_the_running_operation_its_breakdown_interrupts(channel: grpc.Channel) -> None:
    stub = pb_grpc.PlanningServiceStub(channel)
    req = _plant()
    created = stub.CreatePlan(plan_request_to_proto(req), timeout=60)
    start = req.options.plan_start
    breakdown = pb.MachineBreakdown(machine_id="HT", start=to_timestamp(start + timedelta(minutes=20)),
                                    expected_repair_end=to_timestamp(start + timedelta(minutes=200)))
    response = stub.Replan(pb.ReplanRequest(plan_id=created.plan_id, disruptions=[
        pb.Disruption(machine_breakdown=breakdown)], replan_time=breakdown.start), timeout=60)
    assert response.plan.status in (pb.PLAN_STATUS_OPTIMAL, pb.PLAN_STATUS_FEASIBLE)
    placed = {(a.order_id, a.operation_index): a for a in assignments_from_proto(response.plan, req)}
    heat = placed[("A", 1)]  # interrupted at minute 20: redone in full (40 units x 0.5 min) after the repair
    assert heat.machine_id == "HT" and heat.start >= 200 and heat.end - heat.start == 20
    assert any(c.order_id == "A" and c.operation_index == 1 and "interrupted" in c.reason for c in response.changes)
    for order_id in ("O0", "O1", "O2", "O3"):
        gap = placed[(order_id, 1)].start - placed[(order_id, 0)].end
        assert 120 <= gap <= 240
