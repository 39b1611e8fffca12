"""Orders unrolled into the tasks the schedulers and the checker work on.

One job per order; one task per operation of its routing; one alternative per eligible machine,
with the processing time (setup + processed quantity x run time) that operation takes there.

Work in progress (`Order.work_in_progress`): done operations get no task; a running operation is a
task with one alternative, its machine, for its remaining minutes (`running`; the model and the
dispatcher fix its start at plan start). Time lags (`min_lag`, `max_lag`) hold towards the previous
task of the same job, so the first task of a job has none: a done predecessor has no end in the plan;
so does a transfer batch (`transfer_batch`), which also does not follow a running task (its progress is
not known, only its remaining minutes).

Precedence graph (`Operation.predecessors`, `planner.scheduling.rules.precedence`): when an operation of the product
names predecessors, each task carries its links (`predecessors`, to open tasks only: a done predecessor has no
end in the plan) instead of following the previous task, and the job's tasks are kept in a topological order.

Batch machines (`Machine.batch_capacity`): a task with a recipe lasts the recipe's cycle time there and
takes `batch_load` of the load's capacity; a machine whose load the lot would overflow is no alternative
(lots are not split across loads; validation rejects a lot that fits no eligible machine).

Manual work (an operation with no eligible machines): one alternative on `NO_MACHINE` (""), which is no machine
at all: no calendar, no one-at-a-time rule; the resources it holds (operators on their shifts) are what bound it.

Materials (`Operation.materials`): each alternative carries what it takes from stock at its start
(`consumes`, in thousandths, for its processed units; nothing for a running task): `planner.scheduling.rules.materials`.
What an operation puts into stock at its end (`Operation.produces`) is the task's `produces`, for the order's good
units (`planner.scheduling.rules.stock`).

Pausing (`Operation.may_pause`, `Machine.operations_may_pause`): an alternative that `may_pause` keeps its work
time as `duration`; its end on the clock depends on its start (`planner.scheduling.rules.pausing`).

Operation modes (`Operation.modes`, `planner.scheduling.rules.modes`): one alternative per mode, on its machine or on
`NO_MACHINE`, with the mode's times, resources and materials and its `mode_id`; alternatives are told apart by `key`.
A mode on a machine may pause like an operation there (`planner.scheduling.rules.pausing.mode_may_pause`); a running
operation with modes runs in its one mode on the reported machine, holding that mode's resources.

Lot splitting (`Operation.lot_split`, `Order.lot_splits`, `scheduling.rules.lot_splitting`): a task whose lot may
be split into two or more sub-lots carries its `split` rule; its alternatives stay the whole lot on each machine.

Yield: to pass `q` good units on, an operation on machine m processes ceil(q / yield[p, m]) units;
the scrap is replaced at the operation that made it (so each operation hands on exactly q good
units and the next operation's quantity does not depend on this one's machine).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import pairwise
from typing import TYPE_CHECKING

from planner.domain import (
    NO_MACHINE,
    BatchRecipe,
    EligibleMachine,
    Machine,
    Operation,
    OperationMode,
    Order,
    PlanRequest,
    Product,
    ResourceNeed,
)
from planner.scheduling.rules.lot_splitting import SplitRule, split_rule
from planner.scheduling.rules.materials import Consumption, consumption, production, scaled_demand
from planner.scheduling.rules.modes import alternative_key, running_mode
from planner.scheduling.rules.oven_rules import load_window
from planner.scheduling.rules.pausing import may_pause, mode_may_pause
from planner.scheduling.rules.precedence import Link, is_graph, links_of, longest_path, topological_order
from planner.scheduling.rules.skills import by_resource, by_skill
from planner.scheduling.rules.transfer_batches import transfer_delay

if TYPE_CHECKING:
    from planner.solution import ScheduledOperation


@dataclass(frozen=True)
class Alternative:
    machine_id: str
    duration: int
    setup: int
    processed: int = 0
    """Units processed to get the order quantity of good units."""
    yield_rate: float = 1.0
    batch_load: float = 0.0
    """On a batch machine: the capacity this lot takes in a load (processed units x load per unit)."""
    recipe: str | None = None
    """On a batch machine: the recipe of the load it goes into."""
    batch_window: tuple[int, int] | None = None
    """On a batch machine: the shortest and longest load this lot may be in, when its load length may vary
    (`planner.scheduling.rules.oven_rules`); `duration` is then the shortest. None = the recipe's fixed cycle."""
    needs: tuple[ResourceNeed, ...] = ()
    """Secondary resources it holds (`planner.scheduling.rules.resources`), for the run or the setup here."""
    consumes: Consumption = ()
    """Materials and components it takes from stock at its start, in thousandths (`scheduling.rules.materials`)."""
    may_pause: bool = False
    """Its work may pause over non-working time of the machine and resume (`planner.scheduling.rules.pausing`)."""
    skill_needs: tuple[ResourceNeed, ...] = ()
    """Needs by skill: people the planner gives it, for the run or the setup here (`planner.scheduling.rules.skills`);
    not in `needs`, which names resources."""
    mode_id: str = ""
    """The operation mode it runs in (`planner.scheduling.rules.modes`); empty for an operation without modes."""

    @property
    def key(self) -> str:
        """Tells a task's alternatives apart: the machine id, and the mode where there are modes."""
        return alternative_key(self.machine_id, self.mode_id) if self.mode_id else self.machine_id

    @property
    def expected_scrap(self) -> float:
        return self.processed * (1.0 - self.yield_rate)


