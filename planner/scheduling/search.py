"""Solve strategy for the CP-SAT scheduler: solver parameters, and a makespan local search that turns
a dispatching hint into a better, verified one whose makespan bounds every domain of the model.

The local search works on machine sequences (which operation follows which on each machine) and, where
an operation may run on several machines, on the machine choice. A solution is decoded into its
semi-active schedule: in precedence order, every operation starts at the earliest moment after its
routing predecessor, its machine predecessor and its release at which it fits into one working
stretch of its machine. A decoded schedule therefore keeps routings, eligible machines, releases,
calendars, maintenance windows and the horizon by construction, which makes its makespan a safe upper
bound for the exact model as long as the model has no other rules (the scheduler checks that).

The search itself is compiled (`planner.scheduling.tabu_kernel`: N5 critical-block swaps ranked by Taillard's
head/tail estimate, moves of critical operations to another eligible machine, tabu tenure, random kicks
from the best solution after a stall), one per CP-SAT worker on its own thread, every second one also
with N6-style insertions (see `tabu_search`); the best solution they find is decoded again here by
`decode`.
"""

from __future__ import annotations

import itertools
import math
import threading
import time
from bisect import bisect_right
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

from planner.calendar import Interval
from planner.domain import NO_MACHINE, Objective, PlanOptions
from planner.scheduling import tabu_kernel
from planner.scheduling.tasks import Job
from planner.solution import ScheduledOperation

StopCheck = Callable[[], bool]
"""Asked during the search; True stops it (a cancelled StreamPlan)."""
HintMap = dict[tuple[str, int], tuple[str, int]]
"""(order id, operation index) -> (machine id, start), as `planner.scheduling.model.Hint`."""

# Share of the time limit the local search takes before CP-SAT starts, with a cap in seconds. On 36
# published job-shops (10 s, 2 workers) it reached the best-known makespan of most 10x10 and 15x10 ones,
# and the 20x10/15x15/20x15 ones came out well ahead of CP-SAT alone; at 0.5 and 0.7 the results were
# alike, and CP-SAT keeps half the time to prove or improve (session 8). Since the search also moves
# operations between the machines they may use, flexible models get the same share: on Brandimarte
# mk01-mk15 (10 s) the mean gap to the best known fell from 1.61 % with 12 % of the time (and none below
# 200 operations) to 0.47 % (docs/SCHEDULING-BENCHMARKS.md, session 9). Measured without machine breaks;
# with breaks the same policy applies, unmeasured.
SEARCH_SHARE = 0.5
SEARCH_MAX_SECONDS = 60.0
# ... and at most this long per operation, so that a small model CP-SAT proves in milliseconds is not held
# up by the search (a 5x4 job-shop with a 10 s limit took 5 s): 0.5 s for 20 operations, 2.5 s for a
# 10x10 job-shop, the whole half of 10 s from 200 operations on.
SEARCH_SECONDS_PER_OPERATION = 0.025
# On small job-shops (`planner.scheduling.model.UNBOUNDED_MAX_OPERATIONS`, one machine per operation) the search ends
# when no thread has found a new best for this share of its time, and CP-SAT gets the rest: on la22 the search
# stayed at its start (932, from the plain model) for its whole 3.75 s, and CP-SAT, left 5 s, then found neither 927
# nor 930, where the textbook model proves 927 in 2.5-4.4 s (session 18; traces of 8 instances: the searches that
# gain keep gaining within 1.3 s, la27's after a stall of 3.7 s).
STALL_STOP_SHARE = 0.5
# Iterations per kernel call at most (about 20 ms of them are asked for; a call that returns at once must not grow it
# without end).
MAX_CHUNK = 1 << 24
# Tabu tenure (iterations a swapped pair may not be swapped back): the usual 8-12 of JSSP tabu search.
TABU_TENURE = (8, 12)
# CP-SAT subsolvers left out for makespan objectives (feasibility jump, feasibility pump, LP-based RINS).
IDLE_SUBSOLVERS_FOR_MAKESPAN = ("ls", "feasibility_pump", "rins/rens")
# Iterations without a new best before a kick, and the number of random swaps in a kick. The search runs
# about 340,000 iterations a second per thread on la27 (20x10; the earlier pure-Python one 2,200). 3000 did
# better than 300 and 1000 and about as well as 10,000 on la27, la29, la36, la38 and abz8 (3 s each); 150,
# the Python search's, was worse on la27, la29 and abz7.
STALL_LIMIT = 3000
PERTURBATION_SWAPS = (2, 5)


