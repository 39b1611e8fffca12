"""Large-neighbourhood search with CP-SAT, for plans at plant scale.

From a few hundred orders the full CP-SAT model improves the dispatching start slowly (720 orders, 20 s, 2
workers: 371,408 -> 341,364, where this search reached 201,220; docs/SCALE.md), and issue 21 measured it
finding no solution at all in 60 s from 2,611 operations on. So large requests start from the complete
dispatching-rule schedule and improve it a neighbourhood at a time:

1. pick a seed: an operation of a late order (its cost weighs the draw), or any operation;
2. pick the neighbourhood, `size` orders: those with an operation nearest the seed in time on the seed
   operation's machine group (the machines it may use: `machine-group`) or on the machines of the seed
   order's whole routing (`routing`), or orders drawn at random among those on the seed's machine group,
   however far apart in time (`spread`: moves work along a long queue). The kind is drawn by its recent gain
   per second (each at least MIN_KIND_SHARE of the time); each kind's size adapts (grows when its sub-models
   are solved to optimality without a gain, shrinks when they time out without one);
3. build the sub-model of those orders with the same model builder as the full model
   (`planner.scheduling.model.build_model`, so every per-order rule comes along: routings, eligible machines,
   releases, time lags, transfer batches, work in progress, scrap cost, risk penalty), on machine time
   that the other orders' operations of the incumbent leave free (their operations stay where they are);
4. solve it for a short time, hinted with the incumbent (its variables confined to the neighbourhood's span),
   and keep the result when the orders' cost (late cost x weighted tardiness + scrap cost + risk penalty) went
   down.

With two CP-SAT workers a round may solve two neighbourhoods at once, one worker each, when they have no order in
common and their time spans are apart on every machine they share (`_Part.independent_of`): each result is then
valid whatever the other did, so both are applied to the incumbent. Whether a round takes one neighbourhood with
every worker or two with one each is drawn by recent gain per second, as the kinds are: paired 20 s runs
(docs/SCALE.md) had two at once ahead at 720 and 2,000 orders and behind at 240.

Where every operation is a plain chain link (`scheduling.tardiness_search.applies`) and the process has compiled it
(`planner.scheduling.tardiness_search.ready`: the solver processes do at start), a compiled local search on
machine sequences takes turns with the neighbourhood rounds (`_local_turn`): it goes first, for
LOCAL_SEARCH_SECONDS, the first neighbourhood round follows, and then each method gets the share of the time its
recent gain per second earns, at least MIN_METHOD_SHARE each. On a deep backlog the local search's hundreds of
thousands of small moves gain fastest (2,000 orders: it made 3.35 of the 3.65 million gained in 60 s); on a
lighter one it stalls early and the neighbourhoods take over (docs/SCALE.md).

Every accepted step is a valid plan: the freed orders get exactly the time the others leave. Rules that
link orders other than through machine time (family changeovers, preventive-maintenance tasks, the
plan-wide defect-rate cap, furnace loads, secondary resources) and model extensions (re-planning) are not
decomposable this way: `applies` says no and such requests get the full model. The search minimises cost; makespan
objectives keep the tabu search and the full model (`planner.scheduling.search`).
"""

from __future__ import annotations

import math
import random
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TypeVar

from ortools import __version__ as ortools_version  # type: ignore[attr-defined]
from ortools.sat.python import cp_model

from planner.calendar import Interval, merge
from planner.domain import Objective, PlanRequest
from planner.risk import maintenance_requirements
from planner.scheduling import tardiness_search
from planner.scheduling.model import Hint, ModelExtension, ScheduleOutcome, add_hint, build_model, read_assignments
from planner.scheduling.rules.batching import has_batching
from planner.scheduling.rules.lot_splitting import has_lot_splitting
from planner.scheduling.rules.materials import has_materials
from planner.scheduling.rules.modes import has_modes
from planner.scheduling.rules.pausing import has_pausing
from planner.scheduling.rules.precedence import has_graph_max_lags
from planner.scheduling.rules.resources import has_resources
from planner.scheduling.search import configure_solver, hint_assignments
from planner.scheduling.tasks import Job
from planner.solution import SolveStats
from planner.status import SolveStatus, relative_gap

