"""CompareScenarios and Replan mapping: the example reads back into the scenarios it describes, every
violation comes back at once with its API path, and comparisons and re-plans map out completely."""

from __future__ import annotations

from datetime import timedelta

import pytest
from google.protobuf import duration_pb2, json_format

from planner.domain import PlanRequest, RiskPolicy, TimeWindow
from planner.plan import create_plan
from planner.replanning.replan import MachineBreakdown, replan
from planner.replanning.scenarios import MachineDown, apply_deltas
from planner.solution import PlanResult
from planner.testing import order, product, request
from prodplan.v1 import planning_service_pb2 as pb
from service.errors import InvalidArgumentError
from service.mapping import plan_request_to_domain, plan_request_to_proto, plan_to_proto, to_timestamp
from service.scenario_mapping import (
    MAX_SCENARIOS,
    compare_scenarios_example,
    comparison_to_proto,
    disruptions_from_proto,
    released_plan_from_proto,
    replan_to_proto,
    scenarios_from_proto,
)
from service.settings import Settings


def _small() -> PlanRequest:
    return request(["M1", "M2"], [product("P", ("cut", ["M1", "M2"], 1.0))],
                   [order("A", "P", 100, due=100), order("B", "P", 100, due=100), order("C", "P", 50, due=300)],
                   time_limit=3.0)


def _stamp(req: PlanRequest, minute: int) -> object:
    return to_timestamp(req.options.plan_start + timedelta(minutes=minute))


def _fields(caught: pytest.ExceptionInfo[InvalidArgumentError]) -> list[str]:
    return [v.field for v in caught.value.violations]


# --- CompareScenarios ---------------------------------------------------------------------------

def test_the_example_reads_back_into_its_scenarios() -> None:
    example = compare_scenarios_example()
    assert json_format.Parse(json_format.MessageToJson(example), pb.CompareScenariosRequest()) == example
    assert {r.machine_id for r in example.base.machine_risks} == {"CNC-2", "DC-3"}
    base = plan_request_to_domain(example.base, Settings())
    scenarios = dict(scenarios_from_proto(example, base))
    assert list(scenarios) == ["rush order", "CNC-2 down for a shift", "demand +20%", "Saturday overtime on CNC-2",
                               "risk-aware: chance reserve", "risk-aware: preventive maintenance"]
    rush = scenarios["rush order"].orders[-1]
    assert (rush.id, rush.quantity, rush.weight, rush.release) == ("SO-99001", 60, 3.0, 1440)
    down = scenarios["CNC-2 down for a shift"].factory.machine("CNC-2").maintenance_windows[-1]
    assert (down.start, down.end) == (2880, 2880 + 480)
    scaled = scenarios["demand +20%"]
    assert all(after.quantity == -(-before.quantity * 6 // 5) for before, after in zip(base.orders, scaled.orders,
                                                                                      strict=True))
    overtime = scenarios["Saturday overtime on CNC-2"].factory.machine("CNC-2").extra_working_windows
    assert [(w.start, w.end) for w in overtime] == [(5 * 1440, 5 * 1440 + 480)]
    assert scenarios["risk-aware: chance reserve"].options.risk_policy == RiskPolicy.CHANCE_RESERVE


