"""The weighted-tardiness local search of `planner.scheduling.tardiness_search`, compiled with numba.

A solution is a machine choice and an order of operations on every machine; its schedule is the semi-active one
(each operation at the earliest moment after its job predecessor's end plus its minimum lag, its machine
predecessor's end and its release at which it fits whole into one working stretch of its machine). Each
iteration draws a late job (costlier ones by a two-way tournament) and, walking its operations, one that waits
for its machine (it would start earlier without the operation before it there), then tries one move:

- `EARLIER`: the operation jumps ahead of some of the operations in its way on its machine;
- `PUSH_BACK`: one of the operations in its way goes behind it;
- `REASSIGN`: it moves to another machine it may use, into the place its ready time falls in there.

A move is re-timed incrementally: only the operations whose predecessors changed are recomputed, and what they
move is propagated along job and machine arcs (label-correcting, a heap ordered by start time, so most
operations are computed once); the cost changes only through the ends of the jobs' last operations (tardiness)
and the machine choice (scrap and risk penalty per alternative). The move is kept by late acceptance (Burke &
Bykov): when the cost does not rise, or is no higher than it was `len(history)` tried moves ago; it is undone
otherwise. The best solution seen is kept aside (its machines, choices and places, copied whenever the cost
reaches a new low) and put back by `restore_best`. A move that could close a cycle is not made: an operation put
ahead of others on a machine must not have a job predecessor that starts at or after the first of them, and one
put behind others must not have a job successor that starts at or before the last of them (along any path,
starts do not decrease); a propagation that still runs past `pop_limit` recomputations is undone as a backstop.

Operations are numbered 0..n-1, each job's operations consecutive (`job_first[j]` to `job_first[j + 1]`,
the last one ends the job). `sequences[m, :lengths[m]]` is machine m's order (rows padded with -1 to one place
per operation), `position[op]` the operation's place in it, `machine[op]` / `duration[op]` / `choice[op]` its
current machine, duration there and alternative (`alt_machine[alt_start[op] + k]`, `alt_duration`, `alt_cost`
the scrap and risk cost of running it there). `windows[0, m, :window_counts[m]]` and `windows[1, m, ...]` are
the starts and ends of machine m's working stretches. `state` carries the random seed (first call only) and
counters between calls; `cost[0]` is the current cost, `cost[1]` the best. The functions release the GIL.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from planner.scheduling.tabu_kernel import compiled, fit_in_stretch

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]

ITERATION, ACCEPTED, IMPROVED, SEEDED, SEED, RECOMPUTED, TRIED = range(7)
STATE_SIZE = 7
EARLIER, PUSH_BACK, REASSIGN = range(3)
WAY_LIMIT = 64
"""Operations in the way (ahead on the machine, ending after the waiting one could start) looked at, at most."""


@compiled
def decode(duration: Ints, job_prev: Ints, job_next: Ints, release: Ints, min_lag: Ints, machine: Ints,
           windows: Ints, window_counts: Ints, sequences: Ints, lengths: Ints, start: Ints) -> bool:
    """The semi-active schedule of the sequences into `start`, in topological order; False on a cycle or
    when an operation fits nowhere."""
    count = duration.shape[0]
    machine_prev = np.full(count, -1, np.int64)
    machine_next = np.full(count, -1, np.int64)
    for m in range(sequences.shape[0]):
        for k in range(1, lengths[m]):
            machine_prev[sequences[m, k]] = sequences[m, k - 1]
            machine_next[sequences[m, k - 1]] = sequences[m, k]
    indegree = np.zeros(count, np.int64)
    order = np.empty(count, np.int64)
    queued = 0
    for op in range(count):
        indegree[op] = (job_prev[op] >= 0) + (machine_prev[op] >= 0)
        if indegree[op] == 0:
            order[queued] = op
            queued += 1
    done = 0
    while done < queued:
        op = order[done]
        done += 1
        earliest = _earliest(op, start, duration, job_prev, release, min_lag, machine_prev[op])
        begin = fit_in_stretch(windows, window_counts, machine[op], earliest, duration[op])
        if begin < 0:
            return False
        start[op] = begin
        for successor in (job_next[op], machine_next[op]):
            if successor >= 0:
                indegree[successor] -= 1
                if indegree[successor] == 0:
                    order[queued] = successor
                    queued += 1
    return queued == count


@compiled
def _earliest(op: int, start: Ints, duration: Ints, job_prev: Ints, release: Ints, min_lag: Ints,
              before: int) -> int:
    """The earliest start the operation's release, job predecessor (with its lag) and machine predecessor
    `before` allow, before the calendar."""
    earliest = release[op]
    pred = job_prev[op]
    if pred >= 0 and start[pred] + duration[pred] + min_lag[op] > earliest:
        earliest = start[pred] + duration[pred] + min_lag[op]
    if before >= 0 and start[before] + duration[before] > earliest:
        earliest = start[before] + duration[before]
    return earliest


@compiled
def _heap_push(keys: Ints, values: Ints, size: int, key: int, value: int) -> int:
    k = size
    keys[k] = key
    values[k] = value
    while k > 0:
        parent = (k - 1) // 2
        if keys[parent] <= keys[k]:
            break
        keys[parent], keys[k] = keys[k], keys[parent]
        values[parent], values[k] = values[k], values[parent]
        k = parent
    return size + 1


@compiled
def _heap_pop(keys: Ints, values: Ints, size: int) -> int:
    """Removes the smallest entry (its value is `values[size - 1]` afterwards); returns the new size."""
    size -= 1
    keys[0], keys[size] = keys[size], keys[0]
    values[0], values[size] = values[size], values[0]
    k = 0
    while True:
        child = 2 * k + 1
        if child >= size:
            break
        if child + 1 < size and keys[child + 1] < keys[child]:
            child += 1
        if keys[k] <= keys[child]:
            break
        keys[k], keys[child] = keys[child], keys[k]
        values[k], values[child] = values[child], values[k]
        k = child
    return size


@compiled
def _propagate(seeds: Ints, duration: Ints, job_prev: Ints, job_next: Ints, release: Ints, min_lag: Ints,
               machine: Ints, windows: Ints, window_counts: Ints, sequences: Ints, lengths: Ints, position: Ints,
               start: Ints, changed: int, changed_duration: int, heap_keys: Ints, heap_values: Ints, queued: Ints,
               log_op: Ints, log_start: Ints, logged: Ints, stamp: int, pop_limit: int, state: Ints) -> int:
    """Re-times the schedule after a move: the seeds (the operations whose machine predecessor changed, -1 for
    none) are recomputed, and every change is passed on along job and machine arcs, earliest first. `changed`
    is the operation whose duration changed (-1 for none), `changed_duration` its old one. Every operation
    whose start changed is in the undo log (`log_op`, `log_start`: its old start), `changed` always. Returns the
    log's length, or -1 (the log still valid for undoing) when an operation fits nowhere or the
    recomputations ran past `pop_limit` (a cycle)."""
    size = 0
    for k in range(seeds.shape[0]):
        op = seeds[k]
        if op >= 0 and queued[op] != stamp:
            queued[op] = stamp
            size = _heap_push(heap_keys, heap_values, size, start[op], op)
    logs = 0
    if changed >= 0:
        logged[changed] = stamp
        log_op[0] = changed
        log_start[0] = start[changed]
        logs = 1
    pops = 0
    pops_of_changed = 0
    while size > 0:
        size = _heap_pop(heap_keys, heap_values, size)
        op = heap_values[size]
        queued[op] = -1
        pops += 1
        state[RECOMPUTED] += 1
        if pops > pop_limit:
            return -logs - 1
        m = machine[op]
        before = sequences[m, position[op] - 1] if position[op] > 0 else -1
        earliest = _earliest(op, start, duration, job_prev, release, min_lag, before)
        begin = fit_in_stretch(windows, window_counts, m, earliest, duration[op])
        if begin < 0:
            return -logs - 1
        old_end = start[op] + (changed_duration if op == changed and pops_of_changed == 0 else duration[op])
        if op == changed:
            pops_of_changed += 1
        if begin != start[op] and logged[op] != stamp:
            logged[op] = stamp
            log_op[logs] = op
            log_start[logs] = start[op]
            logs += 1
        start[op] = begin
        end = begin + duration[op]
        if end == old_end:
            continue
        after = sequences[m, position[op] + 1] if position[op] + 1 < lengths[m] else -1
        for successor in (job_next[op], after):
            if successor >= 0 and queued[successor] != stamp:
                queued[successor] = stamp
                size = _heap_push(heap_keys, heap_values, size, end, successor)
    return logs


@compiled
def _undo_starts(start: Ints, log_op: Ints, log_start: Ints, logs: int) -> None:
    for k in range(logs):
        start[log_op[k]] = log_start[k]


@compiled
def _tardiness_change(log_op: Ints, log_start: Ints, logs: int, start: Ints, duration: Ints, is_last: Ints,
                      job_of: Ints, due: Ints, late_weight: Floats, changed: int, changed_duration: int) -> float:
    """The weighted tardiness change of the jobs whose last operation's end moved (from the undo log)."""
    delta = 0.0
    for k in range(logs):
        op = log_op[k]
        if is_last[op]:
            job = job_of[op]
            old_end = log_start[k] + (changed_duration if op == changed else duration[op])
            delta += _late(start[op] + duration[op], due[job], late_weight[job]) - _late(old_end, due[job],
                                                                                         late_weight[job])
    return delta


