"""Hypothesis strategies for random, valid planning requests (small enough to solve in a test)."""

from __future__ import annotations

from hypothesis import strategies as st

from planner.domain import (
    DemandForecast,
    FamilyChangeover,
    Machine,
    MachineRisk,
    Objective,
    Order,
    PlanRequest,
    Product,
    QuantileValue,
    RiskPoint,
    RiskPolicy,
    TimeWindow,
    YieldEstimate,
)
from planner.solution import ScheduledOperation
from planner.testing import operation, request


@st.composite
def plan_requests(draw: st.DrawFn, max_orders: int = 6, max_machines: int = 4, predictions: bool = True) -> PlanRequest:
    """Random valid requests; with `predictions`, half of them carry yields, risk curves, a risk policy,
    scrap costs and family changeovers."""
    machine_ids = [f"M{i}" for i in range(draw(st.integers(1, max_machines)))]
    machines = []
    for machine_id in machine_ids:
        windows = draw(st.lists(st.tuples(st.integers(0, 400), st.integers(1, 60)), max_size=2))
        machines.append(Machine(id=machine_id, maintenance_windows=[
            TimeWindow(start=s, end=s + length, reason="test") for s, length in windows]))
    products = []
    for p_index in range(draw(st.integers(1, 3))):
        steps = draw(st.integers(1, 3))
        products.append(Product(id=f"P{p_index}", family=draw(st.sampled_from(["a", "b"])), routing=[
            operation(f"op{k}", draw(st.lists(st.sampled_from(machine_ids), min_size=1, max_size=len(machine_ids),
                                               unique=True)),
                      run=draw(st.sampled_from([0.5, 1.0, 2.0, 3.5])), setup=draw(st.integers(0, 15)))
            for k in range(steps)
        ]))
    orders = []
    for o_index in range(draw(st.integers(1, max_orders))):
        release = draw(st.integers(0, 200))
        orders.append(Order(id=f"O{o_index}", product_id=draw(st.sampled_from([p.id for p in products])),
                            quantity=draw(st.integers(1, 40)), release=release,
                            due=release + draw(st.integers(0, 400)), weight=draw(st.sampled_from([1.0, 2.0, 0.5]))))
    objective = draw(st.sampled_from(list(Objective)))
    base = request(machines, products, orders, horizon=5000, objective=objective, time_limit=2.0)
    if not predictions or not draw(st.booleans()):
        return base
    return _with_predictions(draw, base, machine_ids, [p.id for p in products])


def _with_predictions(
    draw: st.DrawFn, base: PlanRequest, machine_ids: list[str], product_ids: list[str]
) -> PlanRequest:
    pairs = draw(st.lists(st.tuples(st.sampled_from(product_ids), st.sampled_from(machine_ids)), unique=True,
                          max_size=4))
    yields = [YieldEstimate(product_id=p, machine_id=m, yield_rate=draw(st.sampled_from([0.7, 0.9, 0.97, 1.0])))
              for p, m in pairs]
    risky = draw(st.lists(st.sampled_from(machine_ids), unique=True, max_size=2))
    risks = []
    for machine_id in risky:
        first = draw(st.floats(0.0, 0.5))
        risks.append(MachineRisk(machine_id=machine_id, repair_minutes=draw(st.integers(30, 300)), curve=[
            RiskPoint(minute=draw(st.integers(0, 100)), probability=first),
            RiskPoint(minute=draw(st.integers(200, 2000)), probability=min(1.0, first + draw(st.floats(0.0, 0.5))))]))
    options = base.options.model_copy(update={
        "risk_policy": draw(st.sampled_from(list(RiskPolicy))),
        "risk_bucket_minutes": draw(st.sampled_from([240, 480, 1440])),
        "maintenance_minutes": draw(st.integers(10, 120)),
        "maintenance_threshold": draw(st.sampled_from([0.1, 0.3, 0.9])),
    })
    products = [p.model_copy(update={"scrap_cost": draw(st.sampled_from([0.0, 2.5]))}) for p in base.factory.products]
    changeovers = [FamilyChangeover(from_family="a", to_family="b", minutes=draw(st.integers(0, 60))),
                   FamilyChangeover(from_family="b", to_family="a", minutes=draw(st.integers(0, 60)),
                                    machine_id=draw(st.sampled_from([None, *machine_ids])))]
    changeovers = changeovers if draw(st.booleans()) else []
    factory = base.factory.model_copy(update={"products": products, "changeovers": changeovers})
    forecasts = [DemandForecast(product_id=draw(st.sampled_from(product_ids)), bucket=bucket, quantiles=[
        QuantileValue(level=0.1, value=median * 0.5), QuantileValue(level=0.5, value=median),
        QuantileValue(level=0.9, value=median * 1.4)])
        for bucket, median in enumerate(draw(st.lists(st.sampled_from([0.0, 5.0, 20.0]), max_size=3)))]
    return base.model_copy(update={"yields": yields, "machine_risks": risks, "options": options, "factory": factory,
                                   "demand_forecasts": forecasts})


def back_to_back(order_id: str, product_id: str, quantity: int,
                 steps: list[tuple[int, str, int, int]]) -> list[ScheduledOperation]:
    """One order's operations placed one after the other from plan start: per step (operation index, machine,
    minutes of gap before it, length); operation ids are `op<index>`."""
    placed, cursor = [], 0
    for index, machine_id, gap, length in steps:
        start = cursor + gap
        placed.append(ScheduledOperation(order_id=order_id, product_id=product_id, operation_id=f"op{index}",
                                         operation_index=index, machine_id=machine_id, start=start,
                                         end=start + length, quantity=quantity))
        cursor = start + length
    return placed
