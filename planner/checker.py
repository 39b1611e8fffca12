"""A solver-independent check of any schedule against its request.

It knows nothing of CP-SAT: it re-derives every rule from the request itself (each order's
operations once, on an eligible machine, for the right duration, in routing order, after the
release, inside working time less risk reserves and inside the horizon, one at a time per machine,
family changeovers between lots, time lags and transfer batches between operations, work in progress
at plan start, preventive maintenance before its deadline, the defect-rate cap) and recomputes the
per-order results and KPIs.
Tests run it after every solve.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from itertools import pairwise

from planner.calendar import availability_by_machine
from planner.domain import PlanRequest
from planner.kpis import compute_kpis, order_results
from planner.plant_rules.transfer_batches import transfer_delay
from planner.risk import maintenance_requirements, planning_availability
from planner.rules import changeover_minutes
from planner.solution import PlanResult, ScheduledMaintenance, ScheduledOperation, planned_request
from planner.tasks import Alternative, Task, build_jobs


def check_schedule(request: PlanRequest, assignments: list[ScheduledOperation],
                   maintenance: Sequence[ScheduledMaintenance] = ()) -> list[str]:
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
        previous: tuple[ScheduledOperation, Alternative | None] | None = None
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
            if previous is None and found.start < job.order.release:
                problems.append(f"{label}: starts at {found.start}, before its release at {job.order.release}")
            elif previous is not None:
                problems += _precedence_problems(label, task, found, alternative, *previous)
            previous = (found, alternative)
    problems += _time_lag_problems(request, by_order)
    problems += _work_in_progress_problems(request, by_order)
    problems += _machine_problems(request, assignments, maintenance)
    return problems


def _precedence_problems(label: str, task: Task, found: ScheduledOperation, alternative: Alternative | None,
                         before: ScheduledOperation, before_alternative: Alternative | None) -> list[str]:
    """After the previous operation ends, or, taking transfer batches, once its first batch is done and late
    enough never to wait for a later one (`planner.plant_rules.transfer_batches`)."""
    if task.transfer_batch is not None and alternative is not None and before_alternative is not None:
        earliest = before.start + transfer_delay(before_alternative, alternative, task.transfer_batch)
        if found.start < earliest:
            return [f"{label}: starts at {found.start}, before {earliest}, when transfer batches of "
                    f"{task.transfer_batch} units from its predecessor keep it running"]
        return []
    if found.start < before.end:
        return [f"{label}: starts at {found.start}, before its predecessor ends at {before.end}"]
    return []


def _time_lag_problems(request: PlanRequest, by_order: Mapping[str, Mapping[int, ScheduledOperation]]) -> list[str]:
    """Each operation starts within its lags after the previous operation of its order, where both are planned."""
    routings = {p.id: p.routing for p in request.factory.products}
    problems = []
    for order in request.orders:
        placed = by_order.get(order.id, {})
        for index, operation in enumerate(routings.get(order.product_id, [])):
            before, after = placed.get(index - 1), placed.get(index)
            if before is None or after is None:
                continue
            gap = after.start - before.end
            label = f"{order.id}/{index} ({operation.id})"
            if operation.min_lag_minutes > 0 and gap < operation.min_lag_minutes:
                problems.append(f"{label}: starts {gap} min after its previous operation ends, needs at least "
                                f"{operation.min_lag_minutes} (minimum time lag)")
            if operation.max_lag_minutes is not None and gap > operation.max_lag_minutes:
                problems.append(f"{label}: starts {gap} min after its previous operation ends, at most "
                                f"{operation.max_lag_minutes} allowed (maximum time lag)")
    return problems


def _work_in_progress_problems(request: PlanRequest,
                               by_order: Mapping[str, Mapping[int, ScheduledOperation]]) -> list[str]:
    """Done operations are not planned again; a running one stays on its machine from plan start for its
    remaining minutes."""
    routings = {p.id: p.routing for p in request.factory.products}
    problems = []
    for order in request.orders:
        progress = order.work_in_progress
        if progress is None:
            continue
        placed = by_order.get(order.id, {})
        done = len(progress.done_operation_ids)
        problems += [f"{order.id}/{index}: planned although the MES reports it done" for index in placed
                     if index < done]
        running = progress.running
        found = placed.get(done)
        if running is None or found is None or order.product_id not in routings:
            continue
        if (found.machine_id, found.start, found.end) != (running.machine_id, 0, running.remaining_minutes):
            problems.append(f"{order.id}/{done} ({running.operation_id}): runs on {running.machine_id} from plan "
                            f"start for {running.remaining_minutes} min (work in progress), planned on "
                            f"{found.machine_id} from {found.start} to {found.end}")
    return problems


def _machine_problems(request: PlanRequest, assignments: list[ScheduledOperation],
                      maintenance: Sequence[ScheduledMaintenance]) -> list[str]:
    problems = []
    available = planning_availability(request, availability_by_machine(request))
    by_machine: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
    for placed in assignments:
        by_machine[placed.machine_id].append((placed.start, placed.end, f"{placed.order_id}/{placed.operation_index}"))
    for task in maintenance:
        by_machine[task.machine_id].append((task.start, task.end, f"maintenance of {task.machine_id}"))
    for machine_id, items in by_machine.items():
        if machine_id not in available:
            problems.append(f"machine {machine_id}: not in the factory")
            continue
        ordered = sorted(items)
        problems += [f"machine {machine_id}: {a[2]} and {b[2]} overlap" for a, b in pairwise(ordered) if b[0] < a[1]]
        for start, end, label in ordered:
            if end > request.options.horizon_minutes or start < 0:
                problems.append(f"{label}: outside the horizon")
            if end > start and not any(s <= start and end <= e for s, e in available[machine_id]):
                problems.append(f"{label} on {machine_id}: runs outside working time (off shift, maintenance or "
                                "risk reserve)")
    return problems + _changeover_problems(request, assignments)


def _changeover_problems(request: PlanRequest, assignments: list[ScheduledOperation]) -> list[str]:
    family = {p.id: p.family for p in request.factory.products}
    problems = []
    by_machine: dict[str, list[ScheduledOperation]] = defaultdict(list)
    for placed in assignments:
        by_machine[placed.machine_id].append(placed)
    for machine_id, placed_ops in by_machine.items():
        for a, b in pairwise(sorted(placed_ops, key=lambda op: (op.start, op.end))):
            changeovers = request.factory.changeovers
            gap = changeover_minutes(changeovers, machine_id, family[a.product_id], family[b.product_id])
            if b.start < a.end + gap:
                problems.append(f"machine {machine_id}: {b.order_id}/{b.operation_index} starts "
                                f"{a.end + gap - b.start} min before the {gap}-min changeover after "
                                f"{a.order_id}/{a.operation_index} ends")
    return problems


def _maintenance_problems(request: PlanRequest, maintenance: Sequence[ScheduledMaintenance],
                          overdue: OverdueMaintenance) -> list[str]:
    problems = []
    placed = {m.machine_id: m for m in maintenance}
    for requirement in maintenance_requirements(request):
        task = placed.get(requirement.machine_id)
        earliest = overdue.get(requirement.machine_id)
        late = task is not None and (task.start < earliest if earliest is not None
                                     else task.start > requirement.latest_start)
        if task is None:
            problems.append(f"maintenance of {requirement.machine_id}: required by minute "
                            f"{requirement.latest_start} but not scheduled")
        elif late or task.end - task.start != requirement.minutes:
            problems.append(f"maintenance of {requirement.machine_id}: starts at {task.start} for "
                            f"{task.end - task.start} min; must start by {requirement.latest_start} for "
                            f"{requirement.minutes} min")
    return problems


def _defect_cap_problems(request: PlanRequest, plan: PlanResult) -> list[str]:
    cap = request.options.max_expected_defect_rate
    if cap is None or plan.kpis is None or plan.kpis.expected_defect_rate <= cap + 1e-4:
        return []
    return [f"expected defect rate {plan.kpis.expected_defect_rate:.4f} is above the cap {cap:.4f}"]


OverdueMaintenance = Mapping[str, int]
"""Machine id -> earliest start of a maintenance task whose deadline a re-plan made soft (its re-plan
time): the task must start at or after it instead of by its deadline."""


def check_plan(request: PlanRequest, plan: PlanResult,
               overdue_maintenance: OverdueMaintenance | None = None) -> list[str]:
    """The schedule rules plus maintenance, the defect cap and consistency of the reported results and KPIs.

    `overdue_maintenance` comes from a re-plan (`ReplanResult.overdue_maintenance`)."""
    if not plan.status.has_solution:
        return [] if not plan.assignments else ["a plan without a solution carries assignments"]
    request = planned_request(request, plan)  # the client's orders plus the forecast lots the plan declares
    problems = check_schedule(request, plan.assignments, plan.maintenance)
    problems += _maintenance_problems(request, plan.maintenance, overdue_maintenance or {})
    if problems:
        return problems
    if plan.order_results != order_results(request, plan.assignments):
        problems.append("reported order results do not match the schedule")
    if plan.kpis != compute_kpis(request, plan.assignments, plan.maintenance):
        problems.append("reported KPIs do not match the schedule")
    return problems + _defect_cap_problems(request, plan)