@compiled
def _late(end: int, due: int, late_weight: float) -> float:
    return late_weight * (end - due) if end > due else 0.0


@compiled
def _remove(sequences: Ints, lengths: Ints, position: Ints, m: int, place: int) -> int:
    """Takes the operation at `place` out of machine m's order; returns it."""
    op = sequences[m, place]
    for k in range(place, lengths[m] - 1):
        sequences[m, k] = sequences[m, k + 1]
        position[sequences[m, k]] = k
    lengths[m] -= 1
    sequences[m, lengths[m]] = -1
    return op


@compiled
def _insert(sequences: Ints, lengths: Ints, position: Ints, m: int, place: int, op: int) -> None:
    """Puts `op` into machine m's order at `place`."""
    for k in range(lengths[m], place, -1):
        sequences[m, k] = sequences[m, k - 1]
        position[sequences[m, k]] = k
    sequences[m, place] = op
    position[op] = place
    lengths[m] += 1


@compiled
def _first_ending_after(sequences: Ints, lengths: Ints, start: Ints, duration: Ints, m: int, moment: int) -> int:
    """The first place on machine m whose operation ends after `moment` (ends grow along a machine's order)."""
    low, high = 0, lengths[m]
    while low < high:
        middle = (low + high) // 2
        op = sequences[m, middle]
        if start[op] + duration[op] > moment:
            high = middle
        else:
            low = middle + 1
    return low


