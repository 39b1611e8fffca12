"""Large-neighbourhood search for oven shops: re-batch the loads of a time window, keep the rest.

The full load-slot model (`planner.scheduling.rules.batching`) has O(n^2) booleans per oven and recipe and a
changeover circuit of O(slots^2) arcs per oven: at 100 lots it may find nothing in 30 s, at 250 and 500 it never
does. So requests of the oven shop's shape (`planner.scheduling.oven_start.applies`) start from the constructive
start (`planner.scheduling.oven_start.best_start`) and improve it a window at a time:

1. pick a load at random and the loads that follow it in time on every oven until about `size` lots are in them;
2. free those loads' lots, and up to PULLED_LOTS late lots of loads outside the window that could be punctual in
   it (`_late_lots`: the start places lots late anyway last, so a window in time alone would never bring them back;
   each may also stay where it is); on each oven the loads before and after the window stay where they are, and
   ovens without a load in the window offer a freed lot the gap around the window's start;
3. solve a small CP-SAT model of the window (`_window_model`): per oven and recipe a few potential loads (the
   window's loads there and SPARE_LOADS more), each lot in one load of an oven it may use, the capacity, minimum
   fill, load-length windows, releases, the oven's working stretches (a load and its changeover in one stretch),
   one changeover circuit per oven from the load before the window to the load after it, and BATCH_COST (run
   minutes, late lots, changeover costs, the one into the first load after the window included); hinted with the
   incumbent, so its first solution is the incumbent;
4. keep the result when the whole schedule's BATCH_COST did not go up.

The window's size adapts: it grows after a window solved to optimality without a gain and shrinks after one that
ran out of time. When the window holds every lot and its model has a potential load per lot, an optimal window is
an optimal plan (`OPTIMAL`); the search stops there.
"""

from __future__ import annotations

import logging
import math
import random
import time
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from ortools import __version__ as ortools_version  # type: ignore[attr-defined]
from ortools.sat.python import cp_model

from planner.calendar import Interval
from planner.checker import check_schedule
from planner.domain import Objective, PlanRequest
from planner.scheduling.model import ScheduleOutcome
from planner.scheduling.oven_start import Load, Lot, Oven, OvenShop, assignments, best_start, oven_shop
from planner.scheduling.oven_start import applies as oven_start_applies
from planner.scheduling.rules.oven_rules import BATCH_COST_SCALE
from planner.scheduling.tasks import Job
from planner.solution import SolveStats
from planner.status import SolveStatus, relative_gap

logger = logging.getLogger(__name__)

START_SHARE = 0.1
"""Share of the time limit for the constructive start's randomised tries (the fixed rules always run)."""
FIRST_SIZE = 30
"""Lots freed in the first window; every lot when the request has at most EXACT_LOTS."""
EXACT_LOTS = 60
"""Up to this many lots the first window frees every lot with one potential load per lot: an exact model, hinted with
the start (OSP instance 50, 50 lots: 5.9 % above the published best against 8.8 % with windows of 30 lots, 30 s, load
8; n = 10 and 25 are proved optimal in 0.4-17 s)."""
SPARE_LOADS = 2
"""Potential loads per oven and recipe beyond the window's loads of that recipe there."""
WINDOW_SECONDS = 2.0
"""Most seconds one window's model may run."""
MIN_SIZE, MAX_SIZE = 8, 120
PULLED_LOTS = 8
"""Late lots from outside a window that it may take in (`_late_lots`)."""


@dataclass
class _Slot:
    """A potential load of the window model."""

    oven: str
    recipe: str
    used: cp_model.IntVar
    start: cp_model.IntVar
    length: cp_model.IntVar
    end: cp_model.IntVar
    members: list[tuple[Lot, cp_model.IntVar]] = field(default_factory=list)
    setup: cp_model.IntVar | None = None


