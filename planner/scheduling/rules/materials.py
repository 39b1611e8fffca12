"""Materials (`Factory.materials`, `Operation.materials`): stock at plan start, scheduled receipts, consumption.

A material (aluminium ingot, bought-in bearings) has on-hand stock at plan start and receipts (minute,
quantity). Each unit an operation processes consumes `quantity_per_unit` of it (scrap included: the
processed units, `planner.scheduling.tasks.processed_quantity`), taken from stock when the operation starts. So an
operation cannot start before enough of its material is there, and the stock is never negative.

A `MaterialUse` may also name a product of the factory: a component made in-house (`planner.scheduling.rules.bom`).
Its stock starts at zero and every order of that product adds its quantity (good units) when the order
completes, so the parent's consuming operation waits for enough component orders to be done.

Quantities are floats (kg, m); the solver and the dispatching start count stock in integer thousandths
(`STOCK_SCALE`), rounding supply down and consumption up, so a plan they accept also holds in exact numbers.
An operation running at plan start (work in progress) has already taken its material: it consumes nothing.

CP-SAT model: one reservoir per stock item (`material_reservoirs`): on-hand stock at minute 0 and receipts as
fixed positive events, component completions as positive events at the producing order's end, and one negative
event per (operation, eligible machine), active when that machine is chosen, at the operation's start; the
level must stay >= 0. What operations produce (`Operation.produces`, `scheduling.rules.stock`) are positive events
at their ends. The dispatching start keeps the rule with `MaterialTimeline`; the checker re-derives the
stock from the request (`stock_problems`); KPIs and explanations use `material_waits`.
"""

from __future__ import annotations

import bisect
import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from ortools.sat.python import cp_model

from planner.domain import Operation, PlanRequest
from planner.scheduling.rules.modes import least_mode_uses, uses_of
from planner.scheduling.rules.stock import outputs, planned_output, produced_ids, producer_at

if TYPE_CHECKING:
    from planner.scheduling.rules.base import TaskVars
    from planner.scheduling.rules.batching import Timeline
    from planner.scheduling.tasks import Alternative, Job, Task
    from planner.solution import ScheduledOperation

STOCK_SCALE = 1000
"""Stock is counted in thousandths of a unit inside the solver and the dispatching start (integer levels)."""
TOLERANCE = 1e-6
"""Relative tolerance of the checker's float stock balance."""

Consumption = tuple[tuple[str, int], ...]
"""(stock item id, amount in thousandths) per material or component an alternative takes at its start."""


def scaled_supply(quantity: float) -> int:
    """Supply in thousandths, rounded down (never promise more than there is)."""
    return math.floor(quantity * STOCK_SCALE + 1e-6)


def scaled_demand(quantity: float) -> int:
    """Consumption in thousandths, rounded up (never take less than is used)."""
    return math.ceil(quantity * STOCK_SCALE - 1e-6)


def consumption(operation: Operation, processed: int) -> Consumption:
    """What the operation takes from stock at its start when it processes `processed` units."""
    return tuple((use.material_id, scaled_demand(use.quantity_per_unit * processed)) for use in operation.materials)


def production(operation: Operation, good_units: int) -> Consumption:
    """What the operation puts into stock at its end for `good_units` good units, in thousandths, rounded down
    (`Operation.produces`, `planner.scheduling.rules.stock`)."""
    return tuple((out.material_id, scaled_supply(out.quantity_per_unit * good_units)) for out in operation.produces)


def has_materials(request: PlanRequest) -> bool:
    return any(op.materials or op.produces or any(mode.materials for mode in op.modes)
               for product in request.factory.products for op in product.routing)


def component_ids(request: PlanRequest) -> set[str]:
    """Products made in-house that some operation consumes (components of a bill of materials)."""
    products = {p.id for p in request.factory.products}
    return {use.material_id for product in request.factory.products for op in product.routing
            for use in op.materials if use.material_id in products}


