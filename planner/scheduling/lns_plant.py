"""Large-neighbourhood search under the plant rules: time-window sub-models of the full model.

`planner.scheduling.lns` re-plans a neighbourhood on the machine time the other orders leave, which is exact only
where orders meet on machines alone. Furnace loads, setters and inspectors, dies and material stock link orders
too, so with them a plant-scale request got the full CP-SAT model, which finds nothing in time from a few thousand
operations (at 2,000 plant-grade orders the full model has 182,000 variables: 5.4 s to build, 21 s to presolve
and solve with every operation fixed; docs/SCALE.md). This search keeps every rule by building, per
neighbourhood, the full model (`planner.scheduling.model.build_model`, every rule) of a time window only:

1. the neighbourhood: `size` orders near a seed operation in time (`planner.scheduling.lns`'s kinds
   `machine-group` and `routing`, seeded at a costly order 80 % of the time) and its window, their operations'
   span in the incumbent widened by WINDOW_MARGIN, at most MAX_WINDOW long; their operations in the window are free,
   the rest stay;
2. the context: every other order with an operation in the window that shares a machine, a resource or a stock
   item (material or in-house component) with the neighbourhood. Its operations are in the sub-model with start,
   end and machine fixed to the incumbent (domain restriction), so loads, resource use and stock events are
   exactly where they are;
3. the rest of the plan is outside the window or shares nothing with the neighbourhood. Machines and resources
   are held over intervals, so work outside the window cannot meet the neighbourhood's, which stays inside it.
   Stock is a running balance: the stock item's level at the window's start, less the context's events (stock at
   plan start, receipts before the window, what the rest took or made before it) becomes the sub-model's stock at
   plan start. The neighbourhood's events stay in the window, so every level after it is as before;
4. dies: whether a casting needs a die change depends on what its cell ran before, which a window does not see;
   die operations therefore never move here (`WindowDies`), so every change stays where the start put it, and a
   sub-model holds each change in its window as a fixed job of its own;
5. CP-SAT solves the sub-model for SUB_SECONDS, hinted with the incumbent; the result is kept when the
   neighbourhood's cost (late cost x weighted tardiness + scrap cost + risk penalty) went down.

So every accepted step keeps every rule the model has, by construction. Rules whose effect is not local in time
(family and recipe changeovers, which depend on the work just before the window; preventive-maintenance
tasks, the plan-wide defect-rate cap, lot splitting, modes, people by skill, operations that produce stock,
sequence rules, a precedence graph's maximum lags) and model extensions are not decomposable this way: `applies`
says no and such requests keep the full model.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ortools import __version__ as ortools_version  # type: ignore[attr-defined]
from ortools.sat.python import cp_model

from planner.calendar import Interval
from planner.domain import Material, MaterialReceipt, Objective, PlanRequest
from planner.risk import maintenance_requirements, penalty_rates
from planner.scheduling import lns
from planner.scheduling.dispatching import Pass, PlantDispatcher, best_pass
from planner.scheduling.lns_plant_dies import CHANGE_MARK, Placed, WindowDies
from planner.scheduling.model import (
    BuiltModel,
    Hint,
    ModelExtension,
    ScheduleOutcome,
    add_hint,
    build_model,
    read_assignments,
    with_pauses,
)
from planner.scheduling.redispatch import RedispatchResult, redispatch
from planner.scheduling.rules.lot_splitting import has_lot_splitting
from planner.scheduling.rules.materials import STOCK_SCALE, component_ids, fixed_supply, scaled_supply
from planner.scheduling.rules.modes import has_modes
from planner.scheduling.rules.precedence import has_graph_max_lags
from planner.scheduling.rules.skills import has_skills
from planner.scheduling.rules.stock import has_production
from planner.scheduling.search import configure_solver, hint_assignments
from planner.scheduling.tasks import Job
from planner.solution import SolveStats
from planner.status import SolveStatus, relative_gap

MIN_OPERATIONS = lns.MIN_OPERATIONS
"""Operations from which the plant-rule requests are improved by this search instead of the full model."""
KINDS = ("machine-group", "routing")
"""`planner.scheduling.lns`'s neighbourhood kinds used here (its `spread` spans weeks: a window of the whole plan)."""
START_SIZE = 12
MIN_SIZE = 4
MAX_SIZE = 120
SUB_SECONDS = 0.5
"""Time limit of one sub-model; doubled after one that found nothing (up to MAX_SUB_SECONDS), eased back after one
that did: at 2,000 orders and load 8, 67 of 84 windows found nothing in 0.5 s."""
MAX_SUB_SECONDS = 2.0
MIN_SUB_SECONDS = 0.1
"""Below this much time left, no sub-model is started."""
MORE_PASSES_MIN_SECONDS = 20.0
MORE_PASSES_SHARE = 0.2
"""With a limit of at least MORE_PASSES_MIN_SECONDS, the dispatching passes the first plan had no time for (the
other rules first, then die campaigns) may take this share of it after that plan is out (`solve_by_lns`)."""
REDISPATCH_SHARE = 0.75
"""... and re-dispatching the best pass (`planner.scheduling.redispatch`) this share of the time left after them;
the time-window search gets the rest. Re-dispatching took far more off in less time (20 s each, load 4-5: 240
orders 39,304 -> 18,373, 720 orders 90,395 -> 62,458) than the time-window search in 57 s (39,304 -> 34,254, 90,395
-> 89,206); the windows still move the furnace, machining and inspection within days (docs/SCALE.md)."""
SUB_PRESOLVE = {"cp_model_probing_level": 0, "symmetry_level": 0}
"""CP-SAT parameters of the sub-models: a light presolve (see `_solve`). Not `max_presolve_iterations` 1: with it
CP-SAT 9.15 crashed (segmentation fault, every time) on a window of the 240-order plant, saved and replayed."""
WINDOW_MARGIN = 1440
MAX_WINDOW = 6 * 1440
"""The longest window. On a deep backlog a neighbourhood's orders spread over weeks, and a window that long holds
most of the plant: at 2,000 orders 114-144 context orders a window, 0.7 s to build each, most without a solution in
their time (load 12)."""
"""Minutes before the first and after the last operation of a neighbourhood its orders may move to."""



