"""Secondary resources over a real channel: `examples/plant_setters.json` (two die-casting cells with one die
per part, two machining centres and a CMM; setters, two on the early shift and one on the late one, for every
setup; inspectors for the CMM; inverter cases assembled by hand by two assemblers, on no machine) plans a schedule
that keeps every resource within its shift's capacity, the holds come back in the plan, manual work comes back on no
machine, the late order names the setter shortage with its fix, the request round-trips through the store, and bad
resource input is INVALID_ARGUMENT with a field violation each and nothing stored."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import grpc
import pytest
from plant_examples import SOLVED, as_domain, example_message

from planner.checker import check_schedule
from planner.domain import PlanRequest
from planner.scheduling.rules.resources import holds_of
from prodplan.v1 import planning_service_pb2 as pb
from prodplan.v1 import planning_service_pb2_grpc as pb_grpc
from service.demo import assignments_from_proto
from service.errors import bad_request_violations
from service.mapping import plan_request_to_proto


def _message() -> pb.CreatePlanRequest:
    return example_message("plant_setters.json")


def _domain(message: pb.CreatePlanRequest) -> PlanRequest:
    return as_domain(message)


def test_the_resource_example_plans_within_every_capacity_and_says_who_waited(channel: grpc.Channel) -> None:
    stub = pb_grpc.PlanningServiceStub(channel)
    message = _message()
    req = _domain(message)
    response = stub.CreatePlan(message, timeout=60)
    plan = response.plan
    assert plan.status in SOLVED
    placed = assignments_from_proto(plan, req)
    assert check_schedule(req, placed) == []
    # the holds in the answer are what the schedule holds: one per (operation, need)
    expected = Counter((h.resource_id, h.order_id, h.operation_id) for h in holds_of(req, placed))
    assert Counter((h.resource_id, h.order_id, h.operation_id) for h in plan.resource_holds) == expected
    resources = {h.resource_id for h in plan.resource_holds}
    assert resources == {"setter", "inspectors", "assemblers", "die-MH800", "die-INV"}
    manual = [a for a in plan.assignments if a.operation_id == "OP40-assemble"]  # by two assemblers, on no machine
    assert len(manual) == 3 and all(a.machine_id == "" for a in manual)
    setups = [h for h in plan.resource_holds if h.setup_only]
    assert setups and all(h.resource_id == "setter" for h in setups)
    for hold in setups:  # a setter holds for the setup only: cast 45-60 min, machining 30 min
        assert timedelta(minutes=30) <= hold.end.ToDatetime() - hold.start.ToDatetime() <= timedelta(minutes=60)
    # one setter on the late shift: of the two lots released at 14:00 one waits for the other's setup
    shortages = [e for e in plan.late_orders if e.reason_code == "RESOURCE_SHORTAGE"]
    assert shortages, [(e.reason_code, e.reason) for e in plan.late_orders]
    assert "setter" in shortages[0].reason and shortages[0].fix.startswith("One more setter from Mon 02 Mar 14:00")
    assert shortages[0].fix_saves.ToTimedelta() > timedelta(0)
    stored = stub.GetPlan(pb.GetPlanRequest(plan_id=response.plan_id), timeout=10)
    assert stored.request.factory.resources == message.factory.resources
    assert stored.request.factory.products[0].routing[0].resources == message.factory.products[0].routing[0].resources


def test_bad_resource_input_is_invalid_and_nothing_is_stored(channel: grpc.Channel) -> None:
    stub = pb_grpc.PlanningServiceStub(channel)
    message = _message()
    message.request_id = "resources-invalid"
    setters = message.factory.resources[0]
    assert setters.id == "setter"
    setters.capacity = -1
    setters.shift_capacities[0].capacity = -2
    setters.shift_capacities.add(shift="night", capacity=1)
    message.factory.resources[1].calendar_id = "nights"
    message.factory.resources.add(id="die-MH800")  # a second resource with the same id
    cast = message.factory.products[0].routing[0]
    cast.resources[1].resource_id = "crane"
    cast.resources.add(resource_id="die-INV", quantity=2)
    message.factory.products[1].routing[1].resources[0].quantity = -1
    before = len(stub.ListPlans(pb.ListPlansRequest(), timeout=10).plans)
    with pytest.raises(grpc.RpcError) as caught:
        stub.CreatePlan(message, timeout=30)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    violations = {v.field: v.reason for v in bad_request_violations(caught.value)}
    assert violations["factory.resources[0].capacity"] == "must not be negative"
    assert violations["factory.resources[0].shift_capacities[0].capacity"] == "must not be negative"
    assert violations["factory.resources[0].shift_capacities[1].shift"] == \
        "no shift 'night' in the resource's calendar"
    assert violations["factory.resources[1].calendar_id"] == "unknown calendar 'nights'"
    assert "die-MH800" in violations["factory.resources[5].id"]
    assert violations["factory.products[0].routing[0].resources[1].resource_id"] == "unknown resource 'crane'"
    assert "has at most 1" in violations["factory.products[0].routing[0].resources[2].quantity"]
    assert violations["factory.products[1].routing[1].resources[0].quantity"] == "must be more than 0"
    assert len(stub.ListPlans(pb.ListPlansRequest(), timeout=10).plans) == before


def test_resource_fields_round_trip_and_unset_means_one() -> None:
    message = _message()
    req = _domain(message)
    setters = next(r for r in req.factory.resources if r.id == "setter")
    assert setters.capacity == 1 and setters.calendar_id == "two-shifts"
    assert [(s.shift, s.capacity) for s in setters.shift_capacities] == [("early", 2)]
    assert _domain(plan_request_to_proto(req)) == req
    message.factory.resources[3].ClearField("capacity")  # a die: unset capacity is one
    message.factory.resources.add(id="die-spare", capacity=0)  # set to 0: not there (yet)
    message.factory.products[0].routing[0].resources[1].ClearField("quantity")
    req = _domain(message)
    assert [(r.id, r.capacity) for r in req.factory.resources[3:]] == [("die-MH800", 1), ("die-INV", 1),
                                                                       ("die-spare", 0)]
    assert req.factory.products[0].routing[0].resources[1].quantity == 1
    assert pb.Factory.DESCRIPTOR.fields_by_name["resources"].number == 7
    assert pb.Operation.DESCRIPTOR.fields_by_name["resources"].number == 11
    assert pb.Plan.DESCRIPTOR.fields_by_name["resource_holds"].number == 25