def fixed_supply(request: PlanRequest) -> dict[str, list[tuple[int, float]]]:
    """Per stock item, its supply that does not depend on the plan: on-hand stock at minute 0 and the receipts.
    Components start empty."""
    supply: dict[str, list[tuple[int, float]]] = {m.id: [(0, m.on_hand)] + [(r.minute, r.quantity)
                                                                             for r in m.receipts]
                                                  for m in request.factory.materials}
    for product_id in component_ids(request):
        supply.setdefault(product_id, [])
    return supply


def material_reservoirs(model: cp_model.CpModel, request: PlanRequest, tasks: Sequence[Sequence[TaskVars]]) -> None:
    """Hard: an operation starts only when the stock of every material (or in-house component) it consumes covers
    what it takes, after everything consumed before; the stock never goes negative.

    Why the plant cares: a die-casting cell cannot cast before the aluminium ingot has arrived, and an assembly
    cannot start before its sub-assemblies are made; a plan that ignores it stops at the first empty rack."""
    if not has_materials(request):
        return
    components = component_ids(request)
    events: dict[str, list[tuple[cp_model.LinearExprT, int, cp_model.LinearExprT | bool]]] = defaultdict(list)
    for stock_id, supply in fixed_supply(request).items():
        events[stock_id] += [(max(minute, 0), scaled_supply(quantity), True) for minute, quantity in supply
                             if scaled_supply(quantity) > 0]
    for job_vars in tasks:
        if job_vars and job_vars[-1].task.product_id in components:  # a component order fills its stock when done
            first = job_vars[0].task
            done = model.new_int_var(0, request.options.horizon_minutes, f"done[{first.order_id}]")
            model.add_max_equality(done, [v.end for v in job_vars])  # its last operation need not be listed last
            events[first.product_id].append((done, scaled_supply(first.quantity), True))
        for variables in job_vars:
            for stock_id, amount in variables.task.produces:  # an operation's output enters stock at its end
                if amount > 0:
                    events[stock_id].append((variables.end, amount, True))
            for alternative in variables.task.alternatives:
                if not alternative.consumes:
                    continue  # nothing to take (a lot that may split, which consumes nothing, keeps its presence
                    # literals on its sub-lots, not here)
                present = variables.presence[alternative.key]
                for stock_id, amount in alternative.consumes:
                    if amount > 0:
                        events[stock_id].append((variables.start, -amount, present))
    for items in events.values():
        if not any(change < 0 for _, change, _ in items):
            continue
        if all(isinstance(time, int) and time == 0 for time, change, _ in items if change > 0):
            # All supply is there at plan start (no receipts, not a component, no operation produces it: those are
            # events at a variable end, so never int 0 here): the stock stays >= 0 exactly when the
            # total taken is at most that supply, a knapsack that propagates far better than the reservoir.
            model.add(cp_model.LinearExpr.sum([-change * active for _, change, active in items if change < 0])
                      <= sum(change for _, change, _ in items if change > 0))
            continue
        times, changes, actives = zip(*items, strict=True)
        top = sum(change for change in changes if change > 0)
        model.add_reservoir_constraint_with_active(list(times), list(changes), list(actives), 0, max(top, 0))


def _producing_completions(request: PlanRequest, jobs: Sequence[Job],
                           assignments: Sequence[ScheduledOperation]) -> dict[str, list[tuple[int, float]]]:
    """Per component, (completion, good units) of each order of it the plan completes."""
    components = component_ids(request)
    ends: dict[str, int] = {}
    for placed in assignments:
        ends[placed.order_id] = max(ends.get(placed.order_id, placed.end), placed.end)
    made: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for job in jobs:
        if job.order.product_id in components and job.order.id in ends and job.tasks:
            made[job.order.product_id].append((ends[job.order.id], float(job.order.quantity)))
    return made