MIN_OPERATIONS = 600
"""Operations from which `create_plan` improves the start by LNS instead of the full model. Measured
(docs/SCALE.md): at 871 operations (240 orders) the full model finds solutions and improves the start;
at 2,611 (720 orders) it finds none in 60 s on 2 workers, while LNS cuts the start's cost by more
than half."""
START_SIZE = 30
"""Orders in the first neighbourhood; adapted between MIN_SIZE and MAX_SIZE."""
MIN_SIZE = 6
MAX_SIZE = 200
SUB_SECONDS = 0.5
"""Time limit of one sub-model. At 720 orders (20 s, load 8): 0.25 s -> cost 321,393, 0.5 s -> 260,989, 1 s ->
275,996 (the start: 371,408); most machine-group neighbourhoods time out at any of these, most others close."""
SUB_LINEARIZATION_LEVEL = 0
"""CP-SAT's linearization level in sub-models (its default is 1). The same 12 neighbourhoods (20 orders, 0.5 s)
gained more without the LP relaxation at every size and width measured: 240 orders 63,889 against 27,179 (one
worker) and 74,380 against 71,224 (two); 720: 120,854 / 115,483 and 137,138 / 132,122; 2,000: 210,823 / 182,199
and 222,033 / 203,449 (docs/SCALE.md)."""
MIN_SUB_SECONDS = 0.1
"""Below this much time left, no sub-model is started."""
MAX_LANES = 2
"""Neighbourhoods solved at once at most (one CP-SAT worker each; the plant-scale benchmark runs 2 workers)."""
PICK_TRIES = 8
"""Draws for a neighbourhood independent of those already in the round before the round goes without it."""
KINDS = ("machine-group", "routing", "spread")
SCORE_MEMORY = 0.3
"""Weight of the latest gain per second in a kind's score (an exponential average)."""
MIN_KIND_SHARE = 0.15
"""Each kind is drawn at least this often, so a kind that stopped paying can come back."""
LATE_SEEDS = 0.8
"""Share of the neighbourhoods seeded at an operation of a costly order (the rest anywhere, to move work that
is in the way)."""
WINDOW_MARGIN = 2 * 1440
"""Minutes before the first and after the last operation of a neighbourhood its orders may move to."""
LOCAL_SEARCH = "local search"
NEIGHBOURHOODS = "neighbourhoods"
RATE_WINDOW = 8.0
"""Seconds of the latest neighbourhood rounds over which their gain per second is taken (`_Rates`)."""
LOCAL_SEARCH_TURNS = 2
"""Turns of the local search over which its gain per second is taken (`_Rates`)."""
MIN_METHOD_SHARE = 0.1
"""Each method (the local search, the neighbourhoods) gets at least this share of the time, so one that stopped
paying can come back."""
LOCAL_SEARCH_SECONDS = 2.0
"""Length of one turn of the compiled local search (`planner.scheduling.tardiness_search`) between neighbourhood rounds;
each turn re-reads the incumbent (0.1 s at 7,300 operations on a loaded machine)."""

Choice = TypeVar("Choice", str, int)
"""A neighbourhood kind or a round's width, drawn by `_draw`."""

Improvement = Callable[[float, float], None]
"""Told (cost of the new incumbent, seconds since the search started) after every accepted step."""