@dataclass(frozen=True)
class Task:
    order_id: str
    product_id: str
    operation_id: str
    index: int
    quantity: int
    alternatives: tuple[Alternative, ...]
    min_lag: int = 0
    """Minutes at least from the end of the job's previous task to this one's start."""
    max_lag: int | None = None
    """Minutes at most from the end of the job's previous task to this one's start (None = no maximum)."""
    running: bool = False
    """Running at plan start (work in progress): starts at minute 0 on its only alternative."""
    transfer_batch: int | None = None
    """Units of the previous task handed on at a time (None = the whole lot): `scheduling.rules.transfer_batches`."""
    recipe: str | None = None
    """Batch family: the task runs in a load of a batch machine (`planner.scheduling.rules.batching`)."""
    predecessors: tuple[Link, ...] | None = None
    """Precedence graph (`planner.scheduling.rules.precedence`): the links into this task from open tasks of its job;
    None = a chain, the task follows the job's previous task."""
    produces: Consumption = ()
    """What it puts into stock at its end, in thousandths, for the order's good units, whatever the machine or mode
    (`planner.scheduling.rules.stock`); a running task still does when it ends."""
    split: SplitRule | None = None
    """Its lot may be split into sub-lots on its machines (`planner.scheduling.rules.lot_splitting`); None = whole."""

    def alternative(self, key: str) -> Alternative | None:
        """The alternative with this key: the machine id, or machine and mode (`Alternative.key`). A plain loop: the
        start, the LNS and the KPIs ask 43,000 times at 2,000 plant-grade orders."""
        for alternative in self.alternatives:
            if alternative.key == key:
                return alternative
        return None

    def placed_on(self, placed: ScheduledOperation) -> Alternative | None:
        """The alternative a scheduled operation runs on (its machine and mode); None when the task has no such one."""
        return self.alternative(alternative_key(placed.machine_id, placed.mode_id))

    @property
    def has_modes(self) -> bool:
        """Multi-mode (`scheduling.rules.modes`): each alternative is a mode with its own needs and materials."""
        return any(a.mode_id for a in self.alternatives)

    @property
    def shortest(self) -> int:
        """Lower bound on its time: the fastest alternative (of a split lot, its largest sub-lot's)."""
        if self.split is not None:
            return self.split.shortest
        return min(a.duration for a in self.alternatives)


@dataclass(frozen=True)
class Job:
    order: Order
    tasks: tuple[Task, ...]

    @property
    def min_work(self) -> int:
        """Lower bound on the time from the first start to the last end (no waiting, best machines; a task
        taking transfer batches may start its shortest transfer delay after the previous one starts; in a
        precedence graph, the longest path)."""
        if self.tasks and self.tasks[0].predecessors is not None:
            return longest_path(self.tasks)
        start = 0
        for before, after in pairwise(self.tasks):
            if after.transfer_batch is None:
                start += before.shortest
            else:
                start += min(transfer_delay(a, b, after.transfer_batch)
                             for a in before.alternatives for b in after.alternatives)
        return start + self.tasks[-1].shortest if self.tasks else 0


