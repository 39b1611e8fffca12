"""A fast local search for weighted tardiness on machine sequences, for plans with a heavy backlog.

Large-neighbourhood search (`planner.scheduling.lns`) re-plans a few dozen orders at a time with CP-SAT: each step is
good, but costs a sub-model built in Python, presolved and hinted, about 0.3 s on a loaded 2-core machine, so at
2,000 orders (845 late in the start) it made fewer than 200 steps in 60 s, nearly all of them improving
(docs/SCALE.md). This search makes hundreds of thousands of small steps in the same time instead: an operation
of a late order that waits for its machine jumps ahead of work in its way, pushes one of those behind it, or
moves to another machine it may use; each step is re-timed incrementally and kept by late acceptance: when the
plan's cost does not rise, or is no higher than it was HISTORY_LENGTH steps ago (`planner.scheduling.tardiness_kernel`,
compiled with numba). With several workers each searches from the same start with its own seed, and the result
takes, for every group of orders that shares no machine with the rest (`components`), the best worker's
schedule of it. The two methods complement each other (`planner.scheduling.lns` gives each a share of the time by its
recent gain per second): the local search takes the many simple gains of a deep backlog fast, the CP-SAT
neighbourhoods the combinations that no single move reaches.

The schedule of a solution is semi-active (every operation as early as its job, its machine's order, its
release, its minimum time lag and its machine's working time allow, whole inside one working stretch), so
routings, eligible machines, releases, minimum lags, calendars, maintenance windows and the horizon hold by
construction. The search only runs on requests whose operations need nothing else (`applies`: chains, no
maximum lags, transfer batches, work in progress, pausing, manual work or batch loads); rules that link orders
are the caller's to exclude (`scheduling.lns.decomposable`). Its result is decoded again from scratch and re-costed
here, and returned only when it is no worse than the start, which is itself made semi-active first (never later
than the start, operation by operation).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from planner.calendar import Interval
from planner.domain import NO_MACHINE, PlanRequest
from planner.risk import penalty_rates
from planner.scheduling import tardiness_kernel
from planner.scheduling.tasks import Alternative, Job, Task

logger = logging.getLogger(__name__)

Hint = dict[tuple[str, int], tuple[str, int]]
"""(order id, operation index) -> (machine id, start), as `planner.scheduling.model.Hint`."""
CHUNK_SECONDS = 0.02
"""Kernel calls last about this long, so the deadline and a stop request are kept to that."""
HISTORY_LENGTH = 200
"""Late acceptance (Burke & Bykov): a move is kept when the cost does not rise, or when it is no higher than it
was this many tried moves ago, so the search walks out of the local optima a strict descent stops in. From the
2,000-order start, 10 s, one thread: strict descent 11,400,162; 20: 11,098,966; 100: 10,650,491; 200:
10,647,112; 400: 10,704,265; 1,000: 12,480,211 (too slow to settle in 10 s); at 720 orders, 5 s: strict
291,433, 100: 261,857, 300: 284,618, 1,000: 262,238 (loaded machine, single runs; docs/SCALE.md)."""
POP_LIMIT_PER_OPERATION = 4
"""A move's re-timing may recompute operations this many times the operation count before it is undone (a
cycle the kernel's test let through)."""


class OrderCosts:
    """Cost of an order's placed operations, as `planner.kpis` computes it for the plan: late cost x weight x
    tardiness, plus per operation the scrap cost and the risk penalty of the machine it runs on."""

    def __init__(self, request: PlanRequest) -> None:
        self.late_cost = request.options.late_cost_per_minute
        self._scrap = {p.id: p.scrap_cost for p in request.factory.products}
        self._rates = penalty_rates(request)
        self._risk_weight = request.options.risk_penalty_weight

    def of_alternative(self, job: Job, task: Task, alternative: Alternative) -> float:
        """What running the task on this alternative costs whenever it runs: scrap and risk penalty."""
        return (alternative.expected_scrap * self._scrap[task.product_id]
                + self._risk_weight * self._rates.get(alternative.machine_id, 0.0) * job.order.weight
                * alternative.duration)

    def of(self, job: Job, hint: Hint) -> float:
        cost = 0.0
        completion = 0
        for task in job.tasks:
            machine_id, start = hint[(task.order_id, task.index)]
            alternative = task.alternative(machine_id)
            assert alternative is not None
            completion = max(completion, start + alternative.duration)
            cost += self.of_alternative(job, task, alternative)
        return cost + self.late_cost * job.order.weight * max(0, completion - job.order.due)