def test_every_scenario_problem_comes_back_at_once() -> None:
    message = pb.CompareScenariosRequest(base=plan_request_to_proto(_small()))
    message.scenarios.add(name="", deltas=[pb.ScenarioDelta()])
    message.scenarios.add(name="down", deltas=[
        pb.ScenarioDelta(cancel_order_id="A"),
        pb.ScenarioDelta(machine_down=pb.MachineDown(machine_id="CNC-9", window=pb.TimeWindow(
            start=_stamp(_small(), 0), end=_stamp(_small(), 60)))),
        pb.ScenarioDelta(change_quantity=pb.QuantityChange(order_id="A", quantity=5)),
        pb.ScenarioDelta(demand_scale=pb.DemandScale(factor=-1.0)),
        pb.ScenarioDelta(extra_working_time=pb.ExtraWorkingTime(machine_id="M1")),
        pb.ScenarioDelta(add_order=pb.Order(id="N", product_id="P", quantity=1)),
    ])
    message.scenarios.add(name="down")
    message.scenarios.add(name="base")
    with pytest.raises(InvalidArgumentError) as caught:
        scenarios_from_proto(message, _small())
    assert _fields(caught) == [
        "scenarios[0].name", "scenarios[2].name", "scenarios[3].name",
        "scenarios[0].deltas[0]",
        "scenarios[1].deltas[4].extra_working_time.window",
        "scenarios[1].deltas[5].add_order.due_time",
        "scenarios[1].deltas[1].machine_down.machine_id",
        "scenarios[1].deltas[2].change_quantity.order_id",
        "scenarios[1].deltas[3].demand_scale.factor",
    ]
    reasons = {v.field: v.reason for v in caught.value.violations}
    assert reasons["scenarios[2].name"] == "duplicate scenario name 'down'"
    assert reasons["scenarios[1].deltas[1].machine_down.machine_id"] == "unknown machine 'CNC-9'"


def test_scenario_count_is_limited() -> None:
    message = pb.CompareScenariosRequest(base=plan_request_to_proto(_small()))
    with pytest.raises(InvalidArgumentError) as caught:
        scenarios_from_proto(message, _small())
    assert _fields(caught) == ["scenarios"]
    for index in range(MAX_SCENARIOS + 1):
        message.scenarios.add(name=f"s{index}")
    with pytest.raises(InvalidArgumentError) as caught:
        scenarios_from_proto(message, _small())
    assert caught.value.violations[0].reason == f"at most {MAX_SCENARIOS} scenarios per request (got 17)"


def _solved(req: PlanRequest) -> PlanResult:
    plan = create_plan(req)
    assert plan.status.has_solution
    return plan


def test_a_comparison_maps_out_with_the_base_first_and_scenario_plans() -> None:
    base = _small()
    down = apply_deltas(base, [MachineDown(machine_id="M1", window=TimeWindow(start=0, end=150))])
    response = comparison_to_proto("cmp-1", base, _solved(base), [("M1 down", down, _solved(down))])
    assert response.comparison_id == "cmp-1" and [r.name for r in response.results] == ["base", "M1 down"]
    first, second = response.results
    assert not first.HasField("plan") and first.kpis.late_orders == 0 and not first.load_changes
    assert second.plan.assignments and second.status in (pb.PLAN_STATUS_OPTIMAL, pb.PLAN_STATUS_FEASIBLE)
    assert second.orders_became_late == ["B"] or second.orders_became_late == ["A"]
    assert second.bottleneck_machine_id in ("M1", "M2") and second.bottleneck_utilization > 0.5
    changes = {c.machine_id: c.busy_time_change.ToTimedelta() for c in second.load_changes}
    assert sum(changes.values(), timedelta()) == timedelta() and all(changes.values())


# --- Replan -------------------------------------------------------------------------------------

def test_disruptions_read_with_the_api_defaults() -> None:
    stored = _small()
    message = pb.ReplanRequest(plan_id="p", frozen_window=duration_pb2.Duration(seconds=3600),
                               time_limit=duration_pb2.Duration(seconds=900))
    message.disruptions.add(machine_breakdown=pb.MachineBreakdown(machine_id="M1", start=_stamp(stored, 40),
                                                                  expected_repair_end=_stamp(stored, 500)))
    message.disruptions.add(scrapped_lot=pb.ScrappedLot(order_id="A", scrapped_quantity=10))
    message.disruptions.add(due_date_change=pb.DueDateChange(order_id="C", new_due_time=_stamp(stored, 200)))
    message.disruptions.add(rush_order=pb.Order(id="R", product_id="P", quantity=5, due_time=_stamp(stored, 90)))
    read = disruptions_from_proto(message, stored, Settings(max_time_limit_s=60))
    assert (read.replan_at, read.frozen_minutes, read.move_cost, read.machine_change_cost) == (40, 60, 5.0, 30.0)
    assert read.request.options.time_limit_seconds == 60
    assert read.disruptions[0] == MachineBreakdown(machine_id="M1", start=40, repair_end=500)
    assert [d.kind for d in read.disruptions] == ["machine_breakdown", "scrapped_lot", "due_date_change",
                                                  "rush_order"]


