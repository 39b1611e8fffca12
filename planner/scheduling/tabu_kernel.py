"""The makespan tabu search of `planner.scheduling.search`, compiled with numba.

Iterated tabu search on machine sequences and machine choices: N5 critical-block swaps (Nowicki &
Smutnicki) ranked by Taillard's head/tail estimate; optionally (`insertions`) also N6-style moves of an
operation to the front or behind the end of its critical block, kept where Balas & Vazacopoulos's
condition rules out a cycle and ranked by their estimate (the caller runs its threads with and without
them: two different searches find more than two alike); for operations that may run on several machines,
moves of a critical operation to another of its machines, inserted where its earliest start falls in
that machine's sequence and ranked by the estimated longest path through it (in the spirit of
Mastrolilli & Gambardella's flexible job-shop neighbourhood). The chosen move is decoded exactly into its
semi-active schedule (each operation in the first working stretch of its machine it fits into whole);
a move that closes a cycle is undone and the next best tried. Tabu tenure 8-12 (a swapped pair may not
be swapped back, an inserted operation and its new neighbour in the block may not be put back in their
old order, an operation may not return to the machine it left); when every move is tabu the best
of them is made anyway, and random kicks from the best solution follow a stall. On arrays it runs about
150 times more iterations a second than the pure-Python search it replaced (la27, one thread: 340,000
against 2,200 in session 8; 202,000-206,000 for this kernel and the session-8 one alike on the slower
host of session 9). The caller decodes the best solution again with its own exact decoder before using
it.

Operations are numbered 0..n-1. `sequences[m, :lengths[m]]` is machine m's order (rows padded with -1 to
one place per operation, since machine changes move operations between rows), `position[op]` the
operation's place in it, `machine[op]` and `duration[op]` its current machine and the duration there.
Its choices are `alt_machine[alt_start[op]:alt_start[op + 1]]` with `alt_duration` alike.
`release[op]` is the earliest start (the job's release for its first operation).
`windows[0, m, :window_counts[m]]` and `windows[1, m, ...]` are the starts and ends of machine m's
working stretches, sorted: an operation runs whole inside one of them.
`state` and `ring` carry the search between calls, so that a search split into several calls is the
same as one long call (the same seed gives the same trajectory, whatever the caller's time slices):
`state` holds the iteration, the iterations since the last new best, the best and the current
makespan, the next place in the tabu ring and the random seed (used on the first call, which also
seeds numba's generator for the calling thread); `ring` (3 x `TABU_RING`) the recent moves and the
iteration up to which each is tabu. The functions release the GIL, so several searches can run on
separate threads.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt
from numba import njit

Ints = npt.NDArray[np.int64]


def compiled(function: Callable[..., Any]) -> Any:
    """numba-compiled, releasing the GIL, cached on disk where numba finds a writable place (beside this
    file, or the user's cache folder). Where it finds none (a read-only install and home), numba refuses
    to cache; then each process compiles for itself instead of failing to import."""
    try:
        return njit(cache=True, nogil=True)(function)
    except RuntimeError:
        return njit(nogil=True)(function)


ITERATION, STALL, BEST, CURRENT, RING_NEXT, SEED = range(6)
STATE_SIZE = 6
# Ring of recent moves, one entry each (swap, insertion or machine change): a tenure of at most 12
# iterations needs no more than 16 places.
TABU_RING = 16


@compiled
def _links(sequences: Ints, lengths: Ints, machine_prev: Ints, machine_next: Ints) -> None:
    machine_prev[:] = -1
    machine_next[:] = -1
    for m in range(sequences.shape[0]):
        for k in range(1, lengths[m]):
            before = sequences[m, k - 1]
            after = sequences[m, k]
            machine_prev[after] = before
            machine_next[before] = after


@compiled
def fit_in_stretch(windows: Ints, window_counts: Ints, m: int, earliest: int, duration: int) -> int:
    """The earliest start >= earliest at which the operation fits into one working stretch of machine m
    (`windows[0, m]` their starts, `windows[1, m]` their ends); -1 when none is left."""
    count = window_counts[m]
    k = int(np.searchsorted(windows[0, m, :count], earliest, side="right")) - 1
    if k < 0:
        k = 0
    while k < count:
        begin = int(windows[0, m, k])
        if begin < earliest:
            begin = earliest
        if begin + duration <= windows[1, m, k]:
            return begin
        k += 1
    return -1


@compiled
def _heads(duration: Ints, job_prev: Ints, job_next: Ints, release: Ints, machine: Ints, windows: Ints,
           window_counts: Ints, machine_prev: Ints, machine_next: Ints, heads: Ints, order: Ints,
           indegree: Ints) -> int:
    """Earliest starts in topological order (kept in `order`), each operation in the first working stretch
    of its machine it fits into whole; the makespan, or -1 on a cycle or when an operation fits nowhere."""
    count = duration.shape[0]
    queued = 0
    for op in range(count):
        degree = 0
        if job_prev[op] >= 0:
            degree += 1
        if machine_prev[op] >= 0:
            degree += 1
        indegree[op] = degree
        if degree == 0:
            order[queued] = op
            queued += 1
    makespan = 0
    done = 0
    while done < queued:
        op = order[done]
        done += 1
        head = release[op]
        pred = job_prev[op]
        if pred >= 0 and heads[pred] + duration[pred] > head:
            head = heads[pred] + duration[pred]
        pred = machine_prev[op]
        if pred >= 0 and heads[pred] + duration[pred] > head:
            head = heads[pred] + duration[pred]
        head = fit_in_stretch(windows, window_counts, machine[op], head, duration[op])
        if head < 0:
            return -1
        heads[op] = head
        if head + duration[op] > makespan:
            makespan = head + duration[op]
        for successor in (job_next[op], machine_next[op]):
            if successor >= 0:
                indegree[successor] -= 1
                if indegree[successor] == 0:
                    order[queued] = successor
                    queued += 1
    if queued < count:
        return -1
    return makespan


@compiled
def _tails(duration: Ints, job_next: Ints, machine_next: Ints, order: Ints, tails: Ints) -> None:
    for k in range(order.shape[0] - 1, -1, -1):
        op = order[k]
        tail = 0
        for successor in (job_next[op], machine_next[op]):
            if successor >= 0 and duration[successor] + tails[successor] > tail:
                tail = duration[successor] + tails[successor]
        tails[op] = tail


@compiled
def _critical_path(duration: Ints, job_prev: Ints, machine_prev: Ints, heads: Ints, path: Ints) -> int:
    """One critical path, stored from its last operation back to its first; its length."""
    count = duration.shape[0]
    last = 0
    for op in range(count):
        if heads[op] + duration[op] > heads[last] + duration[last]:
            last = op
    length = 0
    op = last
    while True:
        path[length] = op
        length += 1
        pred = machine_prev[op]
        if pred >= 0 and heads[pred] + duration[pred] == heads[op]:
            op = pred
            continue
        pred = job_prev[op]
        if pred >= 0 and heads[pred] + duration[pred] == heads[op]:
            op = pred
            continue
        break
    return length


@compiled
def _critical_moves(machine: Ints, machine_prev: Ints, path: Ints, length: int, firsts: Ints, seconds: Ints,
                    every_pair: bool) -> int:
    """N5 swaps on the critical path `path[:length]` (from `_critical_path`): the first two and last two
    operations of each block, or with `every_pair` every adjacent pair of its blocks; their count."""
    moves = 0
    k = length - 1  # path is stored from the end back; walk it forwards
    while k >= 0:
        block_start = k
        while k > 0 and machine[path[k - 1]] == machine[path[k]] and machine_prev[path[k - 1]] == path[k]:
            k -= 1
        if every_pair:
            for j in range(block_start, k, -1):
                firsts[moves] = path[j]
                seconds[moves] = path[j - 1]
                moves += 1
        elif block_start - k >= 1:
            firsts[moves] = path[block_start]
            seconds[moves] = path[block_start - 1]
            moves += 1
            if block_start - k >= 2:
                firsts[moves] = path[k + 1]
                seconds[moves] = path[k]
                moves += 1
        k -= 1
    return moves


@compiled
def _insertions(machine: Ints, machine_prev: Ints, position: Ints, job_prev: Ints, job_next: Ints, duration: Ints,
                heads: Ints, tails: Ints, path: Ints, length: int, ops: Ints, places: Ints) -> int:
    """N6-style insertions on the critical path `path[:length]`: in each block of three or more operations,
    an operation moved to the block's front or behind its end (the neighbouring ones are N5's swaps), kept
    only where Balas & Vazacopoulos's condition shows no cycle can follow. `ops[k]` moves to `places[k]` of
    its machine's sequence (the place of the block's first operation, or of its last for a move behind it:
    `_move` takes the operation out first); their count."""
    moves = 0
    k = length - 1
    while k >= 0:
        block_start = k
        while k > 0 and machine[path[k - 1]] == machine[path[k]] and machine_prev[path[k - 1]] == path[k]:
            k -= 1
        if block_start - k >= 2:
            front = path[block_start]
            end = path[k]
            # to the front: a cycle needs a path from the front operation to the job predecessor of the moved
            # one, which would make the front's tail at least as long as that predecessor's with it
            for j in range(block_start - 2, k - 1, -1):
                op = path[j]
                pred = job_prev[op]
                if pred < 0 or (pred != front and tails[front] < duration[pred] + tails[pred]):
                    ops[moves] = op
                    places[moves] = position[front]
                    moves += 1
            # behind the end: a cycle needs a path from the moved operation's job successor to the end
            for j in range(block_start, k + 1, -1):
                op = path[j]
                succ = job_next[op]
                if succ < 0 or (succ != end and heads[end] < heads[succ] + duration[succ]):
                    ops[moves] = op
                    places[moves] = position[end]
                    moves += 1
        k -= 1
    return moves


@compiled
def _insertion_estimate(sequences: Ints, lengths: Ints, position: Ints, duration: Ints, job_prev: Ints,
                        job_next: Ints, release: Ints, heads: Ints, tails: Ints, m: int, op: int, place: int,
                        block_heads: Ints) -> int:
    """Balas & Vazacopoulos's estimate of the longest path through the operations between `op` and `place`
    on machine m after moving `op` to `place` (see `_insertions`): their heads recomputed forwards and
    tails backwards in the new order, from the unchanged neighbours of the block."""
    here = position[op]
    low = min(here, place)
    high = max(here, place)
    size = high - low + 1
    ahead = 0
    if low > 0:
        before = sequences[m, low - 1]
        ahead = heads[before] + duration[before]
    for i in range(size):
        x = _reordered(sequences, m, low, high, here < place, i)
        head = max(release[x], ahead)
        if job_prev[x] >= 0:
            head = max(head, heads[job_prev[x]] + duration[job_prev[x]])
        block_heads[i] = head
        ahead = head + duration[x]
    behind = 0
    if high + 1 < lengths[m]:
        after = sequences[m, high + 1]
        behind = duration[after] + tails[after]
    estimate = 0
    for i in range(size - 1, -1, -1):
        x = _reordered(sequences, m, low, high, here < place, i)
        tail = behind
        if job_next[x] >= 0:
            tail = max(tail, duration[job_next[x]] + tails[job_next[x]])
        estimate = max(estimate, block_heads[i] + duration[x] + tail)
        behind = tail + duration[x]
    return estimate


@compiled
def _reordered(sequences: Ints, m: int, low: int, high: int, forwards: bool, i: int) -> int:
    """The i-th operation of machine m's places low..high after moving the first of them behind the last
    (`forwards`) or the last of them in front of the first."""
    if forwards:
        return sequences[m, low + i + 1] if i < high - low else sequences[m, low]
    return sequences[m, high] if i == 0 else sequences[m, low + i - 1]


@compiled
def _insertion_is_tabu(position: Ints, machine: Ints, ring_first: Ints, ring_second: Ints, ring_until: Ints,
                       op: int, place: int, iteration: int) -> bool:
    """An insertion is tabu while it would restore an order a recent move reversed: `op` in front of one
    of the operations it passes (moving forwards, one of them in front of `op`) as that move left it."""
    m = machine[op]
    here = position[op]
    for k in range(ring_first.shape[0]):
        if ring_until[k] < iteration:
            continue
        if here > place and ring_first[k] == op:
            other = ring_second[k]
            if other >= 0 and machine[other] == m and place <= position[other] < here:
                return True
        if here < place and ring_second[k] == op:
            other = ring_first[k]
            if other >= 0 and machine[other] == m and here < position[other] <= place:
                return True
    return False


@compiled
def _reassignments(duration: Ints, job_prev: Ints, job_next: Ints, release: Ints, machine: Ints, sequences: Ints,
                   lengths: Ints, heads: Ints, tails: Ints, path: Ints, length: int, alt_start: Ints,
                   alt_machine: Ints, alt_duration: Ints, ops: Ints, machines: Ints, places: Ints,
                   estimates: Ints) -> int:
    """Moves of critical operations to another machine they may run on, each inserted where its earliest
    start falls in that machine's sequence, with the estimated longest path through it; their count."""
    moves = 0
    for j in range(length):
        op = path[j]
        if alt_start[op + 1] - alt_start[op] < 2:
            continue
        head = release[op]
        if job_prev[op] >= 0:
            head = max(head, heads[job_prev[op]] + duration[job_prev[op]])
        tail = 0
        if job_next[op] >= 0:
            tail = duration[job_next[op]] + tails[job_next[op]]
        for a in range(alt_start[op], alt_start[op + 1]):
            target = alt_machine[a]
            if target == machine[op]:
                continue
            count = lengths[target]
            place = 0
            while place < count and heads[sequences[target, place]] < head:
                place += 1
            start = head
            if place > 0:
                before = sequences[target, place - 1]
                start = max(start, heads[before] + duration[before])
            after_tail = tail
            if place < count:
                after = sequences[target, place]
                after_tail = max(after_tail, duration[after] + tails[after])
            ops[moves] = op
            machines[moves] = target
            places[moves] = place
            estimates[moves] = start + alt_duration[a] + after_tail
            moves += 1
    return moves


