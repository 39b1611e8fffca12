"""More capacity of a resource in a shift over a real channel: CompareScenarios reads `extra_resource_capacity`,
the scenario's plan uses the extra setter, bad input is INVALID_ARGUMENT with the delta's fields, and the delta
reads back as the same change."""

from __future__ import annotations

import grpc
import pytest

from planner.domain import (
    PlanRequest,
    Product,
    Resource,
    ResourceNeed,
    Shift,
    ShiftCalendar,
    ShiftCapacity,
    TimeWindow,
)
from planner.replanning.deltas import ResourceCapacityChange
from planner.replanning.scenarios import apply_deltas
from planner.testing import operation, order, request
from prodplan.v1 import planning_service_pb2 as pb
from prodplan.v1 import planning_service_pb2_grpc as pb_grpc
from service.errors import bad_request_violations
from service.mapping import plan_request_to_domain, plan_request_to_proto
from service.scenario_mapping import delta_to_proto, scenarios_from_proto
from service.settings import Settings


def _plant() -> PlanRequest:
    """A and B (30 min each after a 30-min setup that needs a setter) on two machines, released at 500 in the late
    shift, which has one setter: the setups stagger and one of them ends at 590, 30 min after both are due."""
    calendar = ShiftCalendar(id="setters", shifts=[Shift(name="early", start_minute=0, length_minutes=480),
                                                   Shift(name="late", start_minute=480, length_minutes=480)],
                             working_days=[0, 1, 2, 3, 4, 5, 6])
    setter = Resource(id="setter", capacity=1, calendar_id="setters",
                      shift_capacities=[ShiftCapacity(shift="early", capacity=2)])
    need = ResourceNeed(resource_id="setter", setup_only=True)
    products = [Product(id=f"P-{op}", routing=[operation(op, [machine], 1.0, 30).model_copy(
        update={"resources": [need]})]) for op, machine in (("a", "M1"), ("b", "M2"))]
    base = request(["M1", "M2"], products, [order("A", "P-a", 30, release=500, due=560),
                                            order("B", "P-b", 30, release=500, due=560)], horizon=2880, workers=1)
    return base.model_copy(update={"factory": base.factory.model_copy(update={"resources": [setter],
                                                                              "calendars": [calendar]})})


def _message() -> pb.CreatePlanRequest:
    message = plan_request_to_proto(_plant())
    message.options.time_limit.FromSeconds(5)
    message.options.skip_prediction_effects = True
    return message


def _more(message: pb.CreatePlanRequest, resource_id: str = "setter", start: int = 480, end: int = 960,
          units: int = 1) -> pb.ScenarioDelta:
    window = pb.TimeWindow()
    window.start.FromSeconds(message.options.plan_start.seconds + start * 60)
    window.end.FromSeconds(message.options.plan_start.seconds + end * 60)
    return pb.ScenarioDelta(extra_resource_capacity=pb.ResourceCapacityChange(
        resource_id=resource_id, window=window, extra_units=units))


def test_one_more_setter_on_the_late_shift_puts_both_orders_on_time(channel: grpc.Channel) -> None:
    stub = pb_grpc.PlanningServiceStub(channel)
    base = _message()
    compared = stub.CompareScenarios(pb.CompareScenariosRequest(base=base, scenarios=[
        pb.Scenario(name="one more setter", deltas=[_more(base)])]), timeout=60)
    by_name = {r.name: r for r in compared.results}
    assert by_name["base"].kpis.late_orders == 1  # the base plan staggers the setups: one order 30 min late
    scenario = by_name["one more setter"]
    assert scenario.kpis.late_orders == 0 and len(scenario.orders_became_on_time) == 1
    assert not any(r.tardiness.ToSeconds() > 0 for r in scenario.plan.order_results)
    starts = {a.order_id: a.start.ToSeconds() for a in scenario.plan.assignments}
    assert starts["A"] == starts["B"]  # both setups at once: two setters


def test_bad_extra_resource_capacity_is_invalid_argument_with_its_fields(channel: grpc.Channel) -> None:
    stub = pb_grpc.PlanningServiceStub(channel)
    base = _message()
    no_window = pb.ScenarioDelta(extra_resource_capacity=pb.ResourceCapacityChange(resource_id="setter",
                                                                                   extra_units=1))
    bad = pb.CompareScenariosRequest(base=base, scenarios=[pb.Scenario(name="bad", deltas=[
        _more(base, resource_id="welder"), _more(base, units=0), _more(base, start=600, end=600), no_window])])
    with pytest.raises(grpc.RpcError) as caught:
        stub.CompareScenarios(bad, timeout=30)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert {v.field for v in bad_request_violations(caught.value)} == {
        "scenarios[0].deltas[0].extra_resource_capacity.resource_id",
        "scenarios[0].deltas[1].extra_resource_capacity.extra_units",
        "scenarios[0].deltas[2].extra_resource_capacity.window",
        "scenarios[0].deltas[3].extra_resource_capacity.window"}


def test_the_delta_reads_back_as_the_same_change() -> None:
    base = plan_request_to_domain(_message(), Settings())
    delta = ResourceCapacityChange(resource_id="setter", window=TimeWindow(start=480, end=960, reason="fix"),
                                   extra_units=2)
    message = pb.CompareScenariosRequest(base=plan_request_to_proto(base), scenarios=[
        pb.Scenario(name="more", deltas=[delta_to_proto(delta, base)])])
    [(name, scenario)] = scenarios_from_proto(message, plan_request_to_domain(message.base, Settings()))
    assert name == "more" and scenario == apply_deltas(base, [delta])