@compiled
def _late_job(job_first: Ints, start: Ints, duration: Ints, due: Ints, late_weight: Floats) -> int:
    """A late job, the costlier of two drawn (each by up to 16 draws among all jobs); -1 when none was found."""
    jobs = job_first.shape[0] - 1
    chosen = -1
    chosen_cost = 0.0
    for _ in range(2):
        for _ in range(16):
            job = np.random.randint(jobs)
            last = job_first[job + 1] - 1
            cost = _late(start[last] + duration[last], due[job], late_weight[job])
            if cost > 0:
                if cost > chosen_cost:
                    chosen, chosen_cost = job, cost
                break
    return chosen


@compiled
def _waiting_operation(job: int, job_first: Ints, start: Ints, duration: Ints, job_prev: Ints, release: Ints,
                       min_lag: Ints, machine: Ints, windows: Ints, window_counts: Ints) -> int:
    """One of the job's operations that waits for its machine (starts after the first moment its job and the
    calendar allow), drawn uniformly; -1 when none waits."""
    count = 0
    chosen = -1
    for op in range(job_first[job], job_first[job + 1]):
        ready = fit_in_stretch(windows, window_counts, machine[op],
                     _earliest(op, start, duration, job_prev, release, min_lag, -1), duration[op])
        if start[op] > ready >= 0:
            count += 1
            if np.random.randint(count) == 0:  # reservoir sampling: each waiting one with chance 1 / count
                chosen = op
    return chosen


