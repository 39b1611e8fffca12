"""Work in progress at plan start (`Order.work_in_progress`): what the MES reports as done or running.

Done operations get no task (`planner.scheduling.tasks`); the running operation is a task with one alternative,
its machine, for its remaining minutes. This module owns what that means for the model (it starts
at plan start) and for working time (its machine works until it ends, whatever the calendar says).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ortools.sat.python import cp_model

from planner.domain import PlanRequest

if TYPE_CHECKING:
    from planner.scheduling.rules.base import TaskVars

Window = tuple[int, int]


def has_work_in_progress(request: PlanRequest) -> bool:
    return any(order.work_in_progress is not None for order in request.orders)


def running_windows(request: PlanRequest) -> dict[str, Window]:
    """Machine id -> [plan start, end) of the operation running on it at plan start (capped at the horizon)."""
    horizon = request.options.horizon_minutes
    windows = {}
    for order in request.orders:
        running = order.work_in_progress.running if order.work_in_progress is not None else None
        if running is not None:
            windows[running.machine_id] = (0, min(running.remaining_minutes, horizon))
    return windows


def running_operations(model: cp_model.CpModel, tasks: Sequence[Sequence[TaskVars]]) -> None:
    """Hard: an operation the MES reports as running keeps its machine from plan start for its remaining
    minutes; the order's later operations follow it.

    Why the plant cares: the lot is on the machine now and will not be taken off; a plan that puts
    other work there first, or starts the next step of the order before this one ends, cannot be
    run. (Its one alternative is that machine for the remaining minutes; see `planner.scheduling.tasks`.)"""
    for job_vars in tasks:
        for variables in job_vars:
            if variables.task.running:
                model.add(variables.start == 0)
