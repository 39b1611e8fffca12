"""Dies, moulds and fixtures mounted on machines (`Resource.mount_minutes`, `Machine.mounted_die`).

A die is a unit resource with a mount time: an operation that needs it (`Operation.resources`, held for the whole
run) runs with it mounted on its machine. A die is on one machine at a time. It stays mounted between the
operations that use it on the same machine, whatever runs there in between without a die; when a machine's next
die operation needs another die than the one mounted, or its die was used on another machine since, a die change
of the die's mount time happens on the machine right before the operation (and its own setup): in the machine's
working time, with nothing else on the machine, holding whatever the operation holds for its setup (a setter).
Taking a die off a machine is part of mounting it elsewhere. An operation running at plan start has its die
mounted; `Machine.mounted_die` says which die is on which machine at plan start.

What a schedule implies (its die changes), the checker's part and the bad input live in
`planner.scheduling.rules.die_mounts`.

CP-SAT model (`die_mounting`), per die operation j: a boolean `change[j]`, an optional interval
[start - mount, start) on each eligible machine (present when j runs there with a change; it joins the machine's
NoOverlap, with the off-shift blocks, so it is in working time), and the die's "held" interval [held_start, end),
in one NoOverlap per die. The held interval starts at start - mount with a change; without one, j keeps the die
that an operation i with the same die left mounted on its machine (a "keep" boolean per such pair i -> j on one
machine; from plan start for the die mounted there then), and the held interval starts at i's end (at 0): the die
stays mounted since, so its NoOverlap keeps every use elsewhere out of that time, and a die that went to another
machine in between must be changed back. `change[j] + sum of its keeps = 1`. That i is the machine's previous die
operation is said by a second NoOverlap per machine, over the held intervals of the die operations that run
there: no other die's operation (nor its change) lies between i's end and j. So only pairs of one die on one
machine get a boolean (sum over machines and dies of n^2), not every pair of die operations on a machine as the
circuit per machine did before (n^2 over all its dies): for the demo plant's 83 castings the rule has 1,586
variables instead of 11,257, and no circuit to propagate. Requests without a die need get no variable at all.

The dispatching start keeps the rule with `planner.scheduling.die_start`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ortools.sat.python import cp_model

from planner.domain import NO_MACHINE, PlanRequest, Resource
from planner.scheduling.rules.die_mounts import die_changes, die_needed, dies_of, has_dies, initial_mounts

if TYPE_CHECKING:
    from planner.scheduling.rules.base import TaskVars
    from planner.scheduling.tasks import Task
    from planner.solution import ScheduledOperation


# --- CP-SAT ------------------------------------------------------------------------------------------------------


@dataclass
class DieUse:
    """The variables of one operation that runs with a die."""

    variables: TaskVars
    die: str
    mount: int
    change: cp_model.IntVar
    """A die change happens right before the operation."""
    held_start: cp_model.IntVar
    held_size: cp_model.IntVar
    held: cp_model.IntervalVar
    """The die is taken on this machine from the change's start (or, without one, since the previous operation with
    it there ended, or since plan start) to the run's end."""
    on_machine: dict[str, cp_model.IntVar | bool] = field(default_factory=dict)
    """Per eligible machine: the operation runs there (the presence of its alternative, or of one of its modes)."""
    change_on: dict[str, cp_model.IntVar] = field(default_factory=dict)
    """Per machine among several: the change happens there (the change and the operation there)."""
    change_intervals: dict[str, cp_model.IntervalVar] = field(default_factory=dict)
    """Per eligible machine: the change there, present when the operation runs there with a change."""

    @property
    def key(self) -> tuple[str, int]:
        return self.variables.task.order_id, self.variables.task.index


@dataclass(frozen=True)
class Keep:
    """The operation `after` keeps the die that `before` (None: plan start) left mounted on the machine."""

    literal: cp_model.IntVar
    machine_id: str
    before: DieUse | None
    after: DieUse


