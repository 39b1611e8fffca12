"""One binding / non-binding pair per lot-sizing rule, on instances small enough to solve by hand.

Each test states the plan a planner would expect and asserts on the rule's effect (setups, stock,
backlog, overtime), not on one exact plan where several are optimal. Every solve runs the checker.
"""

from __future__ import annotations

import highspy
import pytest

from planner.lotsizing import LotSizingInstance, LotSizingItem, LotSizingOperation, LotSizingOptions
from planner.lotsizing.backend import map_highs_status
from planner.status import SolveStatus
from tests.planner.conftest_lotsizing import FAST, instance, item, resource, solve_checked


@pytest.mark.parametrize(("setup_cost", "setups"), [(5.0, 2), (50.0, 1)])
def test_setup_cost_trades_setups_against_holding(setup_cost: float, setups: int) -> None:
    # Two buckets of 10 units, holding 1 per unit-bucket: a second setup pays off only below 10.
    problem = instance([item(demand=[10, 10], setup_cost=setup_cost, holding_cost=1.0)], [resource([100, 100])])
    result = solve_checked(problem)
    assert result.status == SolveStatus.OPTIMAL
    assert sum(result.item_plan("bracket").setup) == setups
    assert result.objective == pytest.approx(min(2 * setup_cost, setup_cost + 10.0))


@pytest.mark.parametrize(("setup_minutes", "stock_after_first"), [(5.0, 0.0), (20.0, 10.0)])
def test_setup_time_consumes_capacity(setup_minutes: float, stock_after_first: float) -> None:
    # 90 units due in bucket 1 and 100 minutes per bucket: a 20-minute setup leaves room for 80 only.
    problem = instance([item(demand=[0, 90], setup_minutes=setup_minutes, setup_cost=1.0, holding_cost=1.0)],
                       [resource([100, 100])])
    result = solve_checked(problem)
    assert result.status == SolveStatus.OPTIMAL
    assert result.item_plan("bracket").inventory[0] == pytest.approx(stock_after_first)


@pytest.mark.parametrize(("capacity", "late"), [([100, 100], 0.0), ([50, 100], 50.0)])
def test_backlog_when_capacity_falls_short(capacity: list[float], late: float) -> None:
    problem = instance([item(demand=[100, 0], backlog_cost=2.0, holding_cost=1.0)], [resource(capacity)])
    result = solve_checked(problem)
    assert result.status == SolveStatus.OPTIMAL
    assert result.item_plan("bracket").backlog == pytest.approx([late, 0.0])
    assert result.cost is not None and result.cost.backlog == pytest.approx(2.0 * late)


def test_no_backlog_allowed_makes_short_capacity_infeasible_with_reason() -> None:
    problem = instance([item(demand=[100, 0])], [resource([50, 100])])
    result = solve_checked(problem)
    assert result.status == SolveStatus.INFEASIBLE
    assert result.items == []
    reason = " ".join(result.reasons)
    assert "'press'" in reason and "bucket 0" in reason and "'bracket'" in reason


def test_infeasibility_found_by_the_solver_names_the_short_bucket() -> None:
    # Cumulative minutes fit (200 needed, 200 offered) but the setups do not: 'casing' fills bucket 0 and
    # 'bracket' cannot get 90 units out of bucket 1 after its 20-minute setup.
    problem = instance(
        [item("bracket", demand=[0, 90], setup_minutes=20.0), item("casing", demand=[70, 0], setup_minutes=20.0)],
        [resource([100, 100])],
    )
    result = solve_checked(problem)
    assert result.status == SolveStatus.INFEASIBLE
    assert any("'press' lacks" in reason and "bucket" in reason for reason in result.reasons)


@pytest.mark.parametrize(("demand", "overtime"), [(40.0, 0.0), (80.0, 30.0)])
def test_overtime_covers_what_regular_capacity_cannot(demand: float, overtime: float) -> None:
    press = resource([50], overtime_cap_minutes=[40], overtime_cost_per_minute=2.0)
    result = solve_checked(instance([item(demand=[demand])], [press]))
    assert result.status == SolveStatus.OPTIMAL
    assert result.resource_plan("press").overtime_minutes == pytest.approx([overtime])
    assert result.cost is not None and result.cost.overtime == pytest.approx(2.0 * overtime)


def test_overtime_cap_is_respected() -> None:
    press = resource([50], overtime_cap_minutes=[20], overtime_cost_per_minute=2.0)
    result = solve_checked(instance([item(demand=[80])], [press]))
    assert result.status == SolveStatus.INFEASIBLE


@pytest.mark.parametrize(("safety", "stock"), [([0, 0], [0, 0]), ([0, 30], [0, 30])])
def test_safety_stock_is_held(safety: list[float], stock: list[float]) -> None:
    problem = instance([item(demand=[20, 20], safety_stock=safety, setup_cost=100.0, holding_cost=1.0)],
                       [resource([100, 100])])
    result = solve_checked(problem)
    assert result.status == SolveStatus.OPTIMAL
    plan = result.item_plan("bracket")
    assert plan.inventory[1] == pytest.approx(stock[1])
    assert sum(plan.good_production) == pytest.approx(40.0 + stock[1])


@pytest.mark.parametrize(("yield_rate", "status"), [(1.0, SolveStatus.OPTIMAL), (0.8, SolveStatus.INFEASIBLE)])
def test_yield_makes_gross_production_consume_capacity(yield_rate: float, status: SolveStatus) -> None:
    # 80 good units need 100 gross units at 80 % yield, which no longer fit into 90 minutes.
    problem = instance([item(demand=[80], yield_rate=yield_rate)], [resource([90])])
    result = solve_checked(problem)
    assert result.status == status


