"""Sound infeasibility proofs that name what conflicts, checked before any solver runs.

Each check either proves the request has no plan (and says why in a planner's words) or says
nothing. When all are silent and the solver still reports INFEASIBLE, `solver_infeasible_reason`
gives the most loaded machines as the place to look.
"""

from __future__ import annotations

from planner.calendar import Interval
from planner.domain import PlanRequest
from planner.plant_rules.time_lags import minimum_lag_total
from planner.tasks import Job


def infeasibility_reasons(request: PlanRequest, jobs: list[Job], available: dict[str, list[Interval]]) -> list[str]:
    """Reasons no schedule can exist (empty when none was found)."""
    return (
        _operations_longer_than_any_window(jobs, available)
        + _orders_that_cannot_finish(request, jobs)
        + _overloaded_machines(jobs, available)
    )


def _operations_longer_than_any_window(jobs: list[Job], available: dict[str, list[Interval]]) -> list[str]:
    """Hard: an operation runs without interruption, so it must fit in one stretch of working time."""
    reasons = []
    for job in jobs:
        for task in job.tasks:
            fits = [a for a in task.alternatives if any(e - s >= a.duration for s, e in available[a.machine_id])]
            if not fits:
                longest = {a.machine_id: max((e - s for s, e in available[a.machine_id]), default=0)
                           for a in task.alternatives}
                machines = ", ".join(f"{m} (longest working stretch {_hours(w)})" for m, w in longest.items())
                reasons.append(
                    f"Order {job.order.id}, operation {task.operation_id} needs {_hours(task.shortest)} without a "
                    f"break, but no eligible machine has such a stretch of working time before the horizon "
                    f"ends: {machines}."
                )
    return reasons


def _orders_that_cannot_finish(request: PlanRequest, jobs: list[Job]) -> list[str]:
    horizon = request.options.horizon_minutes
    reasons = []
    for job in jobs:
        lags = minimum_lag_total(job)
        if max(job.order.release, 0) + job.min_work + lags > horizon:
            waits = f" and {_hours(lags)} of minimum time lags" if lags else ""
            reasons.append(
                f"Order {job.order.id} needs at least {_hours(job.min_work)} of processing{waits} after its "
                f"release, which ends after the planning horizon ({_hours(horizon)} from plan start)."
            )
    return reasons


def _overloaded_machines(jobs: list[Job], available: dict[str, list[Interval]]) -> list[str]:
    """Work that can only go to one machine must fit into that machine's working time."""
    dedicated: dict[str, int] = {}
    orders: dict[str, list[str]] = {}
    for job in jobs:
        for task in job.tasks:
            if len(task.alternatives) == 1:
                machine_id = task.alternatives[0].machine_id
                dedicated[machine_id] = dedicated.get(machine_id, 0) + task.alternatives[0].duration
                orders.setdefault(machine_id, []).append(job.order.id)
    reasons = []
    for machine_id, work in sorted(dedicated.items()):
        capacity = sum(e - s for s, e in available[machine_id])
        if work > capacity:
            names = ", ".join(sorted(set(orders[machine_id]))[:8])
            reasons.append(
                f"Machine {machine_id} has {_hours(capacity)} of working time in the horizon but the orders that "
                f"can only run on it ({names}{', ...' if len(set(orders[machine_id])) > 8 else ''}) need "
                f"{_hours(work)}."
            )
    return reasons


def solver_infeasible_reason(jobs: list[Job], available: dict[str, list[Interval]]) -> str:
    """Fallback explanation when the solver proves infeasibility that the checks above missed."""
    load: dict[str, float] = {}
    for job in jobs:
        for task in job.tasks:
            share = task.shortest / len(task.alternatives)
            for alternative in task.alternatives:
                load[alternative.machine_id] = load.get(alternative.machine_id, 0.0) + share
    ratios = sorted(
        ((w / max(sum(e - s for s, e in available[m]), 1), m) for m, w in load.items()), reverse=True
    )[:3]
    busiest = ", ".join(f"{m} ({r:.0%} of its working time)" for r, m in ratios)
    return (
        "No schedule fits all orders into the machines' working time before the horizon ends, given the "
        f"release dates, shift calendars and maintenance windows. Most loaded machines: {busiest}. "
        "Extend the horizon, add shifts or move maintenance."
    )


def _hours(minutes: float) -> str:
    return f"{minutes / 60:.1f} h"