def configure_solver(options: PlanOptions, time_limit: float) -> cp_model.CpSolver:
    """A CP-SAT solver with the request's workers, seed and time, plus the strategy for its objective."""
    solver = cp_model.CpSolver()
    parameters = solver.parameters
    parameters.max_time_in_seconds = max(time_limit, 0.01)
    # CP-SAT's defaults assume 8+ workers; the service sets this deliberately from its settings.
    parameters.num_workers = options.num_workers
    parameters.random_seed = options.random_seed
    if options.objective == Objective.MAKESPAN:
        # With 2 workers CP-SAT runs one full search and interleaves ~13 incomplete subsolvers on the
        # other thread. These three do little on a makespan model that starts from a complete hint
        # (its LP relaxation is nearly empty); dropping them gives the scheduling LNS more turns.
        # Measured on 12 hard job-shops, 10 s, 2 workers: mean gap 3.37% -> 3.06% (see
        # docs/SCHEDULING-BENCHMARKS.md).
        parameters.ignore_subsolvers.extend(IDLE_SUBSOLVERS_FOR_MAKESPAN)
    return solver


def makespan_lower_bound(jobs: list[Job]) -> int:
    """Redundant: no plan ends before its longest job (from release), its busiest dedicated machine,
    or the whole shortest-machine work spread evenly over all machines used."""
    longest_job = max((max(j.order.release, 0) + j.min_work for j in jobs), default=0)
    dedicated: dict[str, int] = {}
    machines: set[str] = set()
    for job in jobs:
        for task in job.tasks:
            machines.update(a.machine_id for a in task.alternatives if a.machine_id != NO_MACHINE)
            if len(task.alternatives) == 1 and task.recipe is None:  # lots in one batch load share its time
                only = task.alternatives[0]
                dedicated[only.machine_id] = dedicated.get(only.machine_id, 0) + only.duration
    dedicated.pop(NO_MACHINE, None)  # manual work runs side by side, on no machine
    total = sum(t.shortest for j in jobs for t in j.tasks
                if t.recipe is None and all(a.machine_id != NO_MACHINE for a in t.alternatives))
    spread = math.ceil(total / len(machines)) if machines else 0
    return max(longest_job, max(dedicated.values(), default=0), spread)


@dataclass
class _Sequencing:
    """The hint as a graph: operations 0..n-1 with their job predecessor, machine and duration."""

    keys: list[tuple[str, int]]
    machine: list[str]
    duration: list[int]
    job_pred: list[int]
    job_next: list[int]
    release: list[int]
    windows: dict[str, list[Interval]]
    window_starts: dict[str, list[int]]
    sequences: dict[str, list[int]]
    alternatives: list[list[tuple[str, int]]]  # (machine, duration) of every machine the operation may use


