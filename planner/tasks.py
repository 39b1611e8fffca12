"""Orders unrolled into the tasks the schedulers and the checker work on.

One job per order; one task per operation of its routing; one alternative per eligible machine,
with the processing time (setup + processed quantity x run time) that operation takes there.

Yield: to pass `q` good units on, an operation on machine m processes ceil(q / yield[p, m]) units;
the scrap is replaced at the operation that made it (so each operation hands on exactly q good
units and the next operation's quantity does not depend on this one's machine).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from planner.domain import EligibleMachine, Operation, Order, PlanRequest


@dataclass(frozen=True)
class Alternative:
    machine_id: str
    duration: int
    setup: int
    processed: int = 0
    """Units processed to get the order quantity of good units."""
    yield_rate: float = 1.0

    @property
    def expected_scrap(self) -> float:
        return self.processed * (1.0 - self.yield_rate)


@dataclass(frozen=True)
class Task:
    order_id: str
    product_id: str
    operation_id: str
    index: int
    quantity: int
    alternatives: tuple[Alternative, ...]

    def alternative(self, machine_id: str) -> Alternative | None:
        return next((a for a in self.alternatives if a.machine_id == machine_id), None)

    @property
    def shortest(self) -> int:
        return min(a.duration for a in self.alternatives)


@dataclass(frozen=True)
class Job:
    order: Order
    tasks: tuple[Task, ...]

    @property
    def min_work(self) -> int:
        """Lower bound on the time from the first start to the last end (no waiting, best machines)."""
        return sum(t.shortest for t in self.tasks)


def processed_quantity(quantity: int, yield_rate: float) -> int:
    """Units to process for `quantity` good ones at `yield_rate` (a tolerance keeps 100 / 0.5 at 200)."""
    return math.ceil(quantity / yield_rate - 1e-9)


def _alternative(op: Operation, option: EligibleMachine, quantity: int, yield_rate: float) -> Alternative:
    processed = processed_quantity(quantity, yield_rate)
    return Alternative(option.machine_id, op.processing_minutes(option, processed), op.setup_on(option),
                       processed=processed, yield_rate=yield_rate)


def build_jobs(request: PlanRequest) -> list[Job]:
    """Unroll every order of a *valid* request into its job."""
    products = {p.id: p for p in request.factory.products}
    jobs = []
    for order in request.orders:
        product = products[order.product_id]
        tasks = tuple(
            Task(
                order_id=order.id,
                product_id=product.id,
                operation_id=op.id,
                index=index,
                quantity=order.quantity,
                alternatives=tuple(
                    _alternative(op, e, order.quantity, request.yield_rate(product.id, e.machine_id))
                    for e in op.eligible_machines
                ),
            )
            for index, op in enumerate(product.routing)
        )
        jobs.append(Job(order=order, tasks=tasks))
    return jobs