def processed_quantity(quantity: int, yield_rate: float) -> int:
    """Units to process for `quantity` good ones at `yield_rate` (a tolerance keeps 100 / 0.5 at 200)."""
    return math.ceil(quantity / yield_rate - 1e-9)


def _alternative(op: Operation, option: EligibleMachine, quantity: int, yield_rate: float,
                 machine: Machine, recipe: BatchRecipe | None) -> Alternative:
    """The task on one machine; in a load of a batch machine (the operation's `recipe` there) it lasts the recipe's
    cycle time, whatever the lot."""
    processed = processed_quantity(quantity, yield_rate)
    if recipe is not None:
        low, high = load_window(op, recipe)
        return Alternative(option.machine_id, low, 0, processed=processed, yield_rate=yield_rate,
                           batch_load=processed * op.batch_load_per_unit, recipe=recipe.id,
                           consumes=consumption(op, processed), batch_window=(low, high) if high > low else None)
    return Alternative(option.machine_id, op.processing_minutes(option, processed), op.setup_on(option),
                       processed=processed, yield_rate=yield_rate, needs=by_resource(op.resources),
                       consumes=consumption(op, processed), may_pause=may_pause(op, machine),
                       skill_needs=by_skill(op.resources))


def _manual(op: Operation, quantity: int) -> Alternative:
    """Manual work (no eligible machines): one alternative on `NO_MACHINE`, with the operation's own times and no
    scrap (yields are per machine); only its resources hold it back."""
    return Alternative(NO_MACHINE, op.processing_minutes(EligibleMachine(machine_id=NO_MACHINE), quantity),
                       op.setup_minutes, processed=quantity, needs=by_resource(op.resources),
                       consumes=consumption(op, quantity), skill_needs=by_skill(op.resources))


def _mode(mode: OperationMode, quantity: int, yield_rate: float, pauses: bool = False) -> Alternative:
    """One operation mode (`scheduling.rules.modes`): its machine (or none), its times, resources and materials; it
    pauses over its machine's non-working time where `pauses` (`scheduling.rules.pausing.mode_may_pause`)."""
    processed = processed_quantity(quantity, yield_rate)
    return Alternative(mode.machine_id, mode.processing_minutes(processed), mode.setup_minutes, processed=processed,
                       yield_rate=yield_rate, needs=by_resource(mode.resources), skill_needs=by_skill(mode.resources),
                       mode_id=mode.id, may_pause=pauses,
                       consumes=tuple((use.material_id, scaled_demand(use.quantity_per_unit * processed))
                                      for use in mode.materials))


def _fits(alternative: Alternative, machine: Machine) -> bool:
    """A lot is never split across loads: it must fit into one load of a batch machine (tolerance for floats)."""
    return machine.batch_capacity is None or alternative.batch_load <= machine.batch_capacity * (1 + 1e-9)


