"""Which die is mounted where in a schedule, and what is wrong with that (`planner.scheduling.rules.dies`).

Solver-independent: `die_changes` derives the die changes any schedule needs (the checker, the KPIs and the plan's
`die_changes` use it): walk the die operations by start; an operation on machine M with die D needs no change
exactly when the last die operation on M used D (or none did and D was mounted on M at plan start) and the last
use of D anywhere was on M. `die_problems` is the checker's part, `die_waits` the explanations', and
`die_violations` the bad input of the rule.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import TYPE_CHECKING

from planner.domain import NO_MACHINE, Operation, PlanRequest, Resource
from planner.scheduling.tasks import Job, build_jobs

if TYPE_CHECKING:
    from planner.scheduling.tasks import Alternative
    from planner.solution import ScheduledMaintenance, ScheduledOperation


def dies_of(request: PlanRequest) -> dict[str, Resource]:
    """The factory's dies (mould, fixture) by id: resources with a mount time."""
    return {r.id: r for r in request.factory.resources if r.is_die}


def has_dies(request: PlanRequest) -> bool:
    """Whether some operation needs a die (else the rule adds nothing)."""
    dies = dies_of(request)
    return bool(dies) and any(need.resource_id in dies for product in request.factory.products
                              for op in product.routing for need in op.resources)


def die_needed(alternative: Alternative, dies: Mapping[str, Resource]) -> str | None:
    """The die the operation runs with on this alternative (validation allows one), None without one."""
    return next((need.resource_id for need in alternative.needs if need.resource_id in dies), None)


def initial_mounts(request: PlanRequest) -> dict[str, str]:
    """Machine id -> the die on it at plan start: `Machine.mounted_die`, and the die of an operation running there."""
    mounted = {m.id: m.mounted_die for m in request.factory.machines if m.mounted_die is not None}
    dies = dies_of(request)
    products = {p.id: p for p in request.factory.products}
    for order in request.orders:
        running = order.work_in_progress.running if order.work_in_progress is not None else None
        product = products.get(order.product_id)
        if running is None or product is None:
            continue
        operation = next((op for op in product.routing if op.id == running.operation_id), None)
        die = next((n.resource_id for n in operation.resources if n.resource_id in dies), None) if operation else None
        if die is not None:
            mounted[running.machine_id] = die
    return mounted


# --- what a schedule implies: changes, and the checker's problems ---------------------------------------------------


@dataclass(frozen=True)
class DieChange:
    """A die change a schedule needs: the die mounted on the machine over [start, end), right before the operation."""

    machine_id: str
    die_id: str
    start: int
    end: int
    order_id: str
    operation_id: str
    operation_index: int
    replaced_die_id: str | None
    """The die taken off the machine (None when none was mounted)."""


@dataclass(frozen=True)
class _DieRun:
    placed: ScheduledOperation
    die: str
    mount: int
    running: bool
    setup_needs: tuple[tuple[str, int], ...]
    """(resource id, units) the operation holds for its setup, also held during its die change."""


def _die_runs(request: PlanRequest, assignments: Sequence[ScheduledOperation],
              jobs: Sequence[Job] | None) -> list[_DieRun]:
    """The scheduled operations that run with a die, by start (an assignment that is no open operation of an order, or
    on a machine it is not eligible for, has none: the checker reports it)."""
    dies = dies_of(request)
    if not dies:
        return []
    tasks = {(job.order.id, task.index): task for job in (jobs if jobs is not None else build_jobs(request))
             for task in job.tasks}
    runs = []
    for placed in assignments:
        task = tasks.get((placed.order_id, placed.operation_index))
        alternative = task.placed_on(placed) if task is not None else None
        die = die_needed(alternative, dies) if alternative is not None else None
        if task is None or alternative is None or die is None or placed.machine_id == NO_MACHINE:
            continue
        setup = tuple((n.resource_id, n.quantity) for n in alternative.needs if n.setup_only)
        runs.append(_DieRun(placed, die, dies[die].mount_minutes, task.running, setup))
    return sorted(runs, key=lambda r: (r.placed.start, r.placed.end, r.placed.machine_id))


