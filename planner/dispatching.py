"""A fast initial schedule from dispatching rules, used as the CP-SAT solution hint.

Serial schedule generation: repeatedly take the ready operation (its predecessor placed) with the
best priority and put it on the eligible machine where it ends earliest, in the first gap of that
machine's working time that fits it (gaps left earlier may be filled later). Plant rules: an
operation running at plan start (work in progress) is placed first, at minute 0 on its machine; an
operation becomes ready its minimum time lag after its predecessor ends, or, taking transfer
batches, its transfer delay (on each machine) after its predecessor starts; operations linked by
maximum time lags are placed together as a chain, started later until every link holds (or the chain
gives up). Several priority rules are tried and the schedule with the best objective wins; this costs
milliseconds and gives CP-SAT a complete, valid start, so short time limits still give good plans.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable
from dataclasses import dataclass

from planner.calendar import Interval
from planner.domain import Objective, PlanRequest
from planner.plant_rules.transfer_batches import transfer_delay
from planner.scheduling import Hint
from planner.tasks import Alternative, Job, Task


@dataclass
class _Ready:
    job: int
    position: int
    ready_at: int
    previous: tuple[Alternative, int] | None = None
    """Where and when the job's previous task was placed."""

    def earliest(self, task: Task) -> Callable[[Alternative], int]:
        """When the task may start on each of its machines: `ready_at`, or for a task taking transfer
        batches, its transfer delay after the previous task's start (which depends on both machines)."""
        previous, batch = self.previous, task.transfer_batch
        if previous is None or batch is None:
            return lambda _: self.ready_at
        return lambda alternative: previous[1] + transfer_delay(previous[0], alternative, batch)

    def advance(self, job: Job, placed: list[tuple[Alternative, int]]) -> None:
        """Past the placed tasks: the next one is ready after its minimum lag, or its first transfer batch."""
        self.position += len(placed)
        self.previous = placed[-1]
        if self.position < len(job.tasks):
            task = job.tasks[self.position]
            alternative, start = self.previous
            self.ready_at = start + alternative.duration + task.min_lag
            if task.transfer_batch is not None:
                self.ready_at = min(self.earliest(task)(a) for a in task.alternatives)


Priority = Callable[[Job, Task, int, int], float]
"""(job, task, ready time, remaining work of the job from this task) -> key; smaller goes first."""


def _edd(job: Job, task: Task, ready: int, remaining: int) -> float:
    return job.order.due

def _min_slack(job: Job, task: Task, ready: int, remaining: int) -> float:
    return (job.order.due - ready - remaining) / job.order.weight

def _weighted_slack_per_work(job: Job, task: Task, ready: int, remaining: int) -> float:
    return (job.order.due - remaining) / (job.order.weight * max(remaining, 1))

def _most_work_remaining(job: Job, task: Task, ready: int, remaining: int) -> float:
    return -remaining

def _earliest_ready(job: Job, task: Task, ready: int, remaining: int) -> float:
    return ready + 1e-6 * job.order.due


TARDINESS_RULES: tuple[Priority, ...] = (_min_slack, _edd, _weighted_slack_per_work, _earliest_ready)
MAKESPAN_RULES: tuple[Priority, ...] = (_most_work_remaining, _earliest_ready, _min_slack)


class _Timeline:
    """Busy intervals of one machine inside its working windows, for first-fit insertion."""

    def __init__(self, windows: list[Interval]) -> None:
        self.windows = windows
        self.busy: list[Interval] = []

    def earliest_start(self, ready: int, duration: int) -> int | None:
        for window_start, window_end in self.windows:
            if window_end - max(window_start, ready) < duration:
                continue
            start = max(window_start, ready)
            index = bisect.bisect_left(self.busy, (start, start))
            if index > 0 and self.busy[index - 1][1] > start:
                start = self.busy[index - 1][1]
            while start + duration <= window_end:
                if index >= len(self.busy) or self.busy[index][0] >= start + duration:
                    return start
                start = max(start, self.busy[index][1])
                index += 1
        return None

    def reserve(self, start: int, duration: int) -> None:
        bisect.insort(self.busy, (start, start + duration))

    def release(self, start: int, duration: int) -> None:
        self.busy.remove((start, start + duration))


