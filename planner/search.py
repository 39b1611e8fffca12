"""Solve strategy for the CP-SAT scheduler: solver parameters, and a makespan local search that turns
a dispatching hint into a better, verified one whose makespan bounds every domain of the model.

The local search works on machine sequences (which operation follows which on each machine; the
machine choice of each operation stays as in the hint). A sequence is decoded into its
semi-active schedule: in precedence order, every operation starts at the earliest moment after its
routing predecessor, its machine predecessor and its release at which it fits into one working
stretch of its machine. A decoded schedule is therefore feasible by construction, calendars and
maintenance included, which is what makes its makespan a safe upper bound for the exact model.

Moves are the classic critical-block swaps of job-shop tabu search (Nowicki & Smutnicki's N5
neighbourhood): on a critical path (a chain of operations, each starting exactly when its
predecessor ends, up to the makespan), swap the first two or the last two operations of each
block of consecutive operations on one machine. Only such swaps can shorten that path.
"""

from __future__ import annotations

import itertools
import math
import random
import time
from bisect import bisect_right
from collections import deque
from dataclasses import dataclass

from ortools.sat.python import cp_model

from planner.calendar import Interval
from planner.domain import Objective, PlanOptions
from planner.tasks import Job

HintMap = dict[tuple[str, int], tuple[str, int]]
"""(order id, operation index) -> (machine id, start), as `planner.scheduling.Hint`."""

# Share of the time limit the local search may take before CP-SAT starts, and its cap in seconds:
# the first seconds are where a good start helps CP-SAT's LNS most; beyond that CP-SAT improves faster.
LOCAL_SEARCH_SHARE = 0.12
LOCAL_SEARCH_MAX_SECONDS = 3.0
# Tabu tenure (iterations a swapped pair may not be swapped back): the usual 8-12 of JSSP tabu search.
TABU_TENURE = (8, 12)
# Iterations without a new best before a kick, and the number of random swaps in a kick.
STALL_LIMIT = 150
PERTURBATION_SWAPS = (2, 5)


def configure_solver(options: PlanOptions, time_limit: float) -> cp_model.CpSolver:
    """A CP-SAT solver with the request's workers, seed and time, plus the strategy for its objective."""
    solver = cp_model.CpSolver()
    parameters = solver.parameters
    parameters.max_time_in_seconds = max(time_limit, 0.01)
    # CP-SAT's defaults assume 8+ workers; the service sets this deliberately from its settings.
    parameters.num_workers = options.num_workers
    parameters.random_seed = options.random_seed
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
    return _Sequencing(keys, machine, duration, job_pred, release, available, window_starts, sequences)


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


def _critical_blocks(graph: _Sequencing, starts: list[int]) -> list[list[int]]:
    """Blocks (runs of one machine) along one critical path, in time order."""
    ends = [s + d for s, d in zip(starts, graph.duration, strict=True)]
    machine_pred = {after: before for seq in graph.sequences.values() for before, after in itertools.pairwise(seq)}
    op = max(range(len(ends)), key=ends.__getitem__)
    path = [op]
    while True:
        tight_machine = machine_pred.get(op, -1)
        tight_job = graph.job_pred[op]
        if tight_machine >= 0 and ends[tight_machine] == starts[op]:
            op = tight_machine
        elif tight_job >= 0 and ends[tight_job] == starts[op]:
            op = tight_job
        else:
            break
        path.append(op)
    path.reverse()
    blocks: list[list[int]] = []
    for previous, current in zip([-1, *path], path, strict=False):
        if blocks and machine_pred.get(current) == previous:
            blocks[-1].append(current)
        else:
            blocks.append([current])
    return [b for b in blocks if len(b) > 1]


def _moves(blocks: list[list[int]]) -> list[tuple[int, int]]:
    """N5 swaps: first two and last two operations of each block (one swap for a block of two)."""
    moves = set()
    for block in blocks:
        moves.add((block[0], block[1]))
        moves.add((block[-2], block[-1]))
    return sorted(moves)


def _swap(graph: _Sequencing, first: int, second: int) -> None:
    sequence = graph.sequences[graph.machine[first]]
    i, j = sequence.index(first), sequence.index(second)
    sequence[i], sequence[j] = sequence[j], sequence[i]


