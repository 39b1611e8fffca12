"""Hypothesis strategies for random, valid planning requests (small enough to solve in a test)."""

from __future__ import annotations

from hypothesis import strategies as st

from planner.domain import Machine, Objective, Order, PlanRequest, Product, TimeWindow
from planner.testing import operation, request


@st.composite
def plan_requests(draw: st.DrawFn, max_orders: int = 6, max_machines: int = 4) -> PlanRequest:
    machine_ids = [f"M{i}" for i in range(draw(st.integers(1, max_machines)))]
    machines = []
    for machine_id in machine_ids:
        windows = draw(st.lists(st.tuples(st.integers(0, 400), st.integers(1, 60)), max_size=2))
        machines.append(Machine(id=machine_id, maintenance_windows=[
            TimeWindow(start=s, end=s + length, reason="test") for s, length in windows]))
    products = []
    for p_index in range(draw(st.integers(1, 3))):
        steps = draw(st.integers(1, 3))
        products.append(Product(id=f"P{p_index}", routing=[
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
    return request(machines, products, orders, horizon=5000, objective=objective, time_limit=2.0)