@dataclass
class PlantLnsResult:
    """The best schedule found and how the search went."""

    placed: Placed
    cost: float
    start_cost: float
    iterations: int = 0
    improvements: int = 0
    no_solution: int = 0
    """Sub-models that found nothing in their time (the incumbent is always a solution, so: not even that)."""
    build_seconds: float = 0.0
    """Time spent choosing neighbourhoods and building their sub-models."""
    solve_seconds: float = 0.0
    sizes: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, START_SIZE))
    context_orders: int = 0
    """Context orders over all sub-models (fixed, for their loads, holds and stock events)."""

    def notes(self) -> str:
        mean_context = self.context_orders / max(self.iterations, 1)
        return (f"plant-rule LNS: {self.iterations} time-window neighbourhoods, {self.improvements} improved, "
                f"{self.no_solution} without a solution; building {self.build_seconds:.1f} s, solving "
                f"{self.solve_seconds:.1f} s; {mean_context:.0f} context orders a window; sizes now "
                f"{', '.join(f'{kind} {size}' for kind, size in self.sizes.items())}; cost "
                f"{self.start_cost:,.0f} -> {self.cost:,.0f}")


def applies(request: PlanRequest, jobs: list[Job], extensions: Sequence[ModelExtension] = ()) -> bool:
    """True for a cost objective with at least MIN_OPERATIONS operations whose rules `window_decomposable` allows,
    where `planner.scheduling.lns` does not already apply (it is faster where orders meet on machines alone)."""
    return (sum(len(job.tasks) for job in jobs) >= MIN_OPERATIONS and window_decomposable(request, extensions)
            and not lns.decomposable(request, extensions))


def window_decomposable(request: PlanRequest, extensions: Sequence[ModelExtension] = ()) -> bool:
    """True when every rule of the request acts only on what happens at the same time (see the module)."""
    return (
        not extensions
        and request.options.objective == Objective.WEIGHTED_TARDINESS
        and not request.factory.changeovers
        and not any(m.recipe_changeovers for m in request.factory.machines)
        and not maintenance_requirements(request)
        and request.options.max_expected_defect_rate is None
        and not has_lot_splitting(request)
        and not has_modes(request)
        and not has_skills(request)
        and not has_production(request)
        and not request.sequence_rules
        and not has_graph_max_lags(request)
    )


