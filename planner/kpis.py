"""KPIs of a schedule, computed from the schedule and the request alone (no solver values).

Because nothing here comes from the solver, the same function scores a counterfactual plan under
the predictions it ignored, and the checker can compare reported KPIs with recomputed ones.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from itertools import pairwise

from planner.calendar import Interval, availability_by_machine
from planner.domain import NO_MACHINE, PlanRequest
from planner.risk import penalty_rates, risk_exposure_hours
from planner.scheduling.rules.batching import average_fill, loads_of
from planner.scheduling.rules.changeovers import changeover_minutes
from planner.scheduling.rules.die_mounts import die_changes
from planner.scheduling.rules.lot_splitting import split_counts
from planner.scheduling.rules.materials import has_materials, material_waits
from planner.scheduling.rules.oven_rules import with_changeovers
from planner.scheduling.rules.pausing import WorkingTime
from planner.scheduling.tasks import Job, build_jobs, processed_quantity
from planner.solution import (
    CostBreakdown,
    Kpis,
    MachineUtilization,
    OrderResult,
    ScheduledMaintenance,
    ScheduledOperation,
)


def order_results(request: PlanRequest, assignments: Sequence[ScheduledOperation]) -> list[OrderResult]:
    """Completion and tardiness per order, in request order (orders without operations are skipped)."""
    completion: dict[str, int] = {}
    for placed in assignments:
        completion[placed.order_id] = max(completion.get(placed.order_id, placed.end), placed.end)
    return [
        OrderResult(order_id=order.id, completion=completion[order.id], due=order.due,
                    tardiness=max(0, completion[order.id] - order.due))
        for order in request.orders
        if order.id in completion
    ]


def compute_kpis(request: PlanRequest, assignments: Sequence[ScheduledOperation],
                 maintenance: Sequence[ScheduledMaintenance] = (), jobs: Sequence[Job] | None = None,
                 calendar: Mapping[str, list[Interval]] | None = None) -> Kpis:
    """The plan's KPIs; with the plan's `jobs` the request's jobs are not built again (twice: 0.3 s of 0.65 s at
    2,000 plant-grade orders), with its `calendar` (`availability_by_machine` of the request) not the machines'
    working time (0.04 s there)."""
    results = order_results(request, assignments)
    orders = {o.id: o for o in request.orders}
    makespan = max((a.end for a in assignments), default=0)
    late = [r for r in results if not r.on_time]
    weighted = sum(orders[r.order_id].weight * r.tardiness for r in results)
    processed, scrap = _yield_totals(request, assignments)
    ordered = sum(o.quantity for o in request.orders)
    loads = with_changeovers(request, loads_of(request, assignments))
    busy = _busy(assignments)
    return Kpis(
        on_time_rate=(len(results) - len(late)) / len(results) if results else 1.0,
        late_orders=len(late),
        total_tardiness_minutes=sum(r.tardiness for r in results),
        weighted_tardiness_minutes=weighted,
        makespan_minutes=makespan,
        machine_utilization=_utilization(request, assignments, busy, makespan, calendar),
        fill_rate=sum(orders[r.order_id].quantity for r in results if r.on_time) / ordered if ordered else 1.0,
        processed_units=processed,
        expected_scrap_units=scrap,
        risk_exposure_hours=risk_exposure_hours(request, busy,
                                                {m.machine_id: m.end for m in maintenance}),
        changeover_minutes=_changeovers(request, assignments),
        average_batch_fill=average_fill(loads),
        recipe_changeover_minutes=sum(load.changeover_minutes for load in loads),
        recipe_changeovers=sum(1 for load in loads if load.changeover_from is not None),
        split_operations=split_counts(assignments)[0],
        sublots=split_counts(assignments)[1],
        material_wait_minutes=_material_wait_minutes(request, assignments, jobs),
        die_changes=len(changes := die_changes(request, assignments, jobs)),
        die_change_minutes=sum(c.end - c.start for c in changes),
        costs=CostBreakdown(
            lateness=request.options.late_cost_per_minute * weighted,
            scrap=_scrap_cost(request, assignments),
            risk_penalty=_risk_penalty(request, assignments),
        ),
    )


def _material_wait_minutes(request: PlanRequest, assignments: Sequence[ScheduledOperation],
                           jobs: Sequence[Job] | None = None) -> int:
    """Per operation, the longest it waited for one of its materials, summed."""
    if not has_materials(request):
        return 0
    longest: dict[tuple[str, int], int] = {}
    for wait in material_waits(request, jobs if jobs is not None else build_jobs(request), assignments):
        key = (wait.order_id, wait.operation_index)
        longest[key] = max(longest.get(key, 0), wait.minutes)
    return sum(longest.values())


def _yield_rates(request: PlanRequest) -> Callable[[str, str], float]:
    """`PlanRequest.yield_rate` by a dict: its scan of the estimates ran once per operation."""
    rates: dict[tuple[str, str], float] = {}
    for estimate in reversed(request.yields):  # the first estimate of a pair wins, as in the scan
        rates[(estimate.product_id, estimate.machine_id)] = estimate.yield_rate
    return lambda product_id, machine_id: rates.get((product_id, machine_id), 1.0)


def _yield_totals(request: PlanRequest, assignments: Sequence[ScheduledOperation]) -> tuple[int, float]:
    processed, scrap = 0, 0.0
    yield_rate = _yield_rates(request)
    for placed in assignments:
        rate = yield_rate(placed.product_id, placed.machine_id)
        units = processed_quantity(placed.quantity, rate)
        processed += units
        scrap += units * (1 - rate)
    return processed, scrap


def _scrap_cost(request: PlanRequest, assignments: Sequence[ScheduledOperation]) -> float:
    costs = {p.id: p.scrap_cost for p in request.factory.products}
    total = 0.0
    yield_rate = _yield_rates(request)
    for placed in assignments:
        rate = yield_rate(placed.product_id, placed.machine_id)
        total += processed_quantity(placed.quantity, rate) * (1 - rate) * costs[placed.product_id]
    return total


def _risk_penalty(request: PlanRequest, assignments: Sequence[ScheduledOperation]) -> float:
    rates = penalty_rates(request)
    weights = {o.id: o.weight for o in request.orders}
    return request.options.risk_penalty_weight * sum(
        rates.get(a.machine_id, 0.0) * weights[a.order_id] * (a.end - a.start) for a in assignments)


def _busy(assignments: Sequence[ScheduledOperation]) -> dict[str, list[tuple[int, int]]]:
    """Busy intervals per machine; the lots of one batch load share one interval."""
    busy: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for placed in assignments:
        busy[placed.machine_id].append((placed.start, placed.end))
    for machine_id, intervals in busy.items():
        busy[machine_id] = sorted(set(intervals))
    return busy


def _changeovers(request: PlanRequest, assignments: Sequence[ScheduledOperation]) -> int:
    if not request.factory.changeovers:
        return 0
    family = {p.id: p.family for p in request.factory.products}
    total = 0
    by_machine: dict[str, list[ScheduledOperation]] = defaultdict(list)
    batch = {m.id for m in request.factory.machines if m.is_batch}
    for placed in assignments:
        if placed.machine_id not in batch and placed.machine_id != NO_MACHINE:  # recipes instead; manual work
            by_machine[placed.machine_id].append(placed)
    for machine_id, placed_ops in by_machine.items():
        ordered = sorted(placed_ops, key=lambda a: a.start)
        total += sum(changeover_minutes(request.factory.changeovers, machine_id, family[a.product_id],
                                        family[b.product_id]) for a, b in pairwise(ordered))
    return total


def _utilization(
    request: PlanRequest, assignments: Sequence[ScheduledOperation], busy_intervals: Mapping[str, list[Interval]],
    makespan: int, calendar: Mapping[str, list[Interval]] | None = None,
) -> list[MachineUtilization]:
    """Per machine, its work in working time (`busy_intervals`: `_busy`), working time up to the makespan and
    operations."""
    available = calendar if calendar is not None else availability_by_machine(request)
    busy: dict[str, int] = {m.id: 0 for m in request.factory.machines}
    count: dict[str, int] = {m.id: 0 for m in request.factory.machines}
    for placed in assignments:
        if placed.machine_id in count:  # manual work is on no machine
            count[placed.machine_id] += 1
    for machine_id, intervals in busy_intervals.items():  # a batch load's time counts once
        if machine_id in busy:  # work in working time: an operation's pauses overnight are not work
            working = WorkingTime(available[machine_id])
            busy[machine_id] = sum(working.between(start, end) for start, end in intervals)
    return [
        MachineUtilization(
            machine_id=machine.id,
            busy_minutes=busy[machine.id],
            available_minutes=sum(max(0, min(e, makespan) - s) for s, e in available[machine.id] if s < makespan),
            operations=count[machine.id],
        )
        for machine in request.factory.machines
    ]