def _consumptions(request: PlanRequest, jobs: Sequence[Job],
                  assignments: Sequence[ScheduledOperation]) -> dict[str, list[tuple[int, float, str]]]:
    """Per stock item, (start, amount, who) for each planned operation that consumes it (exact amounts, from the
    request: the operation's `quantity_per_unit` x the units processed on the machine chosen)."""
    tasks = {(job.order.id, task.index): task for job in jobs for task in job.tasks}
    routings = {p.id: p.routing for p in request.factory.products}
    taken: dict[str, list[tuple[int, float, str]]] = defaultdict(list)
    for placed in assignments:
        task = tasks.get((placed.order_id, placed.operation_index))
        alternative = task.placed_on(placed) if task is not None else None
        if task is None or alternative is None or task.running:
            continue
        for use in uses_of(routings[task.product_id][task.index], alternative.mode_id):
            taken[use.material_id].append((placed.start, use.quantity_per_unit * alternative.processed,
                                           f"{placed.order_id}/{placed.operation_index}"))
    return taken


def stock_problems(request: PlanRequest, jobs: Sequence[Job], assignments: Sequence[ScheduledOperation]) -> list[str]:
    """Every moment the stock of a material or component would go below zero (receipts and completions at a
    minute count before what is consumed at that minute)."""
    if not has_materials(request):
        return []
    supply = fixed_supply(request)
    for product_id, made in _producing_completions(request, jobs, assignments).items():
        supply[product_id] = supply.get(product_id, []) + made
    for material_id, produced in outputs(request, jobs, assignments).items():  # operations' outputs at their ends
        supply[material_id] = supply.get(material_id, []) + [(end, quantity) for end, quantity, _, _ in produced]
    problems = []
    for stock_id, taken in sorted(_consumptions(request, jobs, assignments).items()):
        events = sorted([(minute, 0, quantity, "") for minute, quantity in supply.get(stock_id, [])]
                        + [(minute, 1, -amount, who) for minute, amount, who in taken])
        level, scale = 0.0, max((abs(q) for _, _, q, _ in events), default=1.0)
        for minute, _, change, who in events:
            level += change
            if level < -TOLERANCE * max(scale, 1.0):
                problems.append(f"material {stock_id}: {who} takes {-change:g} at {minute}, but only "
                                f"{level - change:g} is in stock then (stock {level:g})")
    return problems


