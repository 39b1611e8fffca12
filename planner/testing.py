"""Builders for small, readable planning requests, shipped with the package for tests and examples."""

from __future__ import annotations

from planner.domain import (
    EligibleMachine,
    Factory,
    Machine,
    Objective,
    Operation,
    Order,
    PlanOptions,
    PlanRequest,
    Product,
    ShiftCalendar,
)


def operation(op_id: str, machines: list[str], run: float = 1.0, setup: int = 0) -> Operation:
    return Operation(id=op_id, run_minutes_per_unit=run, setup_minutes=setup,
                     eligible_machines=[EligibleMachine(machine_id=m) for m in machines])


def product(product_id: str, *steps: tuple[str, list[str], float], family: str = "") -> Product:
    """A product whose routing is (operation id, eligible machines, run minutes per unit) steps."""
    return Product(id=product_id, family=family, routing=[operation(s, ms, run) for s, ms, run in steps])


def request(
    machines: list[Machine | str],
    products: list[Product],
    orders: list[Order],
    horizon: int = 10_000,
    objective: Objective = Objective.WEIGHTED_TARDINESS,
    calendars: list[ShiftCalendar] | None = None,
    time_limit: float = 5.0,
    workers: int = 1,
    seed: int = 0,
) -> PlanRequest:
    return PlanRequest(
        request_id="",
        factory=Factory(
            machines=[Machine(id=m) if isinstance(m, str) else m for m in machines],
            products=products,
            calendars=calendars or [],
        ),
        orders=orders,
        options=PlanOptions(horizon_minutes=horizon, objective=objective, time_limit_seconds=time_limit,
                            num_workers=workers, random_seed=seed),
    )


def order(order_id: str, product_id: str, quantity: int = 1, due: int = 1000, release: int = 0,
          weight: float = 1.0) -> Order:
    return Order(id=order_id, product_id=product_id, quantity=quantity, due=due, release=release, weight=weight)
