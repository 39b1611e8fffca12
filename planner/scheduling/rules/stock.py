"""Operations that produce stock (`Operation.produces`): a semi-finished part put into stock at an operation's end.

A blank machined on one line and assembled on another, a kitted set, a batch of cores: the operation that makes it
adds `quantity_per_unit` x the order's good units to a material's stock when it ends (scrapped units produce
nothing), and operations that list the material in their `materials` take it at their start, as they take bought-in
stock. So stock is consumed at starts and produced at ends, and it is never negative. This is the RCPSP with
consumption and production of resources (RCPSP-CPR, `benchmarks.plantrules_cpr`) in the plant's words.

The rule lives where the materials rule lives, as further events of the same stock (`scheduling.rules.materials`):
the task's `produces` (`scheduling.tasks.Task.produces`, thousandths rounded down) is a positive reservoir event at its
end in CP-SAT; the knapsack fast path (all supply at plan start) never applies to a produced material; the checker,
the KPIs and the shortage pre-check add `outputs` to the fixed supply; the dispatching start adds a placed task's
output to the stock it books from and wakes the operations that waited for it. This module owns what is specific to
production: the exact outputs of a plan, who produced the stock a wait ended on (`producer_at`, for explanations),
and the field violations of `produces`.

An operation running at plan start still produces when it ends; a done operation's output is in `on_hand` already.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING

from planner.domain import PlanRequest

if TYPE_CHECKING:
    from planner.scheduling.tasks import Job
    from planner.solution import ScheduledOperation

Output = tuple[int, float, str, str]
"""(end minute, exact quantity, order id, operation id) of one planned operation's output of a material."""


def has_production(request: PlanRequest) -> bool:
    """True when some operation puts a material into stock at its end."""
    return any(op.produces for product in request.factory.products for op in product.routing)


def produced_ids(request: PlanRequest) -> set[str]:
    """Materials that some operation produces (their stock depends on the plan, not only on receipts)."""
    return {out.material_id for product in request.factory.products for op in product.routing for out in op.produces}


def outputs(request: PlanRequest, jobs: Sequence[Job],
            assignments: Sequence[ScheduledOperation]) -> dict[str, list[Output]]:
    """Per material, every planned operation's output at its end: exact amounts from the request
    (`quantity_per_unit` x the order's good units), whatever machine or mode was chosen."""
    if not has_production(request):
        return {}
    tasks = {(job.order.id, task.index): (job, task) for job in jobs for task in job.tasks}
    made: dict[str, list[Output]] = defaultdict(list)
    for placed in assignments:
        found = tasks.get((placed.order_id, placed.operation_index))
        if found is None:
            continue
        job, task = found
        operation = request.factory.product(task.product_id).routing[task.index]
        for out in operation.produces:
            made[out.material_id].append((placed.end, out.quantity_per_unit * job.order.quantity, placed.order_id,
                                          placed.operation_id))
    return made


def planned_output(request: PlanRequest, jobs: Sequence[Job]) -> dict[str, float]:
    """Per material, what all open operations produce over the plan (for the shortage pre-check: a sound bound on
    the supply, whatever the schedule)."""
    total: dict[str, float] = defaultdict(float)
    products = {product.id: product for product in request.factory.products}  # `Factory.product` scans them
    for job in jobs:
        for task in job.tasks:
            for out in products[task.product_id].routing[task.index].produces:
                total[out.material_id] += out.quantity_per_unit * job.order.quantity
    return total


def producer_at(made: Sequence[Output], minute: int) -> tuple[str, str] | None:
    """Who produced the stock that arrived at `minute` (order id, operation id); None when nothing ended then (the
    stock came from on-hand stock, a receipt or a component order)."""
    return next(((order_id, operation_id) for end, _, order_id, operation_id in made if end == minute), None)


def production_violations(request: PlanRequest) -> list[tuple[str, str]]:
    """(field path, reason) for every problem of `Operation.produces`: an unknown material, a product id (components
    made by orders go through the bill of materials), a quantity not above 0 or not finite, a material twice in one
    operation. An operation may take a material at its start and put some back at its end (a returnable rack)."""
    materials = {m.id for m in request.factory.materials}
    products = {p.id for p in request.factory.products}
    found = []
    for p_index, product in enumerate(request.factory.products):
        for o_index, operation in enumerate(product.routing):
            seen: set[str] = set()
            for u_index, out in enumerate(operation.produces):
                path = f"factory.products[{p_index}].routing[{o_index}].produces[{u_index}]"
                if out.material_id in products:
                    found.append((f"{path}.material_id", f"'{out.material_id}' is a product: a component made by "
                                                         "orders goes into stock through the bill of materials"))
                elif out.material_id not in materials:
                    found.append((f"{path}.material_id", f"unknown material '{out.material_id}'"))
                if out.material_id in seen:
                    found.append((f"{path}.material_id", f"'{out.material_id}' listed twice"))
                seen.add(out.material_id)
                if not math.isfinite(out.quantity_per_unit) or out.quantity_per_unit <= 0:
                    found.append((f"{path}.quantity_per_unit", "must be a finite number greater than 0"))
    return found