class MaterialStock:
    """The stock of each material and component over time, as sorted (minute, change in thousandths) events, for
    the dispatching start and the KPIs. A consumption fits at `t` when the level stays >= it from `t` on."""

    def __init__(self, supply: Mapping[str, Sequence[tuple[int, float]]]) -> None:
        self._events: dict[str, list[tuple[int, int]]] = {
            stock_id: sorted((max(minute, 0), scaled_supply(quantity)) for minute, quantity in items)
            for stock_id, items in supply.items()}
        self._lowest: dict[str, tuple[list[int], list[int], list[int]]] = {}
        """Per stock item while its events stay as they are: the minutes of its events, the level from each and the
        lowest level from each one on. A start pass asks `earliest` about four times between two changes of an item
        (2,000 plant-grade orders: 2,348 questions, 582 changes; summing the events each time took a tenth of the
        pass)."""

    def add(self, stock_id: str, minute: int, change: int) -> None:
        bisect.insort(self._events.setdefault(stock_id, []), (minute, change))
        self._lowest.pop(stock_id, None)

    def remove(self, stock_id: str, minute: int, change: int) -> None:
        self._events[stock_id].remove((minute, change))
        self._lowest.pop(stock_id, None)

    def earliest(self, stock_id: str, ready: int, amount: int) -> int | None:
        """The first minute >= `ready` from which `amount` more can be taken without the stock ever going negative;
        None when no such minute exists with the stock as it is now."""
        times, _, lowest = self._levels(stock_id)
        # The lowest level from an event on only grows with the event: the first event from which it covers the
        # amount, unless `ready` falls after it (then the last event at or before `ready`).
        index = max(bisect.bisect_left(lowest, amount), bisect.bisect_right(times, ready) - 1, 0)
        return max(times[index], ready) if index < len(times) else None

    def earliest_without(self, stock_id: str, ready: int, amount: int, minute: int) -> int | None:
        """`earliest` as if the consumption of `amount` at `minute` (one of the events) were not booked: when an
        operation that took it could have, with everything else as planned. Reads the levels as they are (the KPIs
        asked once per consumption, and taking it out and back made every question sum the events again)."""
        times, levels, lowest = self._levels(stock_id)
        taken = bisect.bisect_left(times, minute)  # from here on the levels are `amount` higher without it
        first = max(taken, bisect.bisect_left(lowest, 0))  # the first event from which they stay >= `amount`
        if first >= len(times):
            return None
        before_ready = max(bisect.bisect_right(times, ready) - 1, 0)
        if first == taken:  # they may stay high enough from an earlier event, back to `ready` at most
            lowest_after = lowest[taken] + amount
            while first > before_ready and min(lowest_after, levels[first - 1]) >= amount:
                first -= 1
                lowest_after = min(lowest_after, levels[first])
        index = max(first, before_ready)
        return max(times[index], ready)

    def _levels(self, stock_id: str) -> tuple[list[int], list[int], list[int]]:
        """The minutes with events of the item, its stock level from each, and the lowest level from each on."""
        found = self._lowest.get(stock_id)
        if found is None:
            times: list[int] = []
            levels: list[int] = []
            level = 0
            for minute, change in self._events.get(stock_id, []):
                level += change
                if times and times[-1] == minute:
                    levels[-1] = level
                else:
                    times.append(minute)
                    levels.append(level)
            lowest = list(levels)
            for index in range(len(lowest) - 2, -1, -1):
                lowest[index] = min(lowest[index], lowest[index + 1])
            found = self._lowest[stock_id] = (times, levels, lowest)
        return found

    def earliest_for(self, lot: Alternative, ready: int) -> int | None:
        """The first minute >= `ready` at which every material of the lot can be taken (None: never, as it stands)."""
        start = ready
        while True:
            moments = [self.earliest(stock_id, start, amount) for stock_id, amount in lot.consumes if amount > 0]
            if any(m is None for m in moments):
                return None
            later = max((m for m in moments if m is not None), default=start)
            if later <= start:
                return start
            start = later


class MaterialTimeline:
    """A machine in the dispatching start whose operations consume materials: its earliest start moves later
    until the stock covers what the operation takes at its start."""

    def __init__(self, machine: Timeline, stock: MaterialStock) -> None:
        self.machine = machine
        self.stock = stock

    def earliest_start(self, ready: int, duration: int, lot: Alternative | None = None) -> int | None:
        start = self.machine.earliest_start(ready, duration, lot)
        while start is not None and lot is not None and lot.consumes:
            fits = self.stock.earliest_for(lot, start)
            if fits is None:
                return None
            if fits == start:
                return start
            start = self.machine.earliest_start(fits, duration, lot)
        return start

    def reserve(self, start: int, duration: int, lot: Alternative | None = None) -> None:
        self.machine.reserve(start, duration, lot)
        for stock_id, amount in lot.consumes if lot is not None else ():
            self.stock.add(stock_id, start, -amount)

    def release(self, start: int, duration: int, lot: Alternative | None = None) -> None:
        self.machine.release(start, duration, lot)
        for stock_id, amount in lot.consumes if lot is not None else ():
            self.stock.remove(stock_id, start, -amount)


def starved(task: Task, stock: MaterialStock, ready: int) -> bool:
    """True when no machine of the task finds enough stock at any time, as the stock stands now."""
    return all(alternative.consumes and stock.earliest_for(alternative, ready) is None
               for alternative in task.alternatives)