@compiled
def search(job_prev: Ints, job_next: Ints, release: Ints, min_lag: Ints, job_of: Ints, job_first: Ints,
           is_last: Ints, due: Ints, late_weight: Floats, windows: Ints, window_counts: Ints, alt_start: Ints,
           alt_machine: Ints, alt_duration: Ints, alt_cost: Floats, machine: Ints, duration: Ints, choice: Ints,
           sequences: Ints, lengths: Ints, position: Ints, start: Ints, cost: Floats, state: Ints,
           scratch: Ints, history: Floats, best: Ints, iterations: int, pop_limit: int) -> None:
    """`iterations` moves of the local search (see the module) on the solution in machine..start; `cost[0]` is
    its cost and is kept current, `cost[1]` the best cost seen, whose machines, choices and places `best` (3 x n)
    holds (`restore_best` brings it back). `history` holds the late-acceptance costs (its length is the history's;
    1: a move is kept only when the cost does not rise). `scratch` is 6 x n (heap keys and values, queue and log
    stamps, undo log)."""
    if state[SEEDED] == 0:
        np.random.seed(state[SEED])
        state[SEEDED] = 1
    heap_keys, heap_values, queued, logged, log_op, log_start = (scratch[0], scratch[1], scratch[2], scratch[3],
                                                                  scratch[4], scratch[5])
    seeds = np.full(3, -1, np.int64)
    for _ in range(iterations):
        state[ITERATION] += 1
        stamp = state[ITERATION]
        job = _late_job(job_first, start, duration, due, late_weight)
        if job < 0:
            continue
        op = _waiting_operation(job, job_first, start, duration, job_prev, release, min_lag, machine, windows,
                                window_counts)
        if op < 0:
            continue
        m = machine[op]
        place = position[op]
        ready = _earliest(op, start, duration, job_prev, release, min_lag, -1)
        fits = fit_in_stretch(windows, window_counts, m, ready, duration[op])
        way = _first_ending_after(sequences, lengths, start, duration, m, fits)
        if way < place - WAY_LIMIT:
            way = place - WAY_LIMIT
        if way >= place:
            continue
        options = alt_start[op + 1] - alt_start[op]
        kind = np.random.randint(3 if options > 1 else 2)
        seeds[:] = -1
        changed, changed_duration, extra, old_choice = -1, 0, 0.0, 0
        if kind == EARLIER:
            target = way + np.random.randint(place - way)
            pred = job_prev[op]
            if pred >= 0 and start[pred] >= start[sequences[m, target]]:
                continue  # the job predecessor may follow an operation it would pass: a cycle
            _remove(sequences, lengths, position, m, place)
            _insert(sequences, lengths, position, m, target, op)
            seeds[0], seeds[1] = op, sequences[m, target + 1]
            seeds[2] = sequences[m, place + 1] if place + 1 < lengths[m] else -1
            moved, moved_from, moved_to, undo_machine = op, place, target, m
        elif kind == PUSH_BACK:
            source = way + np.random.randint(place - way)
            other = sequences[m, source]
            succ = job_next[other]
            if succ >= 0 and start[op] >= start[succ]:
                continue  # the other's job successor may precede the waiting one: a cycle
            _remove(sequences, lengths, position, m, source)
            _insert(sequences, lengths, position, m, place, other)
            seeds[0], seeds[1] = other, sequences[m, source]
            seeds[2] = sequences[m, place + 1] if place + 1 < lengths[m] else -1
            moved, moved_from, moved_to, undo_machine = other, source, place, m
        else:
            pick = np.random.randint(options - 1)
            if alt_start[op] + pick >= alt_start[op] + choice[op]:
                pick += 1
            alternative = alt_start[op] + pick
            target_machine = alt_machine[alternative]
            if target_machine == m:
                continue
            new_duration = alt_duration[alternative]
            ready_there = fit_in_stretch(windows, window_counts, target_machine, ready, new_duration)
            if ready_there < 0:
                continue
            low = _first_ending_after(sequences, lengths, start, duration, target_machine, ready_there)
            high = _first_ending_after(sequences, lengths, start, duration, target_machine, start[op])
            if high > low + WAY_LIMIT:
                high = low + WAY_LIMIT
            if high < low:  # the other machine's calendar lets it start later than now: still try the first place
                high = low
            target = low + np.random.randint(high - low + 1)
            length = lengths[target_machine]
            succ, pred = job_next[op], job_prev[op]
            if succ >= 0 and target > 0 and start[sequences[target_machine, target - 1]] >= start[succ]:
                continue
            if pred >= 0 and target < length and start[pred] >= start[sequences[target_machine, target]]:
                continue
            _remove(sequences, lengths, position, m, place)
            _insert(sequences, lengths, position, target_machine, target, op)
            changed, changed_duration = op, duration[op]
            extra = alt_cost[alternative] - alt_cost[alt_start[op] + choice[op]]
            old_choice = choice[op]
            machine[op], duration[op], choice[op] = target_machine, new_duration, pick
            seeds[0] = op
            seeds[1] = sequences[target_machine, target + 1] if target + 1 < lengths[target_machine] else -1
            seeds[2] = sequences[m, place] if place < lengths[m] else -1
            moved, moved_from, moved_to, undo_machine = op, place, target, m
        state[TRIED] += 1
        logs = _propagate(seeds, duration, job_prev, job_next, release, min_lag, machine, windows, window_counts,
                          sequences, lengths, position, start, changed, changed_duration, heap_keys, heap_values,
                          queued, log_op, log_start, logged, stamp, pop_limit, state)
        delta = extra
        if logs >= 0:
            delta += _tardiness_change(log_op, log_start, logs, start, duration, is_last, job_of, due, late_weight,
                                       changed, changed_duration)
        slot = state[TRIED] % history.shape[0]
        if logs >= 0 and (delta <= 1e-9 or cost[0] + delta <= history[slot] + 1e-9):
            cost[0] += delta
            history[slot] = cost[0]
            state[ACCEPTED] += 1
            if delta < -1e-9:
                state[IMPROVED] += 1
            if cost[0] < cost[1] - 1e-9:
                cost[1] = cost[0]
                best[0, :] = machine
                best[1, :] = choice
                best[2, :] = position
            continue
        history[slot] = cost[0]
        _undo_starts(start, log_op, log_start, logs if logs >= 0 else -logs - 1)
        if kind == REASSIGN:
            now = machine[moved]
            _remove(sequences, lengths, position, now, moved_to)
            _insert(sequences, lengths, position, undo_machine, moved_from, moved)
            machine[moved], duration[moved], choice[moved] = undo_machine, changed_duration, old_choice
        else:
            _remove(sequences, lengths, position, undo_machine, moved_to)
            _insert(sequences, lengths, position, undo_machine, moved_from, moved)


@compiled
def restore_best(alt_start: Ints, alt_duration: Ints, best: Ints, machine: Ints, duration: Ints, choice: Ints,
                 sequences: Ints, lengths: Ints, position: Ints) -> None:
    """Puts the best solution's machines, choices and machine orders back (its starts: `decode`)."""
    machine[:] = best[0]
    choice[:] = best[1]
    position[:] = best[2]
    sequences[:] = -1
    lengths[:] = 0
    for op in range(machine.shape[0]):
        duration[op] = alt_duration[alt_start[op] + choice[op]]
        sequences[machine[op], position[op]] = op
        lengths[machine[op]] += 1
