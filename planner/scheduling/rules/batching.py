"""Parallel batch machines (furnaces, ovens, washers): `Machine.batch_capacity`, `Machine.recipes`,
`Operation.recipe`, `Operation.batch_load_per_unit`.

A batch machine runs *loads*: lots of one recipe (batch family) put in together, which start and end
together and last the recipe's cycle time on that machine whatever the fill. A load holds at most the
machine's batch capacity: the sum over its lots of processed units x load per unit (units, or kg, or
litres). A lot is never split across loads (a machine the lot would overflow is no alternative for it,
and validation rejects a lot that fits none; split lots are not supported yet).

CP-SAT model (load slots): for each batch machine and recipe, K potential loads, K = the number of
open operations that may run there with that recipe (each load holds at least one lot), capped by how
many cycles fit into the horizon. A load is an optional interval (fixed length: the cycle time) with
its start variable; the loads of every recipe of the machine join the machine's NoOverlap with its
off-shift and maintenance intervals, in place of the operations' own intervals. A boolean per
(operation, load) assigns each operation that takes this machine to exactly one of its loads, and then
its start is the load's start (its end follows: its length is the cycle time); the loads' capacity is a
weighted sum of those booleans (capacity in thousandths, lots rounded up and capacity down, so CP-SAT
never fills a load the checker would find overfull). Symmetry breaking: loads are used in order and,
when used, start one after the other. This is O(n^2) booleans per machine and recipe for n lots, which
stays small for the tens of lots a furnace sees in a plan; the alternative operation-to-operation
"same batch" formulation needs as many booleans but weaker propagation of the capacity.

An operation running at plan start on a batch machine (work in progress) keeps its own fixed interval.
The dispatching start builds loads greedily (`LoadTimeline`): a lot joins the earliest load of its recipe
that starts once it is ready and has room, or opens a load in the machine's first free stretch (with recipe
changeovers: after the machine's last load, its changeover right before it in the same stretch).
Requests whose every order is one lot for batch machines (oven shops) get their own constructive start and
window search instead (`planner.scheduling.oven_start`, `planner.scheduling.oven_lns`).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from ortools.sat.python import cp_model

from planner.domain import Machine, PlanRequest
from planner.scheduling.rules.oven_rules import LoadNode, min_load_units, recipe_changeovers, setup_minutes
from planner.solution import BatchLoad, ScheduledOperation

if TYPE_CHECKING:
    from planner.scheduling.rules.base import TaskVars
    from planner.scheduling.tasks import Alternative

CAPACITY_SCALE = 1000
"""Capacity in thousandths in the model (and the dispatcher), so weights and volumes stay integers."""

Hint = dict[tuple[str, int], tuple[str, int]]


def has_batching(request: PlanRequest) -> bool:
    return any(machine.is_batch for machine in request.factory.machines)


def batch_machines(request: PlanRequest) -> dict[str, Machine]:
    return {machine.id: machine for machine in request.factory.machines if machine.is_batch}


def capacity_units(capacity: float) -> int:
    """A machine's capacity in model units, rounded down (a tolerance keeps 2.0 kg at 2000)."""
    return math.floor(capacity * CAPACITY_SCALE + 1e-6)


def load_units(load: float) -> int:
    """A lot's share of a load in model units, rounded up (a tolerance keeps 0.3 kg at 300)."""
    return math.ceil(load * CAPACITY_SCALE - 1e-6)


@dataclass
class LoadSlots:
    """The potential loads of one recipe on one batch machine, and which operation may go into which."""

    machine_id: str
    recipe: str
    cycle: int
    starts: list[cp_model.IntVar]
    used: list[cp_model.IntVar]
    members: list[tuple[TaskVars, list[cp_model.IntVar]]] = field(default_factory=list)
    """Per candidate operation: its variables and one boolean per load (it goes into that load)."""
    lengths: list[cp_model.IntVar] = field(default_factory=list)
    """Per load: its length, within the windows of its lots (`planner.scheduling.rules.oven_rules`)."""
    ends: list[cp_model.IntVar] = field(default_factory=list)
    """Per load: its end (start + length)."""
    runs: list[cp_model.LinearExprT] = field(default_factory=list)
    """Per load: its length when used, else 0 (the run minutes of BATCH_COST)."""
    changeover_costs: list[cp_model.LinearExprT] = field(default_factory=list)
    """Per load: the cost of the recipe changeover into it, in hundredths (`oven_rules.recipe_changeovers`)."""


