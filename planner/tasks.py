"""Orders unrolled into the tasks the schedulers and the checker work on.

One job per order; one task per operation of its routing; one alternative per eligible machine,
with the processing time (setup + quantity x run time) that operation takes on that machine.
"""

from __future__ import annotations

from dataclasses import dataclass

from planner.domain import Order, PlanRequest


@dataclass(frozen=True)
class Alternative:
    machine_id: str
    duration: int
    setup: int


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
                    Alternative(e.machine_id, op.processing_minutes(e, order.quantity), op.setup_on(e))
                    for e in op.eligible_machines
                ),
            )
            for index, op in enumerate(product.routing)
        )
        jobs.append(Job(order=order, tasks=tasks))
    return jobs
