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
NoOverlap, with the off-shift blocks, so it is in working time), and the die's "held" interval, in one NoOverlap
per die. Which die operation follows which on a machine is read from a circuit per machine, as the family
changeovers of `scheduling.rules` do (an operation elsewhere takes its self-loop). j keeps its die when the arc into
it comes from an operation i with the same die (or from the circuit's start, with the die mounted there at plan
start): `change[j] + sum of its "keep" booleans = 1`, a keep only with its arc. The held interval starts at
start - mount with a change, and at i's end (plan start) with a keep: the die stays mounted on the machine since,
so its NoOverlap keeps every use elsewhere out of that time, and a die that went to another machine in between
must be changed back. Requests without a die need get no variable at all.

The dispatching start keeps the rule with `DieTimeline`: a die operation is placed after the die operations
already placed on its machine and after its die's last use, and, when it needs a change, with the change as part
of its setup (the machine and setters held from the change's start).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import pairwise
from typing import TYPE_CHECKING

from ortools.sat.python import cp_model

from planner.domain import NO_MACHINE, PlanRequest, Resource
from planner.scheduling.rules.die_mounts import die_changes, die_needed, dies_of, has_dies, initial_mounts

if TYPE_CHECKING:
    from planner.scheduling.rules.base import TaskVars
    from planner.scheduling.rules.batching import Timeline
    from planner.scheduling.tasks import Alternative, Task
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
    held: cp_model.IntervalVar
    """The die is taken on this machine from the change's start (or, without one, since the previous operation with
    it there ended, or since plan start) to the run's end."""
    on_machine: dict[str, cp_model.IntVar | bool] = field(default_factory=dict)
    """Per eligible machine: the operation runs there (the presence of its alternative, or of one of its modes)."""
    change_on: dict[str, cp_model.IntVar] = field(default_factory=dict)
    """Per machine among several: the change happens there (the change and the operation there)."""
    change_intervals: dict[str, cp_model.IntervalVar] = field(default_factory=dict)
    """Per eligible machine: the change there, present when the operation runs there with a change."""


Arcs = dict[tuple[int, int], cp_model.IntVar]
"""A circuit's arc literals by (from, to), members numbered from 1 in their list, 0 the circuit's ends."""


@dataclass
class DieModel:
    """The rule's variables, kept to read a start schedule into them (`hint`)."""

    uses: list[DieUse] = field(default_factory=list)
    circuits: list[tuple[list[DieUse], Arcs, str]] = field(default_factory=list)
    """(members, arcs, machine id): the order of the die operations on each machine."""
    keeps: list[tuple[cp_model.IntVar, cp_model.IntVar, DieUse]] = field(default_factory=list)
    """(keep, machine arc, the operation after it): the operation keeps the die the arc's first one left mounted."""

    def hint(self, model: cp_model.CpModel, request: PlanRequest, placed: Sequence[ScheduledOperation]) -> None:
        """Hint every variable of the rule from a complete schedule (a start), so CP-SAT begins from a solution."""
        where = {(p.order_id, p.operation_index): p for p in placed}
        changed = {(c.order_id, c.operation_index) for c in die_changes(request, placed)}
        for use in self.uses:
            key = (use.variables.task.order_id, use.variables.task.index)
            change = key in changed
            on = where[key].machine_id if key in where else None
            model.add_hint(use.change, change)
            for machine_id, literal in use.on_machine.items():
                if not isinstance(literal, bool) and literal.name.startswith("on_machine["):  # not a presence
                    model.add_hint(literal, machine_id == on)
            for machine_id, literal in use.change_on.items():
                model.add_hint(literal, change and machine_id == on)
        hinted: dict[int, bool] = {}
        for members, arcs, circuit_machine in self.circuits:
            runs = sorted(((where[k].start, i) for i, use in enumerate(members, start=1)
                           if (k := (use.variables.task.order_id, use.variables.task.index)) in where
                           and where[k].machine_id == circuit_machine))
            path = [0, *(i for _, i in runs), 0]
            taken = set(pairwise(path)) if runs else {(0, 0)}
            for arc, literal in arcs.items():
                hinted[literal.index] = arc in taken
                model.add_hint(literal, arc in taken)
        for keep, follows, after in self.keeps:
            kept = (after.variables.task.order_id, after.variables.task.index) not in changed
            model.add_hint(keep, hinted.get(follows.index, False) and kept)


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
    for use in uses:
        for machine_id, interval in use.change_intervals.items():
            intervals_by_machine.setdefault(machine_id, []).append(interval)
    by_die: dict[str, list[DieUse]] = defaultdict(list)
    by_machine: dict[str, list[DieUse]] = defaultdict(list)
    for use in uses:
        by_die[use.die].append(use)
        for machine_id in use.on_machine:
            by_machine[machine_id].append(use)
    keeps: dict[int, list[cp_model.LiteralT]] = defaultdict(list)
    machine_arcs = {m: _circuit(model, f"dies@{m}", members, m) for m, members in by_machine.items()}
    built = DieModel(uses, [(by_machine[m], arcs, m) for m, arcs in machine_arcs.items()])
    mounted = initial_mounts(request)
    first_on = {die: machine_id for machine_id, die in mounted.items()}
    for machine_id, arcs in machine_arcs.items():
        for (i, j), follows in arcs.items():
            after = by_machine[machine_id][j - 1] if j else None
            if after is None or (i == 0 and (mounted.get(machine_id) != after.die
                                             or first_on.get(after.die) != machine_id)):
                continue  # the arc that closes the circuit; a first operation whose die is not mounted there
            before = by_machine[machine_id][i - 1] if i else None
            if before is not None and before.die != after.die:
                continue
            keep = model.new_bool_var(f"keep[{machine_id},{i},{j}]")
            model.add_implication(keep, follows)
            # The die stays mounted since the previous operation's end (since plan start for the first one), so its
            # NoOverlap keeps every other use of it out of that time.
            model.add(after.held_start == (before.variables.end if before is not None else 0)).only_enforce_if(keep)
            keeps[id(after)].append(keep)
            built.keeps.append((keep, follows, after))
    for use in uses:
        model.add(use.change + cp_model.LinearExpr.sum(keeps[id(use)]) == 1)
        model.add(use.held_start == use.variables.start - use.mount).only_enforce_if(use.change)
    _die_no_overlap(model, by_die)
    return built


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
    use = DieUse(variables, die, mount, change, held_start, held, _on_machine(model, variables))
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


def _circuit(model: cp_model.CpModel, name: str, members: Sequence[DieUse], machine_id: str) -> Arcs:
    """The order of the die operations on a machine, as the family changeovers of `planner.scheduling.rules` build it: a
    circuit over the members (node 0 opens and closes it; a member placed elsewhere takes its self-loop); an arc
    i -> j means j's change (or start) comes after i ends, with no die operation between."""
    arcs: Arcs = {}
    circuit: list[tuple[int, int, cp_model.LiteralT]] = []
    for i, first in enumerate(members, start=1):
        present = first.on_machine[machine_id]
        if not isinstance(present, bool):
            circuit.append((i, i, present.Not()))
        arcs[(0, i)] = model.new_bool_var(f"first[{name},{i}]")
        arcs[(i, 0)] = model.new_bool_var(f"last[{name},{i}]")
        circuit += [(0, i, arcs[(0, i)]), (i, 0, arcs[(i, 0)])]
        for j, second in enumerate(members, start=1):
            if i == j or _never_after(first.variables.task, second.variables.task):
                continue
            arcs[(i, j)] = model.new_bool_var(f"next[{name},{i},{j}]")
            model.add(second.variables.start - second.mount * second.change >= first.variables.end).only_enforce_if(
                arcs[(i, j)])
            circuit.append((i, j, arcs[(i, j)]))
    arcs[(0, 0)] = model.new_bool_var(f"none[{name}]")
    circuit.append((0, 0, arcs[(0, 0)]))
    model.add_circuit(circuit)
    return arcs


def _never_after(first: Task, second: Task) -> bool:
    """`second` cannot follow `first`: both of one order's chain, `second` earlier in the routing."""
    return (first.order_id == second.order_id and first.predecessors is None and second.predecessors is None
            and first.index > second.index)


def _die_no_overlap(model: cp_model.CpModel, by_die: Mapping[str, Sequence[DieUse]]) -> None:
    """The held intervals of a die (its change and its run) never overlap, wherever they are (redundant with the
    die's circuit, but it propagates better)."""
    for members in by_die.values():
        if len(members) > 1:
            model.add_no_overlap([use.held for use in members])


def setup_demands(uses: Sequence[DieUse]) -> dict[str, list[tuple[cp_model.IntervalVar, int]]]:
    """What a die change holds of the resources its operation needs for its setup (a setter), per resource."""
    demands: dict[str, list[tuple[cp_model.IntervalVar, int]]] = defaultdict(list)
    for use in uses:
        for need in use.variables.task.alternatives[0].needs:
            if need.setup_only:
                demands[need.resource_id] += [(interval, need.quantity) for interval in use.change_intervals.values()]
    return demands


# --- the dispatching start ------------------------------------------------------------------------------------------


@dataclass
class DieState:
    """What the dispatching start has placed of the die operations: per machine and per die, (start, end, die,
    machine) in placing order (each after the previous ones: see `DieTimeline`)."""

    dies: Mapping[str, Resource]
    mounted: Mapping[str, str]
    on_machine: dict[str, list[tuple[int, int, str]]] = field(default_factory=lambda: defaultdict(list))
    of_die: dict[str, list[tuple[int, int, str]]] = field(default_factory=lambda: defaultdict(list))

    def needs_change(self, machine_id: str, die: str) -> bool:
        here, uses = self.on_machine.get(machine_id), self.of_die.get(die)
        last_here = here[-1][2] if here else self.mounted.get(machine_id)
        last_place = uses[-1][2] if uses else next((m for m, d in self.mounted.items() if d == die), None)
        return last_here != die or last_place != machine_id

    def floor(self, machine_id: str, die: str) -> int:
        """No die operation on the machine, and no use of the die, starts before this."""
        here, uses = self.on_machine.get(machine_id), self.of_die.get(die)
        return max(here[-1][1] if here else 0, uses[-1][1] if uses else 0)


class DieTimeline:
    """A machine in the dispatching start whose operations may need a die: a die operation goes after the die
    operations placed on the machine and after its die's last use; one that needs a change books the change as
    part of its setup, so the machine (and a setter) are held from the change's start."""

    def __init__(self, machine: Timeline, machine_id: str, state: DieState) -> None:
        self.machine = machine
        self.machine_id = machine_id
        self.state = state
        self._booked: dict[int, bool] = {}

    def _die(self, lot: Alternative | None) -> str | None:
        return die_needed(lot, self.state.dies) if lot is not None else None

    def earliest_start(self, ready: int, duration: int, lot: Alternative | None = None) -> int | None:
        die = self._die(lot)
        if die is None or lot is None:
            return self.machine.earliest_start(ready, duration, lot)
        floor = self.state.floor(self.machine_id, die)
        if not self.state.needs_change(self.machine_id, die):
            return self.machine.earliest_start(max(ready, floor), duration, lot)
        mount = self.state.dies[die].mount_minutes
        start = self.machine.earliest_start(max(ready - mount, floor, 0), duration + mount, _with_change(lot, mount))
        return None if start is None else start + mount

    def reserve(self, start: int, duration: int, lot: Alternative | None = None) -> None:
        die = self._die(lot)
        if die is None or lot is None:
            self.machine.reserve(start, duration, lot)
            return
        change = self.state.needs_change(self.machine_id, die)
        mount = self.state.dies[die].mount_minutes if change else 0
        self.machine.reserve(start - mount, duration + mount, _with_change(lot, mount) if change else lot)
        self._booked[start] = change
        self.state.on_machine[self.machine_id].append((start, start + duration, die))
        self.state.of_die[die].append((start - mount, start + duration, self.machine_id))

    def release(self, start: int, duration: int, lot: Alternative | None = None) -> None:
        die = self._die(lot)
        if die is None or lot is None:
            self.machine.release(start, duration, lot)
            return
        change = self._booked.pop(start)
        mount = self.state.dies[die].mount_minutes if change else 0
        self.machine.release(start - mount, duration + mount, _with_change(lot, mount) if change else lot)
        self.state.on_machine[self.machine_id].remove((start, start + duration, die))
        self.state.of_die[die].remove((start - mount, start + duration, self.machine_id))


def _with_change(lot: Alternative, mount: int) -> Alternative:
    """The lot with its die change in front: longer by the mount time, which counts as setup (setters held)."""
    return replace(lot, duration=lot.duration + mount, setup=lot.setup + mount)


def die_state(request: PlanRequest) -> DieState | None:
    """The dispatching start's die bookkeeping, None when no operation needs a die."""
    return DieState(dies_of(request), initial_mounts(request)) if has_dies(request) else None