@dataclass(frozen=True)
class MaterialWait:
    """An operation that was ready before its material (or component) was there: from `ready` it waited until
    `available`, when the stock, with every other operation's consumption as planned, first covered it."""

    order_id: str
    operation_id: str
    operation_index: int
    material_id: str
    ready: int
    available: int
    start: int
    quantity: float
    """What the operation takes, in the material's unit."""
    producer: tuple[str, str] | None = None
    """(order id, operation id) of the operation whose output, at its end, made the stock cover it; None when the
    stock came from on-hand stock, a receipt or a component order (`planner.scheduling.rules.stock`)."""

    @property
    def minutes(self) -> int:
        return max(0, min(self.start, self.available) - self.ready)


def material_waits(request: PlanRequest, jobs: Sequence[Job],
                   assignments: Sequence[ScheduledOperation]) -> list[MaterialWait]:
    """Every planned operation that waited for a material after it was ready (its release, or its predecessor's
    end plus the minimum lag), by order and operation."""
    if not has_materials(request):
        return []
    stock = MaterialStock(fixed_supply(request))
    for product_id, made in _producing_completions(request, jobs, assignments).items():
        for minute, quantity in made:
            stock.add(product_id, minute, scaled_supply(quantity))
    produced = outputs(request, jobs, assignments)
    for material_id, items in produced.items():
        for minute, quantity, _, _ in items:
            stock.add(material_id, minute, scaled_supply(quantity))
    placed = {(a.order_id, a.operation_index): a for a in assignments}
    lots = []
    for job in jobs:
        ready = max(job.order.release, 0)
        for task in job.tasks:
            found = placed.get((job.order.id, task.index))
            if found is None:
                break
            ready += task.min_lag
            alternative = task.placed_on(found)
            if alternative is not None and not task.running:
                lots.append((task, alternative, found, ready))
                for stock_id, amount in alternative.consumes:
                    stock.add(stock_id, found.start, -amount)
            ready = found.end
    waits = []
    products = {product.id: product for product in request.factory.products}
    for task, alternative, found, ready in lots:
        if not alternative.consumes:
            continue
        routing = products[task.product_id].routing[task.index]
        for use, (stock_id, amount) in zip(uses_of(routing, alternative.mode_id), alternative.consumes, strict=True):
            available = stock.earliest_without(stock_id, ready, amount, found.start)
            wait = MaterialWait(task.order_id, task.operation_id, task.index, stock_id, ready,
                                found.start if available is None else available, found.start,
                                use.quantity_per_unit * alternative.processed,
                                producer_at(produced.get(stock_id, []), found.start if available is None
                                            else available))
            if wait.minutes > 0:
                waits.append(wait)
    return waits


@dataclass(frozen=True)
class MaterialShortage:
    """More of a material (or component) is needed than stock, receipts (or component orders) bring in: the plan
    is infeasible until `short` more arrives, at the latest by `latest_arrival`."""

    material_id: str
    needed: float
    available: float
    latest_arrival: int

    @property
    def short(self) -> float:
        return self.needed - self.available


def shortages(request: PlanRequest, jobs: Sequence[Job]) -> list[MaterialShortage]:
    """Stock items whose least possible consumption (each operation on its most frugal machine) exceeds all supply
    in the horizon: a sound infeasibility proof. The latest arrival is the latest start, within the horizon, of
    an operation that consumes it (the shortest work after it must still fit)."""
    if not has_materials(request):
        return []
    supply = {stock_id: sum(q for _, q in items) for stock_id, items in fixed_supply(request).items()}
    for job in jobs:
        if job.order.product_id in supply and job.order.product_id in component_ids(request) and job.tasks:
            supply[job.order.product_id] += job.order.quantity
    for material_id, made in planned_output(request, jobs).items():  # what operations produce, whenever they end
        supply[material_id] = supply.get(material_id, 0.0) + made
    needed: dict[str, float] = defaultdict(float)
    latest: dict[str, int] = {}
    horizon = request.options.horizon_minutes
    products = {product.id: product for product in request.factory.products}  # `Factory.product` scans them
    for job in jobs:
        for position, task in enumerate(job.tasks):
            operation = products[task.product_id].routing[task.index]
            uses = operation.materials
            if task.running or not (uses or task.has_modes):
                continue
            tail = sum(t.shortest for t in job.tasks[position:])
            for material_id, amount in least_mode_uses(operation, task).items():  # the most frugal mode, per material
                needed[material_id] += amount
                latest[material_id] = max(latest.get(material_id, 0), max(horizon - tail, 0))
            for use in uses:
                needed[use.material_id] += use.quantity_per_unit * min(a.processed for a in task.alternatives)
                latest[use.material_id] = max(latest.get(use.material_id, 0), max(horizon - tail, 0))
    return [MaterialShortage(stock_id, amount, supply.get(stock_id, 0.0), latest[stock_id])
            for stock_id, amount in sorted(needed.items())
            if amount > supply.get(stock_id, 0.0) * (1 + TOLERANCE) + TOLERANCE]