def test_every_disruption_problem_comes_back_at_once() -> None:
    stored = _small()
    message = pb.ReplanRequest(plan_id="p", frozen_window=duration_pb2.Duration(seconds=-60), move_cost=-2.0,
                               time_limit=duration_pb2.Duration(seconds=0))
    message.disruptions.add()
    message.disruptions.add(machine_breakdown=pb.MachineBreakdown(machine_id="CNC-9", start=_stamp(stored, 50),
                                                                  expected_repair_end=_stamp(stored, 10)))
    message.disruptions.add(scrapped_lot=pb.ScrappedLot(order_id="NOPE", scrapped_quantity=1))
    message.disruptions.add(rush_order=pb.Order(id="R", product_id="P", quantity=5))
    message.disruptions.add(due_date_change=pb.DueDateChange(order_id="A"))
    with pytest.raises(InvalidArgumentError) as caught:
        disruptions_from_proto(message, stored)
    assert _fields(caught) == [
        "disruptions[0]", "disruptions[3].rush_order.due_time", "disruptions[4].due_date_change.new_due_time",
        "time_limit", "frozen_window", "move_cost",
        "disruptions[1].machine_breakdown.machine_id", "disruptions[1].machine_breakdown.expected_repair_end",
        "disruptions[2].scrapped_lot.order_id",
    ]
    no_time = pb.ReplanRequest(plan_id="p")
    no_time.disruptions.add(scrapped_lot=pb.ScrappedLot(order_id="A", scrapped_quantity=1))
    with pytest.raises(InvalidArgumentError) as caught:
        disruptions_from_proto(no_time, stored)
    assert _fields(caught) == ["replan_time"]


def test_a_replan_maps_out_with_every_change() -> None:
    stored = plan_request_to_domain(plan_request_to_proto(_small()), Settings())
    released = released_plan_from_proto(plan_to_proto(stored, _solved(stored)), stored)
    assert released.status.has_solution and released.kpis is not None and len(released.assignments) == 3
    result = replan(stored, released, [MachineBreakdown(machine_id="M1", start=40, repair_end=500)], replan_at=40)
    response = replan_to_proto("new", "old", result)
    assert (response.plan_id, response.parent_plan_id) == ("new", "old")
    assert response.unchanged_operations == result.unchanged and response.summary == result.summary
    assert len(response.changes) == len(result.changes) >= 1
    for change, entry in zip(result.changes, response.changes, strict=True):
        assert (entry.change, entry.reason, entry.order_id) == (change.change, change.reason, change.order_id)
        assert entry.new_start == _stamp(stored, change.new_start)  # type: ignore[arg-type]
    assert len(response.plan.assignments) == 3


def test_maintenance_changes_map_out_with_unset_times_where_there_are_none() -> None:
    from planner.replanning.replan import MaintenanceChange

    stored = plan_request_to_domain(plan_request_to_proto(_small()), Settings())
    released = released_plan_from_proto(plan_to_proto(stored, _solved(stored)), stored)
    result = replan(stored, released, [MachineBreakdown(machine_id="M1", start=40, repair_end=500)], replan_at=40)
    result = result.model_copy(update={"maintenance_changes": [
        MaintenanceChange(machine_id="M1", change="MOVED", old_start=100, new_start=600, reason="down"),
        MaintenanceChange(machine_id="M2", change="ADDED", new_start=50, reason="new")]})
    moved, added = replan_to_proto("new", "old", result).maintenance_changes
    assert (moved.machine_id, moved.change, moved.reason) == ("M1", "MOVED", "down")
    assert moved.old_start == _stamp(stored, 100) and moved.new_start == _stamp(stored, 600)  # type: ignore[arg-type]
    assert not added.HasField("old_start") and added.new_start == _stamp(stored, 50)  # type: ignore[arg-type]
