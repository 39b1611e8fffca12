"""The hierarchical plan: lot sizing over buckets above the detailed schedule, and the bottleneck table."""

from __future__ import annotations

from planner.calendar import availability_by_machine
from planner.checker import check_plan
from planner.domain import DemandForecast, Machine, PlanRequest, QuantileValue
from planner.lots import lot_sizing_instance
from planner.plan import create_plan
from planner.risk import planning_availability
from planner.status import SolveStatus
from planner.testing import order, product, request

DAY = 1440


def _request(forecast_units: float, capacity_machines: int = 1) -> PlanRequest:
    machines = [Machine(id=f"CNC-{i}", work_center="machining") for i in range(capacity_machines)]
    products = [product("P", ("machine", [m.id for m in machines], 2.0))]
    req = request(machines, products, [order("SO-1", "P", 200, due=DAY - 1)], horizon=3 * DAY, time_limit=5.0)
    forecasts = [DemandForecast(product_id="P", bucket=b, quantiles=[
        QuantileValue(level=0.1, value=forecast_units * 0.6), QuantileValue(level=0.5, value=forecast_units),
        QuantileValue(level=0.9, value=forecast_units * 1.5)]) for b in range(3)]
    return req.model_copy(update={"demand_forecasts": forecasts,
                                  "options": req.options.model_copy(update={"lot_bucket_minutes": DAY})})


def test_instance_uses_work_centers_orders_and_forecast_quantiles() -> None:
    req = _request(forecast_units=100)
    instance = lot_sizing_instance(req, planning_availability(req, availability_by_machine(req)))
    (item,) = instance.items
    assert item.demand == [300.0, 100.0, 100.0]  # the firm order is due in bucket 0
    assert item.safety_stock == [50.0, 50.0, 50.0]  # 0.9-quantile minus the median
    assert [r.resource_id for r in instance.resources] == ["machining"]
    assert instance.resources[0].capacity_minutes == [DAY, DAY, DAY]


def test_forecast_lots_become_jobs_and_the_schedule_realises_them() -> None:
    req = _request(forecast_units=100)
    plan = create_plan(req)
    assert plan.status in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE) and check_plan(req, plan) == []
    assert plan.lot_plan is not None and plan.lot_plan.status == SolveStatus.OPTIMAL
    lots = plan.lot_plan.lots
    assert lots and all(lot.id.startswith("LOT-P-B") for lot in lots)
    assert {a.order_id for a in plan.assignments} >= {lot.id for lot in lots}
    assert plan.lot_plan.realisation_problems == []


def test_a_capacity_that_binds_has_a_positive_shadow_price_and_heads_the_bottleneck_table() -> None:
    # 2 min/unit on one machine: 720 units a day; demand 300 + 600 a day plus safety stock binds.
    plan = create_plan(_request(forecast_units=600))
    assert plan.bottlenecks and plan.bottlenecks[0].work_center == "machining"
    assert plan.bottlenecks[0].saves_per_hour > 0 and "One more hour on machining" in plan.bottlenecks[0].sentence


def test_no_bottleneck_when_capacity_is_ample() -> None:
    plan = create_plan(_request(forecast_units=50, capacity_machines=3))
    assert plan.bottlenecks == []
