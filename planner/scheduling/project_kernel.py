"""The makespan search of `planner.scheduling.project_search`, compiled with numba.

A steady-state genetic algorithm over activity lists (Hartmann 1998) whose every child is decoded by the serial
schedule-generation scheme and then improved by forward-backward improvement (double justification, Valls, Ballestin
& Quintanilla 2005): right-justify every activity in the order of decreasing finish, then left-justify in the order of
increasing start of that schedule; the last schedule's start order becomes the child's list (Lamarckian). Two-point
crossover keeps both parents' relative orders, so every list stays precedence-feasible; a mutation swaps neighbours
that no arc links. Tournament of two for parents; a child replaces the worst individual when it is no worse.

Activities are numbered 0..n-1. `durations[j]`, `demands[j, k]` the units of resource k it holds for its whole run,
`capacity[k]` the resource's units (constant over time). Arcs (end-to-start with a minimum lag >= 0): the
predecessors of j are `pred_index[pred_start[j]:pred_start[j + 1]]` with `pred_lag` alike, the successors `succ_*`
alike. `rank[j]` is a topological rank (breaks ties when a schedule is sorted by start or finish, so that a
zero-length activity stays before its successors). `usage[t, k]` is the scratch resource profile, long enough for
any serial schedule (`horizon`: every duration and its largest outgoing lag added up).

`population[i]` is an activity list (precedence-feasible), `fitness[i]` its justified makespan. `state` carries the
search between calls (children made, the random seed, whether numba's generator is seeded) so that a search split
into several calls runs as one. The functions release the GIL.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from planner.scheduling.tabu_kernel import compiled

Ints = npt.NDArray[np.int64]

CHILDREN, SEED, SEEDED = range(3)
STATE_SIZE = 3
MUTATION_RATE = 0.05
"""Chance that a position's activity swaps with the next one (when no arc links them), per child."""


@compiled
def _place(j: int, earliest: int, durations: Ints, demands: Ints, capacity: Ints, usage: Ints) -> int:
    """The earliest start >= earliest at which activity j's demands fit for its whole run; holds them there."""
    duration = durations[j]
    resources = capacity.shape[0]
    t = earliest
    if duration > 0:
        probe = t
        while probe < t + duration:
            fits = True
            for k in range(resources):
                if usage[probe, k] + demands[j, k] > capacity[k]:
                    fits = False
                    break
            if fits:
                probe += 1
            else:
                t = probe + 1
                probe = t
        for tau in range(t, t + duration):
            for k in range(resources):
                usage[tau, k] += demands[j, k]
    return t


@compiled
def serial_schedule(order: Ints, durations: Ints, demands: Ints, capacity: Ints, arc_start: Ints, arc_index: Ints,
                    arc_lag: Ints, usage: Ints, start: Ints) -> int:
    """Serial schedule-generation scheme: each activity of `order` at its earliest precedence- and
    resource-feasible start (the arcs given are its predecessors'). Writes `start`; returns the makespan."""
    usage[:, :] = 0
    makespan = 0
    for j in order:
        earliest = 0
        for a in range(arc_start[j], arc_start[j + 1]):
            before = arc_index[a]
            earliest = max(earliest, start[before] + durations[before] + arc_lag[a])
        start[j] = _place(j, earliest, durations, demands, capacity, usage)
        makespan = max(makespan, start[j] + durations[j])
    return makespan


@compiled
def justify(order: Ints, durations: Ints, demands: Ints, capacity: Ints, pred_start: Ints, pred_index: Ints,
            pred_lag: Ints, succ_start: Ints, succ_index: Ints, succ_lag: Ints, rank: Ints, usage: Ints,
            start: Ints, mirrored: Ints) -> int:
    """Decode `order`, then forward-backward improvement until the makespan stops falling. Writes the final
    schedule into `start` and its start order (ties by `rank`) into `order`; returns its makespan."""
    n = durations.shape[0]
    makespan = serial_schedule(order, durations, demands, capacity, pred_start, pred_index, pred_lag, usage, start)
    scale = n + 1
    while True:
        # right-justify: the mirrored problem (successors as predecessors) in the order of decreasing finish
        keys = np.empty(n, np.int64)
        for j in range(n):
            keys[j] = -((start[j] + durations[j]) * scale + rank[j])
        backward = np.argsort(keys)
        span = serial_schedule(backward, durations, demands, capacity, succ_start, succ_index, succ_lag, usage,
                               mirrored)
        # left-justify in the order of increasing start of the right-justified schedule
        for j in range(n):
            keys[j] = (span - mirrored[j] - durations[j]) * scale + rank[j]
        forward = np.argsort(keys)
        improved = serial_schedule(forward, durations, demands, capacity, pred_start, pred_index, pred_lag, usage,
                                   start)
        order[:] = forward
        if improved >= makespan:  # never above: each pass keeps the previous schedule's span or shortens it
            return improved
        makespan = improved


