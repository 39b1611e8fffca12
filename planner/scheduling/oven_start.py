"""A constructive start for oven shops: loads formed and placed greedily, feasible for every oven rule.

For requests whose every order is one lot for batch machines (`applies`: the oven scheduling problem's shape), the
full load-slot model (`planner.scheduling.rules.batching`) is O(n^2) booleans per oven and recipe and finds no first
solution at a few hundred lots. This module builds one in milliseconds, the way batch-scheduling practice does
(batch-forming list scheduling, e.g. Uzsoy's and Mönch's EDD-based heuristics for parallel batch machines):

1. take the most urgent lot not yet placed (a priority rule: due date, release, slack), the seed;
2. on each oven that may run it, open a load at the earliest time the oven is free, the seed is released, the
   changeover from the oven's last recipe (or its initial recipe) is done, and the changeover and the load fit in
   one stretch of the oven's working time;
3. fill the load with released lots of the same recipe in due-date order while the capacity holds, the lots' time
   windows still overlap (a load lasts the longest of its lots' shortest times, at most the shortest longest
   time), the longer load still fits in the stretch and no lot of the load becomes late;
4. keep the oven where the seed ends first; a lot that is late on every oven waits until the punctual ones are
   placed (BATCH_COST pays a late order once, however late), and a load under the minimum fill waits for the next
   releases of lots of its recipe until it holds the fill (else the seed waits for a later load);
5. where that leaves a lot without a load, the loads are formed without the fill and repaired: an under-filled load
   takes lots of its recipe from loads that keep their fill without them, or merges into another load of its
   recipe, and the ovens' loads are re-timed (`filled_start`).

Several rules are tried and the cheapest schedule wins (`best_start`); `planner.scheduling.oven_lns` improves it.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from planner.calendar import Interval
from planner.domain import Machine, PlanRequest
from planner.risk import maintenance_requirements
from planner.scheduling.rules.batching import capacity_units, floor_units, load_units
from planner.scheduling.rules.oven_rules import min_load_units, setup_cost, setup_minutes
from planner.scheduling.tasks import Job, Task
from planner.solution import ScheduledOperation


@dataclass(frozen=True)
class LotOption:
    """A lot on one oven: its share of the load (model units) and its window of load lengths."""

    units: int
    floor_units: int
    """Its share rounded down: against the minimum fill (never under it)."""
    shortest: int
    longest: int


@dataclass(frozen=True, eq=False)
class Lot:
    """One order's only operation, for batch machines."""

    task: Task
    release: int
    due: int
    recipe: str
    options: Mapping[str, LotOption]


@dataclass
class Oven:
    """A batch machine as the start sees it: capacity, minimum fill, changeovers, working stretches."""

    machine: Machine
    capacity: int
    least: int
    stretches: list[Interval]

    @property
    def id(self) -> str:
        return self.machine.id

    def setup(self, before: str | None, after: str) -> int:
        return setup_minutes(self.machine, before, after)

    def cost(self, before: str | None, after: str) -> float:
        return setup_cost(self.machine, before, after)

    def fit(self, free: int, ready: int, setup: int, length: int) -> int | None:
        """The earliest load start at or after `ready` whose changeover starts at or after `free`, both in one
        stretch of working time."""
        for begin, end in self.stretches:
            if end <= free:
                continue
            start = max(begin + setup, free + setup, ready)
            if start + length <= end:
                return start
        return None

    def stretch_of(self, start: int, end: int) -> Interval | None:
        return next(((b, e) for b, e in self.stretches if b <= start and end <= e), None)


@dataclass(eq=False)
class Load:
    """One load of the start: lots of one recipe, started and ended together."""

    oven: str
    recipe: str
    start: int
    length: int
    lots: list[Lot] = field(default_factory=list)

    @property
    def end(self) -> int:
        return self.start + self.length


@dataclass
class OvenShop:
    """The prepared request: lots, ovens and BATCH_COST weights."""

    lots: list[Lot]
    ovens: dict[str, Oven]
    run_cost: float
    late_cost: float

    def cost(self, loads_by_oven: Mapping[str, Sequence[Load]]) -> float:
        """BATCH_COST of a schedule (as `oven_rules.cost_of` counts it)."""
        total = 0.0
        for oven_id, loads in loads_by_oven.items():
            oven, before = self.ovens[oven_id], self.ovens[oven_id].machine.initial_recipe
            for load in loads:
                total += self.run_cost * load.length + oven.cost(before, load.recipe)
                total += self.late_cost * sum(1 for lot in load.lots if load.end > lot.due)
                before = load.recipe
        return total


