"""Oven rules of batch machines, on top of `planner.scheduling.rules.batching`: load-length windows
(`Operation.batch_min_minutes` / `batch_max_minutes`), a minimum fill (`Machine.batch_min_load`), sequence-dependent
changeovers between recipes with the machine's state at plan start (`Machine.recipe_changeovers`,
`Machine.initial_recipe`) and the BATCH_COST objective (run minutes, late orders, changeover costs).

They are what the oven scheduling problem (Lackner et al., CP 2021) asks of a heat-treatment shop: a lot may stay in
the oven between its shortest and longest time, so a load lasts anywhere in [the longest shortest time, the shortest
longest time] of its lots; an oven is not started under a minimum fill; switching from one recipe (temperature, gas)
to another takes a setup right before the next load, in the same stretch of working time, and costs energy; the
shop pays for oven minutes, late orders and setups.

CP-SAT: each potential load has a length variable bounded by the windows of the lots assigned to it; the loads of a
machine with changeovers are ordered by one circuit (node 0 = plan start, from the initial recipe); the arc into a
load fixes the setup it needs, and the load's machine interval starts that much before the load, so the setup lies
in working time and never overlaps the previous load. The dispatching start keeps the changeovers (a new load opens
after the machine's last one, its changeover before it: `batching.LoadTimeline`) but not a minimum fill: such
requests start CP-SAT without it (`needs_model_start`), unless they are oven shops, which get a constructive start
that keeps every oven rule (`planner.scheduling.oven_start`, improved by `planner.scheduling.oven_lns`).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ortools.sat.python import cp_model

from planner.domain import BatchRecipe, Machine, Operation, PlanRequest, RecipeChangeover

if TYPE_CHECKING:
    from planner.calendar import Interval
    from planner.scheduling.tasks import Job
    from planner.solution import BatchLoad

BATCH_COST_SCALE = 100
"""BATCH_COST in hundredths in the model, so that cost weights with cents stay integers."""


def load_window(operation: Operation, recipe: BatchRecipe) -> tuple[int, int]:
    """Shortest and longest load the lot may be in on a machine with this recipe (default: the fixed cycle)."""
    low = operation.batch_min_minutes if operation.batch_min_minutes is not None else recipe.cycle_minutes
    high = operation.batch_max_minutes if operation.batch_max_minutes is not None else low
    return low, max(low, high)


def changeover(machine: Machine, before: str | None, after: str) -> RecipeChangeover | None:
    """The changeover from a load of recipe `before` (None = nothing before) to one of `after` on the machine."""
    if before is None:
        return None
    return next((c for c in machine.recipe_changeovers if c.from_recipe == before and c.to_recipe == after), None)


def setup_minutes(machine: Machine, before: str | None, after: str) -> int:
    found = changeover(machine, before, after)
    return found.minutes if found is not None else 0


def setup_cost(machine: Machine, before: str | None, after: str) -> float:
    found = changeover(machine, before, after)
    return found.cost if found is not None else 0.0


def needs_model_start(request: PlanRequest) -> bool:
    """True when a minimum fill binds, which the dispatching start ignores (it knows recipe changeovers:
    `planner.scheduling.rules.batching.LoadTimeline`; oven shops get `planner.scheduling.oven_start`): some lot that
    may run on a batch machine with a minimum fill holds less than the fill alone, or may be split into sub-lots, or
    runs in modes. Where every lot fills a load alone, every load of the dispatching start (one lot at least) holds
    the fill, so such requests get that start (before, any minimum fill went without one: 6 of 49 generated plant
    requests with one had no plan at 2 s, `tests/test_plant_properties.py`)."""
    least = {m.id: min_load_units(m) for m in request.factory.machines if m.is_batch and m.batch_min_load > 0}
    if not least:
        return False
    products = {p.id: p for p in request.factory.products}
    for order in request.orders:
        split = {permission.operation_id for permission in order.lot_splits}
        for op in products[order.product_id].routing if order.product_id in products else []:
            machines = {e.machine_id for e in op.eligible_machines} | {mode.machine_id for mode in op.modes}
            if op.recipe is None or not machines & least.keys():
                continue
            if op.modes or op.lot_split is not None or op.id in split:
                return True
            # good units only, at least what it processes (yield <= 1); rounded down as `batching.floor_units`
            lot = math.floor(order.quantity * op.batch_load_per_unit * 1000 + 1e-6)
            if any(lot < least[machine_id] for machine_id in machines & least.keys()):
                return True
    return False


def min_load_units(machine: Machine) -> int:
    """The minimum fill in model units, rounded up (the lots' loads are then rounded down against it)."""
    return math.ceil(machine.batch_min_load * 1000 - 1e-6) if machine.batch_min_load > 0 else 0


@dataclass
class LoadNode:
    """One potential load of a batch machine, as the changeover circuit sees it."""

    recipe: str
    index: int
    start: cp_model.IntVar
    length: cp_model.IntVar
    used: cp_model.IntVar


def recipe_changeovers(model: cp_model.CpModel, machine: Machine, loads: Sequence[LoadNode],
                       horizon: int) -> tuple[list[cp_model.IntVar | int], list[cp_model.LinearExprT]]:
    """Hard: between two consecutive loads of a batch machine, the setup from the first load's recipe to the
    second's passes right before the second load, inside the same stretch of working time; before the first load,
    the setup from the machine's initial recipe. Returns, per load, the setup minutes before it and the changeover
    cost into it (for BATCH_COST).

    Why the plant cares: an oven going from a 180 degC ageing recipe to a 530 degC solution treatment must heat
    up first, and one whose gas atmosphere changes must be purged; a plan that starts the next load at once (or
    heats up during a night the oven is off) cannot be run, and one that alternates recipes burns energy.

    One circuit over the machine's potential loads (node 0 = plan start and end; an unused load takes its self
    loop); loads of one recipe keep their order (`batching`'s symmetry breaking), so no arc goes back among them."""
    setups: list[cp_model.IntVar | int] = [0] * len(loads)
    costs: list[cp_model.LinearExprT] = [0] * len(loads)
    if not machine.recipe_changeovers:
        return setups, costs
    arcs: list[tuple[int, int, cp_model.LiteralT]] = [(0, 0, model.new_bool_var(f"no_loads[{machine.id}]"))]
    into: list[list[tuple[int, int, cp_model.IntVar]]] = [[] for _ in loads]  # (minutes, cost, literal)
    for j, load in enumerate(loads, start=1):
        arcs.append((j, j, load.used.Not()))
        first = model.new_bool_var(f"first_load[{machine.id},{j}]")
        arcs.append((0, j, first))
        arcs.append((j, 0, model.new_bool_var(f"last_load[{machine.id},{j}]")))
        minutes = setup_minutes(machine, machine.initial_recipe, load.recipe)
        into[j - 1].append((minutes, _cents(setup_cost(machine, machine.initial_recipe, load.recipe)), first))
        model.add(load.start >= minutes).only_enforce_if(first)
    for i, before in enumerate(loads, start=1):
        for j, after in enumerate(loads, start=1):
            if i == j or (before.recipe == after.recipe and after.index < before.index):
                continue
            follows = model.new_bool_var(f"next_load[{machine.id},{i},{j}]")
            arcs.append((i, j, follows))
            minutes = setup_minutes(machine, before.recipe, after.recipe)
            model.add(after.start >= before.start + before.length + minutes).only_enforce_if(follows)
            into[j - 1].append((minutes, _cents(setup_cost(machine, before.recipe, after.recipe)), follows))
    model.add_circuit(arcs)
    for j, incoming in enumerate(into):
        setup = model.new_int_var(0, horizon, f"setup_before[{machine.id},{j}]")
        model.add(setup == sum(minutes * literal for minutes, _, literal in incoming))
        setups[j] = setup
        costs[j] = sum(cost * literal for _, cost, literal in incoming if cost)
    return setups, costs


def _cents(cost: float) -> int:
    return round(cost * BATCH_COST_SCALE)


def batch_cost(model: cp_model.CpModel, request: PlanRequest, jobs: Sequence[Job],
               ends: Sequence[Sequence[cp_model.IntVar]], runs: Sequence[cp_model.LinearExprT],
               changeover_costs: Sequence[cp_model.LinearExprT]) -> cp_model.LinearExprT:
    """Soft (objective BATCH_COST): run minutes of the batch machines' loads x `batch_run_cost_per_minute` +
    orders ending after their due time x `late_order_cost` + the recipe changeover costs, in hundredths.

    Why the plant cares: an oven shop pays for every minute a furnace is hot, for every order it misses, and for
    every setup; it does not care how late a late order is (the customer has already been told)."""
    options = request.options
    terms: list[cp_model.LinearExprT] = [_cents(options.batch_run_cost_per_minute) * run for run in runs]
    terms += list(changeover_costs)
    late_cost = _cents(options.late_order_cost)
    if late_cost:
        for job, order_ends in zip(jobs, ends, strict=True):
            late = model.new_bool_var(f"late[{job.order.id}]")
            for end in order_ends:
                model.add(end <= job.order.due).only_enforce_if(late.Not())
            terms.append(late_cost * late)
    return cp_model.LinearExpr.sum(terms)


@dataclass(frozen=True)
class BatchCost:
    """BATCH_COST of a schedule, re-derived from its loads (the benchmark's and the KPIs' view)."""

    run_minutes: int
    late_orders: int
    changeover_cost: float
    total: float


def cost_of(request: PlanRequest, loads: Sequence[BatchLoad], order_ends: dict[str, int]) -> BatchCost:
    """BATCH_COST of loads (from `batching.loads_of`) and each order's completion time."""
    machines = {m.id: m for m in request.factory.machines}
    run = sum(load.end - load.start for load in loads)
    late = sum(1 for order in request.orders if order_ends.get(order.id, order.due) > order.due)
    changeovers = 0.0
    for machine_id, ordered in _by_machine(loads).items():
        machine, before = machines[machine_id], machines[machine_id].initial_recipe
        for load in ordered:
            changeovers += setup_cost(machine, before, load.recipe)
            before = load.recipe
    options = request.options
    total = options.batch_run_cost_per_minute * run + options.late_order_cost * late + changeovers
    return BatchCost(run, late, changeovers, total)


def _by_machine(loads: Sequence[BatchLoad]) -> dict[str, list[BatchLoad]]:
    grouped: dict[str, list[BatchLoad]] = defaultdict(list)
    for load in sorted(loads, key=lambda item: item.start):
        grouped[load.machine_id].append(load)
    return grouped


def oven_problems(request: PlanRequest, loads: Sequence[BatchLoad], available: Mapping[str, Sequence[Interval]]
                  ) -> list[str]:
    """The checker's part: minimum fill, and the changeover before each load (long enough after the previous load,
    inside one stretch of working time with the load); the load-length windows: `planner.checker`."""
    machines = {m.id: m for m in request.factory.machines}
    problems = []
    for load in loads:
        machine, where = machines[load.machine_id], f"{load.recipe} load on {load.machine_id} at {load.start}"
        if machine.batch_min_load > 0 and load.load < machine.batch_min_load * (1 - 1e-9) - 1e-9:
            problems.append(f"{where}: holds {load.load:g}, less than the minimum fill {machine.batch_min_load:g}")
    for machine_id, ordered in _by_machine(loads).items():
        machine = machines[machine_id]
        if not machine.recipe_changeovers:
            continue
        previous: BatchLoad | None = None
        for load in ordered:
            minutes = setup_minutes(machine, previous.recipe if previous else machine.initial_recipe, load.recipe)
            ready = previous.end if previous is not None else 0
            where = f"{load.recipe} load on {machine_id} at {load.start}"
            if load.start - minutes < ready:
                problems.append(f"{where}: starts {ready + minutes - load.start} min before its {minutes}-min "
                                "changeover is done")
            elif minutes and not any(s <= load.start - minutes and load.end <= e
                                     for s, e in available.get(machine_id, [])):
                problems.append(f"{where}: its {minutes}-min changeover is not in the load's working time")
            previous = load
    return problems


def oven_violations(request: PlanRequest) -> list[tuple[str, str]]:
    """Bad input on the oven fields: (field path, reason), for `planner.validation`."""
    found: list[tuple[str, str]] = []
    for m_index, machine in enumerate(request.factory.machines):
        path, recipes = f"factory.machines[{m_index}]", {r.id for r in machine.recipes}
        if not math.isfinite(machine.batch_min_load) or machine.batch_min_load < 0:
            found.append((f"{path}.batch_min_load", "must be a finite number, at least 0"))
        elif machine.batch_min_load > 0 and not machine.is_batch:
            found.append((f"{path}.batch_min_load", "only a batch machine (with a batch_capacity) has a minimum fill"))
        elif machine.batch_capacity is not None and machine.batch_min_load > machine.batch_capacity:
            found.append((f"{path}.batch_min_load", f"more than the batch capacity {machine.batch_capacity:g}"))
        if (machine.recipe_changeovers or machine.initial_recipe is not None) and not machine.is_batch:
            field = "recipe_changeovers" if machine.recipe_changeovers else "initial_recipe"
            found.append((f"{path}.{field}", "only a batch machine (with a batch_capacity) changes recipes"))
            continue
        if machine.initial_recipe is not None and machine.initial_recipe not in recipes:
            found.append((f"{path}.initial_recipe", f"the machine has no recipe '{machine.initial_recipe}'"))
        seen = set()
        for c_index, change in enumerate(machine.recipe_changeovers):
            where = f"{path}.recipe_changeovers[{c_index}]"
            for field, recipe in (("from_recipe", change.from_recipe), ("to_recipe", change.to_recipe)):
                if recipe not in recipes:
                    found.append((f"{where}.{field}", f"the machine has no recipe '{recipe}'"))
            if change.minutes < 0:
                found.append((f"{where}.minutes", "must be at least 0"))
            if not math.isfinite(change.cost) or change.cost < 0:
                found.append((f"{where}.cost", "must be a finite number, at least 0"))
            if (change.from_recipe, change.to_recipe) in seen:
                found.append((f"{where}.to_recipe", "a second changeover between the same recipes"))
            seen.add((change.from_recipe, change.to_recipe))
    for p_index, product in enumerate(request.factory.products):
        for o_index, operation in enumerate(product.routing):
            path = f"factory.products[{p_index}].routing[{o_index}]"
            low, high = operation.batch_min_minutes, operation.batch_max_minutes
            if (low is not None or high is not None) and operation.recipe is None:
                field = "batch_min_minutes" if low is not None else "batch_max_minutes"
                found.append((f"{path}.{field}", "a load-length window needs a recipe (a batch machine)"))
            elif low is not None and low <= 0:
                found.append((f"{path}.batch_min_minutes", "must be more than 0"))
            elif high is not None and high < (low if low is not None else 1):
                found.append((f"{path}.batch_max_minutes", "must be at least batch_min_minutes (and more than 0)"))
    options = request.options
    for field, value in (("batch_run_cost_per_minute", options.batch_run_cost_per_minute),
                         ("late_order_cost", options.late_order_cost)):
        if not math.isfinite(value) or value < 0:
            found.append((f"options.{field}", "must be a finite number, at least 0"))
    return found


def with_changeovers(request: PlanRequest, loads: Sequence[BatchLoad]) -> list[BatchLoad]:
    """The loads (from `batching.loads_of`), sorted by start, with the recipe changeover before each: from the previous
    load's recipe on the machine, or from its `initial_recipe` before its first load. A pair the machine lists
    with no time and no cost is no changeover. Derived from the loads alone, like `oven_problems` and `cost_of`, so
    the plan's output, the KPIs and the explanations name the changeovers the checker holds the plan to."""
    machines = {m.id: m for m in request.factory.machines}
    before: dict[str, str | None] = {}
    shown = []
    for load in sorted(loads, key=lambda item: (item.start, item.machine_id)):
        machine = machines[load.machine_id]
        previous = before.get(load.machine_id, machine.initial_recipe)
        before[load.machine_id] = load.recipe
        found = changeover(machine, previous, load.recipe)
        if found is None or not (found.minutes or found.cost):
            shown.append(load)
            continue
        shown.append(load.model_copy(update={"changeover_from": previous, "changeover_minutes": found.minutes,
                                             "changeover_cost": found.cost}))
    return shown