@dataclass
class LnsResult:
    """The best schedule found and how the search went."""

    hint: Hint
    cost: float
    start_cost: float
    iterations: int = 0
    """Neighbourhoods solved."""
    rounds: int = 0
    """Rounds of neighbourhoods solved at once (`lanes`)."""
    rounds_by_width: dict[int, int] = field(default_factory=dict)
    """Rounds by how many neighbourhoods they solved."""
    improvements: int = 0
    sizes: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, START_SIZE))
    accepted_by_kind: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    neighbourhood_seconds: float = 0.0
    """Time spent in neighbourhood rounds."""
    local_turns: int = 0
    """Turns of the compiled local search (`planner.scheduling.tardiness_search`)."""
    local_seconds: float = 0.0
    local_gain: float = 0.0
    """What the local search's turns took off the cost, together."""
    local_moves: int = 0

    def notes(self) -> str:
        kinds = ", ".join(f"{kind} {count} (size now {self.sizes[kind]})" for kind, count in
                          self.accepted_by_kind.items())
        widths = ", ".join(f"{count} of {width}" for width, count in sorted(self.rounds_by_width.items()))
        local = (f"; local search: {self.local_turns} turns, {self.local_seconds:.1f} s, {self.local_moves:,} moves, "
                 f"gain {self.local_gain:,.0f}" if self.local_turns else "")
        return (f"LNS: {self.iterations} neighbourhoods in {self.rounds} rounds{f' ({widths})' if widths else ''}, "
                f"{self.improvements} improved: "
                f"{kinds}{local}; cost "
                f"{self.start_cost:,.0f} -> {self.cost:,.0f}")


def applies(request: PlanRequest, jobs: list[Job], extensions: Sequence[ModelExtension] = ()) -> bool:
    """True when the request's rules link orders only through machine time (see the module), the objective
    is cost, and it has at least MIN_OPERATIONS operations."""
    return decomposable(request, extensions) and sum(len(job.tasks) for job in jobs) >= MIN_OPERATIONS


def decomposable(request: PlanRequest, extensions: Sequence[ModelExtension] = ()) -> bool:
    """True when a neighbourhood's orders can be re-planned on the time the others leave free."""
    return (
        not extensions
        and request.options.objective == Objective.WEIGHTED_TARDINESS
        and not request.factory.changeovers
        and not maintenance_requirements(request)
        and request.options.max_expected_defect_rate is None
        and not has_batching(request)
        and not has_resources(request)  # others' holds of a resource also link orders
        and not has_materials(request)  # so does what others take from a material's stock
        and not has_modes(request)  # the sub-models' free time is per machine; a mode's needs link orders too
        # the search starts from the complete dispatching schedule, which does not keep a precedence graph's
        # maximum lags (`planner.scheduling.dispatching`); minimum lags come along in the sub-model builder
        and not has_graph_max_lags(request)
        and not has_pausing(request)  # the neighbourhoods' free time and the sub-models do not let work pause
        and not request.sequence_rules  # a rule links two orders directly, not through machine time
        and not has_lot_splitting(request)  # the sub-models read one machine per operation, not sub-lots
    )


_Costs = tardiness_search.OrderCosts
"""Cost of an order's placed operations, as `planner.kpis` computes it for the plan."""