def shortage_reasons(request: PlanRequest, jobs: Sequence[Job]) -> list[str]:
    """The shortages in a planner's words, for an INFEASIBLE plan (`planner.scheduling.feasibility`)."""
    units = {m.id: f" {m.unit}" if m.unit else "" for m in request.factory.materials}
    reasons = []
    for found in shortages(request, jobs):
        unit = units.get(found.material_id, " units")
        kind = "Material" if found.material_id in units else "Component"
        supply = "stock and receipts bring" if found.material_id in units else "its orders make"
        if found.material_id in produced_ids(request):
            supply = "stock, receipts and the operations that produce it bring"
        arrival = request.options.plan_start + timedelta(
            minutes=found.latest_arrival + request.factory.utc_offset_minutes)
        reasons.append(
            f"{kind} {found.material_id}: the orders need at least {found.needed:g}{unit}, but {supply} "
            f"{found.available:g}{unit} within the horizon: {found.short:g}{unit} short. That much more would have "
            f"to arrive by {arrival:%a %d %b %H:%M} (plant time) at the latest, the last moment an operation that "
            "consumes it can start and its order still finish in the horizon.")
    return reasons


def material_violations(request: PlanRequest) -> list[tuple[str, str]]:
    """(field path, reason) for every problem of the materials: stock, receipts and what operations consume
    (unknown ids and cycles of components: `planner.scheduling.rules.bom.bom_violations`)."""
    found = []
    horizon = request.options.horizon_minutes
    products = {p.id for p in request.factory.products}
    for m_index, material in enumerate(request.factory.materials):
        path = f"factory.materials[{m_index}]"
        if material.id in products:
            found.append((f"{path}.id", f"'{material.id}' is also a product id: a material and a component would "
                                        "be confused"))
        if not math.isfinite(material.on_hand) or material.on_hand < 0:
            found.append((f"{path}.on_hand", "must be a finite number, at least 0"))
        for r_index, receipt in enumerate(material.receipts):
            if not math.isfinite(receipt.quantity) or receipt.quantity <= 0:
                found.append((f"{path}.receipts[{r_index}].quantity", "must be a finite number greater than 0"))
            if not 0 <= receipt.minute <= horizon:
                found.append((f"{path}.receipts[{r_index}].minute", "must be within the planning horizon (stock "
                                                                    "already there belongs in on_hand)"))
    for p_index, product in enumerate(request.factory.products):
        for o_index, operation in enumerate(product.routing):
            seen: set[str] = set()
            for u_index, use in enumerate(operation.materials):
                path = f"factory.products[{p_index}].routing[{o_index}].materials[{u_index}]"
                if not math.isfinite(use.quantity_per_unit) or use.quantity_per_unit <= 0:
                    found.append((f"{path}.quantity_per_unit", "must be a finite number greater than 0"))
                if use.material_id in seen:
                    found.append((f"{path}.material_id", f"'{use.material_id}' listed twice"))
                seen.add(use.material_id)
    return found