def applies(request: PlanRequest, jobs: Sequence[Job]) -> bool:
    """True when every order is one lot for batch machines only (no other rule links them): the oven shop."""
    batch = {m.id for m in request.factory.machines if m.is_batch}
    if (not batch or request.sequence_rules or request.factory.changeovers or maintenance_requirements(request)
            or request.options.max_expected_defect_rate is not None):
        return False
    for job in jobs:
        if len(job.tasks) != 1:
            return False
        task = job.tasks[0]
        if task.running or task.recipe is None or task.split is not None or task.predecessors:
            return False
        if any(a.machine_id not in batch or a.needs or a.consumes or a.skill_needs or a.may_pause or a.setup
               or a.mode_id for a in task.alternatives):
            return False
    return True


def oven_shop(request: PlanRequest, jobs: Sequence[Job], available: Mapping[str, Sequence[Interval]]) -> OvenShop:
    ovens = {m.id: Oven(m, capacity_units(m.batch_capacity or 0.0), min_load_units(m), list(available.get(m.id, [])))
             for m in request.factory.machines if m.is_batch}
    lots = []
    for job in jobs:
        task = job.tasks[0]
        assert task.recipe is not None
        options = {a.machine_id: LotOption(load_units(a.batch_load), floor_units(a.batch_load),
                                           *(a.batch_window or (a.duration, a.duration))) for a in task.alternatives}
        lots.append(Lot(task, job.order.release, job.order.due, task.recipe, options))
    return OvenShop(lots, ovens, request.options.batch_run_cost_per_minute, request.options.late_order_cost)


MAX_TRIES = 200
"""Randomised tries of the start at most (each a few milliseconds at 100 lots, about 0.1 s at 500)."""

Priority = Callable[[Lot], float]


@dataclass
class _Rule:
    priority: Priority
    lengthen: bool
    """Whether a lot may lengthen the load it joins (else only lots whose shortest time fits the load join)."""



def _rules() -> list[_Rule]:
    def due(lot: Lot) -> float:
        return lot.due

    def slack(lot: Lot) -> float:
        return lot.due - min(o.shortest for o in lot.options.values())

    def release(lot: Lot) -> float:
        return lot.release * 1e6 + lot.due

    return [_Rule(p, lengthen) for p in (due, slack, release) for lengthen in (True, False)]


def greedy_start(shop: OvenShop, rule: _Rule) -> dict[str, list[Load]] | None:
    """One schedule by the rule (None when a lot found no load: no stretch fits it, or no minimum fill)."""
    loads: dict[str, list[Load]] = {oven: [] for oven in shop.ovens}
    free = dict.fromkeys(shop.ovens, 0)
    last = {oven.id: oven.machine.initial_recipe for oven in shop.ovens.values()}
    waiting = sorted(shop.lots, key=rule.priority)
    open_lots = set(range(len(waiting)))
    position = {id(lot): index for index, lot in enumerate(waiting)}
    late: set[int] = set()
    by_due: dict[str, list[int]] = {}  # per recipe, the lots by due date: the candidates to fill a load
    for index in sorted(open_lots, key=lambda i: waiting[i].due):
        by_due.setdefault(waiting[index].recipe, []).append(index)
    next_seed = 0
    while open_lots:
        while next_seed < len(waiting) and (next_seed not in open_lots or next_seed in late):
            next_seed += 1
        punctual_only = next_seed < len(waiting)
        seed = next_seed if punctual_only else min(open_lots)
        candidates = [i for i in by_due[waiting[seed].recipe] if i in open_lots]
        best: Load | None = None
        for oven_id in waiting[seed].options:
            load = _form(shop.ovens[oven_id], waiting, seed, candidates, free[oven_id], last[oven_id], rule)
            if load is not None and (best is None or (load.end, len(load.lots) * -1) < (best.end, -len(best.lots))):
                best = load
        if best is None:
            if not punctual_only:
                return None
            late.add(seed)  # try it once the punctual lots are placed
            continue
        if punctual_only and best.end > waiting[seed].due:
            late.add(seed)
            continue
        loads[best.oven].append(best)
        free[best.oven], last[best.oven] = best.end, best.recipe
        open_lots -= {position[id(lot)] for lot in best.lots}
    return loads