class _Costs:
    """Cost of an order as `planner.kpis` counts it: late cost x weight x tardiness (from its last end, pauses
    included), plus scrap cost and risk penalty per operation."""

    def __init__(self, request: PlanRequest, jobs: list[Job]) -> None:
        self._late_cost = request.options.late_cost_per_minute
        self._scrap = {p.id: p.scrap_cost for p in request.factory.products}
        self._rates = penalty_rates(request)
        self._risk_weight = request.options.risk_penalty_weight
        self._jobs = jobs

    def of(self, j: int, placed: Placed) -> float:
        job = self._jobs[j]
        cost, completion = 0.0, 0
        for task in job.tasks:
            op = placed[(task.order_id, task.index)]
            alternative = task.placed_on(op)
            assert alternative is not None
            completion = max(completion, op.end)
            cost += (alternative.expected_scrap * self._scrap[task.product_id]
                     + self._risk_weight * self._rates.get(alternative.machine_id, 0.0) * job.order.weight
                     * alternative.duration)
        return cost + self._late_cost * job.order.weight * max(0, completion - job.order.due)


@dataclass
class _Links:
    """What links each order to others: the machines, resources and stock items (materials it takes, the
    component it makes) its operations may use."""

    touches: list[frozenset[str]]
    by_key: dict[str, list[int]]

    @classmethod
    def of(cls, request: PlanRequest, jobs: list[Job]) -> _Links:
        routings = {p.id: p.routing for p in request.factory.products}
        touches = []
        for job in jobs:
            keys = {f"machine:{a.machine_id}" for task in job.tasks for a in task.alternatives}
            for task in job.tasks:
                operation = routings[task.product_id][task.index]
                keys |= {f"resource:{need.resource_id}" for need in operation.resources}
                keys |= {f"stock:{use.material_id}" for use in operation.materials}
            keys.add(f"stock:{job.order.product_id}")
            touches.append(frozenset(keys))
        by_key: dict[str, list[int]] = {}
        for j, touched in enumerate(touches):
            for key in touched:
                by_key.setdefault(key, []).append(j)
        return cls(touches, by_key)

    def linked(self, chosen: list[int]) -> set[int]:
        return {other for j in chosen for key in self.touches[j] for other in self.by_key[key]}


def improve(request: PlanRequest, jobs: list[Job], available: dict[str, list[Interval]], start: Placed,
            seconds: float, on_improvement: lns.Improvement | None = None,
            should_stop: Callable[[], bool] | None = None,
            on_accepted: Callable[[Placed], None] | None = None) -> PlantLnsResult:
    """Improve the complete, valid schedule `start` for `seconds` (or until `should_stop`); never worse.
    `on_improvement` is told each new cost, `on_accepted` each new incumbent (a copy)."""
    began = time.perf_counter()
    deadline = began + seconds
    costs = _Costs(request, jobs)
    placed = dict(start)
    job_cost = [costs.of(j, placed) for j in range(len(jobs))]
    result = PlantLnsResult(placed=placed, cost=sum(job_cost), start_cost=sum(job_cost))
    links = _Links.of(request, jobs)
    dies = WindowDies.of(request, jobs, placed)
    rng = random.Random(request.options.random_seed)
    sizes = dict.fromkeys(KINDS, START_SIZE)
    built_in = 0.0
    sub_seconds = SUB_SECONDS
    while not (should_stop is not None and should_stop()):
        left = deadline - time.perf_counter()
        if left < MIN_SUB_SECONDS + built_in or not jobs or result.cost <= 0:  # no time to build and solve one more
            break
        building = time.perf_counter()
        kind = KINDS[result.iterations % len(KINDS)]
        hint = {key: (op.machine_id, op.start) for key, op in placed.items()}
        chosen = lns._neighbourhood(jobs, hint, job_cost, kind, sizes[kind], rng)
        window = _window(jobs, chosen, placed)
        context = _context(jobs, chosen, links, placed, window, dies)
        sub = _sub_model(request, jobs, chosen, context, available, placed, window, dies)
        built_in = time.perf_counter() - building
        result.build_seconds += built_in
        result.iterations += 1
        result.context_orders += len(context)
        if sub is None:
            continue
        seconds_left = deadline - time.perf_counter()
        if seconds_left < MIN_SUB_SECONDS:
            break
        solving = time.perf_counter()
        found, proved = _solve(request, sub, min(sub_seconds, seconds_left), request.options.random_seed
                               + result.iterations)
        # No solution at all (not even the hint's) means presolve did not end in time: give the next one longer.
        sub_seconds = min(MAX_SUB_SECONDS, sub_seconds * 2) if found is None else max(SUB_SECONDS, sub_seconds * 0.8)
        result.solve_seconds += time.perf_counter() - solving
        gain = 0.0
        if found is None:
            result.no_solution += 1
        else:
            new_cost = {j: costs.of(j, {**placed, **found}) for j in chosen}
            gain = sum(job_cost[j] for j in chosen) - sum(new_cost.values())
            if gain > 1e-6:
                for key in (key for key in found if key in placed):
                    placed[key] = found[key]
                for j, cost in new_cost.items():
                    job_cost[j] = cost
                result.cost = sum(job_cost)
                result.improvements += 1
                if on_improvement is not None:
                    on_improvement(result.cost, time.perf_counter() - began)
                if on_accepted is not None:
                    on_accepted(dict(placed))
        # Adaptive size, as `planner.scheduling.lns`: closed without a gain -> bigger, timed out without one -> smaller.
        if proved and gain <= 1e-6:
            sizes[kind] = min(MAX_SIZE, math.ceil(sizes[kind] * 1.2))
        elif not proved and gain <= 1e-6:
            sizes[kind] = max(MIN_SIZE, int(sizes[kind] * 0.8))
        result.sizes = dict(sizes)
    result.placed = placed
    return result