def _sequencing(jobs: list[Job], available: dict[str, list[Interval]], hint: HintMap) -> _Sequencing | None:
    """The hint's machine choices and orders; None when it misses an operation or names a bad machine."""
    keys: list[tuple[str, int]] = []
    machine: list[str] = []
    duration: list[int] = []
    job_pred: list[int] = []
    release: list[int] = []
    starts: list[int] = []
    alternatives: list[list[tuple[str, int]]] = []
    for job in jobs:
        for position, task in enumerate(job.tasks):
            placed = hint.get((task.order_id, task.index))
            alternative = task.alternative(placed[0]) if placed else None
            if placed is None or alternative is None or placed[0] not in available:
                return None
            job_pred.append(len(keys) - 1 if position else -1)
            keys.append((task.order_id, task.index))
            machine.append(placed[0])
            duration.append(alternative.duration)
            release.append(max(job.order.release, 0) if position == 0 else 0)
            starts.append(placed[1])
            alternatives.append([(a.machine_id, a.duration) for a in task.alternatives if a.machine_id in available])
    sequences: dict[str, list[int]] = {m: [] for m in available}
    for op in sorted(range(len(keys)), key=lambda o: (starts[o], duration[o] > 0, o)):
        sequences[machine[op]].append(op)
    window_starts = {m: [s for s, _ in w] for m, w in available.items()}
    job_next = [-1] * len(keys)
    for op, pred in enumerate(job_pred):
        if pred >= 0:
            job_next[pred] = op
    return _Sequencing(keys, machine, duration, job_pred, job_next, release, available, window_starts, sequences,
                       alternatives)


def _fit(graph: _Sequencing, machine: str, earliest: int, duration: int) -> int | None:
    """The earliest start >= earliest at which the operation fits in one working stretch."""
    windows = graph.windows[machine]
    index = max(bisect_right(graph.window_starts[machine], earliest) - 1, 0)
    for start, end in windows[index:]:
        begin = max(start, earliest)
        if begin + duration <= end:
            return begin
    return None


def decode(graph: _Sequencing) -> list[int] | None:
    """Semi-active start times of the sequences; None when they are cyclic or do not fit the horizon."""
    count = len(graph.keys)
    machine_pred = [-1] * count
    successors: list[list[int]] = [[] for _ in range(count)]
    indegree = [0] * count
    for sequence in graph.sequences.values():
        for before, after in itertools.pairwise(sequence):
            machine_pred[after] = before
            successors[before].append(after)
            indegree[after] += 1
    for op, pred in enumerate(graph.job_pred):
        if pred >= 0:
            successors[pred].append(op)
            indegree[op] += 1
    starts = [0] * count
    ready = deque(op for op in range(count) if indegree[op] == 0)
    done = 0
    while ready:
        op = ready.popleft()
        done += 1
        earliest = graph.release[op]
        for pred in (graph.job_pred[op], machine_pred[op]):
            if pred >= 0:
                earliest = max(earliest, starts[pred] + graph.duration[pred])
        start = _fit(graph, graph.machine[op], earliest, graph.duration[op])
        if start is None:
            return None
        starts[op] = start
        for successor in successors[op]:
            indegree[successor] -= 1
            if indegree[successor] == 0:
                ready.append(successor)
    return starts if done == count else None


def _makespan(graph: _Sequencing, starts: list[int]) -> int:
    return max((s + d for s, d in zip(starts, graph.duration, strict=True)), default=0)


@dataclass
class KernelInput:
    """The graph as `planner.scheduling.tabu_kernel` takes it: per-operation arrays, machine windows and the
    alternatives (`operations`, in the kernel's argument order; its first and fifth arrays, duration and
    machine, change during a search, so each search takes copies), machine orders padded with -1 to one
    place per operation, and their lengths."""

    machines: list[str]
    operations: tuple[np.ndarray, ...]
    sequences: np.ndarray
    lengths: np.ndarray

    def positions(self) -> np.ndarray:
        position = np.zeros(len(self.operations[0]), dtype=np.int64)
        for row, length in zip(self.sequences, self.lengths, strict=True):
            position[row[:length]] = np.arange(length)
        return position

    def own_operations(self) -> tuple[np.ndarray, ...]:
        """The operation arrays with private copies of those the search changes (duration, machine)."""
        duration, job_prev, job_next, release, machine, *rest = self.operations
        return (duration.copy(), job_prev, job_next, release, machine.copy(), *rest)

    def orders(self, sequences: np.ndarray) -> dict[str, list[int]]:
        return {m: [int(op) for op in row[row >= 0]] for m, row in zip(self.machines, sequences, strict=True)}