@dataclass
class SearchResult:
    """The best schedule found and how the search went."""

    hint: Hint
    cost: float
    start_cost: float
    iterations: int = 0
    accepted: int = 0
    improved: int = 0
    tried: int = 0
    """Moves re-timed (the others were cut short: no late job found, or a cycle possible)."""
    recomputed: int = 0
    """Operations re-timed over all moves."""

    def notes(self) -> str:
        return (f"tardiness local search: {self.iterations:,} moves, {self.tried:,} re-timed "
                f"({self.recomputed / max(self.tried, 1):.0f} operations each), {self.improved:,} improving, "
                f"{self.accepted:,} kept; cost {self.start_cost:,.0f} -> {self.cost:,.0f}")


def applies(jobs: list[Job], available: dict[str, list[Interval]]) -> bool:
    """True when every operation is a chain link on machines with a calendar, with nothing the semi-active
    decoder does not keep (see the module)."""
    return bool(jobs) and all(
        task.predecessors is None and task.max_lag is None and task.transfer_batch is None and not task.running
        and task.recipe is None
        and all(a.machine_id != NO_MACHINE and a.machine_id in available and not a.may_pause and not a.needs
                and not a.skill_needs and not a.consumes and not a.mode_id for a in task.alternatives)
        for job in jobs for task in job.tasks)


@dataclass
class _Arrays:
    """The problem and a solution as `scheduling.tardiness_kernel` takes them (see its module for the layout)."""

    keys: list[tuple[str, int]]
    machines: list[str]
    problem: tuple[np.ndarray, ...]
    """job_prev, job_next, release, min_lag, job_of, job_first, is_last, due, late_weight, windows,
    window_counts, alt_start, alt_machine, alt_duration, alt_cost: the kernel's first arguments."""
    machine: np.ndarray
    duration: np.ndarray
    choice: np.ndarray
    sequences: np.ndarray
    lengths: np.ndarray
    position: np.ndarray
    start: np.ndarray

    def copy_solution(self) -> tuple[np.ndarray, ...]:
        return (self.machine.copy(), self.duration.copy(), self.choice.copy(), self.sequences.copy(),
                self.lengths.copy(), self.position.copy(), self.start.copy())

    def decode(self, solution: tuple[np.ndarray, ...]) -> np.ndarray | None:
        """The semi-active starts of a solution's machine choices and orders, from scratch; None when they do
        not make a schedule."""
        job_prev, job_next, release, min_lag = self.problem[:4]
        windows, window_counts = self.problem[9:11]
        machine, duration, _, sequences, lengths, _, _ = solution
        start = np.zeros(len(self.keys), np.int64)
        if not tardiness_kernel.decode(duration, job_prev, job_next, release, min_lag, machine, windows,
                                       window_counts, sequences, lengths, start):
            return None
        return start

    def hint(self, solution: tuple[np.ndarray, ...], start: np.ndarray) -> Hint:
        machine = solution[0]
        return {key: (self.machines[int(machine[op])], int(start[op])) for op, key in enumerate(self.keys)}


def _arrays(request: PlanRequest, jobs: list[Job], available: dict[str, list[Interval]], hint: Hint,
            costs: OrderCosts) -> _Arrays:
    machines = sorted(available)
    index = {m: k for k, m in enumerate(machines)}
    keys: list[tuple[str, int]] = []
    job_prev, job_next, release, min_lag, job_of, is_last = [], [], [], [], [], []
    machine, duration, choice, hinted = [], [], [], []
    alt_start, alt_machine, alt_duration, alt_cost = [0], [], [], []
    job_first = [0]
    for j, job in enumerate(jobs):
        for place, task in enumerate(job.tasks):
            op = len(keys)
            keys.append((task.order_id, task.index))
            job_prev.append(op - 1 if place else -1)
            job_next.append(op + 1 if place + 1 < len(job.tasks) else -1)
            release.append(max(job.order.release, 0) if place == 0 else 0)
            min_lag.append(task.min_lag if place else 0)
            job_of.append(j)
            is_last.append(int(place + 1 == len(job.tasks)))
            machine_id, begin = hint[(task.order_id, task.index)]
            for k, alternative in enumerate(task.alternatives):
                if alternative.machine_id == machine_id:
                    choice.append(k)
                alt_machine.append(index[alternative.machine_id])
                alt_duration.append(alternative.duration)
                alt_cost.append(costs.of_alternative(job, task, alternative))
            alt_start.append(len(alt_machine))
            machine.append(index[machine_id])
            duration.append(alt_duration[alt_start[-2] + choice[-1]])
            hinted.append(begin)
        job_first.append(len(keys))
    window_counts = np.array([len(available[m]) for m in machines], np.int64)
    windows = np.zeros((2, len(machines), max(int(window_counts.max(initial=0)), 1)), np.int64)
    for machine_id in machines:
        for k, (begin, end) in enumerate(available[machine_id]):
            windows[:, index[machine_id], k] = begin, end
    count = len(keys)
    sequences = np.full((len(machines), count + 1), -1, np.int64)
    lengths = np.zeros(len(machines), np.int64)
    position = np.zeros(count, np.int64)
    # each machine's order is the hint's: by start (a zero-length operation before one starting with it)
    for op in sorted(range(count), key=lambda o: (hinted[o], duration[o] > 0, o)):
        m = machine[op]
        sequences[m, lengths[m]] = op
        position[op] = lengths[m]
        lengths[m] += 1
    ints = [np.array(values, np.int64) for values in (job_prev, job_next, release, min_lag, job_of, job_first,
                                                       is_last)]
    problem = (*ints, np.array([j.order.due for j in jobs], np.int64),
               np.array([costs.late_cost * j.order.weight for j in jobs], np.float64), windows, window_counts,
               np.array(alt_start, np.int64), np.array(alt_machine, np.int64), np.array(alt_duration, np.int64),
               np.array(alt_cost, np.float64))
    return _Arrays(keys, machines, problem, np.array(machine, np.int64), np.array(duration, np.int64),
                   np.array(choice, np.int64), sequences, lengths, position, np.array(hinted, np.int64))


