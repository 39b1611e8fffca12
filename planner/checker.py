"""A solver-independent check of any schedule against its request.

It knows nothing of CP-SAT: it re-derives every rule from the request itself (each order's
operations once, on an eligible machine, for the right duration, in routing order, after the
release, inside working time and the horizon, one at a time per machine) and recomputes the KPIs.
Tests run it after every solve.
"""

from __future__ import annotations

from collections import defaultdict
from itertools import pairwise

from planner.calendar import availability_by_machine
from planner.domain import PlanRequest
from planner.kpis import compute_kpis, order_results
from planner.solution import PlanResult, ScheduledOperation
from planner.tasks import build_jobs


def check_schedule(request: PlanRequest, assignments: list[ScheduledOperation]) -> list[str]:
    """Every rule the schedule breaks, in plain words (empty when it is valid)."""
    problems: list[str] = []
    jobs = {job.order.id: job for job in build_jobs(request)}
    by_order: dict[str, dict[int, ScheduledOperation]] = defaultdict(dict)
    for placed in assignments:
        if placed.order_id not in jobs:
            problems.append(f"{placed.order_id}: not an order of the request")
            continue
        if placed.operation_index in by_order[placed.order_id]:
            problems.append(f"{placed.order_id}/{placed.operation_index}: scheduled more than once")
        by_order[placed.order_id][placed.operation_index] = placed
    for order_id, job in jobs.items():
        placed_ops = by_order.get(order_id, {})
        previous_end = job.order.release
        for task in job.tasks:
            found = placed_ops.get(task.index)
            label = f"{order_id}/{task.index} ({task.operation_id})"
            if found is None:
                problems.append(f"{label}: not scheduled")
                continue
            alternative = task.alternative(found.machine_id)
            if alternative is None:
                problems.append(f"{label}: machine {found.machine_id} is not eligible")
            elif found.end - found.start != alternative.duration:
                problems.append(f"{label}: lasts {found.end - found.start} min, needs {alternative.duration}")
            if found.start < previous_end:
                problems.append(f"{label}: starts at {found.start}, before its predecessor/release at {previous_end}")
            previous_end = found.end
    problems += _machine_problems(request, assignments)
    return problems


def _machine_problems(request: PlanRequest, assignments: list[ScheduledOperation]) -> list[str]:
    problems = []
    available = availability_by_machine(request)
    by_machine: dict[str, list[ScheduledOperation]] = defaultdict(list)
    for placed in assignments:
        by_machine[placed.machine_id].append(placed)
    for machine_id, placed_ops in by_machine.items():
        if machine_id not in available:
            problems.append(f"machine {machine_id}: not in the factory")
            continue
        ordered = sorted(placed_ops, key=lambda a: a.start)
        for first, second in pairwise(ordered):
            if second.start < first.end:
                problems.append(
                    f"machine {machine_id}: {first.order_id}/{first.operation_index} and "
                    f"{second.order_id}/{second.operation_index} overlap"
                )
        for placed in ordered:
            if placed.end > request.options.horizon_minutes or placed.start < 0:
                problems.append(f"{placed.order_id}/{placed.operation_index}: outside the horizon")
            inside = any(s <= placed.start and placed.end <= e for s, e in available[machine_id])
            if not inside and placed.end > placed.start:
                problems.append(
                    f"{placed.order_id}/{placed.operation_index} on {machine_id}: runs outside working time "
                    "(off shift or maintenance)"
                )
    return problems


def check_plan(request: PlanRequest, plan: PlanResult) -> list[str]:
    """The schedule rules plus consistency of the reported per-order results and KPIs."""
    if not plan.status.has_solution:
        return [] if not plan.assignments else ["a plan without a solution carries assignments"]
    problems = check_schedule(request, plan.assignments)
    if problems:
        return problems
    if plan.order_results != order_results(request, plan.assignments):
        problems.append("reported order results do not match the schedule")
    if plan.kpis != compute_kpis(request, plan.assignments):
        problems.append("reported KPIs do not match the schedule")
    return problems