def kernel_input(graph: _Sequencing) -> KernelInput:
    machines = list(graph.sequences)
    index = {m: k for k, m in enumerate(machines)}
    window_counts = np.array([len(graph.windows[m]) for m in machines], dtype=np.int64)
    windows = np.zeros((2, len(machines), max(int(window_counts.max(initial=0)), 1)), dtype=np.int64)
    for m in machines:
        for k, (begin, end) in enumerate(graph.windows[m]):
            windows[:, index[m], k] = begin, end
    count = len(graph.keys)
    sequences = np.full((len(machines), max(count, 1)), -1, dtype=np.int64)
    for m, sequence in graph.sequences.items():
        sequences[index[m], :len(sequence)] = sequence
    alt_start = np.zeros(count + 1, dtype=np.int64)
    alt_start[1:] = np.cumsum([len(options) for options in graph.alternatives])
    operations = (
        np.array(graph.duration, dtype=np.int64),
        np.array(graph.job_pred, dtype=np.int64),
        np.array(graph.job_next, dtype=np.int64),
        np.array(graph.release, dtype=np.int64),
        np.array([index[m] for m in graph.machine], dtype=np.int64),
        windows,
        window_counts,
        alt_start,
        np.array([index[m] for options in graph.alternatives for m, _ in options], dtype=np.int64),
        np.array([d for options in graph.alternatives for _, d in options], dtype=np.int64),
    )
    lengths = np.array([len(graph.sequences[m]) for m in machines], dtype=np.int64)
    return KernelInput(machines, operations, sequences, lengths)


def tabu_search(graph: _Sequencing, starts: list[int], deadline: float, seed: int, lower_bound: int,
                workers: int = 1, should_stop: StopCheck | None = None, stall_share: float | None = None) -> list[int]:
    """The iterated tabu search (`planner.scheduling.tabu_kernel`) run by `workers` threads from the same start with
    seeds seed, seed + 1, ..., every second thread also with insertions, until the deadline, the lower
    bound, `should_stop` (asked between calls of about 20 ms) or, with `stall_share`, until no thread has found a
    new best for that share of the time it was given (see STALL_STOP_SHARE). The best solution found (machine
    orders, and machine choices where operations have several) is decoded again here by `decode`; the start is
    kept when that decode fails or is not shorter."""
    given = kernel_input(graph)
    reached = threading.Event()
    search_began = time.perf_counter()
    stall = None if stall_share is None else stall_share * (deadline - search_began)
    best_so_far = [_makespan(graph, starts), search_began]  # across the threads: the best makespan, when found
    gained = threading.Lock()

    def run(worker: int) -> tuple[int, np.ndarray, np.ndarray]:
        operations = given.own_operations()
        own, best, position, lengths = given.sequences.copy(), given.sequences.copy(), given.positions(), \
            given.lengths.copy()
        assignment = np.stack([operations[4], operations[0]])
        state = np.zeros(tabu_kernel.STATE_SIZE, dtype=np.int64)
        state[tabu_kernel.SEED] = seed + worker
        # Workers 1, 3, ... search with N6-style insertions besides the swaps, workers 0, 2, ... with swaps
        # alone.
        # Insertions alone were no better than swaps alone on ten hard job-shops (ft10, la24, la25, la27, la29,
        # la38, la40, orb01, orb03, abz7; one thread, 3 seeds, 25 ms per operation: mean gap 0.75 % against
        # 0.69 %): they found la24's 935 and la27's 1235 more often, ft10's 930 and orb03's 1005 less often. One
        # thread of each, against two of swaps alone (2 threads, 3 seed pairs): 0.40 % against 0.56 %, la24
        # 935-941 against 938-944 (session 11).
        insertions = worker % 2 == 1
        ring = np.full((3, tabu_kernel.TABU_RING), -1, dtype=np.int64)
        chunk = 64
        while time.perf_counter() < deadline and not reached.is_set():
            began = time.perf_counter()
            tabu_kernel.search(*operations, own, lengths, position, best, assignment, state, ring, chunk,
                               lower_bound, STALL_LIMIT, *TABU_TENURE, *PERTURBATION_SWAPS, insertions)
            if state[tabu_kernel.BEST] <= lower_bound or (should_stop is not None and should_stop()):
                reached.set()
            now = time.perf_counter()
            with gained:
                if state[tabu_kernel.ITERATION] and state[tabu_kernel.BEST] < best_so_far[0]:
                    best_so_far[:] = [int(state[tabu_kernel.BEST]), now]
                if stall is not None and now - best_so_far[1] >= stall:
                    reached.set()
            # calls of about 20 ms: the deadline is kept to that, and the call overhead stays negligible
            took = time.perf_counter() - began
            chunk = int(min(max(chunk * 0.02 / max(took, 1e-6), 16), chunk * 4, MAX_CHUNK))
        makespan = int(state[tabu_kernel.BEST]) if state[tabu_kernel.ITERATION] else _makespan(graph, starts)
        return makespan, best, assignment

    with ThreadPoolExecutor(max(workers, 1)) as pool:
        found = list(pool.map(run, range(max(workers, 1))))
    _, best_sequences, assignment = min(found, key=lambda result: result[0])
    start_makespan = _makespan(graph, starts)
    original = graph.sequences, graph.machine, graph.duration
    graph.sequences = given.orders(best_sequences)
    graph.machine = [given.machines[int(m)] for m in assignment[0]]
    graph.duration = [int(d) for d in assignment[1]]
    decoded = decode(graph)
    if decoded is None or _makespan(graph, decoded) >= start_makespan:
        graph.sequences, graph.machine, graph.duration = original
        return starts
    return decoded


