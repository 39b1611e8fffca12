"""Operators with skills over a real channel: a welding cell whose jobs need welders and a grinder comes back with
the people on every assignment, checker-valid, and the request round-trips through the store; bad skill input is
INVALID_ARGUMENT with a field violation each, and nothing is stored."""

from __future__ import annotations

import grpc
import pytest

from planner.checker import check_schedule
from planner.domain import PlanRequest, Product, Resource, ResourceNeed
from planner.testing import operation, order, request
from prodplan.v1 import planning_service_pb2 as pb
from prodplan.v1 import planning_service_pb2_grpc as pb_grpc
from service.demo import assignments_from_proto
from service.errors import bad_request_violations
from service.mapping import plan_request_to_proto


def _welding_cell() -> PlanRequest:
    """Three jobs on two welding robots and a bench; Kim and Lee weld, Lee and Choi grind."""
    weld, grind = ResourceNeed(skill="welding"), ResourceNeed(skill="grinding")
    steps = {"frame": (["R1", "R2"], [weld, grind]), "bracket": (["R1", "R2"], [weld]), "deburr": ([], [grind])}
    products = [Product(id=name, routing=[operation(f"{name}-op", machines, 1.0).model_copy(
        update={"resources": needs})]) for name, (machines, needs) in steps.items()]
    orders = [order(f"SO-{i}", name, 30, due=60) for i, name in enumerate(steps)]
    req = request(["R1", "R2"], products, orders, horizon=1440, time_limit=5.0)
    people = [Resource(id="kim", skills=["welding"]), Resource(id="lee", skills=["welding", "grinding"]),
              Resource(id="choi", skills=["grinding"])]
    return req.model_copy(update={"factory": req.factory.model_copy(update={"resources": people})})


def test_a_plan_with_skills_names_the_people_and_keeps_the_rule(channel: grpc.Channel) -> None:
    stub = pb_grpc.PlanningServiceStub(channel)
    req = _welding_cell()
    message = plan_request_to_proto(req)
    response = stub.CreatePlan(message, timeout=60)
    assert response.plan.status in (pb.PLAN_STATUS_OPTIMAL, pb.PLAN_STATUS_FEASIBLE)
    placed = assignments_from_proto(response.plan, req)
    assert check_schedule(req, placed) == []
    frame = next(a for a in response.plan.assignments if a.order_id == "SO-0")
    assert sorted(p.skill for p in frame.people) == ["grinding", "welding"]
    assert len({p.person_id for p in frame.people}) == 2
    stored = stub.GetPlan(pb.GetPlanRequest(plan_id=response.plan_id), timeout=10)
    assert stored.request.factory.resources == message.factory.resources
    assert [p.person_id for p in stored.plan.assignments[0].people] == \
        [p.person_id for p in response.plan.assignments[0].people]


def test_bad_skill_input_is_invalid_and_nothing_is_stored(channel: grpc.Channel) -> None:
    stub = pb_grpc.PlanningServiceStub(channel)
    message = plan_request_to_proto(_welding_cell())
    message.request_id = "skills-invalid"
    message.factory.resources[0].skills.append("welding")  # listed twice
    frame = message.factory.products[0].routing[0]
    frame.resources[0].quantity = 3  # three welders, two weld
    frame.resources.add(skill="painting")
    message.factory.products[1].routing[0].resources[0].resource_id = "kim"  # both an id and a skill
    before = len(stub.ListPlans(pb.ListPlansRequest(), timeout=10).plans)
    with pytest.raises(grpc.RpcError) as caught:
        stub.CreatePlan(message, timeout=30)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    violations = {v.field: v.reason for v in bad_request_violations(caught.value)}
    assert violations["factory.resources[0].skills"] == "a skill must not repeat"
    assert "only 2 have it" in violations["factory.products[0].routing[0].resources[0].quantity"]
    assert violations["factory.products[0].routing[0].resources[2].skill"] == "nobody has skill 'painting'"
    assert "not both" in violations["factory.products[1].routing[0].resources[0].skill"]
    assert len(stub.ListPlans(pb.ListPlansRequest(), timeout=10).plans) == before
    assert pb.Resource.DESCRIPTOR.fields_by_name["skills"].number == 15
    assert pb.ResourceNeed.DESCRIPTOR.fields_by_name["skill"].number == 15
    assert pb.Assignment.DESCRIPTOR.fields_by_name["people"].number == 35
