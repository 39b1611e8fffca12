"""Sequence rules over a real channel: CreatePlanRequest.sequence_rules are kept by the plan, the `run_before`
delta of CompareScenarios adds one, and bad rules are INVALID_ARGUMENT naming the rule's field."""

from __future__ import annotations

import grpc
import pytest

from planner.replanning.deltas import RunBefore
from planner.testing import order, product, request
from prodplan.v1 import planning_service_pb2 as pb
from prodplan.v1 import planning_service_pb2_grpc as pb_grpc
from service.errors import bad_request_violations
from service.mapping import plan_request_to_domain, plan_request_to_proto
from service.scenario_mapping import delta_to_proto, scenarios_from_proto
from service.settings import Settings


def _base() -> pb.CreatePlanRequest:
    """A (100 min) and B (100 min, weight 3), both due 100 min after plan start on M1: B goes first."""
    plant = request(["M1"], [product("P", ("op", ["M1"], 1.0))],
                    [order("A", "P", quantity=100, due=100), order("B", "P", quantity=100, due=100, weight=3.0)],
                    horizon=1000, workers=1)
    message = plan_request_to_proto(plant)
    message.options.time_limit.FromSeconds(5)
    message.options.skip_prediction_effects = True
    return message


def _a_before_b(after: str = "B", machine: str = "M1") -> pb.SequenceRule:
    return pb.SequenceRule(machine_id=machine, before_order_id="A", before_operation_id="op", after_order_id=after,
                           after_operation_id="op")


def _starts(plan: pb.Plan) -> dict[str, int]:
    return {a.order_id: a.start.ToSeconds() for a in plan.assignments}


def test_create_plan_keeps_the_request_s_sequence_rule(channel: grpc.Channel) -> None:
    stub = pb_grpc.PlanningServiceStub(channel)
    free = _starts(stub.CreatePlan(_base(), timeout=60).plan)
    ruled_message = _base()
    ruled_message.sequence_rules.append(_a_before_b())
    ruled = _starts(stub.CreatePlan(ruled_message, timeout=60).plan)
    assert free["B"] < free["A"] and ruled["A"] < ruled["B"]


def test_compare_scenarios_applies_run_before(channel: grpc.Channel) -> None:
    stub = pb_grpc.PlanningServiceStub(channel)
    compared = stub.CompareScenarios(pb.CompareScenariosRequest(base=_base(), scenarios=[
        pb.Scenario(name="A first", deltas=[pb.ScenarioDelta(run_before=_a_before_b())])]), timeout=60)
    by_name = {r.name: r for r in compared.results}
    assert _starts(by_name["A first"].plan)["A"] < _starts(by_name["A first"].plan)["B"]
    assert by_name["A first"].orders_became_late == ["B"] and by_name["A first"].orders_became_on_time == ["A"]


def test_bad_rules_and_run_before_deltas_are_invalid_argument_with_their_fields(channel: grpc.Channel) -> None:
    stub = pb_grpc.PlanningServiceStub(channel)
    bad = _base()
    bad.sequence_rules.extend([_a_before_b(machine="M9"), _a_before_b(after="A"), _a_before_b(after="Z")])
    with pytest.raises(grpc.RpcError) as caught:
        stub.CreatePlan(bad, timeout=30)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert {v.field for v in bad_request_violations(caught.value)} == {
        "sequence_rules[0].machine_id", "sequence_rules[1].after_order_id", "sequence_rules[2].after_order_id"}
    cycle = pb.CompareScenariosRequest(base=_base(), scenarios=[pb.Scenario(name="both ways", deltas=[
        pb.ScenarioDelta(run_before=_a_before_b()),
        pb.ScenarioDelta(run_before=pb.SequenceRule(machine_id="M1", before_order_id="B", before_operation_id="op",
                                                    after_order_id="A", after_operation_id="op"))])])
    with pytest.raises(grpc.RpcError) as caught:
        stub.CompareScenarios(cycle, timeout=30)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [v.field for v in bad_request_violations(caught.value)] == ["scenarios[0].deltas[1].run_before"]


def test_run_before_and_the_request_s_rules_read_back_as_the_same() -> None:
    message = _base()
    message.sequence_rules.append(_a_before_b())
    base = plan_request_to_domain(message, Settings())
    assert plan_request_to_proto(base).sequence_rules[0] == _a_before_b()
    delta = RunBefore(machine_id="M1", before_order_id="B", before_operation_id="op", after_order_id="A",
                      after_operation_id="op")
    unruled = plan_request_to_domain(_base(), Settings())
    compare = pb.CompareScenariosRequest(base=_base(), scenarios=[
        pb.Scenario(name="B first", deltas=[delta_to_proto(delta, unruled)])])
    [(name, scenario)] = scenarios_from_proto(compare, unruled)
    assert name == "B first" and [r.before_order_id for r in scenario.sequence_rules] == ["B"]