@compiled
def _move(sequences: Ints, lengths: Ints, position: Ints, machine: Ints, duration: Ints, op: int, target: int,
          place: int, new_duration: int) -> None:
    """Take `op` out of its machine's sequence and insert it at `place` of machine `target`'s."""
    source = machine[op]
    for k in range(position[op], lengths[source] - 1):
        sequences[source, k] = sequences[source, k + 1]
        position[sequences[source, k]] = k
    lengths[source] -= 1
    sequences[source, lengths[source]] = -1
    for k in range(lengths[target], place, -1):
        sequences[target, k] = sequences[target, k - 1]
        position[sequences[target, k]] = k
    sequences[target, place] = op
    position[op] = place
    lengths[target] += 1
    machine[op] = target
    duration[op] = new_duration


@compiled
def _estimate(duration: Ints, job_prev: Ints, job_next: Ints, release: Ints, machine_prev: Ints, machine_next: Ints,
              heads: Ints, tails: Ints, first: int, second: int) -> int:
    """Taillard's estimate of the longest path through `first`, `second` after swapping them."""
    pred = machine_prev[first]
    head_second = release[second]
    if job_prev[second] >= 0:
        head_second = max(head_second, heads[job_prev[second]] + duration[job_prev[second]])
    if pred >= 0:
        head_second = max(head_second, heads[pred] + duration[pred])
    head_first = release[first]
    if job_prev[first] >= 0:
        head_first = max(head_first, heads[job_prev[first]] + duration[job_prev[first]])
    head_first = max(head_first, head_second + duration[second])
    succ = machine_next[second]
    tail_first = 0
    if job_next[first] >= 0:
        tail_first = duration[job_next[first]] + tails[job_next[first]]
    if succ >= 0:
        tail_first = max(tail_first, duration[succ] + tails[succ])
    tail_second = tail_first + duration[first]
    if job_next[second] >= 0:
        tail_second = max(tail_second, duration[job_next[second]] + tails[job_next[second]])
    return max(head_second + duration[second] + tail_second, head_first + duration[first] + tail_first)