def dispatch(jobs: list[Job], available: dict[str, list[Interval]], rule: Priority) -> Hint | None:
    """One schedule by one rule; None when some operation finds no place before the horizon ends (or a
    chain of maximum time lags finds none that holds)."""
    timelines = {m: _Timeline(w) for m, w in available.items()}
    remaining = [[sum(t.shortest for t in job.tasks[i:]) for i in range(len(job.tasks))] for job in jobs]
    placed: Hint = {}
    ready = []
    for j, job in enumerate(jobs):
        entry = _Ready(j, 0, max(job.order.release, 0))
        if job.tasks and job.tasks[0].running:  # work in progress keeps its machine from plan start
            running = job.tasks[0]
            only = running.alternatives[0]
            timelines[only.machine_id].reserve(0, only.duration)
            placed[(running.order_id, running.index)] = (only.machine_id, 0)
            entry = _Ready(j, 0, 0)
            entry.advance(job, [(only, 0)])
        if entry.position < len(job.tasks):
            ready.append(entry)
    while ready:
        best = min(ready, key=lambda r: rule(jobs[r.job], jobs[r.job].tasks[r.position], r.ready_at,
                                             remaining[r.job][r.position]))
        job = jobs[best.job]
        chain = _max_lag_chain(job, best.position)
        latest = None
        first = job.tasks[best.position]
        if first.max_lag is not None:  # after a running operation, which cannot move
            latest = best.ready_at - first.min_lag + first.max_lag
        choices = _place_chain(chain, timelines, best.earliest(first), latest)
        if choices is None:
            return None
        for task, (alternative, start) in zip(chain, choices, strict=True):
            placed[(task.order_id, task.index)] = (alternative.machine_id, start)
        best.advance(job, choices)
        if best.position == len(job.tasks):
            ready.remove(best)
    return placed


def _max_lag_chain(job: Job, position: int) -> list[Task]:
    """The task at `position` and the ones after it that must start within a maximum lag of their predecessor."""
    end = position + 1
    while end < len(job.tasks) and job.tasks[end].max_lag is not None:
        end += 1
    return list(job.tasks[position:end])


def _place_chain(chain: list[Task], timelines: dict[str, _Timeline], ready: Callable[[Alternative], int],
                 latest: int | None) -> list[tuple[Alternative, int]] | None:
    """Place the chain's tasks one after the other, each on its earliest-ending machine after its minimum lag.
    Where a task would start after its maximum lag, the whole chain starts later by the excess and is placed
    again (the start only grows, so this ends at the horizon at the latest). The reservations stay when the
    chain holds; None when it cannot hold or the first task would start after `latest`."""
    earliest = min(ready(a) for a in chain[0].alternatives)
    while latest is None or earliest <= latest:
        choices: list[tuple[Alternative, int]] = []
        excess = 0
        for task in chain:
            if choices:
                after = choices[-1][1] + choices[-1][0].duration + task.min_lag
                choice = _best_machine(task.alternatives, timelines, _not_before(_anywhere, after))
            else:
                choice = _best_machine(task.alternatives, timelines, _not_before(ready, earliest))
            if choice is None:
                break
            if choices and task.max_lag is not None:
                excess = choice[1] - (choices[-1][1] + choices[-1][0].duration + task.max_lag)
                if excess > 0:
                    break
            timelines[choice[0].machine_id].reserve(choice[1], choice[0].duration)
            choices.append(choice)
        if len(choices) == len(chain) and (latest is None or choices[0][1] <= latest):
            return choices
        for alternative, start in choices:
            timelines[alternative.machine_id].release(start, alternative.duration)
        if excess <= 0:
            return None
        earliest = choices[0][1] + excess
    return None


def _anywhere(alternative: Alternative) -> int:
    return 0


def _not_before(ready: Callable[[Alternative], int], floor: int) -> Callable[[Alternative], int]:
    return lambda alternative: max(ready(alternative), floor)


def _best_machine(
    alternatives: tuple[Alternative, ...], timelines: dict[str, _Timeline], ready: Callable[[Alternative], int]
) -> tuple[Alternative, int] | None:
    best: tuple[Alternative, int] | None = None
    for alternative in alternatives:
        start = timelines[alternative.machine_id].earliest_start(ready(alternative), alternative.duration)
        if start is not None and (best is None or start + alternative.duration < best[1] + best[0].duration):
            best = (alternative, start)
    return best


def hint_objective(request: PlanRequest, jobs: list[Job], hint: Hint) -> float:
    """The objective a complete hint achieves (weighted tardiness or makespan, in minutes)."""
    completion = {}
    for job in jobs:
        last = job.tasks[-1]
        machine_id, start = hint[(last.order_id, last.index)]
        alternative = last.alternative(machine_id)
        assert alternative is not None
        completion[job.order.id] = start + alternative.duration
    if request.options.objective == Objective.MAKESPAN:
        return float(max(completion.values(), default=0))
    return sum(job.order.weight * max(0, completion[job.order.id] - job.order.due) for job in jobs)


def best_dispatch(request: PlanRequest, jobs: list[Job], available: dict[str, list[Interval]]) -> Hint | None:
    """The best schedule over the objective's priority rules (None when no rule found a complete one)."""
    rules = MAKESPAN_RULES if request.options.objective == Objective.MAKESPAN else TARDINESS_RULES
    best: Hint | None = None
    best_value = math.inf
    for rule in rules:
        hint = dispatch(jobs, available, rule)
        if hint is not None and (value := hint_objective(request, jobs, hint)) < best_value:
            best, best_value = hint, value
    return best