def _changes(request: PlanRequest, runs: Sequence[_DieRun]) -> list[tuple[_DieRun, DieChange | None]]:
    """Each die run with the change before it (None when its die is still mounted there)."""
    mounted = initial_mounts(request)
    where = {die: machine_id for machine_id, die in mounted.items()}
    found: list[tuple[_DieRun, DieChange | None]] = []
    for run in runs:
        placed = run.placed
        machine_id = placed.machine_id
        change = None
        if not run.running and (mounted.get(machine_id) != run.die or where.get(run.die) != machine_id):
            change = DieChange(machine_id, run.die, placed.start - run.mount, placed.start, placed.order_id,
                               placed.operation_id, placed.operation_index, mounted.get(machine_id))
        elsewhere = where.get(run.die)
        if elsewhere is not None and elsewhere != machine_id and mounted.get(elsewhere) == run.die:
            del mounted[elsewhere]  # taken off there to be mounted here
        replaced = mounted.get(machine_id)
        if replaced is not None and replaced != run.die:
            where.pop(replaced, None)
        mounted[machine_id], where[run.die] = run.die, machine_id
        found.append((run, change))
    return found


def die_changes(request: PlanRequest, assignments: Sequence[ScheduledOperation],
                jobs: Sequence[Job] | None = None) -> list[DieChange]:
    """Every die change the schedule needs, by start."""
    runs = _die_runs(request, assignments, jobs)
    return sorted((c for _, c in _changes(request, runs) if c is not None), key=lambda c: (c.start, c.machine_id))


def change_holds(request: PlanRequest, assignments: Sequence[ScheduledOperation],
                 jobs: Sequence[Job] | None = None) -> list[tuple[str, int, int, int, str]]:
    """What the die changes hold of the resources their operations need for the setup (a setter):
    (resource id, start, end, units, by whom)."""
    return [(resource_id, change.start, change.end, units, f"die change for {change.order_id}/{change.operation_index}")
            for run, change in _changes(request, _die_runs(request, assignments, jobs)) if change is not None
            for resource_id, units in run.setup_needs]


def die_problems(request: PlanRequest, assignments: Sequence[ScheduledOperation],
                 available: Mapping[str, Sequence[tuple[int, int]]],
                 maintenance: Sequence[ScheduledMaintenance] = (), jobs: Sequence[Job] | None = None) -> list[str]:
    """A die change that is not in working time, before plan start, or meets other work on its machine (the die
    was not mounted in time); a die taken on two machines at once (its changes included)."""
    runs = _changes(request, _die_runs(request, assignments, jobs))
    problems = []
    busy: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
    for placed in assignments:
        busy[placed.machine_id].append((placed.start, placed.end, f"{placed.order_id}/{placed.operation_index}"))
    for task in maintenance:
        busy[task.machine_id].append((task.start, task.end, f"maintenance of {task.machine_id}"))
    changes = [change for _, change in runs if change is not None]
    for change in changes:
        busy[change.machine_id].append((change.start, change.end, f"die change for {change.order_id}/"
                                                                   f"{change.operation_index}"))
    for change in changes:
        label = (f"{change.order_id}/{change.operation_index} on {change.machine_id}: die {change.die_id} must be "
                 f"mounted from {change.start} to {change.end}")
        own = f"die change for {change.order_id}/{change.operation_index}"
        clashes = sorted(who for s, e, who in busy[change.machine_id] if s < change.end and change.start < e
                         and who != own)
        if clashes:
            problems.append(f"{label}, but {', '.join(clashes)} is on the machine then (die not mounted in time)")
        if change.start < 0 or not any(s <= change.start and change.end <= e
                                       for s, e in available.get(change.machine_id, [])):
            problems.append(f"{label}, outside working time or before plan start (die not mounted in time)")
    held: dict[str, list[tuple[int, int, str, str]]] = defaultdict(list)
    for run, before in runs:
        start = before.start if before is not None else run.placed.start
        held[run.die].append((start, run.placed.end, run.placed.machine_id,
                              f"{run.placed.order_id}/{run.placed.operation_index}"))
    for die, uses in held.items():
        for (_, e1, m1, who1), (s2, _, m2, who2) in pairwise(sorted(uses)):
            if s2 < e1:
                problems.append(f"die {die}: on {m1} ({who1}) and {m2} ({who2}) at once from {s2} to {e1}"
                                if m1 != m2 else f"die {die}: held by {who1} and {who2} at once on {m1}")
    return problems