def improve_makespan_hint(
    options: PlanOptions, jobs: list[Job], available: dict[str, list[Interval]], hint: HintMap, budget: float,
    should_stop: StopCheck | None = None, stall_share: float | None = None,
) -> tuple[HintMap, int] | None:
    """A verified schedule no longer than the hint's (tabu-improved within `budget` seconds, or until
    `should_stop` says so, or until it stalls for `stall_share` of the budget) and its makespan; None when the hint
    is partial or its sequences cannot be decoded into a schedule."""
    deadline = time.perf_counter() + max(budget, 0.0)
    graph = _sequencing(jobs, available, hint)
    starts = decode(graph) if graph is not None else None
    if graph is None or starts is None:
        return None
    if options.objective == Objective.MAKESPAN and budget > 0:
        starts = tabu_search(graph, starts, deadline, options.random_seed, makespan_lower_bound(jobs),
                             options.num_workers, should_stop, stall_share)
    improved = {key: (graph.machine[op], starts[op]) for op, key in enumerate(graph.keys)}
    return improved, _makespan(graph, starts)


def local_search_budget(options: PlanOptions, operations: int) -> float:
    """Seconds of the time limit given to the local search: none for tardiness objectives, else half the
    limit, capped in seconds and per operation (see the constants)."""
    if options.objective != Objective.MAKESPAN:
        return 0.0
    return min(options.time_limit_seconds * SEARCH_SHARE, SEARCH_MAX_SECONDS,
               operations * SEARCH_SECONDS_PER_OPERATION)


def hint_assignments(jobs: list[Job], hint: HintMap) -> list[ScheduledOperation] | None:
    """A hint as scheduled operations, sorted by machine and start; None when it misses an operation
    or puts one on a machine that cannot run it (whether it is a valid schedule is the caller's check)."""
    placed = []
    for job in jobs:
        for task in job.tasks:
            machine_id, start = hint.get((task.order_id, task.index), ("", 0))
            alternative = task.alternative(machine_id)
            if alternative is None:
                return None
            placed.append(ScheduledOperation(
                order_id=task.order_id, product_id=task.product_id, operation_id=task.operation_id,
                operation_index=task.index, machine_id=alternative.machine_id, mode_id=alternative.mode_id, start=start,
                end=start + alternative.duration,
                quantity=task.quantity, setup_minutes=alternative.setup, processed_quantity=alternative.processed,
                expected_scrap=alternative.expected_scrap,
            ))
    return sorted(placed, key=lambda a: (a.machine_id, a.start))
