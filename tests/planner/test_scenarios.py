"""What-if scenarios: each delta does what it says, bad deltas are all reported with their paths, and
the comparison names what changed against the base (orders late / on time, machine load, bottleneck)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import plan_requests

from planner.calendar import availability_by_machine
from planner.checker import check_plan
from planner.domain import (
    DemandForecast,
    Machine,
    PlanRequest,
    QuantileValue,
    RiskPolicy,
    Shift,
    ShiftCalendar,
    TimeWindow,
    YieldEstimate,
)
from planner.plan import create_plan
from planner.replanning.scenarios import (
    AddOrder,
    CancelOrder,
    ChangeDueDate,
    ChangeQuantity,
    DemandScale,
    ExtraWorkingTime,
    MachineDown,
    SetRiskPolicy,
    YieldOverride,
    apply_deltas,
    compare,
    compare_all,
    scaled_quantity,
)
from planner.solution import PlanResult
from planner.testing import order, product, request
from planner.validation import InvalidPlanRequest


def _base() -> PlanRequest:
    products = [product("P", ("cut", ["M1", "M2"], 1.0)), product("Q", ("cut", ["M2"], 1.0))]
    return request(["M1", "M2"], products, [order("A", "P", 100, due=100), order("B", "P", 100, due=100),
                                            order("C", "Q", 50, due=300)], time_limit=3.0)


def _solve(req: PlanRequest) -> PlanResult:
    plan = create_plan(req)
    assert plan.status.has_solution, plan.infeasibility_reasons
    assert check_plan(req, plan) == []
    return plan


# --- applying deltas ----------------------------------------------------------------------------

@settings(max_examples=40, deadline=None)
@given(plan_requests())
def test_no_deltas_give_the_base_request(base: PlanRequest) -> None:
    assert apply_deltas(base, []) == base


@settings(max_examples=40, deadline=None)
@given(plan_requests(), st.floats(min_value=1.0, max_value=5.0))
def test_demand_scale_of_at_least_one_never_decreases_a_quantity(base: PlanRequest, factor: float) -> None:
    scaled = apply_deltas(base, [DemandScale(factor=factor)])
    assert [o.id for o in scaled.orders] == [o.id for o in base.orders]
    for before, after in zip(base.orders, scaled.orders, strict=True):
        assert before.quantity <= after.quantity < before.quantity * factor + 1


@given(st.integers(1, 10_000), st.floats(min_value=0.01, max_value=1.0))
def test_demand_scale_below_one_never_increases_and_keeps_at_least_one_unit(quantity: int, factor: float) -> None:
    assert 1 <= scaled_quantity(quantity, factor) <= quantity


def test_demand_scale_rounds_up_and_can_target_one_product() -> None:
    assert scaled_quantity(100, 1.2) == 120 and scaled_quantity(33, 1.2) == 40
    scaled = apply_deltas(_base(), [DemandScale(product_id="Q", factor=1.5)])
    assert [o.quantity for o in scaled.orders] == [100, 100, 75]


def test_demand_scale_also_scales_the_demand_forecasts_of_the_products_it_names() -> None:
    forecasts = [DemandForecast(product_id=p, bucket=0, quantiles=[QuantileValue(level=0.1, value=40.0),
                                                                   QuantileValue(level=0.9, value=80.0)])
                 for p in ("P", "Q")]
    base = _base().model_copy(update={"demand_forecasts": forecasts})
    only_q = apply_deltas(base, [DemandScale(product_id="Q", factor=1.5)])
    assert [[q.value for q in f.quantiles] for f in only_q.demand_forecasts] == [[40.0, 80.0], [60.0, 120.0]]
    every = apply_deltas(base, [DemandScale(factor=0.5)])
    assert [f.at(0.5) for f in every.demand_forecasts] == [30.0, 30.0]
    assert [f.at(0.5) for f in base.demand_forecasts] == [60.0, 60.0]


def test_each_delta_changes_what_it_names() -> None:
    base = _base()
    rush = order("RUSH", "Q", 10, due=50)
    scenario = apply_deltas(base, [
        AddOrder(order=rush), CancelOrder(order_id="A"), ChangeQuantity(order_id="B", quantity=7),
        ChangeDueDate(order_id="RUSH", due=60), MachineDown(machine_id="M1", window=TimeWindow(start=0, end=100)),
        SetRiskPolicy(risk_policy=RiskPolicy.RISK_PENALTY),
        YieldOverride(estimate=YieldEstimate(product_id="P", machine_id="M2", yield_rate=0.9)),
        YieldOverride(estimate=YieldEstimate(product_id="P", machine_id="M2", yield_rate=0.8)),
    ])
    assert [(o.id, o.quantity, o.due) for o in scenario.orders] == [("B", 7, 100), ("C", 50, 300), ("RUSH", 10, 60)]
    assert scenario.factory.machine("M1").maintenance_windows == [TimeWindow(start=0, end=100, reason="machine down")]
    assert scenario.options.risk_policy == RiskPolicy.RISK_PENALTY
    assert [y.yield_rate for y in scenario.yields] == [0.8]
    assert base == _base()  # the base is never modified


def test_extra_working_time_is_available_even_outside_the_calendar() -> None:
    day_shift = ShiftCalendar(id="day", shifts=[Shift(start_minute=360, length_minutes=480)])
    base = request([Machine(id="M1", calendar_id="day")], [product("P", ("cut", ["M1"], 1.0))],
                   [order(o, "P", 200, due=960) for o in "ABC"], horizon=2880, calendars=[day_shift],
                   time_limit=3.0)
    base = base.model_copy(update={"options": base.options.model_copy(
        update={"plan_start": datetime(2026, 3, 2, tzinfo=UTC)})})  # a Monday, UTC midnight
    overtime = apply_deltas(base, [ExtraWorkingTime(machine_id="M1", window=TimeWindow(start=840, end=960))])
    assert (360, 960) in availability_by_machine(overtime)["M1"]
    late, on_time = _solve(base), _solve(overtime)
    assert late.kpis is not None and late.kpis.late_orders == 1
    assert on_time.kpis is not None and on_time.kpis.late_orders == 0
    result = compare(base, late, overtime, on_time, name="overtime")
    assert len(result.orders_became_on_time) == 1 and result.orders_became_late == []
    assert result.load_changes == []  # the same work, earlier


def test_every_bad_delta_is_reported_with_its_path() -> None:
    base = _base()
    with pytest.raises(InvalidPlanRequest) as caught:
        apply_deltas(base, [
            CancelOrder(order_id="NOPE"),
            MachineDown(machine_id="CNC-9", window=TimeWindow(start=100, end=50)),
            DemandScale(product_id="X", factor=0.0),
            ChangeQuantity(order_id="A", quantity=0),
            AddOrder(order=order("B", "P", 5)),
            YieldOverride(estimate=YieldEstimate(product_id="P", machine_id="M9", yield_rate=1.5)),
            ChangeDueDate(order_id="C", due=99_999),
            ExtraWorkingTime(machine_id="M3", window=TimeWindow(start=0, end=10)),
        ], path="scenarios[1].deltas")
    assert [v.field for v in caught.value.violations] == [
        "scenarios[1].deltas[0].cancel_order_id",
        "scenarios[1].deltas[1].machine_down.machine_id",
        "scenarios[1].deltas[1].machine_down.window",
        "scenarios[1].deltas[2].demand_scale.product_id",
        "scenarios[1].deltas[2].demand_scale.factor",
        "scenarios[1].deltas[3].change_quantity.quantity",
        "scenarios[1].deltas[4].add_order.id",
        "scenarios[1].deltas[5].yield_override.machine_id",
        "scenarios[1].deltas[5].yield_override.yield_rate",
        "scenarios[1].deltas[6].change_due_date.new_due_time",
        "scenarios[1].deltas[7].extra_working_time.machine_id",
    ]


def test_deltas_apply_in_order_and_an_added_order_is_checked_by_the_request_rules() -> None:
    with pytest.raises(InvalidPlanRequest) as caught:
        apply_deltas(_base(), [CancelOrder(order_id="A"), ChangeQuantity(order_id="A", quantity=5)])
    assert [v.field for v in caught.value.violations] == ["deltas[1].change_quantity.order_id"]
    with pytest.raises(InvalidPlanRequest) as caught:
        apply_deltas(_base(), [AddOrder(order=order("N", "P", 0, due=50, release=80))])
    assert {(v.field, v.reason) for v in caught.value.violations} == {
        ("deltas[0].add_order.quantity", "must be greater than 0 (got 0)"),
        ("deltas[0].add_order.due", "due time is before the release time"),
    }


# --- comparison ---------------------------------------------------------------------------------

def test_machine_down_makes_orders_late_and_moves_load() -> None:
    base = _base()
    scenario = apply_deltas(base, [MachineDown(machine_id="M1", window=TimeWindow(start=0, end=150))])
    base_plan, scenario_plan = _solve(base), _solve(scenario)
    result = compare(base, base_plan, scenario, scenario_plan, name="M1 down")
    assert result.name == "M1 down" and result.status == scenario_plan.status
    assert base_plan.kpis is not None and base_plan.kpis.late_orders == 0
    assert result.orders_became_late and set(result.orders_became_late) <= {"A", "B"}
    assert result.orders_became_on_time == []
    assert result.bottleneck_machine_id == "M2" and result.bottleneck_utilization == pytest.approx(1.0)
    changes = {c.machine_id: c.busy_minutes_change for c in result.load_changes}
    assert all(minutes != 0 for minutes in changes.values())
    assert sum(changes.values()) == 0  # the same work, on other machines


def test_the_base_comes_first_and_never_differs_from_itself() -> None:
    base = _base()
    base_plan = _solve(base)
    cancelled = apply_deltas(base, [CancelOrder(order_id="C")])
    results = compare_all(base, base_plan, [("no C", cancelled, _solve(cancelled))])
    assert [r.name for r in results] == ["base", "no C"]
    assert results[0].orders_became_late == results[0].orders_became_on_time == results[0].load_changes == []
    assert [(c.machine_id, c.busy_minutes_change) for c in results[1].load_changes] == [("M2", -50)]


def test_an_infeasible_scenario_carries_its_reasons_and_no_changes() -> None:
    base = _base()
    scenario = apply_deltas(base, [MachineDown(machine_id="M2", window=TimeWindow(start=0, end=10_000))])
    plan = create_plan(scenario)
    result = compare(base, _solve(base), scenario, plan, name="M2 gone")
    assert not result.status.has_solution and result.infeasibility_reasons
    assert result.kpis is None and result.load_changes == [] and result.orders_became_late == []


def test_lots_that_move_between_buckets_are_reported() -> None:
    from planner.domain import DemandForecast, QuantileValue
    from planner.plan import create_plan
    from planner.replanning.scenarios import DemandScale, apply_deltas, compare
    from planner.testing import order, product, request

    day = 1440
    base = request(["M1"], [product("P", ("cut", ["M1"], 2.0))], [order("SO-1", "P", 100, due=2 * day - 1)],
                   horizon=3 * day, time_limit=3.0)
    forecasts = [DemandForecast(product_id="P", bucket=b, quantiles=[QuantileValue(level=0.5, value=300.0)])
                 for b in range(3)]
    base = base.model_copy(update={"demand_forecasts": forecasts})
    scenario = apply_deltas(base, [DemandScale(factor=2.0)])
    comparison = compare(base, create_plan(base), scenario, create_plan(scenario), name="double")
    assert comparison.lot_changes and all(abs(c.production_change) >= 0.5 for c in comparison.lot_changes)