_last_changes: tuple[PlanRequest, Sequence[ScheduledOperation], list[tuple[_DieRun, DieChange | None]]] | None = None
"""The die changes of the last plan `die_waits` read: explaining a plan asks once per late operation, and deriving
them builds every job of the request (at 720 plant-grade orders 8.6 of the 12 s of explaining)."""


def _plan_changes(request: PlanRequest, assignments: Sequence[ScheduledOperation],
                  jobs: Sequence[Job] | None = None) -> list[tuple[_DieRun, DieChange | None]]:
    """`_changes` of the plan, kept for the next call on the same request and assignments (the same objects: the
    cache holds them, so their ids cannot be reused meanwhile). The cache is read once into a local, so that a plan
    explained on another thread meanwhile cannot hand this call its changes."""
    global _last_changes
    cached = _last_changes
    if cached is None or cached[0] is not request or cached[1] is not assignments:
        cached = (request, assignments, _changes(request, _die_runs(request, assignments, jobs)))
        _last_changes = cached
    return cached[2]


def die_waits(request: PlanRequest, op: ScheduledOperation, assignments: Sequence[ScheduledOperation],
              became_ready: int, jobs: Sequence[Job] | None = None) -> tuple[str, str, int] | None:
    """While `op` waited (from `became_ready` to its start), how long its die was held on other machines, and on
    which one for the longest: (die, machine, minutes); None when the operation needs no die or it never was. With
    the plan's `jobs` the request's jobs are not built again (0.15-0.3 s at 2,000 plant-grade orders)."""
    runs = _plan_changes(request, assignments, jobs)
    own = next((run for run, _ in runs if (run.placed.order_id, run.placed.operation_index)
                == (op.order_id, op.operation_index)), None)
    if own is None:
        return None
    by_machine: dict[str, int] = defaultdict(int)
    for run, change in runs:
        if run.die != own.die or run is own or run.placed.machine_id == op.machine_id:
            continue
        start = change.start if change is not None else run.placed.start
        by_machine[run.placed.machine_id] += max(0, min(run.placed.end, op.start) - max(start, became_ready))
    if not by_machine:
        return None
    machine_id = max(by_machine, key=lambda m: by_machine[m])
    return own.die, machine_id, sum(by_machine.values())


# --- bad input ------------------------------------------------------------------------------------------------------


