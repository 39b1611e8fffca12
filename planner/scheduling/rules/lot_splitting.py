"""Lots that split: an operation's lot divided into sub-lots that run side by side on its eligible machines.

Hard: where the request allows it (`Operation.lot_split`, or the order's own `Order.lot_splits`, which wins), the
lot of an operation may be split into at most `max_sublots` sub-lots of at least `min_sublot_units` good units
each, summing to the order quantity. Each sub-lot runs on one eligible machine (two may share one) for that
machine's setup plus its processed units x run time, like a lot of its own; the next operation of the routing
starts when the last sub-lot is done (no transfer batches per sub-lot). A whole lot is always a valid split
(one sub-lot), so the dispatching start keeps lots whole and CP-SAT splits them where that pays. Why the plant
cares: a rush order that would be late on one machining centre finishes on time when two centres share it; a
minimum sub-lot keeps the extra setups worth their while.

Model (per split operation, K potential sub-lots k): a good-unit quantity `q_k` in {0} u [min, Q}, a `used_k`
literal, a start and an end; per eligible machine m a literal `x_km` (exactly one when used), the processed
units `p_km = ceil(q_k / yield_m)` and the run minutes `r_km = ceil(p_km x run_m)` as integer ceilings (yields and
run times in millionths, so the model's minutes are the checker's), and an optional interval
[start_k, start_k + setup_m + r_km) present with `x_km` in the machine's NoOverlap. The operation's own start and
end are the min and max of its sub-lots' (so precedence, lags, releases and lateness act on them unchanged).
Symmetry breaking: sub-lots by non-increasing quantity (sub-lot 0 is always used); an unused one sits at sub-lot
0's start with length 0. Sub-lots are operations for family changeovers (`SublotVars` has the shape the rules
read). Not with: modes, batch machines, secondary resources, materials or outputs, pausing, transfer batches
into, out of or around the lot, a maximum lag into it, a sequence rule naming it, the defect-rate cap; the
scrap-cost and risk-penalty terms of the objective do not count split operations (the KPIs do).

Output: one `ScheduledOperation` per sub-lot, with `sublot_index`, `sublot_count` and the sub-lot's quantity; a
whole lot is one with index 0 of 1. The checker (`sublot_problems`) re-derives quantities, minimum sizes,
durations and the envelope that precedence is checked on.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import TYPE_CHECKING, Protocol

from ortools.sat.python import cp_model

from planner.domain import EligibleMachine, LotSplit, Operation, Order, PlanRequest, Product
from planner.solution import ScheduledOperation

if TYPE_CHECKING:
    from planner.scheduling.tasks import Alternative, Task

SCALE = 1_000_000
"""Yields and run times enter the model in millionths: exact for figures with up to six decimals."""

SublotHint = Mapping[tuple[str, int], Sequence[tuple[str, int, int]]]
"""(order id, operation index) -> the sub-lots to start from, each (machine id, start, good units)."""


@dataclass(frozen=True)
class SplitRule:
    """What a task may do: at most `max_sublots` (>= 2 here) of at least `min_units`; `runs` per machine."""

    max_sublots: int
    min_units: int
    runs: tuple[tuple[str, float], ...]
    """(machine id, run minutes per processed unit) of each eligible machine."""
    shortest: int
    """Lower bound on the time the task takes: its largest sub-lot (ceil(Q / K) units) on its fastest machine."""

    def run_on(self, machine_id: str) -> float:
        return next(run for machine, run in self.runs if machine == machine_id)


def processed_quantity(quantity: int, yield_rate: float) -> int:
    """Units to process for `quantity` good ones (`scheduling.tasks.processed_quantity`, which imports this module)."""
    return math.ceil(quantity / yield_rate - 1e-9)


def split_permission(order: Order, operation: Operation) -> LotSplit | None:
    """The order's own permission for the operation, else the operation's; None = the lot stays whole."""
    own = next((s for s in order.lot_splits if s.operation_id == operation.id), None)
    return own if own is not None else operation.lot_split


def _run(operation: Operation, option: EligibleMachine) -> float:
    return operation.run_minutes_per_unit if option.run_minutes_per_unit is None else option.run_minutes_per_unit


def sublot_minutes(setup: int, run: float, processed: int) -> int:
    """Setup plus processed units x run time, rounded up (`Operation.processing_minutes`, for a sub-lot)."""
    return setup + math.ceil(processed * run - 1e-9)


def split_rule(order: Order, operation: Operation, alternatives: Sequence[Alternative]) -> SplitRule | None:
    """The task's split rule: at most min(max_sublots, quantity // minimum) sub-lots; None below two."""
    permission = split_permission(order, operation)
    if permission is None or permission.min_sublot_units < 1 or operation.modes or operation.is_manual:
        return None
    most = min(permission.max_sublots, order.quantity // permission.min_sublot_units)
    if most < 2:
        return None
    runs = tuple((e.machine_id, _run(operation, e)) for e in operation.eligible_machines)
    largest = math.ceil(order.quantity / most)
    shortest = min(sublot_minutes(a.setup, dict(runs)[a.machine_id], processed_quantity(largest, a.yield_rate))
                   for a in alternatives)
    return SplitRule(most, permission.min_sublot_units, runs, shortest)


def has_lot_splitting(request: PlanRequest) -> bool:
    """True when some order may split some operation's lot into two or more sub-lots."""
    products = {p.id: p for p in request.factory.products}
    return any(
        (permission := split_permission(order, op)) is not None and permission.max_sublots >= 2
        for order in request.orders if order.product_id in products for op in products[order.product_id].routing)


# --- validation --------------------------------------------------------------------------------------------------

def _unsupported(request: PlanRequest, product: Product, index: int) -> str | None:
    """Why the operation's lot cannot be split (a rule the sub-lots do not model), or None."""
    operation = product.routing[index]
    following = product.routing[index + 1] if index + 1 < len(product.routing) else None
    machines = {m.id: m for m in request.factory.machines}
    eligible = [machines[e.machine_id] for e in operation.eligible_machines if e.machine_id in machines]
    if operation.modes:
        return "an operation with modes cannot be split (not supported)"
    if operation.is_manual:
        return "manual work cannot be split (it has no machines to share the lot)"
    if operation.recipe is not None or any(m.is_batch for m in eligible):
        return "a lot on a batch machine is never split across loads"
    reasons = [
        (bool(operation.resources), "secondary resources"),
        (bool(operation.materials) or bool(operation.produces), "materials consumed or produced"),
        (operation.may_pause is True or any(m.operations_may_pause for m in eligible), "pausing"),
        (operation.max_lag_minutes is not None or any(p.max_lag_minutes is not None for p in operation.predecessors),
         "a maximum time lag into it"),
        (operation.transfer_batch_units is not None
         or (following is not None and following.transfer_batch_units is not None), "transfer batches"),
    ]
    found = next((reason for applies, reason in reasons if applies), None)
    return None if found is None else f"a lot cannot be split together with {found} (not supported)"


def may_split(request: PlanRequest, product: Product, index: int) -> bool:
    """Whether the operation's lot could be split at all: none of the rules the sub-lots do not model applies
    to it or to the request (a fix proposes a split only then: `planner.explanations.fix_candidates`)."""
    return _unsupported(request, product, index) is None and not _request_violations(request)


def _permission_violations(permission: LotSplit, path: str) -> list[tuple[str, str]]:
    found = []
    if permission.max_sublots < 1:
        found.append((f"{path}.max_sublots", f"must be at least 1 (got {permission.max_sublots})"))
    if permission.min_sublot_units < 1:
        found.append((f"{path}.min_sublot_units", f"must be at least 1 (got {permission.min_sublot_units})"))
    return found


def lot_split_violations(request: PlanRequest) -> list[tuple[str, str]]:
    """(field, reason) for each lot-split permission that cannot hold: bad numbers, an unknown or repeated
    operation, a minimum above the order quantity, a rule the sub-lots do not model, the defect-rate cap."""
    found: list[tuple[str, str]] = []
    splitting = False
    for p_index, product in enumerate(request.factory.products):
        for o_index, operation in enumerate(product.routing):
            if operation.lot_split is None:
                continue
            path = f"factory.products[{p_index}].routing[{o_index}].lot_split"
            found += _permission_violations(operation.lot_split, path)
            if operation.lot_split.max_sublots >= 2 and (reason := _unsupported(request, product, o_index)):
                found.append((path, reason))
            splitting |= operation.lot_split.max_sublots >= 2
    products = {p.id: p for p in request.factory.products}
    for index, order in enumerate(request.orders):
        found += _order_violations(request, products.get(order.product_id), order, f"orders[{index}]")
        splitting |= any(permission.max_sublots >= 2 for permission in order.lot_splits)
    if splitting:
        found += _request_violations(request)
    return found


def _order_violations(request: PlanRequest, product: Product | None, order: Order, path: str
                      ) -> list[tuple[str, str]]:
    """An order's own permissions: good numbers, a minimum within its quantity, a known operation named once."""
    found: list[tuple[str, str]] = []
    ids = [op.id for op in product.routing] if product is not None else []
    seen: set[str] = set()
    for s_index, permission in enumerate(order.lot_splits):
        here = f"{path}.lot_splits[{s_index}]"
        found += _permission_violations(permission, here)
        if permission.min_sublot_units > order.quantity:
            found.append((f"{here}.min_sublot_units", f"is above the order quantity {order.quantity}"))
        if product is not None and permission.operation_id not in ids:
            found.append((f"{here}.operation_id",
                          f"product '{product.id}' has no operation '{permission.operation_id}'"))
        elif permission.operation_id in seen:
            found.append((f"{here}.operation_id", f"operation '{permission.operation_id}' is named twice"))
        elif product is not None and permission.max_sublots >= 2 and (
                reason := _unsupported(request, product, ids.index(permission.operation_id))):
            found.append((here, reason))
        seen.add(permission.operation_id)
    return found


def _request_violations(request: PlanRequest) -> list[tuple[str, str]]:
    """Request-wide rules the sub-lots do not model: the defect-rate cap, sequence rules on a split operation."""
    found = []
    if request.options.max_expected_defect_rate is not None:
        found.append(("options.max_expected_defect_rate", "not supported together with lots that may be split"))
    orders = {o.id: o for o in request.orders}
    products = {p.id: p for p in request.factory.products}
    for index, rule in enumerate(request.sequence_rules):
        for order_id, operation_id in ((rule.before_order_id, rule.before_operation_id),
                                       (rule.after_order_id, rule.after_operation_id)):
            order = orders.get(order_id)
            product = products.get(order.product_id) if order is not None else None
            operation = next((op for op in product.routing if op.id == operation_id), None) if product else None
            permission = split_permission(order, operation) if order is not None and operation is not None else None
            if permission is not None and permission.max_sublots >= 2:
                found.append((f"sequence_rules[{index}]", f"operation '{operation_id}' of order '{order_id}' may be "
                                                          "split into sub-lots: a sequence rule cannot name it"))
    return found


# --- CP-SAT ------------------------------------------------------------------------------------------------------

@dataclass
class SublotVars:
    """One potential sub-lot of a split task. It has the shape of a task's variables (`task`, `start`, `end`,
    `presence` per machine), so rules over machine sequences (family changeovers) treat it as an operation."""

    task: Task
    index: int
    start: cp_model.IntVar
    end: cp_model.IntVar
    quantity: cp_model.IntVar
    used: cp_model.IntVar
    presence: dict[str, cp_model.IntVar | bool] = field(default_factory=dict)
    """Per machine (alternative key): the sub-lot runs there (always a literal; typed as the rules read it)."""
    processed: dict[str, cp_model.IntVar] = field(default_factory=dict)
    run: dict[str, cp_model.IntVar] = field(default_factory=dict)


@dataclass
class SplitModel:
    """The sub-lot variables of every split task, by (order id, operation index)."""

    sublots: dict[tuple[str, int], list[SublotVars]] = field(default_factory=dict)

    def task_vars(self) -> list[list[SublotVars]]:
        """The sub-lots as operations, one group per split task (for rules over machine sequences)."""
        return list(self.sublots.values())

    def read(self, solver: cp_model.CpSolver, task: Task) -> list[ScheduledOperation]:
        """The used sub-lots of a task as scheduled operations, numbered by start."""
        used = []
        for sub in self.sublots[(task.order_id, task.index)]:
            if not solver.boolean_value(sub.used):
                continue
            machine_id = next(m for m, literal in sub.presence.items() if solver.boolean_value(literal))
            used.append((solver.value(sub.start), machine_id, solver.value(sub.end), solver.value(sub.quantity)))
        return [_sublot(task, machine_id, start, end, quantity, index, len(used))
                for index, (start, machine_id, end, quantity) in enumerate(sorted(used))]

    def hint_whole(self, model: cp_model.CpModel, hint: Mapping[tuple[str, int], tuple[str, int]]) -> None:
        """Hints a start that keeps lots whole ((order id, operation index) -> (machine id, start)): one sub-lot of
        the whole quantity on the hinted machine."""
        self.hint(model, {key: [(*hint[key], sublots[0].task.quantity)]
                          for key, sublots in self.sublots.items() if key in hint})

    def hint_placed(self, model: cp_model.CpModel, placed: Iterable[ScheduledOperation]) -> None:
        """Hints a schedule's sub-lots (a solution read back, for a second solve)."""
        wanted: dict[tuple[str, int], list[tuple[str, int, int]]] = defaultdict(list)
        for op in placed:
            if (op.order_id, op.operation_index) in self.sublots:
                wanted[(op.order_id, op.operation_index)].append((op.machine_id, op.start, op.quantity))
        self.hint(model, wanted)

    def hint(self, model: cp_model.CpModel, placed: SublotHint) -> None:
        """Hints every sub-lot variable of the tasks in `placed` (largest sub-lot first, as the model orders)."""
        for key, sublots in self.sublots.items():
            wanted = placed.get(key)
            if not wanted:
                continue
            ordered = sorted(wanted, key=lambda s: -s[2])[:len(sublots)]
            first_start = ordered[0][1]
            for position, sub in enumerate(sublots):
                machine_id, start, quantity = ordered[position] if position < len(ordered) else ("", first_start, 0)
                model.add_hint(sub.used, position < len(ordered))
                model.add_hint(sub.quantity, quantity)
                model.add_hint(sub.start, start)
                alternative = sub.task.alternative(machine_id)
                end = start if alternative is None else start + _duration(sub.task, alternative, quantity)
                model.add_hint(sub.end, end)
                for key_m, literal in sub.presence.items():
                    if not isinstance(literal, bool):
                        model.add_hint(literal, key_m == machine_id)
                for machine, processed in sub.processed.items():
                    units = _processed(sub.task, machine, quantity)
                    model.add_hint(processed, units)
                    model.add_hint(sub.run[machine], math.ceil(units * _rate(sub.task, machine) / SCALE))


def _rate(task: Task, machine_id: str) -> int:
    assert task.split is not None
    return round(task.split.run_on(machine_id) * SCALE)


def _processed(task: Task, machine_id: str, quantity: int) -> int:
    alternative = task.alternative(machine_id)
    assert alternative is not None
    yield_scaled = round(alternative.yield_rate * SCALE)
    return -(-quantity * SCALE // yield_scaled)


def _duration(task: Task, alternative: Alternative, quantity: int) -> int:
    units = _processed(task, alternative.machine_id, quantity)
    return alternative.setup + math.ceil(units * _rate(task, alternative.machine_id) / SCALE)


def _sublot(task: Task, machine_id: str, start: int, end: int, quantity: int, index: int,
            count: int) -> ScheduledOperation:
    alternative = task.alternative(machine_id)
    assert alternative is not None
    processed = processed_quantity(quantity, alternative.yield_rate)
    return ScheduledOperation(
        order_id=task.order_id, product_id=task.product_id, operation_id=task.operation_id,
        operation_index=task.index, machine_id=machine_id, start=start, end=end, quantity=quantity,
        setup_minutes=alternative.setup, processed_quantity=processed,
        expected_scrap=processed * (1.0 - alternative.yield_rate), sublot_index=index, sublot_count=count)


class _TaskVars(Protocol):
    """The part of `planner.scheduling.model`'s task variables this rule reads."""

    task: Task
    start: cp_model.IntVar
    end: cp_model.IntVar


def lot_splitting(model: cp_model.CpModel, tasks: Iterable[Iterable[_TaskVars]],
                  intervals_by_machine: dict[str, list[cp_model.IntervalVar]], horizon: int) -> SplitModel:
    """Hard: a split task's sub-lots sum to its quantity, each empty or at least the minimum, each on one eligible
    machine for that machine's setup plus its run time (in the machine's NoOverlap), and the task runs from its
    first sub-lot's start to its last one's end. Splitting lets two machines share a lot that one cannot finish
    in time; the minimum keeps a sub-lot worth its setup."""
    built = SplitModel()
    for job_vars in tasks:
        for variables in job_vars:
            task = variables.task
            if task.split is None:
                continue
            sublots = [_sublot_vars(model, task, k, horizon, intervals_by_machine)
                       for k in range(task.split.max_sublots)]
            _link(model, task, variables, sublots)
            built.sublots[(task.order_id, task.index)] = sublots
    return built


def _sublot_vars(model: cp_model.CpModel, task: Task, k: int, horizon: int,
                 intervals_by_machine: dict[str, list[cp_model.IntervalVar]]) -> SublotVars:
    """One potential sub-lot: its quantity, start and end, and per machine its processed units, run minutes and
    optional interval."""
    assert task.split is not None
    name = f"{task.order_id}/{task.index}#{k}"
    quantity = model.new_int_var(0, task.quantity, f"sublot_quantity[{name}]")
    used = model.new_bool_var(f"sublot_used[{name}]")
    model.add(quantity >= task.split.min_units).only_enforce_if(used)
    model.add(quantity == 0).only_enforce_if(used.Not())
    sub = SublotVars(task, k, model.new_int_var(0, horizon, f"sublot_start[{name}]"),
                     model.new_int_var(0, horizon, f"sublot_end[{name}]"), quantity, used)
    for alternative in task.alternatives:
        machine_id = alternative.machine_id
        most = _processed(task, machine_id, task.quantity)
        processed = model.new_int_var(0, most, f"sublot_processed[{name}@{machine_id}]")
        yield_scaled = round(alternative.yield_rate * SCALE)
        # processed = ceil(quantity / yield): yield x processed - quantity in [0, yield) (millionths)
        model.add_linear_constraint(yield_scaled * processed - SCALE * quantity, 0, yield_scaled - 1)
        rate = _rate(task, machine_id)
        run = model.new_int_var(0, math.ceil(most * rate / SCALE), f"sublot_run[{name}@{machine_id}]")
        model.add_linear_constraint(SCALE * run - rate * processed, 0, SCALE - 1)  # run = ceil(processed x rate)
        present = model.new_bool_var(f"sublot_on[{name}@{machine_id}]")
        intervals_by_machine[machine_id].append(model.new_optional_interval_var(
            sub.start, alternative.setup + run, sub.end, present, f"sublot[{name}@{machine_id}]"))
        sub.presence[alternative.key] = present
        sub.processed[machine_id] = processed
        sub.run[machine_id] = run
    model.add(sum(sub.presence.values()) == used)
    return sub


def _link(model: cp_model.CpModel, task: Task, variables: _TaskVars, sublots: list[SublotVars]) -> None:
    """Quantities sum to the lot; sub-lots by non-increasing size, the first always used; an unused one sits at
    the first one's start with length 0; the task spans its sub-lots."""
    model.add(sum(sub.quantity for sub in sublots) == task.quantity)
    model.add(sublots[0].used == 1)
    for before, after in pairwise(sublots):
        model.add(before.quantity >= after.quantity)
    for sub in sublots[1:]:
        model.add(sub.start == sublots[0].start).only_enforce_if(sub.used.Not())
        model.add(sub.end == sublots[0].start).only_enforce_if(sub.used.Not())
    model.add_min_equality(variables.start, [sub.start for sub in sublots])
    model.add_max_equality(variables.end, [sub.end for sub in sublots])


def split_cost(built: SplitModel) -> list[cp_model.LinearExprT]:
    """Soft: each sub-lot beyond the first costs one unit of the cost objective (a cent: below a minute of any
    order's lateness), so a lot splits only where that saves lateness, not where it merely ties: every sub-lot is
    one more setup and hand-over on the shop floor. (The makespan objective splits freely.)"""
    return [sub.used for sublots in built.sublots.values() for sub in sublots[1:]]


# --- checker and KPIs --------------------------------------------------------------------------------------------

def group_sublots(assignments: Sequence[ScheduledOperation], split: set[tuple[str, int]]
                  ) -> tuple[list[ScheduledOperation], dict[tuple[str, int], list[ScheduledOperation]]]:
    """The assignments with the sub-lots of each split task merged into one span (first start, last end, the
    first sub-lot's machine, the summed quantity), and the sub-lots by task. Other tasks pass unchanged."""
    groups: dict[tuple[str, int], list[ScheduledOperation]] = defaultdict(list)
    merged = []
    for placed in assignments:
        key = (placed.order_id, placed.operation_index)
        if key in split:
            groups[key].append(placed)
        else:
            merged.append(placed)
    for parts in groups.values():
        first = min(parts, key=lambda p: (p.start, p.machine_id))
        merged.append(first.model_copy(update={
            "start": first.start, "end": max(p.end for p in parts), "quantity": sum(p.quantity for p in parts),
            "sublot_index": 0, "sublot_count": 1}))
    return merged, dict(groups)


def sublot_problems(label: str, task: Task, sublots: Sequence[ScheduledOperation]) -> list[str]:
    """A split task's sub-lots: at most the maximum, numbered 0..n-1 of n, summing to the lot, each at least the
    minimum (unless the lot is whole), on an eligible machine for its duration there."""
    assert task.split is not None
    problems = []
    count = len(sublots)
    if count > task.split.max_sublots:
        problems.append(f"{label}: split into {count} sub-lots, at most {task.split.max_sublots} allowed")
    if sorted(s.sublot_index for s in sublots) != list(range(count)) or any(s.sublot_count != count for s in sublots):
        problems.append(f"{label}: sub-lots are not numbered 0 to {count - 1} of {count}")
    if sum(s.quantity for s in sublots) != task.quantity:
        problems.append(f"{label}: sub-lots hold {sum(s.quantity for s in sublots)} units, the lot is {task.quantity}")
    for sub in sublots:
        where = f"{label} sub-lot {sub.sublot_index}"
        if count > 1 and sub.quantity < task.split.min_units:
            problems.append(f"{where}: {sub.quantity} units, below the minimum sub-lot of {task.split.min_units}")
        alternative = task.alternative(sub.machine_id)
        if alternative is None:
            problems.append(f"{where}: machine {sub.machine_id} is not eligible")
            continue
        needed = sublot_minutes(alternative.setup, task.split.run_on(sub.machine_id),
                                processed_quantity(sub.quantity, alternative.yield_rate))
        if sub.end - sub.start != needed:
            problems.append(f"{where}: lasts {sub.end - sub.start} min on {sub.machine_id}, needs {needed}")
    return problems


def whole_lot_problem(label: str, placed: ScheduledOperation) -> list[str]:
    """An operation that may not be split is planned as one whole lot."""
    if placed.sublot_count == 1 and placed.sublot_index == 0:
        return []
    return [f"{label}: planned as sub-lot {placed.sublot_index} of {placed.sublot_count}, but its lot may not be split"]


def split_counts(assignments: Sequence[ScheduledOperation]) -> tuple[int, int]:
    """(operations split into several sub-lots, their sub-lots in all)."""
    counts = {(a.order_id, a.operation_index): a.sublot_count for a in assignments if a.sublot_count > 1}
    return len(counts), sum(counts.values())
