"""Solve strategy for the CP-SAT scheduler: solver parameters, and a makespan local search that turns
a dispatching hint into a better, verified one whose makespan bounds every domain of the model.

The local search works on machine sequences (which operation follows which on each machine; the
machine choice of each operation stays as in the hint). A sequence is decoded into its
semi-active schedule: in precedence order, every operation starts at the earliest moment after its
routing predecessor, its machine predecessor and its release at which it fits into one working
stretch of its machine. A decoded schedule therefore keeps routings, releases, calendars,
maintenance windows and the horizon by construction, which makes its makespan a safe upper bound
for the exact model as long as the model has no other rules (the scheduler checks that).

The search itself is compiled (`planner.tabu_kernel`: N5 critical-block swaps ranked by Taillard's
head/tail estimate, tabu tenure, random kicks from the best sequences after a stall), one per CP-SAT
worker on its own thread; the best sequences it finds are decoded again here by `decode`.
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

from planner import tabu_kernel
from planner.calendar import Interval
from planner.domain import Objective, PlanOptions
from planner.solution import ScheduledOperation
from planner.tasks import Job

StopCheck = Callable[[], bool]
"""Asked during the search; True stops it (a cancelled StreamPlan)."""
HintMap = dict[tuple[str, int], tuple[str, int]]
"""(order id, operation index) -> (machine id, start), as `planner.scheduling.Hint`."""

# Share of the time limit the local search may take before CP-SAT starts, and its cap in seconds, when
# the model lets operations choose between machines (the search keeps the hint's machine choices, so
# CP-SAT's time is worth more there) ...
LOCAL_SEARCH_SHARE = 0.12
LOCAL_SEARCH_MAX_SECONDS = 3.0
# ... and below this many operations such models give it no time (the hint is the decoded dispatching
# schedule): measured on a quiet 2-core machine, 10 s, seeds 0-2, with the search in Python (session 6):
# on Brandimarte equal or better without it up to 150 operations, worse without it from 200 operations
# on (docs/SCHEDULING-BENCHMARKS.md).
LOCAL_SEARCH_MIN_OPERATIONS = 200
# A model where every operation has one machine (a job-shop) gives the search half the time limit (at most
# a minute, and see the cap per operation below): on 36 published job-shops (10 s, 2 workers) it reached
# the best-known makespan of most 10x10 and 15x10 ones, and the 20x10/15x15/20x15 ones came out well ahead
# of CP-SAT alone; at 0.5 and 0.7 the results were alike, and CP-SAT keeps half the time to prove or
# improve (docs/SCHEDULING-BENCHMARKS.md, session 8). On Brandimarte's flexible instances half the time
# made it worse than 0.12. Measured without machine breaks; with breaks the same policy applies, unmeasured.
JOB_SHOP_SEARCH_SHARE = 0.5
JOB_SHOP_SEARCH_MAX_SECONDS = 60.0
# ... and at most this long per operation, so that a small model CP-SAT proves in milliseconds is not held
# up by the search (a 5x4 job-shop with a 10 s limit took 5 s): 0.5 s for 20 operations, 2.5 s for a
# 10x10 job-shop, the whole half of 10 s from 200 operations on.
JOB_SHOP_SECONDS_PER_OPERATION = 0.025
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
            machines.update(a.machine_id for a in task.alternatives)
            if len(task.alternatives) == 1:
                only = task.alternatives[0]
                dedicated[only.machine_id] = dedicated.get(only.machine_id, 0) + only.duration
    total = sum(t.shortest for j in jobs for t in j.tasks)
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


def _sequencing(jobs: list[Job], available: dict[str, list[Interval]], hint: HintMap) -> _Sequencing | None:
    """The hint's machine choices and orders; None when it misses an operation or names a bad machine."""
    keys: list[tuple[str, int]] = []
    machine: list[str] = []
    duration: list[int] = []
    job_pred: list[int] = []
    release: list[int] = []
    starts: list[int] = []
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
    sequences: dict[str, list[int]] = {m: [] for m in available}
    for op in sorted(range(len(keys)), key=lambda o: (starts[o], duration[o] > 0, o)):
        sequences[machine[op]].append(op)
    window_starts = {m: [s for s, _ in w] for m, w in available.items()}
    job_next = [-1] * len(keys)
    for op, pred in enumerate(job_pred):
        if pred >= 0:
            job_next[pred] = op
    return _Sequencing(keys, machine, duration, job_pred, job_next, release, available, window_starts, sequences)


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
    """The graph as `planner.tabu_kernel` takes it: per-operation arrays and machine windows
    (`operations`, in the kernel's argument order), machine orders padded with -1 and their lengths."""

    machines: list[str]
    operations: tuple[np.ndarray, ...]
    sequences: np.ndarray
    lengths: np.ndarray

    def positions(self) -> np.ndarray:
        position = np.zeros(len(self.operations[0]), dtype=np.int64)
        for row, length in zip(self.sequences, self.lengths, strict=True):
            position[row[:length]] = np.arange(length)
        return position

    def orders(self, sequences: np.ndarray) -> dict[str, list[int]]:
        return {m: [int(op) for op in sequences[k, :self.lengths[k]]] for k, m in enumerate(self.machines)}