@compiled
def _linked(first: int, second: int, pred_start: Ints, pred_index: Ints) -> bool:
    for a in range(pred_start[second], pred_start[second + 1]):  # noqa: SIM110 (numba compiles no any() of a generator)
        if pred_index[a] == first:
            return True
    return False


@compiled
def _crossover(mother: Ints, father: Ints, child: Ints, taken: Ints) -> None:
    """Two-point crossover: the mother's first q1 activities, then the father's next ones in his order up to q2,
    then the rest in the mother's order. Both parents precedence-feasible: so is the child."""
    n = mother.shape[0]
    q1 = np.random.randint(0, n + 1)
    q2 = np.random.randint(q1, n + 1)
    taken[:] = 0
    place = 0
    for i in range(q1):
        child[place] = mother[i]
        taken[mother[i]] = 1
        place += 1
    for i in range(n):
        if place >= q2:
            break
        if taken[father[i]] == 0:
            child[place] = father[i]
            taken[father[i]] = 1
            place += 1
    for i in range(n):
        if taken[mother[i]] == 0:
            child[place] = mother[i]
            taken[mother[i]] = 1
            place += 1


@compiled
def _duplicate(child: Ints, makespan: int, population: Ints, fitness: Ints) -> bool:
    """Whether the population holds this list already (clones would take it over within a few hundred children)."""
    for i in range(population.shape[0]):
        if fitness[i] == makespan:
            same = True
            for p in range(child.shape[0]):
                if population[i, p] != child[p]:
                    same = False
                    break
            if same:
                return True
    return False


@compiled
def _tournament(fitness: Ints) -> int:
    first = np.random.randint(0, fitness.shape[0])
    second = np.random.randint(0, fitness.shape[0])
    return first if fitness[first] <= fitness[second] else second


@compiled
def first_generation(durations: Ints, demands: Ints, capacity: Ints, pred_start: Ints, pred_index: Ints,
                     pred_lag: Ints, succ_start: Ints, succ_index: Ints, succ_lag: Ints, rank: Ints, usage: Ints,
                     population: Ints, fitness: Ints, best_start: Ints) -> int:
    """Justify every list of the population (each becomes its schedule's start order); returns the best makespan,
    whose schedule is in `best_start`."""
    n = durations.shape[0]
    start = np.empty(n, np.int64)
    mirrored = np.empty(n, np.int64)
    best = -1
    for i in range(population.shape[0]):
        fitness[i] = justify(population[i], durations, demands, capacity, pred_start, pred_index, pred_lag,
                             succ_start, succ_index, succ_lag, rank, usage, start, mirrored)
        if best < 0 or fitness[i] < best:
            best = fitness[i]
            best_start[:] = start
    return best


@compiled
def evolve(durations: Ints, demands: Ints, capacity: Ints, pred_start: Ints, pred_index: Ints, pred_lag: Ints,
           succ_start: Ints, succ_index: Ints, succ_lag: Ints, rank: Ints, usage: Ints, population: Ints,
           fitness: Ints, best_start: Ints, state: Ints, children: int, lower_bound: int) -> int:
    """Make up to `children` children (fewer when one reaches `lower_bound`); returns the best makespan, whose
    schedule is in `best_start` (kept from earlier calls unless a child beats it)."""
    if state[SEEDED] == 0:
        np.random.seed(state[SEED])
        state[SEEDED] = 1
    n = durations.shape[0]
    child = np.empty(n, np.int64)
    taken = np.empty(n, np.int64)
    start = np.empty(n, np.int64)
    mirrored = np.empty(n, np.int64)
    best = fitness.min()
    for _ in range(children):
        if best <= lower_bound:
            break
        _crossover(population[_tournament(fitness)], population[_tournament(fitness)], child, taken)
        for i in range(n - 1):
            if np.random.random() < MUTATION_RATE and not _linked(child[i], child[i + 1], pred_start, pred_index):
                child[i], child[i + 1] = child[i + 1], child[i]
        makespan = justify(child, durations, demands, capacity, pred_start, pred_index, pred_lag, succ_start,
                           succ_index, succ_lag, rank, usage, start, mirrored)
        state[CHILDREN] += 1
        worst = np.argmax(fitness)
        if makespan <= fitness[worst] and not _duplicate(child, makespan, population, fitness):
            population[worst] = child
            fitness[worst] = makespan
        if makespan < best:
            best = makespan
            best_start[:] = start
    return best
