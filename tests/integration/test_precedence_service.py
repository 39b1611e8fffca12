"""The precedence graph over a real channel: a product whose housing and cover are made side by side and then
fitted together plans it, keeps every link's lags (the checker agrees), the graph
round-trips through the store, and a bad graph (a cycle, an unknown or self link, a maximum lag below the
minimum) is INVALID_ARGUMENT with a field violation each and nothing stored."""

from __future__ import annotations

from datetime import timedelta

import grpc
import pytest

from planner.checker import check_schedule
from planner.domain import PlanRequest, PrecedenceRelation, Predecessor, Product
from planner.testing import operation, order, request
from prodplan.v1 import planning_service_pb2 as pb
from prodplan.v1 import planning_service_pb2_grpc as pb_grpc
from service.demo import assignments_from_proto
from service.errors import bad_request_violations
from service.mapping import plan_request_to_domain, plan_request_to_proto
from service.settings import Settings

SOLVED = (pb.PLAN_STATUS_OPTIMAL, pb.PLAN_STATUS_FEASIBLE)


def _plant() -> PlanRequest:
    """Cast the housing (DC) while the cover is machined (CNC), in either order; fit both (ASM) at least 30 min
    after the cast (cooling) and within 2 h of it; inspect (QC) starting 10 min after the fit starts."""
    routing = [
        operation("cast", ["DC"], 1.0),
        operation("cover", ["CNC"], 1.5),
        operation("fit", ["ASM"], 0.5).model_copy(update={"predecessors": [
            Predecessor(operation_id="cast", min_lag_minutes=30, max_lag_minutes=120),
            Predecessor(operation_id="cover")]}),
        operation("inspect", ["QC"], 0.5).model_copy(update={"predecessors": [
            Predecessor(operation_id="fit", relation=PrecedenceRelation.START_TO_START, min_lag_minutes=10)]}),
    ]
    orders = [order(f"O{i}", "P", 20 + 10 * i, due=150 + 60 * i) for i in range(4)]
    return request(["DC", "CNC", "ASM", "QC"], [Product(id="P", routing=routing)], orders, time_limit=3.0)


def test_a_graph_routing_plans_its_branches_side_by_side_and_keeps_every_link(channel: grpc.Channel) -> None:
    stub = pb_grpc.PlanningServiceStub(channel)
    req = _plant()
    message = plan_request_to_proto(req)
    response = stub.CreatePlan(message, timeout=60)
    assert response.plan.status in SOLVED
    placed = assignments_from_proto(response.plan, req)
    assert check_schedule(req, placed) == []
    by_key = {(a.order_id, a.operation_id): a for a in placed}
    for i in range(4):
        cast, cover, fit = (by_key[(f"O{i}", name)] for name in ("cast", "cover", "fit"))
        assert 30 <= fit.start - cast.end <= 120 and fit.start >= cover.end
        assert by_key[(f"O{i}", "inspect")].start - fit.start >= 10
    stored = stub.GetPlan(pb.GetPlanRequest(plan_id=response.plan_id), timeout=10)
    fit_links = stored.request.factory.products[0].routing[2].predecessors
    assert [link.operation_id for link in fit_links] == ["cast", "cover"]
    assert fit_links[0].max_lag.ToTimedelta() == timedelta(hours=2)
    inspect = stored.request.factory.products[0].routing[3].predecessors[0]
    assert inspect.relation == pb.PRECEDENCE_RELATION_START_TO_START
    assert plan_request_to_domain(stored.request, Settings()).factory == req.factory


def test_a_bad_graph_is_invalid_with_a_field_each_and_nothing_is_stored(channel: grpc.Channel) -> None:
    stub = pb_grpc.PlanningServiceStub(channel)
    message = plan_request_to_proto(_plant())
    message.request_id = "precedence-invalid"
    routing = message.factory.products[0].routing
    routing[0].predecessors.add(operation_id="inspect")  # cast after inspect: a cycle cast -> fit -> inspect
    routing[1].predecessors.add(operation_id="cover")
    routing[1].predecessors.add(operation_id="paint")
    routing[2].predecessors[0].max_lag.FromTimedelta(timedelta(minutes=20))  # below the 30 min minimum
    before = len(stub.ListPlans(pb.ListPlansRequest(), timeout=10).plans)
    with pytest.raises(grpc.RpcError) as caught:
        stub.CreatePlan(message, timeout=30)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    violations = {v.field: v.reason for v in bad_request_violations(caught.value)}
    path = "factory.products[0].routing"
    assert violations[f"{path}[1].predecessors[0].operation_id"] == "operation 'cover' cannot precede itself"
    assert "unknown operation 'paint'" in violations[f"{path}[1].predecessors[1].operation_id"]
    assert violations[f"{path}[2].predecessors[0].max_lag"] == "is below the minimum lag (20 < 30 min)"
    cycle = [reason for reason in violations.values() if "cycle" in reason]
    assert cycle and all(name in cycle[0] for name in ("cast", "fit", "inspect")), violations
    assert len(stub.ListPlans(pb.ListPlansRequest(), timeout=10).plans) == before


def test_an_unknown_relation_is_a_field_violation_not_a_silent_default(channel: grpc.Channel) -> None:
    message = plan_request_to_proto(_plant())
    message.factory.products[0].routing[2].predecessors[0].relation = 7  # type: ignore[assignment]  # a value this API does not define
    with pytest.raises(grpc.RpcError) as caught:
        pb_grpc.PlanningServiceStub(channel).CreatePlan(message, timeout=30)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    violations = {v.field: v.reason for v in bad_request_violations(caught.value)}
    assert violations == {"factory.products[0].routing[2].predecessors[0].relation":
                          "must be END_TO_START or START_TO_START"}


def test_predecessor_field_numbers_are_the_allotted_ones() -> None:
    assert pb.Operation.DESCRIPTOR.fields_by_name["predecessors"].number == 15
    assert [f.number for f in pb.Predecessor.DESCRIPTOR.fields] == [1, 2, 3, 4]