def _form(oven: Oven, waiting: list[Lot], seed: int, candidates: list[int], free: int, before: str | None,
          rule: _Rule) -> Load | None:
    """The load the seed opens on the oven, filled with released lots of its recipe (see the module). A load under
    the minimum fill waits for the next release of a lot of its recipe, and the next, until it holds the fill (any
    lot that fits then joins, whatever the rule: a load must exist first)."""
    load, floor = _fill(oven, waiting, seed, candidates, free, before, rule, waiting[seed].release)
    if load is None or floor >= oven.least:
        return load
    releases = sorted({waiting[i].release for i in candidates if oven.id in waiting[i].options})
    for ready in (release for release in releases if release > load.start):
        load, floor = _fill(oven, waiting, seed, candidates, free, before, None, ready)
        if load is None or floor >= oven.least:
            return load
    return None


def _fill(oven: Oven, waiting: list[Lot], seed: int, candidates: list[int], free: int, before: str | None,
          rule: _Rule | None, ready: int) -> tuple[Load | None, int]:
    """The seed's load on the oven from `ready` on, filled in due-date order, and its fill rounded down; without a
    rule any lot that fits joins, however long it makes the load."""
    lot = waiting[seed]
    option = lot.options[oven.id]
    setup = oven.setup(before, lot.recipe)
    start = oven.fit(free, ready, setup, option.shortest)
    if start is None:
        return None, 0
    stretch = oven.stretch_of(start - setup, start + option.shortest)
    assert stretch is not None
    load = Load(oven.id, lot.recipe, start, option.shortest, [lot])
    units, floor, longest = option.units, option.floor_units, option.longest
    for index in candidates:  # open lots of the recipe, by due date
        other = waiting[index]
        choice = other.options.get(oven.id)
        if (index == seed or other.recipe != lot.recipe or choice is None or other.release > start
                or units + choice.units > oven.capacity):
            continue
        length = max(load.length, choice.shortest)
        if length > min(longest, choice.longest) or start + length > stretch[1]:
            continue
        if length > load.length and rule is not None and (not rule.lengthen or any(
                start + load.length <= member.due < start + length for member in load.lots)):
            continue
        load.lots.append(other)
        load.length, units, longest = length, units + choice.units, min(longest, choice.longest)
        floor += choice.floor_units
    return load, floor


def best_start(shop: OvenShop, deadline: float | None = None, seed: int = 0,
               tries: int = MAX_TRIES) -> dict[str, list[Load]] | None:
    """The cheapest schedule over the rules, and until `deadline` (`time.perf_counter()`; None: none) at most
    `tries` more with due dates perturbed at random."""
    best, best_cost = None, float("inf")
    rules = _rules()
    generator = random.Random(seed)
    spread = max((lot.due - lot.release for lot in shop.lots), default=1) or 1
    for attempt in range(len(rules) + tries):
        if attempt >= len(rules) and (deadline is None or time.perf_counter() >= deadline):
            break
        if attempt < len(rules):
            rule = rules[attempt]
        else:
            noise = {id(lot): generator.uniform(0, 0.2 * spread) for lot in shop.lots}
            rule = _Rule(lambda lot, noise=noise: lot.due + noise[id(lot)], generator.random() < 0.5)  # type: ignore[misc]
        schedule = greedy_start(shop, rule)
        if schedule is None and any(oven.least for oven in shop.ovens.values()):
            schedule = filled_start(shop, rule)
        if schedule is not None and (cost := shop.cost(schedule)) < best_cost:
            best, best_cost = schedule, cost
    return best


def filled_start(shop: OvenShop, rule: _Rule) -> dict[str, list[Load]] | None:
    """A schedule for a shop whose minimum fill the greedy start cannot hold load by load: the loads formed
    without the fill, then each load under it filled with lots taken from loads of its recipe that keep their fill
    without them, or else merged into another load of its recipe, and every oven's loads re-timed in their order (a
    load starts once its last lot is released; lots may turn late). None when some load stays under the fill or no
    longer fits. On 105 random shops of 1-30 lots (sizes 1-6, minimum fill 3, capacity 10) the greedy start found 35
    starts, with this 57; 45 of the other 48 have a lot that no set of lots it may share a load with can fill."""
    relaxed = OvenShop(shop.lots, {oven_id: replace(oven, least=0) for oven_id, oven in shop.ovens.items()},
                       shop.run_cost, shop.late_cost)
    formed = greedy_start(relaxed, rule)
    if formed is None:
        return None
    loads = [load for oven_loads in formed.values() for load in oven_loads]
    while (short := next((load for load in loads if _fill_of(shop, load) < shop.ovens[load.oven].least), None)):
        if not _take_lots(shop, short, loads) and not _merge_into_another(shop, short, loads):
            return None
    return _retimed(shop, loads)


