"""Orders unrolled into the tasks the schedulers and the checker work on.

One job per order; one task per operation of its routing; one alternative per eligible machine,
with the processing time (setup + processed quantity x run time) that operation takes there.

Work in progress (`Order.work_in_progress`): done operations get no task; a running operation is a
task with one alternative, its machine, for its remaining minutes (`running`; the model and the
dispatcher fix its start at plan start). Time lags (`min_lag`, `max_lag`) hold towards the previous
task of the same job, so the first task of a job has none: a done predecessor has no end in the plan;
so does a transfer batch (`transfer_batch`), which also does not follow a running task (its progress is
not known, only its remaining minutes).

Yield: to pass `q` good units on, an operation on machine m processes ceil(q / yield[p, m]) units;
the scrap is replaced at the operation that made it (so each operation hands on exactly q good
units and the next operation's quantity does not depend on this one's machine).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import pairwise

from planner.domain import EligibleMachine, Operation, Order, PlanRequest, Product
from planner.plant_rules.transfer_batches import transfer_delay


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
    min_lag: int = 0
    """Minutes at least from the end of the job's previous task to this one's start."""
    max_lag: int | None = None
    """Minutes at most from the end of the job's previous task to this one's start (None = no maximum)."""
    running: bool = False
    """Running at plan start (work in progress): starts at minute 0 on its only alternative."""
    transfer_batch: int | None = None
    """Units of the previous task handed on at a time (None = the whole lot): `planner.plant_rules.transfer_batches`."""

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
        """Lower bound on the time from the first start to the last end (no waiting, best machines; a task
        taking transfer batches may start its shortest transfer delay after the previous one starts)."""
        start = 0
        for before, after in pairwise(self.tasks):
            if after.transfer_batch is None:
                start += before.shortest
            else:
                start += min(transfer_delay(a, b, after.transfer_batch)
                             for a in before.alternatives for b in after.alternatives)
        return start + self.tasks[-1].shortest if self.tasks else 0


def processed_quantity(quantity: int, yield_rate: float) -> int:
    """Units to process for `quantity` good ones at `yield_rate` (a tolerance keeps 100 / 0.5 at 200)."""
    return math.ceil(quantity / yield_rate - 1e-9)


def _alternative(op: Operation, option: EligibleMachine, quantity: int, yield_rate: float) -> Alternative:
    processed = processed_quantity(quantity, yield_rate)
    return Alternative(option.machine_id, op.processing_minutes(option, processed), op.setup_on(option),
                       processed=processed, yield_rate=yield_rate)


def build_jobs(request: PlanRequest) -> list[Job]:
    """Unroll every order of a *valid* request into its job (the operations not done yet)."""
    products = {p.id: p for p in request.factory.products}
    return [Job(order=order, tasks=_open_tasks(request, order, products[order.product_id])) for order in request.orders]


def _open_tasks(request: PlanRequest, order: Order, product: Product) -> tuple[Task, ...]:
    progress = order.work_in_progress
    done = len(progress.done_operation_ids) if progress is not None else 0
    running = progress.running if progress is not None else None
    tasks = []
    for index, op in enumerate(product.routing[done:], start=done):
        alternatives: tuple[Alternative, ...]
        if running is not None and index == done:
            rate = request.yield_rate(product.id, running.machine_id)
            processed = processed_quantity(order.quantity, rate)
            alternatives = (Alternative(running.machine_id, running.remaining_minutes, 0, processed, rate),)
        else:
            alternatives = tuple(_alternative(op, e, order.quantity, request.yield_rate(product.id, e.machine_id))
                                 for e in op.eligible_machines)
        has_previous = index > done
        # A running predecessor's progress is unknown (only its remaining minutes are): the whole lot then.
        streams = has_previous and not (running is not None and index == done + 1)
        tasks.append(Task(
            order_id=order.id, product_id=product.id, operation_id=op.id, index=index, quantity=order.quantity,
            alternatives=alternatives, min_lag=op.min_lag_minutes if has_previous else 0,
            max_lag=op.max_lag_minutes if has_previous else None, running=running is not None and index == done,
            transfer_batch=op.transfer_batch_units if streams else None,
        ))
    return tuple(tasks)