class _Unrolling:
    """What `build_jobs` looks up per operation, found once per request: products, machines, yield rates (by a dict:
    `PlanRequest.yield_rate` scans every estimate, once per alternative), recipes, and the output of an operation for
    a lot size, which orders of one product and quantity share (2,000 plant-grade orders: 2,154 distinct of 7,166
    operations)."""

    def __init__(self, request: PlanRequest) -> None:
        self.products = {p.id: p for p in request.factory.products}
        self.machines = {m.id: m for m in request.factory.machines}
        self._rates: dict[tuple[str, str], float] = {}
        for estimate in reversed(request.yields):  # the first estimate wins, as in `PlanRequest.yield_rate`
            self._rates[(estimate.product_id, estimate.machine_id)] = estimate.yield_rate
        self._production: dict[tuple[str, int, int], Consumption] = {}
        self._recipes: dict[str, dict[str, BatchRecipe]] = {}

    def yield_rate(self, product_id: str, machine_id: str) -> float:
        return self._rates.get((product_id, machine_id), 1.0)

    def alternatives(self, product: Product, op: Operation, quantity: int) -> tuple[Alternative, ...]:
        """The alternatives of an operation that is not running (by mode, manual, or per eligible machine); each task
        gets objects of its own: the dispatching start's changeover and staffing timelines tell lots apart by them."""
        machines = self.machines
        if op.modes:
            return tuple(_mode(mode, quantity, self.yield_rate(product.id, mode.machine_id),
                               mode_may_pause(op, mode, machines.get(mode.machine_id))) for mode in op.modes)
        if op.is_manual:
            return (_manual(op, quantity),)
        options = (_alternative(op, e, quantity, self.yield_rate(product.id, e.machine_id), machines[e.machine_id],
                                self.recipe(e.machine_id, op.recipe)) for e in op.eligible_machines)
        return tuple(a for a in options if _fits(a, machines[a.machine_id]))

    def recipe(self, machine_id: str, recipe_id: str | None) -> BatchRecipe | None:
        """`Machine.recipe`, by a dict per machine: a scan of the demo plant's recipes took 0.1 ms a lookup."""
        if recipe_id is None:
            return None
        if machine_id not in self._recipes:
            self._recipes[machine_id] = {}
            for recipe in self.machines[machine_id].recipes:
                self._recipes[machine_id].setdefault(recipe.id, recipe)  # the first of an id wins, as in the scan
        return self._recipes[machine_id].get(recipe_id)

    def production(self, product: Product, index: int, quantity: int) -> Consumption:
        key = (product.id, index, quantity)
        if key not in self._production:
            self._production[key] = production(product.routing[index], quantity)
        return self._production[key]


def build_jobs(request: PlanRequest) -> list[Job]:
    """Unroll every order of a *valid* request into its job (the operations not done yet)."""
    unrolling = _Unrolling(request)
    return [Job(order=order, tasks=_open_tasks(unrolling, order, unrolling.products[order.product_id]))
            for order in request.orders]


def _open_tasks(unrolling: _Unrolling, order: Order, product: Product) -> tuple[Task, ...]:
    machines = unrolling.machines
    progress = order.work_in_progress
    done = len(progress.done_operation_ids) if progress is not None else 0
    running = progress.running if progress is not None else None
    tasks = []
    graph = links_of(product) if is_graph(product) else None
    for index, op in enumerate(product.routing[done:], start=done):
        alternatives: tuple[Alternative, ...]
        if running is not None and index == done:
            rate = unrolling.yield_rate(product.id, running.machine_id)
            processed = processed_quantity(order.quantity, rate)
            machine = machines.get(running.machine_id)  # None: manual work, on no machine
            load = processed * op.batch_load_per_unit if machine is not None and machine.is_batch else 0.0
            mode = running_mode(op, running.machine_id)  # with modes, the one on its machine holds its resources
            needs = mode.resources if mode is not None else op.resources
            alternatives = (Alternative(running.machine_id, running.remaining_minutes, 0, processed, rate, load,
                                        needs=by_resource(needs), skill_needs=by_skill(needs),
                                        mode_id=mode.id if mode is not None else ""),)
        else:
            alternatives = unrolling.alternatives(product, op, order.quantity)
        has_previous = index > done
        # A running predecessor's progress is unknown (only its remaining minutes are): the whole lot then.
        streams = has_previous and not (running is not None and index == done + 1)
        tasks.append(Task(
            order_id=order.id, product_id=product.id, operation_id=op.id, index=index, quantity=order.quantity,
            alternatives=alternatives, min_lag=op.min_lag_minutes if has_previous else 0,
            max_lag=op.max_lag_minutes if has_previous else None, running=running is not None and index == done,
            transfer_batch=op.transfer_batch_units if streams else None, recipe=op.recipe,
            predecessors=None if graph is None else tuple(link for link in graph[index] if link.before >= done),
            produces=unrolling.production(product, index, order.quantity),
            split=None if running is not None and index == done else split_rule(order, op, alternatives),
        ))
    if graph is None:
        return tuple(tasks)
    sequence = topological_order(graph) or list(range(len(graph)))  # a valid graph has no cycle
    by_index = {task.index: task for task in tasks}
    return tuple(by_index[i] for i in sequence if i in by_index)