@dataclass
class DieModel:
    """The rule's variables, kept to read a start schedule into them (`hint`)."""

    uses: list[DieUse] = field(default_factory=list)
    keeps: list[Keep] = field(default_factory=list)

    def hint(self, model: cp_model.CpModel, request: PlanRequest, placed: Sequence[ScheduledOperation]) -> None:
        """Hint every variable of the rule from a complete schedule (a start), so CP-SAT begins from a solution."""
        where = {(p.order_id, p.operation_index): p for p in placed}
        changed = {(c.order_id, c.operation_index) for c in die_changes(request, placed)}
        kept_from = _kept_from(self.uses, where, changed)
        held_from: dict[tuple[str, int], int] = {}
        for use in self.uses:
            run = where.get(use.key)
            change = use.key in changed
            on = run.machine_id if run is not None else None
            model.add_hint(use.change, change)
            for machine_id, literal in use.on_machine.items():
                if not isinstance(literal, bool) and literal.name.startswith("on_machine["):  # not a presence
                    model.add_hint(literal, machine_id == on)
            for machine_id, literal in use.change_on.items():
                model.add_hint(literal, change and machine_id == on)
            if run is None:
                continue
            before = kept_from.get(use.key)
            held_from[use.key] = run.start - use.mount if change else (where[before].end if before else 0)
            model.add_hint(use.held_start, held_from[use.key])
            model.add_hint(use.held_size, run.end - held_from[use.key])
        for keep in self.keeps:
            before = keep.before.key if keep.before is not None else None
            model.add_hint(keep.literal, keep.after.key in kept_from and kept_from[keep.after.key] == before
                           and where[keep.after.key].machine_id == keep.machine_id)


def _kept_from(uses: Sequence[DieUse], where: Mapping[tuple[str, int], ScheduledOperation],
               changed: set[tuple[str, int]]) -> dict[tuple[str, int], tuple[str, int] | None]:
    """Per die operation without a change: the die operation before it on its machine (None: the first there)."""
    by_machine: dict[str, list[tuple[int, tuple[str, int]]]] = defaultdict(list)
    for use in uses:
        if use.key in where:
            by_machine[where[use.key].machine_id].append((where[use.key].start, use.key))
    kept: dict[tuple[str, int], tuple[str, int] | None] = {}
    for runs in by_machine.values():
        previous: tuple[str, int] | None = None
        for _, key in sorted(runs):
            if key not in changed:
                kept[key] = previous
            previous = key
    return kept


def die_mounting(model: cp_model.CpModel, request: PlanRequest, tasks: Sequence[Sequence[TaskVars]],
                 intervals_by_machine: dict[str, list[cp_model.IntervalVar]]) -> DieModel:
    """Hard: a die is on one machine at a time, and a machine runs a die operation only with its die mounted; a
    change (the die's mount time, on the machine, in working time) comes before a die operation whose die is not
    still mounted there from the machine's previous die operation.

    Why the plant cares: a die-casting die exists once and takes an hour or more to change; a plan that casts
    the same part on two cells at once, or switches dies without the time to do it, cannot be run, and grouping
    the lots of one die on one machine saves the changes."""
    if not has_dies(request):
        return DieModel()
    dies = dies_of(request)
    uses = [_use(model, variables, dies) for job_vars in tasks for variables in job_vars
            if die_needed(variables.task.alternatives[0], dies) is not None]
    spans: dict[str, list[cp_model.IntervalVar]] = defaultdict(list)
    for use in uses:
        for machine_id, interval in use.change_intervals.items():
            intervals_by_machine.setdefault(machine_id, []).append(interval)
        spans.update({m: [*spans[m], span] for m, span in _spans(model, use).items()})
    for members in spans.values():
        if len(members) > 1:  # a die stays mounted from its change (or its keep) to its run's end: no other die then
            model.add_no_overlap(members)
    built = DieModel(uses, _keeps(model, request, uses))
    keeps: dict[int, list[cp_model.LiteralT]] = defaultdict(list)
    for keep in built.keeps:
        keeps[id(keep.after)].append(keep.literal)
    for use in uses:
        model.add(use.change + cp_model.LinearExpr.sum(keeps[id(use)]) == 1)
        model.add(use.held_start == use.variables.start - use.mount).only_enforce_if(use.change)
    _die_no_overlap(model, uses)
    return built


def _keeps(model: cp_model.CpModel, request: PlanRequest, uses: Sequence[DieUse]) -> list[Keep]:
    """The ways an operation can keep its die on a machine: after another operation with the same die there (its
    held interval then starts at that one's end), or first there with the die mounted at plan start (from 0).
    Only pairs of one die on one machine get a literal (no circuit over all die operations): the machine's span
    NoOverlap keeps other dies out of the time the die stays mounted, so `before` is the machine's previous die
    operation."""
    mounted = initial_mounts(request)
    first_on = {die: machine_id for machine_id, die in mounted.items()}
    groups: dict[tuple[str, str], list[DieUse]] = defaultdict(list)
    for use in uses:
        for machine_id in use.on_machine:
            groups[(machine_id, use.die)].append(use)
    found: list[Keep] = []
    for (machine_id, die), members in groups.items():
        at_start = mounted.get(machine_id) == die and first_on.get(die) == machine_id
        for after in members:
            befores: list[DieUse | None] = [None] if at_start else []
            befores += [b for b in members if b is not after and not _never_after(b.variables.task,
                                                                                 after.variables.task)]
            for before in befores:
                name = f"{machine_id},{before.key if before else 'start'},{after.key}"
                keep = model.new_bool_var(f"die_keep[{name}]")
                for member in (before, after):
                    present = member.on_machine[machine_id] if member is not None else True
                    if not isinstance(present, bool):
                        model.add_implication(keep, present)
                model.add(after.held_start == (before.variables.end if before is not None else 0)).only_enforce_if(
                    keep)
                found.append(Keep(keep, machine_id, before, after))
    return found


