"""A solver-independent check of any schedule against its request.

It knows nothing of CP-SAT: it re-derives every rule from the request itself (each order's
operations once, on an eligible machine, for the right duration, in routing order (or within the
lags of each predecessor of a precedence graph), after the release, inside working time less risk
reserves and inside the horizon, one at a time per machine,
family changeovers between lots, time lags and transfer batches between operations, work in progress
at plan start, operations that pause over non-working time, loads of batch machines (one recipe, together,
within capacity; loads take turns),
secondary resources within their shift's capacity, dies mounted in time and on one machine at a time,
material and component stock never negative, lots split into sub-lots (their quantities, minimum sizes and
durations on their machines),
preventive maintenance before its deadline, the
defect-rate cap) and recomputes the per-order results and KPIs.
Tests run it after every solve.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from itertools import pairwise

from planner.calendar import availability_by_machine
from planner.domain import NO_MACHINE, BatchRecipe, PlanRequest
from planner.kpis import compute_kpis, order_results
from planner.risk import maintenance_requirements, planning_availability
from planner.scheduling.rules.batching import loads_of, lot_load, recipe_of
from planner.scheduling.rules.changeovers import changeover_minutes
from planner.scheduling.rules.die_mounts import change_holds, die_problems
from planner.scheduling.rules.lot_splitting import group_sublots, sublot_problems, whole_lot_problem
from planner.scheduling.rules.materials import stock_problems
from planner.scheduling.rules.oven_rules import load_window, oven_problems
from planner.scheduling.rules.pausing import pause_problem
from planner.scheduling.rules.precedence import link_problems
from planner.scheduling.rules.resources import holds_of, usage_problems
from planner.scheduling.rules.sequence import sequence_problems
from planner.scheduling.rules.staffing import staffing_problems
from planner.scheduling.rules.transfer_batches import transfer_delay
from planner.scheduling.tasks import Alternative, Job, Task, build_jobs
from planner.solution import PlanResult, ScheduledMaintenance, ScheduledOperation, planned_request


def check_schedule(request: PlanRequest, assignments: list[ScheduledOperation],
                   maintenance: Sequence[ScheduledMaintenance] = ()) -> list[str]:
    """Every rule the schedule breaks, in plain words (empty when it is valid)."""
    problems: list[str] = []
    paused: set[str] = set()  # labels of operations that may pause where they run
    available: dict[str, list[tuple[int, int]]] = {}
    jobs = {job.order.id: job for job in build_jobs(request)}
    by_order: dict[str, dict[int, ScheduledOperation]] = defaultdict(dict)
    split = {(t.order_id, t.index) for job in jobs.values() for t in job.tasks if t.split is not None}
    spans, sublots = group_sublots(assignments, split)  # a split lot is checked as its span (`lot_splitting`)
    for placed in spans:
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
            if task.split is None:  # only a lot that may split comes in sub-lots (`plant_rules.lot_splitting`)
                problems += whole_lot_problem(label, found)
                if found.quantity != task.quantity:
                    problems.append(f"{label}: hands on {found.quantity} units, the lot is {task.quantity}")
            alternative = task.placed_on(found)
            if alternative is None and (found.mode_id or task.has_modes):  # `planner.scheduling.rules.modes`
                problems.append(f"{label}: mode '{found.mode_id}' on machine '{found.machine_id}' is not a mode of it")
            elif alternative is None:
                problems.append(f"{label}: machine {found.machine_id} is not eligible")
            elif alternative.may_pause:  # its work time in working time, pauses between (`plant_rules.pausing`)
                paused.add(f"{order_id}/{task.index}")
                available = available or planning_availability(request, availability_by_machine(request))
                problem = pause_problem(label, found.machine_id, found.start, found.end, alternative.duration,
                                        alternative.setup, available.get(found.machine_id, []))
                problems += [problem] if problem else []
            elif task.split is not None:  # each sub-lot on its machine (`planner.scheduling.rules.lot_splitting`)
                problems += sublot_problems(label, task, sublots.get((order_id, task.index), []))
            elif alternative.batch_window is not None:  # its load's length, checked with the load (`_batch_problems`)
                pass
            elif found.end - found.start != alternative.duration:
                problems.append(f"{label}: lasts {found.end - found.start} min, needs {alternative.duration}")
            chain = task.predecessors is None  # else a precedence graph: `link_problems` below
            if chain and previous is None and found.start < job.order.release:
                problems.append(f"{label}: starts at {found.start}, before its release at {job.order.release}")
            elif chain and previous is not None:
                problems += _precedence_problems(label, task, found, alternative, *previous)
            previous = (found, alternative)
        problems += link_problems(job, placed_ops)
    problems += _time_lag_problems(request, by_order)
    problems += _work_in_progress_problems(request, by_order)
    problems += _machine_problems(request, assignments, maintenance, frozenset(paused))
    problems += _batch_problems(request, assignments)
    problems += _oven_problems(request, assignments)
    problems += _resource_problems(request, jobs, assignments)
    problems += die_problems(request, assignments, planning_availability(request, availability_by_machine(request)),
                             maintenance, list(jobs.values()))
    problems += staffing_problems(request, assignments, list(jobs.values()))
    problems += stock_problems(request, list(jobs.values()), assignments)
    problems += sequence_problems(request, assignments)
    return problems


def _precedence_problems(label: str, task: Task, found: ScheduledOperation, alternative: Alternative | None,
                         before: ScheduledOperation, before_alternative: Alternative | None) -> list[str]:
    """After the previous operation ends, or, taking transfer batches, once its first batch is done and late
    enough never to wait for a later one (`planner.scheduling.rules.transfer_batches`)."""
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
                      maintenance: Sequence[ScheduledMaintenance], paused: frozenset[str] = frozenset()) -> list[str]:
    """One at a time per machine, inside working time (a pausing operation, in `paused`, spans its pauses and holds
    the machine through them; its work in working time is checked with its duration)."""
    problems = []
    available = planning_availability(request, availability_by_machine(request))
    by_machine: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
    batch = {m.id for m in request.factory.machines if m.is_batch}
    for placed in assignments:
        if placed.machine_id == NO_MACHINE:  # manual work: no machine to share, no calendar; its resources are checked
            if placed.start < 0 or placed.end > request.options.horizon_minutes:
                problems.append(f"{placed.order_id}/{placed.operation_index}: outside the horizon")
        elif placed.machine_id not in batch:
            by_machine[placed.machine_id].append((placed.start, placed.end,
                                                  f"{placed.order_id}/{placed.operation_index}"))
    for load in loads_of(request, assignments):  # the lots of a load share its time: the load takes turns
        by_machine[load.machine_id].append((load.start, load.end, f"{load.recipe} load ({', '.join(load.order_ids)})"))
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
            if end > start and label not in paused and not any(s <= start and end <= e
                                                               for s, e in available[machine_id]):
                problems.append(f"{label} on {machine_id}: runs outside working time (off shift, maintenance or "
                                "risk reserve)")
    return problems + _changeover_problems(request, assignments)


def _changeover_problems(request: PlanRequest, assignments: list[ScheduledOperation]) -> list[str]:
    family = {p.id: p.family for p in request.factory.products}
    problems = []
    by_machine: dict[str, list[ScheduledOperation]] = defaultdict(list)
    batch = {m.id for m in request.factory.machines if m.is_batch}
    for placed in assignments:
        if placed.machine_id not in batch and placed.machine_id != NO_MACHINE:  # recipes instead; no machine
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


def _batch_problems(request: PlanRequest, assignments: Sequence[ScheduledOperation]) -> list[str]:
    """Lots that start together on a batch machine form a load: they end together, share one recipe the
    machine runs, for its cycle time, and fit its capacity; a lot running at plan start takes no other lot."""
    machines = {m.id: m for m in request.factory.machines if m.is_batch}
    running = {(o.id, o.work_in_progress.running.operation_id) for o in request.orders
               if o.work_in_progress is not None and o.work_in_progress.running is not None}
    groups: dict[tuple[str, int], list[ScheduledOperation]] = defaultdict(list)
    for placed in assignments:
        if placed.machine_id in machines:
            groups[(placed.machine_id, placed.start)].append(placed)
    problems = []
    for (machine_id, start), lots in sorted(groups.items()):
        machine, where = machines[machine_id], f"load on {machine_id} at {start}"
        names = ", ".join(f"{lot.order_id}/{lot.operation_index}" for lot in lots)
        recipes = {recipe_of(request, lot) for lot in lots}
        if len(recipes) > 1:
            problems.append(f"{where}: mixes recipes {sorted(str(r) for r in recipes)} ({names})")
        if len({lot.end for lot in lots}) > 1:
            problems.append(f"{where}: its lots do not end together ({names})")
        for lot in lots:
            recipe = machine.recipe(recipe_of(request, lot) or "")
            in_progress = (lot.order_id, lot.operation_id) in running
            if recipe is None:
                problems.append(f"{where}: {lot.order_id}/{lot.operation_index} has no recipe {machine_id} runs")
            elif not in_progress and not _in_window(request, lot, recipe, lot.end - lot.start):
                low, high = load_window(request.factory.product(lot.product_id).routing[lot.operation_index], recipe)
                problems.append(f"{where}: {lot.order_id}/{lot.operation_index} lasts {lot.end - lot.start} min, "
                                f"the {recipe.id} cycle is {low}" + (f" to {high}" if high > low else ""))
            if in_progress and len(lots) > 1:
                problems.append(f"{where}: {lot.order_id} runs since before plan start, no lot can join it ({names})")
        load, capacity = sum(lot_load(request, lot) for lot in lots), machine.batch_capacity or 0.0
        if load > capacity * (1 + 1e-9) + 1e-9:
            problems.append(f"{where}: holds {load:g}, more than its capacity {capacity:g} ({names})")
    return problems


def _in_window(request: PlanRequest, lot: ScheduledOperation, recipe: BatchRecipe, length: int) -> bool:
    """A lot's load lasts within its window: the recipe's cycle, or its own (`planner.scheduling.rules.oven_rules`)."""
    low, high = load_window(request.factory.product(lot.product_id).routing[lot.operation_index], recipe)
    return low <= length <= high


def _oven_problems(request: PlanRequest, assignments: Sequence[ScheduledOperation]) -> list[str]:
    """Minimum fill and recipe changeovers of batch machines (`planner.scheduling.rules.oven_rules`)."""
    batch = {m.id for m in request.factory.machines if m.is_batch}
    if not batch:
        return []
    available = planning_availability(request, availability_by_machine(request))
    return oven_problems(request, loads_of(request, assignments), {m: available.get(m, []) for m in batch})


def _resource_problems(request: PlanRequest, jobs: Mapping[str, Job],
                       assignments: Sequence[ScheduledOperation]) -> list[str]:
    """Secondary resources: at no moment held beyond the capacity of the shift (whole run, or the setup only,
    whose length comes from the request, not from the plan)."""
    uses: dict[str, list[tuple[int, int, int, str]]] = defaultdict(list)
    for hold in holds_of(request, assignments, list(jobs.values())):
        uses[hold.resource_id].append((hold.start, hold.end, hold.quantity, hold.holder))
    for resource_id, start, end, units, holder in change_holds(request, assignments, list(jobs.values())):
        uses[resource_id].append((start, end, units, holder))  # a die change holds what a setup does
    return usage_problems(request, uses)


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