def test_yield_scales_production_and_load() -> None:
    result = solve_checked(instance([item(demand=[80], yield_rate=0.8, minutes=0.5)], [resource([90])]))
    plan = result.item_plan("bracket")
    assert plan.production == pytest.approx([100.0])
    assert plan.good_production == pytest.approx([80.0])
    assert result.resource_plan("press").load_minutes == pytest.approx([50.0])


@pytest.mark.parametrize(("initial", "production"), [(0.0, 60.0), (50.0, 10.0)])
def test_initial_inventory_is_used_first(initial: float, production: float) -> None:
    problem = instance([item(demand=[30, 30], initial_inventory=initial, setup_cost=10.0, holding_cost=1.0)],
                       [resource([100, 100])])
    result = solve_checked(problem)
    assert sum(result.item_plan("bracket").production) == pytest.approx(production)


def test_shared_resource_spreads_two_items() -> None:
    # Each item alone would be produced in bucket 1; together they exceed it and one is made early.
    items = [item("bracket", demand=[0, 60], holding_cost=1.0), item("casing", demand=[0, 60], holding_cost=2.0)]
    result = solve_checked(instance(items, [resource([100, 100])]))
    assert result.item_plan("bracket").inventory[0] == pytest.approx(20.0)
    assert result.item_plan("casing").inventory[0] == pytest.approx(0.0)


def test_shadow_price_is_the_saving_of_one_more_minute() -> None:
    # Bucket 1 needs 150 of 100 minutes: 50 units are made a bucket early at holding cost 1 each, so one
    # more minute in bucket 1 saves 1; bucket 2 has spare capacity and is worth nothing.
    def problem(capacity_1: float) -> LotSizingInstance:
        return instance([item(demand=[50, 150, 50], setup_cost=10.0, holding_cost=1.0)],
                        [resource([100, capacity_1, 100])])

    base = solve_checked(problem(100))
    price = base.resource_plan("press").shadow_price
    assert price is not None
    assert price[1] == pytest.approx(1.0)
    assert price[2] == pytest.approx(0.0)
    more = solve_checked(problem(101))
    assert base.objective is not None and more.objective is not None
    assert base.objective - more.objective == pytest.approx(price[1])


def test_overtime_caps_the_shadow_price() -> None:
    # With overtime at 0.25 per minute available, a regular minute is worth 0.25, not the holding cost.
    press = resource([100, 100, 100], overtime_cap_minutes=[50, 50, 50], overtime_cost_per_minute=0.25)
    result = solve_checked(instance([item(demand=[50, 150, 50], setup_cost=10.0, holding_cost=1.0)], [press]))
    price = result.resource_plan("press").shadow_price
    assert price is not None and price[1] == pytest.approx(0.25)


def test_items_on_several_resources_load_each() -> None:
    routed = LotSizingItem(item_id="hub", demand=[40, 40], setup_cost=5.0, holding_cost=1.0, operations=[
        LotSizingOperation(resource_id="cast", minutes_per_unit=1.0, setup_minutes=10.0),
        LotSizingOperation(resource_id="cnc", minutes_per_unit=2.0, setup_minutes=5.0),
    ])
    result = solve_checked(instance([routed], [resource([100, 100], "cast"), resource([85, 85], "cnc")]))
    assert result.status == SolveStatus.OPTIMAL
    # CNC fits 40 units per bucket (85 - 5 = 80 minutes), so each bucket makes its own demand.
    assert result.item_plan("hub").production == pytest.approx([40.0, 40.0])
    assert result.resource_plan("cnc").load_minutes == pytest.approx([85.0, 85.0])


def test_changing_thread_count_in_one_process_still_solves() -> None:
    problem = instance([item(demand=[10, 10], setup_cost=5.0, holding_cost=1.0)], [resource([100, 100])])
    for threads in (1, 2, 1):
        options = LotSizingOptions(time_limit_seconds=10.0, threads=threads)
        assert solve_checked(problem, options).status == SolveStatus.OPTIMAL


def test_status_mapping_covers_time_limits() -> None:
    limit = highspy.HighsModelStatus.kTimeLimit
    assert map_highs_status(limit, has_solution=True) == SolveStatus.FEASIBLE
    assert map_highs_status(limit, has_solution=False) == SolveStatus.NO_SOLUTION_IN_TIME
    assert map_highs_status(highspy.HighsModelStatus.kInfeasible, False) == SolveStatus.INFEASIBLE
    assert map_highs_status(highspy.HighsModelStatus.kModelError, False) == SolveStatus.MODEL_INVALID
    assert map_highs_status(highspy.HighsModelStatus.kSolveError, False) == SolveStatus.ERROR


def test_fast_options_are_deterministic() -> None:
    problem = instance([item(demand=[10, 30, 5, 40], setup_cost=20.0, holding_cost=1.0)], [resource([50] * 4)])
    first, second = solve_checked(problem, FAST), solve_checked(problem, FAST)
    assert first.items == second.items


@pytest.mark.parametrize(("max_flow_columns", "built"), [(60_000, "facility_location"), (0, "aggregated")])
def test_auto_formulation_falls_back_on_large_flow_models(max_flow_columns: int, built: str) -> None:
    problem = instance([item(demand=[10, 30, 5, 40], setup_cost=20.0, holding_cost=1.0)], [resource([50] * 4)])
    options = FAST.model_copy(update={"formulation": "auto", "max_flow_columns": max_flow_columns})
    result = solve_checked(problem, options)
    assert result.parameters["formulation"] == built
    assert result.status == SolveStatus.OPTIMAL
