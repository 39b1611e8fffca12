"""Transfer batches between consecutive operations (`Operation.transfer_batch_units`): lot streaming.

The previous operation hands its processed units on in batches of k, so the next operation may start
before the whole lot is done, as long as it never runs out of units: it runs without interruption, so
the units of batch i must be done on the previous machine before the next machine reaches them.

In whole minutes, for the previous task on machine a (setup s_a, run time R_a = duration - setup, P
processed units, B = ceil(P / k) batches) and the next task on machine b (setup s_b, run time R_b),
both running at a constant rate over the lot: batch i is done at start_prev + s_a + ceil(R_a x min(i k,
P) / P), and the next machine reaches its units at start_next + s_b + floor(R_b x (i - 1) k / P). So

    start_next >= start_prev + delay(a, b),   delay = the largest difference over the batches,

which is at most the previous duration (the last batch ends the lot), and the next task still ends
after the previous one. Time lags do not combine with a transfer batch on one operation (validation),
and a transfer batch never follows a running operation, whose progress is not known (`planner.scheduling.tasks`).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from itertools import pairwise
from typing import TYPE_CHECKING

from ortools.sat.python import cp_model

from planner.domain import PlanRequest

if TYPE_CHECKING:
    from planner.scheduling.rules.base import TaskVars
    from planner.scheduling.tasks import Alternative


def has_transfer_batches(request: PlanRequest) -> bool:
    return any(op.transfer_batch_units is not None for product in request.factory.products for op in product.routing)


def transfer_delay(before: Alternative, after: Alternative, batch: int) -> int:
    """Minutes from the previous task's start to the earliest start of the next one (see the module)."""
    return _delay(before.setup, before.duration - before.setup, max(before.processed, 1), after.setup,
                  after.duration - after.setup, batch)


@lru_cache(maxsize=4096)
def _delay(setup_before: int, run_before: int, processed: int, setup_after: int, run_after: int, batch: int) -> int:
    batches = -(-processed // batch)
    return max(setup_before - (-run_before * min(i * batch, processed) // processed)
               - setup_after - run_after * (i - 1) * batch // processed
               for i in range(1, batches + 1))


def transfer_batches(model: cp_model.CpModel, tasks: Sequence[Sequence[TaskVars]]) -> None:
    """Hard: an operation with a transfer batch starts once the first batch of its previous operation is
    done, and late enough that it never waits for a later batch; it replaces the routing precedence there.

    Why the plant cares: moving castings to machining a pallet at a time instead of the whole lot cuts
    the lead time of a lot by most of an operation, and a plan that waits for whole lots promises
    later dates than the shop floor can keep; starting before a pallet is there cannot be run."""
    for job_vars in tasks:
        for before, after in pairwise(job_vars):
            batch = after.task.transfer_batch
            if batch is None:
                continue
            delays = []
            for first in before.task.alternatives:
                for second in after.task.alternatives:
                    delay = transfer_delay(first, second, batch)
                    delays.append(delay)
                    literals = [literal for literal in (before.presence[first.key],
                                                        after.presence[second.key]) if literal is not True]
                    constraint = model.add(after.start >= before.start + delay)
                    if literals:
                        constraint.only_enforce_if(literals)
            model.add(after.start >= before.start + min(delays))  # whatever the machines: helps propagation