def _window(jobs: list[Job], chosen: list[int], placed: Placed) -> tuple[int, int]:
    """The time the chosen orders' operations may move in: WINDOW_MARGIN around them in the incumbent, at most
    MAX_WINDOW around their median start (their operations outside it stay where they are)."""
    starts = sorted(placed[(task.order_id, task.index)].start for j in chosen for task in jobs[j].tasks)
    ends = [placed[(task.order_id, task.index)].end for j in chosen for task in jobs[j].tasks]
    low, high = max(starts[0] - WINDOW_MARGIN, 0), max(ends) + WINDOW_MARGIN
    if high - low <= MAX_WINDOW:
        return low, high
    center = starts[len(starts) // 2]
    return max(center - MAX_WINDOW // 2, 0), center + MAX_WINDOW // 2


def _context(jobs: list[Job], chosen: list[int], links: _Links, placed: Placed, window: tuple[int, int],
             dies: WindowDies) -> list[int]:
    """The other orders linked to the chosen ones with an operation (or its die change) in the window, touching its
    ends included, so that everything left out happens strictly before or after it."""
    low, high = window
    free = set(chosen)
    return sorted(j for j in links.linked(chosen) - free if any(
        dies.busy_from(key := (task.order_id, task.index), op := placed[key]) <= high and op.end >= low
        for task in jobs[j].tasks))


@dataclass
class _SubModel:
    built: BuiltModel
    freed: set[tuple[str, int]]
    """The operations it may move: those of the neighbourhood's orders, but for their die operations."""


def _sub_model(request: PlanRequest, jobs: list[Job], chosen: list[int], context: list[int],
               available: dict[str, list[Interval]], placed: Placed, window: tuple[int, int],
               dies: WindowDies) -> _SubModel | None:
    """The full model of the chosen and context orders: the chosen orders' operations in the window free but
    confined to it, everything else (and every die operation) fixed; None when nothing is free or the stock before
    the window cannot be carried over (see `_stock_before`)."""
    low, high = window
    members = sorted({*chosen, *context})
    horizon = request.options.horizon_minutes
    changes = [change for j in members for change in dies.change_jobs(jobs[j], placed, horizon)]
    sub_jobs = [jobs[j] for j in members] + changes
    left_out = set(range(len(jobs))) - set(members)
    materials = _stock_before(request, jobs, left_out, placed, low)
    if materials is None:
        return None
    machines = {a.machine_id for job in sub_jobs for task in job.tasks for a in task.alternatives}
    plant = dies.without_mounts(request)
    sub_request = plant.model_copy(update={
        "orders": [job.order for job in sub_jobs],
        "factory": plant.factory.model_copy(update={
            "materials": materials, "machines": [m for m in plant.factory.machines if m.id in machines]})})
    built = build_model(sub_request, sub_jobs, {m: available[m] for m in machines if m in available})
    assert built.weighted_tardiness is not None
    freed = {key for j in chosen for task in jobs[j].tasks
             if dies.busy_from(key := (task.order_id, task.index), placed[key]) >= low and placed[key].end <= high
             } - dies.operations
    if not freed:
        return None
    members_ids = {job.order.id for job in sub_jobs}
    fixed = {key: (op.machine_id, op.start, op.end) for key, op in placed.items() if key[0] in members_ids}
    for job in changes:  # a change ends where its operation starts
        key = (job.order.id.split(CHANGE_MARK)[0], job.tasks[0].index)
        fixed[(job.order.id, key[1])] = (placed[key].machine_id, dies.busy_from(key, placed[key]), placed[key].start)
    for variables in (v for job_vars in built.tasks for v in job_vars):
        key = (variables.task.order_id, variables.task.index)
        if key in freed:
            built.model.add(variables.start >= low)
            built.model.add(variables.end <= high)
            continue
        chosen_key = variables.task.placed_on(placed[key]).key if key in placed else None  # type: ignore[union-attr]
        _fix(variables.start, fixed[key][1])
        _fix(variables.end, fixed[key][2])
        for machine_key, literal in variables.presence.items():
            if not isinstance(literal, bool):
                _fix(literal, int(machine_key == chosen_key))
    built.model.minimize(built.weighted_tardiness)
    add_hint(built, {key: (machine_id, start) for key, (machine_id, start, _) in fixed.items()})
    return _SubModel(built, freed)


def _fix(variable: cp_model.IntVar, value: int) -> None:
    """Domain restriction: the variable takes the incumbent's value (cheaper for presolve than a constraint)."""
    domain = variable.proto.domain
    domain.clear()
    domain.extend([value, value])


def _stock_before(request: PlanRequest, jobs: list[Job], left_out: set[int], placed: Placed,
                  low: int) -> list[Material] | None:
    """The materials (and in-house components) with the level the window starts from, less what the sub-model's
    own orders did before it: stock at plan start, receipts before `low`, and the left-out orders' takings and
    completions (all before `low` or after the window). None when a level would be negative (a left-out order
    made a component the sub-model's orders take before the window: not carried over, the neighbourhood is
    skipped)."""
    components = component_ids(request)
    level: dict[str, int] = {}
    receipts: dict[str, list[tuple[int, float]]] = {}
    for stock_id, supply in fixed_supply(request).items():
        level[stock_id] = sum(scaled_supply(quantity) for minute, quantity in supply if minute < low)
        receipts[stock_id] = [(minute, quantity) for minute, quantity in supply if minute >= low]
    for j in left_out:
        job = jobs[j]
        end = 0
        for task in job.tasks:
            op = placed[(task.order_id, task.index)]
            end = max(end, op.end)
            alternative = task.placed_on(op)
            if op.start < low and alternative is not None:
                for stock_id, amount in alternative.consumes:
                    level[stock_id] = level.get(stock_id, 0) - amount
        if job.order.product_id in components and job.tasks and end < low:
            level[job.order.product_id] = level.get(job.order.product_id, 0) + job.order.quantity * STOCK_SCALE
    if any(amount < 0 for amount in level.values()):
        return None
    units = {m.id: m for m in request.factory.materials}
    return [Material(id=stock_id, name=units[stock_id].name if stock_id in units else stock_id,
                     on_hand=amount / STOCK_SCALE,
                     receipts=[MaterialReceipt(minute=minute, quantity=quantity)
                               for minute, quantity in receipts.get(stock_id, [])])
            for stock_id, amount in level.items()]


def _solve(request: PlanRequest, sub: _SubModel, seconds: float, seed: int) -> tuple[Placed | None, bool]:
    """The sub-model solved for `seconds`: (the freed orders' new placement or None, proved optimal)."""
    solver = configure_solver(request.options, seconds)
    solver.parameters.random_seed = seed
    solver.parameters.linearization_level = lns.SUB_LINEARIZATION_LEVEL
    # Presolve dominated: on 3,200-3,700-variable windows of the 240-order plant (load 6) the default presolve took
    # 0.5 s of a 0.6 s solve, the search found the hint's value at once; without probing and symmetry the first
    # solution came at 0.24-0.36 s instead of 0.49-0.58 s (0.10-0.16 s with one presolve round, which crashed).
    for name, value in SUB_PRESOLVE.items():
        setattr(solver.parameters, name, value)
    code = solver.solve(sub.built.model)
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None, False
    found = {(a.order_id, a.operation_index): a for a in read_assignments(sub.built, solver)
             if (a.order_id, a.operation_index) in sub.freed}
    return found, code == cp_model.OPTIMAL


def _better_start(request: PlanRequest, jobs: list[Job], available: dict[str, list[Interval]], seconds: float,
                  should_stop: Callable[[], bool] | None) -> RedispatchResult | None:
    """A better start than the first plan's: every dispatching pass (MORE_PASSES_SHARE of the limit; the first plan
    had time for the quick one, `planner.plan._start_seconds`, and the others are often far better: 720 plant-grade
    orders, due dates 91,278 against 644,597; 2,000, weighted modified due dates 12.9 against 21.2 million), then the
    best pass's rule re-dispatched (`planner.scheduling.redispatch`) for REDISPATCH_SHARE of the time left. Without
    die campaigns: such a pass takes a half to a third of the time, and campaigns change a rule's value by 0-3 %."""
    began = time.perf_counter()
    found = best_pass(request, jobs, available, MORE_PASSES_SHARE * request.options.time_limit_seconds)
    if found is None:
        return None
    hint, one, _ = found
    left = seconds - (time.perf_counter() - began)
    return redispatch(PlantDispatcher(request, available), jobs, hint, Pass(one.rule, campaigns=False),
                      REDISPATCH_SHARE * left, request.options.random_seed, should_stop)


def solve_by_lns(
    request: PlanRequest, jobs: list[Job], available: dict[str, list[Interval]], start: Hint,
    on_solution: Callable[[float, float, float], None] | None = None, should_stop: Callable[[], bool] | None = None,
) -> ScheduleOutcome | None:
    """The start improved within the request's time limit, reported as the scheduler reports an outcome (status
    FEASIBLE, bound 0: the search proves nothing); the start is reported to `on_solution` at once. With a limit of
    at least MORE_PASSES_MIN_SECONDS a better start first (`_better_start`: every dispatching pass, then
    re-dispatching), then `improve`. None when the start is not a complete schedule of the jobs."""
    began = time.perf_counter()
    assignments = hint_assignments(jobs, start)
    if assignments is None:
        return None
    options = request.options
    placed = {(a.order_id, a.operation_index): a for a in with_pauses(jobs, assignments, available)}

    def report(cost: float, seconds: float) -> None:
        if on_solution is not None:
            on_solution(cost, 0.0, time.perf_counter() - began)

    costs = _Costs(request, jobs)
    start_cost = sum(costs.of(j, placed) for j in range(len(jobs)))
    report(start_cost, 0.0)
    redispatched = None
    if options.time_limit_seconds >= MORE_PASSES_MIN_SECONDS:
        redispatched = _better_start(request, jobs, available, options.time_limit_seconds - (time.perf_counter()
                                                                                             - began), should_stop)
        other = hint_assignments(jobs, redispatched.hint) if redispatched is not None else None
        if other is not None:
            other_placed = {(a.order_id, a.operation_index): a for a in with_pauses(jobs, other, available)}
            if (other_cost := sum(costs.of(j, other_placed) for j in range(len(jobs)))) < start_cost:
                placed, start_cost = other_placed, other_cost
                report(start_cost, 0.0)
    left = options.time_limit_seconds - (time.perf_counter() - began)
    # No sub-model fits in less: not even the search's set-up (links, die changes, costs: 0.3 s at 2,000 orders).
    searched = improve(request, jobs, available, placed, left, report, should_stop) if left >= MIN_SUB_SECONDS \
        else PlantLnsResult(placed=placed, cost=start_cost, start_cost=start_cost)
    status = SolveStatus.OPTIMAL if searched.cost == 0 else SolveStatus.FEASIBLE
    stats = SolveStats(
        solver="cp-sat plant lns", solver_version=ortools_version, objective=searched.cost, best_bound=0.0,
        gap=relative_gap(searched.cost, 0.0), wall_seconds=time.perf_counter() - began,
        time_limit_seconds=options.time_limit_seconds, num_workers=options.num_workers,
        random_seed=options.random_seed, operations=sum(len(j.tasks) for j in jobs),
        alternatives=sum(len(t.alternatives) for j in jobs for t in j.tasks),
        notes=f"dispatching-rule start; {redispatched.notes() + '; ' if redispatched else ''}{searched.notes()}",
    )
    return ScheduleOutcome(status=status, assignments=sorted(searched.placed.values(),
                                                             key=lambda a: (a.machine_id, a.start)), stats=stats)
