"""A fast initial schedule from dispatching rules, used as the CP-SAT solution hint.

Serial schedule generation: repeatedly take the ready operation (its predecessor placed) with the
best priority and put it on the eligible machine where it ends earliest, in the first gap of that
machine's working time that fits it (gaps left earlier may be filled later). Several priority rules
are tried and the schedule with the best objective wins; this costs milliseconds and gives CP-SAT a
complete, valid start, so short time limits still give good plans.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable
from dataclasses import dataclass

from planner.calendar import Interval
from planner.domain import Objective, PlanRequest
from planner.scheduling import Hint
from planner.tasks import Alternative, Job, Task


@dataclass
class _Ready:
    job: int
    position: int
    ready_at: int


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


def dispatch(jobs: list[Job], available: dict[str, list[Interval]], rule: Priority) -> Hint | None:
    """One schedule by one rule; None when some operation finds no place before the horizon ends."""
    timelines = {m: _Timeline(w) for m, w in available.items()}
    remaining = [[sum(t.shortest for t in job.tasks[i:]) for i in range(len(job.tasks))] for job in jobs]
    ready = [_Ready(j, 0, max(job.order.release, 0)) for j, job in enumerate(jobs) if job.tasks]
    placed: Hint = {}
    while ready:
        best = min(ready, key=lambda r: rule(jobs[r.job], jobs[r.job].tasks[r.position], r.ready_at,
                                             remaining[r.job][r.position]))
        task = jobs[best.job].tasks[best.position]
        choice = _best_machine(task.alternatives, timelines, best.ready_at)
        if choice is None:
            return None
        alternative, start = choice
        timelines[alternative.machine_id].reserve(start, alternative.duration)
        placed[(task.order_id, task.index)] = (alternative.machine_id, start)
        best.position += 1
        best.ready_at = start + alternative.duration
        if best.position == len(jobs[best.job].tasks):
            ready.remove(best)
    return placed


def _best_machine(
    alternatives: tuple[Alternative, ...], timelines: dict[str, _Timeline], ready: int
) -> tuple[Alternative, int] | None:
    best: tuple[Alternative, int] | None = None
    for alternative in alternatives:
        start = timelines[alternative.machine_id].earliest_start(ready, alternative.duration)
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