def improve(
    request: PlanRequest, jobs: list[Job], available: dict[str, list[Interval]], start: Hint, seconds: float,
    on_improvement: Improvement | None = None, should_stop: Callable[[], bool] | None = None,
) -> LnsResult:
    """Improve the complete, valid schedule `start` for `seconds` (or until `should_stop`); never worse.

    A round solves one neighbourhood with all the request's workers, or up to `lanes(request)` at once, one worker
    each, when they cannot touch each other (`_Part.independent_of`); which, is drawn by recent gain per second.
    Where it applies, the compiled local search (`planner.scheduling.tardiness_search`) takes turns with the rounds
    (`_local_turn`)."""
    began = time.perf_counter()
    deadline = began + seconds
    costs = _Costs(request)
    incumbent = dict(start)
    job_cost = [costs.of(job, incumbent) for job in jobs]
    result = LnsResult(hint=incumbent, cost=sum(job_cost), start_cost=sum(job_cost))
    rng = random.Random(request.options.random_seed)
    sizes = dict.fromkeys(KINDS, START_SIZE)
    score = dict.fromkeys(KINDS, 0.0)
    widths = sorted({1, lanes(request)})
    width_score = dict.fromkeys(widths, 0.0)
    # The compiled local search takes turns with the neighbourhood rounds where it applies, by gain per second
    # (`_local_turn`; the local search first: on a deep backlog it gains fastest at the start).
    rates = _Rates() if tardiness_search.ready() and tardiness_search.applies(jobs, available) else None
    with ThreadPoolExecutor(max_workers=widths[-1]) as pool:
        while not (should_stop is not None and should_stop()):
            left = deadline - time.perf_counter()
            if left < MIN_SUB_SECONDS or not jobs or result.cost <= 0:  # nothing late and nothing else costs: optimal
                break
            if rates is not None and _local_turn(result, rates):
                incumbent, job_cost = _local_search(request, jobs, available, incumbent, job_cost, costs, result,
                                                    min(LOCAL_SEARCH_SECONDS, left), rates, on_improvement,
                                                    began, should_stop)
                continue
            round_began = time.perf_counter()
            # One neighbourhood with every worker, or several with one each: drawn by gain per second like the
            # kinds (each tried twice first). Measured paired, 20 s: one at a time better at 240 orders (40,490
            # against 60,358), two at once at 720 (181,081 against 192,512) and 2,000 (12,976,036 against
            # 13,215,724), so neither is fixed.
            width = widths[result.rounds % len(widths)] if result.rounds < 2 * len(widths) else \
                _draw(width_score, rng)
            parts = _pick_parts(jobs, incumbent, job_cost, sizes, score, rng, width, result.iterations)
            round_gain = 0.0
            workers = max(1, request.options.num_workers // len(parts))
            seconds_each = min(SUB_SECONDS, left)
            solve_began = time.perf_counter()
            futures = [pool.submit(_solve_part, request, jobs, part.orders, available, incumbent, seconds_each,
                                   request.options.random_seed + result.iterations + i + 1, workers)
                       for i, part in enumerate(parts)]
            solved = [future.result() for future in futures]
            spent = time.perf_counter() - solve_began
            result.iterations += len(parts)
            result.rounds += 1
            for part, (found, proved) in zip(parts, solved, strict=True):
                gain = 0.0
                if found is not None:
                    new_costs = {j: costs.of(jobs[j], found) for j in part.orders}
                    gain = sum(job_cost[j] for j in part.orders) - sum(new_costs.values())
                    if gain > 1e-9:  # the parts touch neither the same orders nor the same machine time
                        round_gain += gain
                        incumbent.update(found)
                        for j, value in new_costs.items():
                            job_cost[j] = value
                        result.improvements += 1
                        result.accepted_by_kind[part.kind] += 1
                        result.cost = sum(job_cost)
                        if on_improvement is not None:
                            on_improvement(result.cost, time.perf_counter() - began)
                kind = part.kind
                score[kind] = (1 - SCORE_MEMORY) * score[kind] + SCORE_MEMORY * max(gain, 0.0) / max(spent, 1e-3)
                # Adaptive size: a neighbourhood closed without a gain is too small to hold one, a timed-out one
                # too big.
                if proved and gain <= 1e-9:
                    sizes[kind] = min(MAX_SIZE, math.ceil(sizes[kind] * 1.2))
                elif not proved and gain <= 1e-9:
                    sizes[kind] = max(MIN_SIZE, int(sizes[kind] * 0.8))
            if len(parts) in width_score:
                width_score[len(parts)] = ((1 - SCORE_MEMORY) * width_score[len(parts)]
                                           + SCORE_MEMORY * round_gain / max(spent, 1e-3))
            result.rounds_by_width[len(parts)] = result.rounds_by_width.get(len(parts), 0) + 1
            result.sizes = dict(sizes)
            round_seconds = time.perf_counter() - round_began
            result.neighbourhood_seconds += round_seconds
            if rates is not None:
                rates.add(NEIGHBOURHOODS, round_seconds, round_gain)
    result.hint = incumbent
    return result


class _Rates:
    """Each method's gain per second over its latest work: the neighbourhoods' over RATE_WINDOW seconds of rounds,
    since they gain in lumps (most rounds nothing, some much); the local search's over its last LOCAL_SEARCH_TURNS
    turns, since its gains come steadily and a stall shows at once."""

    def __init__(self) -> None:
        self._turns: dict[str, deque[tuple[float, float]]] = {LOCAL_SEARCH: deque(maxlen=LOCAL_SEARCH_TURNS),
                                                               NEIGHBOURHOODS: deque()}

    def add(self, method: str, seconds: float, gain: float) -> None:
        turns = self._turns[method]
        turns.append((seconds, gain))
        while method == NEIGHBOURHOODS and len(turns) > 1 and sum(spent for spent, _ in turns) - turns[0][0] >= \
                RATE_WINDOW:
            turns.popleft()

    def rate(self, method: str) -> float:
        turns = self._turns[method]
        return sum(gain for _, gain in turns) / max(sum(spent for spent, _ in turns), 1e-3)


def _local_turn(result: LnsResult, rates: _Rates) -> bool:
    """Whether the next turn goes to the local search: the first one does, the first neighbourhood round follows;
    then the method whose share of the time spent so far is furthest below its share by recent gain per second
    (each at least MIN_METHOD_SHARE). By time, not by turns: a turn of the local search is four rounds long."""
    if result.local_turns == 0:
        return True
    if result.rounds == 0:
        return False
    local, neighbourhoods = rates.rate(LOCAL_SEARCH), rates.rate(NEIGHBOURHOODS)
    # when neither gained lately, the local search (whose stalls last) gets only its minimum
    share = local / (local + neighbourhoods) if local + neighbourhoods > 0 else 0.0
    target = MIN_METHOD_SHARE + (1 - 2 * MIN_METHOD_SHARE) * share
    return result.local_seconds < target * (result.local_seconds + result.neighbourhood_seconds)


def _local_search(request: PlanRequest, jobs: list[Job], available: dict[str, list[Interval]], incumbent: Hint,
                  job_cost: list[float], costs: _Costs, result: LnsResult, seconds: float,
                  rates: _Rates, on_improvement: Improvement | None, began: float,
                  should_stop: Callable[[], bool] | None) -> tuple[Hint, list[float]]:
    """One turn of the compiled local search from the incumbent, with every worker; the new incumbent and its
    orders' costs."""
    turn_began = time.perf_counter()
    searched = tardiness_search.improve(request, jobs, available, incumbent, seconds,
                                        workers=request.options.num_workers, should_stop=should_stop,
                                        seed=request.options.random_seed + result.local_turns)
    gain = result.cost - searched.cost
    if gain > 1e-9:
        incumbent = dict(searched.hint)
        job_cost = [costs.of(job, incumbent) for job in jobs]
        result.cost = sum(job_cost)
        result.local_gain += gain
        if on_improvement is not None:
            on_improvement(result.cost, time.perf_counter() - began)
    spent = time.perf_counter() - turn_began
    result.local_turns += 1
    result.local_seconds += spent
    result.local_moves += searched.iterations
    rates.add(LOCAL_SEARCH, spent, max(gain, 0.0))
    return incumbent, job_cost


def lanes(request: PlanRequest) -> int:
    """Neighbourhoods solved at once: one per CP-SAT worker, at most MAX_LANES."""
    return max(1, min(request.options.num_workers, MAX_LANES))


@dataclass(frozen=True)
class _Part:
    """A neighbourhood: its orders, the machines they may use and the time span they may move in."""

    kind: str
    orders: list[int]
    machines: frozenset[str]
    low: int
    high: int

    def independent_of(self, other: _Part) -> bool:
        """True when solving both on the same incumbent gives a valid plan with both results: no order in
        common, and on every machine they share their time spans are apart (each sub-model only places work
        on its machines' free time inside its span, `_free_time`)."""
        return (not set(self.orders) & set(other.orders)
                and (not self.machines & other.machines or self.high <= other.low or other.high <= self.low))


def _pick_parts(jobs: list[Job], incumbent: Hint, job_cost: list[float], sizes: dict[str, int],
                score: dict[str, float], rng: random.Random, width: int, iterations: int) -> list[_Part]:
    """Up to `width` independent neighbourhoods (the first always; each further one from PICK_TRIES draws)."""
    parts: list[_Part] = []
    for lane in range(width):
        for _ in range(1 if lane == 0 else PICK_TRIES):
            done = iterations + len(parts)
            kind = KINDS[done] if done < len(KINDS) else _pick_kind(score, rng)
            chosen = _neighbourhood(jobs, incumbent, job_cost, kind, sizes[kind], rng)
            low, high = _span(jobs, chosen, incumbent)
            part = _Part(kind, chosen, _machines(jobs, chosen), low, high)
            if all(part.independent_of(other) for other in parts):
                parts.append(part)
                break
    return parts


def _pick_kind(score: dict[str, float], rng: random.Random) -> str:
    """A kind drawn by its recent gain per second, each at least MIN_KIND_SHARE of the time."""
    return _draw(score, rng)


def _draw(score: dict[Choice, float], rng: random.Random) -> Choice:
    """One of `score`'s keys, drawn by its score (a recent gain per second), each at least MIN_KIND_SHARE of the
    time; uniformly while no score is positive."""
    options = list(score)
    total = sum(score.values())
    if total <= 0:
        return rng.choice(options)
    weights = [MIN_KIND_SHARE + (1 - MIN_KIND_SHARE * len(options)) * score[key] / total for key in options]
    return rng.choices(options, weights=weights)[0]


def _neighbourhood(jobs: list[Job], incumbent: Hint, job_cost: list[float], kind: str, size: int,
                   rng: random.Random) -> list[int]:
    """Indices of the `size` orders nearest in time to a seed operation (see the module)."""
    late = [j for j, cost in enumerate(job_cost) if cost > 0]
    seed_job = rng.choices(late, weights=[job_cost[j] for j in late])[0] if late and rng.random() < LATE_SEEDS \
        else rng.randrange(len(jobs))
    seed_task = rng.choice(jobs[seed_job].tasks)
    seed_time = incumbent[(seed_task.order_id, seed_task.index)][1]
    if kind in ("machine-group", "spread"):
        group = {a.machine_id for a in seed_task.alternatives}
    else:  # the machines of the seed order's whole routing: the orders it meets on its way
        group = {a.machine_id for task in jobs[seed_job].tasks for a in task.alternatives}
    if kind == "spread":  # any orders on the group, far apart in time: moves work along a long queue
        on_group = sorted({j for j, job in enumerate(jobs) for task in job.tasks
                           if incumbent[(task.order_id, task.index)][0] in group} - {seed_job})
        return [seed_job, *rng.sample(on_group, min(size - 1, len(on_group)))]
    distance: dict[int, int] = {seed_job: -1}
    for j, job in enumerate(jobs):
        for task in job.tasks:
            machine_id, begin = incumbent[(task.order_id, task.index)]
            if machine_id not in group:
                continue
            gap = abs(begin - seed_time)
            if gap < distance.get(j, math.inf):
                distance[j] = gap
    return sorted(distance, key=lambda j: (distance[j], j))[:size]


def _solve_part(request: PlanRequest, jobs: list[Job], chosen: list[int], available: dict[str, list[Interval]],
                incumbent: Hint, seconds: float, seed: int, workers: int) -> tuple[Hint | None, bool]:
    """The chosen orders re-planned on the time the others leave free, by `workers` CP-SAT workers: (their new
    placement or None, proved optimal)."""
    part = [jobs[j] for j in chosen]
    free = _free_time(jobs, set(chosen), available, incumbent)
    built = build_model(request, part, free)
    assert built.weighted_tardiness is not None
    # The free time already keeps every operation inside the span; saying so on the variables themselves lets
    # CP-SAT start from domains of a few days instead of the whole horizon.
    low, high = _span(jobs, chosen, incumbent)
    for variables in (v for job_vars in built.tasks for v in job_vars):
        built.model.add(variables.start >= max(low, 0))
        built.model.add(variables.end <= high)
    built.model.minimize(built.weighted_tardiness)
    add_hint(built, {(t.order_id, t.index): incumbent[(t.order_id, t.index)] for job in part for t in job.tasks})
    solver = configure_solver(request.options, seconds)
    solver.parameters.random_seed = seed
    solver.parameters.num_workers = workers
    solver.parameters.linearization_level = SUB_LINEARIZATION_LEVEL
    code = solver.solve(built.model)
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None, False
    placed = {(a.order_id, a.operation_index): (a.machine_id, a.start) for a in read_assignments(built, solver)}
    return placed, code == cp_model.OPTIMAL


def _machines(jobs: list[Job], chosen: list[int]) -> frozenset[str]:
    """The machines any operation of the chosen orders may use."""
    return frozenset(a.machine_id for j in chosen for task in jobs[j].tasks for a in task.alternatives)


def _span(jobs: list[Job], chosen: list[int], incumbent: Hint) -> tuple[int, int]:
    """The time the chosen orders may move in: WINDOW_MARGIN around their operations in the incumbent. Only
    there: a smaller model, and moving work further is rarely what lowers its cost."""
    low, high = math.inf, -math.inf
    for j in chosen:
        for task in jobs[j].tasks:
            machine_id, start = incumbent[(task.order_id, task.index)]
            alternative = task.alternative(machine_id) or task.alternatives[0]
            low, high = min(low, start), max(high, start + alternative.duration)
    return int(low) - WINDOW_MARGIN, int(high) + WINDOW_MARGIN


def _free_time(jobs: list[Job], chosen: set[int], available: dict[str, list[Interval]],
               incumbent: Hint) -> dict[str, list[Interval]]:
    """Working time of the machines the chosen orders may use inside their span (`_span`), less the time the
    other orders' operations take."""
    machines = _machines(jobs, sorted(chosen)) & available.keys()
    busy: dict[str, list[Interval]] = {m: [] for m in machines}
    for j, job in enumerate(jobs):
        if j in chosen:
            continue
        for task in job.tasks:
            machine_id, start = incumbent[(task.order_id, task.index)]
            if machine_id in busy:
                alternative = task.alternative(machine_id)
                assert alternative is not None
                busy[machine_id].append((start, start + alternative.duration))
    low, high = _span(jobs, sorted(chosen), incumbent)
    return {m: subtract(available[m], merge([*busy[m], (-1, low), (high, 1 << 40)])) for m in machines}


def subtract(windows: list[Interval], taken: list[Interval]) -> list[Interval]:
    """Sorted disjoint `windows` minus sorted disjoint `taken`."""
    free: list[Interval] = []
    index = 0
    for start, end in windows:
        cursor = start
        while index < len(taken) and taken[index][1] <= cursor:
            index += 1
        scan = index
        while scan < len(taken) and taken[scan][0] < end:
            if taken[scan][0] > cursor:
                free.append((cursor, taken[scan][0]))
            cursor = max(cursor, taken[scan][1])
            scan += 1
        if cursor < end:
            free.append((cursor, end))
    return free


def solve_by_lns(
    request: PlanRequest, jobs: list[Job], available: dict[str, list[Interval]], start: Hint,
    on_solution: Callable[[float, float, float], None] | None = None, should_stop: Callable[[], bool] | None = None,
) -> ScheduleOutcome | None:
    """The start improved by `improve` within the request's time limit, as the scheduler reports an outcome
    (status FEASIBLE, bound 0: the search proves nothing); the start is reported to `on_solution` at once.
    None when the start is not a complete schedule of the jobs."""
    began = time.perf_counter()
    if hint_assignments(jobs, start) is None:
        return None
    options = request.options

    def report(cost: float, seconds: float) -> None:
        if on_solution is not None:
            on_solution(cost, 0.0, time.perf_counter() - began)

    start_cost = sum(_Costs(request).of(job, start) for job in jobs)
    report(start_cost, 0.0)
    searched = improve(request, jobs, available, start, options.time_limit_seconds - (time.perf_counter() - began),
                       report, should_stop)
    placed = hint_assignments(jobs, searched.hint)
    assert placed is not None
    status = SolveStatus.OPTIMAL if searched.cost == 0 else SolveStatus.FEASIBLE
    stats = SolveStats(
        solver="cp-sat lns", solver_version=ortools_version, objective=searched.cost, best_bound=0.0,
        gap=relative_gap(searched.cost, 0.0), wall_seconds=time.perf_counter() - began,
        time_limit_seconds=options.time_limit_seconds, num_workers=options.num_workers,
        random_seed=options.random_seed, operations=sum(len(j.tasks) for j in jobs),
        alternatives=sum(len(t.alternatives) for j in jobs for t in j.tasks),
        notes=f"dispatching-rule start; {searched.notes()}",
    )
    return ScheduleOutcome(status=status, assignments=placed, stats=stats)