def _total(jobs: list[Job], costs: OrderCosts, hint: Hint) -> float:
    return sum(costs.of(job, hint) for job in jobs)


def improve(request: PlanRequest, jobs: list[Job], available: dict[str, list[Interval]], start: Hint,
            seconds: float, workers: int = 1, should_stop: Callable[[], bool] | None = None,
            seed: int | None = None, history_length: int = HISTORY_LENGTH) -> SearchResult:
    """The complete, valid schedule `start` improved for `seconds` by `workers` searches from it (seeds `seed`
    (default: the request's), seed + 1, ...); the best of them, never worse than the start (`applies` must
    hold)."""
    first_seed = request.options.random_seed if seed is None else seed
    deadline = time.perf_counter() + seconds
    costs = OrderCosts(request)
    start_cost = _total(jobs, costs, start)
    result = SearchResult(hint=start, cost=start_cost, start_cost=start_cost)
    arrays = _arrays(request, jobs, available, start, costs)
    first = arrays.copy_solution()
    decoded = arrays.decode(first)
    if decoded is None:  # the start is not a schedule of its own machine orders: leave it to the caller
        logger.warning("tardiness search: the start's machine orders do not decode; search skipped")
        return result
    first = (*first[:6], decoded)
    semi_active = arrays.hint(first, decoded)
    first_cost = _total(jobs, costs, semi_active)
    if first_cost <= start_cost:
        result.hint, result.cost = semi_active, first_cost

    def run(worker: int) -> tuple[float, tuple[np.ndarray, ...], np.ndarray]:
        solution = tuple(part.copy() for part in first)
        cost = np.array([first_cost, first_cost], np.float64)
        history = np.full(max(history_length, 1), first_cost, np.float64)
        best = np.stack([solution[0], solution[2], solution[5]])
        state = np.zeros(tardiness_kernel.STATE_SIZE, np.int64)
        state[tardiness_kernel.SEED] = first_seed + worker
        scratch = np.full((6, len(arrays.keys) + 1), -1, np.int64)
        scratch[2:4] = -2  # no stamp yet (stamps start at 1)
        pop_limit = POP_LIMIT_PER_OPERATION * len(arrays.keys) + 100
        chunk = 256
        while time.perf_counter() < deadline and cost[0] > 1e-9 and not (should_stop is not None and should_stop()):
            began = time.perf_counter()
            tardiness_kernel.search(*arrays.problem, *solution, cost, state, scratch, history, best, chunk,
                                    pop_limit)
            took = time.perf_counter() - began
            chunk = int(min(max(chunk * CHUNK_SECONDS / max(took, 1e-6), 16), chunk * 4))
        if cost[0] > cost[1] + 1e-9:
            machine, duration, choice, sequences, lengths, position, start = solution
            tardiness_kernel.restore_best(arrays.problem[11], arrays.problem[13], best, machine, duration, choice,
                                          sequences, lengths, position)
            restored = arrays.decode(solution)
            if restored is None:
                return first_cost, tuple(part.copy() for part in first), state
            start[:] = restored
        return cost[1], solution, state

    with ThreadPoolExecutor(max(workers, 1)) as pool:
        found = list(pool.map(run, range(max(workers, 1))))
    for _, _, state in found:
        result.iterations += int(state[tardiness_kernel.ITERATION])
        result.accepted += int(state[tardiness_kernel.ACCEPTED])
        result.improved += int(state[tardiness_kernel.IMPROVED])
        result.tried += int(state[tardiness_kernel.TRIED])
        result.recomputed += int(state[tardiness_kernel.RECOMPUTED])
    hints = []
    for _, solution, _ in found:
        checked = arrays.decode(solution)
        if checked is None:
            logger.warning("tardiness search: a worker's best solution does not decode; it is left out")
            continue
        if not np.array_equal(checked, solution[6]):
            logger.warning("tardiness search: incremental starts differ from a full decode; the decode is used")
        hints.append(arrays.hint(solution, checked))
    if not hints:
        return result
    hint = _best_by_component(jobs, costs, hints)
    cost = _total(jobs, costs, hint)
    if cost <= result.cost:
        result.hint, result.cost = hint, cost
    return result