@dataclass
class _Window:
    model: cp_model.CpModel
    slots: list[_Slot]
    freed: dict[str, list[Load]]
    """Per oven in the window: the incumbent's loads the window replaces."""
    pulled: list[Lot] = field(default_factory=list)
    """Late lots of loads outside the window that may move into it (`_late_lots`)."""
    stays: dict[int, cp_model.IntVar] = field(default_factory=dict)
    """Per pulled lot: it stays in its load outside the window."""


def applies(request: PlanRequest, jobs: list[Job], extensions: Sequence[object] = ()) -> bool:
    """True for an oven shop (`planner.scheduling.oven_start.applies`) with objective BATCH_COST and no model
    extensions (a re-plan's frozen window)."""
    return request.options.objective == Objective.BATCH_COST and not extensions and oven_start_applies(request, jobs)


def solve_ovens(request: PlanRequest, jobs: list[Job], available: Mapping[str, Sequence[Interval]],
                on_solution: Callable[[float, float, float], None] | None = None,
                should_stop: Callable[[], bool] | None = None) -> ScheduleOutcome | None:
    """The oven shop's plan within the request's time limit (None when the start found no schedule)."""
    began = time.perf_counter()
    options = request.options
    deadline = began + options.time_limit_seconds
    shop = oven_shop(request, jobs, available)
    incumbent = best_start(shop, began + options.time_limit_seconds * START_SHARE, options.random_seed)
    if incumbent is None:
        return None
    start, cost = incumbent, shop.cost(incumbent)
    notes = f"oven start (constructive) cost {cost:g}"
    generator = random.Random(options.random_seed)
    size = len(shop.lots) if len(shop.lots) <= EXACT_LOTS else FIRST_SIZE
    proven, windows, gains, bound = False, 0, 0, 0.0
    while shop.lots and time.perf_counter() < deadline - 0.05 and not (should_stop and should_stop()):
        exact = size >= len(shop.lots) and len(shop.lots) <= EXACT_LOTS
        freed = _pick(incumbent, size, generator)
        window = _window_model(shop, incumbent, freed, _late_lots(shop, incumbent, freed),
                               request.options.horizon_minutes, exact)
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(min(WINDOW_SECONDS if not exact else math.inf,
                                                        deadline - time.perf_counter()), 0.01)
        solver.parameters.num_workers = options.num_workers
        solver.parameters.random_seed = generator.randrange(1 << 30)
        code = solver.solve(window.model)
        windows += 1
        if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            size = max(MIN_SIZE, size * 2 // 3)
            continue
        candidate = _apply(incumbent, window, solver)
        new_cost = shop.cost(candidate)
        logger.debug("window %d: %d lots, %d pulled, %s in %.2f s, cost %g -> %g", windows, size,
                     len(window.pulled), solver.status_name(code), solver.wall_time, cost, new_cost)
        if new_cost <= cost + 1e-9:
            if new_cost < cost - 1e-9:
                gains += 1
                if on_solution is not None:
                    on_solution(new_cost, 0.0, time.perf_counter() - began)
            incumbent, cost = candidate, new_cost
        if exact:  # the window is the whole request: its bound holds for the plan
            bound = max(bound, solver.best_objective_bound / BATCH_COST_SCALE)
        if exact and code == cp_model.OPTIMAL:
            proven = True
            break
        if code == cp_model.OPTIMAL:
            size = min(MAX_SIZE, size + max(2, size // 5))
        elif new_cost >= cost - 1e-9:
            size = max(MIN_SIZE, size * 2 // 3)
    placed = assignments(incumbent)
    problems = check_schedule(request, placed)
    if problems:  # never expected: every window keeps every rule; the start is the answer then, if it is a plan
        logger.warning("oven search broke a rule (%s); the start is returned", problems[0])
        placed, cost, proven = assignments(start), shop.cost(start), False  # (the bound still holds)
        if check_schedule(request, placed):
            return None
        notes += "; the window search broke a rule, its start returned"
    notes += f"; {windows} window(s) re-batched by CP-SAT, {gains} improving, cost {cost:g}"
    if proven:
        notes += "; the window held every lot: optimal"
    stats = SolveStats(
        solver="cp-sat", solver_version=ortools_version, objective=cost, best_bound=cost if proven else bound,
        gap=relative_gap(cost, cost if proven else bound), wall_seconds=time.perf_counter() - began,
        time_limit_seconds=options.time_limit_seconds, num_workers=options.num_workers,
        random_seed=options.random_seed, operations=len(jobs), alternatives=sum(len(t.alternatives) for j in jobs
                                                                                for t in j.tasks),
        notes=notes)
    return ScheduleOutcome(status=SolveStatus.OPTIMAL if proven else SolveStatus.FEASIBLE, assignments=placed,
                           stats=stats)


def _pick(incumbent: Mapping[str, Sequence[Load]], size: int, generator: random.Random) -> dict[str, list[Load]]:
    """A window: a random load and the loads after it in time (every oven) until `size` lots are freed."""
    ordered = sorted((load for loads in incumbent.values() for load in loads), key=lambda load: load.start)
    first = generator.randrange(len(ordered))
    lots, until = 0, first
    while until < len(ordered) and lots < size:
        lots += len(ordered[until].lots)
        until += 1
    if lots < size:  # near the end: widen to the left
        while first > 0 and lots < size:
            first -= 1
            lots += len(ordered[first].lots)
    begin, end = ordered[first].start, ordered[until - 1].start
    return {oven: [load for load in loads if begin <= load.start <= end] for oven, loads in incumbent.items()}


def _late_lots(shop: OvenShop, incumbent: Mapping[str, Sequence[Load]], freed: Mapping[str, Sequence[Load]]
               ) -> list[Lot]:
    """Late lots of loads outside the window that could be punctual in it (released before its end, due after its
    start, allowed on one of its ovens), at most PULLED_LOTS: the start places lots that are late anyway last, so a
    window in time alone would never bring them back. A load keeps at least one lot and its minimum fill."""
    window = [load for loads in freed.values() for load in loads]
    if not window:
        return []
    begin, end = min(load.start for load in window), max(load.end for load in window)
    scope = {oven for oven, loads in freed.items() if loads}
    pulled: list[Lot] = []
    for oven_id, loads in incumbent.items():
        inside, oven = set(map(id, freed.get(oven_id, []))), shop.ovens[oven_id]
        for load in loads:
            if id(load) in inside:
                continue
            kept = list(load.lots)
            for lot in load.lots:
                if (load.end > lot.due > begin and lot.release < end and scope & lot.options.keys() and len(kept) > 1
                        and sum(o.options[oven_id].floor_units for o in kept if o is not lot) >= oven.least):
                    kept.remove(lot)
                    pulled.append(lot)
                    if len(pulled) >= PULLED_LOTS:
                        return pulled
    return pulled


def _window_model(shop: OvenShop, incumbent: Mapping[str, Sequence[Load]], freed: dict[str, list[Load]],
                  pulled: list[Lot], horizon: int, exact: bool) -> _Window:
    """The window's CP-SAT model (see the module), hinted with the incumbent (but for the pulled lots)."""
    model = cp_model.CpModel()
    lots = [lot for loads in freed.values() for load in loads for lot in load.lots] + pulled
    ends = {id(lot): load.end for loads in freed.values() for load in loads for lot in load.lots}
    window = [load for loads in freed.values() for load in loads]
    begin = min(load.start for load in window)
    # the window's ovens, and those where a freed lot may go (the gap there around the window's start)
    scope = [oven for oven, loads in freed.items() if loads or any(oven in lot.options for lot in lots)]
    slots: list[_Slot] = []
    into: dict[int, list[tuple[_Slot, cp_model.IntVar]]] = defaultdict(list)
    cost_terms: list[cp_model.LinearExprT] = []
    hint_of: dict[int, int] = {}  # id(lot) -> the slot of its incumbent load
    for oven_id in scope:
        oven, loads = shop.ovens[oven_id], incumbent[oven_id]
        before, after = _neighbours(loads, freed[oven_id], begin)
        lower = before.end if before is not None else 0
        upper = after.start if after is not None else horizon
        on_oven: list[_Slot] = []
        for recipe in sorted({lot.recipe for lot in lots if oven_id in lot.options}):
            members = [lot for lot in lots if lot.recipe == recipe and oven_id in lot.options]
            mine = sorted((load for load in freed[oven_id] if load.recipe == recipe), key=lambda load: load.start)
            count = len(members) if exact else min(len(members), len(mine) + SPARE_LOADS)
            shortest = min(lot.options[oven_id].shortest for lot in members)
            longest = max(lot.options[oven_id].longest for lot in members)
            for k in range(count):
                name = f"{oven_id},{recipe},{k}"
                slot = _Slot(oven_id, recipe, model.new_bool_var(f"used[{name}]"),
                             model.new_int_var(lower, max(lower, upper - shortest), f"start[{name}]"),
                             model.new_int_var(shortest, longest, f"length[{name}]"),
                             model.new_int_var(lower, max(lower, upper), f"end[{name}]"))
                model.add(slot.end == slot.start + slot.length)
                if k < len(mine):
                    model.add_hint(slot.used, 1)
                    model.add_hint(slot.start, mine[k].start)
                    model.add_hint(slot.length, mine[k].length)
                    model.add_hint(slot.end, mine[k].end)
                    for lot in mine[k].lots:
                        hint_of[id(lot)] = len(slots) + len(on_oven)
                else:
                    model.add_hint(slot.used, 0)
                if on_oven and on_oven[-1].recipe == recipe:  # symmetry: used in order, one after the other
                    model.add_implication(slot.used, on_oven[-1].used)
                    model.add(slot.start >= on_oven[-1].end).only_enforce_if(slot.used)
                on_oven.append(slot)
        first_slot = len(slots)
        slots += on_oven
        for index, slot in enumerate(on_oven, start=first_slot):
            least, capacity = oven.least, oven.capacity
            fill, floor = [], []
            for lot in lots:
                option = lot.options.get(oven_id)
                if option is None or lot.recipe != slot.recipe:
                    continue
                literal = model.new_bool_var(f"in[{lot.task.order_id},{index}]")
                if id(lot) in hint_of:
                    model.add_hint(literal, hint_of[id(lot)] == index)
                slot.members.append((lot, literal))
                into[id(lot)].append((slot, literal))
                model.add_implication(literal, slot.used)
                model.add(slot.start >= lot.release).only_enforce_if(literal)
                model.add(slot.length >= option.shortest).only_enforce_if(literal)
                model.add(slot.length <= option.longest).only_enforce_if(literal)
                fill.append(option.units * literal)
                floor.append(option.floor_units * literal)
            model.add(sum(fill) <= capacity)
            if least:
                model.add(sum(floor) >= least).only_enforce_if(slot.used)
            model.add_bool_or([literal for _, literal in slot.members]).only_enforce_if(slot.used)
            run = model.new_int_var(0, max(upper - lower, 0), f"run[{index}]")
            model.add(run == slot.length).only_enforce_if(slot.used)
            model.add(run == 0).only_enforce_if(slot.used.Not())
            cost_terms.append(_cents(shop.run_cost) * run)
        cost_terms += _circuit(model, oven, on_oven, before, after, lower, freed[oven_id])
        _stretches(model, oven, on_oven, lower, upper)
    stays = {}
    for lot in lots:
        late = model.new_bool_var(f"late[{lot.task.order_id}]")
        if id(lot) in ends:
            model.add_hint(late, ends[id(lot)] > lot.due)
            model.add_exactly_one([literal for _, literal in into[id(lot)]])
        else:  # pulled: it may stay, late, in its load outside the window
            stay = stays[id(lot)] = model.new_bool_var(f"stays[{lot.task.order_id}]")
            model.add_exactly_one([stay, *(literal for _, literal in into[id(lot)])])
            model.add_implication(stay, late)
            model.add_hint(stay, 1)
            model.add_hint(late, 1)
            for _, literal in into[id(lot)]:
                model.add_hint(literal, 0)
        for slot, literal in into[id(lot)]:
            model.add(slot.end <= lot.due).only_enforce_if([literal, late.Not()])
        cost_terms.append(_cents(shop.late_cost) * late)
    model.minimize(cp_model.LinearExpr.sum(cost_terms))
    return _Window(model, slots, freed, pulled, stays)


def _neighbours(loads: Sequence[Load], freed: Sequence[Load], begin: int) -> tuple[Load | None, Load | None]:
    """The oven's last load before the window and first after it (both stay); on an oven without freed loads,
    those around the window's start."""
    if not freed:
        after = next((k for k, load in enumerate(loads) if load.start >= begin), len(loads))
        return (loads[after - 1] if after else None), (loads[after] if after < len(loads) else None)
    first, last = loads.index(freed[0]), loads.index(freed[-1])
    return (loads[first - 1] if first else None), (loads[last + 1] if last + 1 < len(loads) else None)


def _circuit(model: cp_model.CpModel, oven: Oven, slots: Sequence[_Slot], before: Load | None, after: Load | None,
             lower: int, freed: Sequence[Load]) -> list[cp_model.LinearExprT]:
    """The changeover circuit of one oven in the window: node 0 is the load before the window (or the plan start
    with the initial recipe) and the load after it; returns the changeover costs (hundredths)."""
    previous = before.recipe if before is not None else oven.machine.initial_recipe
    arcs: list[tuple[int, int, cp_model.LiteralT]] = []
    incoming: list[list[tuple[int, cp_model.IntVar]]] = [[] for _ in slots]
    costs: list[cp_model.LinearExprT] = []
    order = {id(s): k for k, s in enumerate(slots)}
    hinted = _hinted_order(slots, freed)

    def arc(tail: int, head: int, literal: cp_model.LiteralT) -> None:
        arcs.append((tail, head, literal))
        if isinstance(literal, cp_model.IntVar):  # a slot's self loop is `used` negated, hinted with the slot
            model.add_hint(literal, (tail, head) in hinted)

    if after is None or _after_fits(oven, after, previous, lower):
        empty = model.new_bool_var(f"empty[{oven.id}]")
        arc(0, 0, empty)
        if after is not None:
            costs.append(_cents(oven.cost(previous, after.recipe)) * empty)
    for j, slot in enumerate(slots, start=1):
        arc(j, j, slot.used.Not())
        first = model.new_bool_var(f"first[{oven.id},{j}]")
        arc(0, j, first)
        minutes = oven.setup(previous, slot.recipe)
        model.add(slot.start >= lower + minutes).only_enforce_if(first)
        incoming[j - 1].append((minutes, first))
        costs.append(_cents(oven.cost(previous, slot.recipe)) * first)
        if after is None or after.start - oven.setup(slot.recipe, after.recipe) >= _stretch_begin(oven, after):
            last = model.new_bool_var(f"last[{oven.id},{j}]")
            arc(j, 0, last)
            if after is not None:
                model.add(slot.end + oven.setup(slot.recipe, after.recipe) <= after.start).only_enforce_if(last)
                costs.append(_cents(oven.cost(slot.recipe, after.recipe)) * last)
    for i, tail in enumerate(slots, start=1):
        for j, head in enumerate(slots, start=1):
            if i == j or (tail.recipe == head.recipe and order[id(head)] < order[id(tail)]):
                continue
            follows = model.new_bool_var(f"next[{oven.id},{i},{j}]")
            arc(i, j, follows)
            minutes = oven.setup(tail.recipe, head.recipe)
            model.add(head.start >= tail.end + minutes).only_enforce_if(follows)
            incoming[j - 1].append((minutes, follows))
            if oven.cost(tail.recipe, head.recipe):
                costs.append(_cents(oven.cost(tail.recipe, head.recipe)) * follows)
    model.add_circuit(arcs)
    for slot, into in zip(slots, incoming, strict=True):
        slot.setup = model.new_int_var(0, max((m for m, _ in into), default=0), f"setup[{slot.oven},{slot.recipe}]")
        model.add(slot.setup == sum(minutes * literal for minutes, literal in into))
    return costs


def _hinted_order(slots: Sequence[_Slot], freed: Sequence[Load]) -> set[tuple[int, int]]:
    """The circuit arcs of the incumbent's loads in the window (slot k of a recipe = its k-th load there)."""
    by_recipe: dict[str, list[int]] = defaultdict(list)
    for node, slot in enumerate(slots, start=1):
        by_recipe[slot.recipe].append(node)
    seen: dict[str, int] = defaultdict(int)
    path = []
    for load in sorted(freed, key=lambda item: item.start):
        path.append(by_recipe[load.recipe][seen[load.recipe]])
        seen[load.recipe] += 1
    used = set(path)
    arcs = {(a, b) for a, b in zip([0, *path], [*path, 0], strict=True)}
    return arcs | {(n, n) for n in range(1, len(slots) + 1) if n not in used}


def _after_fits(oven: Oven, after: Load, previous: str | None, lower: int) -> bool:
    minutes = oven.setup(previous, after.recipe)
    return after.start - minutes >= max(lower, _stretch_begin(oven, after))


def _stretch_begin(oven: Oven, load: Load) -> int:
    stretch = oven.stretch_of(load.start, load.end)
    return stretch[0] if stretch is not None else load.start


def _stretches(model: cp_model.CpModel, oven: Oven, slots: Sequence[_Slot], lower: int, upper: int) -> None:
    """A load and the changeover before it lie in one stretch of the oven's working time: they do not overlap
    the time between stretches."""
    if not slots:
        return
    intervals = []
    for slot in slots:
        assert slot.setup is not None
        begin = model.new_int_var(0, max(upper, 0), f"occupied_from[{slot.oven},{slot.recipe}]")
        size = model.new_int_var(0, max(upper, 0), f"occupied[{slot.oven},{slot.recipe}]")
        model.add(begin == slot.start - slot.setup)
        model.add(size == slot.length + slot.setup)
        intervals.append(model.new_optional_interval_var(begin, size, slot.end, slot.used, "occupied"))
    covered = lower
    for works_from, works_to in [*oven.stretches, (upper, upper)]:
        if works_to <= lower:
            continue
        if works_from > covered and covered < upper:
            intervals.append(model.new_fixed_size_interval_var(covered, min(works_from, upper) - covered, "off"))
        covered = max(covered, works_to)
        if covered >= upper:
            break
    model.add_no_overlap(intervals)


def _cents(cost: float) -> int:
    return round(cost * BATCH_COST_SCALE)


def _apply(incumbent: Mapping[str, Sequence[Load]], window: _Window, solver: cp_model.CpSolver
           ) -> dict[str, list[Load]]:
    """The incumbent with the window's loads replaced by the solution's."""
    pulled = {id(lot) for lot in window.pulled if not solver.boolean_value(window.stays[id(lot)])}
    result = {oven: [_without(load, pulled) for load in loads if load not in window.freed.get(oven, [])]
              for oven, loads in incumbent.items()}
    for slot in window.slots:
        if not solver.boolean_value(slot.used):
            continue
        lots = [lot for lot, literal in slot.members if solver.boolean_value(literal)]
        result[slot.oven].append(Load(slot.oven, slot.recipe, solver.value(slot.start), solver.value(slot.length),
                                      lots))
    return {oven: sorted(loads, key=lambda load: load.start) for oven, loads in result.items()}



def _without(load: Load, pulled: set[int]) -> Load:
    """The load without the lots pulled into a window, as short as its other lots allow (it starts as before)."""
    kept = [lot for lot in load.lots if id(lot) not in pulled]
    if len(kept) == len(load.lots):
        return load
    return Load(load.oven, load.recipe, load.start, max(lot.options[load.oven].shortest for lot in kept), kept)