def _fill_of(shop: OvenShop, load: Load) -> int:
    """The load's fill in model units, each lot rounded down (as the minimum fill counts it)."""
    return sum(lot.options[load.oven].floor_units for lot in load.lots)


def _holds(shop: OvenShop, oven_id: str, lots: Sequence[Lot]) -> bool:
    """Whether the lots may share one load on the oven: eligible, within its capacity, their windows overlapping."""
    if any(oven_id not in lot.options for lot in lots):
        return False
    options = [lot.options[oven_id] for lot in lots]
    return (sum(o.units for o in options) <= shop.ovens[oven_id].capacity
            and max(o.shortest for o in options) <= min(o.longest for o in options))


def _merge_into_another(shop: OvenShop, short: Load, loads: list[Load]) -> bool:
    """Merges the under-filled load into the load of its recipe that then starts earliest (its own oven's first)."""
    targets = [load for load in loads if load is not short and load.recipe == short.recipe
               and _holds(shop, load.oven, [*load.lots, *short.lots])]
    if not targets:
        return False
    ready = max(lot.release for lot in short.lots)
    target = min(targets, key=lambda load: (max(load.start, ready), load.oven != short.oven))
    target.lots.extend(short.lots)
    loads.remove(short)
    return True


def _take_lots(shop: OvenShop, short: Load, loads: list[Load]) -> bool:
    """Fills the under-filled load with lots of its recipe from loads that keep their fill without them, the
    earliest released first; True when it then holds the fill."""
    least = shop.ovens[short.oven].least
    donors = sorted(((lot, load) for load in loads if load is not short and load.recipe == short.recipe
                     for lot in load.lots), key=lambda pair: pair[0].release)
    for lot, donor in donors:
        if len(donor.lots) < 2 or _fill_of(shop, donor) - lot.options[donor.oven].floor_units < shop.ovens[
                donor.oven].least or not _holds(shop, short.oven, [*short.lots, lot]):
            continue
        donor.lots.remove(lot)
        short.lots.append(lot)
        if _fill_of(shop, short) >= least:
            return True
    return False


def _retimed(shop: OvenShop, loads: list[Load]) -> dict[str, list[Load]] | None:
    """Every oven's loads in their order, each as early as its changeover, its lots' releases and the oven's
    working stretches allow; None when one no longer fits."""
    by_oven: dict[str, list[Load]] = {oven_id: [] for oven_id in shop.ovens}
    for load in sorted(loads, key=lambda load: (load.start, max(lot.release for lot in load.lots))):
        by_oven[load.oven].append(load)
    for oven_id, oven_loads in by_oven.items():
        oven, free, before = shop.ovens[oven_id], 0, shop.ovens[oven_id].machine.initial_recipe
        for load in oven_loads:
            load.length = max(lot.options[oven_id].shortest for lot in load.lots)
            start = oven.fit(free, max(lot.release for lot in load.lots), oven.setup(before, load.recipe),
                             load.length)
            if start is None:
                return None
            load.start, free, before = start, start + load.length, load.recipe
    return by_oven


def assignments(loads_by_oven: Mapping[str, Sequence[Load]]) -> list[ScheduledOperation]:
    """The schedule as scheduled operations: each lot starts and ends with its load."""
    placed = []
    for loads in loads_by_oven.values():
        for load in loads:
            for lot in load.lots:
                task = lot.task
                alternative = task.alternative(load.oven)
                assert alternative is not None
                placed.append(ScheduledOperation(
                    order_id=task.order_id, product_id=task.product_id, operation_id=task.operation_id,
                    operation_index=task.index, machine_id=load.oven, start=load.start, end=load.end,
                    quantity=task.quantity, processed_quantity=alternative.processed,
                    expected_scrap=alternative.expected_scrap))
    return sorted(placed, key=lambda a: (a.machine_id, a.start, a.order_id))
