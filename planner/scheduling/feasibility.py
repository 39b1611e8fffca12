"""Sound infeasibility proofs that name what conflicts, checked before any solver runs.

Each check either proves the request has no plan (and says why in a planner's words) or says
nothing. When all are silent and the solver still reports INFEASIBLE, `solver_infeasible_reason`
gives the most loaded machines as the place to look.
"""

from __future__ import annotations

from planner.calendar import Interval
from planner.domain import NO_MACHINE, PlanRequest
from planner.scheduling.rules.materials import shortage_reasons
from planner.scheduling.rules.pausing import clock_end
from planner.scheduling.rules.precedence import max_lag_conflicts
from planner.scheduling.rules.time_lags import minimum_lag_total
from planner.scheduling.tasks import Alternative, Job


def infeasibility_reasons(request: PlanRequest, jobs: list[Job], available: dict[str, list[Interval]]) -> list[str]:
    """Reasons no schedule can exist (empty when none was found)."""
    return (
        _operations_longer_than_any_window(jobs, available)
        + _orders_that_cannot_finish(request, jobs)
        + _overloaded_machines(jobs, available)
        + shortage_reasons(request, jobs)
        + [conflict for job in jobs for conflict in max_lag_conflicts(job)]
    )


def _fits(alternative: Alternative, stretches: list[Interval]) -> bool:
    """An operation that may not pause needs one stretch of working time as long as it; one that may pause
    (`planner.scheduling.rules.pausing`) needs a stretch its setup fits into, and its work time from there on."""
    if alternative.may_pause:
        return any(clock_end(s, alternative.duration, alternative.setup, stretches) is not None for s, _ in stretches)
    return any(e - s >= alternative.duration for s, e in stretches)


def _operations_longer_than_any_window(jobs: list[Job], available: dict[str, list[Interval]]) -> list[str]:
    """Hard: an operation that may not pause runs without interruption, so it must fit in one stretch of
    working time; one that may pause must find its work time in working time before the horizon ends."""
    reasons = []
    for job in jobs:
        for task in job.tasks:
            if any(a.machine_id == NO_MACHINE for a in task.alternatives):
                continue  # manual work has no machine's working time: its resources' shifts are the model's to check
            if any(_fits(a, available[a.machine_id]) for a in task.alternatives):
                continue
            if any(a.may_pause for a in task.alternatives):
                machines = ", ".join(f"{a.machine_id} ({_hours(sum(e - s for s, e in available[a.machine_id]))} "
                                     "of working time)" for a in task.alternatives)
                reasons.append(
                    f"Order {job.order.id}, operation {task.operation_id} needs {_hours(task.shortest)} of work, "
                    f"pausing over non-working time where allowed, but no eligible machine has that much working "
                    f"time (with its setup in one stretch) before the horizon ends: {machines}."
                )
            else:
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
            if len(task.alternatives) == 1 and task.recipe is None:  # lots in one batch load share its time
                machine_id = task.alternatives[0].machine_id
                dedicated[machine_id] = dedicated.get(machine_id, 0) + task.alternatives[0].duration
                orders.setdefault(machine_id, []).append(job.order.id)
    reasons = []
    dedicated.pop(NO_MACHINE, None)  # manual work runs side by side, on no machine
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
                if alternative.machine_id != NO_MACHINE:
                    load[alternative.machine_id] = load.get(alternative.machine_id, 0.0) + share
    ratios = sorted(
        ((w / max(sum(e - s for s, e in available[m]), 1), m) for m, w in load.items()), reverse=True
    )[:3]
    busiest = ", ".join(f"{m} ({r:.0%} of its working time)" for r, m in ratios)
    lagged = [job.order.id for job in jobs if any(link.max_lag is not None for task in job.tasks
                                                  for link in task.predecessors or ())]
    produced = sorted({material for job in jobs for task in job.tasks for material, _ in task.produces})
    if produced:  # stock made by operations binds the order of producers and consumers to the capacities
        return (
            f"No schedule keeps the stock of {', '.join(produced[:5])} from going below zero (taken at the start of "
            "the operations that use it, put in at the end of those that make it, plus stock and receipts) "
            "together with the capacity of the machines and resources before the horizon ends. Check what "
            "consumes more than is made before it, add stock or receipts, or extend the horizon."
        )
    if lagged:  # maximum lags of a precedence graph bind together with the capacities
        return (
            f"No schedule keeps the maximum time lags of the precedence graph of {', '.join(lagged[:5])} together "
            "with the capacity of the machines and resources they need before the horizon ends: the lags leave "
            "too little room to move the linked operations apart. Relax a maximum lag or add capacity."
        )
    return (
        "No schedule fits all orders into the machines' working time before the horizon ends, given the "
        f"release dates, shift calendars and maintenance windows. Most loaded machines: {busiest}. "
        "Extend the horizon, add shifts or move maintenance."
    )


def _hours(minutes: float) -> str:
    return f"{minutes / 60:.1f} h"
