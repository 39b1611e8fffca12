"""Operations that pause, over a real channel: a 12 h machining lot on an 8 h shift is INFEASIBLE ("without a
break") until its machine lets operations pause, then it plans across the night and the checker accepts the
plan; the flags round-trip (an unset `Operation.may_pause` means the machine's default, an explicit false
overrides it); a pausing flag that cannot hold is INVALID_ARGUMENT with a field violation and nothing stored."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import grpc
import pytest

from planner.calendar import availability_by_machine
from planner.checker import check_schedule
from planner.domain import Machine, PlanRequest, Product, Shift, ShiftCalendar
from planner.scheduling.rules.pausing import working_minutes
from planner.testing import operation, order, request
from prodplan.v1 import planning_service_pb2 as pb
from prodplan.v1 import planning_service_pb2_grpc as pb_grpc
from service.demo import assignments_from_proto
from service.errors import bad_request_violations
from service.mapping import plan_request_to_domain, plan_request_to_proto
from service.settings import Settings

SOLVED = (pb.PLAN_STATUS_OPTIMAL, pb.PLAN_STATUS_FEASIBLE)
WORK = 12 * 60


def _request(machine_pauses: bool, op_pauses: bool | None = None) -> PlanRequest:
    """CNC-1 works 06:00-14:00 every day; one order of one 12 h machining operation."""
    early = ShiftCalendar(id="early", shifts=[Shift(name="early", start_minute=360, length_minutes=480)],
                          working_days=list(range(7)))
    op = operation("OP20-machine", ["CNC-1"], run=float(WORK)).model_copy(update={"may_pause": op_pauses})
    req = request([Machine(id="CNC-1", calendar_id="early", operations_may_pause=machine_pauses)],
                  [Product(id="P", routing=[op])], [order("O1", "P", due=3 * 1440)], horizon=4 * 1440,
                  calendars=[early], time_limit=4.0)
    options = req.options.model_copy(update={"plan_start": datetime(2026, 1, 5, tzinfo=UTC)})
    return req.model_copy(update={"request_id": f"pausing-{machine_pauses}-{op_pauses}", "options": options})


def _message(req: PlanRequest) -> pb.CreatePlanRequest:
    message = plan_request_to_proto(req)
    message.options.time_limit.FromTimedelta(timedelta(seconds=4))
    return message


def test_a_lot_longer_than_a_shift_plans_across_the_night_when_it_may_pause(channel: grpc.Channel) -> None:
    stub = pb_grpc.PlanningServiceStub(channel)
    blocked = stub.CreatePlan(_message(_request(machine_pauses=False)), timeout=60)
    assert blocked.plan.status == pb.PLAN_STATUS_INFEASIBLE
    assert any("without a break" in reason for reason in blocked.plan.infeasibility_reasons)

    message = _message(_request(machine_pauses=True))
    req = plan_request_to_domain(message, Settings())
    assert req.factory.machines[0].operations_may_pause
    assert req.factory.products[0].routing[0].may_pause is None  # unset: the machine's default
    response = stub.CreatePlan(message, timeout=60)
    assert response.plan.status in SOLVED
    placed = assignments_from_proto(response.plan, req)
    assert check_schedule(req, placed) == []
    (lot,) = placed
    assert lot.end - lot.start > WORK  # it spans the night
    assert working_minutes(lot.start, lot.end, availability_by_machine(req)["CNC-1"]) == WORK
    stored = stub.GetPlan(pb.GetPlanRequest(plan_id=response.plan_id), timeout=10)
    assert stored.request.factory.machines[0].operations_may_pause
    assert not stored.request.factory.products[0].routing[0].HasField("may_pause")


def test_an_explicit_false_overrides_the_machine_default(channel: grpc.Channel) -> None:
    stub = pb_grpc.PlanningServiceStub(channel)
    message = _message(_request(machine_pauses=True, op_pauses=False))
    assert message.factory.products[0].routing[0].HasField("may_pause")
    assert plan_request_to_domain(message, Settings()).factory.products[0].routing[0].may_pause is False
    response = stub.CreatePlan(message, timeout=60)
    assert response.plan.status == pb.PLAN_STATUS_INFEASIBLE


def test_a_pausing_flag_that_cannot_hold_is_invalid_and_nothing_is_stored(channel: grpc.Channel) -> None:
    stub = pb_grpc.PlanningServiceStub(channel)
    message = _message(_request(machine_pauses=False))
    message.request_id = "pausing-invalid"
    message.factory.machines[0].batch_capacity = 100.0
    message.factory.machines[0].recipes.add(id="T6-A").cycle_time.FromTimedelta(timedelta(hours=6))
    message.factory.machines[0].operations_may_pause = True
    routing = message.factory.products[0].routing[0]
    routing.recipe = "T6-A"
    routing.may_pause = True
    before = len(stub.ListPlans(pb.ListPlansRequest(), timeout=10).plans)
    with pytest.raises(grpc.RpcError) as caught:
        stub.CreatePlan(message, timeout=30)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    violations = {v.field: v.reason for v in bad_request_violations(caught.value)}
    assert "cannot pause" in violations["factory.machines[0].operations_may_pause"]
    assert "cannot pause" in violations["factory.products[0].routing[0].may_pause"]
    assert len(stub.ListPlans(pb.ListPlansRequest(), timeout=10).plans) == before