def die_violations(request: PlanRequest) -> list[tuple[str, str]]:
    """(field path, reason) for every misuse of dies: a negative mount time, a die that exists more than once, an
    initial mount of something that is no die or of a die on two machines, a die held for the setup only or by
    manual work, two dies on one operation, and work in progress whose die is mounted elsewhere."""
    found: list[tuple[str, str]] = []
    factory = request.factory
    for index, resource in enumerate(factory.resources):
        path = f"factory.resources[{index}]"
        if resource.mount_minutes < 0:
            found.append((f"{path}.mount_minutes", "must not be negative"))
        if resource.is_die and (resource.capacity != 1 or any(s.capacity != 1 for s in resource.shift_capacities)):
            found.append((f"{path}.capacity", f"die '{resource.id}' has a mount time, so it exists once: its "
                                              "capacity must be 1"))
    dies = {r.id for r in factory.resources if r.is_die}
    resources = {r.id for r in factory.resources}
    mounted_on: dict[str, str] = {}
    for index, machine in enumerate(factory.machines):
        die, path = machine.mounted_die, f"factory.machines[{index}].mounted_die"
        if die is None:
            continue
        if die not in dies:
            found.append((path, f"unknown die '{die}'" if die not in resources else
                          f"resource '{die}' is no die (it has no mount time)"))
        elif die in mounted_on:
            found.append((path, f"die '{die}' is already mounted on {mounted_on[die]}"))
        else:
            mounted_on[die] = machine.id
    for p_index, product in enumerate(factory.products):
        for o_index, operation in enumerate(product.routing):
            path = f"factory.products[{p_index}].routing[{o_index}].resources"
            needed = [(n_index, need) for n_index, need in enumerate(operation.resources) if need.resource_id in dies]
            if len(needed) > 1:
                found.append((path, "an operation runs with one die at a time"))
            for n_index, need in needed:
                if need.setup_only:
                    found.append((f"{path}[{n_index}].setup_only", f"die '{need.resource_id}' is mounted for the "
                                                                   "whole run, not the setup only"))
                if operation.is_manual:
                    found.append((f"{path}[{n_index}].resource_id", f"die '{need.resource_id}' is mounted on a "
                                                                    "machine; manual work cannot run with one"))
            found += _mode_die_violations(operation, f"factory.products[{p_index}].routing[{o_index}]", dies)
    return found + _running_die_violations(request, dies, mounted_on)


def _mode_die_violations(operation: Operation, path: str, dies: set[str]) -> list[tuple[str, str]]:
    """The modes of an operation (`planner.scheduling.rules.modes`) run with the same die, or all without one, and a
    mode with a die runs on a machine (the rule reads the operation's die from any of its alternatives)."""
    found: list[tuple[str, str]] = []
    used = [{n.resource_id for n in mode.resources if n.resource_id in dies} for mode in operation.modes]
    if any(len(one) > 1 for one in used) or len({frozenset(one) for one in used}) > 1:
        found.append((f"{path}.modes", "the modes of an operation run with the same die (one at most), or all "
                                       "without one"))
    found += [(f"{path}.modes[{m_index}].machine_id", "a mode with a die runs on a machine, not as manual work")
              for m_index, mode in enumerate(operation.modes) if used[m_index] and mode.machine_id == NO_MACHINE]
    return found


def _running_die_violations(request: PlanRequest, dies: set[str],
                            mounted_on: Mapping[str, str]) -> list[tuple[str, str]]:
    """An operation running at plan start has its die on its machine: not another die there, not its die elsewhere."""
    found: list[tuple[str, str]] = []
    products = {p.id: p for p in request.factory.products}
    machines = {m.id: m for m in request.factory.machines}
    running_die: dict[str, str] = {}
    for index, order in enumerate(request.orders):
        running = order.work_in_progress.running if order.work_in_progress is not None else None
        product = products.get(order.product_id)
        operation = next((op for op in product.routing if op.id == running.operation_id), None) \
            if running is not None and product is not None else None
        die = next((n.resource_id for n in operation.resources if n.resource_id in dies), None) if operation else None
        if running is None or die is None:
            continue
        path = f"orders[{index}].work_in_progress.running.machine_id"
        machine = machines.get(running.machine_id)
        other = machine.mounted_die if machine is not None else None
        if other is not None and other != die:
            found.append((path, f"runs with die '{die}', but {running.machine_id} has die '{other}' mounted"))
        elif mounted_on.get(die, running.machine_id) != running.machine_id:
            found.append((path, f"runs with die '{die}' on {running.machine_id}, but the die is mounted on "
                                f"{mounted_on[die]}"))
        elif running_die.get(die, running.machine_id) != running.machine_id:
            found.append((path, f"die '{die}' runs on {running_die[die]} at plan start already"))
        running_die.setdefault(die, running.machine_id)
    return found