@compiled
def _swap(sequences: Ints, position: Ints, machine: Ints, first: int, second: int) -> None:
    m = machine[first]
    i = position[first]
    j = position[second]
    sequences[m, i] = second
    sequences[m, j] = first
    position[first] = j
    position[second] = i


@compiled
def _is_tabu(ring_first: Ints, ring_second: Ints, ring_until: Ints, first: int, second: int, iteration: int) -> bool:
    """A swap is tabu while the opposite swap of the same pair is in its tenure."""
    for k in range(ring_first.shape[0]):
        if ring_first[k] == second and ring_second[k] == first and ring_until[k] >= iteration:
            return True
    return False


@compiled
def _choose(count: int, estimates: Ints, tabu: Ints, best: int) -> int:
    """The move to make among `count` candidates: the best estimate among those that are not tabu
    (`tabu[k]` 0) or would beat the best makespan (aspiration); when every one left is tabu (1), the best
    estimate among them all (as TSAB takes a tabu move rather than stop); -1 when none is left. A move
    already undone is marked -1."""
    chosen = -1
    fallback = -1
    for k in range(count):
        if tabu[k] < 0:
            continue
        if fallback < 0 or estimates[k] < estimates[fallback]:
            fallback = k
        if (estimates[k] < best or tabu[k] == 0) and (chosen < 0 or estimates[k] < estimates[chosen]):
            chosen = k
    return chosen if chosen >= 0 else fallback


