"""Time lags between consecutive operations of a routing (`Operation.min_lag_minutes`, `max_lag_minutes`).

A lag is measured from the end of the previous operation of the same order to the start of the
next: castings cool at least 2 h before machining (a minimum), heat treatment starts within 24 h of
casting (a maximum). The first operation of a routing has no lag, and neither has the first
operation a plan schedules after work already done (its predecessor has no end in the plan).
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise
from typing import TYPE_CHECKING

from ortools.sat.python import cp_model

from planner.domain import PlanRequest

if TYPE_CHECKING:
    from planner.scheduling.rules.base import TaskVars
    from planner.scheduling.tasks import Job


def has_time_lags(request: PlanRequest) -> bool:
    return any(op.min_lag_minutes or op.max_lag_minutes is not None
               for product in request.factory.products for op in product.routing)


def time_lags(model: cp_model.CpModel, tasks: Sequence[Sequence[TaskVars]]) -> None:
    """Hard: an operation starts at least its minimum lag and at most its maximum lag after the previous
    operation of its order ends.

    Why the plant cares: a casting machined before it has cooled warps or is measured wrong, and an
    aluminium casting heat-treated too long after casting has aged naturally and misses its T6
    properties; either way the lot is scrap, so a plan that ignores the lags cannot be run."""
    for job_vars in tasks:
        for before, after in pairwise(job_vars):
            if after.task.min_lag:
                model.add(after.start >= before.end + after.task.min_lag)
            if after.task.max_lag is not None:
                model.add(after.start <= before.end + after.task.max_lag)


def minimum_lag_total(job: Job) -> int:
    """Minutes the job must wait between its open operations at least, whatever the plan."""
    return sum(task.min_lag for task in job.tasks)