def kernel_input(graph: _Sequencing) -> KernelInput:
    machines = list(graph.sequences)
    index = {m: k for k, m in enumerate(machines)}
    window_counts = np.array([len(graph.windows[m]) for m in machines], dtype=np.int64)
    windows = np.zeros((2, len(machines), max(int(window_counts.max(initial=0)), 1)), dtype=np.int64)
    for m in machines:
        for k, (begin, end) in enumerate(graph.windows[m]):
            windows[:, index[m], k] = begin, end
    width = max((len(s) for s in graph.sequences.values()), default=0)
    sequences = np.full((len(machines), max(width, 1)), -1, dtype=np.int64)
    for m, sequence in graph.sequences.items():
        sequences[index[m], :len(sequence)] = sequence
    operations = (
        np.array(graph.duration, dtype=np.int64),
        np.array(graph.job_pred, dtype=np.int64),
        np.array(graph.job_next, dtype=np.int64),
        np.array(graph.release, dtype=np.int64),
        np.array([index[m] for m in graph.machine], dtype=np.int64),
        windows,
        window_counts,
    )
    lengths = np.array([len(graph.sequences[m]) for m in machines], dtype=np.int64)
    return KernelInput(machines, operations, sequences, lengths)


def tabu_search(graph: _Sequencing, starts: list[int], deadline: float, seed: int, lower_bound: int,
                workers: int = 1, should_stop: StopCheck | None = None) -> list[int]:
    """The iterated tabu search (`planner.tabu_kernel`) run by `workers` threads from the same start with
    seeds seed, seed + 1, ... until the deadline, the lower bound or `should_stop` (asked between calls
    of about 20 ms). The best sequences found are decoded again here by `decode`; the start is kept
    when that decode fails or is not shorter."""
    given = kernel_input(graph)
    reached = threading.Event()

    def run(worker_seed: int) -> tuple[int, np.ndarray]:
        own, best, position = given.sequences.copy(), given.sequences.copy(), given.positions()
        state = np.zeros(tabu_kernel.STATE_SIZE, dtype=np.int64)
        state[tabu_kernel.SEED] = worker_seed
        ring = np.full((3, tabu_kernel.TABU_RING), -1, dtype=np.int64)
        chunk = 64
        while time.perf_counter() < deadline and not reached.is_set():
            began = time.perf_counter()
            tabu_kernel.search(*given.operations, own, given.lengths, position, best, state, ring, chunk, lower_bound,
                               STALL_LIMIT, *TABU_TENURE, *PERTURBATION_SWAPS)
            if state[tabu_kernel.BEST] <= lower_bound or (should_stop is not None and should_stop()):
                reached.set()
            # calls of about 20 ms: the deadline is kept to that, and the call overhead stays negligible
            took = time.perf_counter() - began
            chunk = int(min(max(chunk * 0.02 / max(took, 1e-6), 16), chunk * 4))
        return int(state[tabu_kernel.BEST]) if state[tabu_kernel.ITERATION] else _makespan(graph, starts), best

    with ThreadPoolExecutor(max(workers, 1)) as pool:
        found = list(pool.map(run, range(seed, seed + max(workers, 1))))
    _, best_sequences = min(found, key=lambda result: result[0])
    original = graph.sequences
    graph.sequences = given.orders(best_sequences)
    decoded = decode(graph)
    if decoded is None or _makespan(graph, decoded) >= _makespan(graph, starts):
        graph.sequences = original
        return starts
    return decoded


def improve_makespan_hint(
    options: PlanOptions, jobs: list[Job], available: dict[str, list[Interval]], hint: HintMap, budget: float,
    should_stop: StopCheck | None = None,
) -> tuple[HintMap, int] | None:
    """A verified schedule no longer than the hint's (tabu-improved within `budget` seconds, or until
    `should_stop` says so) and its makespan; None when the hint is partial or its sequences cannot be
    decoded into a schedule."""
    deadline = time.perf_counter() + max(budget, 0.0)
    graph = _sequencing(jobs, available, hint)
    starts = decode(graph) if graph is not None else None
    if graph is None or starts is None:
        return None
    if options.objective == Objective.MAKESPAN and budget > 0:
        starts = tabu_search(graph, starts, deadline, options.random_seed, makespan_lower_bound(jobs),
                             options.num_workers, should_stop)
    improved = {key: (graph.machine[op], starts[op]) for op, key in enumerate(graph.keys)}
    return improved, _makespan(graph, starts)


def local_search_budget(options: PlanOptions, operations: int, flexible: bool = True) -> float:
    """Seconds of the time limit given to the local search: none for tardiness objectives; half the limit
    on a model where every operation has one machine (`flexible` False); else a small share, and nothing
    for small models (see the constants)."""
    if options.objective != Objective.MAKESPAN:
        return 0.0
    if not flexible:
        return min(options.time_limit_seconds * JOB_SHOP_SEARCH_SHARE, JOB_SHOP_SEARCH_MAX_SECONDS,
                   operations * JOB_SHOP_SECONDS_PER_OPERATION)
    if operations < LOCAL_SEARCH_MIN_OPERATIONS:
        return 0.0
    return min(options.time_limit_seconds * LOCAL_SEARCH_SHARE, LOCAL_SEARCH_MAX_SECONDS)


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
                operation_index=task.index, machine_id=machine_id, start=start, end=start + alternative.duration,
                quantity=task.quantity, setup_minutes=alternative.setup, processed_quantity=alternative.processed,
                expected_scrap=alternative.expected_scrap,
            ))
    return sorted(placed, key=lambda a: (a.machine_id, a.start))