@compiled
def _restore_best(sequences: Ints, lengths: Ints, position: Ints, machine: Ints, duration: Ints,
                  best_sequences: Ints, best_assignment: Ints) -> None:
    sequences[:, :] = best_sequences
    machine[:] = best_assignment[0]
    duration[:] = best_assignment[1]
    for m in range(sequences.shape[0]):
        length = 0
        while length < sequences.shape[1] and sequences[m, length] >= 0:
            position[sequences[m, length]] = length
            length += 1
        lengths[m] = length


@compiled
def search(duration: Ints, job_prev: Ints, job_next: Ints, release: Ints, machine: Ints, windows: Ints,
           window_counts: Ints, alt_start: Ints, alt_machine: Ints, alt_duration: Ints, sequences: Ints,
           lengths: Ints, position: Ints, best_sequences: Ints, best_assignment: Ints, state: Ints, ring: Ints,
           iterations: int, lower_bound: int, stall_limit: int, tenure_low: int, tenure_high: int, kick_low: int,
           kick_high: int, insertions: bool) -> None:
    """Run up to `iterations` tabu iterations from the state (see the module text); returns when done,
    or at once when the best reaches the lower bound. The first call (iteration 0) seeds the generator.

    `machine`, `duration`, `sequences`, `lengths` and `position` are the current solution and change;
    `best_sequences` and `best_assignment` ([machine, duration] x operation) keep the best one."""
    count = duration.shape[0]
    machine_prev = np.empty(count, np.int64)
    machine_next = np.empty(count, np.int64)
    heads = np.empty(count, np.int64)
    tails = np.empty(count, np.int64)
    order = np.empty(count, np.int64)
    indegree = np.empty(count, np.int64)
    path = np.empty(count, np.int64)
    most_alternatives = 1
    for op in range(count):
        most_alternatives = max(most_alternatives, alt_start[op + 1] - alt_start[op])
    flexible = most_alternatives > 1
    # swaps (two per block), insertions (at most two per operation) and machine changes
    candidates = 4 * count + 2 + (count * most_alternatives if flexible else 0)
    firsts = np.empty(2 * count + 2, np.int64)
    seconds = np.empty(2 * count + 2, np.int64)
    estimates = np.empty(candidates, np.int64)
    move_ops = np.empty(candidates, np.int64)
    move_machines = np.empty(candidates, np.int64)
    move_places = np.empty(candidates, np.int64)
    tabu = np.empty(candidates, np.int64)
    block_heads = np.empty(count + 1, np.int64)
    ring_first = ring[0]
    ring_second = ring[1]
    ring_until = ring[2]
    if state[ITERATION] == 0:
        np.random.seed(state[SEED])
        ring[:, :] = -1
        state[RING_NEXT] = 0
    _links(sequences, lengths, machine_prev, machine_next)
    current = _heads(duration, job_prev, job_next, release, machine, windows, window_counts,
                     machine_prev, machine_next, heads, order, indegree)
    if state[ITERATION] == 0:
        state[BEST] = current
        best_sequences[:, :] = sequences
        best_assignment[0] = machine
        best_assignment[1] = duration
    state[CURRENT] = current
    for _ in range(iterations):
        if state[BEST] <= lower_bound:
            break
        state[ITERATION] += 1
        iteration = state[ITERATION]
        moved = False
        if state[STALL] < stall_limit:
            _tails(duration, job_next, machine_next, order, tails)
            length = _critical_path(duration, job_prev, machine_prev, heads, path)
            moves = _critical_moves(machine, machine_prev, path, length, firsts, seconds, False)
            for k in range(moves):
                estimates[k] = _estimate(duration, job_prev, job_next, release, machine_prev, machine_next,
                                         heads, tails, firsts[k], seconds[k])
                tabu[k] = _is_tabu(ring_first, ring_second, ring_until, firsts[k], seconds[k], iteration)
            # moves within a machine, then to other machines, follow the swaps in the move_* arrays
            inserts = 0
            if insertions:
                inserts = _insertions(machine, machine_prev, position, job_prev, job_next, duration, heads, tails, path,
                                      length, move_ops[moves:], move_places[moves:])
            for k in range(moves, moves + inserts):
                move_machines[k] = machine[move_ops[k]]
                estimates[k] = _insertion_estimate(sequences, lengths, position, duration, job_prev, job_next,
                                                   release, heads, tails, move_machines[k], move_ops[k],
                                                   move_places[k], block_heads)
                tabu[k] = _insertion_is_tabu(position, machine, ring_first, ring_second, ring_until, move_ops[k],
                                             move_places[k], iteration)
            reassignments = 0
            if flexible:
                shift = moves + inserts
                reassignments = _reassignments(duration, job_prev, job_next, release, machine, sequences, lengths,
                                               heads, tails, path, length, alt_start, alt_machine, alt_duration,
                                               move_ops[shift:], move_machines[shift:], move_places[shift:],
                                               estimates[shift:])
                for k in range(shift, shift + reassignments):
                    tabu[k] = _is_tabu(ring_first, ring_second, ring_until, move_ops[k], -2 - move_machines[k],
                                       iteration)
            moved_op = -1
            while True:
                chosen = _choose(moves + inserts + reassignments, estimates, tabu, state[BEST])
                if chosen < 0:
                    break
                if chosen < moves:
                    first = firsts[chosen]
                    second = seconds[chosen]
                    _swap(sequences, position, machine, first, second)
                elif move_machines[chosen] == machine[move_ops[chosen]]:
                    # a move within the machine: its tabu attribute is the order it reverses next to the
                    # operation's new place (the block's first operation before it, or its last after it)
                    moved_op = move_ops[chosen]
                    anchor = sequences[machine[moved_op], move_places[chosen]]
                    first, second = anchor, moved_op
                    if position[moved_op] < move_places[chosen]:
                        first, second = moved_op, anchor
                    old_place = position[moved_op]
                    _move(sequences, lengths, position, machine, duration, moved_op, machine[moved_op],
                          move_places[chosen], duration[moved_op])
                else:
                    # a move to another machine: its tabu attribute is (old machine, operation)
                    second = move_ops[chosen]
                    first = -2 - machine[second]
                    old_place = position[second]
                    old_duration = duration[second]
                    new_duration = old_duration
                    for a in range(alt_start[second], alt_start[second + 1]):
                        if alt_machine[a] == move_machines[chosen]:
                            new_duration = alt_duration[a]
                    _move(sequences, lengths, position, machine, duration, second, move_machines[chosen],
                          move_places[chosen], new_duration)
                _links(sequences, lengths, machine_prev, machine_next)
                value = _heads(duration, job_prev, job_next, release, machine, windows, window_counts, machine_prev,
                               machine_next, heads, order, indegree)
                if value >= 0:
                    current = value
                    slot = state[RING_NEXT]
                    ring_first[slot] = first
                    ring_second[slot] = second
                    ring_until[slot] = iteration + np.random.randint(tenure_low, tenure_high + 1)
                    state[RING_NEXT] = (slot + 1) % TABU_RING
                    moved = True
                    break
                if chosen < moves:
                    _swap(sequences, position, machine, first, second)
                elif first >= 0:
                    _move(sequences, lengths, position, machine, duration, moved_op, machine[moved_op], old_place,
                          duration[moved_op])
                else:
                    _move(sequences, lengths, position, machine, duration, second, -2 - first, old_place,
                          old_duration)
                tabu[chosen] = -1
                _links(sequences, lengths, machine_prev, machine_next)
            if not moved:
                # every move undone: heads must describe the sequences again
                _heads(duration, job_prev, job_next, release, machine, windows, window_counts,
                       machine_prev, machine_next, heads, order, indegree)
        if moved:
            state[STALL] += 1
            if current < state[BEST]:
                state[BEST] = current
                state[STALL] = 0
                best_sequences[:, :] = sequences
                best_assignment[0] = machine
                best_assignment[1] = duration
            continue
        # stalled, or no move left (none, or each one closed a cycle): restart from the best solution with a
        # few random swaps
        _restore_best(sequences, lengths, position, machine, duration, best_sequences, best_assignment)
        _links(sequences, lengths, machine_prev, machine_next)
        current = _heads(duration, job_prev, job_next, release, machine, windows, window_counts,
                         machine_prev, machine_next, heads, order, indegree)
        for _kick in range(np.random.randint(kick_low, kick_high + 1)):
            length = _critical_path(duration, job_prev, machine_prev, heads, path)
            moves = _critical_moves(machine, machine_prev, path, length, firsts, seconds, True)
            if moves == 0:
                break
            k = np.random.randint(0, moves)
            _swap(sequences, position, machine, firsts[k], seconds[k])
            _links(sequences, lengths, machine_prev, machine_next)
            value = _heads(duration, job_prev, job_next, release, machine, windows, window_counts,
                           machine_prev, machine_next, heads, order, indegree)
            if value < 0:
                _swap(sequences, position, machine, firsts[k], seconds[k])
                _links(sequences, lengths, machine_prev, machine_next)
                current = _heads(duration, job_prev, job_next, release, machine, windows, window_counts, machine_prev,
                                 machine_next, heads, order, indegree)
            else:
                current = value
        ring_until[:] = -1
        state[STALL] = 0
    state[CURRENT] = current


def warm_up() -> None:
    """Compile the search, or load it from numba's cache, on a job of two operations that may each run on
    either of two machines: a first plan would otherwise spend its local-search time compiling (about
    5 s without a cache)."""
    sequences = np.array([[0, -1], [1, -1]], np.int64)
    search(np.ones(2, np.int64), np.array([-1, 0], np.int64), np.array([1, -1], np.int64), np.zeros(2, np.int64),
           np.array([0, 1], np.int64), np.array([[[0], [0]], [[10], [10]]], np.int64), np.ones(2, np.int64),
           np.array([0, 2, 4], np.int64), np.array([0, 1, 0, 1], np.int64), np.ones(4, np.int64), sequences,
           np.ones(2, np.int64), np.zeros(2, np.int64), sequences.copy(), np.zeros((2, 2), np.int64),
           np.zeros(STATE_SIZE, np.int64), np.full((3, TABU_RING), -1, np.int64), 1, 0, 1, 1, 1, 1, 1, True)