def _best_by_component(jobs: list[Job], costs: OrderCosts, hints: list[Hint]) -> Hint:
    """The workers' schedules merged: for each group of orders that share no machine with the others
    (`components`), the operations of the worker whose schedule costs least there. Such groups do not meet
    anywhere, so each keeps its schedule valid whatever the others do."""
    if len(hints) == 1:
        return hints[0]
    component = components(jobs)
    totals: dict[tuple[int, int], float] = {}
    for j, job in enumerate(jobs):
        for worker, hint in enumerate(hints):
            totals[(component[j], worker)] = totals.get((component[j], worker), 0.0) + costs.of(job, hint)
    chosen = {c: min(range(len(hints)), key=lambda worker: (totals[(c, worker)], worker)) for c in set(component)}
    merged: Hint = {}
    for j, job in enumerate(jobs):
        hint = hints[chosen[component[j]]]
        merged.update({(task.order_id, task.index): hint[(task.order_id, task.index)] for task in job.tasks})
    return merged


def components(jobs: list[Job]) -> list[int]:
    """For each job, its group: jobs linked, directly or through others, by a machine any of their operations
    may use (the connected components of the machine-eligibility graph)."""
    parent = list(range(len(jobs)))

    def root(j: int) -> int:
        while parent[j] != j:
            parent[j] = parent[parent[j]]
            j = parent[j]
        return j

    first_user: dict[str, int] = {}
    for j, job in enumerate(jobs):
        for task in job.tasks:
            for alternative in task.alternatives:
                other = first_user.setdefault(alternative.machine_id, j)
                parent[root(j)] = root(other)
    return [root(j) for j in range(len(jobs))]


def ready() -> bool:
    """Whether the kernel is compiled (or loaded from numba's cache) in this process: `warm_up` has run, as the
    service's solver processes and the benchmarks do at start. Until then callers leave the search out, since
    compiling inside a request's time limit would break it (10-15 s on a loaded 2-core machine)."""
    return bool(tardiness_kernel.search.signatures) and bool(tardiness_kernel.decode.signatures)


def warm_up() -> None:
    """Compile the kernel, or load it from numba's cache, on two one-operation jobs that may each run on either
    of two machines (compiling takes seconds)."""
    windows = np.array([[[0], [0]], [[100], [100]]], np.int64)
    sequences = np.array([[0, 1, -1], [-1, -1, -1]], np.int64)
    solution = (np.zeros(2, np.int64), np.array([5, 5], np.int64), np.zeros(2, np.int64), sequences,
                np.array([2, 0], np.int64), np.array([0, 1], np.int64), np.array([0, 5], np.int64))
    problem = (np.array([-1, -1], np.int64), np.array([-1, -1], np.int64), np.zeros(2, np.int64),
               np.zeros(2, np.int64), np.array([0, 1], np.int64), np.array([0, 1, 2], np.int64),
               np.ones(2, np.int64), np.array([5, 5], np.int64), np.ones(2, np.float64), windows,
               np.ones(2, np.int64), np.array([0, 2, 4], np.int64), np.array([0, 1, 0, 1], np.int64),
               np.full(4, 5, np.int64), np.zeros(4, np.float64))
    scratch = np.full((6, 3), -2, np.int64)
    best = np.stack([solution[0], solution[2], solution[5]])
    tardiness_kernel.search(*problem, *solution, np.array([5.0, 5.0]),
                            np.zeros(tardiness_kernel.STATE_SIZE, np.int64), scratch, np.full(2, 5.0), best, 10, 100)
    tardiness_kernel.restore_best(problem[11], problem[13], best, *solution[:6])
    tardiness_kernel.decode(solution[1], problem[0], problem[1], problem[2], problem[3], solution[0], windows,
                            problem[10], sequences, solution[4], np.zeros(2, np.int64))