def _best_neighbour(
    graph: _Sequencing, starts: list[int], tabu: dict[tuple[int, int], int], iteration: int, best: int
) -> tuple[int, int, list[int]] | None:
    """The best non-tabu swap (a tabu one only if it beats the best so far), applied and kept."""
    chosen: tuple[int, int, int, list[int]] | None = None
    for first, second in _moves(_critical_blocks(graph, starts)):
        _swap(graph, first, second)
        candidate = decode(graph)
        _swap(graph, first, second)
        if candidate is None:
            continue
        value = _makespan(graph, candidate)
        allowed = tabu.get((second, first), -1) < iteration or value < best
        if allowed and (chosen is None or value < chosen[0]):
            chosen = (value, first, second, candidate)
    if chosen is None:
        return None
    value, first, second, candidate = chosen
    _swap(graph, first, second)
    return first, second, candidate


def _perturb(graph: _Sequencing, starts: list[int], rng: random.Random) -> list[int]:
    """A kick out of a plateau: a few random swaps of adjacent critical operations, kept when acyclic."""
    for _ in range(rng.randint(*PERTURBATION_SWAPS)):
        blocks = _critical_blocks(graph, starts)
        if not blocks:
            break
        block = rng.choice(blocks)
        position = rng.randrange(len(block) - 1)
        _swap(graph, block[position], block[position + 1])
        decoded = decode(graph)
        if decoded is None:
            _swap(graph, block[position], block[position + 1])
        else:
            starts = decoded
    return starts


def tabu_search(graph: _Sequencing, starts: list[int], deadline: float, seed: int, lower_bound: int) -> list[int]:
    """Iterated tabu search over N5 swaps until the deadline or the lower bound: after `STALL_LIMIT`
    iterations without a new best, restart from the best sequences with a random kick."""
    rng = random.Random(seed)
    best_starts, best = starts, _makespan(graph, starts)
    best_sequences = {m: list(s) for m, s in graph.sequences.items()}
    tabu: dict[tuple[int, int], int] = {}
    iteration = stall = 0
    while best > lower_bound and time.perf_counter() < deadline:
        iteration += 1
        step = _best_neighbour(graph, starts, tabu, iteration, best) if stall < STALL_LIMIT else None
        if step is None:
            graph.sequences = {m: list(s) for m, s in best_sequences.items()}
            starts, stall = _perturb(graph, best_starts, rng), 0
            tabu.clear()
            continue
        first, second, starts = step
        tabu[(first, second)] = iteration + rng.randint(*TABU_TENURE)
        stall += 1
        if (value := _makespan(graph, starts)) < best:
            best, best_starts, stall = value, starts, 0
            best_sequences = {m: list(s) for m, s in graph.sequences.items()}
    graph.sequences = best_sequences
    return best_starts


def improve_makespan_hint(
    options: PlanOptions, jobs: list[Job], available: dict[str, list[Interval]], hint: HintMap, budget: float
) -> tuple[HintMap, int] | None:
    """A verified schedule no longer than the hint's (tabu-improved within `budget` seconds) and its
    makespan; None when the hint is partial or its sequences cannot be decoded into a schedule."""
    deadline = time.perf_counter() + max(budget, 0.0)
    graph = _sequencing(jobs, available, hint)
    starts = decode(graph) if graph is not None else None
    if graph is None or starts is None:
        return None
    if options.objective == Objective.MAKESPAN and budget > 0:
        starts = tabu_search(graph, starts, deadline, options.random_seed, makespan_lower_bound(jobs))
    improved = {key: (graph.machine[op], starts[op]) for op, key in enumerate(graph.keys)}
    return improved, _makespan(graph, starts)


def local_search_budget(options: PlanOptions) -> float:
    """Seconds of the time limit given to the local search (none for tardiness objectives)."""
    if options.objective != Objective.MAKESPAN:
        return 0.0
    return min(options.time_limit_seconds * LOCAL_SEARCH_SHARE, LOCAL_SEARCH_MAX_SECONDS)