def _use(model: cp_model.CpModel, variables: TaskVars, dies: Mapping[str, Resource]) -> DieUse:
    """The change boolean, its interval on each machine and the die's held interval of one die operation."""
    task = variables.task
    die = die_needed(task.alternatives[0], dies)
    assert die is not None
    mount = dies[die].mount_minutes
    name = f"{task.order_id}/{task.index}"
    change = model.new_bool_var(f"die_change[{name}]")
    if task.running:
        model.add(change == 0)  # running at plan start: its die is mounted
    held_start = model.new_int_var(0, cp_model.INT32_MAX, f"die_held_from[{name}]")  # never before plan start
    held_size = model.new_int_var(0, cp_model.INT32_MAX, f"die_held_for[{name}]")
    held = model.new_interval_var(held_start, held_size, variables.end, f"die_held[{name}]")
    model.add(held_start <= variables.start)  # implied by the machine's NoOverlap; stated, it propagates
    use = DieUse(variables, die, mount, change, held_start, held_size, held, _on_machine(model, variables))
    for machine_id, present in use.on_machine.items():
        if isinstance(present, bool):
            literal: cp_model.IntVar = change
        else:
            literal = model.new_bool_var(f"die_change[{name}@{machine_id}]")
            model.add_bool_and([change, present]).only_enforce_if(literal)
            model.add_bool_or([literal, change.Not(), present.Not()])
            use.change_on[machine_id] = literal
        use.change_intervals[machine_id] = model.new_optional_interval_var(
            variables.start - mount, mount, variables.start, literal, f"die_change[{name}@{machine_id}]")
    return use


def _spans(model: cp_model.CpModel, use: DieUse) -> dict[str, cp_model.IntervalVar]:
    """Per eligible machine: the die's held interval, present when the operation runs there."""
    name = f"{use.variables.task.order_id}/{use.variables.task.index}"
    return {machine_id: use.held if isinstance(present, bool) else model.new_optional_interval_var(
        use.held_start, use.held_size, use.variables.end, present, f"die_span[{name}@{machine_id}]")
        for machine_id, present in use.on_machine.items()}


def _on_machine(model: cp_model.CpModel, variables: TaskVars) -> dict[str, cp_model.IntVar | bool]:
    """Whether the operation runs on each machine: its alternatives there are its machine, or its modes on it."""
    by_machine: dict[str, list[cp_model.IntVar | bool]] = defaultdict(list)
    for alternative in variables.task.alternatives:
        if alternative.machine_id != NO_MACHINE:
            by_machine[alternative.machine_id].append(variables.presence[alternative.key])
    found: dict[str, cp_model.IntVar | bool] = {}
    for machine_id, literals in by_machine.items():
        if len(literals) == 1 or any(literal is True for literal in literals):
            found[machine_id] = literals[0] if len(literals) == 1 else True
            continue
        either = model.new_bool_var(f"on_machine[{variables.task.order_id}/{variables.task.index}@{machine_id}]")
        model.add(either == cp_model.LinearExpr.sum(literals))  # exactly one alternative of the task is present
        found[machine_id] = either
    return found


def _never_after(first: Task, second: Task) -> bool:
    """`second` cannot follow `first`: both of one order's chain, `second` earlier in the routing."""
    return (first.order_id == second.order_id and first.predecessors is None and second.predecessors is None
            and first.index > second.index)


def _die_no_overlap(model: cp_model.CpModel, uses: Sequence[DieUse]) -> None:
    """The held intervals of a die (its change and its run, or the time it stays mounted) never overlap, wherever
    they are: a die is on one machine at a time."""
    by_die: dict[str, list[cp_model.IntervalVar]] = defaultdict(list)
    for use in uses:
        by_die[use.die].append(use.held)
    for members in by_die.values():
        if len(members) > 1:
            model.add_no_overlap(members)


def setup_demands(uses: Sequence[DieUse]) -> dict[str, list[tuple[cp_model.IntervalVar, int]]]:
    """What a die change holds of the resources its operation needs for its setup (a setter), per resource."""
    demands: dict[str, list[tuple[cp_model.IntervalVar, int]]] = defaultdict(list)
    for use in uses:
        for need in use.variables.task.alternatives[0].needs:
            if need.setup_only:
                demands[need.resource_id] += [(interval, need.quantity) for interval in use.change_intervals.values()]
    return demands