def batch_loads(model: cp_model.CpModel, request: PlanRequest, tasks: Sequence[Sequence[TaskVars]],
                intervals_by_machine: dict[str, list[cp_model.IntervalVar]], horizon: int) -> list[LoadSlots]:
    """Hard: on a batch machine, operations run in loads: only lots of one recipe share a load, all lots of
    a load start and end together, a load lasts the recipe's cycle time (or a length within all its lots'
    windows: `oven_rules`) and holds at most the capacity (and at least the minimum fill), and loads (not lots,
    with the recipe changeover before each: `oven_rules.recipe_changeovers`) take turns on the machine. Replaces
    the machine's operation intervals in `intervals_by_machine` by its load intervals (and those of operations
    running at plan start).

    Why the plant cares: a T6 furnace cooks every lot inside for the same cycle; a plan that puts lots of
    two recipes in one load, overfills it, or takes a lot out early cannot be run, and one that gives each
    lot its own cycle wastes most of the furnace's capacity."""
    machines = batch_machines(request)
    if not machines:
        return []
    candidates: dict[tuple[str, str], list[TaskVars]] = defaultdict(list)
    fixed: dict[str, list[cp_model.IntervalVar]] = defaultdict(list)
    for job_vars in tasks:
        for variables in job_vars:
            for machine_id in variables.presence:
                if machine_id not in machines:
                    continue
                if variables.task.running or variables.task.recipe is None:  # its own interval, as elsewhere
                    fixed[machine_id].append(_own_interval(model, variables, machine_id))
                else:
                    candidates[(machine_id, variables.task.recipe)].append(variables)
    slots = []
    for machine_id, machine in machines.items():
        intervals = list(fixed[machine_id])
        on_machine = [_recipe_slots(model, machine, recipe.id, recipe.cycle_minutes, members, horizon)
                      for recipe in machine.recipes if (members := candidates.get((machine_id, recipe.id), []))]
        nodes = [LoadNode(slot.recipe, k, start, length, used) for slot in on_machine
                 for k, (start, length, used) in enumerate(zip(slot.starts, slot.lengths, slot.used, strict=True))]
        setups, costs = recipe_changeovers(model, machine, nodes, horizon)
        position = 0
        for slot in on_machine:
            for k, (start, length, used) in enumerate(zip(slot.starts, slot.lengths, slot.used, strict=True)):
                name, end = f"load[{machine_id},{slot.recipe},{k}]", slot.ends[k]
                setup = setups[position]
                slot.changeover_costs.append(costs[position])
                position += 1
                if isinstance(setup, int) and not setup:
                    intervals.append(model.new_optional_interval_var(start, length, end, used, name))
                    continue
                begin = model.new_int_var(0, horizon, f"load_setup_start[{name}]")
                size = model.new_int_var(0, horizon, f"load_occupied[{name}]")
                model.add(begin == start - setup)
                model.add(size == length + setup)
                intervals.append(model.new_optional_interval_var(begin, size, end, used, name))
            slots.append(slot)
        intervals_by_machine[machine_id] = intervals
    return slots


def _own_interval(model: cp_model.CpModel, variables: TaskVars, machine_id: str) -> cp_model.IntervalVar:
    alternative = variables.task.alternative(machine_id)
    assert alternative is not None
    present = variables.presence[machine_id]
    name = f"run[{variables.task.order_id}/{variables.task.index}@{machine_id}]"
    if present is True:
        return model.new_interval_var(variables.start, alternative.duration, variables.end, name)
    return model.new_optional_interval_var(variables.start, alternative.duration, variables.end, present, name)


def _recipe_slots(model: cp_model.CpModel, machine: Machine, recipe: str, cycle: int,
                  members: list[TaskVars], horizon: int) -> LoadSlots:
    windows = []
    for variables in members:
        alternative = variables.task.alternative(machine.id)
        assert alternative is not None
        windows.append(alternative.batch_window or (alternative.duration, alternative.duration))
    shortest, longest = min(low for low, _ in windows), max(high for _, high in windows)
    count = max(1, min(len(members), horizon // max(shortest, 1)))
    name = f"{machine.id},{recipe}"
    starts = [model.new_int_var(0, max(horizon - shortest, 0), f"load_start[{name},{k}]") for k in range(count)]
    used = [model.new_bool_var(f"load_used[{name},{k}]") for k in range(count)]
    lengths = [model.new_int_var(shortest, longest, f"load_length[{name},{k}]") for k in range(count)]
    ends = [model.new_int_var(shortest, horizon, f"load_end[{name},{k}]") for k in range(count)]
    slot = LoadSlots(machine.id, recipe, cycle, starts, used, lengths=lengths, ends=ends)
    fill: list[list[tuple[int, int, cp_model.IntVar]]] = [[] for _ in range(count)]
    for variables, (low, high) in zip(members, windows, strict=True):
        alternative = variables.task.alternative(machine.id)
        assert alternative is not None
        into = [model.new_bool_var(f"in_load[{variables.task.order_id}/{variables.task.index},{name},{k}]")
                for k in range(count)]
        present = variables.presence[machine.id]
        model.add(sum(into) == (1 if present is True else present))
        for k, literal in enumerate(into):
            model.add_implication(literal, used[k])
            model.add(variables.start == starts[k]).only_enforce_if(literal)
            if shortest != longest:  # the lot's window bounds the load, and the lot ends with it
                model.add(lengths[k] >= low).only_enforce_if(literal)
                model.add(lengths[k] <= high).only_enforce_if(literal)
                model.add(variables.end == starts[k] + lengths[k]).only_enforce_if(literal)
            fill[k].append((load_units(alternative.batch_load), floor_units(alternative.batch_load), literal))
        slot.members.append((variables, into))
    capacity, least = capacity_units(machine.batch_capacity or 0.0), min_load_units(machine)
    for k in range(count):
        model.add(sum(units * literal for units, _, literal in fill[k]) <= capacity)
        if least:
            model.add(sum(units * literal for _, units, literal in fill[k]) >= least).only_enforce_if(used[k])
        model.add_bool_or([literal for _, _, literal in fill[k]]).only_enforce_if(used[k])
        run = model.new_int_var(0, longest, f"load_run[{name},{k}]")
        model.add(run == lengths[k]).only_enforce_if(used[k])
        model.add(run == 0).only_enforce_if(used[k].Not())
        slot.runs.append(run)
        model.add(ends[k] == starts[k] + lengths[k])
        if k:  # symmetry: loads are used in order and start one after the other
            model.add_implication(used[k], used[k - 1])
            model.add(starts[k] >= starts[k - 1] + lengths[k - 1]).only_enforce_if(used[k])
    return slot


def floor_units(load: float) -> int:
    """A lot's share of a load in model units, rounded down: against the minimum fill (never under it)."""
    return math.floor(load * CAPACITY_SCALE + 1e-6)


def hint_loads(model: cp_model.CpModel, slots: Sequence[LoadSlots], hint: Hint) -> None:
    """Hint the loads of a complete start: its lots on a batch machine with the same start form one load."""
    for slot in slots:
        placed = {}
        for variables, _ in slot.members:
            where = hint.get((variables.task.order_id, variables.task.index))
            if where is not None and where[0] == slot.machine_id:
                placed[id(variables)] = where[1]
        order = sorted(set(placed.values()))
        if len(order) > len(slot.starts):
            continue
        for k, (start, used) in enumerate(zip(slot.starts, slot.used, strict=True)):
            model.add_hint(used, k < len(order))
            if k < len(order):
                model.add_hint(start, order[k])
        for variables, into in slot.members:
            begins = placed.get(id(variables))
            for k, literal in enumerate(into):
                model.add_hint(literal, begins is not None and k == order.index(begins))


def recipe_of(request: PlanRequest, placed: ScheduledOperation) -> str | None:
    """The recipe of a scheduled operation, from the request's routing."""
    product = next((p for p in request.factory.products if p.id == placed.product_id), None)
    if product is None or not 0 <= placed.operation_index < len(product.routing):
        return None
    return product.routing[placed.operation_index].recipe


def lot_load(request: PlanRequest, placed: ScheduledOperation) -> float:
    """Capacity a scheduled lot takes in its load: processed units x load per unit."""
    product = request.factory.product(placed.product_id)
    per_unit = product.routing[placed.operation_index].batch_load_per_unit
    return (placed.processed_quantity or placed.quantity) * per_unit


def loads_of(request: PlanRequest, assignments: Sequence[ScheduledOperation]) -> list[BatchLoad]:
    """The loads of a schedule: the lots on a batch machine that start together form one load.

    (A valid schedule has one load per machine and start: loads do not overlap.) The recipe is the first
    lot's; the checker reports a load that mixes recipes."""
    machines = batch_machines(request)
    groups: dict[tuple[str, int], list[ScheduledOperation]] = defaultdict(list)
    for placed in assignments:
        if placed.machine_id in machines:
            groups[(placed.machine_id, placed.start)].append(placed)
    loads = []
    for (machine_id, start), lots in sorted(groups.items(), key=lambda item: (item[0][1], item[0][0])):
        loads.append(BatchLoad(
            machine_id=machine_id, recipe=recipe_of(request, lots[0]) or "", start=start,
            end=max(lot.end for lot in lots), order_ids=[lot.order_id for lot in lots],
            load=sum(lot_load(request, lot) for lot in lots), capacity=machines[machine_id].batch_capacity or 0.0,
        ))
    return loads


def average_fill(loads: Sequence[BatchLoad]) -> float:
    """Mean fill of the loads (each load counts once, whatever its length), 0 without loads."""
    return sum(load.fill for load in loads) / len(loads) if loads else 0.0


class Timeline(Protocol):
    def earliest_start(self, ready: int, duration: int, lot: Alternative | None = None) -> int | None: ...
    def reserve(self, start: int, duration: int, lot: Alternative | None = None) -> None: ...
    def release(self, start: int, duration: int, lot: Alternative | None = None) -> None: ...


@dataclass
class _OpenLoad:
    recipe: str | None
    duration: int
    units: int
    lots: int


class LoadTimeline:
    """A batch machine in the dispatching start: a lot joins the earliest load of its recipe that starts
    once the lot is ready and still has room, or opens a load in the first free stretch of the machine
    (`loads`: the plain timeline the loads take turns on), whichever starts first (joining on a tie).

    On a machine with recipe changeovers (`machine`, `planner.scheduling.rules.oven_rules`) a new load opens only
    after the machine's last load, the changeover from that load's recipe (or the initial recipe) right before it
    and in the same free stretch, so that no later load's changeover changes; lots still join any load."""

    def __init__(self, loads: Timeline, capacity: float, machine: Machine | None = None) -> None:
        self.loads = loads
        self.capacity = capacity_units(capacity)
        self.open: dict[int, _OpenLoad] = {}
        self.machine = machine if machine is not None and machine.recipe_changeovers else None
        self.setups: dict[int, int] = {}
        """Load start -> the changeover minutes reserved right before it."""

    def _setup(self, recipe: str | None) -> tuple[int, int]:
        """With changeovers: the end of the last load and the changeover minutes from its recipe to `recipe`."""
        if self.machine is None or recipe is None:
            return 0, 0
        free = max((start + load.duration for start, load in self.open.items()), default=0)
        recipes = [(start, load.recipe) for start, load in self.open.items() if load.recipe is not None]
        before = max(recipes)[1] if recipes else self.machine.initial_recipe
        return free, setup_minutes(self.machine, before, recipe)

    def _opening(self, ready: int, duration: int, recipe: str | None) -> int | None:
        if self.machine is None or recipe is None:
            return self.loads.earliest_start(ready, duration)
        free, setup = self._setup(recipe)
        begin = self.loads.earliest_start(max(ready - setup, free), setup + duration)
        return begin + setup if begin is not None else None

    def _joinable(self, ready: int, duration: int, lot: Alternative) -> int | None:
        units = load_units(lot.batch_load)
        starts = [start for start, load in self.open.items() if start >= ready and load.recipe == lot.recipe
                  and load.duration == duration and load.units + units <= self.capacity]
        return min(starts, default=None)

    def earliest_start(self, ready: int, duration: int, lot: Alternative | None = None) -> int | None:
        join = self._joinable(ready, duration, lot) if lot is not None and lot.recipe is not None else None
        opened = self._opening(ready, duration, lot.recipe if lot is not None else None)
        if join is not None and (opened is None or join <= opened):
            return join
        return opened

    def reserve(self, start: int, duration: int, lot: Alternative | None = None) -> None:
        units = load_units(lot.batch_load) if lot is not None else 0
        existing = self.open.get(start)
        if existing is not None:
            existing.units += units
            existing.lots += 1
            return
        recipe = lot.recipe if lot is not None else None
        free, setup = self._setup(recipe)
        if start < free + setup:  # not opened by `_opening` (work in progress at plan start): no changeover
            setup = 0
        self.loads.reserve(start - setup, duration + setup)
        self.setups[start] = setup
        self.open[start] = _OpenLoad(recipe, duration, units, 1)

    def release(self, start: int, duration: int, lot: Alternative | None = None) -> None:
        existing = self.open[start]
        existing.units -= load_units(lot.batch_load) if lot is not None else 0
        existing.lots -= 1
        if not existing.lots:
            del self.open[start]
            setup = self.setups.pop(start, 0)
            self.loads.release(start - setup, duration + setup)
